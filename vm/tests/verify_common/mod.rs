//! Shared helpers for the verifier tests: the golden fixtures and the import set that
//! resolves them (built-in API tables plus the fixtures' own export files).
#![allow(dead_code)]

use jcos_vm::cap::CapFile;
use jcos_vm::export;
use jcos_vm::verify::ImportSet;
use std::path::{Path, PathBuf};

/// Number of golden CAP files the fixtures hold.
pub const GOLDEN_CAPS: usize = 6;

/// `../shared/fixtures/jcvm-golden` from the workspace root.
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/jcvm-golden")
}

/// One golden fixture's CAP.
pub struct Golden {
    /// Fixture directory name (`ops`).
    pub fixture: String,
    /// The CAP file's bytes.
    pub bytes: Vec<u8>,
    /// The parsed CAP file.
    pub cap: CapFile,
}

/// Every golden CAP, or `None` after printing a visible skip notice when `../shared` is
/// absent.
pub fn golden() -> Option<Vec<Golden>> {
    let dir = golden_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared not present ({})", dir.display());
        return None;
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read golden dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for d in dirs {
        let mut caps: Vec<PathBuf> = std::fs::read_dir(&d)
            .expect("read fixture dir")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "cap"))
            .collect();
        caps.sort();
        for c in caps {
            let bytes = std::fs::read(&c).expect("read cap");
            let cap = CapFile::from_bytes(&bytes).expect("golden CAP parses");
            out.push(Golden {
                fixture: d.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
                cap,
            });
        }
    }
    assert_eq!(out.len(), GOLDEN_CAPS, "golden CAPs in {}", dir.display());
    Some(out)
}

/// The golden fixture `name`, if `../shared` is present.
pub fn fixture(name: &str) -> Option<Golden> {
    golden()?.into_iter().find(|g| g.fixture == name)
}

/// Built-in packages plus the export file of `sio-server`, the one user package a golden
/// CAP imports.
pub fn imports() -> ImportSet {
    let exp = std::fs::read(golden_dir().join("sio-server/server.exp")).expect("server.exp");
    let view = export::parse(&exp)
        .expect("server.exp parses")
        .package()
        .expect("server.exp resolves");
    ImportSet::builtin().expect("built-in API").with(view)
}

/// Built-in packages plus every golden export file (so errors can name public members).
pub fn imports_with_names() -> ImportSet {
    let mut set = ImportSet::builtin().expect("built-in API");
    for g in [
        "apdu/apdu.exp",
        "crypto/crypto.exp",
        "ops/ops.exp",
        "sio-client/client.exp",
        "sio-server/server.exp",
        "store/store.exp",
    ] {
        let exp = std::fs::read(golden_dir().join(g)).expect("golden .exp");
        set.add(
            export::parse(&exp)
                .expect("parses")
                .package()
                .expect("resolves"),
        );
    }
    set
}
