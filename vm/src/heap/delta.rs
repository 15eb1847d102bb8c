//! Change tracking: which objects and static segments the write path touched since the
//! last [`Heap::take_delta`], so that a card image can be brought up to date by appending
//! only what one command changed (a redo record of whole objects) instead of rewriting
//! the heap.

use serde::{Deserialize, Serialize};

use super::{Heap, Journal, ObjRef, Object, StaticImage};

/// The set of changed locations. Empty and inert until tracking is switched on, so a heap
/// that nobody persists pays one failed bounds check per write.
#[derive(Clone, Debug, Default)]
pub(super) struct Changes {
    tracking: bool,
    /// One bit per object handle: already in `objects`.
    bits: Vec<u64>,
    objects: Vec<u32>,
    statics: Vec<u16>,
}

impl Changes {
    /// Marks object `index` changed.
    #[inline(always)]
    pub(super) fn touch(&mut self, index: usize) {
        let mask = 1u64 << (index & 63);
        match self.bits.get_mut(index >> 6) {
            Some(word) => {
                if *word & mask == 0 {
                    *word |= mask;
                    self.objects.push(index as u32);
                }
            }
            None => {
                if self.tracking {
                    self.grow_and_touch(index);
                }
            }
        }
    }

    #[cold]
    fn grow_and_touch(&mut self, index: usize) {
        let words = (index >> 6).saturating_add(1);
        if words > self.bits.len() {
            // Grow geometrically so that a run of allocations does not resize every time.
            let target = words.max(self.bits.len().saturating_mul(2));
            self.bits.resize(target, 0);
        }
        self.touch(index);
    }

    /// Marks a newly created object.
    #[inline]
    pub(super) fn created(&mut self, index: usize) {
        self.touch(index);
    }

    /// Marks static segment `seg` changed.
    pub(super) fn touch_static(&mut self, seg: u16) {
        if self.tracking && !self.statics.contains(&seg) {
            self.statics.push(seg);
        }
    }

    /// The heap's bookkeeping (journal, lists) changed; it is part of every delta anyway.
    #[inline]
    pub(super) fn touch_header(&mut self) {}

    fn reset(&mut self, tracking: bool, objects: usize) {
        self.tracking = tracking;
        self.bits.clear();
        if tracking {
            self.bits.resize(objects.div_ceil(64).max(1), 0);
        }
        self.objects.clear();
        self.statics.clear();
    }
}

/// What changed in a heap since the previous delta: the new contents of every changed
/// object (`None` for a freed or nulled one) and static segment, and the heap's
/// bookkeeping. Applying the deltas of a heap in order to a copy of its earlier state
/// reproduces it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeapDelta {
    /// Number of handles in the arena afterwards.
    objects_len: u32,
    /// Changed objects by handle index, ascending.
    objects: Vec<(u32, Option<Object>)>,
    /// Changed static segments, ascending.
    statics: Vec<(u16, StaticImage)>,
    persistent_used: u64,
    transient_used: u64,
    transients: Vec<ObjRef>,
    nulled: Vec<ObjRef>,
    journal: Journal,
    persistent_writes: u64,
}

impl HeapDelta {
    /// Number of objects the delta carries.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Whether the delta changes no object and no static segment.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.statics.is_empty()
    }
}

/// Why a delta does not fit the heap it is applied to (a damaged or foreign card image
/// journal).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeltaError {
    /// The arena would shrink or grow by more handles than the delta carries.
    #[error("object count {found} does not follow from {current} objects and {carried} changes")]
    ObjectCount {
        /// Handles in the heap now.
        current: u64,
        /// Handles the delta announces.
        found: u64,
        /// Objects the delta carries.
        carried: u64,
    },
    /// An object index is 0 (the `null` handle) or outside the announced arena.
    #[error("object index {0} out of range")]
    ObjectIndex(u32),
    /// A static segment is neither an existing one nor the next new one.
    #[error("static segment {0} out of range")]
    StaticSegment(u16),
}

