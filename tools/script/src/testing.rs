//! A scripted card for unit tests: fixed answers per command, a record of what was sent.

use jcos_transport::{Transport, TransportError};
use std::collections::HashMap;

/// Answers each command from a table (6D00 for anything else) and records the commands.
#[derive(Default)]
pub(crate) struct ScriptedCard {
    pub(crate) answers: HashMap<Vec<u8>, Vec<u8>>,
    pub(crate) sent: Vec<Vec<u8>>,
    pub(crate) powered: bool,
    pub(crate) resets: usize,
}

impl ScriptedCard {
    pub(crate) fn with(answers: &[(&str, &str)]) -> Self {
        let decode = |s: &str| jcos_apdu::hex::decode(s).expect("test hex");
        Self {
            answers: answers
                .iter()
                .map(|(c, r)| (decode(c), decode(r)))
                .collect(),
            ..Self::default()
        }
    }
}

impl Transport for ScriptedCard {
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError> {
        self.powered = true;
        Ok(vec![0x3B, 0x00])
    }
    fn power_off(&mut self) -> Result<(), TransportError> {
        self.powered = false;
        Ok(())
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        self.resets += 1;
        self.power_on()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(apdu.to_vec());
        Ok(self
            .answers
            .get(apdu)
            .cloned()
            .unwrap_or_else(|| vec![0x6D, 0x00]))
    }
}
