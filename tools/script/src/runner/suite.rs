//! Suites: a directory with `suite.toml` and case files, and the cases found in it.

use super::glob;
use super::RunnerError;
use crate::script::ScriptKind;
use jcos_cos::{CardConfig, FileSystem, Profile, Protocol};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The name of a suite's description file.
pub const SUITE_FILE: &str = "suite.toml";
/// The prefix of case globs relative to the shared directory.
pub const SHARED_PREFIX: &str = "shared:";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteToml {
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    requires_shared: bool,
    #[serde(default)]
    cases: Vec<String>,
    #[serde(default)]
    card: CardToml,
    #[serde(default)]
    load: LoadToml,
    #[serde(default, rename = "override")]
    overrides: Vec<OverrideToml>,
    #[serde(default, rename = "amend")]
    amendments: Vec<Amendment>,
}

/// An expected response of a session that the suite replaces because the Java Card
/// specifications say otherwise (the fixtures' rule: where a session and the specifications
/// disagree, the specifications win). The reason is shown with every result of the case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// The case, by its name in reports (`shared:fixtures/jcvm-golden/x/session`).
    pub case: String,
    /// The line of the `<<` expectation being replaced (1-based).
    pub line: usize,
    /// The expected response the specifications give, as a `<<` line would hold it.
    pub response: String,
    /// Why, citing the specification.
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardToml {
    protocol: Option<ProtocolToml>,
    /// A card profile (relative to the suite directory) personalising the card's file system.
    profile: Option<PathBuf>,
    /// The card has the issuer security domain, as `jcos card new` makes it.
    #[serde(default)]
    isd: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadToml {
    /// The directory (relative to the suite directory) whose subdirectory `NAME` holds the
    /// CAP file of a session's `load NAME`.
    dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideToml {
    glob: String,
    protocol: Option<ProtocolToml>,
    profile: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
enum ProtocolToml {
    #[serde(rename = "t0", alias = "T0")]
    T0,
    #[serde(rename = "t1", alias = "T1")]
    T1,
}

impl From<ProtocolToml> for Protocol {
    fn from(p: ProtocolToml) -> Self {
        match p {
            ProtocolToml::T0 => Protocol::T0,
            ProtocolToml::T1 => Protocol::T1,
        }
    }
}

/// Card settings for the cases whose file name matches a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Glob over case file names.
    pub glob: String,
    /// Transmission protocol, if overridden.
    pub protocol: Option<Protocol>,
    /// File system from a card profile, if overridden.
    pub file_system: Option<FileSystem>,
}

/// A suite as its `suite.toml` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    /// Its name (from `suite.toml`, else the directory name).
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// What it covers.
    pub description: String,
    /// Whether it reads the shared directory.
    pub requires_shared: bool,
    /// Extra case globs, relative to the suite directory or (`shared:`) the shared directory.
    pub case_globs: Vec<String>,
    /// The card every case starts from.
    pub card: CardConfig,
    /// The file system every case's card is personalised with (`[card] profile`), if any.
    pub file_system: Option<FileSystem>,
    /// Whether every case's card has the issuer security domain (`[card] isd`).
    pub isd: bool,
    /// Where sessions' `load NAME` lines find CAP files (`[load] dir`): the one `.cap` file
    /// in `load_dir/NAME/`; beside each session's own directory when `None`.
    pub load_dir: Option<PathBuf>,
    /// Per-case card settings; later entries win.
    pub overrides: Vec<Override>,
    /// Expected responses replaced where the specifications disagree with a session.
    pub amendments: Vec<Amendment>,
}

/// One case of a suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Its name in reports: the path relative to the suite directory, or `shared:` and the
    /// path relative to the shared directory.
    pub name: String,
    /// The script file.
    pub path: PathBuf,
    /// The card it runs on.
    pub card: CardConfig,
    /// The file system its card is personalised with, if any.
    pub file_system: Option<FileSystem>,
    /// Whether its card has the issuer security domain.
    pub isd: bool,
    /// Where its `load NAME` lines find CAP files, if not beside the session (see
    /// [`Suite::load_dir`]).
    pub load_dir: Option<PathBuf>,
    /// Expected responses the suite replaces in this case.
    pub amendments: Vec<Amendment>,
}

