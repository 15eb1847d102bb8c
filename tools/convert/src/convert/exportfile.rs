//! The export file (JCVM chapter 5) of a package: what other packages may link against.
//! Written in format 2.3 with the constant pool laid out the way the reference converter
//! lays it out: per class its fields and methods, its name, supers and interfaces; then the
//! package and the packages it refers to.

use std::collections::BTreeMap;

use jcos_vm::export::{
    access, Attribute, ClassInfo, ClassView, Constant, ExportFile, FieldInfo, FieldView,
    FormatVersion, MethodInfo, MethodView, PackageConstant, PackageRef, PackageVersion,
    PackageView, PACKAGE_ACC_LIBRARY,
};

use super::tokens::{exported, is_constant, Tokens};
use super::types::{JType, MethodType};
use super::world::{ClassId, World};
use crate::classfile::{
    ConstantValue, ACC_ABSTRACT, ACC_FINAL, ACC_INTERFACE, ACC_PROTECTED, ACC_PUBLIC, ACC_STATIC,
};

/// The view other packages get of this one.
pub fn own_view(
    world: &World,
    tokens: &Tokens,
    aid: &[u8],
    version: (u8, u8),
    library: bool,
) -> PackageView {
    let mut classes = Vec::new();
    for (ci, c) in world.classes.iter().enumerate() {
        let Some(t) = tokens.classes.get(ci) else {
            continue;
        };
        let Some(token) = t.class_token else { continue };
        let id = ClassId::Internal(ci);
        let shareable = world.is_subtype_of(id, "javacard/framework/Shareable");
        if !(library || c.is_interface() && shareable) {
            continue;
        }
        let flags = c.cf.access_flags;
        let mut acc = 0u16;
        if flags & ACC_PUBLIC != 0 {
            acc |= access::ACC_PUBLIC;
        }
        if flags & ACC_FINAL != 0 {
            acc |= access::ACC_FINAL;
        }
        if flags & ACC_INTERFACE != 0 {
            acc |= access::ACC_INTERFACE;
        }
        if flags & ACC_ABSTRACT != 0 {
            acc |= access::ACC_ABSTRACT;
        }
        if shareable {
            acc |= access::ACC_SHAREABLE;
        }
        let mut supers: Vec<String> = world
            .superclasses(id)
            .iter()
            .rev()
            .map(|s| world.name(*s).to_owned())
            .collect();
        if c.is_interface() {
            supers = vec!["java/lang/Object".to_owned()];
        }
        let interfaces = world
            .interface_closure(id)
            .iter()
            .map(|i| world.name(*i).to_owned())
            .collect();
        let member_access = |f: u16| {
            f & (ACC_PUBLIC | ACC_PROTECTED | ACC_STATIC | ACC_FINAL)
                | if f & ACC_ABSTRACT != 0 {
                    access::ACC_ABSTRACT
                } else {
                    0
                }
        };
        let mut fields = Vec::new();
        for f in &c.cf.fields {
            if !exported(f.access_flags) {
                continue;
            }
            let (token, constant) = if is_constant(f) {
                (
                    0xFF,
                    match f.constant_value {
                        Some(ConstantValue::Int(v)) => Some(v),
                        _ => None,
                    },
                )
            } else if f.is_static() {
                (t.static_fields.get(&f.name).copied().unwrap_or(0xFF), None)
            } else {
                (
                    t.instance_fields.get(&f.name).copied().unwrap_or(0xFF),
                    None,
                )
            };
            fields.push(FieldView {
                name: f.name.clone(),
                descriptor: f.descriptor.clone(),
                token,
                access: member_access(f.access_flags),
                constant,
            });
        }
        let mut methods = Vec::new();
        if c.is_interface() {
            for (k, (name, desc)) in t.interface_methods.iter().enumerate() {
                methods.push(MethodView {
                    name: name.clone(),
                    descriptor: desc.clone(),
                    token: u8::try_from(k).unwrap_or(u8::MAX),
                    access: access::ACC_PUBLIC | access::ACC_ABSTRACT,
                });
            }
        } else {
            for m in &c.cf.methods {
                if let Some(tok) = t
                    .static_methods
                    .get(&(m.name.clone(), m.descriptor.clone()))
                {
                    methods.push(MethodView {
                        name: m.name.clone(),
                        descriptor: m.descriptor.clone(),
                        token: *tok,
                        access: member_access(m.access_flags),
                    });
                }
            }
            let mut virt: Vec<(u8, &(String, String))> =
                t.public_vt.iter().map(|(s, tok)| (*tok, s)).collect();
            virt.sort();
            for (tok, (name, desc)) in virt {
                // Declared here, else inherited: the flags of the nearest declaration.
                let own =
                    c.cf.methods
                        .iter()
                        .find(|m| m.name == *name && m.descriptor == *desc && !m.is_static());
                let acc = match own {
                    Some(m) => member_access(m.access_flags),
                    None => inherited_access(world, id, name, desc).unwrap_or(access::ACC_PUBLIC),
                };
                methods.push(MethodView {
                    name: name.clone(),
                    descriptor: desc.clone(),
                    token: tok,
                    access: acc,
                });
            }
        }
        classes.push(ClassView {
            name: c.name().to_owned(),
            token,
            access: acc,
            supers,
            interfaces,
            fields,
            methods,
        });
    }
    classes.sort_by_key(|c| c.token);
    PackageView {
        name: world.package.clone(),
        aid: aid.to_vec(),
        version: PackageVersion {
            major: version.0,
            minor: version.1,
        },
        is_library: library,
        format: FormatVersion::V2_3,
        referenced_packages: Vec::new(),
        classes,
    }
}

