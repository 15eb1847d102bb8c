//! `GPRegistryEntry` (GlobalPlatform Card API 1.6): the registry entry of one application,
//! a JCRE-owned object whose field word 0 is the application's AID object. Every method
//! reads the registry at the call, so an entry object always shows the current state; an
//! entry whose application was deleted has no privileges, state `00` and no associated
//! security domain.

use super::{
    caller_aid, has_privilege, lock_transition, own_transition, privilege, registry_entry, GpNative,
};
use crate::heap::{ContextId, ObjRef};
use crate::interp::{Env, Fault, VmException};
use crate::native::{bool_ret, Args, NativeRet};

/// `ISO7816.SW_CONDITIONS_NOT_SATISFIED`: `registerService` and `deregisterService` on a
/// card without Global Services.
const SW_CONDITIONS_NOT_SATISFIED: i16 = 0x6985;
/// Privilege bytes `getPrivileges` writes.
const PRIVILEGE_BYTES: i16 = 3;

/// Runs a `GPRegistryEntry` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: GpNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use GpNative as N;
    let this = a.obj(0)?;
    let aid_object = ObjRef::from_word(env.heap.get_field(this, 0, ContextId::JCRE)?)
        .ok_or(VmException::Security)?;
    let aid = super::aid_bytes(env, aid_object)?.ok_or(VmException::Security)?;
    let entry = registry_entry(env, &aid);
    match id {
        N::EntryGetAid => Ok(NativeRet::Word(aid_object.word())),
        N::EntryGetPrivileges => {
            let out = a.obj(1)?;
            let off = a.short(2)?;
            let bytes = entry.map_or([0; 3], |e| e.privileges).map(|b| b as i8);
            env.heap
                .write_bytes(out, i32::from(off), &bytes, ctx, false)?;
            let end = off
                .checked_add(PRIVILEGE_BYTES)
                .ok_or(VmException::ArrayIndexOutOfBounds)?;
            Ok(NativeRet::Word(i32::from(end)))
        }
        N::EntryGetState => Ok(NativeRet::Word(i32::from(
            entry.map_or(0, |e| e.life_cycle) as i8,
        ))),
        N::EntryIsAssociated => {
            let Some(sd) = a.opt_obj(1)? else {
                return Ok(bool_ret(false));
            };
            let sd = super::aid_bytes(env, sd)?;
            Ok(bool_ret(matches!(
                (entry, sd),
                (Some(e), Some(sd)) if !e.associated_sd.is_empty() && e.associated_sd == sd
            )))
        }
        N::EntryIsPrivileged => {
            let n = a.byte(1)?;
            let Ok(n) = u8::try_from(n) else {
                return Ok(bool_ret(false));
            };
            Ok(bool_ret(
                entry.is_some_and(|e| has_privilege(&e.privileges, n)),
            ))
        }
        N::EntryRegisterService | N::EntryDeregisterService => {
            Err(VmException::Iso(SW_CONDITIONS_NOT_SATISFIED).into())
        }
        N::EntrySetState => {
            let requested = a.byte(1)? as u8;
            let caller = caller_aid(env, ctx)?;
            let Some(entry) = entry else {
                return Ok(bool_ret(false));
            };
            if entry.isd {
                return Ok(bool_ret(false));
            }
            let state = if caller == aid {
                own_transition(entry.life_cycle, requested)
            } else {
                let global_lock = registry_entry(env, &caller)
                    .is_some_and(|c| has_privilege(&c.privileges, privilege::GLOBAL_LOCK));
                if global_lock || entry.associated_sd == caller {
                    lock_transition(entry.life_cycle, requested)
                } else {
                    None
                }
            };
            let Some(state) = state else {
                return Ok(bool_ret(false));
            };
            Ok(bool_ret(
                env.runtime
                    .gp_registry()
                    .is_some_and(|r| r.set_application_state(&aid, state)),
            ))
        }
        _ => Err(VmException::Security.into()),
    }
}
