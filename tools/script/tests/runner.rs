//! The conformance runner on temporary suites, with real in-process cards.

use jcos_script::runner::{self, CaseStatus, RunnerOptions, Summary};
use std::path::{Path, PathBuf};

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A suite with a passing session, a failing one, a passing jcos script with a library, and a
/// passing apdutool script with its expected output.
fn sample_suite(root: &Path) -> PathBuf {
    let dir = root.join("basics");
    write(
        &dir.join("suite.toml"),
        "name = \"basics\"\ndescription = \"d\"\n[card]\nprotocol = \"t1\"\n",
    );
    // ISO/IEC 7816-4 and JCRE 3.0.5 §4.5.2: SELECT of an AID no applet has gives 6A82.
    write(
        &dir.join("select.session"),
        "# select\n>> 00A4040005F000000001\n<< 6A82\n",
    );
    // JCRE 3.0.5 §4.5.1: MANAGE CHANNEL OPEN on a fresh card assigns channel 1; the session
    // below claims 02 on purpose.
    write(&dir.join("wrong.session"), "\n>> 0070000001\n<< 02 9000\n");
    write(
        &dir.join("_lib.rhai"),
        "fn select(aid) { send(\"00A40400\" + lc(aid) + aid) }\n",
    );
    write(
        &dir.join("channels.rhai"),
        "include(\"_lib.rhai\");\nexpect(\"0070000001\", \"01 9000\");\nexpect_sw(select(\"F000000001\"), 0x6A82);\n",
    );
    write(
        &dir.join("select.scr"),
        "powerup;\n0x00 0xA4 0x04 0x00 0x05 0xF0 0x00 0x00 0x00 0x01 0x00;\npowerdown;\n",
    );
    write(
        &dir.join("select.scr.expected.out"),
        "Received ATR = 0x3b\nCLA: 00, INS: a4, P1: 04, P2: 00, Lc: 05, f0, 00, 00, 00, 01, Le: 00, SW1: 6a, SW2: 82\n",
    );
    dir
}

fn options() -> RunnerOptions {
    RunnerOptions {
        jobs: Some(2),
        ..RunnerOptions::default()
    }
}

fn statuses(summary: &Summary) -> Vec<(String, CaseStatus)> {
    summary
        .suites
        .iter()
        .flat_map(|s| s.results.iter().map(|r| (r.name.clone(), r.status)))
        .collect()
}

