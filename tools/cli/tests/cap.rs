//! `jcos cap verify` and `jcos cap dump` on the golden CAPs, on broken ones and on bit-flipped
//! ones.

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

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/jcvm-golden")
}

/// One golden fixture: its CAP file and what its `fixture.env` says.
struct Fixture {
    cap: PathBuf,
    package: String,
    aid: String,
    version: String,
}

/// The golden fixtures, or `None` after a visible skip notice without `../shared`.
fn fixtures() -> Option<Vec<Fixture>> {
    let dir = golden_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared not present ({})", dir.display());
        return None;
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for d in dirs {
        let env = std::fs::read_to_string(d.join("fixture.env")).unwrap();
        let get = |key: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .unwrap_or_else(|| panic!("{key} in {}", d.display()))
                .trim_matches('"')
                .to_string()
        };
        let cap = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "cap"))
            .unwrap();
        out.push(Fixture {
            cap,
            package: get("PKG"),
            aid: get("PKG_AID"),
            version: get("VERSION"),
        });
    }
    assert_eq!(out.len(), 6, "golden fixtures in {}", dir.display());
    Some(out)
}

fn server_exp_dir() -> String {
    golden_dir().join("sio-server").display().to_string()
}

#[test]
fn every_golden_cap_verifies() {
    let Some(fixtures) = fixtures() else { return };
    let exp = server_exp_dir();
    for f in &fixtures {
        let out = jcos(&["cap", "verify", f.cap.to_str().unwrap(), "--exp", &exp]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
        let want = format!("OK: {} {} {}: ", f.package, f.aid, f.version);
        assert!(text.starts_with(&want), "{text:?} should start {want:?}");
        assert!(text.trim_end().ends_with("methods verified"), "{text}");
    }
}

#[test]
fn every_golden_cap_dumps_with_names() {
    let Some(fixtures) = fixtures() else { return };
    let exp = server_exp_dir();
    for f in &fixtures {
        let out = jcos(&["cap", "dump", f.cap.to_str().unwrap(), "--exp", &exp]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let want = format!("package {} {} version {}", f.package, f.aid, f.version);
        assert!(text.starts_with(&want), "{want:?} in {text}");
        assert!(
            text.contains(": A0000000620101 1.6 javacard/framework"),
            "{text}"
        );
        assert!(
            text.contains("javacard/framework/Applet.register("),
            "{text}"
        );
        let out = jcos(&[
            "cap",
            "dump",
            "--json",
            f.cap.to_str().unwrap(),
            "--exp",
            &exp,
        ]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["package_aid"], f.aid);
        assert!(!json["methods"].as_array().unwrap().is_empty());
    }
}

#[test]
fn json_report() {
    let Some(fixtures) = fixtures() else { return };
    let f = fixtures.iter().find(|f| f.package == "golden.ops").unwrap();
    let out = jcos(&["cap", "verify", f.cap.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["aid"], f.aid.as_str());
    assert_eq!(v["package"], "golden.ops");
    // ops.jca defines Named, GoldenException, Shape, Ops, Rect, Circle and Square.
    assert_eq!(v["classes"], 7);
}

#[test]
fn missing_user_import_is_a_verification_failure() {
    let Some(fixtures) = fixtures() else { return };
    let f = fixtures
        .iter()
        .find(|f| f.package == "golden.sio.client")
        .unwrap();
    let out = jcos(&["cap", "verify", f.cap.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.starts_with("FAILED: golden.sio.client"), "{text}");
    assert!(
        text.contains("F04A434F531003 version 1.0 is not available"),
        "{text}"
    );
    let out = jcos(&["cap", "verify", f.cap.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["component"], "Import");
}

#[test]
fn broken_bytecode_is_rejected_with_its_location() {
    let Some(fixtures) = fixtures() else { return };
    let f = fixtures.iter().find(|f| f.package == "golden.ops").unwrap();
    let mut cap = jcos_vm::cap::CapFile::from_bytes(&std::fs::read(&f.cap).unwrap()).unwrap();
    // golden/ops/Ops.fact(S)S ends with sreturn at pc 15 (ops.jca); make it a nop.
    const FACT: [u8; 16] = [
        0x1C, 0x04, 0x6E, 0x05, 0x04, 0x70, 0x0A, 0x1C, 0x1C, 0x04, 0x43, 0x8D, 0x00, 0x42, 0x45,
        0x78,
    ];
    let at = cap
        .methods()
        .unwrap()
        .iter()
        .find_map(|e| e.method.filter(|m| m.bytecodes == FACT))
        .map(|m| usize::from(m.bytecode_offset) + 15 - cap.method.methods_offset())
        .unwrap();
    cap.method.methods[at] = 0x00;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ops-broken.ijc");
    std::fs::write(&path, cap.to_ijc_bytes().unwrap()).unwrap();
    let out = jcos(&["cap", "verify", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("Method component"), "{text}");
    assert!(text.contains("pc 0x000f"), "{text}");
    assert!(text.contains("falls off the end"), "{text}");
}

#[test]
fn unreadable_and_malformed_input_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.cap");
    let out = jcos(&["cap", "verify", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read CAP file"),
        "{}",
        stderr(&out)
    );
    let junk = dir.path().join("junk.cap");
    std::fs::write(&junk, b"not a CAP file at all").unwrap();
    let out = jcos(&["cap", "verify", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("malformed CAP file"),
        "{}",
        stderr(&out)
    );
    let bad_exp = dir.path().join("bad.exp");
    std::fs::write(&bad_exp, b"\x00\xFA\xCA\xDE junk").unwrap();
    let out = jcos(&[
        "cap",
        "verify",
        junk.to_str().unwrap(),
        "--exp",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// splitmix64, so the flips are the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[test]
fn bit_flipped_caps_never_crash_dump_or_verify() {
    let Some(fixtures) = fixtures() else { return };
    let raw: Vec<Vec<u8>> = fixtures
        .iter()
        .map(|f| {
            jcos_vm::cap::CapFile::from_bytes(&std::fs::read(&f.cap).unwrap())
                .unwrap()
                .to_ijc_bytes()
                .unwrap()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flipped.ijc");
    let exp = server_exp_dir();
    let mut rng = SplitMix(0x6A63_6F73_6361_7076);
    let mut codes = [0usize; 3];
    for i in 0..400 {
        let mut bytes = raw[i % raw.len()].clone();
        let bit = (rng.next() % (bytes.len() as u64 * 8)) as usize;
        bytes[bit / 8] ^= 1 << (bit % 8);
        std::fs::write(&path, &bytes).unwrap();
        let dump = jcos(&["cap", "dump", path.to_str().unwrap(), "--exp", &exp]);
        assert!(
            matches!(dump.status.code(), Some(0 | 2)),
            "dump of flip {i} (bit {bit}) ended with {:?}: {}",
            dump.status.code(),
            stderr(&dump)
        );
        let out = jcos(&["cap", "verify", path.to_str().unwrap(), "--exp", &exp]);
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "flip {i} (bit {bit}) ended with {code:?}: {}",
            stderr(&out)
        );
        codes[code.unwrap() as usize] += 1;
    }
    println!(
        "400 flips: {} verified, {} rejected by the verifier, {} rejected as malformed",
        codes[0], codes[1], codes[2]
    );
}
