//! The `golden-ours` suite runs the shared fixtures' sessions against the CAP files in its own
//! directories, and is skipped visibly without the shared directory.

use jcos_conformance::suites_dir;
use jcos_script::runner::{self, CaseStatus, RunnerOptions, SuiteResult};
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    runner::find_shared(None, &suites_dir()).ok()
}

fn run_suite(dir: &Path, shared_dir: PathBuf) -> SuiteResult {
    let options = RunnerOptions {
        shared_dir: Some(shared_dir),
        ..RunnerOptions::default()
    };
    let mut summary = runner::run(&[dir.to_path_buf()], &options).unwrap();
    assert_eq!(summary.suites.len(), 1);
    summary.suites.remove(0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every session of the shared fixtures is a case, named by its shared path.
#[test]
fn every_shared_session_is_a_case() {
    let Some(shared) = shared() else {
        println!("skipped: ../shared not present");
        return;
    };
    let golden = shared.join("fixtures/jcvm-golden");
    let mut expected: Vec<String> = std::fs::read_dir(&golden)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("session").is_file())
        .map(|e| {
            format!(
                "shared:fixtures/jcvm-golden/{}/session",
                e.file_name().to_string_lossy()
            )
        })
        .collect();
    expected.sort();
    assert!(expected.len() >= 5, "{expected:?}");
    let result = run_suite(&suites_dir().join("golden-ours"), shared);
    let names: Vec<String> = result.results.iter().map(|r| r.name.clone()).collect();
    assert_eq!(names, expected);
    assert!(
        result
            .results
            .iter()
            .all(|r| r.status == CaseStatus::Passed),
        "{:?}",
        result.results
    );
}

/// The sessions load the suite's CAP files: in a copy of the suite whose golden.ops CAP file
/// is cut short, exactly the sessions that `load ops` (apdu, ops, store) fail, each on its
/// `load ops` line and naming the copy's file; crypto and sio-client still pass.
#[test]
fn the_sessions_load_the_suites_cap_files() {
    let Some(shared) = shared() else {
        println!("skipped: ../shared not present");
        return;
    };
    let copy = tempfile::tempdir().unwrap();
    let suite = copy.path().join("golden-ours");
    copy_dir(&suites_dir().join("golden-ours"), &suite);
    let ops_cap = suite.join("ops/ops.cap");
    let bytes = std::fs::read(&ops_cap).unwrap();
    std::fs::write(&ops_cap, &bytes[..bytes.len() / 2]).unwrap();

    let result = run_suite(&suite, shared.clone());
    let mut failed = Vec::new();
    for r in &result.results {
        let fixture = r
            .name
            .trim_start_matches("shared:fixtures/jcvm-golden/")
            .trim_end_matches("/session");
        match r.status {
            CaseStatus::Failed => {
                let message = r.message.clone().unwrap_or_default();
                let session = std::fs::read_to_string(&r.file).unwrap();
                let line = session
                    .lines()
                    .position(|l| l.trim() == "load ops")
                    .map(|i| i + 1)
                    .unwrap();
                assert!(
                    message.starts_with(&format!(
                        "{}:{line}: loading {} failed",
                        r.file.display(),
                        ops_cap.display()
                    )),
                    "{message}"
                );
                failed.push(fixture.to_string());
            }
            CaseStatus::Passed => {}
            CaseStatus::Skipped => panic!("{} skipped", r.name),
        }
    }
    assert_eq!(failed, ["apdu", "ops", "store"]);
    assert_eq!(result.passed(), result.results.len() - 3);
}

/// Without the shared directory the suite runs nothing and says why.
#[test]
fn without_the_shared_directory_the_suite_is_skipped_visibly() {
    let absent = tempfile::tempdir().unwrap().path().join("shared");
    let result = run_suite(&suites_dir().join("golden-ours"), absent.clone());
    assert_eq!(result.results.len(), 1);
    assert_eq!(result.results[0].status, CaseStatus::Skipped);
    let reason = result.skipped_reason.unwrap();
    assert!(
        reason.contains(&absent.display().to_string()) && reason.contains("does not exist"),
        "{reason}"
    );
}
