//! Running the JDK's `javac`: the compiler applets and API stubs go through.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The release every applet and stub is compiled for: Java 7, the newest language level
/// whose class files need nothing Java Card lacks.
pub const RELEASE: &str = "7";

/// A failure to run `javac` or a compilation error.
#[derive(Debug, thiserror::Error)]
pub enum JavacError {
    /// No `javac` on `PATH` nor in `$JAVA_HOME/bin`.
    #[error(
        "javac not found (install a JDK, e.g. the default-jdk-headless package, or set JAVA_HOME)"
    )]
    NotFound,
    /// `javac` could not be started.
    #[error("running {javac}: {source}")]
    Spawn {
        /// The executable.
        javac: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `javac` reported errors.
    #[error("javac failed:\n{output}")]
    Failed {
        /// Its standard error and output.
        output: String,
    },
}

/// A `javac` executable.
#[derive(Debug, Clone)]
pub struct Javac {
    path: PathBuf,
}

impl Javac {
    /// Finds `javac` in `$JAVA_HOME/bin`, then on `PATH`.
    pub fn find() -> Result<Javac, JavacError> {
        if let Some(home) = std::env::var_os("JAVA_HOME") {
            let p = Path::new(&home).join("bin").join("javac");
            if p.is_file() {
                return Ok(Javac { path: p });
            }
        }
        let path = std::env::var_os("PATH").ok_or(JavacError::NotFound)?;
        std::env::split_paths(&path)
            .map(|d| d.join("javac"))
            .find(|p| p.is_file())
            .map(|path| Javac { path })
            .ok_or(JavacError::NotFound)
    }

    /// The executable's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Compiles `sources` into `out_dir` for [`RELEASE`] with debug information (line numbers
    /// and local variable names), against `classpath`.
    pub fn compile(
        &self,
        sources: &[PathBuf],
        classpath: &[PathBuf],
        out_dir: &Path,
    ) -> Result<(), JavacError> {
        let mut cmd = Command::new(&self.path);
        // -Xlint:-options silences the warning that release 7 is deprecated; -encoding fixes
        // the source charset so builds do not depend on the locale.
        cmd.args([
            "--release",
            RELEASE,
            "-g",
            "-Xlint:-options",
            "-encoding",
            "UTF-8",
        ]);
        cmd.arg("-d").arg(out_dir);
        if !classpath.is_empty() {
            let cp = std::env::join_paths(classpath).map_err(|e| JavacError::Failed {
                output: format!("class path: {e}"),
            })?;
            cmd.arg("-cp").arg(cp);
        }
        cmd.args(sources);
        let out = cmd.output().map_err(|source| JavacError::Spawn {
            javac: self.path.clone(),
            source,
        })?;
        if out.status.success() {
            Ok(())
        } else {
            let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
            output.push_str(&String::from_utf8_lossy(&out.stdout));
            Err(JavacError::Failed { output })
        }
    }
}

/// The `.java` files under `dir`, sorted, so builds do not depend on directory order.
pub fn java_sources(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    collect(dir, "java", &mut out)?;
    out.sort();
    Ok(out)
}

/// The files with extension `ext` under `dir`, recursively, in no particular order.
pub(crate) fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, ext, out)?;
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    Ok(())
}
