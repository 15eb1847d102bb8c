//! A minimal card runtime for driving the VM from tests: it decodes one short or extended
//! command APDU, collects response data, and answers `selectingApplet`. Not a product
//! runtime: no channels, no chaining, no GET RESPONSE.
#![allow(dead_code)]

pub mod session;

use jcos_apdu::CommandApdu;
use jcos_vm::runtime::{Command, Runtime};

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
