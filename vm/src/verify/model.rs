//! The package as the verifier sees it: imports resolved to export data, every class of the
//! package and every class it names in one [`ClassTable`], the declared types of every field
//! and method, and every constant pool entry resolved to what it names (JCVM §4.3, §6.7).

use std::collections::HashMap;

use super::error::{VerifyError, VerifyErrorKind};
use super::imports::{compatible, ImportResolver};
use super::types::{ClassEntry, ClassId, ClassTable, Elem, JType, Kind, RefType};
use crate::cap::descriptor::{
    ACC_ABSTRACT, ACC_ABSTRACT_CLASS, ACC_FINAL, ACC_INIT, ACC_PRIVATE, ACC_PROTECTED, ACC_PUBLIC,
    ACC_STATIC, NO_TOKEN,
};
use crate::cap::{
    CapFile, ClassItem, ClassRef, ComponentTag, ConstantPoolComponent, CpInfo, FieldRef, JcType,
    StaticRef, TypeDescriptor,
};
use crate::export::{access as xacc, ClassView, MemberKind, PackageView};

/// AID of `java.lang`, the only package whose classes may lack a superclass.
pub(crate) const JAVA_LANG_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x00, 0x62, 0x00, 0x01];
/// `java.lang.Object`.
pub(crate) const OBJECT: &str = "java/lang/Object";
/// `java.lang.Throwable`.
pub(crate) const THROWABLE: &str = "java/lang/Throwable";

/// Access and modifier flags of a class member, from the Descriptor or an export file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Access {
    pub public: bool,
    pub private: bool,
    pub protected: bool,
    pub is_static: bool,
    pub is_final: bool,
    pub is_abstract: bool,
}

impl Access {
    /// From Descriptor component member flags.
    pub fn from_descriptor(f: u8) -> Self {
        Access {
            public: f & ACC_PUBLIC != 0,
            private: f & ACC_PRIVATE != 0,
            protected: f & ACC_PROTECTED != 0,
            is_static: f & ACC_STATIC != 0,
            is_final: f & ACC_FINAL != 0,
            is_abstract: f & ACC_ABSTRACT != 0,
        }
    }

    /// From export file member flags.
    pub fn from_export(f: u16) -> Self {
        Access {
            public: f & xacc::ACC_PUBLIC != 0,
            private: false,
            protected: f & xacc::ACC_PROTECTED != 0,
            is_static: f & xacc::ACC_STATIC != 0,
            is_final: f & xacc::ACC_FINAL != 0,
            is_abstract: f & xacc::ACC_ABSTRACT != 0,
        }
    }

    /// Package-visible: neither public, protected nor private.
    pub fn is_package(self) -> bool {
        !(self.public || self.protected || self.private)
    }
}

/// A resolved field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// Declaring class.
    pub class: ClassId,
    /// Declared type.
    pub ty: JType,
    /// Flags.
    pub access: Access,
    /// Declared in this package.
    pub internal: bool,
    /// Display name.
    pub label: String,
}

/// A resolved method.
#[derive(Debug, Clone)]
pub(crate) struct Method {
    /// Declaring class.
    pub class: ClassId,
    /// Parameter types (`this` excluded).
    pub params: Vec<JType>,
    /// Result type.
    pub ret: JType,
    /// Flags.
    pub access: Access,
    /// A constructor (`<init>`).
    pub is_init: bool,
    /// (class, method) index in this package's Descriptor component.
    pub internal: Option<(usize, usize)>,
    /// Display name.
    pub label: String,
}

impl Method {
    /// Argument words, `this` excluded.
    pub fn param_words(&self) -> usize {
        self.params
            .iter()
            .fold(0usize, |a, t| a.saturating_add(t.words()))
    }
}

/// A constant pool entry resolved.
#[derive(Debug, Clone)]
pub(crate) enum Cp {
    /// `CONSTANT_Classref`.
    Class(ClassId),
    /// `CONSTANT_InstanceFieldref`.
    InstanceField(Field),
    /// `CONSTANT_StaticFieldref`.
    StaticField(Field),
    /// `CONSTANT_VirtualMethodref`.
    Virtual(Method),
    /// `CONSTANT_SuperMethodref`: the class named (the caller's class) and the method found
    /// from its superclass up.
    Super { named: ClassId, method: Method },
    /// `CONSTANT_StaticMethodref`.
    Static(Method),
}

/// One class or interface of the package.
#[derive(Debug, Clone)]
pub(crate) struct Internal {
    /// Its table entry.
    pub id: ClassId,
    /// Offset in the Class component.
    pub offset: u16,
    /// Index in the Class component's class or interface table.
    pub item: ClassItem,
    /// Direct superclass (classes other than `java.lang.Object`).
    pub superclass: Option<ClassId>,
    /// Implemented interfaces (classes) or superinterfaces (interfaces).
    pub interfaces: Vec<ClassId>,
}

/// The package under verification, resolved.
pub(crate) struct Pkg<'a> {
    pub cap: &'a CapFile,
    pub resolver: &'a dyn ImportResolver,
    /// Imported packages by package token.
    pub imports: Vec<&'a PackageView>,
    /// This package's own export data, when the resolver has it (for names only).
    pub own: Option<&'a PackageView>,
    /// Header `ACC_INT`.
    pub uses_int: bool,
    pub table: ClassTable,
    /// Classes by Descriptor component index.
    pub classes: Vec<Internal>,
    /// Class component offset to Descriptor index.
    pub by_offset: HashMap<u16, usize>,
    /// Table id to Descriptor index.
    pub by_id: HashMap<ClassId, usize>,
    /// Methods by Descriptor (class, method) index.
    pub methods: Vec<Vec<Method>>,
    /// Method component offset to Descriptor (class, method) index.
    pub method_at: HashMap<u16, (usize, usize)>,
    /// Fields by Descriptor (class, field) index.
    pub fields: Vec<Vec<Field>>,
    /// Static field image offset to Descriptor (class, field) index.
    pub static_at: HashMap<u16, (usize, usize)>,
    /// Constant pool entries, resolved.
    pub cp: Vec<Cp>,
    pub object: ClassId,
    pub throwable: ClassId,
}

