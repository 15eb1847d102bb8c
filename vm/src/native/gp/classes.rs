//! The JCRE's classes behind the `org.globalplatform` interfaces the OPEN hands out:
//! `GPRegistryEntry` and `CVM`. They belong to the API package, have no class token (no
//! CAP file can name them), extend `java.lang.Object` and bind every interface method to a
//! native of this module.

use super::{binding, GpNative};
use crate::export::MemberKind;
use crate::native::builtin::BuiltinError;
use crate::native::NativeId;
use crate::program::{Class, ClassId, InterfaceTable, MethodTarget, Program};

/// The class of registry entry objects (field word 0: the entry's AID object).
pub const REGISTRY_ENTRY: &str = "jcos/gp/GPRegistryEntryImpl";
/// Field words of a registry entry object.
pub const REGISTRY_ENTRY_WORDS: u16 = 1;
/// The class of the global PIN (native state: an `OwnerPIN` state; field word 0: its
/// session state, a CLEAR_ON_RESET byte array).
pub const GLOBAL_PIN: &str = "jcos/gp/GlobalPIN";

/// Field words of the global PIN object.
pub const GLOBAL_PIN_WORDS: u16 = 1;

/// Implementation classes: name, implemented API interface, field words.
const IMPLS: &[(&str, &str, u16)] = &[
    (
        REGISTRY_ENTRY,
        "org/globalplatform/GPRegistryEntry",
        REGISTRY_ENTRY_WORDS,
    ),
    (GLOBAL_PIN, "org/globalplatform/CVM", GLOBAL_PIN_WORDS),
];

fn missing(name: &'static str) -> BuiltinError {
    BuiltinError::Missing(name)
}

/// Adds the implementation classes to the built-in program.
pub fn add(program: &mut Program) -> Result<(), BuiltinError> {
    let api = crate::api::builtin().map_err(|_| missing("API tables"))?;
    let view = |name: &str| {
        api.views()
            .iter()
            .find_map(|p| p.classes.iter().find(|c| c.name == name))
    };
    let object = program.well_known.object;
    let base = program
        .class(object)
        .map(|c| c.public_vtable.clone())
        .ok_or(missing("java/lang/Object"))?;
    for (name, iface, words) in IMPLS {
        let iv = view(iface).ok_or(missing("org.globalplatform interface"))?;
        let iid: ClassId = program
            .class_by_name(iface)
            .ok_or(missing("org.globalplatform interface"))?;
        let package = program
            .class(iid)
            .map(|c| c.package)
            .ok_or(missing("org.globalplatform interface"))?;
        let mut interfaces = vec![iid];
        for s in &iv.interfaces {
            let sid = program
                .class_by_name(s)
                .ok_or(missing("org.globalplatform superinterface"))?;
            if !interfaces.contains(&sid) {
                interfaces.push(sid);
            }
        }
        // Every interface method gets a new public virtual slot after Object's.
        let mut vtable = base.clone();
        let mut tokens = Vec::new();
        for im in iv
            .methods
            .iter()
            .filter(|m| m.kind() == MemberKind::Instance)
        {
            let slot = u8::try_from(vtable.len()).map_err(|_| BuiltinError::TooMany)?;
            vtable.push(
                binding(iface, &im.name, &im.descriptor)
                    .map_or(MethodTarget::Missing, |n: GpNative| {
                        MethodTarget::Native(NativeId::Gp(n))
                    }),
            );
            let t = usize::from(im.token);
            if tokens.len() <= t {
                tokens.resize(t + 1, u8::MAX);
            }
            if let Some(x) = tokens.get_mut(t) {
                *x = slot;
            }
        }
        program.classes.push(Class {
            name: (*name).to_string(),
            package,
            is_interface: false,
            is_abstract: false,
            is_shareable: false,
            super_class: Some(object),
            interfaces,
            instance_words: *words,
            field_base: 0,
            public_vtable: vtable,
            package_vtable: Vec::new(),
            itables: vec![InterfaceTable { iface: iid, tokens }],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implementation_classes_dispatch_every_interface_method_to_a_native() {
        let api = crate::api::builtin().map_err(|e| e.to_string()).unwrap();
        let p = crate::native::builtin::program(api.views()).unwrap();
        for (name, iface, methods) in [
            (REGISTRY_ENTRY, "org/globalplatform/GPRegistryEntry", 8u8),
            (GLOBAL_PIN, "org/globalplatform/CVM", 11),
        ] {
            let class = p.class_by_name(name).unwrap();
            let i = p.class_by_name(iface).unwrap();
            assert!(p.class_assignable(class, i), "{name}");
            assert!(p.class_assignable(class, p.well_known.shareable), "{name}");
            for token in 0..methods {
                assert!(
                    matches!(
                        p.interface_target(class, i, token),
                        Some(MethodTarget::Native(NativeId::Gp(_)))
                    ),
                    "{iface} token {token}"
                );
            }
        }
    }
}
