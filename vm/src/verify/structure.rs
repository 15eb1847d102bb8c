//! Checks between components beyond what parsing checks: method tables and interface maps
//! against the Descriptor, overriding of final methods, method headers against descriptors,
//! the static field image, the Applet and Export components, the types the Descriptor gives
//! constant pool entries, and token uniqueness (JCVM §4.3.7, §6.5, §6.8, §6.10, §6.12, §6.13).

use std::collections::HashSet;

use super::error::{VerifyError, VerifyErrorKind};
use super::model::{Cp, Pkg};
use super::types::Kind;
use super::types::{Elem, JType, RefType};
use crate::cap::class::{ACC_SHAREABLE, NO_METHOD};
use crate::cap::descriptor::{ACC_INIT, ACC_PUBLIC, NO_TOKEN, NO_TYPE};
use crate::cap::static_field::{TYPE_BOOLEAN, TYPE_BYTE, TYPE_INT, TYPE_SHORT};
use crate::cap::{ClassItem, ComponentTag, ConstantPoolComponent};

/// `javacard.framework.Applet`, the superclass of every applet class.
const APPLET: &str = "javacard/framework/Applet";

fn err(tag: ComponentTag, kind: VerifyErrorKind) -> VerifyError {
    VerifyError::new(tag, kind)
}

/// Runs every structural check.
pub(crate) fn check(pkg: &mut Pkg<'_>) -> Result<(), VerifyError> {
    tokens(pkg)?;
    for ci in 0..pkg.classes.len() {
        class_methods(pkg, ci)?;
    }
    method_headers(pkg)?;
    static_image(pkg)?;
    applets(pkg)?;
    exports(pkg)?;
    constant_pool_types(pkg)?;
    Ok(())
}

/// Class, method and field tokens are unique where the specification makes them so.
fn tokens(pkg: &Pkg<'_>) -> Result<(), VerifyError> {
    let d = &pkg.cap.descriptor;
    let mut class_tokens = HashSet::new();
    for (ci, c) in d.classes.iter().enumerate() {
        let label = pkg.class_label(ci);
        let dup = |what: String| {
            err(ComponentTag::DESCRIPTOR, VerifyErrorKind::Descriptor(what))
                .in_class(label.as_str())
        };
        if c.access_flags & ACC_PUBLIC != 0 && c.token == NO_TOKEN {
            return Err(dup("public class without a token".into()));
        }
        if c.token != NO_TOKEN && !class_tokens.insert(c.token) {
            return Err(dup(format!("class token {} used twice", c.token)));
        }
        let mut virt = HashSet::new();
        let mut stat = HashSet::new();
        for (mi, m) in c.methods.iter().enumerate() {
            if m.token == NO_TOKEN {
                continue;
            }
            let set = if m.is_static() || m.access_flags & ACC_INIT != 0 {
                &mut stat
            } else {
                &mut virt
            };
            if !set.insert(m.token) {
                return Err(dup(format!(
                    "method token {} used twice (method {})",
                    m.token,
                    pkg.method_label(ci, mi)
                )));
            }
        }
        let mut inst = HashSet::new();
        for f in &c.fields {
            if let crate::cap::FieldRef::Instance { token, .. } = f.field_ref {
                if !inst.insert(token) {
                    return Err(dup(format!("instance field token {token} used twice")));
                }
            }
        }
    }
    Ok(())
}

