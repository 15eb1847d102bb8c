//! Turning Rhai errors into failures that name the file and line where they happened.

use super::include::location;
use crate::outcome::{Failure, Location};
use rhai::EvalAltResult;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A failed assertion, recorded by the assertion function before it raises its error.
#[derive(Debug, Clone)]
pub(super) struct AssertionFailure {
    /// The explanation: expected and actual responses.
    pub(super) message: String,
}

/// The marker text of the runtime error an assertion raises.
pub(super) const ASSERTION_FAILED: &str = "assertion failed";

/// Builds the failure for `err`, raised while running statements of `file`.
///
/// Errors raised inside script functions arrive wrapped once per call level; the innermost
/// position is the failing line, in the file that defines the innermost function.
pub(super) fn failure(
    err: &EvalAltResult,
    file: &Path,
    function_files: &HashMap<String, PathBuf>,
    assertion: Option<&AssertionFailure>,
    max_operations: u64,
) -> Failure {
    let mut current_file = file.to_path_buf();
    let mut calls = Vec::new();
    let mut err = err;
    while let EvalAltResult::ErrorInFunctionCall(name, _, inner, pos) = err {
        calls.push(format!(
            "in {name}(), called at {}",
            location(&current_file, *pos)
        ));
        if let Some(defining) = function_files.get(name) {
            current_file = defining.clone();
        }
        err = inner;
    }
    let at: Location = location(&current_file, err.position());
    let mut message = match err {
        EvalAltResult::ErrorRuntime(value, _)
            if value.clone().into_string().ok().as_deref() == Some(ASSERTION_FAILED) =>
        {
            match assertion {
                Some(a) => a.message.clone(),
                None => ASSERTION_FAILED.to_string(),
            }
        }
        EvalAltResult::ErrorRuntime(value, _) => format!("script error: {value}"),
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "the script ran more than {max_operations} operations without finishing \
             (a loop that never ends?)"
        ),
        EvalAltResult::ErrorStackOverflow(_) => {
            "function calls nest too deeply (unbounded recursion?)".to_string()
        }
        other => {
            // Rhai's own text, without the position it appends (the location says it).
            let text = other.to_string();
            match text.rfind(" (line ") {
                Some(i) => text.get(..i).unwrap_or(&text).to_string(),
                None => text,
            }
        }
    };
    for call in calls.iter().rev() {
        message.push('\n');
        message.push_str(call);
    }
    Failure::at(at, message)
}
