//! The object heap: an arena of instances and arrays behind [`ObjRef`] handles, the static
//! field images of the loaded packages, and the one write path for persistent state — the
//! card's NVM layer (ARCHITECTURE decision 4).
//!
//! Every store into a persistent location — instance field, persistent array element, static
//! field, native state, object creation, transaction commit and abort — goes through a method
//! of [`Heap`] that
//!
//! - checks the power: a tear armed with [`Heap::arm_tear`] cuts the power during the chosen
//!   write, which then does not happen (single writes are atomic, JCRE 3.0.5 §7.2);
//! - counts the write ([`Heap::persistent_writes`]);
//! - records the old value in the transaction journal while a transaction is open
//!   (`write.rs`, `transaction.rs`);
//! - marks the object or static segment changed, so that the card image can be brought up
//!   to date with only what changed ([`HeapDelta`]).
//!
//! Transient arrays skip all of this and are cleared on reset or deselect. Every access
//! checks the firewall ([`crate::firewall`]) against the caller's context first.

mod delta;
mod journal;
mod object;
mod power;
mod statics;
mod transaction;
mod write;

pub use delta::{DeltaError, HeapDelta};
pub use journal::{Journal, Undo};
pub use object::{
    Access, Array, ArrayData, Body, ContextId, Instance, Memory, NativeState, ObjRef, Object,
    PinState,
};
pub use power::Recovery;
pub use statics::StaticImage;

use serde::{Deserialize, Serialize};

use crate::firewall;
use crate::interp::VmException;
use crate::program::StaticAddr;

/// Default persistent memory available to objects, in bytes.
pub const DEFAULT_PERSISTENT_BYTES: usize = 512 * 1024;
/// Default transient memory available to arrays, in bytes.
pub const DEFAULT_TRANSIENT_BYTES: usize = 16 * 1024;
/// Default transaction journal capacity, in bytes of logged old values.
pub const DEFAULT_COMMIT_CAPACITY: usize = 4096;

/// `TransactionException.IN_PROGRESS`.
pub const TRANSACTION_IN_PROGRESS: i16 = 1;
/// `TransactionException.NOT_IN_PROGRESS`.
pub const TRANSACTION_NOT_IN_PROGRESS: i16 = 2;
/// `TransactionException.BUFFER_FULL`.
pub const TRANSACTION_BUFFER_FULL: i16 = 3;

/// Why an allocation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AllocError {
    /// Not enough persistent memory.
    #[error("out of persistent memory")]
    NoPersistentSpace,
    /// Not enough transient memory.
    #[error("out of transient memory")]
    NoTransientSpace,
    /// The handle space is exhausted.
    #[error("too many objects")]
    TooManyObjects,
    /// The card lost power (an injected tear) before the object was created.
    #[error("power lost")]
    PowerLost,
}

/// The object heap and static images of one card.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Heap {
    /// Entry 0 is never used so that handle 0 can mean `null`.
    objects: Vec<Option<Object>>,
    statics: Vec<StaticImage>,
    persistent_used: usize,
    persistent_limit: usize,
    transient_used: usize,
    transient_limit: usize,
    /// Handles of transient arrays, for clearing.
    transients: Vec<ObjRef>,
    journal: Journal,
    /// Persistent writes since the heap was created (the hook for tear injection).
    persistent_writes: u64,
    /// Objects whose creation was rolled back with an aborted transaction, sorted: a
    /// reference to one behaves as `null` (JCRE 3.0.5 §7.6.3).
    nulled: Vec<ObjRef>,
    /// Number of completed persistent writes after which the power is cut: the next write
    /// does not happen. `u64::MAX` when no tear is armed, 0 once the power is lost, so the
    /// write path needs one comparison for both.
    #[serde(skip, default = "no_tear")]
    tear_limit: u64,
    /// The power was cut; nothing persistent changes until [`Heap::power_up`].
    #[serde(skip)]
    power_lost: bool,
    /// What changed since the last [`Heap::take_delta`].
    #[serde(skip)]
    changes: delta::Changes,
}

