//! Class layout: superclass chains across packages, instance field words, flattened public
//! and package virtual method tables, and interface tables (JCVM 3.0.5 §6.9, §4.3.7).

use super::{Linker, LoadError, LoadErrorKind, ReferenceRun};
use crate::cap::class::{ACC_SHAREABLE, NO_METHOD};
use crate::cap::{ClassInfo, ClassItem, ClassRef};
use crate::program::{Class, ClassId, InterfaceTable, MethodTarget};

/// `ACC_ABSTRACT` of a Descriptor component class.
const DESCRIPTOR_ACC_ABSTRACT: u8 = 0x80;

/// `first_reference_token` of a class that declares no reference field.
const NO_REFERENCE: u8 = 0xFF;

fn placeholder(l: &Linker<'_>) -> Class {
    Class {
        name: String::new(),
        package: l.pkg,
        is_interface: false,
        is_abstract: true,
        is_shareable: false,
        super_class: None,
        interfaces: Vec::new(),
        instance_words: 0,
        field_base: 0,
        public_vtable: Vec::new(),
        package_vtable: Vec::new(),
        itables: Vec::new(),
    }
}

/// Builds every class and interface of the package, superclasses and superinterfaces first.
pub(super) fn build(l: &mut Linker<'_>) -> Result<(), LoadError> {
    let items = l.cap.class.item_offsets();
    let n = items.len();
    l.classes = (0..n).map(|_| placeholder(l)).collect();
    l.reference_runs = vec![(0, 0); n];
    let mut ready = vec![false; n];
    let mut remaining = n;
    while remaining > 0 {
        let mut progress = false;
        for (i, (off, item)) in items.iter().enumerate() {
            if ready.get(i).copied().unwrap_or(true) {
                continue;
            }
            if let Some((class, refs)) = build_one(l, &ready, *off, *item)? {
                if let Some(slot) = l.classes.get_mut(i) {
                    *slot = class;
                }
                if let Some(slot) = l.reference_runs.get_mut(i) {
                    *slot = refs;
                }
                if let Some(r) = ready.get_mut(i) {
                    *r = true;
                }
                remaining -= 1;
                progress = true;
            }
        }
        if !progress {
            return Err(l.err(
                "Class component",
                LoadErrorKind::Hierarchy("cyclic superclass or superinterface".into()),
            ));
        }
    }
    Ok(())
}

fn class_name(l: &Linker<'_>, off: u16) -> String {
    if let Some(d) = &l.cap.debug {
        if let Some(c) = d.classes.iter().find(|c| c.location == off) {
            if let Some(s) = d.string(c.name_index) {
                return s;
            }
        }
    }
    format!("{}/class@{off:#06x}", l.name)
}

/// Whether a dependency is available: external, or local and already built.
fn dep_ready(l: &Linker<'_>, ready: &[bool], id: ClassId) -> bool {
    match l.local_index(id) {
        Some(i) => ready.get(i).copied().unwrap_or(false),
        None => true,
    }
}

