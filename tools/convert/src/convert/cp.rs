//! The Java Card constant pool, built from the symbolic references the methods use.
//!
//! Entries are numbered in the order the converter first meets them, except that instance
//! field references come first, so `getfield_<t>`/`putfield_<t>` (one-byte index) fit.

use std::collections::BTreeMap;

use super::resolve::StaticKey;
use super::types::{JType, MethodType};
use super::world::ClassId;

/// A constant pool entry, symbolically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CpKey {
    /// `CONSTANT_Classref`.
    Class(ClassId),
    /// `CONSTANT_InstanceFieldref`.
    InstanceField {
        /// Declaring class.
        class: ClassId,
        /// Instance field token.
        token: u8,
    },
    /// `CONSTANT_VirtualMethodref`.
    VirtualMethod {
        /// A class declaring the method.
        class: ClassId,
        /// Virtual method token.
        token: u8,
    },
    /// `CONSTANT_SuperMethodref`.
    SuperMethod {
        /// The internal class whose method makes the `super` call.
        class: usize,
        /// Virtual method token.
        token: u8,
    },
    /// `CONSTANT_StaticFieldref`.
    StaticField(StaticKey),
    /// `CONSTANT_StaticMethodref`.
    StaticMethod(StaticKey),
}

/// The type an entry's descriptor records (Descriptor component `constant_pool_types`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpType {
    /// Class references have no type.
    None,
    /// A field's type.
    Field(JType),
    /// A method's signature.
    Method(MethodType),
}

/// Entries as they are met, then numbered.
#[derive(Debug, Default)]
pub struct ConstantPool {
    met: Vec<CpKey>,
    info: BTreeMap<CpKey, (CpType, String)>,
    index: BTreeMap<CpKey, u16>,
    order: Vec<CpKey>,
}

impl ConstantPool {
    /// Records a use of `key`, with its type and a readable name for listings.
    pub fn meet(&mut self, key: CpKey, ty: CpType, name: impl FnOnce() -> String) {
        if !self.info.contains_key(&key) {
            self.met.push(key);
            self.info.insert(key, (ty, name()));
        }
    }

    /// Numbers the entries: instance field references first, then the rest, each in the
    /// order met.
    pub fn number(&mut self) -> Result<(), String> {
        let (fields, rest): (Vec<CpKey>, Vec<CpKey>) = self
            .met
            .iter()
            .partition(|k| matches!(k, CpKey::InstanceField { .. }));
        self.order = fields.into_iter().chain(rest).collect();
        if self.order.len() > 0xFFFF {
            return Err(format!(
                "{} constant pool entries, more than 65535",
                self.order.len()
            ));
        }
        self.index = self
            .order
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        Ok(())
    }

    /// The index of `key` (after [`ConstantPool::number`]).
    pub fn index(&self, key: &CpKey) -> Option<u16> {
        self.index.get(key).copied()
    }

    /// The entries in index order.
    pub fn entries(&self) -> &[CpKey] {
        &self.order
    }

    /// Type and name of `key`.
    pub fn info(&self, key: &CpKey) -> Option<&(CpType, String)> {
        self.info.get(key)
    }

    /// Moves an entry that is not a class reference to index 0 if the first entry is a class
    /// reference used as a catch type: `catch_type_index` 0 means "any exception".
    pub fn avoid_catch_at_zero(&mut self, catch_types: &[CpKey]) -> Result<(), String> {
        let Some(first) = self.order.first().copied() else {
            return Ok(());
        };
        if !catch_types.contains(&first) {
            return Ok(());
        }
        let Some(pos) = self.order.iter().position(|k| !catch_types.contains(k)) else {
            return Err(
                "the constant pool holds only exception classes; add any other reference".into(),
            );
        };
        let k = self.order.remove(pos);
        self.order.insert(0, k);
        self.index = self
            .order
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        Ok(())
    }
}