/// Abstract methods, the virtual method tables, final overrides and interface maps of one
/// class or interface.
fn class_methods(pkg: &mut Pkg<'_>, ci: usize) -> Result<(), VerifyError> {
    let cap = pkg.cap;
    let Some(c) = pkg.classes.get(ci).cloned() else {
        return Ok(());
    };
    let Some(d) = cap.descriptor.classes.get(ci) else {
        return Ok(());
    };
    let label = pkg.class_label(ci);
    let class_abstract = pkg.table.get(c.id).is_some_and(|e| e.is_abstract);
    let terr = |what: String| {
        err(ComponentTag::CLASS, VerifyErrorKind::MethodTable(what))
            .at(usize::from(c.offset))
            .in_class(label.as_str())
    };
    let info = match c.item {
        ClassItem::Interface(_) => {
            for (mi, m) in d.methods.iter().enumerate() {
                let acc = pkg.method(ci, mi).map(|m| m.access).unwrap_or_default();
                if m.is_static() || !m.is_abstract() || !acc.public {
                    return Err(err(
                        ComponentTag::DESCRIPTOR,
                        VerifyErrorKind::Descriptor(
                            "an interface method is not public, abstract and virtual".into(),
                        ),
                    )
                    .in_class(label.as_str())
                    .in_method(pkg.method_name(ci, mi)));
                }
            }
            return Ok(());
        }
        ClassItem::Class(i) => match cap.class.classes.get(i) {
            Some(info) => info,
            None => return Ok(()),
        },
    };
    // Table entries name methods of this class or its superclasses in this package, with the
    // token of their position.
    let tables = [
        (
            &info.public_virtual_method_table,
            info.public_method_table_base,
            false,
        ),
        (
            &info.package_virtual_method_table,
            info.package_method_table_base,
            true,
        ),
    ];
    for (table, base, package) in tables {
        for (k, &off) in table.iter().enumerate() {
            let Some(tok) = u8::try_from(k).ok().and_then(|k| base.checked_add(k)) else {
                return Err(terr("table runs past token 255".into()));
            };
            if tok > 0x7F {
                return Err(terr(format!("token {tok} beyond 127")));
            }
            let token = if package { tok | 0x80 } else { tok };
            if off == NO_METHOD {
                continue;
            }
            let Some(&(mci, mmi)) = pkg.method_at.get(&off) else {
                return Err(terr(format!(
                    "token {token}: {off:#06x} is not a described method"
                )));
            };
            let Some(md) = cap
                .descriptor
                .classes
                .get(mci)
                .and_then(|x| x.methods.get(mmi))
            else {
                continue;
            };
            let m = pkg.method(mci, mmi).cloned();
            let acc = m.as_ref().map(|m| m.access).unwrap_or_default();
            let owner = pkg.classes.get(mci).map(|x| x.id);
            let inherited_ok = owner.is_some_and(|o| pkg.table.is_subtype(c.id, o));
            if md.token != token
                || md.is_static()
                || md.access_flags & ACC_INIT != 0
                || acc.private
                || acc.is_package() != package
                || !inherited_ok
            {
                return Err(terr(format!(
                    "{} table entry for token {token} is {}, not a {} virtual method of this class or a superclass with that token",
                    if package { "package" } else { "public" },
                    pkg.method_label(mci, mmi),
                    if package { "package-visible" } else { "public or protected" },
                )));
            }
        }
    }
    // Every virtual method the class declares is in its table, and overrides no final method.
    let superclass = c.superclass;
    for (mi, md) in d.methods.iter().enumerate() {
        let Some(m) = pkg.method(ci, mi).cloned() else {
            continue;
        };
        if md.is_abstract() && !class_abstract {
            return Err(err(
                ComponentTag::DESCRIPTOR,
                VerifyErrorKind::Descriptor(
                    "abstract method in a class that is not abstract".into(),
                ),
            )
            .in_class(label.as_str())
            .in_method(pkg.method_name(ci, mi)));
        }
        if m.is_init && m.access.is_static {
            return Err(err(
                ComponentTag::DESCRIPTOR,
                VerifyErrorKind::Descriptor("static constructor".into()),
            )
            .in_class(label.as_str())
            .in_method(pkg.method_name(ci, mi)));
        }
        if m.access.is_static || m.is_init || m.access.private {
            continue;
        }
        let package = m.access.is_package();
        if md.token == NO_TOKEN || (md.token & 0x80 != 0) != package {
            return Err(terr(format!(
                "virtual method {} has token {}, not a {} token",
                m.label,
                md.token,
                if package { "package" } else { "public" }
            )));
        }
        let (table, base) = if package {
            (
                &info.package_virtual_method_table,
                info.package_method_table_base,
            )
        } else {
            (
                &info.public_virtual_method_table,
                info.public_method_table_base,
            )
        };
        if md.method_offset != 0 {
            let entry = (md.token & 0x7F)
                .checked_sub(base)
                .and_then(|k| table.get(usize::from(k)));
            if entry != Some(&md.method_offset) {
                return Err(terr(format!(
                    "virtual method {} (token {}) is not in the method table",
                    m.label, md.token
                )));
            }
        }
        if let Some(s) = superclass {
            if let Ok(over) = pkg.resolve_virtual(s, md.token) {
                if over.access.is_final {
                    return Err(err(
                        ComponentTag::DESCRIPTOR,
                        VerifyErrorKind::Access(format!(
                            "{} overrides final method {}",
                            m.label, over.label
                        )),
                    )
                    .in_class(label.as_str())
                    .in_method(pkg.method_name(ci, mi)));
                }
                if over.params != m.params || over.ret != m.ret {
                    return Err(err(
                        ComponentTag::DESCRIPTOR,
                        VerifyErrorKind::Descriptor(format!(
                            "{} has token {} of {} but a different signature",
                            m.label, md.token, over.label
                        )),
                    )
                    .in_class(label.as_str())
                    .in_method(pkg.method_name(ci, mi)));
                }
            }
        }
    }
    // Interface maps: each entry is a public virtual method of the class with the interface
    // method's signature.
    for ii in &info.interfaces {
        let Ok(iface) = pkg.class_id(ii.interface) else {
            continue;
        };
        for (t, &vt) in ii.index.iter().enumerate() {
            let it = u8::try_from(t).unwrap_or(u8::MAX);
            let imp = match pkg.resolve_virtual(c.id, vt) {
                Ok(m) if vt & 0x80 == 0 => m,
                _ if class_abstract => continue,
                _ => {
                    return Err(terr(format!(
                        "interface {} method token {it} maps to virtual token {vt}, which the class does not define",
                        pkg.table.label(iface)
                    )))
                }
            };
            if let Ok(decl) = pkg.resolve_interface(iface, it) {
                if decl.params != imp.params || decl.ret != imp.ret {
                    return Err(terr(format!(
                        "interface method {} maps to {}, whose signature differs",
                        decl.label, imp.label
                    )));
                }
            }
        }
    }
    Ok(())
}

