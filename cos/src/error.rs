//! Why a command was refused, and the one mapping from those reasons to status words.
//!
//! Command handlers return `Err(CommandError)`; only [`From<CommandError> for StatusWord`]
//! decides which SW1-SW2 the terminal sees, so a reason is coded the same way everywhere.

use jcos_apdu::StatusWord;

/// Why the card did not process a command (ISO/IEC 7816-4:2005 clause 5.1.3, Tables 5 and 6,
/// and the Java Card 3.0.5 Runtime Environment Specification chapter 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommandError {
    /// The bytes are not a command APDU of any case, or the case does not fit the command.
    WrongLength,
    /// Ne does not match what the card has; carries the exact count (T=0 `6Cxx`, and the
    /// JCRE's `6C01` for MANAGE CHANNEL OPEN).
    CorrectLength(u8),
    /// A class byte the card does not support.
    ClassNotSupported,
    /// An instruction the card does not know, or an invalid INS (`6X`, `9X`).
    InsNotSupported,
    /// The logical channel in CLA is closed or unsupported.
    LogicalChannelNotSupported,
    /// CLA indicates secure messaging, which the card does not support.
    SecureMessagingNotSupported,
    /// CLA indicates command chaining, which the card does not support.
    ChainingNotSupported,
    /// The command is valid but not allowed in the current state.
    ConditionsNotSatisfied,
    /// The function requested by P1-P2 is not supported.
    FuncNotSupported,
    /// No file or application matches.
    FileNotFound,
    /// P1-P2 are not valid for this instruction.
    IncorrectP1P2,
    /// The data object referenced by P1-P2 does not exist.
    ReferencedDataNotFound,
    /// No applet is active on the channel a command is dispatched to (JCRE 3.0.5 §4.7).
    AppletSelectFailed,
    /// Nothing done, and nothing was wrong enough for an error: SW `6200` (a warning).
    StateUnchanged,
}

impl From<CommandError> for StatusWord {
    fn from(error: CommandError) -> Self {
        match error {
            CommandError::WrongLength => StatusWord::WRONG_LENGTH,
            CommandError::CorrectLength(n) => StatusWord::from_bytes(0x6C, n),
            CommandError::ClassNotSupported => StatusWord::CLA_NOT_SUPPORTED,
            CommandError::InsNotSupported => StatusWord::INS_NOT_SUPPORTED,
            CommandError::LogicalChannelNotSupported => StatusWord::LOGICAL_CHANNEL_NOT_SUPPORTED,
            CommandError::SecureMessagingNotSupported => StatusWord::SECURE_MESSAGING_NOT_SUPPORTED,
            CommandError::ChainingNotSupported => StatusWord::COMMAND_CHAINING_NOT_SUPPORTED,
            CommandError::ConditionsNotSatisfied => StatusWord::CONDITIONS_NOT_SATISFIED,
            CommandError::FuncNotSupported => StatusWord::FUNC_NOT_SUPPORTED,
            CommandError::FileNotFound => StatusWord::FILE_NOT_FOUND,
            CommandError::IncorrectP1P2 => StatusWord::INCORRECT_P1P2,
            CommandError::ReferencedDataNotFound => REFERENCED_DATA_NOT_FOUND,
            CommandError::AppletSelectFailed => StatusWord::APPLET_SELECT_FAILED,
            CommandError::StateUnchanged => WARNING_STATE_UNCHANGED,
        }
    }
}

/// 6A88: referenced data or reference data not found.
const REFERENCED_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
/// 6200: warning, no information given; non-volatile memory unchanged.
const WARNING_STATE_UNCHANGED: StatusWord = StatusWord(0x6200);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_iso_status_words() {
        let cases = [
            (CommandError::WrongLength, 0x6700),
            (CommandError::CorrectLength(0x0D), 0x6C0D),
            (CommandError::ClassNotSupported, 0x6E00),
            (CommandError::InsNotSupported, 0x6D00),
            (CommandError::LogicalChannelNotSupported, 0x6881),
            (CommandError::SecureMessagingNotSupported, 0x6882),
            (CommandError::ChainingNotSupported, 0x6884),
            (CommandError::ConditionsNotSatisfied, 0x6985),
            (CommandError::FuncNotSupported, 0x6A81),
            (CommandError::FileNotFound, 0x6A82),
            (CommandError::IncorrectP1P2, 0x6A86),
            (CommandError::ReferencedDataNotFound, 0x6A88),
            (CommandError::AppletSelectFailed, 0x6999),
            (CommandError::StateUnchanged, 0x6200),
        ];
        for (error, sw) in cases {
            assert_eq!(StatusWord::from(error), StatusWord(sw), "{error:?}");
        }
    }
}
