//! The firewall mechanism (JCRE 3.0.5 chapter 6): which context may touch which object.
//!
//! The VM calls these checks on every bytecode that touches an object; the COS decides the
//! policy around them (which context each package gets, which objects are entry points or
//! global arrays, which shareable interface objects to hand out). A failed check throws
//! `java.lang.SecurityException`.

use crate::heap::{Access, ContextId, Object};

/// Instance fields (`getfield`, `putfield`): only the owning context or the JCRE (§6.2.8.2).
/// Entry-point objects expose methods, never fields.
#[inline(always)]
pub fn may_access_fields(obj: &Object, ctx: ContextId) -> bool {
    obj.owner == ctx || ctx == ContextId::JCRE
}

/// Array elements and `arraylength` (§6.2.8.3): the owning context, the JCRE, or anyone for a
/// global array.
#[inline(always)]
pub fn may_access_array(obj: &Object, ctx: ContextId) -> bool {
    obj.owner == ctx || ctx == ContextId::JCRE || obj.access == Access::GlobalArray
}

/// `invokevirtual` (§6.2.8.4): the owning context, the JCRE, or a JCRE entry-point object.
#[inline(always)]
pub fn may_invoke_virtual(obj: &Object, ctx: ContextId) -> bool {
    obj.owner == ctx || ctx == ContextId::JCRE || is_entry_point(obj)
}

/// `invokeinterface` (§6.2.8.5): as `invokevirtual`, plus any object when the interface is
/// a shareable interface (the call then switches to the owner's context).
#[inline(always)]
pub fn may_invoke_interface(obj: &Object, ctx: ContextId, shareable: bool) -> bool {
    may_invoke_virtual(obj, ctx) || shareable
}

/// `checkcast` and `instanceof` (§6.2.8.7): the owning context, the JCRE, entry-point
/// objects, global arrays, or a cast to a shareable interface.
#[inline(always)]
pub fn may_cast(obj: &Object, ctx: ContextId, to_shareable: bool) -> bool {
    obj.owner == ctx
        || ctx == ContextId::JCRE
        || is_entry_point(obj)
        || obj.access == Access::GlobalArray
        || to_shareable
}

/// `athrow` (§6.2.8.10): an exception object of the current context or a JCRE entry point.
#[inline(always)]
pub fn may_throw(obj: &Object, ctx: ContextId) -> bool {
    obj.owner == ctx || ctx == ContextId::JCRE || is_entry_point(obj)
}

/// Storing a reference in a field, static or array component (§6.2.1, §6.2.2): references
/// to temporary JCRE entry-point objects and to global arrays may only be stored by the JCRE.
#[inline(always)]
pub fn may_store_reference(value: &Object, ctx: ContextId) -> bool {
    ctx == ContextId::JCRE
        || !matches!(
            value.access,
            Access::TemporaryEntryPoint | Access::GlobalArray
        )
}

/// Whether the object is a JCRE entry point (permanent or temporary).
#[inline(always)]
pub fn is_entry_point(obj: &Object) -> bool {
    matches!(
        obj.access,
        Access::PermanentEntryPoint | Access::TemporaryEntryPoint
    )
}

/// The context a method invoked on `obj` runs in (§6.2.3): a shareable interface call
/// switches to the owner's context; calls on JCRE entry points and same-context calls keep
/// the caller's context (natives of entry points run with JCRE privileges in Rust).
#[inline(always)]
pub fn callee_context(obj: &Object, ctx: ContextId) -> ContextId {
    if obj.owner == ctx || obj.owner == ContextId::JCRE {
        ctx
    } else {
        obj.owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::{Array, ArrayData, Body, Memory};

    fn array(owner: u16, access: Access) -> Object {
        Object {
            owner: ContextId(owner),
            access,
            body: Body::Array(Array {
                memory: Memory::Persistent,
                data: ArrayData::Byte(vec![0; 4]),
            }),
        }
    }

    #[test]
    fn same_context_and_jcre_may_access() {
        let o = array(3, Access::Normal);
        assert!(may_access_array(&o, ContextId(3)));
        assert!(may_access_array(&o, ContextId::JCRE));
        assert!(!may_access_array(&o, ContextId(4)));
        assert!(!may_access_fields(&o, ContextId(4)));
    }

    #[test]
    fn global_arrays_are_open_but_not_storable() {
        let o = array(0, Access::GlobalArray);
        assert!(may_access_array(&o, ContextId(7)));
        assert!(!may_store_reference(&o, ContextId(7)));
        assert!(may_store_reference(&o, ContextId::JCRE));
    }

    #[test]
    fn entry_points_expose_methods_not_fields() {
        let o = array(0, Access::TemporaryEntryPoint);
        assert!(may_invoke_virtual(&o, ContextId(2)));
        assert!(!may_access_fields(&o, ContextId(2)));
        assert!(may_throw(&o, ContextId(2)));
        assert!(!may_store_reference(&o, ContextId(2)));
        let p = array(0, Access::PermanentEntryPoint);
        assert!(may_store_reference(&p, ContextId(2)));
    }

    #[test]
    fn shareable_calls_switch_to_the_owner() {
        let o = array(5, Access::Normal);
        assert!(!may_invoke_virtual(&o, ContextId(2)));
        assert!(may_invoke_interface(&o, ContextId(2), true));
        assert_eq!(callee_context(&o, ContextId(2)), ContextId(5));
        assert_eq!(callee_context(&o, ContextId(5)), ContextId(5));
    }
}