#[test]
fn runs_passing_and_failing_cases_with_a_readable_diff() {
    let root = tempfile::tempdir().unwrap();
    let dir = sample_suite(root.path());
    let summary = runner::run(&[dir], &options()).unwrap();
    assert_eq!(
        statuses(&summary),
        vec![
            ("channels.rhai".to_string(), CaseStatus::Passed),
            ("select.scr".to_string(), CaseStatus::Passed),
            ("select.session".to_string(), CaseStatus::Passed),
            ("wrong.session".to_string(), CaseStatus::Failed),
        ]
    );
    assert!(!summary.success());
    let message = summary.suites[0].results[3].message.clone().unwrap();
    assert!(
        message.contains("wrong.session:2: response to >> 0070000001 (expected on line 3) differs"),
        "{message}"
    );
    assert!(
        message.contains("expected: 02 90 00\nactual:   01 90 00\n          ^^"),
        "{message}"
    );
    assert!(
        message.contains("first difference at byte 0 of 3"),
        "{message}"
    );

    let json = runner::to_json(&summary);
    assert_eq!(json["passed"], 3);
    assert_eq!(json["failed"], 1);
    assert_eq!(json["skipped"], 0);
    assert_eq!(json["suites"][0]["name"], "basics");
    assert_eq!(json["suites"][0]["cases"], 4);
    assert_eq!(json["suites"][0]["results"][3]["status"], "failed");
    let keys: Vec<&String> = json["suites"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");

    let mut human = Vec::new();
    runner::write_human(&summary, &mut human).unwrap();
    let human = String::from_utf8(human).unwrap();
    assert!(human.contains("  FAIL  wrong.session"), "{human}");
    assert!(
        human.contains("  basics: 3 passed, 1 failed, 0 skipped"),
        "{human}"
    );
    assert!(
        human.ends_with("total: 3 passed, 1 failed, 0 skipped\n"),
        "{human}"
    );

    let mut xml = Vec::new();
    runner::write_junit(&summary, &mut xml).unwrap();
    let xml = String::from_utf8(xml).unwrap();
    assert!(
        xml.contains(r#"<testsuite name="basics" tests="4" failures="1" errors="0" skipped="0""#),
        "{xml}"
    );
    assert!(xml.contains(r#"<failure message="#), "{xml}");
    assert!(xml.contains("&gt;&gt; 0070000001"), "{xml}");
}

#[test]
fn a_suite_needing_the_absent_shared_directory_is_skipped_visibly() {
    let root = tempfile::tempdir().unwrap();
    let basics = sample_suite(root.path());
    let golden = root.path().join("golden");
    write(
        &golden.join("suite.toml"),
        "name = \"golden\"\nrequires_shared = true\ncases = [\"shared:fixtures/*/session\"]\n",
    );
    let options = RunnerOptions {
        shared_dir: Some(root.path().join("no-such-shared")),
        ..options()
    };
    let summary = runner::run(&[root.path().to_path_buf()], &options).unwrap();
    assert_eq!(summary.suites.len(), 2);
    assert_eq!(summary.suites[0].dir, basics);
    let golden_result = &summary.suites[1];
    assert_eq!(golden_result.name, "golden");
    assert_eq!(golden_result.results.len(), 1);
    assert_eq!(golden_result.results[0].status, CaseStatus::Skipped);
    let reason = golden_result.skipped_reason.clone().unwrap();
    assert!(
        reason.contains("no-such-shared") && reason.contains("does not exist"),
        "{reason}"
    );
    assert_eq!(
        (summary.passed(), summary.failed(), summary.skipped()),
        (3, 1, 1)
    );

    // With the shared directory present, its sessions run (and loading a file that is not a
    // CAP file fails clearly: the card's installer refuses it with 6A80).
    let shared = root.path().join("shared");
    write(
        &shared.join("fixtures/one/session"),
        ">> 00A4040005F000000001\n<< 6A82\n",
    );
    write(&shared.join("fixtures/two/session"), "load one\n");
    write(&shared.join("fixtures/one/one.cap"), "PK");
    let options = RunnerOptions {
        shared_dir: Some(shared),
        ..options
    };
    let summary = runner::run(&[golden], &options).unwrap();
    assert_eq!(
        statuses(&summary),
        vec![
            (
                "shared:fixtures/one/session".to_string(),
                CaseStatus::Passed
            ),
            (
                "shared:fixtures/two/session".to_string(),
                CaseStatus::Failed
            ),
        ]
    );
    let message = summary.suites[0].results[1].message.clone().unwrap();
    assert!(
        message.contains("one.cap failed") && message.contains("6A80"),
        "{message}"
    );
}

#[test]
fn parallel_runs_report_in_a_fixed_order() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("many");
    write(&dir.join("suite.toml"), "name = \"many\"\n");
    for i in 0..24 {
        let expected = if i % 5 == 0 { "9000" } else { "6A82" };
        write(
            &dir.join(format!("case-{i:02}.session")),
            &format!(">> 00A4040005F0000000{i:02X}\n<< {expected}\n"),
        );
    }
    let serial = runner::run(
        std::slice::from_ref(&dir),
        &RunnerOptions {
            jobs: Some(1),
            ..options()
        },
    )
    .unwrap();
    let parallel = runner::run(
        &[dir],
        &RunnerOptions {
            jobs: Some(8),
            ..options()
        },
    )
    .unwrap();
    assert_eq!(statuses(&serial), statuses(&parallel));
    let names: Vec<String> = statuses(&serial).into_iter().map(|(n, _)| n).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(serial.failed(), 5);
}

#[test]
fn suite_files_reject_unknown_keys_and_bad_globs() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bad");
    write(
        &dir.join("suite.toml"),
        "name = \"bad\"\nprotocl = \"t0\"\n",
    );
    let err = runner::run(std::slice::from_ref(&dir), &options())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("suite.toml") && err.contains("protocl"),
        "{err}"
    );
    write(
        &dir.join("suite.toml"),
        "name = \"bad\"\n[card]\nprotocol = \"t2\"\n",
    );
    let err = runner::run(std::slice::from_ref(&dir), &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("suite.toml") && err.contains("t2"), "{err}");
    write(&dir.join("suite.toml"), "cases = [\"nothing/*.rhai\"]\n");
    let err = runner::run(&[dir], &options()).unwrap_err().to_string();
    assert!(err.contains("matches no script file"), "{err}");
    let err = runner::run(&[root.path().join("absent")], &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no such file"), "{err}");
}

#[test]
fn overrides_pick_the_card_per_case_and_single_files_run_alone() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("proto");
    write(
        &dir.join("suite.toml"),
        "[card]\nprotocol = \"t1\"\n[[override]]\nglob = \"t0-*\"\nprotocol = \"t0\"\n",
    );
    // The ATR's TD1 names the protocol (ISO/IEC 7816-3 §8.2.3): T=0 cards may omit TD1, a
    // T=1 card announces T=1 in the low nibble of a TDi.
    let script = "let atr = unhex(power_on());\nprint(hex(atr));\n";
    write(&dir.join("t0-atr.rhai"), script);
    write(&dir.join("t1-atr.rhai"), script);
    let suite = runner::Suite::load(&dir).unwrap();
    assert_eq!(suite.name, "proto");
    assert_eq!(
        suite.card_for(&dir.join("t0-atr.rhai")).protocol,
        jcos_cos::Protocol::T0
    );
    assert_eq!(
        suite.card_for(&dir.join("t1-atr.rhai")).protocol,
        jcos_cos::Protocol::T1
    );
    let summary = runner::run(&[dir.join("t0-atr.rhai")], &options()).unwrap();
    assert_eq!(
        statuses(&summary),
        vec![("t0-atr.rhai".to_string(), CaseStatus::Passed)]
    );
    assert_eq!(summary.suites[0].results[0].file, dir.join("t0-atr.rhai"));
    let err = runner::run(&[dir.join("suite.toml")], &options())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a case file"), "{err}");
}

/// `[load] dir` makes the suite's sessions load CAP files from the suite's own directories:
/// the session named by the shared path runs, and its `load` takes the suite's CAP file.
#[test]
fn a_load_directory_takes_the_cap_files_from_the_suite() {
    let root = tempfile::tempdir().unwrap();
    let shared = root.path().join("shared");
    write(
        &shared.join("fixtures/two/session"),
        ">> 00A4040005F000000001\n<< 6A82\nload one\n",
    );
    write(&shared.join("fixtures/one/one.cap"), "PK");
    let suite = root.path().join("ours");
    write(
        &suite.join("suite.toml"),
        "requires_shared = true\ncases = [\"shared:fixtures/*/session\"]\n[load]\ndir = \"caps\"\n",
    );
    write(&suite.join("caps/one/built.cap"), "PK");
    let options = RunnerOptions {
        shared_dir: Some(shared),
        ..options()
    };
    let summary = runner::run(std::slice::from_ref(&suite), &options).unwrap();
    assert_eq!(
        statuses(&summary),
        vec![(
            "shared:fixtures/two/session".to_string(),
            CaseStatus::Failed
        )]
    );
    // The card's installer refuses a file that is not a CAP file with 6A80, after the SELECT
    // on line 1 passed: the failure is the suite's CAP file, not the shared one.
    let message = summary.suites[0].results[0].message.clone().unwrap();
    let ours = suite.join("caps/one/built.cap");
    assert!(
        message.contains(&format!(":3: loading {} failed", ours.display()))
            && message.contains("6A80"),
        "{message}"
    );

    // Without the suite's CAP file the line fails instead of falling back to the shared one.
    std::fs::remove_file(&ours).unwrap();
    let summary = runner::run(std::slice::from_ref(&suite), &options).unwrap();
    let message = summary.suites[0].results[0].message.clone().unwrap();
    assert!(
        message.contains(&format!(
            "fixture 'one': no .cap file in {}",
            suite.join("caps/one").display()
        )),
        "{message}"
    );

    // A load directory that does not exist is a mistake in suite.toml.
    write(&suite.join("suite.toml"), "[load]\ndir = \"absent\"\n");
    let err = runner::run(&[suite], &options).unwrap_err().to_string();
    assert!(
        err.contains("suite.toml") && err.contains("[load] dir 'absent'"),
        "{err}"
    );
}