/// `nargs` of each method header counts the descriptor's parameter words (and `this`).
fn method_headers(pkg: &Pkg<'_>) -> Result<(), VerifyError> {
    let cap = pkg.cap;
    for (ci, c) in cap.descriptor.classes.iter().enumerate() {
        for (mi, md) in c.methods.iter().enumerate() {
            if md.is_abstract() && md.method_offset == 0 {
                continue;
            }
            let Some(m) = pkg.method(ci, mi) else {
                continue;
            };
            let Ok(h) = cap.method.header_at(md.method_offset) else {
                continue;
            };
            let this = usize::from(!m.access.is_static);
            let want = m.param_words().saturating_add(this);
            if usize::from(h.nargs) != want {
                return Err(err(
                    ComponentTag::METHOD,
                    VerifyErrorKind::MethodHeader(format!(
                        "nargs {} but the descriptor {} needs {want}",
                        h.nargs,
                        pkg.table.show_sig(&m.params, m.ret)
                    )),
                )
                .at(usize::from(md.method_offset))
                .in_class(pkg.class_label(ci))
                .in_method(pkg.method_name(ci, mi)));
            }
        }
    }
    Ok(())
}

/// Bytes a static field of this type occupies in the image.
fn field_size(t: JType) -> u16 {
    match t {
        JType::Boolean | JType::Byte => 1,
        JType::Int => 4,
        _ => 2,
    }
}

/// Reference fields (initialised arrays first) precede primitive ones; no two fields overlap
/// and none runs past the image; each array initialiser suits its field's type.
fn static_image(pkg: &Pkg<'_>) -> Result<(), VerifyError> {
    let sf = &pkg.cap.static_field;
    let refs_end = u32::from(sf.reference_count).saturating_mul(2);
    let serr = |what: String| {
        err(
            ComponentTag::STATIC_FIELD,
            VerifyErrorKind::StaticField(what),
        )
    };
    let mut spans: Vec<(u32, u32, String)> = Vec::new();
    for (&off, &(ci, fi)) in &pkg.static_at {
        let Some(f) = pkg.fields.get(ci).and_then(|f| f.get(fi)) else {
            continue;
        };
        let start = u32::from(off);
        let end = start.saturating_add(u32::from(field_size(f.ty)));
        let is_ref = matches!(f.ty, JType::Ref(_));
        if is_ref && (start >= refs_end || start % 2 != 0) {
            return Err(serr(format!(
                "reference field {} at {off:#06x} is outside the reference area 0..{refs_end:#06x}",
                f.label
            )));
        }
        if !is_ref && start < refs_end {
            return Err(serr(format!(
                "primitive field {} at {off:#06x} is inside the reference area 0..{refs_end:#06x}",
                f.label
            )));
        }
        if end > u32::from(sf.image_size) {
            return Err(serr(format!(
                "field {} at {off:#06x} runs past the image size {:#06x}",
                f.label, sf.image_size
            )));
        }
        spans.push((start, end, f.label.clone()));
    }
    spans.sort();
    for w in spans.windows(2) {
        if let [(_, end, a), (start, _, b)] = w {
            if start < end {
                return Err(serr(format!("fields {a} and {b} overlap")));
            }
        }
    }
    for (k, a) in sf.array_init.iter().enumerate() {
        let off = u16::try_from(k.saturating_mul(2)).unwrap_or(u16::MAX);
        let field = pkg
            .static_at
            .get(&off)
            .and_then(|&(ci, fi)| pkg.fields.get(ci)?.get(fi));
        let Some(f) = field else {
            return Err(serr(format!(
                "array_init {k} initialises {off:#06x}, where no static field is described"
            )));
        };
        let want = match a.type_ {
            TYPE_BOOLEAN => Elem::Boolean,
            TYPE_BYTE => Elem::Byte,
            TYPE_SHORT => Elem::Short,
            TYPE_INT => Elem::Int,
            _ => return Err(serr(format!("array_init {k} has type {}", a.type_))),
        };
        if want == Elem::Int && !pkg.uses_int {
            return Err(err(
                ComponentTag::STATIC_FIELD,
                VerifyErrorKind::IntNotSupported(format!("array_init {k} is an int array")),
            ));
        }
        if f.ty != JType::Ref(RefType::Array(want)) {
            return Err(serr(format!(
                "array_init {k} is a {} but field {} is declared {}",
                a.type_name(),
                f.label,
                pkg.table.show_j(f.ty)
            )));
        }
    }
    Ok(())
}

