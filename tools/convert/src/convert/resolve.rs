//! Resolution of the class file's symbolic references (JVMS §5.4.3) to what the Java Card
//! constant pool names: internal offsets or external tokens.

use jcos_vm::export::MemberKind;

use super::error::{ConvertError, Location};
use super::tokens::{is_constant, Tokens};
use super::types::{JType, MethodType};
use super::world::{ClassId, World};
use crate::classfile::{ConstantValue, MemberRef, ACC_PRIVATE};

/// A static field or static method in the Java Card constant pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StaticKey {
    /// Static field `field` (index in the class file) of internal class `class`.
    Field {
        /// Internal class index.
        class: usize,
        /// Field index in its class file.
        field: usize,
    },
    /// Method `method` (index in the class file) of internal class `class`.
    Method {
        /// Internal class index.
        class: usize,
        /// Method index in its class file.
        method: usize,
    },
    /// A static field or method of an imported class, by token.
    External {
        /// The class.
        class: ClassId,
        /// Static field or method token.
        token: u8,
    },
}

/// What a field reference resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldTarget {
    /// A compile-time constant: its value is pushed.
    Constant(i32),
    /// A static field.
    Static(StaticKey),
    /// An instance field of `class` (the declaring class) with `token`.
    Instance {
        /// Declaring class.
        class: ClassId,
        /// Instance field token.
        token: u8,
    },
}

/// What a method invocation resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeTarget {
    /// `invokestatic`.
    Static(StaticKey),
    /// `invokespecial` of a constructor.
    Constructor(StaticKey),
    /// `invokespecial` of a private instance method (`invokevirtual` from javac 11 on).
    Private(StaticKey),
    /// `invokespecial` of a superclass method: the token in the current class.
    Super(u8),
    /// `invokevirtual` of `class` with a virtual method token.
    Virtual {
        /// A class declaring the method.
        class: ClassId,
        /// Virtual method token (high bit set for package methods).
        token: u8,
    },
    /// `invokeinterface` of `class` with an interface method token.
    Interface {
        /// The interface.
        class: ClassId,
        /// Interface method token.
        token: u8,
    },
}

/// Resolves references on behalf of the class being converted.
pub struct Resolver<'a> {
    /// The world.
    pub world: &'a World,
    /// The tokens.
    pub tokens: &'a Tokens,
}

