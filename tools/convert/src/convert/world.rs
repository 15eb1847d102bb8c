//! The package being converted and every package it can see: its own classes (from class
//! files) and the imported ones (API tables and export files), with class look-up by name and
//! the class hierarchy across both.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jcos_vm::export::{ClassView, PackageView};

use super::error::{ConvertError, Location};
use crate::classfile::{self, ClassFile, MethodInfo};

/// A class or interface, of this package or of an imported one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClassId {
    /// Index into [`World::classes`].
    Internal(usize),
    /// Index into [`World::externals`], then into that package's classes.
    External(usize, usize),
}

/// A class of the package being converted.
#[derive(Debug, Clone)]
pub struct Class {
    /// The parsed class file.
    pub cf: ClassFile,
    /// Where it was read from.
    pub path: PathBuf,
}

impl Class {
    /// Internal name.
    pub fn name(&self) -> &str {
        &self.cf.this_class
    }

    /// Whether it is an interface.
    pub fn is_interface(&self) -> bool {
        self.cf.is_interface()
    }

    /// Whether it is public.
    pub fn is_public(&self) -> bool {
        self.cf.access_flags & classfile::ACC_PUBLIC != 0
    }

    /// A location naming this class.
    pub fn at(&self) -> Location {
        Location {
            class: self.cf.this_class.replace('/', "."),
            source_file: self.cf.source_file.clone(),
            ..Location::default()
        }
    }

    /// A location naming a method of this class, at bytecode `pc` if known.
    pub fn at_method(&self, m: &MethodInfo, pc: Option<usize>) -> Location {
        let line = pc.and_then(|pc| m.code.as_ref().and_then(|c| c.line_at(pc)));
        Location {
            method: Some(format!("{}{}", m.name, m.descriptor)),
            line,
            ..self.at()
        }
    }
}

/// The package and its view of the world.
#[derive(Debug)]
pub struct World {
    /// The package's internal name (`golden/ops`).
    pub package: String,
    /// Its classes, in Class component order: interfaces first, then classes, supertypes
    /// before their subtypes.
    pub classes: Vec<Class>,
    /// Every package it may import.
    pub externals: Vec<PackageView>,
    internal: BTreeMap<String, usize>,
    external: BTreeMap<String, usize>,
}

