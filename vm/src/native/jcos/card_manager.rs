//! `jcos.framework.CardManager`: a security domain's view of the card's GlobalPlatform
//! registry and content management (GlobalPlatform Card Specification 2.3.1 §9, §11).
//!
//! Every method first finds the applet instance of the calling context and asks the card
//! for its content management ([`crate::runtime::Runtime::card_manager`]); a caller without
//! the Security Domain privilege gets `SecurityException`. Byte arrays are read and written
//! with the caller's context, so the firewall applies as to any API method. A refusal of
//! the card becomes an `ISOException` with its status word.

use super::{Args, JcosNative, NativeRet};
use crate::heap::ContextId;
use crate::interp::{Env, Fault, VmException};
use crate::runtime::{CardManager, Sw};

/// The `ISOException` for a card refusal.
fn refused(sw: Sw) -> Fault {
    VmException::Iso(sw as i16).into()
}

/// `len` bytes of the caller's byte array `arr` from `off`.
fn bytes(
    env: &Env<'_>,
    a: &Args<'_>,
    arr: usize,
    off: usize,
    len: i32,
    ctx: ContextId,
) -> Result<Vec<u8>, Fault> {
    let r = a.obj(arr)?;
    let off = i32::from(a.short(off)?);
    Ok(env.heap.read_u8s(r, off, len, ctx)?)
}

/// The content management the card grants the caller, or `SecurityException`.
fn manager<'e>(env: &'e mut Env<'_>, ctx: ContextId) -> Result<&'e mut dyn CardManager, Fault> {
    if ctx == ContextId::JCRE {
        return Err(VmException::Security.into());
    }
    let caller = env
        .jcre
        .applet_of_context(ctx)
        .map(|e| e.aid.clone())
        .ok_or(VmException::Security)?;
    env.runtime
        .card_manager(&caller)
        .ok_or_else(|| VmException::Security.into())
}

/// Runs a `CardManager` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: JcosNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use JcosNative as N;
    // The privilege is checked before any argument is looked at.
    manager(env, ctx)?;
    match id {
        N::GetStatusEntry => {
            let kind = a.byte(0)? as u8;
            let index = a.short(1)?;
            let out = a.obj(2)?;
            let out_off = i32::from(a.short(3)?);
            let entry = usize::try_from(index)
                .ok()
                .and_then(|i| manager(env, ctx).ok()?.status_entry(kind, i));
            let Some(entry) = entry else {
                return Ok(NativeRet::Word(-1));
            };
            let len = i16::try_from(entry.len()).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
            let signed: Vec<i8> = entry.iter().map(|b| *b as i8).collect();
            env.heap.write_bytes(out, out_off, &signed, ctx, false)?;
            Ok(NativeRet::Word(i32::from(len)))
        }
        N::GetCardState => Ok(NativeRet::Word(i32::from(
            manager(env, ctx)?.card_state() as i8
        ))),
        N::SetCardState => {
            let state = a.byte(0)? as u8;
            manager(env, ctx)?.set_card_state(state).map_err(refused)?;
            Ok(NativeRet::Void)
        }
        N::GetApplicationState => {
            let aid = bytes(env, a, 0, 1, i32::from(a.byte(2)?), ctx)?;
            let state = manager(env, ctx)?
                .application_state(&aid)
                .map_err(refused)?;
            Ok(NativeRet::Word(i32::from(state as i8)))
        }
        N::SetApplicationState => {
            let aid = bytes(env, a, 0, 1, i32::from(a.byte(2)?), ctx)?;
            let state = a.byte(3)? as u8;
            manager(env, ctx)?
                .set_application_state(&aid, state)
                .map_err(refused)?;
            Ok(NativeRet::Void)
        }
        N::InstallForLoad => {
            let data = bytes(env, a, 0, 1, i32::from(a.short(2)?), ctx)?;
            manager(env, ctx)?
                .install_for_load(&data)
                .map_err(refused)?;
            Ok(NativeRet::Void)
        }
        N::Load => {
            let data = bytes(env, a, 0, 1, i32::from(a.short(2)?), ctx)?;
            let block = a.byte(3)? as u8;
            let last = a.get(4)? != 0;
            manager(env, ctx)?
                .load(&data, block, last)
                .map_err(refused)?;
            Ok(NativeRet::Void)
        }
        N::Install => {
            let data = bytes(env, a, 0, 1, i32::from(a.short(2)?), ctx)?;
            let p1 = a.byte(3)? as u8;
            manager(env, ctx)?.install(&data, p1).map_err(refused)?;
            Ok(NativeRet::Void)
        }
        N::Delete => {
            let data = bytes(env, a, 0, 1, i32::from(a.short(2)?), ctx)?;
            let related = a.get(3)? != 0;
            manager(env, ctx)?.delete(&data, related).map_err(refused)?;
            Ok(NativeRet::Void)
        }
        _ => Err(VmException::Security.into()),
    }
}
