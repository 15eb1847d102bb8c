//! Power: tear injection and the power-up recovery (JCRE 3.0.5 §7.6.2 "Tear or Reset
//! Transaction Failure", §5 transient objects).

use super::{Access, Body, Heap, Memory, NativeState, Object};
use crate::heap::ContextId;

/// What the power-up after a tear or reset found and repaired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// A transaction was in progress and was rolled back.
    pub rolled_back: bool,
    /// Journaled values restored.
    pub restored: usize,
    /// Objects created by the rolled-back transaction, now equivalent to `null`.
    pub nulled: usize,
}

impl Heap {
    /// Arms a tear: after `writes` more persistent writes complete, the power is cut during
    /// the next one, which does not happen. `arm_tear(0)` cuts it at the very next write.
    pub fn arm_tear(&mut self, writes: u64) {
        if !self.power_lost {
            self.tear_limit = self.persistent_writes.saturating_add(writes);
        }
    }

    /// Disarms a pending tear.
    pub fn disarm_tear(&mut self) {
        if !self.power_lost {
            self.tear_limit = u64::MAX;
        }
    }

    /// Whether the power was cut by a tear: nothing persistent changes any more, and the
    /// VM must stop; [`Heap::power_up`] recovers.
    pub fn power_lost(&self) -> bool {
        self.power_lost
    }

    /// Cuts the power now.
    pub(super) fn cut_power(&mut self) {
        self.power_lost = true;
        self.tear_limit = 0;
    }

    /// The power-up of the card after a tear, a reset or a new session: an interrupted
    /// transaction is rolled back from the journal and the objects it created become
    /// unreachable, every transient array is cleared, and the reasons of the JCRE's
    /// exception instances are reset to 0 (API `CardRuntimeException`). The tear, if one
    /// was armed, is spent.
    pub fn power_up(&mut self) -> Recovery {
        self.power_lost = false;
        self.tear_limit = u64::MAX;
        let mut recovery = Recovery::default();
        if self.journal.is_open() {
            let (restored, nulled) = self.roll_back();
            recovery = Recovery {
                rolled_back: true,
                restored,
                nulled,
            };
        }
        self.clear_transients();
        for object in self.objects.iter_mut().flatten() {
            if let Object {
                owner: ContextId::JCRE,
                access: Access::TemporaryEntryPoint,
                body: Body::Instance(i),
            } = object
            {
                if let NativeState::Reason(reason) = &mut i.native {
                    *reason = 0;
                }
            }
        }
        recovery
    }

    /// Clears every transient array (their contents are RAM: lost with the power).
    pub fn clear_transients(&mut self) {
        for i in 0..self.transients.len() {
            if let Some(r) = self.transients.get(i).copied() {
                if let Some(data) = self.data_mut(r) {
                    data.clear();
                }
            }
        }
    }

    /// Card reset: the same recovery as a power-up.
    pub fn reset(&mut self) {
        self.power_up();
    }

    /// Clears the `CLEAR_ON_DESELECT` arrays owned by `ctx` (no applet of that context is
    /// active any more).
    pub fn clear_on_deselect(&mut self, ctx: ContextId) {
        for i in 0..self.transients.len() {
            let Some(r) = self.transients.get(i).copied() else {
                continue;
            };
            if let Some(Object {
                owner,
                body: Body::Array(a),
                ..
            }) = self.objects.get_mut(r.index()).and_then(Option::as_mut)
            {
                if *owner == ctx && a.memory == Memory::ClearOnDeselect {
                    a.data.clear();
                }
            }
        }
    }
}
