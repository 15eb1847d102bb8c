//! Why a file-system command was refused, and the one mapping from those reasons to status
//! words (ISO/IEC 7816-4:2005 clause 5.1.3, Tables 5 and 6).

use jcos_apdu::StatusWord;

/// A refusal of a file-system command; [`From<FsError> for StatusWord`] gives its SW1-SW2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// Lc or Le do not fit the command (`6700`).
    #[error("wrong length")]
    WrongLength,
    /// The command is not compatible with the file's structure (`6981`).
    #[error("command incompatible with file structure")]
    IncompatibleStructure,
    /// The access condition of the file is not met (`6982`).
    #[error("security status not satisfied")]
    SecurityNotSatisfied,
    /// The PIN or key is blocked (`6983`).
    #[error("authentication method blocked")]
    Blocked,
    /// The reference data exists but cannot be used (no value yet) (`6984`).
    #[error("reference data not usable")]
    ReferenceDataNotUsable,
    /// The command is not allowed in the current state (life cycle, no challenge) (`6985`).
    #[error("conditions of use not satisfied")]
    ConditionsNotSatisfied,
    /// There is no current EF for a command that needs one (`6986`).
    #[error("command not allowed (no current EF)")]
    NoCurrentEf,
    /// The data field is malformed or holds a wrong value (`6A80`).
    #[error("incorrect parameters in the data field")]
    WrongData,
    /// The function named by P1-P2 is not supported (`6A81`).
    #[error("function not supported")]
    FuncNotSupported,
    /// No file matches (`6A82`).
    #[error("file or application not found")]
    FileNotFound,
    /// No record matches (`6A83`).
    #[error("record not found")]
    RecordNotFound,
    /// The file or the card has no room for the data (`6A84`).
    #[error("not enough memory space in the file")]
    NotEnoughMemory,
    /// P1-P2 are not valid for this instruction (`6A86`).
    #[error("incorrect parameters P1-P2")]
    IncorrectP1P2,
    /// Nc does not fit P1-P2 (`6A87`).
    #[error("Nc inconsistent with P1-P2")]
    NcInconsistentWithP1P2,
    /// The referenced PIN, key or data object does not exist (`6A88`).
    #[error("referenced data not found")]
    ReferencedDataNotFound,
    /// CREATE FILE with a file identifier already used in the DF (`6A89`).
    #[error("file already exists")]
    FileExists,
    /// CREATE FILE with a DF name already used on the card (`6A8A`).
    #[error("DF name already exists")]
    DfNameExists,
    /// The offset lies outside the EF (`6B00`).
    #[error("offset outside the EF")]
    OffsetOutsideEf,
    /// The instruction is not one the file system knows (`6D00`).
    #[error("instruction not supported")]
    InsNotSupported,
}

impl From<FsError> for StatusWord {
    fn from(error: FsError) -> Self {
        StatusWord(match error {
            FsError::WrongLength => 0x6700,
            FsError::IncompatibleStructure => 0x6981,
            FsError::SecurityNotSatisfied => 0x6982,
            FsError::Blocked => 0x6983,
            FsError::ReferenceDataNotUsable => 0x6984,
            FsError::ConditionsNotSatisfied => 0x6985,
            FsError::NoCurrentEf => 0x6986,
            FsError::WrongData => 0x6A80,
            FsError::FuncNotSupported => 0x6A81,
            FsError::FileNotFound => 0x6A82,
            FsError::RecordNotFound => 0x6A83,
            FsError::NotEnoughMemory => 0x6A84,
            FsError::IncorrectP1P2 => 0x6A86,
            FsError::NcInconsistentWithP1P2 => 0x6A87,
            FsError::ReferencedDataNotFound => 0x6A88,
            FsError::FileExists => 0x6A89,
            FsError::DfNameExists => 0x6A8A,
            FsError::OffsetOutsideEf => 0x6B00,
            FsError::InsNotSupported => 0x6D00,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_iso_status_words() {
        let cases = [
            (FsError::WrongLength, 0x6700),
            (FsError::IncompatibleStructure, 0x6981),
            (FsError::SecurityNotSatisfied, 0x6982),
            (FsError::Blocked, 0x6983),
            (FsError::ReferenceDataNotUsable, 0x6984),
            (FsError::ConditionsNotSatisfied, 0x6985),
            (FsError::NoCurrentEf, 0x6986),
            (FsError::WrongData, 0x6A80),
            (FsError::FuncNotSupported, 0x6A81),
            (FsError::FileNotFound, 0x6A82),
            (FsError::RecordNotFound, 0x6A83),
            (FsError::NotEnoughMemory, 0x6A84),
            (FsError::IncorrectP1P2, 0x6A86),
            (FsError::NcInconsistentWithP1P2, 0x6A87),
            (FsError::ReferencedDataNotFound, 0x6A88),
            (FsError::FileExists, 0x6A89),
            (FsError::DfNameExists, 0x6A8A),
            (FsError::OffsetOutsideEf, 0x6B00),
            (FsError::InsNotSupported, 0x6D00),
        ];
        for (error, sw) in cases {
            assert_eq!(StatusWord::from(error), StatusWord(sw), "{error:?}");
        }
    }
}
