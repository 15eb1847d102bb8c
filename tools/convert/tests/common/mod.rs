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

pub mod session;

/// A golden fixture's `fixture.env`.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub dir: PathBuf,
    pub package: String,
    pub aid: Vec<u8>,
    pub version: (u8, u8),
    pub applets: Vec<(Vec<u8>, String)>,
    pub deps: Vec<String>,
}

/// Reads `fixture.env` of fixture `name`.
pub fn fixture(name: &str) -> Option<Fixture> {
    let dir = golden_dir()?.join(name);
    let env = std::fs::read_to_string(dir.join("fixture.env")).ok()?;
    let mut f = Fixture {
        name: name.into(),
        dir,
        package: String::new(),
        aid: Vec::new(),
        version: (1, 0),
        applets: Vec::new(),
        deps: Vec::new(),
    };
    for line in env.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim_matches('"');
        match k {
            "PKG" => f.package = v.into(),
            "PKG_AID" => f.aid = session::hex(v),
            "VERSION" => {
                let (a, b) = v.split_once('.').expect("version");
                f.version = (a.parse().expect("major"), b.parse().expect("minor"));
            }
            "APPLETS" => {
                for a in v.split_whitespace() {
                    let (aid, class) = a.split_once(':').expect("AID:class");
                    f.applets.push((session::hex(aid), class.into()));
                }
            }
            "DEPS" => f.deps = v.split_whitespace().map(String::from).collect(),
            _ => {}
        }
    }
    Some(f)
}

/// The stub classes compiled once per test binary.
pub fn stub_classes(javac: &Javac) -> PathBuf {
    static DIR: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let api = jcos_convert::api::ApiSet::load().expect("tables");
        let files = jcos_convert::stubs::generate(&api.tables).expect("stubs");
        let work = tempfile::tempdir().expect("tempdir");
        let classes =
            jcos_convert::stubs::compile(javac, &files, work.path()).expect("stubs compile");
        (work, classes)
    })
    .1
    .clone()
}
