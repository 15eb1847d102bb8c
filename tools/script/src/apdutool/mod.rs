//! apdutool scripts: the Java Card SDK's script format, run against a card and answered in
//! the SDK's own output format so that its `.scr.expected.out` files compare.

mod expected;
mod format;
pub mod parse;

pub use expected::{compare_expected, is_environment_line};
pub use format::{atr_line, exchange_line};
pub use parse::{parse, Command, ParseError, Script, ScriptApdu, Statement};

use crate::outcome::{Failure, Location};
use jcos_transport::Transport;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Runs a parsed script, writing the SDK-format output to `out` as it goes, and returns the
/// output lines for comparison with an expected-output file.
pub fn run(
    script: &Script,
    file: &Path,
    transport: &mut dyn Transport,
    out: &mut dyn Write,
) -> Result<Vec<String>, Failure> {
    let mut lines = Vec::new();
    let mut output_on = true;
    let mut emit = |line: String, out: &mut dyn Write| {
        // A closed output stream must not stop the card session; the transcript still counts.
        let _ = writeln!(out, "{line}");
        lines.push(line);
    };
    for statement in &script.statements {
        let at = || Location::new(file, statement.line, Some(statement.column));
        match &statement.command {
            Command::PowerUp => {
                let atr = transport
                    .power_on()
                    .map_err(|e| Failure::at(at(), format!("powerup failed: {e}")))?;
                emit(atr_line(&atr), out);
            }
            Command::PowerDown => transport
                .power_off()
                .map_err(|e| Failure::at(at(), format!("powerdown failed: {e}")))?,
            Command::Contacted => {}
            Command::Contactless => {
                return Err(Failure::at(
                    at(),
                    "this card has only a contacted interface; 'contactless' is not available",
                ))
            }
            Command::Echo(text) => {
                if output_on {
                    emit(text.clone(), out);
                }
            }
            Command::Delay(ms) => std::thread::sleep(Duration::from_millis(*ms)),
            Command::Output(on) => {
                // The SDK tool acknowledges both switches in its output.
                emit(
                    if *on { "OUTPUT ON;" } else { "OUTPUT OFF;" }.to_string(),
                    out,
                );
                output_on = *on;
            }
            Command::Extended(_) => {}
            Command::Apdu(apdu) => {
                let response = transport
                    .transmit(&apdu.apdu.to_bytes())
                    .map_err(|e| Failure::at(at(), format!("transmit failed: {e}")))?;
                let line = exchange_line(&apdu.apdu, &response).ok_or_else(|| {
                    Failure::at(
                        at(),
                        format!(
                            "the card answered {} byte(s), fewer than a status word",
                            response.len()
                        ),
                    )
                })?;
                if output_on {
                    emit(line, out);
                }
            }
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests;
