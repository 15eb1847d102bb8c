//! jcos scripts: Rhai programs that talk to a card (`send`, `expect`, …).
//!
//! The script runs on its own thread; card calls and printed text travel to the calling
//! thread over a channel. That keeps the borrowed transport and output stream on the caller's
//! side (Rhai's registered functions must own everything they capture) and lets output
//! stream as the script runs.

mod api;
mod errors;
mod host;
mod include;

pub use api::Response;

use crate::outcome::Failure;
use host::{Call, Request};
use jcos_transport::Transport;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc;

/// Bounds on a script's execution, so a runaway script fails instead of hanging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rhai operations allowed for each top-level run of statements (a script with includes
    /// has one run per stretch of statements between includes).
    pub max_operations: u64,
    /// Deepest nesting of function calls.
    pub max_call_levels: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_operations: 20_000_000,
            max_call_levels: 48,
        }
    }
}

/// Compiles `file` and its includes without running them, to report malformed scripts.
pub fn check(file: &Path) -> Result<(), Failure> {
    include::load(&api::compiler(), file).map(|_| ())
}

/// Stack of the script thread: Rhai evaluates recursively, so deep call levels need room.
const SCRIPT_STACK: usize = 32 * 1024 * 1024;

/// Runs the jcos script `file` against `transport`, streaming its printed output and its
/// exchanges (`>>`/`<<` lines) to `out`.
pub fn run(
    file: &Path,
    transport: &mut dyn Transport,
    out: &mut dyn Write,
    limits: Limits,
) -> Result<(), Failure> {
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<Request>();
        let script_file = file.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("jcos-script".into())
            .stack_size(SCRIPT_STACK)
            .spawn_scoped(scope, move || {
                api::run_on_this_thread(&script_file, tx, limits)
            })
            .map_err(|e| Failure::whole(format!("cannot start the script thread: {e}")))?;
        for request in rx {
            let result = match request.call {
                Call::Print(text) => {
                    let _ = writeln!(out, "{text}");
                    continue;
                }
                Call::Transmit(apdu) => transport.transmit(&apdu),
                Call::PowerOn => transport.power_on(),
                Call::Reset => transport.reset(),
                Call::PowerOff => transport.power_off().map(|()| Vec::new()),
                Call::ArmTear(writes) => transport.arm_tear(writes).map(|()| Vec::new()),
            };
            if let Some(reply) = request.reply {
                // The script side may have stopped waiting; nothing more to do then.
                let _ = reply.send(result.map_err(|e| e.to_string()));
            }
        }
        handle
            .join()
            .unwrap_or_else(|_| Err(Failure::whole("the script thread panicked")))
    })
}

#[cfg(test)]
mod tests;
