//! The SDK apdutool's output lines.
//!
//! Each exchange is one line: `CLA: 80, INS: 10, P1: 01, P2: 02, Lc: 02, 0a, 0b, Le: 02, 01,
//! 02, SW1: 90, SW2: 00`, in lower-case hex of at least two digits. `Lc` is the number of
//! command data bytes followed by those bytes; `Le` is the number of response data bytes the
//! card returned (not the LE written in the script) followed by those bytes.

use jcos_apdu::CommandApdu;
use std::fmt::Write as _;

/// The SDK tool's hex: lower case, at least two digits.
fn hex(value: usize) -> String {
    format!("{value:02x}")
}

/// The output line for one exchange; `None` when the response has no status word.
pub fn exchange_line(command: &CommandApdu, response: &[u8]) -> Option<String> {
    let [data @ .., sw1, sw2] = response else {
        return None;
    };
    let mut line = String::new();
    let _ = write!(
        line,
        "CLA: {}, INS: {}, P1: {}, P2: {}, Lc: {}, ",
        hex(command.cla().into()),
        hex(command.ins().into()),
        hex(command.p1().into()),
        hex(command.p2().into()),
        hex(command.nc())
    );
    for b in command.data() {
        let _ = write!(line, "{}, ", hex((*b).into()));
    }
    let _ = write!(line, "Le: {}, ", hex(data.len()));
    for b in data {
        let _ = write!(line, "{}, ", hex((*b).into()));
    }
    let _ = write!(
        line,
        "SW1: {}, SW2: {}",
        hex((*sw1).into()),
        hex((*sw2).into())
    );
    Some(line)
}

/// The line printed for `powerup;`, as the SDK tool prints the ATR it receives.
pub fn atr_line(atr: &[u8]) -> String {
    let mut line = String::from("Received ATR =");
    for b in atr {
        let _ = write!(line, " 0x{b:02x}");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_issue_example() {
        let apdu = CommandApdu::new(0x80, 0x10, 0x01, 0x02, vec![], Some(0x7F)).unwrap();
        assert_eq!(
            exchange_line(&apdu, &[0x01, 0x02, 0x90, 0x00]).unwrap(),
            "CLA: 80, INS: 10, P1: 01, P2: 02, Lc: 00, Le: 02, 01, 02, SW1: 90, SW2: 00"
        );
        assert_eq!(exchange_line(&apdu, &[0x90]), None);
        assert_eq!(atr_line(&[0x3B, 0x00]), "Received ATR = 0x3b 0x00");
    }

    #[test]
    fn lengths_above_a_byte_use_more_digits() {
        let apdu = CommandApdu::new(0x80, 0x02, 0, 0, vec![], Some(256)).unwrap();
        let mut response = vec![0u8; 256];
        response.extend([0x90, 0x00]);
        let line = exchange_line(&apdu, &response).unwrap();
        assert!(line.contains("Le: 100, 00, "), "{line}");
    }
}
