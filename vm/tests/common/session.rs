//! Plays golden fixture sessions against a bare VM, acting as a minimal card: SELECT by AID
//! goes to `select` then `process` with `selectingApplet()` true; other commands go to the
//! selected applet's `process`; `reset` is a card reset.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use super::{hex, matches_pattern, TestRuntime};
use jcos_vm::{AppletId, Vm};

/// The directory of golden fixture `name`.
pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/jcvm-golden")
        .join(name)
}

/// Plays a golden session file the way a card would: SELECT by AID goes to `select` then
/// `process` with `selectingApplet()` true; everything else to the selected applet's
/// `process`. `load <fixture>` loads the one `.cap` file of `jcvm-golden/<fixture>/`, next to
/// the session's directory `dir`.
pub fn run_session(vm: &mut Vm, session: &str, dir: &Path) -> (usize, Vec<String>) {
    run_session_with(vm, session, &|fixture| {
        let cap_dir = dir.parent().map(|p| p.join(fixture)).unwrap_or_default();
        let cap_path = std::fs::read_dir(&cap_dir)
            .expect("fixture directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "cap"))
            .expect("fixture CAP");
        std::fs::read(cap_path).expect("fixture CAP")
    })
}

/// Plays `session`; `cap_for(fixture)` gives the CAP bytes `load` loads. Returns the number
/// of responses compared and the mismatches.
pub fn run_session_with(
    vm: &mut Vm,
    session: &str,
    cap_for: &dyn Fn(&str) -> Vec<u8>,
) -> (usize, Vec<String>) {
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
                let cap = cap_for(rest.trim());
                if let Err(e) = vm.load_bytes(&cap) {
                    failures.push(format!("line {}: load {rest}: {e}", n + 1));
                    return (compared, failures);
                }
            }
            "install" => {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                let params = parts.get(2).map(|p| hex(p)).unwrap_or_default();
                if let Err(e) = vm.install(&hex(parts[0]), &hex(parts[1]), &params, &mut rt) {
                    failures.push(format!("line {}: install: {e:?}", n + 1));
                    return (compared, failures);
                }
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
