//! The global PIN (`GPSystem.getCVM(CVM_GLOBAL_PIN)`, GlobalPlatform Card API 1.6 `CVM`):
//! one card-wide PIN owned by the JCRE.
//!
//! Its value, format, try limit and try counter are the native state of a JCRE-owned
//! persistent object (an `OwnerPIN` state: `pin` holds the format byte followed by the
//! value), written through the heap's write path, so they survive power loss and a tear
//! leaves either the old or the new state. The try counter is written outside transactions
//! and before the comparison. The session state (INVALID_SUBMISSION or VALIDATED over
//! ACTIVE) is one byte of a JCRE-owned CLEAR_ON_RESET array: every reset returns the PIN to
//! ACTIVE, and no transaction rolls it back.
//!
//! The PIN is ACTIVE once both a value (`update`) and a try limit (`setTryLimit`) are set,
//! BLOCKED when its try counter is zero. `update`, `setTryLimit`, `blockState` and
//! `resetAndUnblockState` need the caller's CVM Management privilege.

use super::classes::GLOBAL_PIN;
use super::{caller_privileges, has_privilege, privilege, GpNative};
use crate::heap::{Access, ArrayData, Body, ContextId, Memory, NativeState, ObjRef, PinState};
use crate::interp::{Env, Fault, VmException};
use crate::native::{bool_ret, Args, NativeRet};

/// `CVM.FORMAT_ASCII`.
const FORMAT_ASCII: u8 = 1;
/// `CVM.FORMAT_BCD`.
const FORMAT_BCD: u8 = 2;
/// `CVM.FORMAT_HEX`.
const FORMAT_HEX: u8 = 3;
/// `CVM.CVM_SUCCESS`.
const CVM_SUCCESS: i32 = 0;
/// `CVM.CVM_FAILURE`.
const CVM_FAILURE: i32 = -1;
/// The longest value `update` accepts, in bytes.
pub const MAX_VALUE: u8 = 16;

/// Session states over ACTIVE, as the CLEAR_ON_RESET byte holds them.
const SESSION_ACTIVE: i8 = 0;
const SESSION_INVALID_SUBMISSION: i8 = 1;
const SESSION_VALIDATED: i8 = 2;

/// The card's global PIN object, created on first request.
pub(super) fn global_pin(env: &mut Env<'_>) -> Option<ObjRef> {
    let class = env.program.class_by_name(GLOBAL_PIN)?;
    let existing = env.heap.objects().find_map(|(r, o)| match &o.body {
        Body::Instance(i) if o.owner == ContextId::JCRE && i.class == class.0 => Some(r),
        _ => None,
    });
    if existing.is_some() {
        return existing;
    }
    let session = env
        .heap
        .alloc_array(
            ContextId::JCRE,
            Memory::ClearOnReset,
            ArrayData::Byte(vec![SESSION_ACTIVE]),
        )
        .ok()?;
    let state = PinState {
        try_limit: 0,
        max_size: MAX_VALUE,
        pin: Vec::new(),
        tries_remaining: 0,
        validated: false,
    };
    let r = env
        .heap
        .alloc_instance(
            ContextId::JCRE,
            class.0,
            super::classes::GLOBAL_PIN_WORDS,
            NativeState::OwnerPin(state),
        )
        .ok()?;
    env.heap
        .put_field_ref(r, 0, session.word(), ContextId::JCRE)
        .ok()?;
    env.heap.set_access(r, Access::PermanentEntryPoint).ok()?;
    Some(r)
}

/// The global PIN's persistent state and its session array.
struct Pin {
    this: ObjRef,
    state: PinState,
    session: ObjRef,
}

impl Pin {
    fn load(env: &Env<'_>, this: ObjRef) -> Result<Pin, VmException> {
        let state = match env.heap.native(this)? {
            NativeState::OwnerPin(p) => p.clone(),
            _ => return Err(VmException::Security),
        };
        let session = ObjRef::from_word(env.heap.get_field(this, 0, ContextId::JCRE)?)
            .ok_or(VmException::Security)?;
        Ok(Pin {
            this,
            state,
            session,
        })
    }

    fn active(&self) -> bool {
        self.state.try_limit > 0 && !self.state.pin.is_empty()
    }

    fn blocked(&self) -> bool {
        self.active() && self.state.tries_remaining == 0
    }

    fn session(&self, env: &Env<'_>) -> Result<i8, VmException> {
        Ok(env.heap.load_byte(self.session, 0, ContextId::JCRE)? as i8)
    }

