//! The write path for persistent state (JCRE 3.0.5 §7: atomicity and transactions).
//!
//! Each method first checks the firewall, the location and the bounds (a failing store
//! writes nothing), then the power: with no power left the write does not happen and the
//! heap stays without power until [`Heap::power_up`]. A write that happens is counted,
//! marks its object changed, and is journaled while a transaction is open. A single write
//! — a field, an array element, a static field, an `Util.arrayCopy`/`arrayFill` range —
//! happens entirely or not at all; `arrayCopyNonAtomic`/`arrayFillNonAtomic` are one
//! write per byte, so a tear can leave a prefix of them done, as the API allows.

use super::{
    byte_range, element_mut, range, ArrayData, Body, ContextId, Heap, Memory, NativeState, ObjRef,
    Undo, TRANSACTION_BUFFER_FULL,
};
use crate::firewall;
use crate::interp::VmException;
use crate::program::StaticAddr;

impl Heap {
    /// Whether the next persistent write may happen.
    #[inline(always)]
    fn powered(&self) -> bool {
        self.persistent_writes < self.tear_limit
    }

    /// A write was attempted without power: the power is now off. The error only unwinds
    /// the interpreter, which turns it into a power-loss trap.
    #[cold]
    fn torn(&mut self) -> VmException {
        self.cut_power();
        VmException::Security
    }

    /// Counts one completed persistent write to object `index`.
    #[inline(always)]
    fn wrote(&mut self, index: usize) {
        self.persistent_writes = self.persistent_writes.saturating_add(1);
        self.changes.touch(index);
    }

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

    /// Journals an old value while a transaction is open; when the commit buffer is full
    /// the write is undone at once and `TransactionException.BUFFER_FULL` is thrown, the
    /// transaction staying open (JCRE 3.0.5 §7.8).
    #[inline]
    fn log_undo(&mut self, undo: impl FnOnce() -> Undo) -> Result<(), VmException> {
        if !self.journal.is_open() {
            return Ok(());
        }
        self.journal_or_revert(undo())
    }

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

