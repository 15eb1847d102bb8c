//! The conformance suite `conformance/golden-ours`: one directory per golden fixture whose
//! manifest says what the fixture's `fixture.env` says and whose committed CAP and export
//! files are what jcos convert makes from the fixture's sources today. The suite runs the
//! fixtures' sessions from the shared directory (`conformance/tests/golden_ours.rs`).

mod common;

use std::path::PathBuf;

use jcos_convert::applets;

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../conformance/golden-ours")
}

#[test]
fn every_fixture_has_its_directory_and_manifest() {
    let Some(golden) = common::golden_dir() else {
        println!("skipped: ../shared not present");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&golden)
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("fixture.env").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for n in &names {
        let f = common::fixture(n).expect("fixture.env");
        let dir = suite_dir().join(n);
        let a = applets::read_applet(&dir).unwrap_or_else(|e| panic!("{n}: {e}"));
        let m = &a.manifest;
        assert_eq!(m.package, f.package, "{n}");
        assert_eq!(common::session::hex(&m.aid), f.aid, "{n}");
        assert_eq!(m.version, format!("{}.{}", f.version.0, f.version.1), "{n}");
        assert_eq!(m.imports, f.deps, "{n}");
        let applets: Vec<(Vec<u8>, String)> = m
            .applets
            .iter()
            .map(|x| (common::session::hex(&x.aid), x.class.clone()))
            .collect();
        assert_eq!(applets, f.applets, "{n}");
        assert_eq!(
            m.sources.as_deref(),
            Some(format!("shared:fixtures/jcvm-golden/{n}/src").as_str())
        );
        // The suite reads each session from the shared fixture itself.
        assert!(!dir.join("session").exists(), "{n}/session is a copy");
    }
}

#[test]
fn the_committed_caps_are_what_jcos_convert_makes_of_the_fixtures() {
    let Some(javac) = common::javac("golden_ours::reproduce") else {
        return;
    };
    let Some(shared) = common::shared_dir() else {
        println!("skipped: ../shared not present");
        return;
    };
    let found = applets::discover(&suite_dir()).expect("manifests");
    assert!(found.len() >= 6);
    let work = tempfile::tempdir().expect("tempdir");
    let built = applets::build_all(&javac, &found, work.path(), Some(&shared)).expect("builds");
    let mismatches = applets::check(&built);
    assert!(
        mismatches.is_empty(),
        "rebuild with `jcos build conformance/golden-ours`: {mismatches:?}"
    );
}
