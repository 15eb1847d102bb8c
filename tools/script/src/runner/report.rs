//! Human-readable and JSON reports of a run.

use super::exec::label;
use super::{CaseStatus, Summary};
use serde_json::{json, Value};
use std::io::{self, Write};
use std::time::Duration;

/// A duration for people: milliseconds with one decimal below a second, else seconds.
pub(super) fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Writes per-case lines (with failure details indented under failed cases), per-suite counts
/// and a closing total line `total: N passed, N failed, N skipped`.
pub fn write_human(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    for suite in &summary.suites {
        writeln!(out, "{} ({})", suite.name, suite.dir.display())?;
        if let Some(reason) = &suite.skipped_reason {
            writeln!(out, "  suite skipped: {reason}")?;
        }
        for result in &suite.results {
            write!(out, "  {}  {}", label(result.status), result.name)?;
            match result.status {
                CaseStatus::Skipped => writeln!(out)?,
                _ => writeln!(out, "  ({})", format_duration(result.duration))?,
            }
            if result.status == CaseStatus::Failed {
                if let Some(message) = &result.message {
                    for line in message.lines() {
                        writeln!(out, "        {line}")?;
                    }
                }
            }
        }
        writeln!(
            out,
            "  {}: {} passed, {} failed, {} skipped",
            suite.name,
            suite.passed(),
            suite.failed(),
            suite.skipped()
        )?;
    }
    writeln!(
        out,
        "total: {} passed, {} failed, {} skipped",
        summary.passed(),
        summary.failed(),
        summary.skipped()
    )
}

/// The JSON summary:
/// `{"suites": [{"name", "cases", "passed", "failed", "skipped", "results": [...]}],
/// "passed", "failed", "skipped"}`, each result being
/// `{"name", "file", "status", "duration_ms", "message"}`.
pub fn to_json(summary: &Summary) -> Value {
    let suites: Vec<Value> = summary
        .suites
        .iter()
        .map(|suite| {
            let results: Vec<Value> = suite
                .results
                .iter()
                .map(|r| {
                    json!({
                        "name": r.name,
                        "file": r.file.display().to_string(),
                        "status": r.status.as_str(),
                        "duration_ms": (r.duration.as_secs_f64() * 1_000_000.0).round() / 1000.0,
                        "message": r.message,
                    })
                })
                .collect();
            json!({
                "name": suite.name,
                "cases": suite.results.len(),
                "passed": suite.passed(),
                "failed": suite.failed(),
                "skipped": suite.skipped(),
                "results": results,
            })
        })
        .collect();
    json!({
        "suites": suites,
        "passed": summary.passed(),
        "failed": summary.failed(),
        "skipped": summary.skipped(),
    })
}

/// Writes the JSON summary (pretty-printed, with a final newline).
pub fn write_json(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json(summary)).map_err(io::Error::other)?;
    writeln!(out)
}
