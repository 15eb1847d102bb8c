//! `include("other.rhai")`: splices another file's statements and functions into a script.
//!
//! Each file is compiled on its own (so errors name the right file and line); the top-level
//! statements of the including file are split at each `include` statement, and the included
//! file's statements run in between, in the same scope. The functions of every file are
//! visible to all of them. Paths are relative to the including file; a file that includes
//! itself, directly or not, is an error.

use crate::outcome::{Failure, Location};
use rhai::{Engine, Expr, Position, Stmt, AST};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Top-level statements of one file, run as one piece.
pub(super) struct Segment {
    pub(super) file: PathBuf,
    pub(super) statements: Vec<Stmt>,
}

/// A script with its includes resolved.
pub(super) struct Program {
    pub(super) segments: Vec<Segment>,
    /// The functions of all files.
    pub(super) functions: AST,
    /// Which file defines each function name (the last definition wins, as when merging).
    pub(super) function_files: HashMap<String, PathBuf>,
}

/// Longest include chain, so a deep (but acyclic) chain cannot exhaust the stack.
const MAX_INCLUDE_DEPTH: usize = 32;

/// Compiles `root` and everything it includes.
pub(super) fn load(engine: &Engine, root: &Path) -> Result<Program, Failure> {
    let mut program = Program {
        segments: Vec::new(),
        functions: AST::empty(),
        function_files: HashMap::new(),
    };
    let mut stack = Vec::new();
    expand(engine, root, None, &mut stack, &mut program)?;
    Ok(program)
}

pub(super) fn location(file: &Path, pos: Position) -> Location {
    Location::new(file, pos.line().unwrap_or(1), pos.position())
}

fn expand(
    engine: &Engine,
    file: &Path,
    included_at: Option<Location>,
    stack: &mut Vec<PathBuf>,
    program: &mut Program,
) -> Result<(), Failure> {
    let fail_at = |message: String| match &included_at {
        Some(at) => Failure::at(at.clone(), message),
        None => Failure::whole(message),
    };
    let canonical = file
        .canonicalize()
        .map_err(|e| fail_at(format!("cannot read {}: {e}", file.display())))?;
    if let Some(first) = stack.iter().position(|p| *p == canonical) {
        let chain: Vec<String> = stack
            .iter()
            .skip(first)
            .chain(std::iter::once(&canonical))
            .map(|p| p.display().to_string())
            .collect();
        return Err(fail_at(format!("include cycle: {}", chain.join(" -> "))));
    }
    if stack.len() >= MAX_INCLUDE_DEPTH {
        return Err(fail_at(format!(
            "includes nest deeper than {MAX_INCLUDE_DEPTH} files"
        )));
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| fail_at(format!("cannot read {}: {e}", file.display())))?;
    let mut ast = engine
        .compile(&text)
        .map_err(|e| Failure::at(location(file, e.1), format!("syntax error: {}", e.0)))?;
    ast.set_source(file.display().to_string());
    for f in ast.iter_functions() {
        program
            .function_files
            .insert(f.name.to_string(), file.to_path_buf());
    }
    program.functions = program.functions.merge(&ast.clone_functions_only());

    stack.push(canonical);
    let mut current = Vec::new();
    for stmt in ast.statements() {
        match include_target(stmt) {
            None => current.push(stmt.clone()),
            Some(Err(pos)) => {
                return Err(Failure::at(
                    location(file, pos),
                    "include needs one literal string: include(\"file.rhai\")",
                ))
            }
            Some(Ok((target, pos))) => {
                if !current.is_empty() {
                    program.segments.push(Segment {
                        file: file.to_path_buf(),
                        statements: std::mem::take(&mut current),
                    });
                }
                let base = file.parent().unwrap_or(Path::new("."));
                let path = base.join(target.as_str());
                expand(engine, &path, Some(location(file, pos)), stack, program)?;
            }
        }
    }
    if !current.is_empty() {
        program.segments.push(Segment {
            file: file.to_path_buf(),
            statements: current,
        });
    }
    stack.pop();
    Ok(())
}

/// `Some(Ok(path))` for a top-level `include("path")` statement, `Some(Err(pos))` for an
/// `include` whose argument is not one literal string, `None` for any other statement.
fn include_target(stmt: &Stmt) -> Option<Result<(String, Position), Position>> {
    let (call, pos) = match stmt {
        Stmt::FnCall(call, pos) => (call, *pos),
        Stmt::Expr(expr) => match expr.as_ref() {
            Expr::FnCall(call, pos) => (call, *pos),
            _ => return None,
        },
        _ => return None,
    };
    if call.name.as_str() != "include" || call.is_qualified() {
        return None;
    }
    match call.args.as_slice() {
        [Expr::StringConstant(path, _)] => Some(Ok((path.to_string(), pos))),
        _ => Some(Err(pos)),
    }
}
