//! Scripts and the conformance runner of jcos: apdutool scripts, jcos scripts in Rhai, golden
//! fixture sessions, and suites of them.
#![forbid(unsafe_code)]

pub mod apdutool;
mod diff;
mod gp;
pub mod hexpat;
pub mod jscript;
mod loader;
mod outcome;
pub mod runner;
mod script;
pub mod session;
#[cfg(test)]
mod testing;

pub use diff::line_diff;
pub use jscript::Limits;
pub use loader::{ContentLoader, InstallerLoader};
pub use outcome::{Failure, Location, Outcome};
pub use script::{run_script_file, RunOptions, ScriptError, ScriptKind};
