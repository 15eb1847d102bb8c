//! Tests that drive the `jcos` binary as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn jcos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jcos"))
        .args(args)
        .output()
        .expect("jcos runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn new_card(dir: &Path) -> PathBuf {
    let image = dir.join("c.img");
    let out = jcos(&["card", "new", image.to_str().unwrap()]);
    assert!(out.status.success(), "card new failed: {}", stderr(&out));
    image
}

#[test]
fn select_of_unknown_aid_answers_6a82() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let out = jcos(&["send", image.to_str().unwrap(), "00A4040005F000000001"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("<< 6A82"), "{text}");
    assert!(text.contains("file or application not found"), "{text}");
}

#[test]
fn truncated_apdu_answers_6700() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let out = jcos(&["send", image.to_str().unwrap(), "00A4"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("<< 6700"), "{}", stdout(&out));
}

#[test]
fn bad_hex_exits_2_with_a_message_and_leaves_the_image_alone() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let before = std::fs::read(&image).unwrap();
    let out = jcos(&["send", image.to_str().unwrap(), "zz"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not a hex digit"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(std::fs::read(&image).unwrap(), before);
}

#[test]
fn send_json_reports_sw_and_meaning() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let out = jcos(&[
        "send",
        "--json",
        image.to_str().unwrap(),
        "00A4040005F000000001",
        "80FF0000",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value[0]["sw"], "6A82");
    assert_eq!(value[1]["command"], "80FF0000");
    assert_eq!(value.as_array().unwrap().len(), 2);
}

#[test]
fn foreign_image_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("notes.txt");
    std::fs::write(&image, b"this is not a card image\n").unwrap();
    let out = jcos(&["send", image.to_str().unwrap(), "00A4040000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("notes.txt"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&image).unwrap(),
        b"this is not a card image\n"
    );
}

#[test]
fn existing_image_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let out = jcos(&["card", "new", image.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn card_info_shows_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("t0.img");
    let out = jcos(&["card", "new", "--protocol", "t0", image.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = jcos(&["card", "info", "--json", image.to_str().unwrap()]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["protocol"], "T=0");
    assert!(value["atr"].as_str().unwrap().starts_with("3B"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(jcos(&["send"]).status.code(), Some(2));
    assert_eq!(jcos(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(jcos(&["--help"]).status.code(), Some(0));
}
