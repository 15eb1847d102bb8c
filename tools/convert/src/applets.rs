//! Applet builds: `jcos build` compiles and converts the applets under `applets/`, one
//! directory each with an `applet.toml` manifest, Java sources under `src/`, and the
//! committed CAP and export files the build reproduces byte for byte.
//!
//! ```toml
//! package = "jcos.applets.counter"    # the Java package
//! aid = "F04A434F530201"              # package AID
//! version = "1.0"                     # package version
//! imports = []                        # other applet directories (siblings) it links against
//! int = false                         # allow the int type
//! # sources = "src"                   # the Java sources (default `src`); `shared:<path>`
//! #                                   # names a directory under the shared directory
//!
//! [[applet]]
//! aid = "F04A434F53020101"
//! class = "Counter"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::convert::{convert, ConvertError, Options};
use crate::javac::{java_sources, Javac, JavacError};

/// The manifest file name.
pub const MANIFEST: &str = "applet.toml";

/// `applet.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Java package, dotted.
    pub package: String,
    /// Package AID, hex.
    pub aid: String,
    /// Package version `major.minor`.
    pub version: String,
    /// Sibling applet directories whose export files this package links against.
    #[serde(default)]
    pub imports: Vec<String>,
    /// Allow the int type.
    #[serde(default)]
    pub int: bool,
    /// Where the Java sources are: a directory relative to the applet directory (default
    /// `src`), or `shared:<path>` under the shared directory.
    #[serde(default)]
    pub sources: Option<String>,
    /// The applets.
    #[serde(default, rename = "applet")]
    pub applets: Vec<ManifestApplet>,
}

/// One `[[applet]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestApplet {
    /// Applet AID, hex.
    pub aid: String,
    /// Class name, simple or qualified.
    pub class: String,
}

/// A build failure.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A manifest is malformed.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// javac failed.
    #[error("{applet}: {source}")]
    Javac {
        /// The applet directory.
        applet: String,
        /// The failure.
        source: JavacError,
    },
    /// Conversion failed.
    #[error("{applet}: {source}")]
    Convert {
        /// The applet directory.
        applet: String,
        /// The failure.
        source: ConvertError,
    },
    /// The stubs did not build.
    #[error(transparent)]
    Stubs(#[from] crate::stubs::StubBuildError),
}

/// One applet directory.
#[derive(Debug, Clone)]
pub struct AppletDir {
    /// Directory name (`counter`).
    pub name: String,
    /// The directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

impl AppletDir {
    /// The committed CAP file (`<dir>/<name>.cap`).
    pub fn cap_path(&self) -> PathBuf {
        self.dir.join(format!("{}.cap", self.name))
    }

    /// The committed export file (`<dir>/<name>.exp`).
    pub fn exp_path(&self) -> PathBuf {
        self.dir.join(format!("{}.exp", self.name))
    }

    /// The directory of the Java sources; `shared` resolves `shared:` paths.
    pub fn sources_dir(&self, shared: Option<&Path>) -> Result<PathBuf, BuildError> {
        match self.manifest.sources.as_deref() {
            None => Ok(self.dir.join("src")),
            Some(s) => match s.strip_prefix(SHARED_PREFIX) {
                Some(rel) => shared
                    .map(|d| d.join(rel))
                    .ok_or_else(|| BuildError::Manifest {
                        path: self.dir.join(MANIFEST),
                        message: format!(
                            "sources {s:?} need the shared directory (--shared or ${SHARED_ENV})"
                        ),
                    }),
                None => Ok(self.dir.join(s)),
            },
        }
    }

