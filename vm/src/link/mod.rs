//! The linker (ARCHITECTURE decision 9): a parsed [`CapFile`] plus the packages already in
//! the [`Program`] (built-in API packages and user packages) become a [`LinkedPackage`] —
//! classes with flattened method tables and field layouts, the static image, and every
//! method translated once into [`crate::program::Insn`]s with references resolved.
//!
//! Linking does not change the program; [`LinkedPackage`] is appended by the caller, so a
//! package that fails to link leaves the card as it was.

mod classes;
mod code;
mod statics;

use std::collections::HashMap;
use std::fmt;

use crate::cap::{CapError, CapFile, ClassRef};
use crate::heap::{ArrayData, StaticImage};
use crate::program::{
    AppletDef, Class, ClassId, ExportedClass, Method, MethodId, Package, PackageId, Program,
};

/// A package that cannot be loaded, with where and why. Boxed so `Result<_, LoadError>`
/// stays one word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub Box<LoadErrorInfo>);

/// The details of a [`LoadError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErrorInfo {
    /// The package (name or AID).
    pub package: String,
    /// Class, method and offset where known.
    pub location: String,
    /// What is wrong.
    pub kind: LoadErrorKind,
}

impl fmt::Display for LoadErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "package {}", self.package)?;
        if !self.location.is_empty() {
            write!(f, ", {}", self.location)?;
        }
        write!(f, ": {}", self.kind)
    }
}

/// The kinds of load failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadErrorKind {
    /// The CAP file is malformed.
    #[error("malformed CAP file: {0}")]
    Cap(#[from] CapError),
    /// An imported package is not on the card.
    #[error("imported package {aid} version {major}.{minor} is not loaded")]
    MissingImport {
        /// AID in hex.
        aid: String,
        /// Imported major version.
        major: u8,
        /// Imported minor version.
        minor: u8,
    },
    /// An imported package is on the card in an incompatible version.
    #[error("imported package {aid} version {major}.{minor} is incompatible with loaded version {loaded_major}.{loaded_minor}")]
    IncompatibleImport {
        /// AID in hex.
        aid: String,
        /// Imported major version.
        major: u8,
        /// Imported minor version.
        minor: u8,
        /// Loaded major version.
        loaded_major: u8,
        /// Loaded minor version.
        loaded_minor: u8,
    },
    /// A package with this AID is already loaded.
    #[error("a package with this AID is already loaded")]
    AlreadyLoaded,
    /// A reference does not resolve.
    #[error("unresolved reference: {0}")]
    Unresolved(String),
    /// The class hierarchy is inconsistent.
    #[error("bad class hierarchy: {0}")]
    Hierarchy(String),
    /// Bytecode that cannot be translated.
    #[error("bad bytecode: {0}")]
    Bytecode(String),
    /// The program outgrew an id space.
    #[error("too many {0}")]
    TooMany(&'static str),
}

impl LoadError {
    /// A new error.
    pub fn new(
        package: impl Into<String>,
        location: impl Into<String>,
        kind: LoadErrorKind,
    ) -> LoadError {
        LoadError(Box::new(LoadErrorInfo {
            package: package.into(),
            location: location.into(),
            kind,
        }))
    }

    /// The details.
    pub fn info(&self) -> &LoadErrorInfo {
        &self.0
    }
}

/// The field words of a class's instances holding the references the class itself
/// declares, as (first word, count); a superclass's references are in its own run.
pub type ReferenceRun = (u16, u16);

/// A package after linking, ready to be appended to the program.
#[derive(Clone, Debug)]
pub struct LinkedPackage {
    /// The package record (its id is `program.packages.len()` at link time).
    pub package: Package,
    /// Its classes, with ids from `program.classes.len()` on.
    pub classes: Vec<Class>,
    /// Its methods, with ids from `program.methods.len()` on.
    pub methods: Vec<Method>,
    /// The initial static image; reference slots of initialised arrays are filled when the
    /// arrays are allocated.
    pub statics: StaticImage,
    /// Arrays to allocate for the first static reference fields (the StaticField component's
    /// array_init), by reference index.
    pub array_inits: Vec<(u16, ArrayData)>,
    /// The reference fields each class declares, parallel to `classes`.
    pub reference_runs: Vec<ReferenceRun>,
}

/// Per-link state shared by the passes.
pub(crate) struct Linker<'a> {
    pub cap: &'a CapFile,
    pub program: &'a Program,
    pub name: String,
    pub pkg: PackageId,
    pub seg: u16,
    pub class_base: u16,
    pub method_base: u16,
    /// Imported packages by package token.
    pub imports: Vec<PackageId>,
    /// Class component offset -> local class index.
    pub class_at: HashMap<u16, usize>,
    /// Method component offset -> method id.
    pub method_at: HashMap<u16, MethodId>,
    /// Local classes, in Class component order (interfaces first).
    pub classes: Vec<Class>,
    /// Local methods.
    pub methods: Vec<Method>,
    /// The reference fields of the local classes, parallel to `classes`.
    pub reference_runs: Vec<ReferenceRun>,
}

