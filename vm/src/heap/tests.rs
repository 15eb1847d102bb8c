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
    let before = heap.persistent_writes();
    heap.store_byte(p, 0, 1, APP).expect("store");
    heap.store_byte(t, 0, 1, APP).expect("store");
    let obj = heap
        .alloc_instance(APP, 0, 2, NativeState::None)
        .expect("instance");
    heap.put_field(obj, 1, 9, APP).expect("putfield");
    assert_eq!(heap.persistent_writes() - before, 2);
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