    /// Whether the sources are in the shared directory.
    pub fn needs_shared(&self) -> bool {
        self.manifest
            .sources
            .as_deref()
            .is_some_and(|s| s.starts_with(SHARED_PREFIX))
    }
}

/// Prefix of manifest paths under the shared directory.
pub const SHARED_PREFIX: &str = "shared:";

/// Environment variable naming the shared directory.
pub const SHARED_ENV: &str = "JCOS_SHARED";

/// The shared directory: `explicit`, else `$JCOS_SHARED`, else the first `shared/` holding
/// `fixtures/` beside `start` or one of its parents.
pub fn find_shared(explicit: Option<&Path>, start: &Path) -> Option<PathBuf> {
    if let Some(d) = explicit {
        return Some(d.to_path_buf());
    }
    if let Some(d) = std::env::var_os(SHARED_ENV) {
        return Some(PathBuf::from(d));
    }
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .map(|a| a.join("shared"))
        .find(|c| c.join("fixtures").is_dir())
}

fn hex(s: &str, path: &Path) -> Result<Vec<u8>, BuildError> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.len() % 2 != 0 {
        return Err(BuildError::Manifest {
            path: path.into(),
            message: format!("AID {s} has an odd number of digits"),
        });
    }
    (0..t.len())
        .step_by(2)
        .map(|i| {
            t.get(i..i.saturating_add(2))
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| BuildError::Manifest {
                    path: path.into(),
                    message: format!("AID {s} is not hex"),
                })
        })
        .collect()
}

/// Reads one applet directory's manifest.
pub fn read_applet(dir: &Path) -> Result<AppletDir, BuildError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|source| BuildError::Io {
        path: path.clone(),
        source,
    })?;
    let manifest: Manifest = toml::from_str(&text).map_err(|e| BuildError::Manifest {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| BuildError::Manifest {
            path: path.clone(),
            message: "directory without a name".into(),
        })?;
    Ok(AppletDir {
        name,
        dir: dir.to_path_buf(),
        manifest,
    })
}