fn dotted(name: &str) -> String {
    name.replace('/', ".")
}

fn err(tag: ComponentTag, kind: VerifyErrorKind) -> VerifyError {
    VerifyError::new(tag, kind)
}

impl<'a> Pkg<'a> {
    /// Resolves imports, classes, members and the constant pool.
    pub fn build(cap: &'a CapFile, resolver: &'a dyn ImportResolver) -> Result<Self, VerifyError> {
        let imports = resolve_imports(cap, resolver)?;
        let own = resolver.package(cap.package_aid().as_bytes()).filter(|v| {
            v.version.major == cap.header.package.major_version
                && v.version.minor == cap.header.package.minor_version
        });
        let mut pkg = Pkg {
            cap,
            resolver,
            imports,
            own,
            uses_int: cap.header.uses_int(),
            table: ClassTable::default(),
            classes: Vec::new(),
            by_offset: HashMap::new(),
            by_id: HashMap::new(),
            methods: Vec::new(),
            method_at: HashMap::new(),
            fields: Vec::new(),
            static_at: HashMap::new(),
            cp: Vec::new(),
            object: ClassId(0),
            throwable: ClassId(0),
        };
        pkg.object = pkg.ext_by_name(OBJECT, Kind::Class);
        pkg.table.set_object(pkg.object);
        pkg.throwable = pkg.ext_by_name(THROWABLE, Kind::Class);
        pkg.internal_classes()?;
        pkg.hierarchy()?;
        pkg.members()?;
        pkg.constant_pool()?;
        Ok(pkg)
    }

    // ---- names -------------------------------------------------------------------------

    /// Display name of Descriptor class `ci`.
    pub fn class_label(&self, ci: usize) -> String {
        self.classes
            .get(ci)
            .map_or_else(|| format!("#{ci}"), |c| self.table.label(c.id))
    }

    fn internal_class_name(&self, ci: usize, offset: u16) -> String {
        let d = self.cap.descriptor.classes.get(ci);
        let token = d.map_or(NO_TOKEN, |d| d.token);
        if let Some(v) = self.own.and_then(|v| v.class_by_token(token)) {
            if token != NO_TOKEN {
                return dotted(&v.name);
            }
        }
        if let Some(dbg) = &self.cap.debug {
            if let Some(n) = dbg
                .classes
                .iter()
                .find(|c| c.location == offset)
                .and_then(|c| dbg.string(c.name_index))
            {
                return dotted(&n);
            }
        }
        if token == NO_TOKEN {
            format!("@{offset:#06x}")
        } else {
            format!("@{offset:#06x} (token {token})")
        }
    }

    /// Display name of Descriptor method (`ci`, `mi`) with its class: `Class.name(descriptor)`.
    pub fn method_label(&self, ci: usize, mi: usize) -> String {
        format!("{}.{}", self.class_label(ci), self.method_name(ci, mi))
    }

    /// Name of Descriptor method (`ci`, `mi`) within its class: `name(descriptor)` where
    /// export or debug data names it, else its Method component offset and token.
    pub fn method_name(&self, ci: usize, mi: usize) -> String {
        let Some(c) = self.cap.descriptor.classes.get(ci) else {
            return format!("#{mi}");
        };
        let Some(d) = c.methods.get(mi) else {
            return format!("#{mi}");
        };
        let kind = if d.is_static() || d.access_flags & ACC_INIT != 0 {
            MemberKind::Static
        } else {
            MemberKind::Instance
        };
        if d.token != NO_TOKEN && c.token != NO_TOKEN {
            if let Some(m) = self
                .own
                .and_then(|v| v.class_by_token(c.token))
                .and_then(|c| c.method_by_token(d.token, kind))
            {
                return format!("{}{}", m.name, m.descriptor);
            }
        }
        let abstract_only = d.is_abstract() && d.method_offset == 0;
        if let Some(dbg) = &self.cap.debug {
            if let Some(m) = dbg
                .classes
                .iter()
                .flat_map(|c| c.methods.iter())
                .find(|m| m.location == d.method_offset && !abstract_only)
            {
                if let (Some(n), Some(t)) =
                    (dbg.string(m.name_index), dbg.string(m.descriptor_index))
                {
                    return format!("{n}{t}");
                }
            }
        }
        match (abstract_only, d.token) {
            (true, NO_TOKEN) => format!("#{mi} (abstract)"),
            (true, t) => format!("#{mi} (abstract, token {t})"),
            (false, NO_TOKEN) => format!("@{:#06x}", d.method_offset),
            (false, t) => format!("@{:#06x} (token {t})", d.method_offset),
        }
    }

