//! What running one script produces: a pass, or a failure that says where and why.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a script file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// Line, counted from 1.
    pub line: usize,
    /// Column, counted from 1, where known.
    pub column: Option<usize>,
}

impl Location {
    /// A location with a line and column.
    pub fn new(file: &Path, line: usize, column: Option<usize>) -> Self {
        Self {
            file: file.to_path_buf(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

/// Why a script failed: where (if it is known) and a readable explanation, which may span
/// several lines (expected and actual responses, a diff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Where the failing step is.
    pub location: Option<Location>,
    /// What went wrong.
    pub message: String,
}

impl Failure {
    /// A failure at a location.
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        Self {
            location: Some(location),
            message: message.into(),
        }
    }
    /// A failure of the script as a whole.
    pub fn whole(message: impl Into<String>) -> Self {
        Self {
            location: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The result of running one script to its end or to its first failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step and assertion held.
    Passed,
    /// A step or assertion failed.
    Failed(Failure),
}

impl Outcome {
    /// Whether the script passed.
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Passed)
    }
}
