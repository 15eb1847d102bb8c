//! The golden `crypto` fixture: the reference converter's CAP uses `javacard.security` and
//! `javacardx.crypto` with fixed keys; every response must equal the values an independent
//! library computed.

mod common;

use common::session::{fixture_dir, run_session};
use jcos_vm::Vm;

#[test]
fn crypto_session_matches_every_response() {
    let dir = fixture_dir("crypto");
    let Ok(session) = std::fs::read_to_string(dir.join("session")) else {
        println!("skipped: ../shared not present");
        return;
    };
    let mut vm = Vm::new().expect("VM");
    let (compared, failures) = run_session(&mut vm, &session, &dir);
    let expected = session
        .lines()
        .filter(|l| l.trim_start().starts_with("<<"))
        .count();
    assert_eq!(compared, expected, "every response line was compared");
    assert!(expected >= 18, "the session has its {expected} responses");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
