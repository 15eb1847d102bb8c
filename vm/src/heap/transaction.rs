//! Transactions (JCRE 3.0.5 §7.5–§7.8): begin, commit, abort, and the rollback that abort
//! and the power-up after a tear share.

use super::{
    ArrayData, Body, Heap, ObjRef, Object, Undo, TRANSACTION_IN_PROGRESS,
    TRANSACTION_NOT_IN_PROGRESS,
};
use crate::interp::VmException;

impl Heap {
    /// `JCSystem.beginTransaction`.
    pub fn begin_transaction(&mut self) -> Result<(), VmException> {
        if self.journal.is_open() {
            return Err(VmException::Transaction(TRANSACTION_IN_PROGRESS));
        }
        self.journal.open();
        self.changes.touch_header();
        Ok(())
    }

    /// `JCSystem.commitTransaction`. Committing is one persistent write (the commit record):
    /// a tear before it leaves the transaction to be rolled back at power-up.
    pub fn commit_transaction(&mut self) -> Result<(), VmException> {
        if !self.journal.is_open() {
            return Err(VmException::Transaction(TRANSACTION_NOT_IN_PROGRESS));
        }
        if self.persistent_writes >= self.tear_limit {
            self.cut_power();
            return Err(VmException::Security);
        }
        self.persistent_writes = self.persistent_writes.saturating_add(1);
        self.journal.close();
        self.changes.touch_header();
        Ok(())
    }

    /// `JCSystem.abortTransaction`: restores every journaled value and makes the objects the
    /// transaction created unreachable. Aborting is one persistent write; a tear before it
    /// leaves the rollback to the next power-up, with the same result.
    pub fn abort_transaction(&mut self) -> Result<(), VmException> {
        if !self.journal.is_open() {
            return Err(VmException::Transaction(TRANSACTION_NOT_IN_PROGRESS));
        }
        if self.persistent_writes >= self.tear_limit {
            self.cut_power();
            return Err(VmException::Security);
        }
        self.persistent_writes = self.persistent_writes.saturating_add(1);
        self.roll_back();
        Ok(())
    }

    /// `JCSystem.getTransactionDepth`.
    pub fn transaction_depth(&self) -> u8 {
        u8::from(self.journal.is_open())
    }

    /// Replays the journal backwards and nulls the objects created inside the transaction.
    /// Returns the number of values restored and of objects nulled.
    pub(super) fn roll_back(&mut self) -> (usize, usize) {
        let (entries, created) = self.journal.take();
        self.changes.touch_header();
        let restored = entries.len();
        for undo in entries.into_iter().rev() {
            self.undo(undo);
        }
        let nulled = created.len();
        self.null_created(created);
        (restored, nulled)
    }

    /// Restores one journaled location. Restoring cannot fail for locations that were
    /// written before; a location that no longer exists (a corrupt journal in an image) is
    /// skipped.
    pub(super) fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Field { obj, slot, old } => {
                if let Some(Object {
                    body: Body::Instance(i),
                    ..
                }) = self.objects.get_mut(obj.index()).and_then(Option::as_mut)
                {
                    if let Some(c) = i.fields.get_mut(usize::from(slot)) {
                        *c = old;
                    }
                }
                self.changes.touch(obj.index());
            }
            Undo::Byte { obj, index, old } => {
                if let Some(ArrayData::Byte(v) | ArrayData::Boolean(v)) = self.data_mut(obj) {
                    if let Some(c) = v.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
                self.changes.touch(obj.index());
            }
            Undo::Short { obj, index, old } => {
                if let Some(ArrayData::Short(v)) = self.data_mut(obj) {
                    if let Some(c) = v.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
                self.changes.touch(obj.index());
            }
            Undo::Int { obj, index, old } => {
                if let Some(ArrayData::Int(v)) = self.data_mut(obj) {
                    if let Some(c) = v.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
                self.changes.touch(obj.index());
            }
            Undo::Ref { obj, index, old } => {
                if let Some(ArrayData::Reference { items, .. }) = self.data_mut(obj) {
                    if let Some(c) = items.get_mut(usize::from(index)) {
                        *c = old;
                    }
                }
                self.changes.touch(obj.index());
            }
            Undo::Bytes { obj, offset, old } => {
                if let Some(ArrayData::Byte(v)) = self.data_mut(obj) {
                    let start = usize::from(offset);
                    let dst = start
                        .checked_add(old.len())
                        .and_then(|end| v.get_mut(start..end));
                    if let Some(dst) = dst {
                        dst.copy_from_slice(&old);
                    }
                }
                self.changes.touch(obj.index());
            }
            Undo::StaticRef { addr, old } => {
                if let Ok(img) = self.image_mut(addr.seg) {
                    let _ = img.set_ref(addr.off, old);
                }
                self.changes.touch_static(addr.seg);
            }
            Undo::StaticBytes { addr, old } => {
                if let Ok(img) = self.image_mut(addr.seg) {
                    let _ = img.set_bytes(addr.off, &old);
                }
                self.changes.touch_static(addr.seg);
            }
            Undo::Native { obj, old } => {
                if let Some(Object {
                    body: Body::Instance(i),
                    ..
                }) = self.objects.get_mut(obj.index()).and_then(Option::as_mut)
                {
                    i.native = old;
                }
                self.changes.touch(obj.index());
            }
        }
    }

    /// JCRE 3.0.5 §7.6.3: a reference to an object created during an aborted transaction is
    /// equivalent to `null`. The objects are freed and their handles remembered, so that any
    /// later use of a handle throws `NullPointerException`; reference array elements and
    /// static reference fields holding them — the locations whose type says they hold
    /// references — are set to `null`. (Instance field words and the operand stack are
    /// untyped here; a handle left there still behaves as `null` when used.)
    fn null_created(&mut self, mut created: Vec<ObjRef>) {
        if created.is_empty() {
            return;
        }
        created.sort_unstable();
        created.dedup();
        for &r in &created {
            if let Some(object) = self.objects.get_mut(r.index()).and_then(Option::take) {
                self.release(r, &object);
            }
            self.changes.touch(r.index());
            if let Err(at) = self.nulled.binary_search(&r) {
                self.nulled.insert(at, r);
            }
        }
        self.changes.touch_header();
        let dead = |word: u32| -> bool {
            ObjRef::from_word(word as i32).is_some_and(|r| created.binary_search(&r).is_ok())
        };
        for (index, slot) in self.objects.iter_mut().enumerate() {
            let Some(Object {
                body: Body::Array(a),
                ..
            }) = slot
            else {
                continue;
            };
            let ArrayData::Reference { items, .. } = &mut a.data else {
                continue;
            };
            let mut hit = false;
            for item in items.iter_mut().filter(|w| dead(**w)) {
                *item = 0;
                hit = true;
            }
            if hit {
                self.changes.touch(index);
            }
        }
        for (seg, image) in self.statics.iter_mut().enumerate() {
            let mut hit = false;
            for word in image.refs.iter_mut().filter(|w| dead(**w as u32)) {
                *word = 0;
                hit = true;
            }
            if hit {
                self.changes
                    .touch_static(u16::try_from(seg).unwrap_or(u16::MAX));
            }
        }
    }
}
