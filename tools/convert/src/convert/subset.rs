//! The Java Card language subset at the level of declarations: class kinds, field types,
//! method signatures and modifiers. Bytecode is checked as it is converted.

use super::error::{ConvertError, Location};
use super::types::{JType, MethodType};
use super::world::{ClassId, World};
use crate::classfile::{ACC_ANNOTATION, ACC_ENUM, ACC_NATIVE, ACC_SYNCHRONIZED};

/// Checks every class of the package.
pub fn check(world: &World, int_allowed: bool) -> Result<(), ConvertError> {
    for (ci, class) in world.classes.iter().enumerate() {
        let cf = &class.cf;
        if cf.access_flags & ACC_ANNOTATION != 0 {
            return Err(ConvertError::unsupported(
                class.at(),
                "annotation types are not supported by Java Card",
            ));
        }
        if cf.access_flags & ACC_ENUM != 0 {
            return Err(ConvertError::unsupported(
                class.at(),
                "enum types are not supported by Java Card",
            ));
        }
        if world.is_subtype_of(ClassId::Internal(ci), "java/rmi/Remote") {
            return Err(ConvertError::unsupported(
                class.at(),
                "remote interfaces (Java Card RMI) are not supported by this converter",
            ));
        }
        if let Some(s) = &cf.super_class {
            world.resolve(s, &class.at())?;
        }
        for i in &cf.interfaces {
            world.resolve(i, &class.at())?;
        }
        for f in &cf.fields {
            let at = Location {
                field: Some(f.name.clone()),
                ..class.at()
            };
            let t = JType::parse_field(&f.descriptor).ok_or_else(|| {
                ConvertError::unsupported(
                    at.clone(),
                    format!("bad field descriptor {}", f.descriptor),
                )
            })?;
            if let Some(reason) = t.unsupported_reason(int_allowed) {
                return Err(ConvertError::unsupported(at, reason));
            }
            check_class_type(world, &t, &at)?;
        }
        for m in &cf.methods {
            let at = class.at_method(m, None);
            let at = match m.code.as_ref().and_then(|c| c.line_numbers.first()) {
                Some(l) => Location {
                    line: Some(l.line_number),
                    ..at
                },
                None => at,
            };
            if m.access_flags & ACC_NATIVE != 0 {
                return Err(ConvertError::unsupported(
                    at,
                    "native methods are not supported by Java Card",
                ));
            }
            if m.access_flags & ACC_SYNCHRONIZED != 0 {
                return Err(ConvertError::unsupported(
                    at,
                    "synchronized methods (threads) are not supported by Java Card",
                ));
            }
            if class.is_interface() && m.name != "<clinit>" && m.code.is_some() {
                return Err(ConvertError::unsupported(at, "interface methods with a body (default, static or private) are not supported by Java Card"));
            }
            let mt = MethodType::parse(&m.descriptor).ok_or_else(|| {
                ConvertError::unsupported(
                    at.clone(),
                    format!("bad method descriptor {}", m.descriptor),
                )
            })?;
            for t in mt.all() {
                if let Some(reason) = t.unsupported_reason(int_allowed) {
                    return Err(ConvertError::unsupported(at, reason));
                }
                check_class_type(world, t, &at)?;
            }
            if mt.param_words().saturating_add(u16::from(!m.is_static())) > 255 {
                return Err(ConvertError::unsupported(
                    at,
                    "more than 255 words of arguments",
                ));
            }
        }
    }
    Ok(())
}

/// A class named in a declaration must resolve, since descriptors name it by token.
fn check_class_type(world: &World, t: &JType, at: &Location) -> Result<(), ConvertError> {
    match t {
        JType::Class(c) => world.resolve(c, at).map(|_| ()),
        JType::Array(e) => check_class_type(world, e, at),
        _ => Ok(()),
    }
}
