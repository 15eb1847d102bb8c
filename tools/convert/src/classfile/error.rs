//! Class file format errors: where (byte offset) and what.

use std::fmt;

/// A class file that does not follow JVMS chapter 4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ClassFormatError {
    /// Byte offset in the class file of the item at fault.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl ClassFormatError {
    /// An error at `offset`.
    pub fn at(offset: usize, message: impl Into<String>) -> Self {
        ClassFormatError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for ClassFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offset {:#06x}: {}", self.offset, self.message)
    }
}