impl Heap {
    /// Starts (or stops) recording changes; the record starts empty.
    pub fn track_changes(&mut self, on: bool) {
        self.changes.reset(on, self.objects.len());
    }

    /// Restores the invariants a deserialised heap may lack (it comes from a file): the
    /// nulled handles sorted and unique.
    pub fn normalise(&mut self) {
        self.nulled.sort_unstable();
        self.nulled.dedup();
    }

    /// Whether anything was recorded since the last delta.
    pub fn has_changes(&self) -> bool {
        !self.changes.objects.is_empty() || !self.changes.statics.is_empty()
    }

    /// The changes since the previous call (or since tracking started) and starts a new
    /// record. Without tracking, the delta holds every object and segment.
    pub fn take_delta(&mut self) -> HeapDelta {
        let (mut indices, mut segs): (Vec<u32>, Vec<u16>) = if self.changes.tracking {
            for &i in &self.changes.objects {
                if let Some(word) = self.changes.bits.get_mut((i as usize) >> 6) {
                    *word = 0;
                }
            }
            (
                std::mem::take(&mut self.changes.objects),
                std::mem::take(&mut self.changes.statics),
            )
        } else {
            (
                (1..self.objects.len())
                    .filter_map(|i| u32::try_from(i).ok())
                    .collect(),
                (0..self.statics.len())
                    .filter_map(|s| u16::try_from(s).ok())
                    .collect(),
            )
        };
        indices.sort_unstable();
        segs.sort_unstable();
        HeapDelta {
            objects_len: u32::try_from(self.objects.len()).unwrap_or(u32::MAX),
            objects: indices
                .into_iter()
                .map(|i| (i, self.objects.get(i as usize).cloned().flatten()))
                .collect(),
            statics: segs
                .into_iter()
                .filter_map(|s| Some((s, self.statics.get(usize::from(s))?.clone())))
                .collect(),
            persistent_used: self.persistent_used as u64,
            transient_used: self.transient_used as u64,
            transients: self.transients.clone(),
            nulled: self.nulled.clone(),
            journal: self.journal.clone(),
            persistent_writes: self.persistent_writes,
        }
    }

    /// Applies a delta taken from a heap that was equal to this one. Nothing changes when
    /// the delta does not fit. Applying is not recorded as a change.
    pub fn apply_delta(&mut self, delta: HeapDelta) -> Result<(), DeltaError> {
        let current = self.objects.len();
        let len = delta.objects_len as usize;
        let carried = delta.objects.len();
        if len < current || len > current.saturating_add(carried) {
            return Err(DeltaError::ObjectCount {
                current: current as u64,
                found: u64::from(delta.objects_len),
                carried: carried as u64,
            });
        }
        if let Some((i, _)) = delta
            .objects
            .iter()
            .find(|(i, _)| *i == 0 || *i as usize >= len)
        {
            return Err(DeltaError::ObjectIndex(*i));
        }
        let mut segments = self.statics.len();
        for (seg, _) in &delta.statics {
            match usize::from(*seg) {
                s if s < segments => {}
                s if s == segments => segments = segments.saturating_add(1),
                _ => return Err(DeltaError::StaticSegment(*seg)),
            }
        }
        self.objects.resize(len, None);
        for (i, object) in delta.objects {
            if let Some(slot) = self.objects.get_mut(i as usize) {
                *slot = object;
            }
        }
        for (seg, image) in delta.statics {
            match self.statics.get_mut(usize::from(seg)) {
                Some(slot) => *slot = image,
                None => self.statics.push(image),
            }
        }
        self.persistent_used = usize::try_from(delta.persistent_used).unwrap_or(usize::MAX);
        self.transient_used = usize::try_from(delta.transient_used).unwrap_or(usize::MAX);
        self.transients = delta.transients;
        self.nulled = delta.nulled;
        self.journal = delta.journal;
        self.persistent_writes = delta.persistent_writes;
        Ok(())
    }
}
