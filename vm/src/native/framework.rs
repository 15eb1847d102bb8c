//! `javacard.framework.Applet`: registration of the instance being installed.

use super::{AppletEntry, Args, NativeRet};
use crate::heap::{Access, Body, ContextId, NativeState};
use crate::interp::{Env, Fault, VmException, SYSTEM_ILLEGAL_VALUE};

/// `SystemException.ILLEGAL_AID`.
const SYSTEM_ILLEGAL_AID: i16 = 4;

/// `Applet.register()` and `Applet.register(byte[], short, byte)` (JCRE 3.0.5 §3.1): only
/// during `install`, once, for an applet of the installing context; the AID is the instance
/// AID of the install parameters or the one given.
pub(super) fn register(
    env: &mut Env<'_>,
    a: &Args<'_>,
    ctx: ContextId,
    explicit: bool,
) -> Result<NativeRet, Fault> {
    let this = a.obj(0)?;
    let Some(install) = env.jcre.install.as_ref() else {
        return Err(VmException::System(SYSTEM_ILLEGAL_AID).into());
    };
    if install.registered.is_some() {
        return Err(VmException::System(SYSTEM_ILLEGAL_AID).into());
    }
    let aid = if explicit {
        let arr = a.obj(1)?;
        let off = a.short(2)?;
        let len = a.byte(3)?;
        if !(5..=16).contains(&len) {
            return Err(VmException::System(SYSTEM_ILLEGAL_VALUE).into());
        }
        env.heap
            .read_u8s(arr, i32::from(off), i32::from(len), ctx)?
    } else {
        install.aid.clone()
    };
    let owner = env.heap.get(this)?.owner;
    if owner != ctx || !matches!(env.heap.get(this)?.body, Body::Instance(_)) {
        return Err(VmException::System(SYSTEM_ILLEGAL_AID).into());
    }
    if env.jcre.applet_by_aid(&aid).is_some() || env.runtime.aid_in_use(&aid) {
        return Err(VmException::System(SYSTEM_ILLEGAL_AID).into());
    }
    let aid_object = env
        .heap
        .alloc_instance(
            ContextId::JCRE,
            env.jcre.aid_class.0,
            0,
            NativeState::Aid(aid.clone()),
        )
        .map_err(|_| VmException::System(crate::interp::SYSTEM_NO_RESOURCE))?;
    env.heap
        .set_access(aid_object, Access::PermanentEntryPoint)?;
    env.jcre.applets.push(AppletEntry {
        instance: this,
        aid,
        aid_object,
        context: ctx,
        deleted: false,
    });
    let index = env.jcre.applets.len() - 1;
    if let Some(i) = env.jcre.install.as_mut() {
        i.registered = Some(index);
    }
    Ok(NativeRet::Void)
}
