//! `javacard.framework.OwnerPIN`: try counter, PIN value and validated flag as native state.
//! The try counter is updated outside transactions, as the API requires.

use super::{bool_ret, Args, NativeId, NativeRet};
use crate::heap::{ContextId, NativeState, ObjRef, PinState};
use crate::interp::{Env, Fault, VmException};

/// `PINException.ILLEGAL_VALUE`.
const PIN_ILLEGAL_VALUE: i16 = 1;

fn state(env: &Env<'_>, r: ObjRef) -> Result<PinState, VmException> {
    match env.heap.native(r)? {
        NativeState::OwnerPin(p) => Ok(p.clone()),
        _ => Err(VmException::Security),
    }
}

/// Runs an `OwnerPIN` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: NativeId,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use NativeId as N;
    let this = a.obj(0)?;
    match id {
        N::PinInit => {
            let try_limit = a.byte(1)?;
            let max_size = a.byte(2)?;
            if try_limit < 1 || max_size < 1 {
                return Err(VmException::Pin(PIN_ILLEGAL_VALUE).into());
            }
            let st = PinState {
                try_limit: try_limit as u8,
                max_size: max_size as u8,
                pin: Vec::new(),
                tries_remaining: try_limit as u8,
                validated: false,
            };
            env.heap.set_native(this, NativeState::OwnerPin(st), true)?;
            Ok(NativeRet::Void)
        }
        N::PinCheck => {
            let mut st = state(env, this)?;
            st.validated = false;
            if st.tries_remaining == 0 {
                env.heap
                    .set_native(this, NativeState::OwnerPin(st), false)?;
                return Ok(bool_ret(false));
            }
            st.tries_remaining -= 1;
            env.heap
                .set_native(this, NativeState::OwnerPin(st.clone()), false)?;
            let arr = a.obj(1)?;
            let off = i32::from(a.short(2)?);
            let len = i32::from(a.byte(3)?);
            let given: Vec<u8> = env.heap.read_u8s(arr, off, len, ctx)?;
            if given == st.pin && !st.pin.is_empty() {
                st.tries_remaining = st.try_limit;
                st.validated = true;
                env.heap
                    .set_native(this, NativeState::OwnerPin(st), false)?;
                return Ok(bool_ret(true));
            }
            Ok(bool_ret(false))
        }
        N::PinGetTriesRemaining => Ok(NativeRet::Word(i32::from(
            state(env, this)?.tries_remaining as i8,
        ))),
        N::PinGetValidatedFlag | N::PinIsValidated => Ok(bool_ret(state(env, this)?.validated)),
        N::PinSetValidatedFlag => {
            let mut st = state(env, this)?;
            st.validated = a.get(1)? != 0;
            env.heap
                .set_native(this, NativeState::OwnerPin(st), false)?;
            Ok(NativeRet::Void)
        }
        N::PinReset => {
            let mut st = state(env, this)?;
            if st.validated {
                st.validated = false;
                st.tries_remaining = st.try_limit;
                env.heap
                    .set_native(this, NativeState::OwnerPin(st), false)?;
            }
            Ok(NativeRet::Void)
        }
        N::PinResetAndUnblock => {
            let mut st = state(env, this)?;
            st.validated = false;
            st.tries_remaining = st.try_limit;
            env.heap
                .set_native(this, NativeState::OwnerPin(st), false)?;
            Ok(NativeRet::Void)
        }
        N::PinUpdate => {
            let mut st = state(env, this)?;
            let arr = a.obj(1)?;
            let off = i32::from(a.short(2)?);
            let len = a.byte(3)?;
            if len < 0 || len as u8 > st.max_size {
                return Err(VmException::Pin(PIN_ILLEGAL_VALUE).into());
            }
            st.pin = env.heap.read_u8s(arr, off, i32::from(len), ctx)?;
            st.tries_remaining = st.try_limit;
            st.validated = false;
            env.heap.set_native(this, NativeState::OwnerPin(st), true)?;
            Ok(NativeRet::Void)
        }
        _ => Err(VmException::Security.into()),
    }
}
