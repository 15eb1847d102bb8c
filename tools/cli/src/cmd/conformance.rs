//! `jcos conformance run PATH... [--json] [--junit FILE]`.

use crate::args::ConformanceRunArgs;
use crate::Outcome;
use anyhow::Context;
use jcos_script::runner::{self, RunnerOptions};
use std::io::Write;

/// Runs the suites and reports them as text or JSON, and optionally as JUnit XML.
pub fn run(args: &ConformanceRunArgs) -> anyhow::Result<Outcome> {
    let options = RunnerOptions {
        shared_dir: args.shared.clone(),
        jobs: args.jobs,
        progress: true,
        ..RunnerOptions::default()
    };
    let summary = runner::run(&args.paths, &options)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        runner::write_json(&summary, &mut out)?;
    } else {
        runner::write_human(&summary, &mut out)?;
    }
    out.flush()?;
    if let Some(path) = &args.junit {
        let mut file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        runner::write_junit(&summary, &mut file)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if summary.success() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}