    fn set_session(&self, env: &mut Env<'_>, s: i8) -> Result<(), VmException> {
        env.heap
            .write_bytes(self.session, 0, &[s], ContextId::JCRE, false)
    }

    /// Writes the persistent state; `atomic` journals it inside a transaction (the value
    /// and the try limit), otherwise it escapes transactions (the try counter).
    fn store(&self, env: &mut Env<'_>, atomic: bool) -> Result<(), VmException> {
        env.heap
            .set_native(self.this, NativeState::OwnerPin(self.state.clone()), atomic)
    }
}

/// Runs a `CVM` native on the global PIN.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: GpNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use GpNative as N;
    let mut pin = Pin::load(env, a.obj(0)?)?;
    match id {
        N::CvmIsActive => Ok(bool_ret(pin.active())),
        N::CvmIsSubmitted => Ok(bool_ret(
            pin.active() && pin.session(env)? != SESSION_ACTIVE,
        )),
        N::CvmIsVerified => Ok(bool_ret(
            pin.active() && !pin.blocked() && pin.session(env)? == SESSION_VALIDATED,
        )),
        N::CvmIsBlocked => Ok(bool_ret(pin.blocked())),
        N::CvmGetTriesRemaining => Ok(NativeRet::Word(i32::from(pin.state.tries_remaining as i8))),
        N::CvmResetState => {
            let session = pin.session(env)?;
            if !pin.active() || pin.blocked() || session == SESSION_ACTIVE {
                return Ok(bool_ret(false));
            }
            pin.set_session(env, SESSION_ACTIVE)?;
            Ok(bool_ret(true))
        }
        N::CvmUpdate | N::CvmSetTryLimit | N::CvmBlockState | N::CvmResetAndUnblockState => {
            if !has_privilege(&caller_privileges(env, ctx)?, privilege::CVM_MANAGEMENT) {
                return Ok(bool_ret(false));
            }
            let changed = match id {
                N::CvmUpdate => {
                    let len = a.byte(3)?;
                    let format = a.byte(4)? as u8;
                    let value = match u8::try_from(len) {
                        Ok(n) if (1..=MAX_VALUE).contains(&n) => read(env, a, i32::from(n), ctx)?,
                        _ => return Ok(bool_ret(false)),
                    };
                    if !well_formed(format, &value) {
                        return Ok(bool_ret(false));
                    }
                    pin.state.pin = std::iter::once(format).chain(value).collect();
                    pin.state.tries_remaining = pin.state.try_limit;
                    true
                }
                N::CvmSetTryLimit => {
                    let limit = a.byte(1)?;
                    let Ok(limit) = u8::try_from(limit) else {
                        return Ok(bool_ret(false));
                    };
                    if limit == 0 {
                        return Ok(bool_ret(false));
                    }
                    pin.state.try_limit = limit;
                    pin.state.tries_remaining = limit;
                    true
                }
                N::CvmBlockState => {
                    if !pin.active() {
                        return Ok(bool_ret(false));
                    }
                    pin.state.tries_remaining = 0;
                    true
                }
                _ => {
                    if !pin.blocked() {
                        return Ok(bool_ret(false));
                    }
                    pin.state.tries_remaining = pin.state.try_limit;
                    true
                }
            };
            pin.store(env, id == N::CvmUpdate || id == N::CvmSetTryLimit)?;
            pin.set_session(env, SESSION_ACTIVE)?;
            Ok(bool_ret(changed))
        }
        N::CvmVerify => {
            let len = a.byte(3)?;
            let format = a.byte(4)? as u8;
            if !pin.active() || pin.blocked() {
                return Ok(NativeRet::Word(CVM_FAILURE));
            }
            let Ok(len) = u8::try_from(len) else {
                return Ok(NativeRet::Word(CVM_FAILURE));
            };
            let presented = read(env, a, i32::from(len), ctx)?;
            // The try counter goes down before the comparison, outside transactions.
            pin.state.tries_remaining = pin.state.tries_remaining.saturating_sub(1);
            pin.store(env, false)?;
            let (stored_format, stored) = match pin.state.pin.split_first() {
                Some((f, v)) => (*f, v.to_vec()),
                None => return Ok(NativeRet::Word(CVM_FAILURE)),
            };
            if matches(stored_format, &stored, format, &presented) {
                pin.state.tries_remaining = pin.state.try_limit;
                pin.store(env, false)?;
                pin.set_session(env, SESSION_VALIDATED)?;
                Ok(NativeRet::Word(CVM_SUCCESS))
            } else {
                pin.set_session(env, SESSION_INVALID_SUBMISSION)?;
                Ok(NativeRet::Word(CVM_FAILURE))
            }
        }
        _ => Err(VmException::Security.into()),
    }
}

