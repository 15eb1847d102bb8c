//! `jcos`: the command line of the jcos smart card emulator.
//!
//! Thin over the library crates: parse arguments, call the libraries, print, set the exit code.
//! Errors reach the user in one place (`main`), with their cause chain.
#![forbid(unsafe_code)]

mod args;
mod cmd;
mod output;

use clap::Parser;
use std::process::ExitCode;

/// Exit code for a run that worked and found no failure.
const EXIT_OK: u8 = 0;
/// Exit code for a run whose checks failed (a conformance case, a script assertion).
const EXIT_FAIL: u8 = 1;
/// Exit code for bad usage or bad input (arguments, hex, image files, scripts that do not parse).
const EXIT_ERROR: u8 = 2;

/// What a subcommand reports back: did everything it checked pass?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Nothing failed.
    Pass,
    /// A check failed; the details were already printed.
    Fail,
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match cmd::run(cli) {
        Ok(Outcome::Pass) => ExitCode::from(EXIT_OK),
        Ok(Outcome::Fail) => ExitCode::from(EXIT_FAIL),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(EXIT_OK);
            }
            eprintln!("jcos: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