    /// Display name of a field of this package.
    fn field_label(&self, ci: usize, fi: usize) -> String {
        let class = self.class_label(ci);
        let Some(c) = self.cap.descriptor.classes.get(ci) else {
            return format!("{class}.field#{fi}");
        };
        let Some(f) = c.fields.get(fi) else {
            return format!("{class}.field#{fi}");
        };
        let (kind, token) = match f.field_ref {
            FieldRef::Static(_) => (MemberKind::Static, f.token),
            FieldRef::Instance { token, .. } => (MemberKind::Instance, token),
        };
        if token != NO_TOKEN && c.token != NO_TOKEN {
            if let Some(v) = self
                .own
                .and_then(|v| v.class_by_token(c.token))
                .and_then(|c| c.field_by_token(token, kind))
            {
                return format!("{class}.{}", v.name);
            }
        }
        if let Some(dbg) = &self.cap.debug {
            let offset = self.classes.get(ci).map(|c| c.offset);
            let name = dbg
                .classes
                .iter()
                .find(|d| Some(d.location) == offset)
                .and_then(|d| d.fields.get(fi))
                .and_then(|d| dbg.string(d.name_index));
            if let Some(n) = name {
                return format!("{class}.{n}");
            }
        }
        match f.field_ref {
            FieldRef::Static(StaticRef::Internal { offset }) => {
                format!("{class}.static@{offset:#06x}")
            }
            _ if token == NO_TOKEN => format!("{class}.field#{fi}"),
            _ => format!("{class}.field#{fi} (token {token})"),
        }
    }

    // ---- classes -----------------------------------------------------------------------