/// `len` bytes of the caller's array (argument 1) from the offset (argument 2).
fn read(env: &Env<'_>, a: &Args<'_>, len: i32, ctx: ContextId) -> Result<Vec<u8>, Fault> {
    let arr = a.obj(1)?;
    let off = i32::from(a.short(2)?);
    Ok(env.heap.read_u8s(arr, off, len, ctx)?)
}

/// Whether `value` is a value of `format` (the editing checks of `update`): ASCII and HEX
/// take any bytes; BCD takes digit nibbles, with one `F` pad as the last nibble only.
fn well_formed(format: u8, value: &[u8]) -> bool {
    match format {
        FORMAT_ASCII | FORMAT_HEX => true,
        FORMAT_BCD => bcd_digits(value).is_some(),
        _ => false,
    }
}

/// The digits of a BCD value (left justified, an odd count padded with `F`).
fn bcd_digits(value: &[u8]) -> Option<Vec<u8>> {
    let mut digits = Vec::with_capacity(value.len() * 2);
    let last = value.len().checked_sub(1)?;
    for (i, b) in value.iter().enumerate() {
        let (hi, lo) = (b >> 4, b & 0x0F);
        if hi > 9 {
            return None;
        }
        digits.push(hi);
        match lo {
            0..=9 => digits.push(lo),
            0x0F if i == last => {}
            _ => return None,
        }
    }
    Some(digits)
}

/// The digits of an ASCII value, when all its characters are `0` to `9`.
fn ascii_digits(value: &[u8]) -> Option<Vec<u8>> {
    value
        .iter()
        .map(|c| c.is_ascii_digit().then(|| c - b'0'))
        .collect()
}

/// The comparison of `CVM.verify`: the same format compares the bytes; HEX never matches
/// another format; ASCII and BCD compare as digits, failing when a side is not numerical.
fn matches(stored_format: u8, stored: &[u8], format: u8, presented: &[u8]) -> bool {
    if stored_format == format {
        return matches!(format, FORMAT_ASCII | FORMAT_BCD | FORMAT_HEX) && stored == presented;
    }
    let digits = |f: u8, v: &[u8]| match f {
        FORMAT_ASCII => ascii_digits(v),
        FORMAT_BCD => bcd_digits(v),
        _ => None,
    };
    match (digits(stored_format, stored), digits(format, presented)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_is_left_justified_with_one_f_pad() {
        assert_eq!(bcd_digits(&[0x12, 0x34]), Some(vec![1, 2, 3, 4]));
        assert_eq!(bcd_digits(&[0x12, 0x3F]), Some(vec![1, 2, 3]));
        assert_eq!(bcd_digits(&[0x1F, 0x23]), None);
        assert_eq!(bcd_digits(&[0x1A]), None);
        assert_eq!(bcd_digits(&[]), None);
    }

    #[test]
    fn formats_convert_as_the_api_describes() {
        // "1234" as ASCII and as BCD.
        let ascii = b"1234";
        let bcd = [0x12, 0x34];
        assert!(matches(FORMAT_ASCII, ascii, FORMAT_ASCII, ascii));
        assert!(matches(FORMAT_ASCII, ascii, FORMAT_BCD, &bcd));
        assert!(matches(FORMAT_BCD, &bcd, FORMAT_ASCII, ascii));
        assert!(matches(FORMAT_BCD, &[0x12, 0x3F], FORMAT_ASCII, b"123"));
        assert!(!matches(FORMAT_BCD, &bcd, FORMAT_ASCII, b"12345"));
        // Non-numerical ASCII never matches BCD.
        assert!(!matches(FORMAT_ASCII, b"12a4", FORMAT_BCD, &[0x12, 0x34]));
        // HEX only matches HEX of the same length and bytes.
        assert!(matches(FORMAT_HEX, &bcd, FORMAT_HEX, &bcd));
        assert!(!matches(FORMAT_HEX, &bcd, FORMAT_BCD, &bcd));
        assert!(!matches(FORMAT_BCD, &bcd, FORMAT_HEX, &bcd));
        assert!(!matches(FORMAT_HEX, &bcd, FORMAT_HEX, &[0x12, 0x34, 0x00]));
        assert!(!matches(7, &bcd, 7, &bcd));
    }
}
