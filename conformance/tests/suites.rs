//! Runs every conformance suite through the runner library, as `jcos conformance run
//! conformance` does.

use jcos_conformance::suites_dir;
use jcos_script::runner::{self, CaseStatus, RunnerOptions};
use std::path::Path;

#[test]
fn every_suite_passes() {
    let summary = runner::run(&[suites_dir()], &RunnerOptions::default()).unwrap();
    let mut report = Vec::new();
    runner::write_human(&summary, &mut report).unwrap();
    let report = String::from_utf8(report).unwrap();
    assert_eq!(summary.failed(), 0, "{report}");
    let basics = summary
        .suites
        .iter()
        .find(|s| s.name == "apdu-basics")
        .expect("the apdu-basics suite");
    assert!(
        basics.results.len() >= 30,
        "apdu-basics has {} cases:\n{report}",
        basics.results.len()
    );
    assert!(
        basics
            .results
            .iter()
            .all(|r| r.status == CaseStatus::Passed),
        "{report}"
    );
}

/// A copy of an apdu-basics case whose expected status word is deliberately wrong must fail,
/// naming the line, the command and the differing bytes.
#[test]
fn a_wrong_expected_value_fails_with_a_readable_diff() {
    let original = suites_dir().join("apdu-basics/select-unknown-aid.session");
    let text = std::fs::read_to_string(&original).unwrap();
    let (line_index, _) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.trim() == "<< 6A82")
        .expect("an expected 6A82");
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == line_index {
                "<< 9000".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("broken");
    std::fs::create_dir(&suite).unwrap();
    std::fs::write(suite.join("suite.toml"), "name = \"broken\"\n").unwrap();
    let case = suite.join("select-unknown-aid.session");
    std::fs::write(&case, broken.join("\n")).unwrap();

    let summary = runner::run(&[suite], &RunnerOptions::default()).unwrap();
    assert_eq!(summary.failed(), 1);
    let result = &summary.suites[0].results[0];
    assert_eq!(result.status, CaseStatus::Failed);
    let message = result.message.clone().unwrap();
    let command_line = line_index; // the `>>` line just before, counted from 1
    assert!(
        message.starts_with(&format!(
            "{}:{command_line}: response to >> ",
            Path::new(&case).display()
        )),
        "{message}"
    );
    assert!(
        message.contains("expected: 90 00\nactual:   6A 82\n          ^^ ^^"),
        "{message}"
    );

    let mut json = Vec::new();
    runner::write_json(&summary, &mut json).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["failed"], 1);
    assert_eq!(json["suites"][0]["results"][0]["status"], "failed");
}
