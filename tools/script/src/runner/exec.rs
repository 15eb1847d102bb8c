//! Running cases on a pool of worker threads, each case on its own fresh card.

use super::card::{new_case_card, new_loader};
use super::{Case, CaseResult, CaseStatus, RunnerOptions, SuiteResult};
use crate::outcome::Outcome;
use crate::script::{run_script_file, RunOptions};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Runs one case on a new card built from its settings.
pub fn run_case(case: &Case, options: &RunnerOptions) -> CaseResult {
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut card = match new_case_card(&case.card, case.file_system.as_ref(), case.isd) {
            Ok(card) => card,
            Err(message) => return Err(message),
        };
        let mut loader = Some(options.loader.unwrap_or(new_loader)());
        let mut transcript = Vec::new();
        let run_options = RunOptions {
            loader: loader
                .as_mut()
                .map(|l| l.as_mut() as &mut dyn crate::loader::ContentLoader),
            limits: options.limits,
            compare_expected: true,
            amendments: &case.amendments,
            load_dir: case.load_dir.as_deref(),
        };
        run_script_file(&case.path, &mut card, &mut transcript, run_options)
            .map_err(|e| e.to_string())
    }));
    let (status, message) = match outcome {
        Ok(Ok(Outcome::Passed)) => (CaseStatus::Passed, None),
        Ok(Ok(Outcome::Failed(failure))) => (CaseStatus::Failed, Some(failure.to_string())),
        Ok(Err(error)) => (CaseStatus::Failed, Some(error.to_string())),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            (
                CaseStatus::Failed,
                Some(format!("the card or script runner panicked: {text}")),
            )
        }
    };
    CaseResult {
        name: case.name.clone(),
        file: case.path.clone(),
        status,
        duration: start.elapsed(),
        message,
    }
}

/// Runs every planned case; results come back per suite in case order, whatever order the
/// workers finish in.
pub(super) fn run_all(
    planned: &[Vec<Case>],
    suites: &[SuiteResult],
    options: &RunnerOptions,
) -> Vec<Vec<CaseResult>> {
    let jobs: Vec<(usize, usize, &Case)> = planned
        .iter()
        .enumerate()
        .flat_map(|(s, cases)| cases.iter().enumerate().map(move |(c, case)| (s, c, case)))
        .collect();
    let total = jobs.len();
    let slots: Vec<Mutex<Option<CaseResult>>> = (0..total).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let finished = Mutex::new(0usize);
    let workers = options
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, total.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(suite_index, _, case)) = jobs.get(index) else {
                    break;
                };
                let result = run_case(case, options);
                if options.progress {
                    if let Ok(mut done) = finished.lock() {
                        *done += 1;
                        let suite = suites.get(suite_index).map_or("", |s| s.name.as_str());
                        eprintln!(
                            "[{}/{}] {} {}/{} ({})",
                            *done,
                            total,
                            label(result.status),
                            suite,
                            result.name,
                            super::report::format_duration(result.duration)
                        );
                    }
                }
                if let Some(slot) = slots.get(index) {
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let mut results: Vec<Vec<CaseResult>> = planned.iter().map(|_| Vec::new()).collect();
    for ((suite_index, _, case), slot) in jobs.iter().zip(slots) {
        let result = slot
            .into_inner()
            .ok()
            .flatten()
            .unwrap_or_else(|| CaseResult {
                name: case.name.clone(),
                file: case.path.clone(),
                status: CaseStatus::Failed,
                duration: std::time::Duration::ZERO,
                message: Some("the case did not report a result".into()),
            });
        if let Some(list) = results.get_mut(*suite_index) {
            list.push(result);
        }
    }
    results
}

/// The word shown for a status in progress and human output.
pub(super) fn label(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Passed => "PASS",
        CaseStatus::Failed => "FAIL",
        CaseStatus::Skipped => "SKIP",
    }
}
