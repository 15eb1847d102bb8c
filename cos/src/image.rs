//! Card image files: one card's persistent state on disk, shared by separate `jcos` runs.

use std::path::PathBuf;

/// Why a card image could not be opened or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The image file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
