//! `CardException`, `CardRuntimeException` and their subclasses: the reason code is native
//! state of the exception object (Java Card 3.0.5 API).

use super::{Args, NativeRet};
use crate::heap::{Access, ContextId, NativeState};
use crate::interp::{Env, Fault};

/// `<init>(short reason)`.
pub(super) fn init(env: &mut Env<'_>, a: &Args<'_>, _ctx: ContextId) -> Result<NativeRet, Fault> {
    let this = a.obj(0)?;
    let reason = a.short(1)?;
    set(env, this, reason)?;
    Ok(NativeRet::Void)
}

/// `UserException.<init>()`: reason 0.
pub(super) fn init_zero(
    env: &mut Env<'_>,
    a: &Args<'_>,
    _ctx: ContextId,
) -> Result<NativeRet, Fault> {
    let this = a.obj(0)?;
    set(env, this, 0)?;
    Ok(NativeRet::Void)
}

/// `getReason()`.
pub(super) fn get_reason(
    env: &mut Env<'_>,
    a: &Args<'_>,
    _ctx: ContextId,
) -> Result<NativeRet, Fault> {
    let this = a.obj(0)?;
    let reason = match env.heap.native(this)? {
        NativeState::Reason(r) => *r,
        _ => 0,
    };
    Ok(NativeRet::Word(i32::from(reason)))
}

/// `setReason(short)`.
pub(super) fn set_reason(
    env: &mut Env<'_>,
    a: &Args<'_>,
    _ctx: ContextId,
) -> Result<NativeRet, Fault> {
    let this = a.obj(0)?;
    let reason = a.short(1)?;
    set(env, this, reason)?;
    Ok(NativeRet::Void)
}

fn set(env: &mut Env<'_>, this: crate::heap::ObjRef, reason: i16) -> Result<(), Fault> {
    // The JCRE singletons keep their reason in RAM; applet-owned exceptions are persistent
    // objects like any other.
    if env.heap.get(this)?.access == Access::TemporaryEntryPoint {
        env.heap
            .set_volatile_native(this, NativeState::Reason(reason))?;
    } else {
        env.heap
            .set_native(this, NativeState::Reason(reason), true)?;
    }
    Ok(())
}
