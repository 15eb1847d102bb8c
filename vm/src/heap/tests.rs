//! Heap tests: the write path, transactions, transient memory and firewall checks.

use super::*;

const APP: ContextId = ContextId(3);
const OTHER: ContextId = ContextId(4);

fn bytes(heap: &mut Heap, owner: ContextId, memory: Memory, n: usize) -> ObjRef {
    heap.alloc_array(owner, memory, ArrayData::Byte(vec![0; n]))
        .expect("allocation")
}

#[test]
fn every_persistent_write_is_counted_and_transient_ones_are_not() {
    let mut heap = Heap::new();
    let p = bytes(&mut heap, APP, Memory::Persistent, 4);
    let t = bytes(&mut heap, APP, Memory::ClearOnReset, 4);
    let obj = heap
        .alloc_instance(APP, 0, 2, NativeState::None)
        .expect("instance");
    let before = heap.persistent_writes();
    heap.store_byte(p, 0, 1, APP).expect("store");
    heap.store_byte(t, 0, 1, APP).expect("store");
    heap.put_field(obj, 1, 9, APP).expect("putfield");
    assert_eq!(heap.persistent_writes() - before, 2);
    // Creating an object writes its header to NVM, for transient arrays too.
    let before = heap.persistent_writes();
    bytes(&mut heap, APP, Memory::ClearOnDeselect, 2);
    assert_eq!(heap.persistent_writes() - before, 1);
    // Util.arrayCopy is one atomic write; arrayCopyNonAtomic one write per byte.
    let before = heap.persistent_writes();
    heap.write_bytes(p, 0, &[1, 2, 3], APP, true).expect("copy");
    assert_eq!(heap.persistent_writes() - before, 1);
    heap.write_bytes(p, 0, &[1, 2, 3], APP, false)
        .expect("copy");
    assert_eq!(heap.persistent_writes() - before, 4);
    heap.write_bytes(t, 0, &[1, 2, 3], APP, true).expect("copy");
    assert_eq!(heap.persistent_writes() - before, 4);
}

#[test]
fn abort_restores_fields_arrays_and_statics_commit_keeps_them() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 4);
    let obj = heap
        .alloc_instance(APP, 0, 2, NativeState::None)
        .expect("instance");
    let seg = heap.add_static_image(StaticImage {
        refs: vec![0],
        bytes: vec![0; 4],
    });
    let s = StaticAddr { seg, off: 2 };
    heap.store_byte(arr, 1, 5, APP).expect("store");
    heap.put_field(obj, 0, 7, APP).expect("put");
    heap.put_static_short(s, 0x1234).expect("put");

    heap.begin_transaction().expect("begin");
    heap.store_byte(arr, 1, 6, APP).expect("store");
    heap.put_field(obj, 0, 8, APP).expect("put");
    heap.put_static_short(s, 0x4321).expect("put");
    heap.write_bytes(arr, 2, &[1, 2], APP, true).expect("copy");
    heap.abort_transaction().expect("abort");
    assert_eq!(heap.load_byte(arr, 1, APP), Ok(5));
    assert_eq!(heap.load_byte(arr, 2, APP), Ok(0));
    assert_eq!(heap.get_field(obj, 0, APP), Ok(7));
    assert_eq!(heap.get_static_short(s), Ok(0x1234));

    heap.begin_transaction().expect("begin");
    heap.store_byte(arr, 1, 6, APP).expect("store");
    heap.commit_transaction().expect("commit");
    assert_eq!(heap.load_byte(arr, 1, APP), Ok(6));
}

#[test]
fn transactions_do_not_nest_and_non_atomic_writes_survive_abort() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 4);
    heap.begin_transaction().expect("begin");
    assert_eq!(
        heap.begin_transaction(),
        Err(VmException::Transaction(TRANSACTION_IN_PROGRESS))
    );
    heap.write_bytes(arr, 0, &[9, 9], APP, false)
        .expect("non-atomic");
    heap.abort_transaction().expect("abort");
    assert_eq!(heap.load_byte(arr, 0, APP), Ok(9));
    assert_eq!(
        heap.commit_transaction(),
        Err(VmException::Transaction(TRANSACTION_NOT_IN_PROGRESS))
    );
}

#[test]
fn a_full_journal_throws_buffer_full_and_leaves_the_value() {
    let mut heap = Heap::with_limits(4096, 1024, 16);
    let arr = bytes(&mut heap, APP, Memory::Persistent, 32);
    heap.begin_transaction().expect("begin");
    // Each byte store costs 5 journal bytes: the fourth does not fit in 16.
    for i in 0..3 {
        heap.store_byte(arr, i, 1, APP).expect("fits");
    }
    assert_eq!(
        heap.store_byte(arr, 3, 1, APP),
        Err(VmException::Transaction(TRANSACTION_BUFFER_FULL))
    );
    assert_eq!(heap.load_byte(arr, 3, APP), Ok(0));
}