impl Suite {
    /// Reads `dir/suite.toml`.
    pub fn load(dir: &Path) -> Result<Self, RunnerError> {
        let file = dir.join(SUITE_FILE);
        let text = std::fs::read_to_string(&file).map_err(|source| RunnerError::Read {
            path: file.clone(),
            source,
        })?;
        let parsed: SuiteToml = toml::from_str(&text).map_err(|e| RunnerError::Suite {
            path: file.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let name = match parsed.name {
            Some(name) => name,
            None => dir_name(dir),
        };
        let mut card = CardConfig::default();
        if let Some(p) = parsed.card.protocol {
            card.protocol = p.into();
        }
        let profile = |path: Option<PathBuf>| -> Result<Option<FileSystem>, RunnerError> {
            path.map(|p| {
                Profile::load_file_system(&dir.join(p)).map_err(|e| RunnerError::Suite {
                    path: file.clone(),
                    message: e.to_string(),
                })
            })
            .transpose()
        };
        let file_system = profile(parsed.card.profile)?;
        let load_dir = match parsed.load.dir {
            Some(p) => {
                // `components` drops the `.` of `dir = "."`, so messages name plain paths.
                let load_dir: PathBuf = dir.join(&p).components().collect();
                if !load_dir.is_dir() {
                    return Err(RunnerError::Suite {
                        path: file.clone(),
                        message: format!(
                            "[load] dir '{}': {} is not a directory",
                            p.display(),
                            load_dir.display()
                        ),
                    });
                }
                Some(load_dir)
            }
            None => None,
        };
        let mut overrides = Vec::new();
        for o in parsed.overrides {
            overrides.push(Override {
                glob: o.glob,
                protocol: o.protocol.map(Into::into),
                file_system: profile(o.profile)?,
            });
        }
        Ok(Self {
            name,
            dir: dir.to_path_buf(),
            description: parsed.description,
            requires_shared: parsed.requires_shared,
            case_globs: parsed.cases,
            card,
            file_system,
            isd: parsed.card.isd,
            load_dir,
            overrides,
            amendments: parsed.amendments,
        })
    }

    /// A suite without `suite.toml`: the directory of a lone case file, on the default card.
    pub fn implicit(dir: &Path) -> Self {
        Self {
            name: dir_name(dir),
            dir: dir.to_path_buf(),
            description: String::new(),
            requires_shared: false,
            case_globs: Vec::new(),
            card: CardConfig::default(),
            file_system: None,
            isd: false,
            load_dir: None,
            overrides: Vec::new(),
            amendments: Vec::new(),
        }
    }

    /// Whether the suite cannot run without the shared directory.
    pub fn needs_shared(&self) -> bool {
        self.requires_shared || self.case_globs.iter().any(|g| g.starts_with(SHARED_PREFIX))
    }

    /// The card for the case file `path`: the suite's card with matching overrides applied.
    pub fn card_for(&self, path: &Path) -> CardConfig {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let mut card = self.card.clone();
        for o in &self.overrides {
            if glob::matches(&o.glob, file_name) {
                if let Some(p) = o.protocol {
                    card.protocol = p;
                }
            }
        }
        card
    }

    /// The file system for the case file `path`: the suite's, or the last matching
    /// override's.
    pub fn file_system_for(&self, path: &Path) -> Option<FileSystem> {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let mut fs = self.file_system.as_ref();
        for o in &self.overrides {
            if glob::matches(&o.glob, file_name) && o.file_system.is_some() {
                fs = o.file_system.as_ref();
            }
        }
        fs.cloned()
    }

    /// A case of this suite for the script at `path`, named `name`.
    pub fn case(&self, name: String, path: PathBuf) -> Case {
        let card = self.card_for(&path);
        let file_system = self.file_system_for(&path);
        let amendments = self
            .amendments
            .iter()
            .filter(|a| a.case == name)
            .cloned()
            .collect();
        Case {
            name,
            path,
            card,
            file_system,
            isd: self.isd,
            load_dir: self.load_dir.clone(),
            amendments,
        }
    }

    /// The cases: script files in the suite directory (not those starting with `_`, which are
    /// libraries), sorted, then each case glob's matches in order, without repeats. A glob
    /// that matches no script is an error, since it is almost always a mistake.
    pub fn cases(&self, shared: Option<&Path>) -> Result<Vec<Case>, RunnerError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| RunnerError::Read {
            path: self.dir.clone(),
            source,
        })?;
        let mut local: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && is_case_file(p))
            .collect();
        local.sort();
        let mut cases: Vec<Case> = local
            .into_iter()
            .map(|p| self.case(relative_name(&self.dir, &p), p))
            .collect();
        for pattern in &self.case_globs {
            let (base, rest, prefix) = match pattern.strip_prefix(SHARED_PREFIX) {
                Some(rest) => match shared {
                    Some(dir) => (dir.to_path_buf(), rest, SHARED_PREFIX),
                    None => continue,
                },
                None => (self.dir.clone(), pattern.as_str(), ""),
            };
            let found: Vec<PathBuf> = glob::expand(&base, rest)
                .into_iter()
                .filter(|p| is_case_file(p))
                .collect();
            if found.is_empty() {
                return Err(RunnerError::Suite {
                    path: self.dir.join(SUITE_FILE),
                    message: format!("case glob '{pattern}' matches no script file"),
                });
            }
            for path in found {
                if cases.iter().any(|c| c.path == path) {
                    continue;
                }
                let name = format!("{prefix}{}", relative_name(&base, &path));
                cases.push(self.case(name, path));
            }
        }
        Ok(cases)
    }
}

/// Whether `path` is a script that can be a case (not a `_` library).
pub fn is_case_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('_') && ScriptKind::of(path).is_some()
}

fn dir_name(dir: &Path) -> String {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    canonical
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("suite")
        .to_string()
}

fn relative_name(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
