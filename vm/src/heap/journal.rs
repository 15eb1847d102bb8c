//! The transaction journal (the commit buffer of JCRE 3.0.5 §7.8): old values of persistent
//! locations written inside `JCSystem.beginTransaction` .. `commitTransaction`, replayed
//! backwards on abort and on the power-up after a tear, and the objects the transaction
//! created, which an abort makes unreachable (§7.6.3).

use serde::{Deserialize, Serialize};

use super::{NativeState, ObjRef};
use crate::program::StaticAddr;

/// The old value of one persistent location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Undo {
    /// An instance field word.
    Field {
        /// The instance.
        obj: ObjRef,
        /// Field word.
        slot: u16,
        /// Old value.
        old: i32,
    },
    /// A byte or boolean array element.
    Byte {
        /// The array.
        obj: ObjRef,
        /// Element index.
        index: u16,
        /// Old value.
        old: i8,
    },
    /// A short array element.
    Short {
        /// The array.
        obj: ObjRef,
        /// Element index.
        index: u16,
        /// Old value.
        old: i16,
    },
    /// An int array element.
    Int {
        /// The array.
        obj: ObjRef,
        /// Element index.
        index: u16,
        /// Old value.
        old: i32,
    },
    /// A reference array element.
    Ref {
        /// The array.
        obj: ObjRef,
        /// Element index.
        index: u16,
        /// Old handle.
        old: u32,
    },
    /// A range of a byte array (`Util.arrayCopy`, `arrayFill`).
    Bytes {
        /// The array.
        obj: ObjRef,
        /// First index.
        offset: u16,
        /// Old bytes.
        old: Vec<i8>,
    },
    /// A static reference field.
    StaticRef {
        /// The field.
        addr: StaticAddr,
        /// Old handle.
        old: i32,
    },
    /// Bytes of a static primitive field.
    StaticBytes {
        /// The field.
        addr: StaticAddr,
        /// Old bytes.
        old: Vec<u8>,
    },
    /// The native state of an API object.
    Native {
        /// The instance.
        obj: ObjRef,
        /// Old state.
        old: NativeState,
    },
}

impl Undo {
    /// Journal bytes this entry costs (location plus old value), for the commit capacity.
    pub fn cost(&self) -> usize {
        const LOCATION: usize = 4;
        LOCATION
            + match self {
                Undo::Field { .. } | Undo::Short { .. } | Undo::Ref { .. } => 2,
                Undo::Byte { .. } => 1,
                Undo::Int { .. } => 4,
                Undo::StaticRef { .. } => 2,
                Undo::Bytes { old, .. } => old.len(),
                Undo::StaticBytes { old, .. } => old.len(),
                Undo::Native { .. } => 16,
            }
    }
}

/// The journal of the open transaction (Java Card transactions do not nest).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    open: bool,
    entries: Vec<Undo>,
    used: usize,
    capacity: usize,
    /// Objects created since `beginTransaction`, oldest first.
    created: Vec<ObjRef>,
}

impl Journal {
    /// A closed journal holding at most `capacity` bytes.
    pub fn new(capacity: usize) -> Journal {
        Journal {
            open: false,
            entries: Vec::new(),
            used: 0,
            capacity,
            created: Vec::new(),
        }
    }

    /// Whether a transaction is in progress.
    #[inline(always)]
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Starts a transaction.
    pub fn open(&mut self) {
        self.open = true;
        self.entries.clear();
        self.created.clear();
        self.used = 0;
    }

    /// Commits: forgets the old values and the created objects.
    pub fn close(&mut self) {
        self.open = false;
        self.entries.clear();
        self.created.clear();
        self.used = 0;
    }

    /// Ends the transaction and hands back the old values and the created objects, oldest
    /// first.
    pub fn take(&mut self) -> (Vec<Undo>, Vec<ObjRef>) {
        self.open = false;
        self.used = 0;
        (
            std::mem::take(&mut self.entries),
            std::mem::take(&mut self.created),
        )
    }

    /// Records an old value; gives it back when the journal is full.
    pub fn log(&mut self, undo: Undo) -> Result<(), Undo> {
        let cost = undo.cost();
        match self.used.checked_add(cost) {
            Some(used) if used <= self.capacity => {
                self.used = used;
                self.entries.push(undo);
                Ok(())
            }
            _ => Err(undo),
        }
    }

    /// Records an object created inside the transaction (no commit capacity is used: the
    /// object's contents are new, there is no old value to keep).
    pub fn created(&mut self, r: ObjRef) {
        self.created.push(r);
    }

    /// Number of old values journaled in the open transaction.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no old value is journaled.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes still free (`JCSystem.getUnusedCommitCapacity`).
    pub fn unused(&self) -> usize {
        self.capacity.saturating_sub(self.used)
    }

    /// Total capacity (`JCSystem.getMaxCommitCapacity`).
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}
