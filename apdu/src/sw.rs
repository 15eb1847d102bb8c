//! Status words (SW1-SW2) of ISO 7816-4 clause 5.6, with the Java Card and GlobalPlatform
//! values seen in practice.

use crate::error::ApduError;
use std::borrow::Cow;
use std::fmt;

/// An ISO 7816-4 status word (SW1 SW2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusWord(pub u16);

// Named values. The Java Card names follow `javacard.framework.ISO7816` without the `SW_` prefix;
// the `_00` values take the low byte from the caller (see `bytes_remaining`, `correct_length`).
impl StatusWord {
    /// 9000: normal processing.
    pub const OK: StatusWord = StatusWord(0x9000);
    /// 9000: normal processing (`ISO7816.SW_NO_ERROR`).
    pub const NO_ERROR: StatusWord = StatusWord(0x9000);
    /// 6100: response bytes still available; SW2 holds the count (`ISO7816.SW_BYTES_REMAINING_00`).
    pub const BYTES_REMAINING_00: StatusWord = StatusWord(0x6100);
    /// 6200: warning, state of non-volatile memory unchanged (`ISO7816.SW_WARNING_STATE_UNCHANGED`).
    pub const WARNING_STATE_UNCHANGED: StatusWord = StatusWord(0x6200);
    /// 6281: part of the returned data may be corrupted.
    pub const DATA_MAY_BE_CORRUPTED: StatusWord = StatusWord(0x6281);
    /// 6282: end of file or record reached before reading Ne bytes.
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    /// 6283: selected file deactivated (GlobalPlatform: card locked, on SELECT).
    pub const SELECTED_FILE_DEACTIVATED: StatusWord = StatusWord(0x6283);
    /// 6284: file control information not formatted per ISO 7816-4.
    pub const FCI_NOT_FORMATTED: StatusWord = StatusWord(0x6284);
    /// 6285: selected file in termination state.
    pub const SELECTED_FILE_TERMINATED: StatusWord = StatusWord(0x6285);
    /// 6300: warning, state of non-volatile memory changed (GlobalPlatform: authentication failed).
    pub const WARNING_STATE_CHANGED: StatusWord = StatusWord(0x6300);
    /// 6310: more data available (GlobalPlatform GET STATUS and GET DATA).
    pub const MORE_DATA_AVAILABLE: StatusWord = StatusWord(0x6310);
    /// 6381: file filled up by the last write.
    pub const FILE_FILLED_UP: StatusWord = StatusWord(0x6381);
    /// 6400: execution error, state of non-volatile memory unchanged.
    pub const EXECUTION_ERROR: StatusWord = StatusWord(0x6400);
    /// 6581: memory failure.
    pub const MEMORY_FAILURE: StatusWord = StatusWord(0x6581);
    /// 6700: wrong length (`ISO7816.SW_WRONG_LENGTH`).
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// 6800: functions in CLA not supported.
    pub const CLA_FUNCTION_NOT_SUPPORTED: StatusWord = StatusWord(0x6800);
    /// 6881: logical channel not supported (`ISO7816.SW_LOGICAL_CHANNEL_NOT_SUPPORTED`).
    pub const LOGICAL_CHANNEL_NOT_SUPPORTED: StatusWord = StatusWord(0x6881);
    /// 6882: secure messaging not supported (`ISO7816.SW_SECURE_MESSAGING_NOT_SUPPORTED`).
    pub const SECURE_MESSAGING_NOT_SUPPORTED: StatusWord = StatusWord(0x6882);
    /// 6883: last command of the chain expected (`ISO7816.SW_LAST_COMMAND_EXPECTED`).
    pub const LAST_COMMAND_EXPECTED: StatusWord = StatusWord(0x6883);
    /// 6884: command chaining not supported (`ISO7816.SW_COMMAND_CHAINING_NOT_SUPPORTED`).
    pub const COMMAND_CHAINING_NOT_SUPPORTED: StatusWord = StatusWord(0x6884);
    /// 6900: command not allowed, no information given.
    pub const COMMAND_NOT_ALLOWED_NO_INFO: StatusWord = StatusWord(0x6900);
    /// 6981: command incompatible with file structure.
    pub const INCOMPATIBLE_FILE_STRUCTURE: StatusWord = StatusWord(0x6981);
    /// 6982: security status not satisfied (`ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED`).
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// 6983: authentication method blocked (`ISO7816.SW_FILE_INVALID`).
    pub const FILE_INVALID: StatusWord = StatusWord(0x6983);
    /// 6983: authentication method blocked, under its ISO 7816-4 name.
    pub const AUTH_METHOD_BLOCKED: StatusWord = StatusWord(0x6983);
    /// 6984: reference data not usable (`ISO7816.SW_DATA_INVALID`).
    pub const DATA_INVALID: StatusWord = StatusWord(0x6984);
    /// 6984: reference data not usable, under its ISO 7816-4 name.
    pub const REFERENCE_DATA_NOT_USABLE: StatusWord = StatusWord(0x6984);
    /// 6985: conditions of use not satisfied (`ISO7816.SW_CONDITIONS_NOT_SATISFIED`).
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// 6986: command not allowed, no current EF (`ISO7816.SW_COMMAND_NOT_ALLOWED`).
    pub const COMMAND_NOT_ALLOWED: StatusWord = StatusWord(0x6986);
    /// 6987: expected secure messaging data objects missing.
    pub const SM_DATA_OBJECTS_MISSING: StatusWord = StatusWord(0x6987);
    /// 6988: incorrect secure messaging data objects.
    pub const SM_DATA_OBJECTS_INCORRECT: StatusWord = StatusWord(0x6988);
    /// 6999: applet selection failed (`ISO7816.SW_APPLET_SELECT_FAILED`).
    pub const APPLET_SELECT_FAILED: StatusWord = StatusWord(0x6999);
    /// 6A00: wrong parameters P1-P2, no information given.
    pub const WRONG_PARAMETERS_NO_INFO: StatusWord = StatusWord(0x6A00);
    /// 6A80: incorrect parameters in the data field (`ISO7816.SW_WRONG_DATA`).
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A80);
    /// 6A81: function not supported (`ISO7816.SW_FUNC_NOT_SUPPORTED`).
    pub const FUNC_NOT_SUPPORTED: StatusWord = StatusWord(0x6A81);
    /// 6A82: file or application not found (`ISO7816.SW_FILE_NOT_FOUND`).
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// 6A83: record not found (`ISO7816.SW_RECORD_NOT_FOUND`).
    pub const RECORD_NOT_FOUND: StatusWord = StatusWord(0x6A83);
    /// 6A84: not enough memory space in the file (`ISO7816.SW_FILE_FULL`).
    pub const FILE_FULL: StatusWord = StatusWord(0x6A84);
    /// 6A85: Nc inconsistent with TLV structure.
    pub const NC_INCONSISTENT_WITH_TLV: StatusWord = StatusWord(0x6A85);
    /// 6A86: incorrect parameters P1-P2 (`ISO7816.SW_INCORRECT_P1P2`).
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    /// 6A87: Nc inconsistent with parameters P1-P2.
    pub const NC_INCONSISTENT_WITH_P1P2: StatusWord = StatusWord(0x6A87);
    /// 6A88: referenced data or reference data not found.
    pub const REFERENCED_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    /// 6A89: file already exists.
    pub const FILE_ALREADY_EXISTS: StatusWord = StatusWord(0x6A89);
    /// 6A8A: DF name already exists.
    pub const DF_NAME_ALREADY_EXISTS: StatusWord = StatusWord(0x6A8A);
    /// 6B00: wrong parameters P1-P2 (`ISO7816.SW_WRONG_P1P2`).
    pub const WRONG_P1P2: StatusWord = StatusWord(0x6B00);
    /// 6C00: wrong Le; SW2 holds the exact length (`ISO7816.SW_CORRECT_LENGTH_00`).
    pub const CORRECT_LENGTH_00: StatusWord = StatusWord(0x6C00);
    /// 6D00: instruction code not supported or invalid (`ISO7816.SW_INS_NOT_SUPPORTED`).
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    /// 6E00: class not supported (`ISO7816.SW_CLA_NOT_SUPPORTED`).
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    /// 6F00: no precise diagnosis (`ISO7816.SW_UNKNOWN`); Java Card's answer to an uncaught exception.
    pub const UNKNOWN: StatusWord = StatusWord(0x6F00);
    /// 9484: algorithm not supported (GlobalPlatform PUT KEY).
    pub const ALGORITHM_NOT_SUPPORTED: StatusWord = StatusWord(0x9484);
    /// 9485: invalid key check value (GlobalPlatform PUT KEY).
    pub const INVALID_KEY_CHECK_VALUE: StatusWord = StatusWord(0x9485);
}

