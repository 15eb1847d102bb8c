//! The golden `ops` fixture: the reference converter's CAP runs unchanged and every command
//! of its session gets exactly the expected response.

mod common;

use common::session::{fixture_dir, run_session};
use jcos_vm::Vm;

#[test]
fn ops_session_matches_every_response() {
    let dir = fixture_dir("ops");
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
    assert!(expected > 50, "the session has its {expected} responses");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_wrong_expectation_is_reported() {
    let dir = fixture_dir("ops");
    let Ok(session) = std::fs::read_to_string(dir.join("session")) else {
        println!("skipped: ../shared not present");
        return;
    };
    // The arith command's expected a+b (049A) altered: the runner must notice.
    let altered = session.replacen("<< 049A050A", "<< 049B050A", 1);
    assert_ne!(altered, session);
    let mut vm = Vm::new().expect("VM");
    let (_, failures) = run_session(&mut vm, &altered, &dir);
    assert_eq!(failures.len(), 1, "{failures:?}");
}

/// Runs a fixture's session on a fresh VM; `None` when ../shared is absent.
fn play(name: &str) -> Option<(usize, Vec<String>)> {
    let dir = fixture_dir(name);
    let Ok(session) = std::fs::read_to_string(dir.join("session")) else {
        println!("skipped: ../shared not present");
        return None;
    };
    let mut vm = Vm::new().expect("VM");
    Some(run_session(&mut vm, &session, &dir))
}

#[test]
fn store_session_transactions_transients_and_two_instances() {
    let Some((compared, failures)) = play("store") else {
        return;
    };
    assert!(compared >= 30);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sio_session_shareable_objects_across_packages() {
    let Some((compared, failures)) = play("sio-client") else {
        return;
    };
    assert!(compared >= 10);
    // The session expects the server, called through its shareable interface, to reach the
    // APDU buffer with APDU.getCurrentAPDUBuffer(). The API forbids that: "SecurityException
    // if the current context is not the context of the currently selected applet" (Java Card
    // 3.0.5 API, APDU.getCurrentAPDUBuffer), so the uncaught SecurityException gives 6F00.
    // The fixture README lets the specification win; every other command must match.
    assert_eq!(failures.len(), 1, "{}", failures.join("\n"));
    assert!(
        failures[0].contains(": 8034000000") && failures[0].contains("got      6F00"),
        "{}",
        failures[0]
    );
}

#[test]
fn apdu_session_passes_except_logical_channels() {
    let Some((compared, failures)) = play("apdu") else {
        return;
    };
    assert!(compared >= 20);
    // MANAGE CHANNEL and commands on channels 1..3 belong to the card runtime, which this
    // bare runner does not implement; every other command must match.
    for f in &failures {
        let apdu = f
            .split(": ")
            .nth(1)
            .and_then(|s| s.lines().next())
            .expect("failure names its command");
        let bytes = common::hex(apdu);
        let on_channel = bytes[0] & 0x03 != 0;
        let manage_channel = bytes[1] == 0x70;
        assert!(on_channel || manage_channel, "unexpected mismatch: {f}");
    }
}

#[test]
fn multiselectable_applets_get_the_multiselectable_callbacks() {
    let (Ok(apdu_cap), Ok(ops_cap)) = (
        std::fs::read(fixture_dir("apdu").join("apdu.cap")),
        std::fs::read(fixture_dir("ops").join("ops.cap")),
    ) else {
        println!("skipped: ../shared not present");
        return;
    };
    let mut vm = Vm::new().expect("VM");
    let mut rt = common::TestRuntime::default();
    vm.load_bytes(&apdu_cap).expect("apdu loads");
    vm.load_bytes(&ops_cap).expect("ops loads");
    let cases_aid = common::hex("F04A434F53100501");
    let ops_aid = common::hex("F04A434F53100101");
    let cases = vm
        .install(&cases_aid, &cases_aid, &[], &mut rt)
        .expect("install");
    let ops = vm
        .install(&ops_aid, &ops_aid, &[], &mut rt)
        .expect("install");
    assert!(vm.is_multiselectable(cases));
    assert!(!vm.is_multiselectable(ops));
    // Cases.select(boolean) returns true; Ops has no MultiSelectable methods.
    assert_eq!(
        vm.select_multi(cases, true, &mut rt),
        Some(jcos_vm::Outcome::Completed(true))
    );
    assert_eq!(vm.select_multi(ops, false, &mut rt), None);
    assert_eq!(
        vm.deselect_multi(cases, false, &mut rt),
        Some(jcos_vm::Outcome::Completed(false))
    );
}

#[test]
fn load_errors_name_the_package_and_the_problem() {
    let (Ok(client), Ok(ops_cap)) = (
        std::fs::read(fixture_dir("sio-client").join("client.cap")),
        std::fs::read(fixture_dir("ops").join("ops.cap")),
    ) else {
        println!("skipped: ../shared not present");
        return;
    };
    let mut vm = Vm::new().expect("VM");
    // The client imports the server package (F04A434F531003), which is not loaded.
    let err = vm.load_bytes(&client).expect_err("missing import");
    assert!(matches!(
        &err.info().kind,
        jcos_vm::link::LoadErrorKind::MissingImport { aid, major: 1, .. } if aid == "F04A434F531003"
    ));
    assert_eq!(err.info().package, "golden/sio/client");
    vm.load_bytes(&ops_cap).expect("ops loads");
    let again = vm.load_bytes(&ops_cap).expect_err("already loaded");
    assert_eq!(
        again.info().kind,
        jcos_vm::link::LoadErrorKind::AlreadyLoaded
    );
    // A failed load leaves the card as it was: the ops applet still installs.
    let aid = common::hex("F04A434F53100101");
    let mut rt = common::TestRuntime::default();
    assert!(vm.install(&aid, &aid, &[], &mut rt).is_ok());
}
