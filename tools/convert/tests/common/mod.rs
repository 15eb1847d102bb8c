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

/// The shared golden fixtures directory, if present.
pub fn golden_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/jcvm-golden");
    d.is_dir().then_some(d)
}
