//! Plays golden fixture sessions against a bare VM acting as a minimal card: SELECT by AID
//! goes to `select` then `process` with `selectingApplet()` true; other commands go to the
//! selected applet's `process`; `reset` is a card reset. `load <fixture>` loads the CAP the
//! caller supplies for that fixture.
#![allow(dead_code)]

use jcos_apdu::CommandApdu;
use jcos_vm::runtime::{Command, Runtime};
use jcos_vm::{AppletId, Vm};

/// Test runtime state for one command at a time.
#[derive(Default)]
pub struct TestRuntime {
    pub header: [u8; 4],
    pub data: Vec<u8>,
    pub ne: usize,
    pub extended: bool,
    pub response: Vec<u8>,
    pub selecting: bool,
    pub seed: u8,
}

impl TestRuntime {
    /// Prepares `apdu` as the current command.
    pub fn set_command(&mut self, apdu: &[u8]) {
        let cmd = CommandApdu::parse(apdu).expect("test command APDU parses");
        self.header = [cmd.cla(), cmd.ins(), cmd.p1(), cmd.p2()];
        self.data = cmd.data().to_vec();
        self.ne = cmd.ne().unwrap_or(0);
        self.extended = cmd.is_extended();
        self.response.clear();
        self.selecting = false;
    }
}

impl Runtime for TestRuntime {
    fn command(&self) -> Command<'_> {
        Command {
            header: self.header,
            data: &self.data,
            ne: self.ne,
            extended: self.extended,
        }
    }

    fn send(&mut self, data: &[u8]) {
        self.response.extend_from_slice(data);
    }

    fn selecting_applet(&self) -> bool {
        self.selecting
    }

    fn channel(&self) -> u8 {
        jcos_apdu::Cla(self.header[0]).channel().unwrap_or(0)
    }

    fn random(&mut self, dst: &mut [u8]) {
        for b in dst {
            self.seed = self.seed.wrapping_mul(31).wrapping_add(7);
            *b = self.seed;
        }
    }
}

/// Decodes hex with optional spaces.
pub fn hex(s: &str) -> Vec<u8> {
    jcos_apdu::hex::decode(s).expect("valid hex in test data")
}

/// Whether `actual` matches the expected response pattern (hex, `XX` matches any byte).
pub fn matches_pattern(pattern: &str, actual: &[u8]) -> bool {
    let p: String = pattern.chars().filter(|c| !c.is_whitespace()).collect();
    if p.len() != actual.len() * 2 {
        return false;
    }
    p.as_bytes().chunks(2).zip(actual).all(|(pair, b)| {
        let s = std::str::from_utf8(pair).unwrap_or("");
        s.eq_ignore_ascii_case("XX") || u8::from_str_radix(s, 16).ok() == Some(*b)
    })
}

/// Plays `session`; `cap_for(fixture)` gives the CAP bytes `load` loads. Returns the number
/// of responses compared and the mismatches.
pub fn run_session(
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
