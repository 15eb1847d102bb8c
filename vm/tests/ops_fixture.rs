//! The golden `ops` fixture: the reference converter's CAP runs unchanged and every command
//! of its session gets exactly the expected response.

mod common;

use std::path::PathBuf;

use common::{hex, matches_pattern, TestRuntime};
use jcos_vm::{AppletId, Vm};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/jcvm-golden/ops")
}

/// Plays a session file the way a card would: SELECT by AID goes to `select` then `process`
/// with `selectingApplet()` true; everything else to the selected applet's `process`.
fn run_session(vm: &mut Vm, session: &str, dir: &std::path::Path) -> (usize, Vec<String>) {
    let mut rt = TestRuntime::default();
    let mut selected: Option<AppletId> = None;
    let mut last: Option<(String, Vec<u8>)> = None;
    let mut failures = Vec::new();
    let mut compared = 0;
    for (n, raw) in session.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "load" => {
                let cap = std::fs::read(dir.join(format!("{rest}.cap"))).expect("fixture CAP");
                vm.load_bytes(&cap).expect("fixture CAP loads");
            }
            "install" => {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                let params = parts.get(2).map(|p| hex(p)).unwrap_or_default();
                vm.install(&hex(parts[0]), &hex(parts[1]), &params, &mut rt)
                    .expect("install succeeds");
            }
            "reset" => {
                vm.reset();
                selected = None;
            }
            ">>" => {
                let apdu = hex(rest);
                rt.set_command(&apdu);
                let is_select =
                    apdu.len() > 5 && apdu[0] == 0x00 && apdu[1] == 0xA4 && apdu[2] == 0x04;
                let sw = if is_select {
                    match vm.applet_by_aid(&rt.data) {
                        Some(applet) => {
                            if let Some(old) = selected.take() {
                                vm.deselect(old, &mut rt);
                            }
                            let accepted = vm.select(applet, &mut rt);
                            if accepted != jcos_vm::Outcome::Completed(true) {
                                0x6999
                            } else {
                                selected = Some(applet);
                                rt.selecting = true;
                                vm.process(applet, &mut rt).status_word()
                            }
                        }
                        None => 0x6A82,
                    }
                } else {
                    match selected {
                        Some(applet) => vm.process(applet, &mut rt).status_word(),
                        None => 0x6D00,
                    }
                };
                let mut response = rt.response.clone();
                response.extend_from_slice(&sw.to_be_bytes());
                last = Some((format!("line {}: {rest}", n + 1), response));
            }
            "<<" => {
                let (cmd, actual) = last.take().expect("<< follows >>");
                compared += 1;
                if !matches_pattern(rest, &actual) {
                    failures.push(format!(
                        "{cmd}\n   expected {rest}\n   got      {}",
                        jcos_apdu::hex::encode(&actual)
                    ));
                }
            }
            other => panic!("unknown session directive {other}"),
        }
    }
    (compared, failures)
}

#[test]
fn ops_session_matches_every_response() {
    let dir = fixture_dir();
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
    let dir = fixture_dir();
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