impl StatusWord {
    /// Builds a status word from its two bytes.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }
    /// SW1.
    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }
    /// SW2.
    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }
    /// The two bytes, SW1 first.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
    /// Whether the command completed normally (9000 or 61xx).
    pub fn is_success(self) -> bool {
        self.0 == 0x9000 || self.sw1() == 0x61
    }
    /// Whether this is a warning (SW1 62 or 63): the command completed, with a qualification.
    pub fn is_warning(self) -> bool {
        matches!(self.sw1(), 0x62 | 0x63)
    }
    /// Whether the command was aborted (SW1 64 to 6F).
    pub fn is_error(self) -> bool {
        matches!(self.sw1(), 0x64..=0x6F)
    }
    /// 61xx: `count` response bytes still available (00 meaning 256 or more).
    pub fn bytes_remaining(count: u8) -> Self {
        Self::from_bytes(0x61, count)
    }
    /// 6Cxx: wrong Le, `exact` bytes available (00 meaning 256).
    pub fn correct_length(exact: u8) -> Self {
        Self::from_bytes(0x6C, exact)
    }
    /// 63Cx: a verification failed with `retries` tries left; counts above 15 are clamped to 15.
    pub fn retries_left(retries: u8) -> Self {
        Self::from_bytes(0x63, 0xC0 | retries.min(0x0F))
    }

    /// The meaning of this status word per ISO 7816-4 (table 6 of the 2013 edition), with the
    /// Java Card and GlobalPlatform values; values no table defines get their class's meaning.
    pub fn meaning(self) -> Cow<'static, str> {
        if let Some(text) = exact_meaning(self.0) {
            return Cow::Borrowed(text);
        }
        let sw2 = self.sw2();
        match self.sw1() {
            0x61 if sw2 == 0 => Cow::Borrowed("256 or more bytes available"),
            0x61 => Cow::Owned(format!("{sw2} more bytes available")),
            0x62 if (0x02..=0x80).contains(&sw2) => {
                Cow::Owned(format!("warning triggered by the card (query {sw2:02X})"))
            }
            0x63 if sw2 & 0xF0 == 0xC0 => match sw2 & 0x0F {
                1 => Cow::Borrowed("verification failed, 1 retry left"),
                n => Cow::Owned(format!("verification failed, {n} retries left")),
            },
            0x64 if (0x02..=0x80).contains(&sw2) => Cow::Owned(format!(
                "execution error triggered by the card (query {sw2:02X})"
            )),
            0x6C if sw2 == 0 => Cow::Borrowed("wrong Le, 256 bytes available"),
            0x6C => Cow::Owned(format!("wrong Le, {sw2} bytes available")),
            sw1 => Cow::Borrowed(class_meaning(sw1)),
        }
    }

    /// The status word in hex followed by its meaning, e.g. `6A82 file or application not found`.
    pub fn describe(self) -> String {
        format!("{self} {}", self.meaning())
    }
}