impl Linker<'_> {
    pub fn err(&self, location: impl Into<String>, kind: LoadErrorKind) -> LoadError {
        LoadError::new(self.name.clone(), location, kind)
    }

    /// The class a class reference names.
    pub fn class_id(&self, r: ClassRef, location: &str) -> Result<ClassId, LoadError> {
        match r {
            ClassRef::Internal(off) => {
                let i = self.class_at.get(&off).copied().ok_or_else(|| {
                    self.err(
                        location,
                        LoadErrorKind::Unresolved(format!(
                            "no class at Class component offset {off:#06x}"
                        )),
                    )
                })?;
                self.local_id(i)
            }
            ClassRef::External {
                package_token,
                class_token,
            } => {
                let pkg = self.import(package_token, location)?;
                self.program
                    .package(pkg)
                    .and_then(|p| {
                        p.class_by_token
                            .get(usize::from(class_token))
                            .copied()
                            .flatten()
                    })
                    .ok_or_else(|| {
                        self.err(
                            location,
                            LoadErrorKind::Unresolved(format!(
                                "class token {class_token} of imported package {package_token}"
                            )),
                        )
                    })
            }
        }
    }

    /// The local class index of an id of this package, if it is one.
    pub fn local_index(&self, id: ClassId) -> Option<usize> {
        usize::from(id.0)
            .checked_sub(usize::from(self.class_base))
            .filter(|&i| i < self.class_at.len())
    }

    pub fn local_id(&self, index: usize) -> Result<ClassId, LoadError> {
        u16::try_from(index)
            .ok()
            .and_then(|i| i.checked_add(self.class_base))
            .map(ClassId)
            .ok_or_else(|| self.err("", LoadErrorKind::TooMany("classes")))
    }

    /// A class of this package (being built) or of the program.
    pub fn class(&self, id: ClassId) -> Option<&Class> {
        match self.local_index(id) {
            Some(i) => self.classes.get(i),
            None => self.program.class(id),
        }
    }

    /// A method of this package or of the program.
    pub fn method(&self, id: MethodId) -> Option<&Method> {
        match usize::from(id.0).checked_sub(usize::from(self.method_base)) {
            Some(i) => self.methods.get(i),
            None => self.program.method(id),
        }
    }

    /// The program package an import token names.
    pub fn import(&self, package_token: u8, location: &str) -> Result<PackageId, LoadError> {
        self.imports
            .get(usize::from(package_token & 0x7F))
            .copied()
            .ok_or_else(|| {
                self.err(
                    location,
                    LoadErrorKind::Unresolved(format!(
                        "package token {package_token} is not imported"
                    )),
                )
            })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Links `cap` against the packages of `program`. `static_seg` is the heap static image
/// segment the package's statics will occupy.
pub fn link(cap: &CapFile, program: &Program, static_seg: u16) -> Result<LinkedPackage, LoadError> {
    let aid = cap.header.package.aid.as_bytes().to_vec();
    let name = cap
        .package_name()
        .or_else(|| {
            let d = cap.debug.as_ref()?;
            d.string(d.package_name_index)
        })
        .map(|n| n.replace('.', "/"))
        .unwrap_or_else(|| hex(&aid));
    let fail = |kind| LoadError::new(name.clone(), "", kind);
    if program.packages.iter().any(|p| p.aid == aid) {
        return Err(fail(LoadErrorKind::AlreadyLoaded));
    }
    let pkg = PackageId(
        u16::try_from(program.packages.len())
            .map_err(|_| fail(LoadErrorKind::TooMany("packages")))?,
    );
    let class_base = u16::try_from(program.classes.len())
        .map_err(|_| fail(LoadErrorKind::TooMany("classes")))?;
    let method_base = u16::try_from(program.methods.len())
        .map_err(|_| fail(LoadErrorKind::TooMany("methods")))?;

    // Imports: AID and major version must match; the loaded minor version must be at least
    // the imported one (JCVM 3.0.5 §4.5.2).
    let mut imports = Vec::new();
    for info in &cap.import.packages {
        let iaid = info.aid.as_bytes();
        let found = program
            .packages
            .iter()
            .position(|p| p.aid == iaid)
            .ok_or_else(|| {
                fail(LoadErrorKind::MissingImport {
                    aid: hex(iaid),
                    major: info.major_version,
                    minor: info.minor_version,
                })
            })?;
        let p = program
            .packages
            .get(found)
            .ok_or_else(|| fail(LoadErrorKind::TooMany("packages")))?;
        if p.version.0 != info.major_version || p.version.1 < info.minor_version {
            return Err(fail(LoadErrorKind::IncompatibleImport {
                aid: hex(iaid),
                major: info.major_version,
                minor: info.minor_version,
                loaded_major: p.version.0,
                loaded_minor: p.version.1,
            }));
        }
        imports.push(PackageId(found as u16));
    }

    let class_at: HashMap<u16, usize> = cap
        .class
        .item_offsets()
        .into_iter()
        .enumerate()
        .map(|(i, (off, _))| (off, i))
        .collect();

    let mut l = Linker {
        cap,
        program,
        name: name.clone(),
        pkg,
        seg: static_seg,
        class_base,
        method_base,
        imports,
        class_at,
        method_at: HashMap::new(),
        classes: Vec::new(),
        methods: Vec::new(),
        reference_runs: Vec::new(),
    };
    code::declare_methods(&mut l)?;
    classes::build(&mut l)?;
    let (statics_image, array_inits) = statics::image(&l)?;
    code::translate_all(&mut l)?;

    // Exports and applets.
    let mut class_by_token = Vec::new();
    let mut exports = Vec::new();
    if let Some(export) = &cap.export {
        for (token, ce) in export.class_exports.iter().enumerate() {
            let id = l.class_id(
                ClassRef::Internal(ce.class_offset),
                &format!("export class token {token}"),
            )?;
            class_by_token.push(Some(id));
            let mut static_methods = Vec::new();
            for off in &ce.static_method_offsets {
                static_methods.push(l.method_at.get(off).copied());
            }
            exports.push(ExportedClass {
                static_fields: ce.static_field_offsets.clone(),
                static_methods,
            });
        }
    }
    let mut applets = Vec::new();
    if let Some(a) = &cap.applet {
        for info in &a.applets {
            let install = l
                .method_at
                .get(&info.install_method_offset)
                .copied()
                .ok_or_else(|| {
                    l.err(
                        format!("applet {}", hex(info.aid.as_bytes())),
                        LoadErrorKind::Unresolved(format!(
                            "install method offset {:#06x}",
                            info.install_method_offset
                        )),
                    )
                })?;
            applets.push(AppletDef {
                aid: info.aid.as_bytes().to_vec(),
                install,
            });
        }
    }
    let package = Package {
        aid,
        name,
        version: (
            cap.header.package.major_version,
            cap.header.package.minor_version,
        ),
        builtin: false,
        class_by_token,
        static_seg,
        exports,
        applets,
    };
    Ok(LinkedPackage {
        package,
        classes: l.classes,
        methods: l.methods,
        statics: statics_image,
        array_inits,
        reference_runs: l.reference_runs,
    })
}