fn inherited_access(world: &World, id: ClassId, name: &str, desc: &str) -> Option<u16> {
    for s in world.superclasses(id) {
        match s {
            ClassId::Internal(i) => {
                if let Some(m) = world
                    .class(i)?
                    .cf
                    .methods
                    .iter()
                    .find(|m| m.name == name && m.descriptor == desc && !m.is_static())
                {
                    let f = m.access_flags;
                    return Some(
                        f & (ACC_PUBLIC | ACC_PROTECTED | ACC_FINAL)
                            | if f & ACC_ABSTRACT != 0 {
                                access::ACC_ABSTRACT
                            } else {
                                0
                            },
                    );
                }
            }
            ClassId::External(p, c) => {
                return world
                    .view(p, c)?
                    .method_by_name(name, desc)
                    .map(|m| m.access)
            }
        }
    }
    None
}

/// The packages a view refers to (supertypes and descriptor types outside itself), in order
/// of first appearance, resolved by `package`.
pub fn referenced_packages(
    view: &PackageView,
    package: &dyn Fn(&str) -> Option<PackageRef>,
) -> Vec<PackageRef> {
    let mut out: Vec<PackageRef> = Vec::new();
    let mut note = |class: &str| {
        let Some((p, _)) = class.rsplit_once('/') else {
            return;
        };
        if p == view.name || out.iter().any(|r| r.name == p) {
            return;
        }
        if let Some(r) = package(p) {
            out.push(r);
        }
    };
    fn classes_in(t: &JType, out: &mut Vec<String>) {
        match t {
            JType::Class(c) => out.push(c.clone()),
            JType::Array(e) => classes_in(e, out),
            _ => {}
        }
    }
    for c in &view.classes {
        for s in c.supers.iter().chain(&c.interfaces) {
            note(s);
        }
        let mut names = Vec::new();
        for f in &c.fields {
            if let Some(t) = JType::parse_field(&f.descriptor) {
                classes_in(&t, &mut names);
            }
        }
        for m in &c.methods {
            if let Some(mt) = MethodType::parse(&m.descriptor) {
                for t in mt.all() {
                    classes_in(t, &mut names);
                }
            }
        }
        for n in names {
            note(&n);
        }
    }
    out
}

