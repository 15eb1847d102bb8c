//! `jcos card new --profile` and `jcos fs tree`, driven as a user would.

use std::path::Path;
use std::process::{Command, Output};

fn jcos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jcos"))
        .args(args)
        .output()
        .expect("jcos runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn profile() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../profiles/flow-d-services.toml")
        .display()
        .to_string()
}

#[test]
fn a_profile_card_keeps_its_files_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("d.img");
    let image = image.to_str().unwrap();
    let out = jcos(&["card", "new", image, "--profile", &profile()]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Points go up from 1234 to 1500 only for the store: without its key, 6982.
    let out = jcos(&[
        "send",
        image,
        "00A4040C07F04A434F530001",
        "00D6810004000005DC",
    ]);
    assert!(text(&out.stdout).contains("6982"), "{}", text(&out.stdout));
    // A wrong member PIN spends a try, which the next run still sees.
    let out = jcos(&[
        "send",
        image,
        "00A4040C07F04A434F530002",
        "002000830430303030",
    ]);
    assert!(text(&out.stdout).contains("63C2"), "{}", text(&out.stdout));
    let out = jcos(&["fs", "tree", image]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tree = text(&out.stdout);
    assert!(
        tree.contains("0022 internal EF PIN 3, 2/3 tries left (value hidden)"),
        "{tree}"
    );
    assert!(
        tree.contains("1001 EF SFI 1 transparent, 4 bytes: 000004D2"),
        "{tree}"
    );
    assert!(!tree.contains("202122232425262728292A2B2C2D2E2F"), "{tree}");
}

#[test]
fn a_card_without_profile_has_no_tree_and_bad_profiles_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("bare.img");
    let image = image.to_str().unwrap();
    assert!(jcos(&["card", "new", image]).status.success());
    let out = jcos(&["fs", "tree", image]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("has no file system"),
        "{}",
        text(&out.stderr)
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[file]]\npath = \"0001\"\ntype = \"folder\"\n").unwrap();
    let other = dir.path().join("other.img");
    let out = jcos(&[
        "card",
        "new",
        other.to_str().unwrap(),
        "--profile",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown file type 'folder'"),
        "{}",
        text(&out.stderr)
    );
    assert!(!other.exists());
}
