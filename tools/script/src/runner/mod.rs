//! The conformance runner: finds suites and cases, runs every case on its own fresh card in
//! parallel, and reports the results (human text, JSON, JUnit XML).

mod card;
mod exec;
mod glob;
mod junit;
mod report;
mod shared;
mod suite;

pub use card::{new_card, new_card_with, new_loader};
pub use exec::run_case;
pub use glob::matches as glob_matches;
pub use junit::write_junit;
pub use report::{to_json, write_human, write_json};
pub use shared::{find_shared, SHARED_ENV};
pub use suite::{is_case_file, Amendment, Case, Override, Suite, SHARED_PREFIX, SUITE_FILE};

use crate::jscript::Limits;
use crate::loader::ContentLoader;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Makes a content loader for one case's card.
pub type LoaderFactory = fn() -> Box<dyn ContentLoader>;

/// How to run suites.
#[derive(Debug, Clone, Default)]
pub struct RunnerOptions {
    /// The shared directory (golden fixtures); found automatically when `None`.
    pub shared_dir: Option<PathBuf>,
    /// Worker threads; the machine's available parallelism when `None`.
    pub jobs: Option<usize>,
    /// Print one progress line per finished case on stderr.
    pub progress: bool,
    /// Bounds on jcos scripts.
    pub limits: Limits,
    /// Content loader for sessions' `load`/`install` lines; the development installer's
    /// ([`new_loader`]) when `None`.
    pub loader: Option<LoaderFactory>,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// A path given to the runner does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// A directory holds neither `suite.toml` nor suites.
    #[error("{}: not a suite (no suite.toml) and no suite directories in it", path.display())]
    NoSuites {
        /// The directory.
        path: PathBuf,
    },
    /// A file given to the runner is not a script.
    #[error("{}: not a case file (expected .scr, .rhai, session or .session)", path.display())]
    NotACase {
        /// The file.
        path: PathBuf,
    },
    /// A file or directory cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `suite.toml` is malformed.
    #[error("{}: {message}", path.display())]
    Suite {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The result of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// It passed.
    Passed,
    /// It failed.
    Failed,
    /// It did not run.
    Skipped,
}

impl CaseStatus {
    /// `passed`, `failed` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Passed => "passed",
            CaseStatus::Failed => "failed",
            CaseStatus::Skipped => "skipped",
        }
    }
}

/// One case's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The case name.
    pub name: String,
    /// The case file (empty for a suite-level entry such as a skipped shared suite).
    pub file: PathBuf,
    /// What happened.
    pub status: CaseStatus,
    /// How long it ran.
    pub duration: Duration,
    /// Why it failed or was skipped.
    pub message: Option<String>,
}

/// One suite's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteResult {
    /// The suite name.
    pub name: String,
    /// The suite directory.
    pub dir: PathBuf,
    /// Why the whole suite was skipped, if it was.
    pub skipped_reason: Option<String>,
    /// Per-case results, in case order.
    pub results: Vec<CaseResult>,
}

impl SuiteResult {
    fn count(&self, status: CaseStatus) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.count(CaseStatus::Passed)
    }
    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.count(CaseStatus::Failed)
    }
    /// Cases that were skipped.
    pub fn skipped(&self) -> usize {
        self.count(CaseStatus::Skipped)
    }
}

/// The results of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Per-suite results, in the order the suites were given.
    pub suites: Vec<SuiteResult>,
}

impl Summary {
    /// Cases that passed, over all suites.
    pub fn passed(&self) -> usize {
        self.suites.iter().map(SuiteResult::passed).sum()
    }
    /// Cases that failed, over all suites.
    pub fn failed(&self) -> usize {
        self.suites.iter().map(SuiteResult::failed).sum()
    }
    /// Cases that were skipped, over all suites.
    pub fn skipped(&self) -> usize {
        self.suites.iter().map(SuiteResult::skipped).sum()
    }
    /// Whether nothing failed (the exit status a caller should give is 1 otherwise).
    pub fn success(&self) -> bool {
        self.failed() == 0
    }
}

