//! Running one script file of any form: what `jcos run SCRIPT` does.

use crate::jscript::{self, Limits};
use crate::loader::ContentLoader;
use crate::outcome::{Failure, Location, Outcome};
use crate::runner::Amendment;
use crate::{apdutool, session};
use jcos_transport::Transport;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The three script forms, told apart by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptKind {
    /// `*.scr`: an apdutool script of the Java Card SDK.
    Apdutool,
    /// `*.rhai`: a jcos script.
    Jcos,
    /// `session` or `*.session`: a golden fixture session.
    Session,
}

impl ScriptKind {
    /// The form of the file at `path`, if it is a script.
    pub fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".scr") {
            Some(Self::Apdutool)
        } else if name.ends_with(".rhai") {
            Some(Self::Jcos)
        } else if name == "session" || name.ends_with(".session") {
            Some(Self::Session)
        } else {
            None
        }
    }
}

/// How to run a script.
pub struct RunOptions<'a> {
    /// Puts CAP files and applets on the card for a session's `load`/`install` lines.
    pub loader: Option<&'a mut dyn ContentLoader>,
    /// Bounds on a jcos script.
    pub limits: Limits,
    /// For an apdutool script, compare its output with `<script>.expected.out` when that
    /// file exists.
    pub compare_expected: bool,
    /// For a session, expected responses replaced by the suite (see [`Amendment`]).
    pub amendments: &'a [Amendment],
    /// For a session, the directory whose subdirectory `NAME` holds the CAP file of each
    /// `load NAME` line; the fixtures directory the session sits in when `None`.
    pub load_dir: Option<&'a Path>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        Self {
            loader: None,
            limits: Limits::default(),
            compare_expected: true,
            amendments: &[],
            load_dir: None,
        }
    }
}

/// A script that cannot run at all: not a script, unreadable, or malformed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The file name is not of any script form.
    #[error("{}: not a script (expected a .scr, .rhai, session or .session file)", path.display())]
    UnknownKind {
        /// The file.
        path: PathBuf,
    },
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The script is malformed (syntax, a bad include); the failure says where.
    #[error("{0}")]
    Invalid(Failure),
}

fn read(path: &Path) -> Result<String, ScriptError> {
    std::fs::read_to_string(path).map_err(|source| ScriptError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A session's text with the suite's amendments applied: each replaces the response of one
/// `<<` line, keeping the line numbering.
fn amend(text: &str, amendments: &[Amendment]) -> Result<String, String> {
    if amendments.is_empty() {
        return Ok(text.to_string());
    }
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for a in amendments {
        let line = a
            .line
            .checked_sub(1)
            .and_then(|i| lines.get_mut(i))
            .filter(|l| l.trim_start().starts_with("<<"))
            .ok_or_else(|| format!("amendment for line {} names no `<<` line", a.line))?;
        *line = format!("<< {}", a.response);
    }
    Ok(lines.join("\n"))
}

/// The expected-output file of an apdutool script.
pub fn expected_output_path(script: &Path) -> PathBuf {
    let mut name = script.as_os_str().to_os_string();
    name.push(".expected.out");
    PathBuf::from(name)
}

/// Runs the script at `path` against `transport`, streaming human-readable output to `out`.
///
/// `Err` means the script could not run (see [`ScriptError`]); a script that runs returns
/// [`Outcome::Passed`] or [`Outcome::Failed`] with the failing step's location and an
/// explanation.
pub fn run_script_file(
    path: &Path,
    transport: &mut dyn Transport,
    out: &mut dyn Write,
    options: RunOptions<'_>,
) -> Result<Outcome, ScriptError> {
    let kind = ScriptKind::of(path).ok_or_else(|| ScriptError::UnknownKind {
        path: path.to_path_buf(),
    })?;
    let result = match kind {
        ScriptKind::Apdutool => {
            let text = read(path)?;
            let script = apdutool::parse(&text).map_err(|e| {
                ScriptError::Invalid(Failure::at(
                    Location::new(path, e.line, Some(e.column)),
                    e.message,
                ))
            })?;
            let expected_path = expected_output_path(path);
            let expected = if options.compare_expected && expected_path.is_file() {
                Some(read(&expected_path)?)
            } else {
                None
            };
            apdutool::run(&script, path, transport, out).and_then(|lines| match expected {
                None => Ok(()),
                Some(expected) => apdutool::compare_expected(&expected, &lines).map_err(|diff| {
                    Failure::whole(format!(
                        "output differs from {} (- expected, + actual):\n{}",
                        expected_path.display(),
                        diff.trim_end()
                    ))
                }),
            })
        }
        ScriptKind::Session => {
            let text = amend(&read(path)?, options.amendments).map_err(|message| {
                ScriptError::Invalid(Failure::at(Location::new(path, 1, None), message))
            })?;
            let parsed = session::parse(&text).map_err(|e| {
                ScriptError::Invalid(Failure::at(
                    Location::new(path, e.line, Some(e.column)),
                    e.message,
                ))
            })?;
            session::run(
                &parsed,
                path,
                options.load_dir,
                transport,
                options.loader,
                out,
            )
        }
        ScriptKind::Jcos => {
            jscript::check(path).map_err(ScriptError::Invalid)?;
            jscript::run(path, transport, out, options.limits)
        }
    };
    Ok(match result {
        Ok(()) => Outcome::Passed,
        Err(failure) => Outcome::Failed(failure),
    })
}
