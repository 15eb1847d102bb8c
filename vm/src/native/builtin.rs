//! The built-in API packages as linked classes: each class of the API tables gets a
//! [`Class`] whose virtual methods are natives (bound by declaring class, name and
//! descriptor) or [`MethodTarget::Missing`] where this VM has no implementation.

use std::collections::HashMap;

use super::binding;
use crate::export::{ClassView, MemberKind, PackageView};
use crate::program::{
    Class, ClassId, InterfaceTable, MethodTarget, Package, PackageId, Program, WellKnown,
};

/// `ACC_ABSTRACT` in export access flags.
const ACC_ABSTRACT: u16 = 0x0400;
/// The shareable marker interface.
const SHAREABLE: &str = "javacard/framework/Shareable";

/// Why the built-in program could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuiltinError {
    /// A class names a superclass or interface that no built-in package defines.
    #[error("API class {class}: unknown {what} {name}")]
    UnknownClass {
        /// The class.
        class: String,
        /// "superclass" or "interface".
        what: &'static str,
        /// The missing name.
        name: String,
    },
    /// A class the VM needs is missing.
    #[error("API class {0} is missing")]
    Missing(&'static str),
    /// More classes than ids.
    #[error("too many API classes")]
    TooMany,
}

/// Words the arguments of a method descriptor take (`this` excluded), or `None` if the
/// descriptor is malformed.
pub fn descriptor_arg_words(descriptor: &str) -> Option<usize> {
    let inner = descriptor.strip_prefix('(')?.split(')').next()?;
    let mut chars = inner.chars();
    let mut words = 0usize;
    while let Some(c) = chars.next() {
        match c {
            'B' | 'Z' | 'S' | 'C' => words += 1,
            'I' => words += 2,
            'L' => {
                for c in chars.by_ref() {
                    if c == ';' {
                        break;
                    }
                }
                words += 1;
            }
            '[' => {
                let mut element = chars.next()?;
                while element == '[' {
                    element = chars.next()?;
                }
                if element == 'L' {
                    for c in chars.by_ref() {
                        if c == ';' {
                            break;
                        }
                    }
                }
                words += 1;
            }
            _ => return None,
        }
    }
    Some(words)
}

/// Words a descriptor's return value takes (0 for `void`, 2 for `int`).
pub fn descriptor_return_words(descriptor: &str) -> Option<u8> {
    match descriptor.rsplit(')').next()? {
        "V" => Some(0),
        "I" => Some(2),
        _ => Some(1),
    }
}

/// The native for method `name descriptor` of class `view`, searching the class and then its
/// superclasses from the nearest (the API tables list inherited methods under each class).
pub(crate) fn bind(view: &ClassView, name: &str, descriptor: &str) -> Option<super::NativeId> {
    binding(&view.name, name, descriptor).or_else(|| {
        view.supers
            .iter()
            .rev()
            .find_map(|s| binding(s, name, descriptor))
    })
}