#[test]
fn transient_arrays_clear_on_their_events() {
    let mut heap = Heap::new();
    let reset = bytes(&mut heap, APP, Memory::ClearOnReset, 2);
    let deselect = bytes(&mut heap, APP, Memory::ClearOnDeselect, 2);
    let other = bytes(&mut heap, OTHER, Memory::ClearOnDeselect, 2);
    for r in [reset, deselect] {
        heap.store_byte(r, 0, 7, APP).expect("store");
    }
    heap.store_byte(other, 0, 7, OTHER).expect("store");
    heap.clear_on_deselect(APP);
    assert_eq!(heap.load_byte(reset, 0, APP), Ok(7));
    assert_eq!(heap.load_byte(deselect, 0, APP), Ok(0));
    assert_eq!(heap.load_byte(other, 0, OTHER), Ok(7));
    heap.reset();
    assert_eq!(heap.load_byte(reset, 0, APP), Ok(0));
    assert_eq!(heap.load_byte(other, 0, OTHER), Ok(0));
}

#[test]
fn firewall_guards_every_access() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 2);
    assert_eq!(heap.load_byte(arr, 0, OTHER), Err(VmException::Security));
    assert_eq!(
        heap.store_byte(arr, 0, 1, OTHER),
        Err(VmException::Security)
    );
    assert_eq!(heap.array_length(arr, OTHER), Err(VmException::Security));
    assert_eq!(heap.array_length(arr, ContextId::JCRE), Ok(2));
    let obj = heap
        .alloc_instance(APP, 0, 1, NativeState::None)
        .expect("instance");
    assert_eq!(heap.get_field(obj, 0, OTHER), Err(VmException::Security));

    // A global array is open to all but cannot be stored.
    let global = bytes(&mut heap, ContextId::JCRE, Memory::ClearOnReset, 2);
    heap.set_access(global, Access::GlobalArray)
        .expect("access");
    assert_eq!(heap.store_byte(global, 1, 3, OTHER), Ok(()));
    assert_eq!(
        heap.put_field_ref(obj, 0, global.word(), APP),
        Err(VmException::Security)
    );
    assert_eq!(heap.get_field(obj, 0, APP), Ok(0));
}

#[test]
fn bounds_are_checked_before_writing() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 4);
    assert_eq!(
        heap.write_bytes(arr, 3, &[1, 2], APP, true),
        Err(VmException::ArrayIndexOutOfBounds)
    );
    assert_eq!(heap.load_byte(arr, 3, APP), Ok(0));
    assert_eq!(
        heap.load_byte(arr, -1, APP),
        Err(VmException::ArrayIndexOutOfBounds)
    );
    assert_eq!(heap.copy_bytes((arr, 0), (arr, 1), 3, APP, true), Ok(()));
}

#[test]
fn the_heap_round_trips_through_serde() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 3);
    heap.store_byte(arr, 2, -5, APP).expect("store");
    let json = serde_json::to_string(&heap).expect("serialise");
    let back: Heap = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back.load_byte(arr, 2, APP), Ok(-5));
}

fn static_segment(heap: &mut Heap) -> u16 {
    heap.add_static_image(StaticImage {
        refs: vec![0, 0],
        bytes: vec![0; 8],
    })
}

#[test]
fn a_tear_stops_the_chosen_write_and_every_later_one() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 4);
    let ram = bytes(&mut heap, APP, Memory::ClearOnReset, 4);
    let seg = static_segment(&mut heap);
    heap.arm_tear(2);
    heap.store_byte(arr, 0, 1, APP).expect("first write");
    heap.store_byte(arr, 1, 2, APP).expect("second write");
    // The third write is the one the power fails in: it does not happen.
    assert!(heap.store_byte(arr, 2, 3, APP).is_err());
    assert!(heap.power_lost());
    assert_eq!(heap.load_byte(arr, 2, APP), Ok(0));
    // Nothing persistent changes any more, objects included.
    assert!(heap
        .put_static_short(StaticAddr { seg, off: 4 }, 1)
        .is_err());
    assert_eq!(heap.get_static_short(StaticAddr { seg, off: 4 }), Ok(0));
    assert!(heap.store_byte(arr, 3, 4, APP).is_err());
    assert_eq!(
        heap.alloc_instance(APP, 0, 1, NativeState::None),
        Err(AllocError::PowerLost)
    );
    // RAM is still writable until it is lost at power-up.
    heap.store_byte(ram, 0, 9, APP).expect("transient");
    heap.power_up();
    assert!(!heap.power_lost());
    assert_eq!(heap.load_byte(ram, 0, APP), Ok(0));
    assert_eq!(heap.read_bytes(arr, 0, 4, APP), Ok(vec![1, 2, 0, 0]));
    // The tear was spent: writes work again.
    heap.store_byte(arr, 3, 4, APP).expect("powered again");
}

