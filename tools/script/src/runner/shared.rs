//! Finding the shared directory (golden fixtures) beside the repository.

use std::path::{Path, PathBuf};

/// Environment variable naming the shared directory.
pub const SHARED_ENV: &str = "JCOS_SHARED";

/// The shared directory: `explicit` if given, else `$JCOS_SHARED`, else the first `shared/`
/// with a `fixtures/` directory found beside the suite directory or one of its parents.
/// `Err` says why there is none.
pub fn find_shared(explicit: Option<&Path>, suite_dir: &Path) -> Result<PathBuf, String> {
    if let Some(dir) = explicit {
        return usable(dir, "--shared");
    }
    if let Some(dir) = std::env::var_os(SHARED_ENV) {
        return usable(Path::new(&dir), SHARED_ENV);
    }
    let start = suite_dir
        .canonicalize()
        .unwrap_or_else(|_| suite_dir.to_path_buf());
    for ancestor in start.ancestors() {
        let candidate = ancestor.join("shared");
        if candidate.join("fixtures").is_dir() {
            return Ok(candidate);
        }
    }
    Err(format!(
        "the shared directory is absent: none given with --shared or {SHARED_ENV}, and no \
         shared/fixtures/ beside {} or its parents",
        start.display()
    ))
}

fn usable(dir: &Path, source: &str) -> Result<PathBuf, String> {
    if dir.is_dir() {
        Ok(dir.to_path_buf())
    } else {
        Err(format!(
            "the shared directory {} (from {source}) does not exist",
            dir.display()
        ))
    }
}
