//! The ConstantPool component (§6.7): six kinds of four-byte entries.

use super::common::{ClassRef, StaticRef};
use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;
use std::fmt;

/// `CONSTANT_Classref`.
pub const CONSTANT_CLASSREF: u8 = 1;
/// `CONSTANT_InstanceFieldref`.
pub const CONSTANT_INSTANCE_FIELDREF: u8 = 2;
/// `CONSTANT_VirtualMethodref`.
pub const CONSTANT_VIRTUAL_METHODREF: u8 = 3;
/// `CONSTANT_SuperMethodref`.
pub const CONSTANT_SUPER_METHODREF: u8 = 4;
/// `CONSTANT_StaticFieldref`.
pub const CONSTANT_STATIC_FIELDREF: u8 = 5;
/// `CONSTANT_StaticMethodref`.
pub const CONSTANT_STATIC_METHODREF: u8 = 6;

/// One `cp_info` entry, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CpInfo {
    /// `CONSTANT_Classref_info` (padding byte zero).
    Classref(ClassRef),
    /// `CONSTANT_InstanceFieldref_info`: class and instance field token.
    InstanceFieldref {
        /// The class declaring the field.
        class: ClassRef,
        /// Instance field token.
        token: u8,
    },
    /// `CONSTANT_VirtualMethodref_info`: class and virtual method token.
    VirtualMethodref {
        /// The class the method is looked up in.
        class: ClassRef,
        /// Virtual method token.
        token: u8,
    },
    /// `CONSTANT_SuperMethodref_info`: the class whose superclass is searched, and the token.
    SuperMethodref {
        /// The class containing the `invokespecial` super call.
        class: ClassRef,
        /// Virtual method token.
        token: u8,
    },
    /// `CONSTANT_StaticFieldref_info`.
    StaticFieldref(StaticRef),
    /// `CONSTANT_StaticMethodref_info`.
    StaticMethodref(StaticRef),
}

impl CpInfo {
    /// The entry's tag.
    pub fn tag(&self) -> u8 {
        match self {
            CpInfo::Classref(_) => CONSTANT_CLASSREF,
            CpInfo::InstanceFieldref { .. } => CONSTANT_INSTANCE_FIELDREF,
            CpInfo::VirtualMethodref { .. } => CONSTANT_VIRTUAL_METHODREF,
            CpInfo::SuperMethodref { .. } => CONSTANT_SUPER_METHODREF,
            CpInfo::StaticFieldref(_) => CONSTANT_STATIC_FIELDREF,
            CpInfo::StaticMethodref(_) => CONSTANT_STATIC_METHODREF,
        }
    }

    /// The specification's name of the entry kind.
    pub fn kind_name(&self) -> &'static str {
        match self {
            CpInfo::Classref(_) => "Classref",
            CpInfo::InstanceFieldref { .. } => "InstanceFieldref",
            CpInfo::VirtualMethodref { .. } => "VirtualMethodref",
            CpInfo::SuperMethodref { .. } => "SuperMethodref",
            CpInfo::StaticFieldref(_) => "StaticFieldref",
            CpInfo::StaticMethodref(_) => "StaticMethodref",
        }
    }

    /// The class reference the entry carries, if any (static references carry tokens instead).
    pub fn class_ref(&self) -> Option<ClassRef> {
        match *self {
            CpInfo::Classref(c)
            | CpInfo::InstanceFieldref { class: c, .. }
            | CpInfo::VirtualMethodref { class: c, .. }
            | CpInfo::SuperMethodref { class: c, .. } => Some(c),
            CpInfo::StaticFieldref(_) | CpInfo::StaticMethodref(_) => None,
        }
    }

    /// Decodes one four-byte entry.
    fn read(r: &mut Reader<'_>) -> Result<Self, CapError> {
        let at = r.offset();
        let tag = r.u1("cp_info tag")?;
        let entry = match tag {
            CONSTANT_CLASSREF => {
                let class = ClassRef::read(r, "Classref class_ref")?;
                let pad_at = r.offset();
                let padding = r.u1("Classref padding")?;
                if padding != 0 {
                    return Err(r.error_at(
                        pad_at,
                        format!("Classref padding {padding:#04x} is not zero"),
                    ));
                }
                CpInfo::Classref(class)
            }
            CONSTANT_INSTANCE_FIELDREF | CONSTANT_VIRTUAL_METHODREF | CONSTANT_SUPER_METHODREF => {
                let class = ClassRef::read(r, "class")?;
                let token = r.u1("token")?;
                match tag {
                    CONSTANT_INSTANCE_FIELDREF => CpInfo::InstanceFieldref { class, token },
                    CONSTANT_VIRTUAL_METHODREF => CpInfo::VirtualMethodref { class, token },
                    _ => CpInfo::SuperMethodref { class, token },
                }
            }
            CONSTANT_STATIC_FIELDREF => {
                CpInfo::StaticFieldref(StaticRef::read(r, "static_field_ref")?)
            }
            CONSTANT_STATIC_METHODREF => {
                CpInfo::StaticMethodref(StaticRef::read(r, "static_method_ref")?)
            }
            other => return Err(r.error_at(at, format!("constant pool tag {other} is not 1..=6"))),
        };
        Ok(entry)
    }

    fn write(&self, w: &mut Writer) {
        w.u1(self.tag());
        match *self {
            CpInfo::Classref(c) => {
                c.write(w);
                w.u1(0);
            }
            CpInfo::InstanceFieldref { class, token }
            | CpInfo::VirtualMethodref { class, token }
            | CpInfo::SuperMethodref { class, token } => {
                class.write(w);
                w.u1(token);
            }
            CpInfo::StaticFieldref(s) | CpInfo::StaticMethodref(s) => s.write(w),
        }
    }
}

impl fmt::Display for CpInfo {
    /// The .jca-like form with raw tokens: `virtualMethodRef 1.3.1`, `classRef @0x0012`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpInfo::Classref(c) => write!(f, "classRef {c}"),
            CpInfo::InstanceFieldref { class, token } => {
                write!(f, "instanceFieldRef {class}.{token}")
            }
            CpInfo::VirtualMethodref { class, token } => {
                write!(f, "virtualMethodRef {class}.{token}")
            }
            CpInfo::SuperMethodref { class, token } => write!(f, "superMethodRef {class}.{token}"),
            CpInfo::StaticFieldref(s) => write!(f, "staticFieldRef {s}"),
            CpInfo::StaticMethodref(s) => write!(f, "staticMethodRef {s}"),
        }
    }
}

/// `constant_pool_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstantPoolComponent {
    /// The entries; bytecodes index this table.
    pub constant_pool: Vec<CpInfo>,
}

impl ConstantPoolComponent {
    /// Entry `index`.
    pub fn get(&self, index: u16) -> Option<&CpInfo> {
        self.constant_pool.get(usize::from(index))
    }

    /// Offset of entry `index` inside the component's `info`.
    pub fn entry_offset(index: usize) -> usize {
        index.saturating_mul(4).saturating_add(2)
    }

    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::CONSTANT_POOL, info);
        let count = r.u2("count")?;
        r.check_table(usize::from(count), 4, "constant_pool")?;
        let mut constant_pool = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            constant_pool.push(CpInfo::read(&mut r)?);
        }
        r.finish()?;
        Ok(ConstantPoolComponent { constant_pool })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::CONSTANT_POOL);
        w.count_u2(self.constant_pool.len(), "count");
        for e in &self.constant_pool {
            e.write(&mut w);
        }
        w.finish()
    }
}