#[derive(Default)]
struct Pool {
    constants: Vec<Constant>,
    utf8: BTreeMap<String, u16>,
    classes: BTreeMap<String, u16>,
}

impl Pool {
    fn push(&mut self, c: Constant) -> u16 {
        self.constants.push(c);
        u16::try_from(self.constants.len().saturating_sub(1)).unwrap_or(u16::MAX)
    }

    fn utf8(&mut self, s: &str) -> u16 {
        if let Some(i) = self.utf8.get(s) {
            return *i;
        }
        let i = self.push(Constant::Utf8(s.to_owned()));
        self.utf8.insert(s.to_owned(), i);
        i
    }

    fn class(&mut self, name: &str) -> u16 {
        if let Some(i) = self.classes.get(name) {
            return *i;
        }
        let name_index = self.utf8(name);
        let i = self.push(Constant::ClassRef { name_index });
        self.classes.insert(name.to_owned(), i);
        i
    }

    fn package(&mut self, flags: u8, name: &str, aid: &[u8], version: PackageVersion) -> u16 {
        let name_index = self.utf8(name);
        self.push(Constant::Package(PackageConstant {
            flags,
            name_index,
            minor_version: version.minor,
            major_version: version.major,
            aid: aid.to_vec(),
        }))
    }
}

/// The export file of `view`, referring to `refs`.
pub fn write(view: &PackageView, refs: &[PackageRef]) -> ExportFile {
    let mut pool = Pool::default();
    let mut classes = Vec::new();
    for c in &view.classes {
        let mut fields = Vec::new();
        for f in &c.fields {
            let name_index = pool.utf8(&f.name);
            let descriptor_index = pool.utf8(&f.descriptor);
            let mut attributes = Vec::new();
            if let Some(v) = f.constant {
                let attr_name = pool.utf8("ConstantValue");
                let value_index = pool.push(Constant::Integer(v));
                attributes.push(Attribute::ConstantValue {
                    name_index: attr_name,
                    value_index,
                });
            }
            fields.push(FieldInfo {
                token: f.token,
                access_flags: f.access,
                name_index,
                descriptor_index,
                attributes,
            });
        }
        let mut methods = Vec::new();
        for m in &c.methods {
            let name_index = pool.utf8(&m.name);
            let descriptor_index = pool.utf8(&m.descriptor);
            methods.push(MethodInfo {
                token: m.token,
                access_flags: m.access,
                name_index,
                descriptor_index,
            });
        }
        let name_index = pool.class(&c.name);
        let supers = c.supers.iter().map(|s| pool.class(s)).collect();
        let interfaces = c.interfaces.iter().map(|s| pool.class(s)).collect();
        let inheritable = if c.access & access::ACC_INTERFACE != 0 {
            0
        } else {
            c.methods
                .iter()
                .filter(|m| m.access & access::ACC_STATIC == 0 && m.name != "<init>")
                .map(|m| m.token.saturating_add(1))
                .max()
                .unwrap_or(0)
        };
        classes.push(ClassInfo {
            token: c.token,
            access_flags: c.access,
            name_index,
            supers,
            interfaces,
            fields,
            methods,
            cap22_inheritable_public_method_token_count: inheritable,
        });
    }
    let flags = if view.is_library {
        PACKAGE_ACC_LIBRARY
    } else {
        0
    };
    let this_package = pool.package(flags, &view.name, &view.aid, view.version);
    let referenced_packages = refs
        .iter()
        .map(|r| pool.package(0, &r.name, &r.aid, r.version))
        .collect();
    ExportFile {
        format: FormatVersion::V2_3,
        constant_pool: pool.constants,
        this_package,
        referenced_packages,
        classes,
    }
}

/// A package reference from a view.
pub fn package_ref(v: &PackageView) -> PackageRef {
    PackageRef {
        name: v.name.clone(),
        aid: v.aid.clone(),
        version: v.version,
    }
}