fn no_tear() -> u64 {
    u64::MAX
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

impl Heap {
    /// An empty heap with the default memory sizes.
    pub fn new() -> Heap {
        Heap::with_limits(
            DEFAULT_PERSISTENT_BYTES,
            DEFAULT_TRANSIENT_BYTES,
            DEFAULT_COMMIT_CAPACITY,
        )
    }

    /// An empty heap with the given persistent, transient and journal sizes in bytes.
    pub fn with_limits(persistent: usize, transient: usize, commit_capacity: usize) -> Heap {
        Heap {
            objects: vec![None],
            statics: Vec::new(),
            persistent_used: 0,
            persistent_limit: persistent,
            transient_used: 0,
            transient_limit: transient,
            transients: Vec::new(),
            journal: Journal::new(commit_capacity),
            persistent_writes: 0,
            nulled: Vec::new(),
            tear_limit: no_tear(),
            power_lost: false,
            changes: delta::Changes::default(),
        }
    }

    /// Number of persistent writes so far.
    pub fn persistent_writes(&self) -> u64 {
        self.persistent_writes
    }

    /// Free persistent bytes.
    pub fn persistent_available(&self) -> usize {
        self.persistent_limit.saturating_sub(self.persistent_used)
    }

    /// Free transient bytes.
    pub fn transient_available(&self) -> usize {
        self.transient_limit.saturating_sub(self.transient_used)
    }

    /// Number of live objects.
    pub fn object_count(&self) -> usize {
        self.objects.iter().filter(|o| o.is_some()).count()
    }

    /// Every live object with its handle, in handle order.
    pub fn objects(&self) -> impl Iterator<Item = (ObjRef, &Object)> + '_ {
        self.objects
            .iter()
            .enumerate()
            .filter_map(|(i, o)| Some((ObjRef::from_index(i)?, o.as_ref()?)))
    }

    /// Whether a reference to `r` behaves as `null` because `r` was created inside a
    /// transaction that was aborted (JCRE 3.0.5 §7.6.3).
    pub fn is_nulled(&self, r: ObjRef) -> bool {
        self.nulled.binary_search(&r).is_ok()
    }

    // ---------------------------------------------------------------- allocation

    /// Allocates an object and returns its handle. Creating an object is a persistent write
    /// (its header goes to NVM even for a transient array); inside a transaction the object
    /// is remembered, so that an abort makes references to it equivalent to `null`.
    pub fn alloc(&mut self, object: Object) -> Result<ObjRef, AllocError> {
        let size = object.byte_size();
        let transient = matches!(
            &object.body,
            Body::Array(Array { memory, .. }) if *memory != Memory::Persistent
        );
        if transient {
            if size > self.transient_available() {
                return Err(AllocError::NoTransientSpace);
            }
        } else if size > self.persistent_available() {
            return Err(AllocError::NoPersistentSpace);
        }
        let r = ObjRef::from_index(self.objects.len()).ok_or(AllocError::TooManyObjects)?;
        if r.index() >= i32::MAX as usize {
            return Err(AllocError::TooManyObjects);
        }
        if self.persistent_writes >= self.tear_limit {
            self.cut_power();
            return Err(AllocError::PowerLost);
        }
        self.persistent_writes = self.persistent_writes.saturating_add(1);
        self.objects.push(Some(object));
        if transient {
            self.transient_used = self.transient_used.saturating_add(size);
            self.transients.push(r);
        } else {
            self.persistent_used = self.persistent_used.saturating_add(size);
        }
        if self.journal.is_open() {
            self.journal.created(r);
        }
        self.changes.created(r.index());
        Ok(r)
    }

    /// Allocates a class instance with `words` zeroed field words.
    pub fn alloc_instance(
        &mut self,
        owner: ContextId,
        class: u16,
        words: u16,
        native: NativeState,
    ) -> Result<ObjRef, AllocError> {
        self.alloc(Object {
            owner,
            access: Access::Normal,
            body: Body::Instance(Instance {
                class,
                fields: vec![0; usize::from(words)],
                native,
            }),
        })
    }

    /// Allocates an array.
    pub fn alloc_array(
        &mut self,
        owner: ContextId,
        memory: Memory,
        data: ArrayData,
    ) -> Result<ObjRef, AllocError> {
        self.alloc(Object {
            owner,
            access: Access::Normal,
            body: Body::Array(Array { memory, data }),
        })
    }

    /// Frees an object (object deletion, `JCSystem.requestObjectDeletion`): its memory is
    /// reclaimed and its handle is never reused. Returns whether there was an object.
    pub fn free(&mut self, r: ObjRef) -> bool {
        let Some(object) = self.objects.get_mut(r.index()).and_then(Option::take) else {
            return false;
        };
        self.release(r, &object);
        self.changes.touch(r.index());
        true
    }

    /// Gives back the memory of a removed object.
    fn release(&mut self, r: ObjRef, object: &Object) {
        let size = object.byte_size();
        match &object.body {
            Body::Array(Array { memory, .. }) if *memory != Memory::Persistent => {
                self.transient_used = self.transient_used.saturating_sub(size);
                self.transients.retain(|t| *t != r);
            }
            _ => self.persistent_used = self.persistent_used.saturating_sub(size),
        }
    }

    /// Changes an object's firewall status (the JCRE designates entry points and global
    /// arrays).
    pub fn set_access(&mut self, r: ObjRef, access: Access) -> Result<(), VmException> {
        self.slot_mut(r)?.access = access;
        self.changes.touch(r.index());
        Ok(())
    }

    // ---------------------------------------------------------------- reads

    /// The object behind a handle. A handle nulled by an aborted transaction behaves as
    /// `null`; any other dangling handle is a security violation.
    #[inline]
    pub fn get(&self, r: ObjRef) -> Result<&Object, VmException> {
        match self.objects.get(r.index()).and_then(Option::as_ref) {
            Some(o) => Ok(o),
            None => Err(self.missing(r)),
        }
    }

    #[cold]
    fn missing(&self, r: ObjRef) -> VmException {
        if self.is_nulled(r) {
            VmException::NullPointer
        } else {
            VmException::Security
        }
    }

    #[inline]
    fn slot_mut(&mut self, r: ObjRef) -> Result<&mut Object, VmException> {
        if self.objects.get(r.index()).is_some_and(Option::is_some) {
            self.objects
                .get_mut(r.index())
                .and_then(Option::as_mut)
                .ok_or(VmException::Security)
        } else {
            Err(self.missing(r))
        }
    }

    /// Reads field word `slot` of instance `r` from context `ctx` (`getfield`).
    #[inline]
    pub fn get_field(&self, r: ObjRef, slot: u16, ctx: ContextId) -> Result<i32, VmException> {
        let o = self.get(r)?;
        if !firewall::may_access_fields(o, ctx) {
            return Err(VmException::Security);
        }
        match &o.body {
            Body::Instance(i) => i
                .fields
                .get(usize::from(slot))
                .copied()
                .ok_or(VmException::Security),
            Body::Array(_) => Err(VmException::Security),
        }
    }

    /// The array of `r` if context `ctx` may access it (array bytecodes, `arraylength`).
    #[inline]
    pub fn array(&self, r: ObjRef, ctx: ContextId) -> Result<&Array, VmException> {
        let o = self.get(r)?;
        if !firewall::may_access_array(o, ctx) {
            return Err(VmException::Security);
        }
        match &o.body {
            Body::Array(a) => Ok(a),
            Body::Instance(_) => Err(VmException::Security),
        }
    }

    /// `baload`: element of a byte or boolean array.
    #[inline]
    pub fn load_byte(&self, r: ObjRef, index: i32, ctx: ContextId) -> Result<i32, VmException> {
        let a = self.array(r, ctx)?;
        let v = match &a.data {
            ArrayData::Byte(v) | ArrayData::Boolean(v) => v,
            _ => return Err(VmException::Security),
        };
        element(v, index).map(i32::from)
    }

    /// `saload`.
    #[inline]
    pub fn load_short(&self, r: ObjRef, index: i32, ctx: ContextId) -> Result<i32, VmException> {
        match &self.array(r, ctx)?.data {
            ArrayData::Short(v) => element(v, index).map(i32::from),
            _ => Err(VmException::Security),
        }
    }

    /// `iaload`.
    #[inline]
    pub fn load_int(&self, r: ObjRef, index: i32, ctx: ContextId) -> Result<i32, VmException> {
        match &self.array(r, ctx)?.data {
            ArrayData::Int(v) => element(v, index),
            _ => Err(VmException::Security),
        }
    }

    /// `aaload`.
    #[inline]
    pub fn load_ref(&self, r: ObjRef, index: i32, ctx: ContextId) -> Result<i32, VmException> {
        match &self.array(r, ctx)?.data {
            ArrayData::Reference { items, .. } => element(items, index).map(|w| w as i32),
            _ => Err(VmException::Security),
        }
    }

    /// `arraylength`.
    #[inline]
    pub fn array_length(&self, r: ObjRef, ctx: ContextId) -> Result<i32, VmException> {
        let len = self.array(r, ctx)?.data.len();
        i32::try_from(len).map_err(|_| VmException::Security)
    }

    /// Reads `len` bytes of a byte array from `off`.
    pub fn read_bytes(
        &self,
        r: ObjRef,
        off: i32,
        len: i32,
        ctx: ContextId,
    ) -> Result<Vec<i8>, VmException> {
        let a = self.array(r, ctx)?;
        let ArrayData::Byte(v) = &a.data else {
            return Err(VmException::Security);
        };
        Ok(byte_range(v, off, len)?.to_vec())
    }

    /// Reads `len` bytes of a byte array from `off` as unsigned bytes (what natives hand to
    /// the card OS: AIDs, PINs, data).
    pub fn read_u8s(
        &self,
        r: ObjRef,
        off: i32,
        len: i32,
        ctx: ContextId,
    ) -> Result<Vec<u8>, VmException> {
        Ok(self
            .read_bytes(r, off, len, ctx)?
            .into_iter()
            .map(|b| b as u8)
            .collect())
    }

    /// Reads a static reference field.
    #[inline]
    pub fn get_static_ref(&self, a: StaticAddr) -> Result<i32, VmException> {
        self.image(a.seg)?.get_ref(a.off)
    }

    /// Reads a static byte or boolean field, sign-extended.
    #[inline]
    pub fn get_static_byte(&self, a: StaticAddr) -> Result<i32, VmException> {
        self.image(a.seg)?.get_byte(a.off)
    }

    /// Reads a static short field.
    #[inline]
    pub fn get_static_short(&self, a: StaticAddr) -> Result<i32, VmException> {
        self.image(a.seg)?.get_short(a.off)
    }

    /// Reads a static int field.
    #[inline]
    pub fn get_static_int(&self, a: StaticAddr) -> Result<i32, VmException> {
        self.image(a.seg)?.get_int(a.off)
    }

    fn image(&self, seg: u16) -> Result<&StaticImage, VmException> {
        self.statics
            .get(usize::from(seg))
            .ok_or(VmException::Security)
    }

    fn image_mut(&mut self, seg: u16) -> Result<&mut StaticImage, VmException> {
        self.statics
            .get_mut(usize::from(seg))
            .ok_or(VmException::Security)
    }

    /// Number of static image segments (the segment the next package gets).
    pub fn static_segments(&self) -> u16 {
        u16::try_from(self.statics.len()).unwrap_or(u16::MAX)
    }

    /// Adds a package's static image and returns its segment number.
    pub fn add_static_image(&mut self, image: StaticImage) -> u16 {
        let seg = u16::try_from(self.statics.len()).unwrap_or(u16::MAX);
        self.statics.push(image);
        self.changes.touch_static(seg);
        seg
    }

    /// The static image of segment `seg`.
    pub fn static_image(&self, seg: u16) -> Option<&StaticImage> {
        self.statics.get(usize::from(seg))
    }

    /// The native state of instance `r`.
    pub fn native(&self, r: ObjRef) -> Result<&NativeState, VmException> {
        match &self.get(r)?.body {
            Body::Instance(i) => Ok(&i.native),
            Body::Array(_) => Err(VmException::Security),
        }
    }

    /// The transaction journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    fn data_mut(&mut self, r: ObjRef) -> Option<&mut ArrayData> {
        match self.objects.get_mut(r.index())?.as_mut()? {
            Object {
                body: Body::Array(a),
                ..
            } => Some(&mut a.data),
            _ => None,
        }
    }
}

#[inline(always)]
fn element<T: Copy>(v: &[T], index: i32) -> Result<T, VmException> {
    usize::try_from(index)
        .ok()
        .and_then(|i| v.get(i))
        .copied()
        .ok_or(VmException::ArrayIndexOutOfBounds)
}

#[inline(always)]
fn element_mut<T>(v: &mut [T], index: i32) -> Result<&mut T, VmException> {
    usize::try_from(index)
        .ok()
        .and_then(|i| v.get_mut(i))
        .ok_or(VmException::ArrayIndexOutOfBounds)
}

fn range(len_total: usize, off: i32, len: i32) -> Result<std::ops::Range<usize>, VmException> {
    let off = usize::try_from(off).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
    let len = usize::try_from(len).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
    let end = off
        .checked_add(len)
        .filter(|&e| e <= len_total)
        .ok_or(VmException::ArrayIndexOutOfBounds)?;
    Ok(off..end)
}

fn byte_range(v: &[i8], off: i32, len: i32) -> Result<&[i8], VmException> {
    let r = range(v.len(), off, len)?;
    v.get(r).ok_or(VmException::ArrayIndexOutOfBounds)
}

#[cfg(test)]
mod tests;
