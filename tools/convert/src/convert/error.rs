//! Conversion errors. Errors about code name the class, the method and the source line.

use std::fmt;
use std::path::PathBuf;

use crate::classfile::ClassFormatError;

/// Where in the Java program a problem is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// Class, dotted (`golden.ops.Ops`).
    pub class: String,
    /// Method name and descriptor (`arith(Ljavacard/framework/APDU;[B)S`).
    pub method: Option<String>,
    /// Field name.
    pub field: Option<String>,
    /// Source line, from the `LineNumberTable`.
    pub line: Option<u16>,
    /// Source file, from the `SourceFile` attribute.
    pub source_file: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "class {}", self.class)?;
        if let Some(m) = &self.method {
            write!(f, ", method {m}")?;
        }
        if let Some(x) = &self.field {
            write!(f, ", field {x}")?;
        }
        if let Some(l) = self.line {
            match &self.source_file {
                Some(s) => write!(f, ", line {l} ({s}:{l})")?,
                None => write!(f, ", line {l}")?,
            }
        }
        Ok(())
    }
}

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A class file is malformed.
    #[error("{path}: {source}")]
    ClassFile {
        /// The class file.
        path: PathBuf,
        /// What is wrong and where.
        source: ClassFormatError,
    },
    /// An export file on the export path is malformed.
    #[error("{path}: {source}")]
    ExportFile {
        /// The export file.
        path: PathBuf,
        /// What is wrong.
        source: jcos_vm::export::ExportError,
    },
    /// The options do not describe a convertible package.
    #[error("{0}")]
    Options(String),
    /// The program uses something Java Card does not have.
    #[error("{at}: {message}")]
    Unsupported {
        /// Where.
        at: Box<Location>,
        /// What.
        message: String,
    },
    /// A reference does not resolve against this package and its imports.
    #[error("{at}: {message}")]
    Link {
        /// Where.
        at: Box<Location>,
        /// What.
        message: String,
    },
    /// The package exceeds a limit of the CAP format.
    #[error("{0}")]
    Limit(String),
    /// Writing a component failed.
    #[error(transparent)]
    Cap(#[from] Box<jcos_vm::cap::CapError>),
}

impl ConvertError {
    /// An unsupported-feature error at `at`.
    pub fn unsupported(at: Location, message: impl Into<String>) -> Self {
        ConvertError::Unsupported {
            at: Box::new(at),
            message: message.into(),
        }
    }

    /// A resolution error at `at`.
    pub fn link(at: Location, message: impl Into<String>) -> Self {
        ConvertError::Link {
            at: Box::new(at),
            message: message.into(),
        }
    }

    /// Where in the program the error is, for errors about code.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ConvertError::Unsupported { at, .. } | ConvertError::Link { at, .. } => Some(at),
            _ => None,
        }
    }
}

impl From<jcos_vm::cap::CapError> for ConvertError {
    fn from(e: jcos_vm::cap::CapError) -> Self {
        ConvertError::Cap(Box::new(e))
    }
}
