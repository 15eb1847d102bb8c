//! Conformance suites of jcos live in this directory; the integration tests in `tests/` run them
//! through the same runner as `jcos conformance run`.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The directory holding the conformance suites (one subdirectory with a `suite.toml` each).
pub fn suites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}
