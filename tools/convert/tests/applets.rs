//! The applets under `applets/`: their committed CAP and export files are what the build
//! produces (what `jcos build --check` checks), and the counter answers as its Java code says.

mod common;

use jcos_convert::applets;
use jcos_vm::Vm;

#[test]
fn committed_applets_reproduce_byte_for_byte() {
    let Some(javac) = common::javac("applets::reproduce") else {
        return;
    };
    let found = applets::discover(&common::applets_dir()).expect("manifests");
    assert!(found.iter().any(|a| a.name == "counter"), "{found:?}");
    let work = tempfile::tempdir().expect("tempdir");
    let built = applets::build_all(&javac, &found, work.path(), None).expect("builds");
    let mismatches = applets::check(&built);
    assert!(
        mismatches.is_empty(),
        "rebuild with `jcos build`: {mismatches:?}"
    );
}

#[test]
fn the_counter_passes_its_session() {
    let dir = common::applets_dir().join("counter");
    let cap = std::fs::read(dir.join("counter.cap")).expect("committed CAP");
    let session = std::fs::read_to_string(dir.join("session")).expect("session");
    let mut vm = Vm::new().expect("VM");
    let (compared, failures) = common::session::run_session(&mut vm, &session, &|_| cap.clone());
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        compared,
        session.lines().filter(|l| l.starts_with("<<")).count()
    );
}

#[test]
fn the_counter_refuses_to_pass_0x7fff() {
    let cap =
        std::fs::read(common::applets_dir().join("counter/counter.cap")).expect("committed CAP");
    let mut session = String::from("load counter\ninstall F04A434F53020101 F04A434F53020101\n>> 00A4040008F04A434F53020101\n<< 9000\n");
    // 128 increments of 255 reach 0x7F80 = 32640.
    for k in 1..=128u32 {
        session.push_str(&format!(">> 8002FF0000\n<< {:04X}9000\n", k * 255));
    }
    // 0x7FFF - 0x7F80 = 127: an increment of 128 is refused, one of 127 reaches 0x7FFF.
    session.push_str(">> 8002800000\n<< 6985\n>> 8001000000\n<< 7F809000\n>> 80027F0000\n<< 7FFF9000\n>> 8002000000\n<< 6985\n");
    let mut vm = Vm::new().expect("VM");
    let (compared, failures) = common::session::run_session(&mut vm, &session, &|_| cap.clone());
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(compared, 133);
}
