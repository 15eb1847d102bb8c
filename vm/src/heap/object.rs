//! Heap entries: class instances and arrays, each with its owning context (JCRE 3.0.5 §6.1.2).

use serde::{Deserialize, Serialize};

/// A firewall context (JCRE 3.0.5 §6.1.2): one per package, plus the JCRE's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContextId(pub u16);

impl ContextId {
    /// The JCRE context, privileged for every access.
    pub const JCRE: ContextId = ContextId(0);
}

/// A handle to a heap object. Never zero: the word 0 is `null` on the operand stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjRef(u32);

impl ObjRef {
    /// The handle carried by a stack word, `None` for `null`.
    #[inline(always)]
    pub fn from_word(word: i32) -> Option<ObjRef> {
        if word == 0 {
            None
        } else {
            Some(ObjRef(word as u32))
        }
    }

    /// The stack word for this handle.
    #[inline(always)]
    pub fn word(self) -> i32 {
        self.0 as i32
    }

    /// Arena index of this handle.
    #[inline(always)]
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }

    pub(crate) fn from_index(index: usize) -> Option<ObjRef> {
        u32::try_from(index).ok().filter(|&i| i != 0).map(ObjRef)
    }
}

/// Where an array's contents live (JCSystem `MEMORY_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Memory {
    /// Persistent (NVM): writes go through the transaction journal.
    Persistent,
    /// Transient, cleared on card reset (`CLEAR_ON_RESET`).
    ClearOnReset,
    /// Transient, cleared when the owning context's applets are deselected (`CLEAR_ON_DESELECT`).
    ClearOnDeselect,
}

/// The special firewall status of an object (JCRE 3.0.5 §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    /// An ordinary object: only its owning context (and the JCRE) may touch it.
    Normal,
    /// A permanent JCRE entry-point object: methods callable from any context; references
    /// may be stored.
    PermanentEntryPoint,
    /// A temporary JCRE entry-point object (the APDU object, JCRE-owned exceptions): methods
    /// callable from any context; references may not be stored in fields, statics or arrays.
    TemporaryEntryPoint,
    /// A global array (the APDU buffer, install parameters): accessible from any context;
    /// references may not be stored.
    GlobalArray,
}

/// The native state an API class keeps outside its Java fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NativeState {
    /// No native state.
    None,
    /// `Throwable` subclasses with a reason code (`CardException`, `CardRuntimeException`).
    Reason(i16),
    /// `javacard.framework.AID`: the AID bytes.
    Aid(Vec<u8>),
    /// `javacard.framework.OwnerPIN`.
    OwnerPin(PinState),
}

/// The state of an `OwnerPIN` (Java Card 3.0.5 API `OwnerPIN`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinState {
    /// Maximum number of tries.
    pub try_limit: u8,
    /// Maximum PIN length.
    pub max_size: u8,
    /// The PIN value.
    pub pin: Vec<u8>,
    /// Tries left before blocking.
    pub tries_remaining: u8,
    /// Validated since the last reset/deselect (the spec keeps this flag in transient memory).
    pub validated: bool,
}

/// The elements of an array.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArrayData {
    /// `boolean[]`: one byte per element, 0 or 1.
    Boolean(Vec<i8>),
    /// `byte[]`.
    Byte(Vec<i8>),
    /// `short[]`.
    Short(Vec<i16>),
    /// `int[]`.
    Int(Vec<i32>),
    /// An array of references whose element type is class `element` (a [`crate::program::ClassId`] index).
    Reference {
        /// Element class id.
        element: u16,
        /// Element handles, 0 for null.
        items: Vec<u32>,
    },
}

impl ArrayData {
    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            ArrayData::Boolean(v) | ArrayData::Byte(v) => v.len(),
            ArrayData::Short(v) => v.len(),
            ArrayData::Int(v) => v.len(),
            ArrayData::Reference { items, .. } => items.len(),
        }
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Approximate storage in bytes, for memory accounting.
    pub fn byte_size(&self) -> usize {
        match self {
            ArrayData::Boolean(v) | ArrayData::Byte(v) => v.len(),
            ArrayData::Short(v) => v.len() * 2,
            ArrayData::Int(v) => v.len() * 4,
            ArrayData::Reference { items, .. } => items.len() * 2,
        }
    }

    /// Sets every element to its default value (for transient clearing).
    pub fn clear(&mut self) {
        match self {
            ArrayData::Boolean(v) | ArrayData::Byte(v) => v.fill(0),
            ArrayData::Short(v) => v.fill(0),
            ArrayData::Int(v) => v.fill(0),
            ArrayData::Reference { items, .. } => items.fill(0),
        }
    }
}

/// A class instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// The instance's class (a [`crate::program::ClassId`] index).
    pub class: u16,
    /// Field words (an int field takes two).
    pub fields: Vec<i32>,
    /// Native state of API superclasses.
    pub native: NativeState,
}

/// An array.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Array {
    /// Persistent or transient.
    pub memory: Memory,
    /// The elements.
    pub data: ArrayData,
}

/// What a heap entry holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// A class instance.
    Instance(Instance),
    /// An array.
    Array(Array),
}

/// One heap entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// The owning context.
    pub owner: ContextId,
    /// Entry-point or global status.
    pub access: Access,
    /// The contents.
    pub body: Body,
}

impl Object {
    /// Approximate storage in bytes, for memory accounting.
    pub fn byte_size(&self) -> usize {
        const HEADER: usize = 8;
        HEADER
            + match &self.body {
                Body::Instance(i) => i.fields.len() * 2,
                Body::Array(a) => a.data.byte_size(),
            }
    }
}
