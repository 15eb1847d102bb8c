//! Errors from reading and writing CAP files.

use super::tag::ComponentTag;
use thiserror::Error;

/// What went wrong at one place in a component or in the container around it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Problem {
    /// An item runs past the end of the component (or file).
    #[error("{item} truncated: needs {needed} bytes, {available} left")]
    Truncated {
        /// The item being read, in the specification's words.
        item: &'static str,
        /// Bytes the item needs.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// Bytes left over after the last item of a component.
    #[error("{count} trailing bytes after the last item")]
    Trailing {
        /// How many bytes were left.
        count: usize,
    },
    /// A value that the specification does not allow here.
    #[error("{0}")]
    Invalid(String),
}

/// An error reading or writing a CAP file. Component offsets are relative to the component's
/// `info` item (the byte after `tag` and `size`), the origin every offset in a CAP file uses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CapError {
    /// A malformed component.
    #[error("{component} component, offset {offset:#x}: {problem}")]
    Component {
        /// The component.
        component: ComponentTag,
        /// Byte offset inside the component's `info` item.
        offset: usize,
        /// What was wrong.
        problem: Problem,
    },
    /// A malformed raw (`.ijc`) component stream.
    #[error("raw CAP stream, offset {offset:#x}: {problem}")]
    Stream {
        /// Byte offset in the stream.
        offset: usize,
        /// What was wrong.
        problem: Problem,
    },
    /// A malformed or unacceptable JAR container.
    #[error("CAP JAR: {0}")]
    Jar(String),
    /// A component the CAP file must contain is absent.
    #[error("missing required {0} component")]
    Missing(ComponentTag),
    /// A component occurs twice.
    #[error("duplicate {0} component")]
    Duplicate(ComponentTag),
    /// A component was asked for that this CAP file does not contain.
    #[error("{0} component not present")]
    NotPresent(ComponentTag),
    /// The model cannot be encoded (a table or component too large for its count or size item).
    #[error("{component} component cannot be written: {what}")]
    Write {
        /// The component.
        component: ComponentTag,
        /// What does not fit.
        what: String,
    },
}

impl CapError {
    /// An `Invalid` problem in `component` at `offset`.
    pub(crate) fn invalid(component: ComponentTag, offset: usize, what: impl Into<String>) -> Self {
        CapError::Component {
            component,
            offset,
            problem: Problem::Invalid(what.into()),
        }
    }

    /// The component this error is about, if it is about one.
    pub fn component(&self) -> Option<ComponentTag> {
        match self {
            CapError::Component { component, .. } | CapError::Write { component, .. } => {
                Some(*component)
            }
            CapError::Missing(t) | CapError::Duplicate(t) | CapError::NotPresent(t) => Some(*t),
            CapError::Stream { .. } | CapError::Jar(_) => None,
        }
    }
}
