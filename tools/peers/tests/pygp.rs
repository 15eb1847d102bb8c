//! A third-party GlobalPlatform host against a jcos card: Py-GP (PyPI `Py-GP` 1.0.0, pure
//! Python) over PC/SC, through a private pcscd whose vpcd reader holds an in-process jcos card
//! with its issuer security domain. Py-GP opens SCP03 and SCP02 sessions at several security
//! levels and loads, installs and deletes the golden store applet (`pygp_session.py`).
//!
//! Needs pcscd, vsmartcard-vpcd and python3-pyscard (as the PC/SC suite does), and Py-GP: the
//! directory named by `JCOS_PYGP` (a `pip install --no-deps --target DIR Py-GP==1.0.0`), or an
//! importable `pygp`. Without Py-GP the test says so and passes; with `JCOS_PYGP` set, it must
//! run.

use jcos_cos::{Card, CardConfig};
use jcos_transport::pcscd::{python_with_pyscard, PcscdError, PrivatePcscd};
use jcos_transport::{Log, ServedCard, Shutdown, VpcdClient};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SCRIPT: &str = "tests/pygp_session.py";

fn required() -> bool {
    std::env::var_os("JCOS_PYGP").is_some()
}

fn skip(what: &str) {
    assert!(!required(), "JCOS_PYGP is set but {what}");
    eprintln!("SKIPPED: {what}");
}

fn python_path() -> String {
    std::env::var("JCOS_PYGP").unwrap_or_default()
}

fn pygp_importable(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import cryptography, smartcard.scard, importlib.util, sys; sys.exit(importlib.util.find_spec('pygp') is None)"])
        .env("PYTHONPATH", python_path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn store_cap() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = match std::env::var_os("JCOS_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => root.join("../../../shared"),
    };
    let cap = shared.join("fixtures/jcvm-golden/store/store.cap");
    cap.is_file().then_some(cap)
}

/// pcsc-lite allows one pcscd per machine: wait while another test's runs.
fn start_pcscd() -> Option<PrivatePcscd> {
    let start = Instant::now();
    loop {
        match PrivatePcscd::start(2) {
            Ok(pcscd) => return Some(pcscd),
            Err(PcscdError::AlreadyRunning { .. })
                if start.elapsed() < Duration::from_secs(120) =>
            {
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => {
                skip(&e.to_string());
                return None;
            }
        }
    }
}

#[test]
fn pygp_manages_a_jcos_card_over_pcsc() {
    let Some(python) = python_with_pyscard() else {
        return skip("no Python 3 with pyscard (apt-get install python3-pyscard)");
    };
    if !pygp_importable(&python) {
        return skip(
            "Py-GP is not installed (pip install --no-deps --target DIR Py-GP==1.0.0, \
             then JCOS_PYGP=DIR)",
        );
    }
    let Some(cap) = store_cap() else {
        return skip("the shared golden fixtures are absent");
    };
    let Some(pcscd) = start_pcscd() else {
        return;
    };
    let card = Card::with_isd(CardConfig::default()).expect("a card with its ISD");
    let shutdown = Shutdown::new();
    let client = VpcdClient::new(
        pcscd.vpcd_addr(0),
        ServedCard::in_memory(card, "isd").shared(),
        shutdown.clone(),
        Log::stderr(false),
    );
    let served = std::thread::spawn(move || client.run());
    // pcscd polls the slot about every 400 ms.
    std::thread::sleep(Duration::from_millis(1500));
    let out = Command::new("timeout")
        .arg("120")
        .arg(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(SCRIPT))
        .arg(&cap)
        .args(["F04A434F531002", "F04A434F53100200"])
        .env("PYTHONPATH", python_path())
        .output()
        .expect("python starts");
    shutdown.request();
    let _ = served.join();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "Py-GP failed:\n{text}\npcscd log:\n{}",
        pcscd.log_tail(30)
    );
    for step in [
        "PASS session key set 30 level 01",
        "PASS session key set 30 level 03",
        "PASS session key set 30 level 13",
        "PASS session key set 30 level 33",
        "PASS session key set 20 level 01",
        "PASS session key set 20 level 03",
        "PASS load and install",
        "PASS delete",
    ] {
        assert!(text.contains(step), "missing {step:?} in:\n{text}");
    }
}