    /// Writes field word `slot` of instance `r` (`putfield_b`, `putfield_s`, `putfield_i`).
    #[inline]
    pub fn put_field(
        &mut self,
        r: ObjRef,
        slot: u16,
        value: i32,
        ctx: ContextId,
    ) -> Result<(), VmException> {
        let powered = self.powered();
        let old = {
            let o = self.slot_mut(r)?;
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
            if !powered {
                None
            } else {
                Some(std::mem::replace(cell, value))
            }
        };
        let Some(old) = old else {
            return Err(self.torn());
        };
        self.wrote(r.index());
        self.log_undo(|| Undo::Field { obj: r, slot, old })
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

    /// Stores one array element through `set`, which checks the element type and index and
    /// returns the old value; persistent arrays are gated, counted and journaled with
    /// `undo`, transient arrays are written directly.
    #[inline(always)]
    fn store_element<T>(
        &mut self,
        r: ObjRef,
        ctx: ContextId,
        set: impl FnOnce(&mut ArrayData, bool) -> Result<Option<T>, VmException>,
        undo: impl FnOnce(T) -> Undo,
    ) -> Result<(), VmException> {
        let powered = self.powered();
        let (persistent, old) = {
            let a = self.array_mut(r, ctx)?;
            let persistent = a.memory == Memory::Persistent;
            (persistent, set(&mut a.data, powered || !persistent)?)
        };
        match old {
            None => Err(self.torn()),
            Some(_) if !persistent => Ok(()),
            Some(old) => {
                self.wrote(r.index());
                self.log_undo(|| undo(old))
            }
        }
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
        self.store_element(
            r,
            ctx,
            |data, go| {
                let (ArrayData::Byte(v) | ArrayData::Boolean(v)) = data else {
                    return Err(VmException::Security);
                };
                let cell = element_mut(v, index)?;
                Ok(go.then(|| std::mem::replace(cell, value as i8)))
            },
            |old| Undo::Byte {
                obj: r,
                index: index as u16,
                old,
            },
        )
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
        self.store_element(
            r,
            ctx,
            |data, go| {
                let ArrayData::Short(v) = data else {
                    return Err(VmException::Security);
                };
                let cell = element_mut(v, index)?;
                Ok(go.then(|| std::mem::replace(cell, value as i16)))
            },
            |old| Undo::Short {
                obj: r,
                index: index as u16,
                old,
            },
        )
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
        self.store_element(
            r,
            ctx,
            |data, go| {
                let ArrayData::Int(v) = data else {
                    return Err(VmException::Security);
                };
                let cell = element_mut(v, index)?;
                Ok(go.then(|| std::mem::replace(cell, value)))
            },
            |old| Undo::Int {
                obj: r,
                index: index as u16,
                old,
            },
        )
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
        self.store_element(
            r,
            ctx,
            |data, go| {
                let ArrayData::Reference { items, .. } = data else {
                    return Err(VmException::Security);
                };
                let cell = element_mut(items, index)?;
                Ok(go.then(|| std::mem::replace(cell, value as u32)))
            },
            |old| Undo::Ref {
                obj: r,
                index: index as u16,
                old,
            },
        )
    }

    #[inline]
    pub(super) fn array_mut(
        &mut self,
        r: ObjRef,
        ctx: ContextId,
    ) -> Result<&mut super::Array, VmException> {
        let o = self.slot_mut(r)?;
        if !firewall::may_access_array(o, ctx) {
            return Err(VmException::Security);
        }
        match &mut o.body {
            Body::Array(a) => Ok(a),
            Body::Instance(_) => Err(VmException::Security),
        }
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
        // Check the range before allocating the fill pattern.
        byte_range(self.read_slice(r, ctx)?, off, len)?;
        self.write_bytes(r, off, &vec![value; n], ctx, atomic)
    }

    fn read_slice(&self, r: ObjRef, ctx: ContextId) -> Result<&[i8], VmException> {
        match &self.array(r, ctx)?.data {
            ArrayData::Byte(v) => Ok(v),
            _ => Err(VmException::Security),
        }
    }

    /// Writes `bytes` into a byte array at `off`.
    ///
    /// Into a persistent array, an `atomic` write (`Util.arrayCopy`, `arrayFill`) is one
    /// write, all or nothing, and journaled inside a transaction; a non-atomic one is one
    /// write per byte in index order, never journaled (JCRE 3.0.5 §7.3), so a tear leaves
    /// the bytes before it written.
    pub fn write_bytes(
        &mut self,
        r: ObjRef,
        off: i32,
        bytes: &[i8],
        ctx: ContextId,
        atomic: bool,
    ) -> Result<(), VmException> {
        let len = i32::try_from(bytes.len()).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
        let left = self.tear_limit.saturating_sub(self.persistent_writes);
        let journal_open = self.journal.is_open();
        // (writes done, old bytes for the journal, whether the power ran out)
        let (done, old, torn) = {
            let a = self.array_mut(r, ctx)?;
            let persistent = a.memory == Memory::Persistent;
            let ArrayData::Byte(v) = &mut a.data else {
                return Err(VmException::Security);
            };
            let span = range(v.len(), off, len)?;
            let dst = v.get_mut(span).ok_or(VmException::ArrayIndexOutOfBounds)?;
            if !persistent || bytes.is_empty() {
                dst.copy_from_slice(bytes);
                return Ok(());
            }
            if atomic {
                if left == 0 {
                    (0, Vec::new(), true)
                } else {
                    let old = if journal_open {
                        dst.to_vec()
                    } else {
                        Vec::new()
                    };
                    dst.copy_from_slice(bytes);
                    (1, old, false)
                }
            } else {
                let n = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                if let (Some(d), Some(s)) = (dst.get_mut(..n), bytes.get(..n)) {
                    d.copy_from_slice(s);
                }
                (n, Vec::new(), n < bytes.len())
            }
        };
        if done > 0 {
            self.persistent_writes = self
                .persistent_writes
                .saturating_add(u64::try_from(done).unwrap_or(u64::MAX));
            self.changes.touch(r.index());
        }
        if torn {
            return Err(self.torn());
        }
        if atomic {
            self.log_undo(|| Undo::Bytes {
                obj: r,
                offset: off as u16,
                old,
            })?;
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
        // Validate the location before checking the power.
        self.image(a.seg)?.get_ref(a.off)?;
        if !self.powered() {
            return Err(self.torn());
        }
        let old = self.image_mut(a.seg)?.set_ref(a.off, value)?;
        self.wrote_static(a.seg);
        self.log_undo(|| Undo::StaticRef { addr: a, old })
    }

    /// `putstatic_b`.
    pub fn put_static_byte(&mut self, a: StaticAddr, value: i32) -> Result<(), VmException> {
        self.put_static_bytes(a, &[value as u8])
    }

    /// `putstatic_s`.
    pub fn put_static_short(&mut self, a: StaticAddr, value: i32) -> Result<(), VmException> {
        self.put_static_bytes(a, &(value as i16).to_be_bytes())
    }

    /// `putstatic_i`.
    pub fn put_static_int(&mut self, a: StaticAddr, value: i32) -> Result<(), VmException> {
        self.put_static_bytes(a, &value.to_be_bytes())
    }

    fn put_static_bytes(&mut self, a: StaticAddr, value: &[u8]) -> Result<(), VmException> {
        self.image(a.seg)?.check_bytes(a.off, value.len())?;
        if !self.powered() {
            return Err(self.torn());
        }
        let old = self.image_mut(a.seg)?.set_bytes(a.off, value)?;
        self.wrote_static(a.seg);
        self.log_undo(|| Undo::StaticBytes { addr: a, old })
    }

    fn wrote_static(&mut self, seg: u16) {
        self.persistent_writes = self.persistent_writes.saturating_add(1);
        self.changes.touch_static(seg);
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
        let powered = self.powered();
        let old = {
            let o = self.slot_mut(r)?;
            let Body::Instance(i) = &mut o.body else {
                return Err(VmException::Security);
            };
            powered.then(|| std::mem::replace(&mut i.native, state))
        };
        let Some(old) = old else {
            return Err(self.torn());
        };
        self.wrote(r.index());
        if atomic {
            self.log_undo(|| Undo::Native { obj: r, old })?;
        }
        Ok(())
    }

    /// Replaces the native state of a JCRE object whose state lives in RAM (the reason of
    /// the JCRE exception singletons): neither gated, counted nor journaled.
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
}