fn build_one(
    l: &Linker<'_>,
    ready: &[bool],
    off: u16,
    item: ClassItem,
) -> Result<Option<(Class, ReferenceRun)>, LoadError> {
    let name = class_name(l, off);
    let loc = format!("class {name}");
    match item {
        ClassItem::Interface(i) => {
            let info =
                l.cap.class.interfaces.get(i).ok_or_else(|| {
                    l.err(&loc, LoadErrorKind::Unresolved("interface item".into()))
                })?;
            let mut interfaces = Vec::new();
            let mut shareable = info.flags & ACC_SHAREABLE != 0;
            for r in &info.superinterfaces {
                let id = l.class_id(*r, &loc)?;
                if !dep_ready(l, ready, id) {
                    return Ok(None);
                }
                let sup = l.class(id).ok_or_else(|| {
                    l.err(&loc, LoadErrorKind::Unresolved("superinterface".into()))
                })?;
                if !sup.is_interface {
                    return Err(l.err(
                        &loc,
                        LoadErrorKind::Hierarchy(format!("superinterface {} is a class", sup.name)),
                    ));
                }
                shareable |= sup.is_shareable;
                push_unique(&mut interfaces, id);
                for s in sup.interfaces.clone() {
                    push_unique(&mut interfaces, s);
                }
            }
            Ok(Some((
                Class {
                    name,
                    package: l.pkg,
                    is_interface: true,
                    is_abstract: true,
                    is_shareable: shareable,
                    super_class: None,
                    interfaces,
                    instance_words: 0,
                    field_base: 0,
                    public_vtable: Vec::new(),
                    package_vtable: Vec::new(),
                    itables: Vec::new(),
                },
                (0, 0),
            )))
        }
        ClassItem::Class(i) => {
            let info = l
                .cap
                .class
                .classes
                .get(i)
                .ok_or_else(|| l.err(&loc, LoadErrorKind::Unresolved("class item".into())))?;
            if info.super_class_ref.is_none() {
                return Err(l.err(
                    &loc,
                    LoadErrorKind::Hierarchy("a package class must have a superclass".into()),
                ));
            }
            let super_id = l.class_id(info.super_class_ref, &loc)?;
            if !dep_ready(l, ready, super_id) {
                return Ok(None);
            }
            let mut iface_ids = Vec::new();
            for ii in &info.interfaces {
                let id = l.class_id(ii.interface, &loc)?;
                if !dep_ready(l, ready, id) {
                    return Ok(None);
                }
                iface_ids.push(id);
            }
            let sup = l
                .class(super_id)
                .ok_or_else(|| l.err(&loc, LoadErrorKind::Unresolved("superclass".into())))?;
            if sup.is_interface {
                return Err(l.err(
                    &loc,
                    LoadErrorKind::Hierarchy(format!("superclass {} is an interface", sup.name)),
                ));
            }
            let field_base = sup.instance_words;
            let instance_words = field_base
                .checked_add(u16::from(info.declared_instance_size))
                .ok_or_else(|| l.err(&loc, LoadErrorKind::TooMany("instance fields")))?;
            let refs = reference_run(l, &loc, field_base, info)?;

            let method = |o: u16| -> Result<MethodTarget, LoadError> {
                l.method_at
                    .get(&o)
                    .copied()
                    .map(MethodTarget::Bytecode)
                    .ok_or_else(|| {
                        l.err(
                            &loc,
                            LoadErrorKind::Unresolved(format!("virtual method at offset {o:#06x}")),
                        )
                    })
            };
            let mut public_vtable = sup.public_vtable.clone();
            for (k, &o) in info.public_virtual_method_table.iter().enumerate() {
                let token = usize::from(info.public_method_table_base) + k;
                if public_vtable.len() <= token {
                    public_vtable.resize(token + 1, MethodTarget::Missing);
                }
                if o != NO_METHOD {
                    if let Some(slot) = public_vtable.get_mut(token) {
                        *slot = method(o)?;
                    }
                }
            }
            // Package-visible methods are only inherited within the package.
            let mut package_vtable = if sup.package == l.pkg {
                sup.package_vtable.clone()
            } else {
                Vec::new()
            };
            for (k, &o) in info.package_virtual_method_table.iter().enumerate() {
                let token = usize::from(info.package_method_table_base & 0x7F) + k;
                if package_vtable.len() <= token {
                    package_vtable.resize(token + 1, MethodTarget::Missing);
                }
                if o != NO_METHOD {
                    if let Some(slot) = package_vtable.get_mut(token) {
                        *slot = method(o)?;
                    }
                }
            }
            let mut interfaces = sup.interfaces.clone();
            let mut itables = sup.itables.clone();
            for (ii, id) in info.interfaces.iter().zip(&iface_ids) {
                let iface = l
                    .class(*id)
                    .ok_or_else(|| l.err(&loc, LoadErrorKind::Unresolved("interface".into())))?;
                if !iface.is_interface {
                    return Err(l.err(
                        &loc,
                        LoadErrorKind::Hierarchy(format!("{} is not an interface", iface.name)),
                    ));
                }
                push_unique(&mut interfaces, *id);
                for s in iface.interfaces.clone() {
                    push_unique(&mut interfaces, s);
                }
                let table = InterfaceTable {
                    iface: *id,
                    tokens: ii.index.clone(),
                };
                match itables.iter_mut().find(|t| t.iface == *id) {
                    Some(t) => *t = table,
                    None => itables.push(table),
                }
            }
            let is_abstract = l
                .cap
                .descriptor
                .classes
                .iter()
                .find(|d| d.this_class_ref == ClassRef::Internal(off))
                .is_some_and(|d| d.access_flags & DESCRIPTOR_ACC_ABSTRACT != 0);
            Ok(Some((
                Class {
                    name,
                    package: l.pkg,
                    is_interface: false,
                    is_abstract,
                    is_shareable: false,
                    super_class: Some(super_id),
                    interfaces,
                    instance_words,
                    field_base,
                    public_vtable,
                    package_vtable,
                    itables,
                },
                refs,
            )))
        }
    }
}

/// The field words holding the references a class declares: its instance field tokens
/// put the reference fields in one run of `reference_count` tokens from
/// `first_reference_token` (JCVM 3.0.5 §4.3.7.5, §6.9), inside its own
/// `declared_instance_size` words after the superclasses' fields.
fn reference_run(
    l: &Linker<'_>,
    loc: &str,
    field_base: u16,
    info: &ClassInfo,
) -> Result<ReferenceRun, LoadError> {
    if info.reference_count == 0 {
        return Ok((field_base, 0));
    }
    let first = u16::from(info.first_reference_token);
    let end = first + u16::from(info.reference_count);
    if info.first_reference_token == NO_REFERENCE || end > u16::from(info.declared_instance_size) {
        return Err(l.err(
            loc,
            LoadErrorKind::Unresolved(format!(
                "{} reference fields from token {first} exceed the {} declared instance words",
                info.reference_count, info.declared_instance_size
            )),
        ));
    }
    // field_base + declared_instance_size was checked not to overflow.
    Ok((field_base + first, u16::from(info.reference_count)))
}

fn push_unique(v: &mut Vec<ClassId>, id: ClassId) {
    if !v.contains(&id) {
        v.push(id);
    }
}