/// Each applet's install method is `static void install(byte[], short, byte)` of a concrete
/// subclass of `javacard.framework.Applet`; applet AIDs are distinct.
fn applets(pkg: &mut Pkg<'_>) -> Result<(), VerifyError> {
    let Some(applet) = &pkg.cap.applet else {
        return Ok(());
    };
    let applet_class = pkg.ext_by_name(APPLET, Kind::Class);
    let want = [
        JType::Ref(RefType::Array(Elem::Byte)),
        JType::Short,
        JType::Byte,
    ];
    let mut seen = HashSet::new();
    for (i, a) in applet.applets.iter().enumerate() {
        let aerr = |what: String| err(ComponentTag::APPLET, VerifyErrorKind::Applet(what));
        if !seen.insert(a.aid.as_bytes().to_vec()) {
            return Err(aerr(format!("applet {i} AID {} listed twice", a.aid)));
        }
        let off = a.install_method_offset;
        let Some(&(ci, mi)) = pkg.method_at.get(&off) else {
            return Err(aerr(format!(
                "applet {i} install_method_offset {off:#06x} is not a described method"
            )));
        };
        let Some(m) = pkg.method(ci, mi) else {
            continue;
        };
        if !m.access.is_static || m.params != want || m.ret != JType::Void {
            return Err(aerr(format!(
                "applet {i} ({}) install method {} is not static void install(byte[], short, byte)",
                a.aid, m.label
            ))
            .in_method(pkg.method_name(ci, mi)));
        }
        let class = m.class;
        let concrete = pkg.table.get(class).is_some_and(|e| !e.is_abstract);
        if !pkg.table.is_subtype(class, applet_class) || !concrete || class == applet_class {
            return Err(aerr(format!(
                "applet {i} ({}) class {} is not a concrete subclass of javacard.framework.Applet",
                a.aid,
                pkg.table.label(class)
            )));
        }
    }
    Ok(())
}

/// Whether class `ci` may appear in the Export component: any class of a library package,
/// only shareable interfaces of an applet package (§6.12).
fn exportable(pkg: &Pkg<'_>, ci: usize) -> bool {
    if pkg.cap.applet.is_none() {
        return true;
    }
    match pkg.classes.get(ci).map(|c| c.item) {
        Some(ClassItem::Interface(i)) => pkg
            .cap
            .class
            .interfaces
            .get(i)
            .is_some_and(|it| it.flags & ACC_SHAREABLE != 0),
        _ => false,
    }
}

