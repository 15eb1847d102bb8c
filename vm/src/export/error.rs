//! Errors of export file parsing, writing and resolution.

/// What is wrong with an export file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportErrorKind {
    /// The file ends inside an item.
    #[error("unexpected end of file reading {what}")]
    Truncated {
        /// The item being read.
        what: &'static str,
    },
    /// The first four bytes are not 0x00FACADE.
    #[error("bad magic 0x{0:08x}, expected 0x00facade")]
    BadMagic(u32),
    /// A format version this implementation does not know.
    #[error("unsupported export file format {major}.{minor} (2.1, 2.2 and 2.3 are supported)")]
    UnsupportedFormat {
        /// Major version.
        major: u8,
        /// Minor version.
        minor: u8,
    },
    /// `constant_pool_count` is zero.
    #[error("the constant pool is empty")]
    EmptyConstantPool,
    /// A constant pool tag outside Utf8 (1), Integer (3), Classref (7), Package (13).
    #[error("constant pool entry {index} has unknown tag {tag}")]
    UnknownTag {
        /// Constant pool index.
        index: u16,
        /// The tag byte.
        tag: u8,
    },
    /// A CONSTANT_Utf8 whose bytes are not valid UTF-8.
    #[error("constant pool entry {index} is not valid UTF-8")]
    InvalidUtf8 {
        /// Constant pool index.
        index: u16,
    },
    /// A CONSTANT_Package whose AID length is outside 5..=16.
    #[error("constant pool entry {index} has AID length {len}, expected 5..=16")]
    BadAidLength {
        /// Constant pool index.
        index: u16,
        /// The declared length.
        len: u8,
    },
    /// A constant pool index past the end of the pool.
    #[error("{what} {index} is outside the constant pool ({count} entries)")]
    IndexOutOfRange {
        /// The item holding the index.
        what: &'static str,
        /// The index.
        index: u16,
        /// Number of constant pool entries.
        count: usize,
    },
    /// A constant pool index naming the wrong kind of constant.
    #[error("{what} {index} is a {found}, expected a {expected}")]
    WrongConstant {
        /// The item holding the index.
        what: &'static str,
        /// The index.
        index: u16,
        /// Kind the item requires.
        expected: &'static str,
        /// Kind found there.
        found: &'static str,
    },
    /// A ConstantValue attribute whose length is not 2.
    #[error("ConstantValue attribute has length {0}, expected 2")]
    BadConstantValueLength(u32),
    /// Bytes after the last class.
    #[error("{0} trailing bytes after the last class")]
    TrailingBytes(usize),
    /// A table too long for its count field (writing).
    #[error("{what} has {count} entries, at most {max} can be encoded")]
    TooMany {
        /// The table.
        what: &'static str,
        /// Its length.
        count: usize,
        /// The largest encodable count.
        max: usize,
    },
    /// Format 2.3 content in a file of an earlier format (writing).
    #[error("{what} needs export file format 2.3, the file is {major}.{minor}")]
    NeedsFormat23 {
        /// The 2.3-only item.
        what: &'static str,
        /// Major version of the file.
        major: u8,
        /// Minor version of the file.
        minor: u8,
    },
}

/// An export file error: where (the byte offset, for errors found in bytes) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    /// Byte offset of the offending item in the input; `None` for errors in a model that was
    /// not read from bytes (writing, resolving a hand-built file).
    pub offset: Option<usize>,
    /// What is wrong.
    pub kind: ExportErrorKind,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "export file offset 0x{offset:x}: {}", self.kind),
            None => write!(f, "export file: {}", self.kind),
        }
    }
}

impl std::error::Error for ExportError {}

impl ExportError {
    /// An error at a byte offset of the input.
    pub(crate) fn at(offset: usize, kind: ExportErrorKind) -> Self {
        ExportError {
            offset: Some(offset),
            kind,
        }
    }

    /// An error in a model.
    pub(crate) fn model(kind: ExportErrorKind) -> Self {
        ExportError { offset: None, kind }
    }
}