/// Builds the program holding every built-in API package.
pub fn program(views: &[PackageView]) -> Result<Program, BuiltinError> {
    let mut packages = Vec::new();
    let mut index: HashMap<&str, (ClassId, &ClassView)> = HashMap::new();
    let mut order: Vec<(&ClassView, PackageId)> = Vec::new();
    for (p, view) in views.iter().enumerate() {
        let pkg = PackageId(u16::try_from(p).map_err(|_| BuiltinError::TooMany)?);
        let max_token = view.classes.iter().map(|c| c.token).max().unwrap_or(0);
        let mut class_by_token = vec![None; usize::from(max_token) + 1];
        for c in &view.classes {
            let id = ClassId(u16::try_from(order.len()).map_err(|_| BuiltinError::TooMany)?);
            if let Some(slot) = class_by_token.get_mut(usize::from(c.token)) {
                *slot = Some(id);
            }
            index.insert(c.name.as_str(), (id, c));
            order.push((c, pkg));
        }
        packages.push(Package {
            aid: view.aid.clone(),
            name: view.name.clone(),
            version: (view.version.major, view.version.minor),
            builtin: true,
            class_by_token,
            static_seg: u16::MAX,
            exports: Vec::new(),
            applets: Vec::new(),
        });
    }

    let resolve = |class: &ClassView, what: &'static str, name: &str| {
        index
            .get(name)
            .map(|x| x.0)
            .ok_or_else(|| BuiltinError::UnknownClass {
                class: class.name.clone(),
                what,
                name: name.to_string(),
            })
    };

    // Public vtables are built superclass first; supers lists are complete chains.
    let mut vtables: HashMap<ClassId, Vec<MethodTarget>> = HashMap::new();
    let mut by_depth: Vec<(usize, ClassId)> = order
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.supers.len(), ClassId(i as u16)))
        .collect();
    by_depth.sort();
    for (_, id) in &by_depth {
        let Some((view, _)) = order.get(usize::from(id.0)) else {
            continue;
        };
        let mut table = match view.supers.last() {
            Some(s) if !view.is_interface() => {
                let sid = resolve(view, "superclass", s)?;
                vtables.get(&sid).cloned().unwrap_or_default()
            }
            _ => Vec::new(),
        };
        if !view.is_interface() {
            for m in view
                .methods
                .iter()
                .filter(|m| m.kind() == MemberKind::Instance)
            {
                let target = if m.access & ACC_ABSTRACT != 0 {
                    MethodTarget::Abstract
                } else {
                    bind(view, &m.name, &m.descriptor)
                        .map_or(MethodTarget::Missing, MethodTarget::Native)
                };
                let t = usize::from(m.token);
                if table.len() <= t {
                    table.resize(t + 1, MethodTarget::Missing);
                }
                if let Some(slot) = table.get_mut(t) {
                    *slot = target;
                }
            }
        }
        vtables.insert(*id, table);
    }

    let mut classes = Vec::with_capacity(order.len());
    for (i, (view, pkg)) in order.iter().enumerate() {
        let id = ClassId(i as u16);
        let super_class = if view.is_interface() {
            None
        } else {
            match view.supers.last() {
                Some(s) => Some(resolve(view, "superclass", s)?),
                None => None,
            }
        };
        let mut interfaces = Vec::new();
        let mut itables = Vec::new();
        for name in &view.interfaces {
            let iid = resolve(view, "interface", name)?;
            interfaces.push(iid);
            if view.is_interface() {
                continue;
            }
            let Some((_, iview)) = index.get(name.as_str()) else {
                continue;
            };
            let mut tokens = Vec::new();
            for im in iview
                .methods
                .iter()
                .filter(|m| m.kind() == MemberKind::Instance)
            {
                let t = usize::from(im.token);
                if tokens.len() <= t {
                    tokens.resize(t + 1, u8::MAX);
                }
                let vt = view
                    .method_by_name(&im.name, &im.descriptor)
                    .map_or(u8::MAX, |m| m.token);
                if let Some(slot) = tokens.get_mut(t) {
                    *slot = vt;
                }
            }
            itables.push(InterfaceTable { iface: iid, tokens });
        }
        let is_shareable = view.name == SHAREABLE
            || (view.is_interface()
                && (view.is_shareable() || view.interfaces.iter().any(|n| n == SHAREABLE)));
        classes.push(Class {
            name: view.name.clone(),
            package: *pkg,
            is_interface: view.is_interface(),
            is_abstract: view.access & ACC_ABSTRACT != 0,
            is_shareable,
            super_class,
            interfaces,
            instance_words: 0,
            field_base: 0,
            public_vtable: vtables.remove(&id).unwrap_or_default(),
            package_vtable: Vec::new(),
            itables,
        });
    }

    let find = |name: &'static str| {
        index
            .get(name)
            .map(|x| x.0)
            .ok_or(BuiltinError::Missing(name))
    };
    let well_known = WellKnown {
        object: find("java/lang/Object")?,
        throwable: find("java/lang/Throwable")?,
        shareable: find(SHAREABLE)?,
        applet: find("javacard/framework/Applet")?,
        apdu: find("javacard/framework/APDU")?,
        aid: find("javacard/framework/AID")?,
        iso_exception: find("javacard/framework/ISOException")?,
    };
    let mut program = Program {
        classes,
        methods: Vec::new(),
        packages,
        well_known,
    };
    super::crypto::classes::add(&mut program)?;
    super::gp::classes::add(&mut program)?;
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_words() {
        assert_eq!(descriptor_arg_words("()V"), Some(0));
        assert_eq!(descriptor_arg_words("([BS[BSS)S"), Some(5));
        assert_eq!(
            descriptor_arg_words("(ILjava/lang/Object;[Ljava/lang/Object;I)V"),
            Some(6)
        );
        assert_eq!(descriptor_return_words("()I"), Some(2));
        assert_eq!(descriptor_return_words("()V"), Some(0));
        assert_eq!(descriptor_arg_words("(Q)V"), None);
    }

    #[test]
    fn framework_classes_bind_their_natives() {
        let api = crate::api::builtin().map_err(|e| e.to_string()).unwrap();
        let p = program(api.views()).unwrap();
        let iso = p.class_by_name("javacard/framework/ISOException").unwrap();
        // getReason is virtual token 1 of CardRuntimeException and its subclasses.
        assert_eq!(
            p.virtual_target(iso, 1),
            Some(MethodTarget::Native(
                super::super::NativeId::CardRuntimeExceptionGetReason
            ))
        );
        let applet = p.class_by_name("javacard/framework/Applet").unwrap();
        assert_eq!(p.virtual_target(applet, 7), Some(MethodTarget::Abstract));
        assert_eq!(
            p.virtual_target(applet, 3),
            Some(MethodTarget::Native(
                super::super::NativeId::AppletSelectingApplet
            ))
        );
        assert!(p.is_subclass(iso, p.well_known.throwable));
        let shareable = p.class(p.well_known.shareable).unwrap();
        assert!(shareable.is_shareable && shareable.is_interface);
        // OwnerPIN implements PIN: PIN.check (token 0) is OwnerPIN.check (token 1).
        let pin = p.class_by_name("javacard/framework/PIN").unwrap();
        let owner_pin = p.class_by_name("javacard/framework/OwnerPIN").unwrap();
        assert_eq!(
            p.interface_target(owner_pin, pin, 0),
            Some(MethodTarget::Native(super::super::NativeId::PinCheck))
        );
    }
}
