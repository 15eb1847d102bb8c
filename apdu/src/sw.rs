use std::fmt;

/// An ISO 7816-4 status word (SW1 SW2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// 9000: normal processing.
    pub const OK: StatusWord = StatusWord(0x9000);
    /// 6700: wrong length.
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// 6881: logical channel not supported.
    pub const LOGICAL_CHANNEL_NOT_SUPPORTED: StatusWord = StatusWord(0x6881);
    /// 6882: secure messaging not supported.
    pub const SECURE_MESSAGING_NOT_SUPPORTED: StatusWord = StatusWord(0x6882);
    /// 6884: command chaining not supported.
    pub const COMMAND_CHAINING_NOT_SUPPORTED: StatusWord = StatusWord(0x6884);
    /// 6982: security status not satisfied.
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// 6985: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// 6999: applet selection failed (Java Card).
    pub const APPLET_SELECT_FAILED: StatusWord = StatusWord(0x6999);
    /// 6A80: incorrect parameters in the data field.
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A80);
    /// 6A81: function not supported.
    pub const FUNC_NOT_SUPPORTED: StatusWord = StatusWord(0x6A81);
    /// 6A82: file or application not found.
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// 6A86: incorrect parameters P1-P2.
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    /// 6B00: wrong parameters P1-P2.
    pub const WRONG_P1P2: StatusWord = StatusWord(0x6B00);
    /// 6D00: instruction code not supported or invalid.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    /// 6E00: class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    /// 6F00: no precise diagnosis.
    pub const UNKNOWN: StatusWord = StatusWord(0x6F00);

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
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}