/// Status words with a fixed meaning.
fn exact_meaning(sw: u16) -> Option<&'static str> {
    Some(match sw {
        0x9000 => "no error",
        0x6200 => "warning, no information given (non-volatile memory unchanged)",
        0x6281 => "part of returned data may be corrupted",
        0x6282 => "end of file or record reached before reading Ne bytes",
        0x6283 => "selected file deactivated (GlobalPlatform: card locked)",
        0x6284 => "file control information not formatted according to ISO 7816-4",
        0x6285 => "selected file in termination state",
        0x6286 => "no input data available from a sensor on the card",
        0x6287 => "at least one of the referenced records is deactivated",
        0x6300 => {
            "warning, no information given (non-volatile memory changed; GlobalPlatform: authentication failed)"
        }
        0x6310 => "more data available",
        0x6381 => "file filled up by the last write",
        0x6400 => "execution error, no information given (non-volatile memory unchanged)",
        0x6401 => "immediate response required by the card",
        0x6500 => "execution error, no information given (non-volatile memory changed)",
        0x6581 => "memory failure",
        0x6600 => "security-related issue, no information given",
        0x6700 => "wrong length",
        0x6800 => "function in CLA not supported",
        0x6881 => "logical channel not supported",
        0x6882 => "secure messaging not supported",
        0x6883 => "last command of the chain expected",
        0x6884 => "command chaining not supported",
        0x6900 => "command not allowed, no information given",
        0x6981 => "command incompatible with file structure",
        0x6982 => "security status not satisfied",
        0x6983 => "authentication method blocked",
        0x6984 => "reference data not usable",
        0x6985 => "conditions of use not satisfied",
        0x6986 => "command not allowed (no current EF)",
        0x6987 => "expected secure messaging data objects missing",
        0x6988 => "incorrect secure messaging data objects",
        0x6999 => "applet selection failed",
        0x6A00 => "wrong parameters P1-P2, no information given",
        0x6A80 => "incorrect parameters in the command data field",
        0x6A81 => "function not supported",
        0x6A82 => "file or application not found",
        0x6A83 => "record not found",
        0x6A84 => "not enough memory space in the file",
        0x6A85 => "Nc inconsistent with TLV structure",
        0x6A86 => "incorrect parameters P1-P2",
        0x6A87 => "Nc inconsistent with parameters P1-P2",
        0x6A88 => "referenced data or reference data not found",
        0x6A89 => "file already exists",
        0x6A8A => "DF name already exists",
        0x6B00 => "wrong parameters P1-P2",
        0x6D00 => "instruction code not supported or invalid",
        0x6E00 => "class not supported",
        0x6F00 => "no precise diagnosis (Java Card: uncaught exception)",
        0x9484 => "algorithm not supported",
        0x9485 => "invalid key check value",
        _ => return None,
    })
}