/// The applets of `root`: itself if it has a manifest, else its subdirectories that have
/// one, ordered so that imports come first.
pub fn discover(root: &Path) -> Result<Vec<AppletDir>, BuildError> {
    if root.join(MANIFEST).is_file() {
        return Ok(vec![read_applet(root)?]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|source| BuildError::Io {
            path: root.into(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(MANIFEST).is_file())
        .collect();
    dirs.sort();
    let mut pending: Vec<AppletDir> = dirs
        .iter()
        .map(|d| read_applet(d))
        .collect::<Result<_, _>>()?;
    let mut out: Vec<AppletDir> = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|a| {
            a.manifest
                .imports
                .iter()
                .all(|i| out.iter().any(|o| o.name == *i) || !dirs.iter().any(|d| d.ends_with(i)))
        });
        match ready {
            Some(i) => out.push(pending.remove(i)),
            None => {
                return Err(BuildError::Manifest {
                    path: root.into(),
                    message: "applet imports form a cycle".into(),
                })
            }
        }
    }
    Ok(out)
}

/// What building one applet produced.
#[derive(Debug, Clone)]
pub struct Built {
    /// The applet.
    pub applet: AppletDir,
    /// CAP file, JAR form.
    pub cap: Vec<u8>,
    /// Export file.
    pub exp: Vec<u8>,
    /// Listing.
    pub listing: String,
}

/// Compiles and converts `applets` (in order) in `work`.
/// `shared` is the shared directory, for manifests whose sources are there.
pub fn build_all(
    javac: &Javac,
    applets: &[AppletDir],
    work: &Path,
    shared: Option<&Path>,
) -> Result<Vec<Built>, BuildError> {
    let api = crate::api::ApiSet::load().map_err(|e| BuildError::Manifest {
        path: "API tables".into(),
        message: e.to_string(),
    })?;
    let stubs = crate::stubs::generate(&api.tables).map_err(crate::stubs::StubBuildError::from)?;
    let stub_classes = crate::stubs::compile(javac, &stubs, &work.join("api"))?;
    let mut classes_of: BTreeMap<String, (PathBuf, PathBuf)> = BTreeMap::new();
    let mut out = Vec::new();
    for a in applets {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BuildError::Io { path, source }
        };
        let m = &a.manifest;
        let manifest_path = a.dir.join(MANIFEST);
        let classes = work.join(&a.name).join("classes");
        std::fs::create_dir_all(&classes).map_err(io(&classes))?;
        let src = a.sources_dir(shared)?;
        let sources = java_sources(&src).map_err(io(&src))?;
        let mut cp = vec![stub_classes.clone()];
        let mut export_path = Vec::new();
        for i in &m.imports {
            let (c, e) = classes_of.get(i).ok_or_else(|| BuildError::Manifest {
                path: manifest_path.clone(),
                message: format!("import {i} is not an applet built before this one"),
            })?;
            cp.push(c.clone());
            export_path.push(e.clone());
        }
        javac
            .compile(&sources, &cp, &classes)
            .map_err(|source| BuildError::Javac {
                applet: a.name.clone(),
                source,
            })?;
        let (major, minor) = m
            .version
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)))
            .ok_or_else(|| BuildError::Manifest {
                path: manifest_path.clone(),
                message: format!("version {} is not major.minor", m.version),
            })?;
        let mut applets = Vec::new();
        for ap in &m.applets {
            applets.push((hex(&ap.aid, &manifest_path)?, ap.class.clone()));
        }
        let opts = Options {
            classes: classes.clone(),
            package: m.package.clone(),
            aid: hex(&m.aid, &manifest_path)?,
            version: (major, minor),
            applets,
            export_path,
            export_map: a.exp_path().is_file().then(|| a.exp_path()),
            int: m.int,
            debug: false,
        };
        let conv = convert(&opts).map_err(|source| BuildError::Convert {
            applet: a.name.clone(),
            source,
        })?;
        let cap = conv.cap_jar().map_err(|source| BuildError::Convert {
            applet: a.name.clone(),
            source,
        })?;
        let exp = conv.export_bytes().map_err(|source| BuildError::Convert {
            applet: a.name.clone(),
            source,
        })?;
        let exp_dir = work.join(&a.name).join("exp");
        std::fs::create_dir_all(&exp_dir).map_err(io(&exp_dir))?;
        let exp_file = exp_dir.join(format!("{}.exp", a.name));
        std::fs::write(&exp_file, &exp).map_err(io(&exp_file))?;
        classes_of.insert(a.name.clone(), (classes, exp_dir));
        out.push(Built {
            applet: a.clone(),
            cap,
            exp,
            listing: conv.listing,
        });
    }
    Ok(out)
}

/// A committed file that the build does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The committed file.
    pub path: PathBuf,
    /// Why: missing, or the first differing byte.
    pub reason: String,
}

/// Compares built files with the committed ones.
pub fn check(built: &[Built]) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for b in built {
        for (path, bytes) in [(b.applet.cap_path(), &b.cap), (b.applet.exp_path(), &b.exp)] {
            match std::fs::read(&path) {
                Err(e) => out.push(Mismatch {
                    path,
                    reason: format!("cannot read: {e}"),
                }),
                Ok(committed) if committed == *bytes => {}
                Ok(committed) => {
                    let at = committed
                        .iter()
                        .zip(bytes.iter())
                        .position(|(x, y)| x != y)
                        .unwrap_or(committed.len().min(bytes.len()));
                    out.push(Mismatch {
                        path,
                        reason: format!(
                            "differs from the build at byte {at} ({} bytes committed, {} built)",
                            committed.len(),
                            bytes.len()
                        ),
                    });
                }
            }
        }
    }
    out
}

/// Writes the built files into their applet directories.
pub fn write(built: &[Built]) -> Result<(), BuildError> {
    for b in built {
        for (path, bytes) in [(b.applet.cap_path(), &b.cap), (b.applet.exp_path(), &b.exp)] {
            std::fs::write(&path, bytes).map_err(|source| BuildError::Io {
                path: path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}