#[test]
fn power_up_rolls_back_a_transaction_interrupted_by_a_tear() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 4);
    let obj = heap
        .alloc_instance(APP, 0, 1, NativeState::None)
        .expect("instance");
    let seg = static_segment(&mut heap);
    let s = StaticAddr { seg, off: 4 };
    heap.put_field(obj, 0, 5, APP).expect("put");
    heap.begin_transaction().expect("begin");
    heap.put_field(obj, 0, 6, APP).expect("put");
    heap.put_static_int(s, 0x0102_0304).expect("put");
    heap.write_bytes(arr, 0, &[7, 7], APP, true).expect("copy");
    heap.arm_tear(0);
    assert!(heap.tears_at_next_store(arr));
    let recovery = heap.power_up();
    assert_eq!(
        recovery,
        Recovery {
            rolled_back: true,
            restored: 3,
            nulled: 0
        }
    );
    assert_eq!(heap.get_field(obj, 0, APP), Ok(5));
    assert_eq!(heap.get_static_int(s), Ok(0));
    assert_eq!(heap.read_bytes(arr, 0, 2, APP), Ok(vec![0, 0]));
    assert_eq!(heap.transaction_depth(), 0);
}

impl Heap {
    /// Tries one more persistent byte store and reports whether the power failed in it.
    fn tears_at_next_store(&mut self, arr: ObjRef) -> bool {
        self.store_byte(arr, 3, 1, APP).is_err() && self.power_lost()
    }
}

#[test]
fn a_tear_at_the_commit_rolls_back_and_a_tear_after_it_keeps_everything() {
    for (writes_before_tear, expected) in [(1, 0), (2, 8)] {
        let mut heap = Heap::new();
        let obj = heap
            .alloc_instance(APP, 0, 1, NativeState::None)
            .expect("instance");
        heap.begin_transaction().expect("begin");
        heap.arm_tear(writes_before_tear);
        heap.put_field(obj, 0, 8, APP).expect("put");
        // The commit record is the second write.
        let committed = heap.commit_transaction().is_ok();
        assert_eq!(committed, writes_before_tear == 2);
        heap.power_up();
        assert_eq!(heap.get_field(obj, 0, APP), Ok(expected));
    }
}

#[test]
fn util_array_copy_is_all_or_nothing_and_the_non_atomic_copy_is_not() {
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 6);
    heap.arm_tear(0);
    assert!(heap.write_bytes(arr, 0, &[1, 2, 3], APP, true).is_err());
    heap.power_up();
    assert_eq!(heap.read_bytes(arr, 0, 3, APP), Ok(vec![0, 0, 0]));

    // Two bytes of a non-atomic copy reach NVM before the power fails.
    heap.arm_tear(2);
    assert!(heap.write_bytes(arr, 0, &[4, 5, 6, 7], APP, false).is_err());
    heap.power_up();
    assert_eq!(heap.read_bytes(arr, 0, 4, APP), Ok(vec![4, 5, 0, 0]));

    // Inside a transaction the non-atomic bytes are not journaled: they survive the
    // rollback, the atomic ones do not.
    let mut heap = Heap::new();
    let arr = bytes(&mut heap, APP, Memory::Persistent, 6);
    heap.begin_transaction().expect("begin");
    heap.write_bytes(arr, 0, &[1, 1], APP, false)
        .expect("non-atomic");
    heap.write_bytes(arr, 2, &[2, 2], APP, true)
        .expect("atomic");
    heap.fill_bytes(arr, 4, 2, 3, APP, false).expect("fill");
    heap.arm_tear(0);
    assert!(heap.commit_transaction().is_err());
    heap.power_up();
    assert_eq!(heap.read_bytes(arr, 0, 6, APP), Ok(vec![1, 1, 0, 0, 3, 3]));
}

