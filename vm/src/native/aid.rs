//! `javacard.framework.AID`: the AID bytes are native state of the object.

use super::{bool_ret, Args, NativeId, NativeRet};
use crate::heap::{Body, ContextId, NativeState, ObjRef};
use crate::interp::{Env, Fault, VmException, SYSTEM_ILLEGAL_VALUE};

fn aid_bytes(env: &Env<'_>, r: ObjRef) -> Result<Vec<u8>, VmException> {
    match env.heap.native(r)? {
        NativeState::Aid(b) => Ok(b.clone()),
        _ => Err(VmException::Security),
    }
}

fn read(
    env: &Env<'_>,
    arr: ObjRef,
    off: i16,
    len: i32,
    ctx: ContextId,
) -> Result<Vec<u8>, VmException> {
    env.heap.read_u8s(arr, i32::from(off), len, ctx)
}

/// Runs an `AID` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: NativeId,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use NativeId as N;
    match id {
        N::AidInit => {
            let this = a.obj(0)?;
            let arr = a.obj(1)?;
            let off = a.short(2)?;
            let len = a.byte(3)?;
            let bytes = read(env, arr, off, i32::from(len), ctx)?;
            if !(5..=16).contains(&len) {
                return Err(VmException::System(SYSTEM_ILLEGAL_VALUE).into());
            }
            env.heap.set_native(this, NativeState::Aid(bytes), true)?;
            Ok(NativeRet::Void)
        }
        N::AidEquals => {
            let this = aid_bytes(env, a.obj(0)?)?;
            let Some(other) = a.opt_obj(1)? else {
                return Ok(bool_ret(false));
            };
            let same = match &env.heap.get(other)?.body {
                Body::Instance(i) => matches!(&i.native, NativeState::Aid(b) if *b == this),
                Body::Array(_) => false,
            };
            Ok(bool_ret(same))
        }
        N::AidRidEquals => {
            let this = aid_bytes(env, a.obj(0)?)?;
            let other = aid_bytes(env, a.obj(1)?)?;
            Ok(bool_ret(this.get(..5) == other.get(..5)))
        }
        N::AidEqualsBytes => {
            let this = aid_bytes(env, a.obj(0)?)?;
            let Some(arr) = a.opt_obj(1)? else {
                return Ok(bool_ret(false));
            };
            let len = a.byte(3)?;
            let bytes = read(env, arr, a.short(2)?, i32::from(len), ctx)?;
            Ok(bool_ret(bytes == this))
        }
        N::AidPartialEquals => {
            let this = aid_bytes(env, a.obj(0)?)?;
            let Some(arr) = a.opt_obj(1)? else {
                return Ok(bool_ret(false));
            };
            let len = a.byte(3)?;
            let bytes = read(env, arr, a.short(2)?, i32::from(len), ctx)?;
            Ok(bool_ret(this.get(..bytes.len()) == Some(bytes.as_slice())))
        }
        N::AidGetBytes => {
            let this = aid_bytes(env, a.obj(0)?)?;
            let dst = a.obj(1)?;
            let off = i32::from(a.short(2)?);
            let bytes: Vec<i8> = this.iter().map(|b| *b as i8).collect();
            env.heap.write_bytes(dst, off, &bytes, ctx, true)?;
            Ok(NativeRet::Word(this.len() as i32))
        }
        N::AidGetPartialBytes => {
            let this = aid_bytes(env, a.obj(0)?)?;
            let aid_off =
                usize::try_from(a.short(1)?).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
            let dst = a.obj(2)?;
            let off = i32::from(a.short(3)?);
            let len =
                usize::try_from(a.byte(4)?).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
            let rest = this
                .get(aid_off..)
                .ok_or(VmException::ArrayIndexOutOfBounds)?;
            let n = if len == 0 {
                rest.len()
            } else {
                len.min(rest.len())
            };
            let bytes: Vec<i8> = rest.iter().take(n).map(|b| *b as i8).collect();
            env.heap.write_bytes(dst, off, &bytes, ctx, true)?;
            Ok(NativeRet::Word(n as i32))
        }
        _ => Err(VmException::Security.into()),
    }
}
