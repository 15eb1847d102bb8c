//! `jcos gp` against card images made by `jcos card new` (which hold the issuer security
//! domain): listing, loading, installing, locking and deleting the golden store applet through
//! SCP03 and SCP02 sessions, PUT KEY, and the failures a user sees.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn jcos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jcos"))
        .args(args)
        .output()
        .expect("jcos runs")
}

fn ok(args: &[&str]) -> String {
    let out = jcos(args);
    assert!(
        out.status.success(),
        "jcos {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn new_card(dir: &Path) -> String {
    let image = dir.join("c.img");
    let image = image.to_str().expect("utf-8 path").to_string();
    ok(&["card", "new", &image]);
    image
}

fn store_cap() -> Option<PathBuf> {
    let shared = match std::env::var_os("JCOS_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let cap = shared.join("fixtures/jcvm-golden/store/store.cap");
    cap.is_file().then_some(cap)
}

#[test]
fn list_shows_the_issuer_security_domain_over_both_protocols() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let text = ok(&["gp", "list", &image]);
    assert!(
        text.starts_with("ISD: A000000151000000 (SECURED)\n"),
        "{text}"
    );
    assert!(text.contains("PKG: F04A434F530A (LOADED)"), "{text}");
    for level in ["mac+enc", "mac+enc+rmac+renc"] {
        let text = ok(&[
            "gp",
            "list",
            &image,
            "--scp",
            "03",
            "--security-level",
            level,
        ]);
        assert!(text.contains("ISD: A000000151000000"), "{text}");
    }
    let text = ok(&[
        "gp",
        "list",
        &image,
        "--scp",
        "02",
        "--kvn",
        "20",
        "--security-level",
        "mac+enc",
    ]);
    assert!(text.contains("ISD: A000000151000000"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["gp", "list", &image, "--json"])).unwrap();
    assert_eq!(json["isd"][0]["aid"], "A000000151000000");
    assert_eq!(json["isd"][0]["life_cycle"], 0x0F);
}

#[test]
fn load_install_lock_and_delete_the_store_applet() {
    let Some(cap) = store_cap() else {
        eprintln!("SKIPPED: the shared golden fixtures are absent");
        return;
    };
    let cap = cap.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let text = ok(&[
        "gp",
        "load",
        &image,
        cap,
        "--install",
        "--security-level",
        "mac+enc",
        "--hash",
        "sha256",
    ]);
    assert!(text.contains("installed F04A434F53100200"), "{text}");
    let text = ok(&["gp", "list", &image]);
    assert!(
        text.contains("APP: F04A434F53100200 (SELECTABLE)"),
        "{text}"
    );
    ok(&["gp", "lock", &image, "F04A434F53100200"]);
    assert!(ok(&["gp", "list", &image]).contains("APP: F04A434F53100200 (LOCKED)"));
    let sent = ok(&["send", &image, "00A4040008F04A434F53100200"]);
    assert!(sent.contains("6A82"), "{sent}");
    ok(&[
        "gp",
        "unlock",
        &image,
        "F04A434F53100200",
        "--scp",
        "02",
        "--kvn",
        "20",
    ]);
    // A package with an instance goes only with --related.
    let out = jcos(&["gp", "delete", &image, "F04A434F531002"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DELETE: the card answered 6985"));
    ok(&["gp", "delete", &image, "F04A434F531002", "--related"]);
    let text = ok(&["gp", "list", &image]);
    assert!(!text.contains("F04A434F5310"), "{text}");
}

#[test]
fn put_key_adds_a_key_set_that_opens_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let key = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
    let text = ok(&["gp", "put-key", &image, "--new-key", key, "--new-kvn", "31"]);
    assert!(text.contains("key set 31"), "{text}");
    let text = ok(&["gp", "info", &image, "--kvn", "31", "--key", key]);
    assert!(text.contains("SCP03 i=70, key version 31"), "{text}");
    assert!(text.contains("key 01 version 31: AES, 32 bytes"), "{text}");
}

#[test]
fn wrong_keys_fail_with_the_cryptogram_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path());
    let out = jcos(&[
        "gp",
        "list",
        &image,
        "--key",
        "000102030405060708090A0B0C0D0E0F",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("card cryptogram mismatch"), "{err}");
    let out = jcos(&["gp", "list", &image, "--scp", "02"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the card answered with SCP03"));
    let out = jcos(&["gp", "list"]);
    assert_eq!(out.status.code(), Some(2));
}