/// The general meaning of an SW1 whose SW2 no table qualifies.
fn class_meaning(sw1: u8) -> &'static str {
    match sw1 {
        0x62 => "warning, non-volatile memory unchanged",
        0x63 => "warning, non-volatile memory changed",
        0x64 => "execution error, non-volatile memory unchanged",
        0x65 => "execution error, non-volatile memory changed",
        0x66 => "execution error, security-related issue",
        0x67 => "checking error, wrong length",
        0x68 => "checking error, function in CLA not supported",
        0x69 => "checking error, command not allowed",
        0x6A => "checking error, wrong parameters P1-P2",
        0x6B | 0x6D..=0x6F => "checking error",
        0x90..=0x9F => "application-specific status",
        _ => "unknown status word",
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// The status word a card answers when a command APDU cannot be decoded: every structural
/// fault of a command is a length fault (ISO 7816-3 clause 12.1.3).
impl From<&ApduError> for StatusWord {
    fn from(err: &ApduError) -> Self {
        match err {
            ApduError::ResponseTooShort { .. } => StatusWord::UNKNOWN,
            _ => StatusWord::WRONG_LENGTH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_status_words_read_as_iso_7816_4() {
        let table = [
            (0x9000, "no error"),
            (0x6A82, "file or application not found"),
            (0x6700, "wrong length"),
            (0x6982, "security status not satisfied"),
            (0x6985, "conditions of use not satisfied"),
            (0x6A86, "incorrect parameters P1-P2"),
            (0x6D00, "instruction code not supported or invalid"),
            (0x6E00, "class not supported"),
            (0x6999, "applet selection failed"),
            (0x6310, "more data available"),
            (0x6A88, "referenced data or reference data not found"),
            (0x6581, "memory failure"),
            (0x6883, "last command of the chain expected"),
            (0x9485, "invalid key check value"),
        ];
        for (sw, text) in table {
            assert_eq!(StatusWord(sw).meaning(), text, "{sw:04X}");
        }
        assert!(StatusWord(0x6F00).meaning().contains("uncaught exception"));
        assert!(StatusWord(0x6283).meaning().contains("card locked"));
    }

    #[test]
    fn sw2_counts_are_spelled_out() {
        assert_eq!(StatusWord(0x6110).meaning(), "16 more bytes available");
        assert_eq!(StatusWord(0x6100).meaning(), "256 or more bytes available");
        assert_eq!(
            StatusWord(0x63C2).meaning(),
            "verification failed, 2 retries left"
        );
        assert_eq!(
            StatusWord(0x63C1).meaning(),
            "verification failed, 1 retry left"
        );
        assert_eq!(
            StatusWord(0x63C0).meaning(),
            "verification failed, 0 retries left"
        );
        assert_eq!(StatusWord(0x6C20).meaning(), "wrong Le, 32 bytes available");
        assert_eq!(
            StatusWord(0x6C00).meaning(),
            "wrong Le, 256 bytes available"
        );
        assert!(StatusWord(0x6210)
            .meaning()
            .contains("triggered by the card"));
    }

    #[test]
    fn unknown_values_get_their_class() {
        assert_eq!(
            StatusWord(0x6A99).meaning(),
            "checking error, wrong parameters P1-P2"
        );
        assert_eq!(StatusWord(0x6F12).meaning(), "checking error");
        assert_eq!(
            StatusWord(0x6577).meaning(),
            "execution error, non-volatile memory changed"
        );
        assert_eq!(StatusWord(0x1234).meaning(), "unknown status word");
        assert_eq!(StatusWord(0x6012).meaning(), "unknown status word");
    }

    #[test]
    fn every_value_has_a_meaning() {
        for sw in 0..=u16::MAX {
            assert!(!StatusWord(sw).meaning().is_empty());
        }
    }

    #[test]
    fn describes_and_displays_in_upper_case_hex() {
        assert_eq!(StatusWord(0x6a82).to_string(), "6A82");
        assert_eq!(
            StatusWord(0x6A82).describe(),
            "6A82 file or application not found"
        );
        assert_eq!(StatusWord(0x0001).to_string(), "0001");
    }

    #[test]
    fn constants_match_javacard_iso7816() {
        // Values of javacard.framework.ISO7816 (Java Card 3.0.5 API).
        let table = [
            (StatusWord::NO_ERROR, 0x9000),
            (StatusWord::BYTES_REMAINING_00, 0x6100),
            (StatusWord::WRONG_LENGTH, 0x6700),
            (StatusWord::SECURITY_STATUS_NOT_SATISFIED, 0x6982),
            (StatusWord::FILE_INVALID, 0x6983),
            (StatusWord::DATA_INVALID, 0x6984),
            (StatusWord::CONDITIONS_NOT_SATISFIED, 0x6985),
            (StatusWord::COMMAND_NOT_ALLOWED, 0x6986),
            (StatusWord::APPLET_SELECT_FAILED, 0x6999),
            (StatusWord::WRONG_DATA, 0x6A80),
            (StatusWord::FUNC_NOT_SUPPORTED, 0x6A81),
            (StatusWord::FILE_NOT_FOUND, 0x6A82),
            (StatusWord::RECORD_NOT_FOUND, 0x6A83),
            (StatusWord::INCORRECT_P1P2, 0x6A86),
            (StatusWord::WRONG_P1P2, 0x6B00),
            (StatusWord::CORRECT_LENGTH_00, 0x6C00),
            (StatusWord::INS_NOT_SUPPORTED, 0x6D00),
            (StatusWord::CLA_NOT_SUPPORTED, 0x6E00),
            (StatusWord::UNKNOWN, 0x6F00),
            (StatusWord::FILE_FULL, 0x6A84),
            (StatusWord::LOGICAL_CHANNEL_NOT_SUPPORTED, 0x6881),
            (StatusWord::SECURE_MESSAGING_NOT_SUPPORTED, 0x6882),
            (StatusWord::WARNING_STATE_UNCHANGED, 0x6200),
            (StatusWord::LAST_COMMAND_EXPECTED, 0x6883),
            (StatusWord::COMMAND_CHAINING_NOT_SUPPORTED, 0x6884),
        ];
        for (sw, value) in table {
            assert_eq!(sw.0, value);
        }
    }

    #[test]
    fn builders_and_classes() {
        assert_eq!(StatusWord::bytes_remaining(0x10), StatusWord(0x6110));
        assert_eq!(StatusWord::correct_length(0x20), StatusWord(0x6C20));
        assert_eq!(StatusWord::retries_left(3), StatusWord(0x63C3));
        assert_eq!(StatusWord::retries_left(200), StatusWord(0x63CF));
        assert!(StatusWord(0x6110).is_success());
        assert!(StatusWord(0x63C1).is_warning());
        assert!(StatusWord(0x6A82).is_error());
        assert!(!StatusWord::OK.is_error());
        assert_eq!(
            StatusWord::from(&ApduError::ZeroExtendedLc),
            StatusWord::WRONG_LENGTH
        );
    }
}