#[test]
fn objects_created_in_an_aborted_transaction_become_null() {
    let mut heap = Heap::new();
    let holder = heap
        .alloc_array(
            APP,
            Memory::Persistent,
            ArrayData::Reference {
                element: 0,
                items: vec![0; 2],
            },
        )
        .expect("array");
    let ram_holder = heap
        .alloc_array(
            APP,
            Memory::ClearOnDeselect,
            ArrayData::Reference {
                element: 0,
                items: vec![0; 1],
            },
        )
        .expect("array");
    let seg = static_segment(&mut heap);
    let kept = bytes(&mut heap, APP, Memory::Persistent, 1);
    heap.store_ref(holder, 1, kept.word(), APP).expect("store");
    let free_before = heap.persistent_available();

    heap.begin_transaction().expect("begin");
    let fresh = bytes(&mut heap, APP, Memory::Persistent, 100);
    heap.store_ref(holder, 0, fresh.word(), APP).expect("store");
    heap.store_ref(ram_holder, 0, fresh.word(), APP)
        .expect("transient store");
    heap.put_static_ref(StaticAddr { seg, off: 1 }, fresh.word(), APP)
        .expect("static");
    heap.abort_transaction().expect("abort");

    assert!(heap.is_nulled(fresh));
    assert_eq!(heap.load_byte(fresh, 0, APP), Err(VmException::NullPointer));
    assert_eq!(heap.load_ref(holder, 0, APP), Ok(0));
    assert_eq!(heap.load_ref(ram_holder, 0, APP), Ok(0));
    assert_eq!(heap.get_static_ref(StaticAddr { seg, off: 1 }), Ok(0));
    assert_eq!(heap.load_ref(holder, 1, APP), Ok(kept.word()));
    assert_eq!(heap.persistent_available(), free_before);
}

#[test]
fn a_full_commit_buffer_leaves_the_transaction_open() {
    let mut heap = Heap::with_limits(4096, 1024, 5);
    let arr = bytes(&mut heap, APP, Memory::Persistent, 4);
    heap.begin_transaction().expect("begin");
    heap.store_byte(arr, 0, 1, APP).expect("fits");
    assert_eq!(
        heap.store_byte(arr, 1, 1, APP),
        Err(VmException::Transaction(TRANSACTION_BUFFER_FULL))
    );
    assert_eq!(heap.transaction_depth(), 1);
    heap.abort_transaction().expect("abort");
    assert_eq!(heap.read_bytes(arr, 0, 2, APP), Ok(vec![0, 0]));
}

#[test]
fn power_up_resets_the_reason_of_jcre_exception_objects() {
    let mut heap = Heap::new();
    let e = heap
        .alloc_instance(ContextId::JCRE, 0, 0, NativeState::Reason(0))
        .expect("instance");
    heap.set_access(e, Access::TemporaryEntryPoint)
        .expect("access");
    heap.set_volatile_native(e, NativeState::Reason(0x6A82))
        .expect("reason");
    heap.reset();
    assert_eq!(heap.native(e), Ok(&NativeState::Reason(0)));
}

fn json(heap: &Heap) -> serde_json::Value {
    serde_json::to_value(heap).expect("serialise")
}

#[test]
fn deltas_replayed_on_a_copy_reproduce_the_heap() {
    let mut heap = Heap::new();
    let a = bytes(&mut heap, APP, Memory::Persistent, 8);
    let seg = static_segment(&mut heap);
    let mut copy = heap.clone();
    heap.track_changes(true);

    heap.store_byte(a, 3, 9, APP).expect("store");
    let delta = heap.take_delta();
    assert_eq!(delta.object_count(), 1);
    copy.apply_delta(delta).expect("apply");
    assert_eq!(json(&copy), json(&heap));

    // Creation, a static, a transaction rolled back with a nulled object.
    let b = bytes(&mut heap, APP, Memory::Persistent, 2);
    heap.put_static_short(StaticAddr { seg, off: 2 }, 77)
        .expect("static");
    heap.begin_transaction().expect("begin");
    heap.store_byte(b, 0, 1, APP).expect("store");
    bytes(&mut heap, APP, Memory::Persistent, 2);
    heap.abort_transaction().expect("abort");
    let delta = heap.take_delta();
    copy.apply_delta(delta).expect("apply");
    assert_eq!(json(&copy), json(&heap));

    // Nothing changed: an empty delta.
    assert!(heap.take_delta().is_empty());
}

#[test]
fn a_delta_that_does_not_fit_changes_nothing() {
    let mut heap = Heap::new();
    let a = bytes(&mut heap, APP, Memory::Persistent, 8);
    let mut source = heap.clone();
    source.track_changes(true);
    source.store_byte(a, 0, 1, APP).expect("store");
    let mut delta = serde_json::to_value(source.take_delta()).expect("json");
    // Point the changed object at the null handle.
    delta["objects"][0][0] = serde_json::json!(0);
    let delta: HeapDelta = serde_json::from_value(delta).expect("delta");
    let before = json(&heap);
    assert_eq!(heap.apply_delta(delta), Err(DeltaError::ObjectIndex(0)));
    assert_eq!(json(&heap), before);

    let mut big = serde_json::to_value(source.take_delta()).expect("json");
    big["objects_len"] = serde_json::json!(1_000_000);
    let big: HeapDelta = serde_json::from_value(big).expect("delta");
    assert!(matches!(
        heap.apply_delta(big),
        Err(DeltaError::ObjectCount { .. })
    ));
    assert_eq!(json(&heap), before);
}
