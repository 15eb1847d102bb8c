//! SELECT (ISO/IEC 7816-4:2005 clause 7.1.1, Tables 39 and 40).
//!
//! The bare card has neither applets nor files, so every well-formed SELECT ends in `6A82`;
//! what this module settles is which SELECT commands are well formed, and which of them is an
//! applet SELECT in the sense of the Java Card 3.0.5 Runtime Environment Specification §4.5.2.

use crate::error::CommandError;
use jcos_apdu::{CommandApdu, ResponseApdu};

/// P1 = 04: select by DF name (an AID).
pub(crate) const P1_BY_DF_NAME: u8 = 0x04;

/// Whether ISO/IEC 7816-4 Table 39 defines this P1: 00 MF/DF/EF by file identifier, 01 child
/// DF, 02 EF under the current DF, 03 parent DF, 04 by DF name, 08 path from the MF, 09 path
/// from the current DF.
fn p1_is_defined(p1: u8) -> bool {
    matches!(p1, 0x00..=0x04 | 0x08 | 0x09)
}

/// Whether P2 follows Table 40: b8–b5 zero (RFU otherwise); b4–b3 the response format and
/// b2–b1 the occurrence, every value of which is defined.
fn p2_is_valid(p2: u8) -> bool {
    p2 & 0xF0 == 0
}

/// Whether the command is an applet SELECT FILE (JCRE 3.0.5 §4.5.2 step 1): select by DF name
/// with a name present, without secure messaging. Such a command opens a closed logical
/// channel before the search (step 3), unlike every other command.
pub(crate) fn is_applet_select(command: &CommandApdu) -> bool {
    command.class().is_interindustry()
        && !command.class().is_secure_messaging()
        && command.p1() == P1_BY_DF_NAME
        && p2_is_valid(command.p2())
        && command.nc() > 0
}

/// Whether the command is a SELECT by DF name without a name, which selects the issuer
/// security domain (GlobalPlatform Card Specification 2.3.1 §11.9.2.3: "the Lc and data field
/// of the SELECT command may be omitted if the Issuer Security Domain is being selected").
pub(crate) fn is_isd_select(command: &CommandApdu) -> bool {
    command.class().is_interindustry()
        && !command.class().is_secure_messaging()
        && command.p1() == P1_BY_DF_NAME
        && p2_is_valid(command.p2())
        && command.nc() == 0
}

/// Answers SELECT on the bare card.
pub(crate) fn process(command: &CommandApdu) -> Result<ResponseApdu, CommandError> {
    if !p1_is_defined(command.p1()) || !p2_is_valid(command.p2()) {
        return Err(CommandError::IncorrectP1P2);
    }
    // Selection by DF name needs the name: case 3 or 4.
    if command.p1() == P1_BY_DF_NAME && command.nc() == 0 {
        return Err(CommandError::WrongLength);
    }
    // No applet carries the name (JCRE §4.5.2 step 4: no match and no active applet -> 6A82),
    // and there is no file system for the other selection methods to search.
    Err(CommandError::FileNotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> Result<ResponseApdu, CommandError> {
        process(&CommandApdu::parse(bytes).unwrap())
    }

    #[test]
    fn any_aid_is_not_found() {
        let aid = [0, 0xA4, 4, 0, 5, 0xF0, 0, 0, 0, 1];
        assert_eq!(run(&aid), Err(CommandError::FileNotFound));
        for p2 in 0x00..=0x0F {
            let mut c = aid.to_vec();
            c[3] = p2;
            assert_eq!(run(&c), Err(CommandError::FileNotFound), "P2 {p2:02X}");
        }
    }

    #[test]
    fn file_selection_is_not_found() {
        for p1 in [0u8, 1, 2, 3, 8, 9] {
            assert_eq!(
                run(&[0, 0xA4, p1, 0x0C, 2, 0x3F, 0x00]),
                Err(CommandError::FileNotFound)
            );
        }
        assert_eq!(run(&[0, 0xA4, 0, 0]), Err(CommandError::FileNotFound));
    }

    #[test]
    fn undefined_p1_and_rfu_p2_are_refused() {
        for p1 in [0x05u8, 0x07, 0x0A, 0x10, 0x80, 0xFF] {
            assert_eq!(
                run(&[0, 0xA4, p1, 0, 1, 0xAA]),
                Err(CommandError::IncorrectP1P2)
            );
        }
        for p2 in [0x10u8, 0x20, 0x80, 0xFF] {
            assert_eq!(
                run(&[0, 0xA4, 4, p2, 1, 0xAA]),
                Err(CommandError::IncorrectP1P2)
            );
        }
    }

    #[test]
    fn select_by_name_needs_a_name() {
        assert_eq!(run(&[0, 0xA4, 4, 0]), Err(CommandError::WrongLength));
        assert_eq!(run(&[0, 0xA4, 4, 0, 0]), Err(CommandError::WrongLength));
    }

    #[test]
    fn recognises_applet_select() {
        let yes = CommandApdu::parse(&[0x01, 0xA4, 4, 0, 1, 0xAA]).unwrap();
        assert!(is_applet_select(&yes));
        for no in [
            vec![0x0C, 0xA4, 4, 0, 1, 0xAA],
            vec![0x00, 0xA4, 0, 0, 2, 0x3F, 0],
            vec![0x00, 0xA4, 4, 0x10, 1, 0xAA],
            vec![0x00, 0xA4, 4, 0],
            vec![0x80, 0xA4, 4, 0, 1, 0xAA],
        ] {
            assert!(
                !is_applet_select(&CommandApdu::parse(&no).unwrap()),
                "{no:02X?}"
            );
        }
    }
}