impl Resolver<'_> {
    /// The classes searched for a field: the class, its superinterfaces, then superclasses.
    fn field_search_order(&self, c: ClassId) -> Vec<ClassId> {
        let mut out = vec![c];
        out.extend(self.world.interface_closure(c).into_iter().rev());
        for s in self.world.superclasses(c) {
            out.push(s);
            out.extend(self.world.interface_closure(s).into_iter().rev());
        }
        out
    }

    /// Resolves a field reference for `getstatic`/`putstatic` (`is_static`) or
    /// `getfield`/`putfield`.
    pub fn field(
        &self,
        r: &MemberRef,
        is_static: bool,
        at: &Location,
    ) -> Result<(FieldTarget, JType), ConvertError> {
        let ty = JType::parse_field(&r.descriptor).ok_or_else(|| {
            ConvertError::link(at.clone(), format!("bad field descriptor {}", r.descriptor))
        })?;
        if let Some(reason) = ty.unsupported_reason(true) {
            return Err(ConvertError::unsupported(
                at.clone(),
                format!("field {}.{}: {reason}", r.class.replace('/', "."), r.name),
            ));
        }
        let start = self.world.resolve(&r.class, at)?;
        for c in self.field_search_order(start) {
            match c {
                ClassId::Internal(ci) => {
                    let Some(class) = self.world.class(ci) else {
                        continue;
                    };
                    let Some((fi, f)) = class
                        .cf
                        .fields
                        .iter()
                        .enumerate()
                        .find(|(_, f)| f.name == r.name && f.descriptor == r.descriptor)
                    else {
                        continue;
                    };
                    if f.is_static() != is_static {
                        return Err(ConvertError::link(
                            at.clone(),
                            format!(
                                "field {}.{} changed between static and instance",
                                class.name(),
                                f.name
                            ),
                        ));
                    }
                    if is_static {
                        if is_constant(f) {
                            if let Some(ConstantValue::Int(v)) = f.constant_value {
                                return Ok((FieldTarget::Constant(v), ty));
                            }
                        }
                        return Ok((
                            FieldTarget::Static(StaticKey::Field {
                                class: ci,
                                field: fi,
                            }),
                            ty,
                        ));
                    }
                    let token = self
                        .tokens
                        .classes
                        .get(ci)
                        .and_then(|t| t.instance_fields.get(&f.name))
                        .copied()
                        .ok_or_else(|| {
                            ConvertError::link(at.clone(), format!("no token for field {}", f.name))
                        })?;
                    return Ok((FieldTarget::Instance { class: c, token }, ty));
                }
                ClassId::External(p, k) => {
                    let Some(v) = self.world.view(p, k) else {
                        continue;
                    };
                    let Some(f) = v
                        .fields
                        .iter()
                        .find(|f| f.name == r.name && f.descriptor == r.descriptor)
                    else {
                        continue;
                    };
                    if is_static {
                        if let Some(value) = f.constant {
                            return Ok((FieldTarget::Constant(value), ty));
                        }
                        if f.kind() == MemberKind::Static {
                            return Ok((
                                FieldTarget::Static(StaticKey::External {
                                    class: c,
                                    token: f.token,
                                }),
                                ty,
                            ));
                        }
                    } else if f.kind() == MemberKind::Instance {
                        return Ok((
                            FieldTarget::Instance {
                                class: c,
                                token: f.token,
                            },
                            ty,
                        ));
                    }
                    return Err(ConvertError::link(
                        at.clone(),
                        format!(
                            "field {}.{} changed between static and instance",
                            v.name, f.name
                        ),
                    ));
                }
            }
        }
        Err(ConvertError::link(
            at.clone(),
            format!(
                "no field {} {} in {} or its supertypes",
                r.name,
                r.descriptor,
                r.class.replace('/', ".")
            ),
        ))
    }

    fn find_static(&self, c: ClassId, name: &str, descriptor: &str) -> Option<StaticKey> {
        match c {
            ClassId::Internal(ci) => {
                let class = self.world.class(ci)?;
                let (mi, _) = class.cf.methods.iter().enumerate().find(|(_, m)| {
                    m.name == name
                        && m.descriptor == descriptor
                        && (m.is_static() || name == "<init>")
                })?;
                Some(StaticKey::Method {
                    class: ci,
                    method: mi,
                })
            }
            ClassId::External(p, k) => {
                let m = self.world.view(p, k)?.method_by_name(name, descriptor)?;
                (m.kind() == MemberKind::Static).then_some(StaticKey::External {
                    class: c,
                    token: m.token,
                })
            }
        }
    }

    /// The virtual method token of `name descriptor` as seen from class `c`, with the class
    /// declaring it.
    pub fn virtual_token(&self, c: ClassId, name: &str, descriptor: &str) -> Option<(ClassId, u8)> {
        let key = (name.to_owned(), descriptor.to_owned());
        let mut chain = vec![c];
        chain.extend(self.world.superclasses(c));
        for k in chain {
            match k {
                ClassId::Internal(ci) => {
                    let class = self.world.class(ci)?;
                    let declares =
                        class.cf.methods.iter().any(|m| {
                            m.name == name && m.descriptor == descriptor && !m.is_static()
                        });
                    if !declares {
                        continue;
                    }
                    let t = self.tokens.classes.get(ci)?;
                    if let Some(&tok) = t.public_vt.get(&key) {
                        return Some((k, tok));
                    }
                    if let Some(&tok) = t.package_vt.get(&key) {
                        return Some((k, tok | 0x80));
                    }
                    return None;
                }
                ClassId::External(p, x) => {
                    let m = self.world.view(p, x)?.method_by_name(name, descriptor)?;
                    return (m.kind() == MemberKind::Instance).then_some((k, m.token));
                }
            }
        }
        // An interface method an abstract class did not declare.
        if let ClassId::Internal(ci) = c {
            let t = self.tokens.classes.get(ci)?;
            if let Some(&tok) = t.public_vt.get(&key) {
                return Some((c, tok));
            }
        }
        None
    }

    /// The private instance method `name descriptor` of internal class `ci`, if any.
    fn private_method(&self, c: ClassId, name: &str, descriptor: &str) -> Option<StaticKey> {
        let ClassId::Internal(ci) = c else {
            return None;
        };
        let class = self.world.class(ci)?;
        let (mi, _) = class.cf.methods.iter().enumerate().find(|(_, m)| {
            m.name == name
                && m.descriptor == descriptor
                && !m.is_static()
                && m.access_flags & ACC_PRIVATE != 0
        })?;
        Some(StaticKey::Method {
            class: ci,
            method: mi,
        })
    }

    /// Resolves an invocation by `current` (internal class index) of kind `op`
    /// (`invokestatic`, `invokespecial`, `invokevirtual`, `invokeinterface`).
    pub fn invoke(
        &self,
        current: usize,
        op: &str,
        r: &MemberRef,
        at: &Location,
    ) -> Result<(InvokeTarget, MethodType), ConvertError> {
        let mt = MethodType::parse(&r.descriptor).ok_or_else(|| {
            ConvertError::link(
                at.clone(),
                format!("bad method descriptor {}", r.descriptor),
            )
        })?;
        for t in mt.all() {
            if let Some(reason) = t.unsupported_reason(true) {
                return Err(ConvertError::unsupported(
                    at.clone(),
                    format!(
                        "method {}.{}{}: {reason}",
                        r.class.replace('/', "."),
                        r.name,
                        r.descriptor
                    ),
                ));
            }
        }
        let c = self.world.resolve(&r.class, at)?;
        let missing = || {
            ConvertError::link(
                at.clone(),
                format!(
                    "no method {}{} in {} or its supertypes",
                    r.name,
                    r.descriptor,
                    r.class.replace('/', ".")
                ),
            )
        };
        let target = match op {
            "invokestatic" => {
                let mut chain = vec![c];
                chain.extend(self.world.superclasses(c));
                let key = chain
                    .into_iter()
                    .find_map(|k| self.find_static(k, &r.name, &r.descriptor))
                    .ok_or_else(missing)?;
                InvokeTarget::Static(key)
            }
            "invokespecial" if r.name == "<init>" => InvokeTarget::Constructor(
                self.find_static(c, &r.name, &r.descriptor)
                    .ok_or_else(missing)?,
            ),
            "invokespecial" | "invokevirtual" => {
                if let Some(k) = self.private_method(c, &r.name, &r.descriptor) {
                    InvokeTarget::Private(k)
                } else if op == "invokespecial" {
                    let (_, token) = self
                        .virtual_token(c, &r.name, &r.descriptor)
                        .ok_or_else(missing)?;
                    let _ = current;
                    InvokeTarget::Super(token)
                } else {
                    if self.world.is_interface(c) {
                        return Err(ConvertError::unsupported(
                            at.clone(),
                            format!("invokevirtual of interface {}", r.class),
                        ));
                    }
                    let (class, token) = self
                        .virtual_token(c, &r.name, &r.descriptor)
                        .ok_or_else(missing)?;
                    InvokeTarget::Virtual { class, token }
                }
            }
            "invokeinterface" => {
                let methods = super::tokens::interface_methods_of(self.world, self.tokens, c);
                let pos = methods.iter().position(|(n, d)| *n == r.name && *d == r.descriptor).ok_or_else(|| {
                    ConvertError::unsupported(
                        at.clone(),
                        format!("interface {} has no method {}{} (methods of Object cannot be called through interfaces in Java Card)", r.class.replace('/', "."), r.name, r.descriptor),
                    )
                })?;
                InvokeTarget::Interface {
                    class: c,
                    token: u8::try_from(pos).map_err(|_| missing())?,
                }
            }
            other => {
                return Err(ConvertError::link(
                    at.clone(),
                    format!("unknown invocation {other}"),
                ))
            }
        };
        Ok((target, mt))
    }
}
