//! `jcos api`, `jcos convert` and `jcos build` driven as a user does, with javac in between.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn jcos(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jcos"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("jcos runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `javac`, or `None` after saying why the test is skipped (a failure in CI).
fn javac() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("javac"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI needs javac"
        );
        println!("skipped: javac not found");
    }
    found
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_counter_builds_by_hand_as_jcos_build_builds_it() {
    let Some(javac) = javac() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    let out = jcos(&["api", "--jar", "api.jar"], w);
    assert!(out.status.success(), "{}", text(&out));
    let src = repo().join("applets/counter/src/jcos/applets/counter/Counter.java");
    let out = Command::new(&javac)
        .args([
            "--release",
            "7",
            "-Xlint:-options",
            "-g",
            "-encoding",
            "UTF-8",
            "-cp",
            "api.jar",
            "-d",
            "classes",
        ])
        .arg(&src)
        .current_dir(w)
        .output()
        .expect("javac runs");
    assert!(out.status.success(), "{}", text(&out));
    let out = jcos(
        &[
            "convert",
            "--classes",
            "classes",
            "--package",
            "jcos.applets.counter",
            "--aid",
            "F04A434F530201",
            "--version",
            "1.0",
            "--applet",
            "F04A434F53020101:Counter",
            "-o",
            "out/counter.cap",
            "--listing",
            "out/counter.jca",
        ],
        w,
    );
    assert!(out.status.success(), "{}", text(&out));
    let committed =
        std::fs::read(repo().join("applets/counter/counter.cap")).expect("committed CAP");
    assert_eq!(
        std::fs::read(w.join("out/counter.cap")).expect("CAP"),
        committed
    );
    let exp = std::fs::read(repo().join("applets/counter/counter.exp")).expect("committed export");
    assert_eq!(
        std::fs::read(w.join("out/counter.exp")).expect("export"),
        exp
    );
    let listing = std::fs::read_to_string(w.join("out/counter.jca")).expect("listing");
    assert!(
        listing.contains("sinc") || listing.contains("sadd"),
        "{listing}"
    );
    assert!(
        listing.contains("javacard/framework/ISOException.throwIt(S)V"),
        "{listing}"
    );
}

#[test]
fn a_long_is_refused_with_exit_code_2_and_the_line() {
    let Some(javac) = javac() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    assert!(jcos(&["api", "--jar", "api.jar"], w).status.success());
    let dir = w.join("src/demo");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("Wide.java"),
        "package demo;\npublic class Wide {\n    static short f(short a) {\n        long x = a;\n        return (short) (x >> 1);\n    }\n}\n",
    )
    .expect("write");
    let out = Command::new(&javac)
        .args([
            "--release",
            "7",
            "-Xlint:-options",
            "-g",
            "-cp",
            "api.jar",
            "-d",
            "classes",
            "src/demo/Wide.java",
        ])
        .current_dir(w)
        .output()
        .expect("javac runs");
    assert!(out.status.success(), "{}", text(&out));
    let out = jcos(
        &[
            "convert",
            "--classes",
            "classes",
            "--package",
            "demo",
            "--aid",
            "F04A434F537F",
            "--version",
            "1.0",
            "-o",
            "wide.cap",
        ],
        w,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("class demo.Wide, method f(S)S, line 4 (Wide.java:4)"),
        "{err}"
    );
    assert!(err.contains("long"), "{err}");
    assert!(!w.join("wide.cap").exists());
}

#[test]
fn build_check_passes_on_the_committed_applets() {
    if javac().is_none() {
        return;
    }
    let out = jcos(&["build", "--check", "applets"], &repo());
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ok   counter"), "{}", text(&out));
}
