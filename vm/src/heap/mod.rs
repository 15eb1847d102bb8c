//! The object heap: an arena of instances and arrays behind [`ObjRef`] handles, the static
//! field images of the loaded packages, and the one write path for persistent state
//! (ARCHITECTURE decision 4).
//!
//! Every store into a persistent location — instance field, persistent array element, static
//! field, native state — goes through a method of [`Heap`] that counts the write and records
//! the old value in the transaction journal while a transaction is open. Transient arrays
//! skip the journal and are cleared on reset or deselect. Every access checks the firewall
//! ([`crate::firewall`]) against the caller's context before touching the object.

mod journal;
mod object;
mod statics;

pub use journal::{Journal, Undo};
pub use object::{
    Access, Array, ArrayData, Body, ContextId, Instance, Memory, NativeState, ObjRef, Object,
    PinState,
};
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

    // ---------------------------------------------------------------- allocation

    /// Allocates an object and returns its handle.
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
        self.objects.push(Some(object));
        if transient {
            self.transient_used += size;
            self.transients.push(r);
        } else {
            self.persistent_used += size;
        }
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

    /// Changes an object's firewall status (the JCRE designates entry points and global
    /// arrays).
    pub fn set_access(&mut self, r: ObjRef, access: Access) -> Result<(), VmException> {
        self.slot_mut(r)?.access = access;
        Ok(())
    }

    // ---------------------------------------------------------------- reads

    /// The object behind a handle; a dangling handle is a security violation.
    #[inline]
    pub fn get(&self, r: ObjRef) -> Result<&Object, VmException> {
        self.objects
            .get(r.index())
            .and_then(Option::as_ref)
            .ok_or(VmException::Security)
    }

    #[inline]
    fn slot_mut(&mut self, r: ObjRef) -> Result<&mut Object, VmException> {
        self.objects
            .get_mut(r.index())
            .and_then(Option::as_mut)
            .ok_or(VmException::Security)
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

    /// Number of static image segments (the segment the next package gets).
    pub fn static_segments(&self) -> u16 {
        u16::try_from(self.statics.len()).unwrap_or(u16::MAX)
    }

    /// Adds a package's static image and returns its segment number.
    pub fn add_static_image(&mut self, image: StaticImage) -> u16 {
        let seg = u16::try_from(self.statics.len()).unwrap_or(u16::MAX);
        self.statics.push(image);
        seg
    }

    /// The static image of segment `seg`.
    pub fn static_image(&self, seg: u16) -> Option<&StaticImage> {
        self.statics.get(usize::from(seg))
    }

    // ---------------------------------------------------------------- the write path

    /// Rejects storing a reference the firewall forbids to store (JCRE 3.0.5 §6.2.1,
    /// §6.2.2: temporary entry-point objects and global arrays).
    #[inline]
    fn check_storable(&self, value: i32, ctx: ContextId) -> Result<(), VmException> {
        match ObjRef::from_word(value) {
            None => Ok(()),
            Some(v) => {
                if firewall::may_store_reference(self.get(v)?, ctx) {
                    Ok(())
                } else {
                    Err(VmException::Security)
                }
            }
        }
    }

    /// Journals an old value; when the journal is full the write is undone at once and
    /// `TransactionException.BUFFER_FULL` is thrown.
    #[cold]
    fn journal_or_revert(&mut self, undo: Undo) -> Result<(), VmException> {
        match self.journal.log(undo) {
            Ok(()) => Ok(()),
            Err(undo) => {
                self.undo(undo);
                Err(VmException::Transaction(TRANSACTION_BUFFER_FULL))
            }
        }
    }

    #[inline]
    fn note_persistent_write(&mut self) {
        self.persistent_writes = self.persistent_writes.wrapping_add(1);
    }

    /// Writes field word `slot` of instance `r` (`putfield_b`, `putfield_s`, one word of
    /// `putfield_i`).
    #[inline]
    pub fn put_field(
        &mut self,
        r: ObjRef,
        slot: u16,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        let o = self.objects.get_mut(r.index()).and_then(Option::as_mut);
        let Some(o) = o else {
            return Err(VmException::Security);
        };
        if !firewall::may_access_fields(o, ctx) {
            return Err(VmException::Security);
        }
        let Body::Instance(i) = &mut o.body else {
            return Err(VmException::Security);
        };
        let cell = i
            .fields
            .get_mut(usize::from(slot))
            .ok_or(VmException::Security)?;
        let old = *cell;
        *cell = value;
        self.persistent_writes = self.persistent_writes.wrapping_add(1);
        if self.journal.is_open() {
            self.journal_or_revert(Undo::Field { obj: r, slot, old })?;
        }
        Ok(())
    }

    /// `putfield_a`: also refuses references that may not be stored.
    #[inline]
    pub fn put_field_ref(
        &mut self,
        r: ObjRef,
        slot: u16,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        self.check_storable(value, ctx)?;
        self.put_field(r, slot, value, ctx)
    }

    /// `bastore`: stores the low byte (boolean arrays keep the byte as stored).
    #[inline]
    pub fn store_byte(
        &mut self,
        r: ObjRef,
        index: i32,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        let (memory, old) = {
            let a = self.array_mut(r, ctx)?;
            let memory = a.memory;
            let v = match &mut a.data {
                ArrayData::Byte(v) | ArrayData::Boolean(v) => v,
                _ => return Err(VmException::Security),
            };
            let cell = element_mut(v, index)?;
            let old = *cell;
            *cell = value as i8;
            (memory, old)
        };
        self.after_array_write(memory, || Undo::Byte {
            obj: r,
            index: index as u16,
            old,
        })
    }

    /// `sastore`.
    #[inline]
    pub fn store_short(
        &mut self,
        r: ObjRef,
        index: i32,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        let (memory, old) = {
            let a = self.array_mut(r, ctx)?;
            let memory = a.memory;
            let ArrayData::Short(v) = &mut a.data else {
                return Err(VmException::Security);
            };
            let cell = element_mut(v, index)?;
            let old = *cell;
            *cell = value as i16;
            (memory, old)
        };
        self.after_array_write(memory, || Undo::Short {
            obj: r,
            index: index as u16,
            old,
        })
    }

    /// `iastore`.
    #[inline]
    pub fn store_int(
        &mut self,
        r: ObjRef,
        index: i32,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        let (memory, old) = {
            let a = self.array_mut(r, ctx)?;
            let memory = a.memory;
            let ArrayData::Int(v) = &mut a.data else {
                return Err(VmException::Security);
            };
            let cell = element_mut(v, index)?;
            let old = *cell;
            *cell = value;
            (memory, old)
        };
        self.after_array_write(memory, || Undo::Int {
            obj: r,
            index: index as u16,
            old,
        })
    }

    /// `aastore`, after the caller checked assignment compatibility
    /// (`ArrayStoreException`).
    #[inline]
    pub fn store_ref(
        &mut self,
        r: ObjRef,
        index: i32,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        self.check_storable(value, ctx)?;
        let (memory, old) = {
            let a = self.array_mut(r, ctx)?;
            let memory = a.memory;
            let ArrayData::Reference { items, .. } = &mut a.data else {
                return Err(VmException::Security);
            };
            let cell = element_mut(items, index)?;
            let old = *cell;
            *cell = value as u32;
            (memory, old)
        };
        self.after_array_write(memory, || Undo::Ref {
            obj: r,
            index: index as u16,
            old,
        })
    }

    #[inline]
    fn array_mut(&mut self, r: ObjRef, ctx: ContextId) -> Result<&mut Array, VmException> {
        let o = self.slot_mut(r)?;
        if !firewall::may_access_array(o, ctx) {
            return Err(VmException::Security);
        }
        match &mut o.body {
            Body::Array(a) => Ok(a),
            Body::Instance(_) => Err(VmException::Security),
        }
    }

    #[inline]
    fn after_array_write(
        &mut self,
        memory: Memory,
        undo: impl FnOnce() -> Undo,
    ) -> Result<(), VmException> {
        if memory == Memory::Persistent {
            self.note_persistent_write();
            if self.journal.is_open() {
                self.journal_or_revert(undo())?;
            }
        }
        Ok(())
    }

    /// Copies bytes between byte arrays (`Util.arrayCopy` when `atomic`, otherwise
    /// `arrayCopyNonAtomic`); overlapping ranges behave as if copied through a temporary.
    /// Bounds and firewall are checked before anything is written.
    /// `src` and `dst` are (array, offset) pairs.
    pub fn copy_bytes(
        &mut self,
        (src, src_off): (ObjRef, i32),
        (dst, dst_off): (ObjRef, i32),
        len: i32,
        ctx: ContextId,
        atomic: bool,
    ) -> Result<(), VmException> {
        let bytes = self.read_bytes(src, src_off, len, ctx)?;
        self.write_bytes(dst, dst_off, &bytes, ctx, atomic)
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

    /// Fills `len` bytes of a byte array from `off` with `value`.
    pub fn fill_bytes(
        &mut self,
        r: ObjRef,
        off: i32,
        len: i32,
        value: i8,
        ctx: ContextId,
        atomic: bool,
    ) -> Result<(), VmException> {
        let n = usize::try_from(len).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
        self.write_bytes(r, off, &vec![value; n], ctx, atomic)
    }

    /// Writes `bytes` into a byte array at `off`. With `atomic` and an open transaction the
    /// old bytes are journaled; `atomic` outside a transaction is all-or-nothing by
    /// construction here (one in-memory update).
    pub fn write_bytes(
        &mut self,
        r: ObjRef,
        off: i32,
        bytes: &[i8],
        ctx: ContextId,
        atomic: bool,
    ) -> Result<(), VmException> {
        let len = i32::try_from(bytes.len()).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
        let (memory, old) = {
            let a = self.array_mut(r, ctx)?;
            let memory = a.memory;
            let ArrayData::Byte(v) = &mut a.data else {
                return Err(VmException::Security);
            };
            let dst = byte_range_mut(v, off, len)?;
            let old = if memory == Memory::Persistent && atomic {
                dst.to_vec()
            } else {
                Vec::new()
            };
            dst.copy_from_slice(bytes);
            (memory, old)
        };
        if memory == Memory::Persistent {
            self.note_persistent_write();
            if atomic && self.journal.is_open() {
                self.journal_or_revert(Undo::Bytes {
                    obj: r,
                    offset: off as u16,
                    old,
                })?;
            }
        }
        Ok(())
    }

    /// `putstatic_a`.
    pub fn put_static_ref(
        &mut self,
        a: StaticAddr,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        self.check_storable(value, ctx)?;
        let old = self.image_mut(a.seg)?.set_ref(a.off, value)?;
        self.note_persistent_write();
        if self.journal.is_open() {
            self.journal_or_revert(Undo::StaticRef { addr: a, old })?;
        }
        Ok(())
    }

    /// `putstatic_b`.
    pub fn put_static_byte(&mut self, a: StaticAddr, value: i32) -> Result<(), VmException> {
        let old = self.image_mut(a.seg)?.set_bytes(a.off, &[value as u8])?;
        self.after_static_write(a, old)
    }

    /// `putstatic_s`.
    pub fn put_static_short(&mut self, a: StaticAddr, value: i32) -> Result<(), VmException> {
        let old = self
            .image_mut(a.seg)?
            .set_bytes(a.off, &(value as i16).to_be_bytes())?;
        self.after_static_write(a, old)
    }

    /// `putstatic_i`.
    pub fn put_static_int(&mut self, a: StaticAddr, value: i32) -> Result<(), VmException> {
        let old = self
            .image_mut(a.seg)?
            .set_bytes(a.off, &value.to_be_bytes())?;
        self.after_static_write(a, old)
    }

    fn after_static_write(&mut self, addr: StaticAddr, old: Vec<u8>) -> Result<(), VmException> {
        self.note_persistent_write();
        if self.journal.is_open() {
            self.journal_or_revert(Undo::StaticBytes { addr, old })?;
        }
        Ok(())
    }

    fn image_mut(&mut self, seg: u16) -> Result<&mut StaticImage, VmException> {
        self.statics
            .get_mut(usize::from(seg))
            .ok_or(VmException::Security)
    }

    /// Replaces the native state of instance `r` (JCRE-internal: natives call it after their
    /// own access checks). `atomic` writes are journaled inside a transaction; the OwnerPIN
    /// try counter is updated outside transactions per its specification.
    pub fn set_native(
        &mut self,
        r: ObjRef,
        state: NativeState,
        atomic: bool,
    ) -> Result<(), VmException> {
        let o = self.slot_mut(r)?;
        let Body::Instance(i) = &mut o.body else {
            return Err(VmException::Security);
        };
        let old = std::mem::replace(&mut i.native, state);
        self.note_persistent_write();
        if atomic && self.journal.is_open() {
            self.journal_or_revert(Undo::Native { obj: r, old })?;
        }
        Ok(())
    }

    /// Replaces the native state of a JCRE object whose state lives in RAM (the reason of
    /// the JCRE exception singletons): neither counted nor journaled.
    pub fn set_volatile_native(
        &mut self,
        r: ObjRef,
        state: NativeState,
    ) -> Result<(), VmException> {
        match &mut self.slot_mut(r)?.body {
            Body::Instance(i) => {
                i.native = state;
                Ok(())
            }
            Body::Array(_) => Err(VmException::Security),
        }
    }

    /// The native state of instance `r`.
    pub fn native(&self, r: ObjRef) -> Result<&NativeState, VmException> {
        match &self.get(r)?.body {
            Body::Instance(i) => Ok(&i.native),
            Body::Array(_) => Err(VmException::Security),
        }
    }

    // ---------------------------------------------------------------- transactions

    /// `JCSystem.beginTransaction`.
    pub fn begin_transaction(&mut self) -> Result<(), VmException> {
        if self.journal.is_open() {
            return Err(VmException::Transaction(TRANSACTION_IN_PROGRESS));
        }
        self.journal.open();
        Ok(())
    }

    /// `JCSystem.commitTransaction`.
    pub fn commit_transaction(&mut self) -> Result<(), VmException> {
        if !self.journal.is_open() {
            return Err(VmException::Transaction(TRANSACTION_NOT_IN_PROGRESS));
        }
        self.journal.close();
        Ok(())
    }

    /// `JCSystem.abortTransaction`: restores every journaled value.
    pub fn abort_transaction(&mut self) -> Result<(), VmException> {
        if !self.journal.is_open() {
            return Err(VmException::Transaction(TRANSACTION_NOT_IN_PROGRESS));
        }
        let entries = self.journal.take();
        for undo in entries.into_iter().rev() {
            self.undo(undo);
        }
        Ok(())
    }

    /// `JCSystem.getTransactionDepth`.
    pub fn transaction_depth(&self) -> u8 {
        u8::from(self.journal.is_open())
    }

    /// The transaction journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    fn undo(&mut self, undo: Undo) {
        // Restoring journaled locations cannot fail: they were written successfully before.
        match undo {
            Undo::Field { obj, slot, old } => {
                if let Ok(Object {
                    body: Body::Instance(i),
                    ..
                }) = self.slot_mut(obj)
                {
                    if let Some(c) = i.fields.get_mut(usize::from(slot)) {
                        *c = old;
                    }
                }
            }
            Undo::Byte { obj, index, old } => {
                if let Some(ArrayData::Byte(v) | ArrayData::Boolean(v)) = self.data_mut(obj) {
                    if let Some(c) = v.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
            }
            Undo::Short { obj, index, old } => {
                if let Some(ArrayData::Short(v)) = self.data_mut(obj) {
                    if let Some(c) = v.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
            }
            Undo::Int { obj, index, old } => {
                if let Some(ArrayData::Int(v)) = self.data_mut(obj) {
                    if let Some(c) = v.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
            }
            Undo::Ref { obj, index, old } => {
                if let Some(ArrayData::Reference { items, .. }) = self.data_mut(obj) {
                    if let Some(c) = items.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
            }
            Undo::Bytes { obj, offset, old } => {
                if let Some(ArrayData::Byte(v)) = self.data_mut(obj) {
                    let start = usize::from(offset);
                    if let Some(dst) = v.get_mut(start..start + old.len()) {
                        dst.copy_from_slice(&old);
                    }
                }
            }
            Undo::StaticRef { addr, old } => {
                if let Ok(img) = self.image_mut(addr.seg) {
                    let _ = img.set_ref(addr.off, old);
                }
            }
            Undo::StaticBytes { addr, old } => {
                if let Ok(img) = self.image_mut(addr.seg) {
                    let _ = img.set_bytes(addr.off, &old);
                }
            }
            Undo::Native { obj, old } => {
                if let Ok(Object {
                    body: Body::Instance(i),
                    ..
                }) = self.slot_mut(obj)
                {
                    i.native = old;
                }
            }
        }
    }

    fn data_mut(&mut self, r: ObjRef) -> Option<&mut ArrayData> {
        match self.slot_mut(r).ok()? {
            Object {
                body: Body::Array(a),
                ..
            } => Some(&mut a.data),
            _ => None,
        }
    }

    // ---------------------------------------------------------------- transient memory

    /// Clears every `CLEAR_ON_RESET` array and every `CLEAR_ON_DESELECT` array (card reset),
    /// and forgets an open transaction (its updates are rolled back, as after power loss).
    pub fn reset(&mut self) {
        if self.journal.is_open() {
            let _ = self.abort_transaction();
        }
        for i in 0..self.transients.len() {
            if let Some(r) = self.transients.get(i).copied() {
                if let Some(data) = self.data_mut(r) {
                    data.clear();
                }
            }
        }
    }

    /// Clears the `CLEAR_ON_DESELECT` arrays owned by `ctx` (no applet of that context is
    /// active any more).
    pub fn clear_on_deselect(&mut self, ctx: ContextId) {
        for i in 0..self.transients.len() {
            let Some(r) = self.transients.get(i).copied() else {
                continue;
            };
            if let Ok(Object {
                owner,
                body: Body::Array(a),
                ..
            }) = self.slot_mut(r)
            {
                if *owner == ctx && a.memory == Memory::ClearOnDeselect {
                    a.data.clear();
                }
            }
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

fn byte_range_mut(v: &mut [i8], off: i32, len: i32) -> Result<&mut [i8], VmException> {
    let r = range(v.len(), off, len)?;
    v.get_mut(r).ok_or(VmException::ArrayIndexOutOfBounds)
}

#[cfg(test)]
mod tests;