/// The Export component lists every exportable public class by token, with its public and protected
/// static fields and static methods by token.
fn exports(pkg: &Pkg<'_>) -> Result<(), VerifyError> {
    let cap = pkg.cap;
    let Some(export) = &cap.export else {
        return Ok(());
    };
    let eerr = |what: String| err(ComponentTag::EXPORT, VerifyErrorKind::Export(what));
    for (k, ce) in export.class_exports.iter().enumerate() {
        let Some(&ci) = pkg.by_offset.get(&ce.class_offset) else {
            return Err(eerr(format!(
                "class {k}: no class at {:#06x}",
                ce.class_offset
            )));
        };
        let Some(d) = cap.descriptor.classes.get(ci) else {
            continue;
        };
        let label = pkg.class_label(ci);
        if usize::from(d.token) != k || d.access_flags & ACC_PUBLIC == 0 {
            return Err(eerr(format!(
                "class token {k} names {label}, which is not public with token {k}"
            )));
        }
        for (j, off) in ce.static_field_offsets.iter().enumerate() {
            let ok = pkg.static_at.get(off).is_some_and(|&(fci, ffi)| {
                let f = d.fields.get(ffi);
                let acc = pkg
                    .fields
                    .get(fci)
                    .and_then(|f| f.get(ffi))
                    .map(|f| f.access);
                fci == ci
                    && f.is_some_and(|f| usize::from(f.token) == j)
                    && acc.is_some_and(|a| a.public || a.protected)
            });
            if !ok {
                return Err(eerr(format!(
                    "{label} static field token {j} at {off:#06x} is not a public or protected static field of the class with that token"
                )));
            }
        }
        for (j, off) in ce.static_method_offsets.iter().enumerate() {
            let ok = pkg.method_at.get(off).is_some_and(|&(mci, mmi)| {
                let md = d.methods.get(mmi);
                let m = pkg.method(mci, mmi);
                mci == ci
                    && md.is_some_and(|md| usize::from(md.token) == j)
                    && m.is_some_and(|m| {
                        (m.access.is_static || m.is_init) && (m.access.public || m.access.protected)
                    })
            });
            if !ok {
                return Err(eerr(format!(
                    "{label} static method token {j} at {off:#06x} is not a public or protected static method or constructor of the class with that token"
                )));
            }
        }
    }
    for (ci, d) in cap.descriptor.classes.iter().enumerate() {
        let exported = pkg.classes.get(ci).is_some_and(|c| {
            export
                .class_exports
                .iter()
                .any(|e| e.class_offset == c.offset)
        });
        let must = exportable(pkg, ci) && d.access_flags & ACC_PUBLIC != 0;
        if must != exported {
            return Err(eerr(format!(
                "{} {} exported",
                pkg.class_label(ci),
                if exported {
                    "is not exportable (an applet package exports only its public shareable interfaces) but is"
                } else {
                    "is public but not"
                }
            )));
        }
    }
    Ok(())
}

/// The Descriptor's type of each constant pool entry is the type of what it names.
fn constant_pool_types(pkg: &mut Pkg<'_>) -> Result<(), VerifyError> {
    let cap = pkg.cap;
    let entries = pkg.cp.clone();
    for (i, (cp, &t)) in entries
        .iter()
        .zip(&cap.descriptor.types.constant_pool_types)
        .enumerate()
    {
        let at = ConstantPoolComponent::entry_offset(i);
        let derr = |what: String| {
            err(
                ComponentTag::DESCRIPTOR,
                VerifyErrorKind::Descriptor(format!("constant pool entry {i}: {what}")),
            )
        };
        let (resolved, label) = match cp {
            Cp::Class(_) => {
                if t != NO_TYPE {
                    return Err(derr(format!(
                        "class reference with type {t:#06x}, not 0xFFFF"
                    )));
                }
                continue;
            }
            Cp::InstanceField(f) | Cp::StaticField(f) => (vec![f.ty], f.label.clone()),
            Cp::Virtual(m) | Cp::Static(m) | Cp::Super { method: m, .. } => {
                let mut v = m.params.clone();
                v.push(m.ret);
                (v, m.label.clone())
            }
        };
        let declared = match cap.descriptor.type_at(t) {
            Some(td) => pkg.descriptor_types(td).map_err(&derr)?,
            None => return Err(derr(format!("type {t:#06x} is not a type descriptor"))),
        };
        if resolved.iter().any(|t| t.uses_int()) && !pkg.uses_int {
            return Err(err(
                ComponentTag::CONSTANT_POOL,
                VerifyErrorKind::IntNotSupported(format!("entry {i} names {label}")),
            )
            .at(at));
        }
        if declared != resolved {
            let show = |v: &[super::types::JType]| {
                v.iter()
                    .map(|t| pkg.table.show_j(*t))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(derr(format!(
                "descriptor type ({}) differs from the type of {label} ({})",
                show(&declared),
                show(&resolved)
            )));
        }
    }
    Ok(())
}