impl World {
    /// Loads the class files of `package` (internal form) from `classes_dir/<package>/`, and
    /// indexes `externals` by name.
    pub fn load(
        classes_dir: &Path,
        package: &str,
        externals: Vec<PackageView>,
    ) -> Result<World, ConvertError> {
        let dir = classes_dir.join(package);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ConvertError::Io { path, source }
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(io(&dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "class"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(ConvertError::Options(format!(
                "no class files of package {} in {}",
                package.replace('/', "."),
                dir.display()
            )));
        }
        let mut classes = Vec::with_capacity(files.len());
        for path in files {
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            let cf = classfile::parse(&bytes).map_err(|source| ConvertError::ClassFile {
                path: path.clone(),
                source,
            })?;
            let class = Class { cf, path };
            if class.cf.package_name() != package {
                return Err(ConvertError::Options(format!(
                    "{}: class {} is not in package {}",
                    class.path.display(),
                    class.name().replace('/', "."),
                    package.replace('/', ".")
                )));
            }
            let major = class.cf.major_version;
            if !(classfile::MIN_CONVERTIBLE_MAJOR..=classfile::MAX_CONVERTIBLE_MAJOR)
                .contains(&major)
            {
                return Err(ConvertError::unsupported(
                    class.at(),
                    format!(
                        "class file version {major} (Java {}): compile with javac --release 7 to 17",
                        major.saturating_sub(44)
                    ),
                ));
            }
            classes.push(class);
        }
        let classes = order_classes(classes);
        let internal = classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name().to_owned(), i))
            .collect();
        let external = externals
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        Ok(World {
            package: package.to_owned(),
            classes,
            externals,
            internal,
            external,
        })
    }

    /// The class named `name` (internal form).
    pub fn lookup(&self, name: &str) -> Option<ClassId> {
        if let Some(&i) = self.internal.get(name) {
            return Some(ClassId::Internal(i));
        }
        let (package, _) = name.rsplit_once('/')?;
        let &p = self.external.get(package)?;
        let view = self.externals.get(p)?;
        let c = view.classes.iter().position(|c| c.name == name)?;
        Some(ClassId::External(p, c))
    }

    /// The class named `name`, or an error at `at` saying why not.
    pub fn resolve(&self, name: &str, at: &Location) -> Result<ClassId, ConvertError> {
        if let Some(id) = self.lookup(name) {
            return Ok(id);
        }
        let dotted = name.replace('/', ".");
        let package = name.rsplit_once('/').map_or("", |(p, _)| p);
        let why = if name.starts_with('[') {
            format!("array class {dotted} has no methods or fields in Java Card")
        } else if package == self.package {
            format!("class {dotted} is not among the converted class files")
        } else if self.external.contains_key(package) {
            format!(
                "class {dotted} is not part of the exported API of package {}",
                package.replace('/', ".")
            )
        } else {
            format!(
                "class {dotted}: package {} is neither this package nor an API package or an export file on the export path",
                package.replace('/', ".")
            )
        };
        Err(ConvertError::link(at.clone(), why))
    }

    /// The internal class `i`.
    pub fn class(&self, i: usize) -> Option<&Class> {
        self.classes.get(i)
    }

    /// The view of external class `(p, c)`.
    pub fn view(&self, p: usize, c: usize) -> Option<&ClassView> {
        self.externals.get(p).and_then(|v| v.classes.get(c))
    }

    /// The internal name of a class.
    pub fn name(&self, id: ClassId) -> &str {
        match id {
            ClassId::Internal(i) => self.class(i).map_or("?", Class::name),
            ClassId::External(p, c) => self.view(p, c).map_or("?", |v| v.name.as_str()),
        }
    }

    /// Whether `id` is an interface.
    pub fn is_interface(&self, id: ClassId) -> bool {
        match id {
            ClassId::Internal(i) => self.class(i).is_some_and(Class::is_interface),
            ClassId::External(p, c) => self.view(p, c).is_some_and(ClassView::is_interface),
        }
    }

    /// The direct superclass (for interfaces: none).
    pub fn superclass(&self, id: ClassId) -> Option<ClassId> {
        if self.is_interface(id) {
            return None;
        }
        let name = match id {
            ClassId::Internal(i) => self.class(i)?.cf.super_class.as_deref()?,
            ClassId::External(p, c) => self.view(p, c)?.supers.last()?.as_str(),
        };
        self.lookup(name)
    }

    /// The superclass chain, nearest first.
    pub fn superclasses(&self, id: ClassId) -> Vec<ClassId> {
        let mut out = Vec::new();
        let mut cur = self.superclass(id);
        while let Some(c) = cur {
            if out.contains(&c) || out.len() > 255 {
                break;
            }
            out.push(c);
            cur = self.superclass(c);
        }
        out
    }

    /// The interfaces `id` declares (internal) or lists (external, which are all of them).
    pub fn declared_interfaces(&self, id: ClassId) -> Vec<ClassId> {
        let names: Vec<&String> = match id {
            ClassId::Internal(i) => self
                .class(i)
                .map(|c| c.cf.interfaces.iter().collect())
                .unwrap_or_default(),
            ClassId::External(p, c) => self
                .view(p, c)
                .map(|v| v.interfaces.iter().collect())
                .unwrap_or_default(),
        };
        names.into_iter().filter_map(|n| self.lookup(n)).collect()
    }

    /// Every superinterface of interface `id` (or every interface of class `id` and its
    /// superinterfaces, without those of superclasses), supertypes first, without repeats.
    pub fn interface_closure(&self, id: ClassId) -> Vec<ClassId> {
        let mut out = Vec::new();
        for i in self.declared_interfaces(id) {
            self.add_interface(i, &mut out, 0);
        }
        out
    }

    fn add_interface(&self, i: ClassId, out: &mut Vec<ClassId>, depth: usize) {
        if out.contains(&i) || depth > 64 {
            return;
        }
        for s in self.declared_interfaces(i) {
            self.add_interface(s, out, depth.saturating_add(1));
        }
        if !out.contains(&i) {
            out.push(i);
        }
    }

    /// Whether `id` is `target` or a subtype of it (classes and interfaces).
    pub fn is_subtype_of(&self, id: ClassId, target: &str) -> bool {
        let mut types = vec![id];
        types.extend(self.superclasses(id));
        let mut seen = BTreeSet::new();
        while let Some(t) = types.pop() {
            if !seen.insert(t) {
                continue;
            }
            if self.name(t) == target {
                return true;
            }
            types.extend(self.declared_interfaces(t));
            types.extend(self.superclass(t));
        }
        false
    }

    /// The index of internal class `name`.
    pub fn internal_index(&self, name: &str) -> Option<usize> {
        self.internal.get(name).copied()
    }
}

/// Orders classes for the Class component: interfaces, then classes; every supertype of the
/// package before its subtypes; otherwise by name.
fn order_classes(classes: Vec<Class>) -> Vec<Class> {
    let names: BTreeSet<String> = classes.iter().map(|c| c.name().to_owned()).collect();
    let mut pending: BTreeMap<String, Class> = classes
        .into_iter()
        .map(|c| (c.name().to_owned(), c))
        .collect();
    let mut out: Vec<Class> = Vec::with_capacity(pending.len());
    for want_interfaces in [true, false] {
        loop {
            let placed: BTreeSet<String> = out.iter().map(|c| c.name().to_owned()).collect();
            let next = pending
                .iter()
                .filter(|(_, c)| c.is_interface() == want_interfaces)
                .find(|(_, c)| {
                    c.cf.super_class
                        .iter()
                        .chain(&c.cf.interfaces)
                        .all(|s| !names.contains(s) || placed.contains(s))
                })
                .map(|(n, _)| n.clone());
            let Some(n) = next else {
                break;
            };
            if let Some(c) = pending.remove(&n) {
                out.push(c);
            }
        }
    }
    // A cycle (impossible from javac) keeps its members in name order.
    out.extend(pending.into_values());
    out
}