/// A suite and the cases to run from it (all, or one named on the command line).
struct Plan {
    suite: Suite,
    only: Option<PathBuf>,
}

/// The suites named by `paths`: a suite directory, a directory of suite directories (one
/// level), or a single case file (run with the settings of the suite it sits in, if any).
fn plan(paths: &[PathBuf]) -> Result<Vec<Plan>, RunnerError> {
    let mut plans = Vec::new();
    for path in paths {
        if path.is_file() {
            if !is_case_file(path) {
                return Err(RunnerError::NotACase { path: path.clone() });
            }
            let dir = path.parent().unwrap_or(Path::new("."));
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let suite = if dir.join(SUITE_FILE).is_file() {
                Suite::load(dir)?
            } else {
                Suite::implicit(dir)
            };
            plans.push(Plan {
                suite,
                only: Some(path.clone()),
            });
        } else if path.is_dir() {
            if path.join(SUITE_FILE).is_file() {
                plans.push(Plan {
                    suite: Suite::load(path)?,
                    only: None,
                });
                continue;
            }
            let entries = std::fs::read_dir(path).map_err(|source| RunnerError::Read {
                path: path.clone(),
                source,
            })?;
            let mut dirs: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join(SUITE_FILE).is_file())
                .collect();
            if dirs.is_empty() {
                return Err(RunnerError::NoSuites { path: path.clone() });
            }
            dirs.sort();
            for dir in dirs {
                plans.push(Plan {
                    suite: Suite::load(&dir)?,
                    only: None,
                });
            }
        } else {
            return Err(RunnerError::NotFound { path: path.clone() });
        }
    }
    Ok(plans)
}

/// Runs the suites and cases named by `paths` and returns their results. Suites that need
/// the shared directory when it is absent are reported as skipped, with the reason.
pub fn run(paths: &[PathBuf], options: &RunnerOptions) -> Result<Summary, RunnerError> {
    let plans = plan(paths)?;
    let mut suites = Vec::with_capacity(plans.len());
    let mut planned_cases: Vec<Vec<Case>> = Vec::with_capacity(plans.len());
    for plan in &plans {
        let suite = &plan.suite;
        let shared = if suite.needs_shared() {
            find_shared(options.shared_dir.as_deref(), &suite.dir)
        } else {
            Err(String::new())
        };
        let mut result = SuiteResult {
            name: suite.name.clone(),
            dir: suite.dir.clone(),
            skipped_reason: None,
            results: Vec::new(),
        };
        let cases = match (&plan.only, suite.needs_shared(), &shared) {
            (Some(file), _, _) => vec![suite.case(case_name(file), file.clone())],
            (None, true, Err(reason)) => {
                // Skipped visibly: one entry per local case, or one for the suite itself.
                let local = suite.cases(None)?;
                result.skipped_reason = Some(reason.clone());
                result.results = if local.is_empty() {
                    vec![skipped(&suite.name, PathBuf::new(), reason)]
                } else {
                    local
                        .into_iter()
                        .map(|c| skipped(&c.name, c.path, reason))
                        .collect()
                };
                Vec::new()
            }
            (None, _, shared) => suite.cases(shared.as_ref().ok().map(PathBuf::as_path))?,
        };
        suites.push(result);
        planned_cases.push(cases);
    }
    let outcomes = exec::run_all(&planned_cases, &suites, options);
    for (suite, results) in suites.iter_mut().zip(outcomes) {
        if suite.skipped_reason.is_none() {
            suite.results = results;
        }
    }
    Ok(Summary { suites })
}

fn case_name(file: &Path) -> String {
    file.file_name()
        .and_then(|n| n.to_str())
        .map_or_else(|| file.display().to_string(), str::to_string)
}

fn skipped(name: &str, file: PathBuf, reason: &str) -> CaseResult {
    CaseResult {
        name: name.to_string(),
        file,
        status: CaseStatus::Skipped,
        duration: Duration::ZERO,
        message: Some(reason.to_string()),
    }
}
