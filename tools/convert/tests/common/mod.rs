//! Test helpers: finding javac (tests that need it skip visibly without it, except in CI),
//! compiling Java sources, and the golden fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jcos_convert::javac::Javac;

/// `javac`, or `None` after printing why the calling test is skipped. In CI (`CI=true`) a
/// missing javac fails the test instead.
pub fn javac(test: &str) -> Option<Javac> {
    match Javac::find() {
        Ok(j) => Some(j),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{test}: {e} (CI must have a JDK)");
            }
            println!("skipped {test}: {e}");
            None
        }
    }
}

/// Writes `files` (path relative to `src`, contents) under `dir/src` and compiles them into
/// `dir/classes`, against `classpath`.
pub fn compile(
    javac: &Javac,
    dir: &Path,
    files: &[(&str, &str)],
    classpath: &[PathBuf],
) -> PathBuf {
    let src = dir.join("src");
    let mut sources = Vec::new();
    for (rel, text) in files {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write source");
        sources.push(p);
    }
    let classes = dir.join("classes");
    std::fs::create_dir_all(&classes).expect("mkdir classes");
    if let Err(e) = javac.compile(&sources, classpath, &classes) {
        panic!("{e}");
    }
    classes
}

/// The shared directory beside the repository (`$JCOS_SHARED` overrides), if present.
pub fn shared_dir() -> Option<PathBuf> {
    let d = std::env::var_os("JCOS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    d.is_dir().then_some(d)
}

/// The shared golden fixtures directory, if present.
pub fn golden_dir() -> Option<PathBuf> {
    shared_dir()
        .map(|d| d.join("fixtures/jcvm-golden"))
        .filter(|d| d.is_dir())
}

/// The repository's `applets/` directory.
pub fn applets_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../applets")
}
