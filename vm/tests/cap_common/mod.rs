//! Shared helpers for the CAP tests: locating the golden fixtures and reading JAR entries with
//! the `zip` crate directly, independently of the parser under test.
#![allow(dead_code)]

use jcos_vm::cap::ComponentTag;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The golden fixture directory, `../shared/fixtures/jcvm-golden` from the workspace root.
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/jcvm-golden")
}

/// Every golden CAP (path and bytes), or `None` after printing a skip notice when the shared
/// directory is absent. When present, at least six CAPs must be found.
pub fn golden_caps() -> Option<Vec<(PathBuf, Vec<u8>)>> {
    let dir = golden_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared not present ({})", dir.display());
        return None;
    }
    let mut out = Vec::new();
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .expect("read golden dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    for f in fixtures {
        let mut caps: Vec<_> = std::fs::read_dir(&f)
            .expect("read fixture dir")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "cap"))
            .collect();
        caps.sort();
        for c in caps {
            let bytes = std::fs::read(&c).expect("read cap");
            out.push((c, bytes));
        }
    }
    assert!(
        out.len() >= 6,
        "expected at least 6 golden CAPs in {}, found {}",
        dir.display(),
        out.len()
    );
    Some(out)
}

/// The component files of a JAR (`.../javacard/<Name>.cap`) by tag, read with `zip` directly.
pub fn jar_components(jar: &[u8]) -> Vec<(ComponentTag, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(jar)).expect("zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let name = f.name().to_string();
        let Some(file) = name
            .strip_prefix("")
            .and_then(|n| n.rsplit_once("/javacard/"))
        else {
            continue;
        };
        let Some(tag) = ComponentTag::from_file_name(file.1) else {
            continue;
        };
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read entry");
        out.push((tag, data));
    }
    out.sort_by_key(|(t, _)| *t);
    out
}