    /// The export data of a class named `name` (fully qualified, `/`-separated).
    fn class_view(&self, name: &str) -> Option<&'a ClassView> {
        let pkg = name.rsplit_once('/').map_or("", |(p, _)| p);
        let view = self
            .imports
            .iter()
            .copied()
            .find(|v| v.name == pkg)
            .or_else(|| self.resolver.package_by_name(pkg))?;
        view.classes.iter().find(|c| c.name == name)
    }

    /// The table entry of a class of another package, by fully qualified name, created with
    /// its supertypes on first use. `hint` classifies names no export data describes.
    pub fn ext_by_name(&mut self, name: &str, hint: Kind) -> ClassId {
        if let Some(id) = self.table.by_name(name) {
            return id;
        }
        let view = self.class_view(name);
        let kind = match view {
            Some(v) if v.is_interface() => Kind::Interface,
            Some(_) => Kind::Class,
            None => hint,
        };
        // Registered before its supertypes so that cyclic export data cannot recurse.
        let id = self.table.add(
            ClassEntry {
                label: dotted(name),
                name: Some(name.to_string()),
                kind,
                supertypes: Vec::new(),
                depth: None,
                is_final: view.is_some_and(|v| v.access & xacc::ACC_FINAL != 0),
                is_abstract: view.is_some_and(|v| v.access & xacc::ACC_ABSTRACT != 0),
            },
            Some(name),
        );
        let Some(v) = view else {
            if name != OBJECT {
                let object = self.ext_by_name(OBJECT, Kind::Class);
                if let Some(e) = self.table.get_mut(id) {
                    e.supertypes = vec![object];
                }
            }
            return id;
        };
        let mut sup = Vec::new();
        for s in &v.supers {
            sup.push(self.ext_by_name(s, Kind::Class));
        }
        for i in &v.interfaces {
            sup.push(self.ext_by_name(i, Kind::Interface));
        }
        if name != OBJECT {
            sup.push(self.ext_by_name(OBJECT, Kind::Class));
        }
        sup.retain(|s| *s != id);
        sup.sort_unstable();
        sup.dedup();
        if let Some(e) = self.table.get_mut(id) {
            e.supertypes = sup;
            e.depth = Some(v.supers.len());
        }
        id
    }

    /// The class a class reference names.
    pub fn class_id(&mut self, r: ClassRef) -> Result<ClassId, String> {
        match r {
            ClassRef::Internal(off) => self
                .by_offset
                .get(&off)
                .and_then(|i| self.classes.get(*i))
                .map(|c| c.id)
                .ok_or_else(|| {
                    format!("no class or interface at Class component offset {off:#06x}")
                }),
            ClassRef::External {
                package_token,
                class_token,
            } => {
                let (name, kind) = {
                    let view = self
                        .imports
                        .get(usize::from(package_token))
                        .ok_or_else(|| format!("package token {package_token} is not imported"))?;
                    let c = view.class_by_token(class_token).ok_or_else(|| {
                        format!(
                            "class token {class_token} not in imported package {}",
                            dotted(&view.name)
                        )
                    })?;
                    let kind = if c.is_interface() {
                        Kind::Interface
                    } else {
                        Kind::Class
                    };
                    (c.name.clone(), kind)
                };
                Ok(self.ext_by_name(&name, kind))
            }
        }
    }

    /// The export data of the external class a class reference names.
    pub fn external_view(&self, r: ClassRef) -> Option<&'a ClassView> {
        match r {
            ClassRef::External {
                package_token,
                class_token,
            } => self
                .imports
                .get(usize::from(package_token))?
                .class_by_token(class_token),
            ClassRef::Internal(_) => None,
        }
    }

    /// The Descriptor index of an internal class id.
    pub fn internal_index(&self, id: ClassId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    fn internal_classes(&mut self) -> Result<(), VerifyError> {
        let cap = self.cap;
        let items: HashMap<u16, ClassItem> = cap.class.item_offsets().into_iter().collect();
        let layout = cap.descriptor.layout();
        for (ci, d) in cap.descriptor.classes.iter().enumerate() {
            let at = layout.classes.get(ci).map_or(0, |l| l.0);
            let derr = |what: String| {
                err(ComponentTag::DESCRIPTOR, VerifyErrorKind::Descriptor(what)).at(at)
            };
            let ClassRef::Internal(off) = d.this_class_ref else {
                return Err(derr(format!("class {ci} this_class_ref is external")));
            };
            let item = *items.get(&off).ok_or_else(|| {
                derr(format!(
                    "class {ci} this_class_ref {off:#06x} is not a class or interface"
                ))
            })?;
            if self.by_offset.contains_key(&off) {
                return Err(derr(format!(
                    "class {ci} describes the class at {off:#06x} a second time"
                )));
            }
            let is_iface = matches!(item, ClassItem::Interface(_));
            if is_iface != d.is_interface() {
                return Err(derr(format!(
                    "class {ci} ACC_INTERFACE is {} but the Class component holds an {} at {off:#06x}",
                    if d.is_interface() { "set" } else { "clear" },
                    if is_iface { "interface_info" } else { "class_info" }
                )));
            }
            self.by_offset.insert(off, ci);
            // Labels need `by_offset`, so the entry is added with a placeholder first.
            let id = self.table.add(
                ClassEntry {
                    label: String::new(),
                    name: None,
                    kind: if is_iface {
                        Kind::Interface
                    } else {
                        Kind::Class
                    },
                    supertypes: Vec::new(),
                    depth: None,
                    is_final: d.access_flags & ACC_FINAL != 0,
                    is_abstract: is_iface || d.access_flags & ACC_ABSTRACT_CLASS != 0,
                },
                None,
            );
            self.by_id.insert(id, ci);
            self.classes.push(Internal {
                id,
                offset: off,
                item,
                superclass: None,
                interfaces: Vec::new(),
            });
            let label = self.internal_class_name(ci, off);
            if let Some(e) = self.table.get_mut(id) {
                e.label = label;
            }
        }
        for (off, _) in cap.class.item_offsets() {
            if !self.by_offset.contains_key(&off) {
                return Err(err(
                    ComponentTag::CLASS,
                    VerifyErrorKind::Descriptor(format!(
                        "the class or interface at {off:#06x} has no class descriptor"
                    )),
                )
                .at(usize::from(off)));
            }
        }
        Ok(())
    }

    // ---- hierarchy ---------------------------------------------------------------------

    fn hierarchy(&mut self) -> Result<(), VerifyError> {
        let cap = self.cap;
        for ci in 0..self.classes.len() {
            let Some(c) = self.classes.get(ci).cloned() else {
                continue;
            };
            let herr = |what: String, label: &str| {
                err(ComponentTag::CLASS, VerifyErrorKind::Hierarchy(what))
                    .at(usize::from(c.offset))
                    .in_class(label)
            };
            let label = self.table.label(c.id);
            let mut interfaces = Vec::new();
            let mut superclass = None;
            match c.item {
                ClassItem::Interface(i) => {
                    let Some(info) = cap.class.interfaces.get(i) else {
                        continue;
                    };
                    for s in &info.superinterfaces {
                        let id = self.class_id(*s).map_err(|e| {
                            err(ComponentTag::CLASS, VerifyErrorKind::Unresolved(e))
                                .at(usize::from(c.offset))
                                .in_class(label.as_str())
                        })?;
                        if !self.table.is_interface(id) {
                            return Err(herr(
                                format!("superinterface {} is a class", self.table.label(id)),
                                &label,
                            ));
                        }
                        interfaces.push(id);
                    }
                }
                ClassItem::Class(i) => {
                    let Some(info) = cap.class.classes.get(i) else {
                        continue;
                    };
                    if info.super_class_ref.is_none() {
                        if cap.package_aid().as_bytes() != JAVA_LANG_AID {
                            return Err(herr(
                                "no superclass (only java.lang.Object has none)".into(),
                                &label,
                            ));
                        }
                    } else {
                        let s = self.class_id(info.super_class_ref).map_err(|e| {
                            err(
                                ComponentTag::CLASS,
                                VerifyErrorKind::Unresolved(format!("superclass: {e}")),
                            )
                            .at(usize::from(c.offset))
                            .in_class(label.as_str())
                        })?;
                        let entry = self.table.get(s);
                        if entry.is_some_and(|e| e.kind == Kind::Interface) {
                            return Err(herr(
                                format!("superclass {} is an interface", self.table.label(s)),
                                &label,
                            ));
                        }
                        if entry.is_some_and(|e| e.is_final) {
                            return Err(herr(
                                format!("superclass {} is final", self.table.label(s)),
                                &label,
                            ));
                        }
                        if s == c.id {
                            return Err(herr("the class is its own superclass".into(), &label));
                        }
                        superclass = Some(s);
                    }
                    for ii in &info.interfaces {
                        let id = self.class_id(ii.interface).map_err(|e| {
                            err(ComponentTag::CLASS, VerifyErrorKind::Unresolved(e))
                                .at(usize::from(c.offset))
                                .in_class(label.as_str())
                        })?;
                        if !self.table.is_interface(id) {
                            return Err(herr(
                                format!("implements {}, which is a class", self.table.label(id)),
                                &label,
                            ));
                        }
                        interfaces.push(id);
                    }
                    // The Descriptor lists the same interfaces.
                    let mut described = Vec::new();
                    if let Some(d) = cap.descriptor.classes.get(ci) {
                        for r in &d.interfaces {
                            let id = self.class_id(*r).map_err(|e| {
                                err(ComponentTag::DESCRIPTOR, VerifyErrorKind::Unresolved(e))
                                    .in_class(label.as_str())
                            })?;
                            described.push(id);
                        }
                    }
                    let mut a = interfaces.clone();
                    a.sort_unstable();
                    described.sort_unstable();
                    if a != described {
                        return Err(err(
                            ComponentTag::DESCRIPTOR,
                            VerifyErrorKind::Descriptor(
                                "the class descriptor's interfaces differ from the class_info's"
                                    .into(),
                            ),
                        )
                        .in_class(label));
                    }
                }
            }
            if let Some(slot) = self.classes.get_mut(ci) {
                slot.superclass = superclass;
                slot.interfaces = interfaces;
            }
        }
        // Supertype sets, depth first; a class met again while in progress closes a cycle.
        let mut state = vec![0u8; self.classes.len()];
        for ci in 0..self.classes.len() {
            self.supertypes(ci, &mut state, 0)?;
        }
        Ok(())
    }

    fn supertypes(&mut self, ci: usize, state: &mut [u8], depth: usize) -> Result<(), VerifyError> {
        match state.get(ci) {
            Some(2) | None => return Ok(()),
            Some(1) => {
                let c = self.classes.get(ci).map_or(0, |c| c.offset);
                return Err(err(
                    ComponentTag::CLASS,
                    VerifyErrorKind::Hierarchy(
                        "the superclass or superinterface chain is cyclic".into(),
                    ),
                )
                .at(usize::from(c))
                .in_class(self.class_label(ci)));
            }
            Some(_) => {}
        }
        if let Some(s) = state.get_mut(ci) {
            *s = 1;
        }
        let Some(c) = self.classes.get(ci).cloned() else {
            return Ok(());
        };
        let mut sup = Vec::new();
        let mut class_depth = 0usize;
        let direct: Vec<ClassId> = c
            .superclass
            .iter()
            .chain(c.interfaces.iter())
            .copied()
            .collect();
        for s in direct {
            if let Some(si) = self.internal_index(s) {
                self.supertypes(si, state, depth.saturating_add(1))?;
            }
            sup.push(s);
            if let Some(e) = self.table.get(s) {
                sup.extend_from_slice(&e.supertypes);
                if Some(s) == c.superclass {
                    class_depth = e.depth.unwrap_or(0).saturating_add(1);
                }
            }
        }
        sup.push(self.object);
        sup.retain(|s| *s != c.id);
        sup.sort_unstable();
        sup.dedup();
        if let Some(e) = self.table.get_mut(c.id) {
            e.supertypes = sup;
            e.depth = Some(class_depth);
        }
        if let Some(s) = state.get_mut(ci) {
            *s = 2;
        }
        Ok(())
    }

    // ---- members -----------------------------------------------------------------------

    /// Converts a CAP type (class references as tokens or offsets) to a declared type.
    pub fn jtype(&mut self, t: JcType) -> Result<JType, String> {
        Ok(match t {
            JcType::Void => JType::Void,
            JcType::Boolean => JType::Boolean,
            JcType::Byte => JType::Byte,
            JcType::Short => JType::Short,
            JcType::Int => JType::Int,
            JcType::Reference(c) => JType::Ref(RefType::Class(self.class_id(c)?)),
            JcType::BooleanArray => JType::Ref(RefType::Array(Elem::Boolean)),
            JcType::ByteArray => JType::Ref(RefType::Array(Elem::Byte)),
            JcType::ShortArray => JType::Ref(RefType::Array(Elem::Short)),
            JcType::IntArray => JType::Ref(RefType::Array(Elem::Int)),
            JcType::ReferenceArray(c) => JType::Ref(RefType::Array(Elem::Ref(self.class_id(c)?))),
        })
    }

    /// The types of a type descriptor.
    pub fn descriptor_types(&mut self, td: &TypeDescriptor) -> Result<Vec<JType>, String> {
        let types = td.types()?;
        types.into_iter().map(|t| self.jtype(t)).collect()
    }

    /// Parses one type of an export file descriptor at the start of `s`.
    fn java_type(&mut self, s: &mut std::str::Chars<'_>) -> Result<JType, String> {
        let c = s.next().ok_or("descriptor cut short")?;
        Ok(match c {
            'V' => JType::Void,
            'Z' => JType::Boolean,
            'B' => JType::Byte,
            'S' => JType::Short,
            'I' => JType::Int,
            'L' => {
                let name: String = s.by_ref().take_while(|c| *c != ';').collect();
                JType::Ref(RefType::Class(self.ext_by_name(&name, Kind::Class)))
            }
            '[' => {
                let e = match self.java_type(s)? {
                    JType::Boolean => Elem::Boolean,
                    JType::Byte => Elem::Byte,
                    JType::Short => Elem::Short,
                    JType::Int => Elem::Int,
                    JType::Ref(RefType::Class(c)) => Elem::Ref(c),
                    _ => return Err("array of arrays or of void".into()),
                };
                JType::Ref(RefType::Array(e))
            }
            other => return Err(format!("bad descriptor character {other:?}")),
        })
    }

    /// A field descriptor of an export file (`[B`).
    fn java_field_type(&mut self, d: &str) -> Result<JType, String> {
        let mut it = d.chars();
        let t = self.java_type(&mut it)?;
        if it.next().is_some() || t == JType::Void {
            return Err(format!("bad field descriptor {d}"));
        }
        Ok(t)
    }

    /// A method descriptor of an export file (`(SS)V`).
    fn java_method_type(&mut self, d: &str) -> Result<(Vec<JType>, JType), String> {
        let bad = || format!("bad method descriptor {d}");
        let inner = d.strip_prefix('(').ok_or_else(bad)?;
        let (params, ret) = inner.split_once(')').ok_or_else(bad)?;
        let mut it = params.chars();
        let mut out = Vec::new();
        while it.clone().next().is_some() {
            let t = self.java_type(&mut it)?;
            if t == JType::Void {
                return Err(bad());
            }
            out.push(t);
        }
        let mut r = ret.chars();
        let ret_t = self.java_type(&mut r)?;
        if r.next().is_some() {
            return Err(bad());
        }
        Ok((out, ret_t))
    }

    fn members(&mut self) -> Result<(), VerifyError> {
        let cap = self.cap;
        let layout = cap.descriptor.layout();
        for (ci, d) in cap.descriptor.classes.iter().enumerate() {
            let (_, field_at, method_at) = layout.classes.get(ci).cloned().unwrap_or_default();
            let class_id = self.classes.get(ci).map_or(self.object, |c| c.id);
            let mut fields = Vec::with_capacity(d.fields.len());
            for (fi, f) in d.fields.iter().enumerate() {
                let at = field_at.get(fi).copied().unwrap_or(0);
                let label = self.field_label(ci, fi);
                let clabel = self.class_label(ci);
                let derr = |what: String| {
                    err(ComponentTag::DESCRIPTOR, VerifyErrorKind::Descriptor(what))
                        .at(at)
                        .in_class(clabel.as_str())
                };
                let ty = match f.primitive_type() {
                    Some(t) => self.jtype(t).map_err(derr)?,
                    None => {
                        let td = cap.descriptor.type_at(f.type_).ok_or_else(|| {
                            derr(format!(
                                "field {fi} type {:#06x} is not a type descriptor",
                                f.type_
                            ))
                        })?;
                        let types = self.descriptor_types(td).map_err(|e| {
                            err(ComponentTag::DESCRIPTOR, VerifyErrorKind::Unresolved(e))
                                .at(at)
                                .in_class(self.class_label(ci))
                        })?;
                        match types.as_slice() {
                            [t @ JType::Ref(_)] => *t,
                            _ => {
                                return Err(err(
                                    ComponentTag::DESCRIPTOR,
                                    VerifyErrorKind::Descriptor(format!(
                                        "field {fi} reference_type is not one reference type"
                                    )),
                                )
                                .at(at)
                                .in_class(self.class_label(ci)))
                            }
                        }
                    }
                };
                if ty.uses_int() && !self.uses_int {
                    return Err(err(
                        ComponentTag::DESCRIPTOR,
                        VerifyErrorKind::IntNotSupported(format!("field {label}")),
                    )
                    .at(at));
                }
                let access = Access::from_descriptor(f.access_flags);
                match f.field_ref {
                    FieldRef::Static(StaticRef::Internal { offset }) => {
                        if self.static_at.insert(offset, (ci, fi)).is_some() {
                            return Err(err(
                                ComponentTag::DESCRIPTOR,
                                VerifyErrorKind::StaticField(format!(
                                    "two static fields at image offset {offset:#06x}"
                                )),
                            )
                            .at(at)
                            .in_class(self.class_label(ci)));
                        }
                    }
                    FieldRef::Static(StaticRef::External { .. }) => {
                        return Err(err(
                            ComponentTag::DESCRIPTOR,
                            VerifyErrorKind::Descriptor(format!(
                                "static field {fi} has an external reference"
                            )),
                        )
                        .at(at)
                        .in_class(self.class_label(ci)));
                    }
                    FieldRef::Instance { class, .. } => {
                        if class != d.this_class_ref {
                            return Err(err(
                                ComponentTag::DESCRIPTOR,
                                VerifyErrorKind::Descriptor(format!(
                                    "instance field {fi} names class {class}, not its own class {}",
                                    d.this_class_ref
                                )),
                            )
                            .at(at)
                            .in_class(self.class_label(ci)));
                        }
                    }
                }
                fields.push(Field {
                    class: class_id,
                    ty,
                    access,
                    internal: true,
                    label,
                });
            }
            self.fields.push(fields);
            let mut methods = Vec::with_capacity(d.methods.len());
            for (mi, m) in d.methods.iter().enumerate() {
                let at = method_at.get(mi).copied().unwrap_or(0);
                let label = self.method_label(ci, mi);
                let td = cap.descriptor.type_at(m.type_offset).ok_or_else(|| {
                    err(
                        ComponentTag::DESCRIPTOR,
                        VerifyErrorKind::Descriptor(format!(
                            "type_offset {:#06x} is not a type descriptor",
                            m.type_offset
                        )),
                    )
                    .at(at)
                    .in_method(self.method_name(ci, mi))
                })?;
                let types = self.descriptor_types(td).map_err(|e| {
                    err(ComponentTag::DESCRIPTOR, VerifyErrorKind::Unresolved(e))
                        .at(at)
                        .in_method(self.method_name(ci, mi))
                })?;
                let (ret, params) = match types.split_last() {
                    Some((r, p)) => (*r, p.to_vec()),
                    None => (JType::Void, Vec::new()),
                };
                if !self.uses_int && (ret.uses_int() || params.iter().any(|t| t.uses_int())) {
                    return Err(err(
                        ComponentTag::DESCRIPTOR,
                        VerifyErrorKind::IntNotSupported(format!("method {label}")),
                    )
                    .at(at));
                }
                if !(m.is_abstract() && m.method_offset == 0) {
                    self.method_at.insert(m.method_offset, (ci, mi));
                }
                methods.push(Method {
                    class: class_id,
                    params,
                    ret,
                    access: Access::from_descriptor(m.access_flags),
                    is_init: m.access_flags & ACC_INIT != 0,
                    internal: Some((ci, mi)),
                    label,
                });
            }
            self.methods.push(methods);
        }
        Ok(())
    }

    /// The method declared in this package at Descriptor (class, method) index.
    pub fn method(&self, ci: usize, mi: usize) -> Option<&Method> {
        self.methods.get(ci)?.get(mi)
    }

    // ---- member resolution ---------------------------------------------------------------

    /// The virtual method with `token` in `class` or its superclasses.
    pub fn resolve_virtual(&mut self, class: ClassId, token: u8) -> Result<Method, String> {
        let mut cur = Some(class);
        let mut steps = 0usize;
        while let Some(c) = cur {
            steps = steps.saturating_add(1);
            if steps > 1024 {
                return Err("superclass chain too long".into());
            }
            if let Some(ci) = self.internal_index(c) {
                let found = self.cap.descriptor.classes.get(ci).and_then(|d| {
                    d.methods.iter().position(|m| {
                        m.token == token
                            && token != NO_TOKEN
                            && !m.is_static()
                            && m.access_flags & (ACC_INIT | ACC_PRIVATE) == 0
                    })
                });
                if let Some(m) = found.and_then(|mi| self.method(ci, mi)) {
                    return Ok(m.clone());
                }
                cur = self.classes.get(ci).and_then(|i| i.superclass);
                continue;
            }
            if token & 0x80 != 0 {
                break;
            }
            // An external class: its export data, then its superclasses' (most derived first).
            let name = self
                .table
                .get(c)
                .and_then(|e| e.name.clone())
                .unwrap_or_default();
            let Some(view) = self.class_view(&name) else {
                break;
            };
            let mut chain: Vec<&'a ClassView> = vec![view];
            let mut supers: Vec<&'a ClassView> = view
                .supers
                .iter()
                .filter_map(|s| self.class_view(s))
                .collect();
            supers.sort_by_key(|v| std::cmp::Reverse(v.supers.len()));
            chain.extend(supers);
            for cv in chain {
                if let Some(m) = cv.method_by_token(token, MemberKind::Instance) {
                    return self.external_method(
                        cv,
                        m.name.as_str(),
                        m.descriptor.as_str(),
                        m.access,
                    );
                }
            }
            break;
        }
        Err(format!(
            "no virtual method with token {token} in {} or its superclasses",
            self.table.label(class)
        ))
    }

    /// The interface method with `token` of interface `iface`.
    pub fn resolve_interface(&mut self, iface: ClassId, token: u8) -> Result<Method, String> {
        if let Some(ci) = self.internal_index(iface) {
            let found = self.cap.descriptor.classes.get(ci).and_then(|d| {
                d.methods
                    .iter()
                    .position(|m| m.token == token && !m.is_static())
            });
            if let Some(m) = found.and_then(|mi| self.method(ci, mi)) {
                return Ok(m.clone());
            }
        } else {
            let name = self
                .table
                .get(iface)
                .and_then(|e| e.name.clone())
                .unwrap_or_default();
            if let Some(cv) = self.class_view(&name) {
                if let Some(m) = cv.method_by_token(token, MemberKind::Instance) {
                    return self.external_method(
                        cv,
                        m.name.as_str(),
                        m.descriptor.as_str(),
                        m.access,
                    );
                }
            }
        }
        Err(format!(
            "no method with token {token} in interface {}",
            self.table.label(iface)
        ))
    }

    fn external_method(
        &mut self,
        cv: &'a ClassView,
        name: &str,
        descriptor: &str,
        access: u16,
    ) -> Result<Method, String> {
        let class = self.ext_by_name(
            &cv.name,
            if cv.is_interface() {
                Kind::Interface
            } else {
                Kind::Class
            },
        );
        let (params, ret) = self.java_method_type(descriptor)?;
        Ok(Method {
            class,
            params,
            ret,
            access: Access::from_export(access),
            is_init: name == "<init>",
            internal: None,
            label: format!("{}.{name}{descriptor}", dotted(&cv.name)),
        })
    }

    fn external_field(
        &mut self,
        cv: &'a ClassView,
        token: u8,
        kind: MemberKind,
    ) -> Result<Field, String> {
        let f = cv.field_by_token(token, kind).ok_or_else(|| {
            format!(
                "no {} field with token {token} in {}",
                if kind == MemberKind::Static {
                    "static"
                } else {
                    "instance"
                },
                dotted(&cv.name)
            )
        })?;
        let class = self.ext_by_name(&cv.name, Kind::Class);
        Ok(Field {
            class,
            ty: self.java_field_type(&f.descriptor)?,
            access: Access::from_export(f.access),
            internal: false,
            label: format!("{}.{}", dotted(&cv.name), f.name),
        })
    }

    /// The instance field with `token` of `class` (or, failing that, of a superclass).
    fn resolve_instance_field(&mut self, class: ClassId, token: u8) -> Result<Field, String> {
        let mut cur = Some(class);
        let mut steps = 0usize;
        while let Some(c) = cur {
            steps = steps.saturating_add(1);
            if steps > 1024 {
                break;
            }
            if let Some(ci) = self.internal_index(c) {
                let found = self.cap.descriptor.classes.get(ci).and_then(|d| {
                    d.fields.iter().position(|f| {
                        matches!(f.field_ref, FieldRef::Instance { token: t, .. } if t == token)
                    })
                });
                if let Some(f) = found.and_then(|fi| self.fields.get(ci)?.get(fi)) {
                    return Ok(f.clone());
                }
                cur = self.classes.get(ci).and_then(|i| i.superclass);
                continue;
            }
            let name = self
                .table
                .get(c)
                .and_then(|e| e.name.clone())
                .unwrap_or_default();
            let Some(view) = self.class_view(&name) else {
                break;
            };
            let mut chain: Vec<&'a ClassView> = vec![view];
            chain.extend(view.supers.iter().filter_map(|s| self.class_view(s)));
            for cv in chain {
                if cv.field_by_token(token, MemberKind::Instance).is_some() {
                    return self.external_field(cv, token, MemberKind::Instance);
                }
            }
            break;
        }
        Err(format!(
            "no instance field with token {token} in {} or its superclasses",
            self.table.label(class)
        ))
    }

    fn resolve_entry(&mut self, e: CpInfo) -> Result<Cp, String> {
        Ok(match e {
            CpInfo::Classref(c) => Cp::Class(self.class_id(c)?),
            CpInfo::InstanceFieldref { class, token } => {
                let c = self.class_id(class)?;
                Cp::InstanceField(self.resolve_instance_field(c, token)?)
            }
            CpInfo::VirtualMethodref { class, token } => {
                let c = self.class_id(class)?;
                if self.table.is_interface(c) {
                    return Err(format!(
                        "virtual method reference to interface {}",
                        self.table.label(c)
                    ));
                }
                Cp::Virtual(self.resolve_virtual(c, token)?)
            }
            CpInfo::SuperMethodref { class, token } => {
                let ClassRef::Internal(_) = class else {
                    return Err("super method reference to a class of another package".into());
                };
                let named = self.class_id(class)?;
                let sup = self
                    .internal_index(named)
                    .and_then(|ci| self.classes.get(ci))
                    .and_then(|c| c.superclass)
                    .ok_or_else(|| format!("{} has no superclass", self.table.label(named)))?;
                Cp::Super {
                    named,
                    method: self.resolve_virtual(sup, token)?,
                }
            }
            CpInfo::StaticFieldref(StaticRef::Internal { offset }) => {
                let (ci, fi) = *self.static_at.get(&offset).ok_or_else(|| {
                    format!("no static field described at image offset {offset:#06x}")
                })?;
                let f = self
                    .fields
                    .get(ci)
                    .and_then(|f| f.get(fi))
                    .ok_or("static field index")?;
                Cp::StaticField(f.clone())
            }
            CpInfo::StaticFieldref(StaticRef::External {
                package_token,
                class_token,
                token,
            }) => {
                let cv = self
                    .external_view(ClassRef::External {
                        package_token,
                        class_token,
                    })
                    .ok_or_else(|| {
                        format!("class {package_token}.{class_token} not in the imported package")
                    })?;
                Cp::StaticField(self.external_field(cv, token, MemberKind::Static)?)
            }
            CpInfo::StaticMethodref(StaticRef::Internal { offset }) => {
                let (ci, mi) = *self
                    .method_at
                    .get(&offset)
                    .ok_or_else(|| format!("no method at Method component offset {offset:#06x}"))?;
                let m = self.method(ci, mi).ok_or("method index")?.clone();
                if !(m.access.is_static || m.is_init || m.access.private) {
                    return Err(format!(
                        "static method reference to {}, which is virtual and not private",
                        m.label
                    ));
                }
                Cp::Static(m)
            }
            CpInfo::StaticMethodref(StaticRef::External {
                package_token,
                class_token,
                token,
            }) => {
                let cv = self
                    .external_view(ClassRef::External {
                        package_token,
                        class_token,
                    })
                    .ok_or_else(|| {
                        format!("class {package_token}.{class_token} not in the imported package")
                    })?;
                let m = cv
                    .method_by_token(token, MemberKind::Static)
                    .ok_or_else(|| {
                        format!(
                            "no static method or constructor with token {token} in {}",
                            dotted(&cv.name)
                        )
                    })?;
                Cp::Static(self.external_method(
                    cv,
                    m.name.as_str(),
                    m.descriptor.as_str(),
                    m.access,
                )?)
            }
        })
    }

    fn constant_pool(&mut self) -> Result<(), VerifyError> {
        let cap = self.cap;
        for (i, e) in cap.constant_pool.constant_pool.iter().enumerate() {
            let index = u16::try_from(i).unwrap_or(u16::MAX);
            let at = ConstantPoolComponent::entry_offset(i);
            let r = self.resolve_entry(*e).map_err(|what| {
                err(
                    ComponentTag::CONSTANT_POOL,
                    VerifyErrorKind::Unresolved(format!("entry {index} ({e}): {what}")),
                )
                .at(at)
            })?;
            self.cp.push(r);
        }
        Ok(())
    }
}

