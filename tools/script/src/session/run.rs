//! Running a session against a card.

use super::parse::{Directive, Session};
use crate::loader::ContentLoader;
use crate::outcome::{Failure, Location};
use jcos_apdu::{hex, StatusWord};
use jcos_transport::Transport;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs `session` (read from `file`) against a freshly powered card: every response must
/// match its expected pattern. `load` and `install` lines go to `loader`; without one they
/// fail the session. `load NAME` takes the one `.cap` file in `load_dir/NAME/`, or, when
/// `load_dir` is `None`, in `NAME/` beside the session's own directory (the fixtures' layout).
/// Progress goes to `out` as `>>`/`<<` lines.
pub fn run(
    session: &Session,
    file: &Path,
    load_dir: Option<&Path>,
    transport: &mut dyn Transport,
    mut loader: Option<&mut dyn ContentLoader>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let at = |line: usize| Location::new(file, line, None);
    transport
        .power_on()
        .map_err(|e| Failure::at(at(1), format!("power on failed: {e}")))?;
    for line in &session.lines {
        match &line.directive {
            Directive::Reset => {
                let _ = writeln!(out, "reset");
                transport
                    .power_off()
                    .and_then(|()| transport.power_on())
                    .map_err(|e| Failure::at(at(line.number), format!("reset failed: {e}")))?;
            }
            Directive::Tear { writes, command } => {
                let _ = writeln!(out, "tear {writes} {}", hex::encode(command));
                transport
                    .arm_tear(*writes)
                    .map_err(|e| Failure::at(at(line.number), format!("tear failed: {e}")))?;
                let response = transport
                    .transmit(command)
                    .map_err(|e| Failure::at(at(line.number), format!("transmit failed: {e}")))?;
                if !response.is_empty() {
                    return Err(Failure::at(
                        at(line.number),
                        format!(
                            "tear {writes} {}: the command finished before the tear and \
                             answered {}",
                            hex::encode(command),
                            describe_response(&response)
                        ),
                    ));
                }
                let _ = writeln!(out, "<< (power lost)");
            }
            Directive::Load(fixture) => {
                let _ = writeln!(out, "load {fixture}");
                let cap = fixture_cap(file, load_dir, fixture)
                    .map_err(|m| Failure::at(at(line.number), m))?;
                let Some(loader) = loader.as_deref_mut() else {
                    return Err(Failure::at(
                        at(line.number),
                        format!(
                            "this card cannot load CAP files: 'load {fixture}' needs {} on a card \
                             with a package loader",
                            cap.display()
                        ),
                    ));
                };
                loader.load_cap(transport, &cap).map_err(|m| {
                    Failure::at(
                        at(line.number),
                        format!("loading {} failed: {m}", cap.display()),
                    )
                })?;
            }
            Directive::Install {
                class_aid,
                instance_aid,
                params,
            } => {
                let text = format!(
                    "install {} {} {}",
                    hex::encode(class_aid),
                    hex::encode(instance_aid),
                    hex::encode(params)
                );
                let _ = writeln!(out, "{}", text.trim_end());
                let Some(loader) = loader.as_deref_mut() else {
                    return Err(Failure::at(
                        at(line.number),
                        format!(
                            "this card cannot load CAP files, so it cannot install applets: '{}'",
                            text.trim_end()
                        ),
                    ));
                };
                loader
                    .install(transport, class_aid, instance_aid, params)
                    .map_err(|m| Failure::at(at(line.number), format!("install failed: {m}")))?;
            }
            Directive::Exchange(exchange) => {
                let _ = writeln!(out, ">> {}", hex::encode(&exchange.command));
                let response = transport
                    .transmit(&exchange.command)
                    .map_err(|e| Failure::at(at(line.number), format!("transmit failed: {e}")))?;
                let _ = writeln!(out, "<< {}", describe_response(&response));
                if !exchange.expected.matches(&response) {
                    return Err(Failure::at(
                        at(line.number),
                        format!(
                            "response to >> {} (expected on line {}) differs\n{}",
                            hex::encode(&exchange.command),
                            exchange.expected_line,
                            exchange.expected.explain_mismatch(&response)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Response hex with the status word's meaning, for people reading the log.
pub(crate) fn describe_response(response: &[u8]) -> String {
    match response {
        [.., sw1, sw2] => format!(
            "{} ({})",
            hex::encode(response),
            StatusWord::from_bytes(*sw1, *sw2).meaning()
        ),
        _ => hex::encode(response),
    }
}

/// The one `.cap` file of `fixture`: in `load_dir/fixture/`, else in the fixture directory
/// beside the directory holding the session.
fn fixture_cap(
    session_file: &Path,
    load_dir: Option<&Path>,
    fixture: &str,
) -> Result<PathBuf, String> {
    let fixtures_dir = match load_dir {
        Some(dir) => dir,
        None => {
            let session_dir = session_file.parent().unwrap_or(Path::new("."));
            session_dir.parent().unwrap_or(Path::new(".."))
        }
    };
    let dir = fixtures_dir.join(fixture);
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| format!("fixture '{fixture}': cannot read {}: {e}", dir.display()))?;
    let mut caps: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cap"))
        .collect();
    caps.sort();
    match caps.len() {
        1 => Ok(caps.remove(0)),
        0 => Err(format!(
            "fixture '{fixture}': no .cap file in {}",
            dir.display()
        )),
        n => Err(format!(
            "fixture '{fixture}': {n} .cap files in {}, expected one",
            dir.display()
        )),
    }
}