fn resolve_imports<'a>(
    cap: &CapFile,
    resolver: &'a dyn ImportResolver,
) -> Result<Vec<&'a PackageView>, VerifyError> {
    let mut out: Vec<&'a PackageView> = Vec::with_capacity(cap.import.packages.len());
    let mut at = 1usize;
    for p in &cap.import.packages {
        let aid = p.aid.as_bytes();
        let ierr = |kind| err(ComponentTag::IMPORT, kind).at(at);
        if aid == cap.package_aid().as_bytes() {
            return Err(ierr(VerifyErrorKind::Unresolved(format!(
                "the package imports itself ({})",
                p.aid
            ))));
        }
        if out.iter().any(|v| v.aid == aid) {
            return Err(ierr(VerifyErrorKind::Unresolved(format!(
                "package {} imported twice",
                p.aid
            ))));
        }
        let view = resolver.package(aid).ok_or_else(|| {
            ierr(VerifyErrorKind::MissingImport {
                aid: p.aid.to_string(),
                major: p.major_version,
                minor: p.minor_version,
            })
        })?;
        if !compatible(
            (p.major_version, p.minor_version),
            (view.version.major, view.version.minor),
        ) {
            return Err(ierr(VerifyErrorKind::IncompatibleImport {
                aid: p.aid.to_string(),
                major: p.major_version,
                minor: p.minor_version,
                found_major: view.version.major,
                found_minor: view.version.minor,
            }));
        }
        out.push(view);
        at = at.saturating_add(3).saturating_add(aid.len());
    }
    Ok(out)
}
