//! `GPSystem` (GlobalPlatform Card API 1.6): the OPEN's services to the current applet
//! context.

use super::classes::REGISTRY_ENTRY;
use super::{
    caller_aid, caller_privileges, has_privilege, own_transition, privilege, registry_entry,
    GpNative,
};
use crate::heap::{Access, Body, ContextId, NativeState, ObjRef};
use crate::interp::{Env, Fault};
use crate::native::{bool_ret, Args, NativeRet};
use crate::program::{ClassId, MethodTarget};

/// `GPSystem.CARD_SECURED`.
const CARD_SECURED: u8 = 0x0F;
/// `GPSystem.CARD_LOCKED`.
const CARD_LOCKED: u8 = 0x7F;
/// `GPSystem.CARD_TERMINATED`.
const CARD_TERMINATED: u8 = 0xFF;
/// `GPSystem.CVM_GLOBAL_PIN`.
const CVM_GLOBAL_PIN: i8 = 0x11;
/// The `getShareableInterfaceObject` parameter with which the JCRE asks a security domain
/// for its `SecureChannel` on behalf of `GPSystem.getSecureChannel` (`'S'`).
pub const SECURE_CHANNEL_PARAMETER: i8 = 0x53;
/// Public virtual method token of `Applet.getShareableInterfaceObject(AID, byte)`.
const GET_SIO_TOKEN: u8 = 5;

/// Runs a `GPSystem` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: GpNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use GpNative as N;
    match id {
        N::GetCardState => {
            let state = env.runtime.gp_registry().map_or(0x01, |r| r.card_state());
            Ok(NativeRet::Word(i32::from(state as i8)))
        }
        N::GetCardContentState => {
            let aid = caller_aid(env, ctx)?;
            let state = registry_entry(env, &aid).map_or(0, |e| e.life_cycle);
            Ok(NativeRet::Word(i32::from(state as i8)))
        }
        N::SetCardContentState => {
            let requested = a.byte(0)? as u8;
            let aid = caller_aid(env, ctx)?;
            let Some(entry) = registry_entry(env, &aid) else {
                return Ok(bool_ret(false));
            };
            let Some(state) = own_transition(entry.life_cycle, requested) else {
                return Ok(bool_ret(false));
            };
            Ok(bool_ret(
                env.runtime
                    .gp_registry()
                    .is_some_and(|r| r.set_application_state(&aid, state)),
            ))
        }
        N::LockCard => {
            // GlobalPlatform Card Specification 2.3.1 §5.1.1.4: CARD_LOCKED is reached from
            // SECURED only, by an application with the Card Lock privilege.
            let privileges = caller_privileges(env, ctx)?;
            if !has_privilege(&privileges, privilege::CARD_LOCK) {
                return Ok(bool_ret(false));
            }
            Ok(bool_ret(env.runtime.gp_registry().is_some_and(|r| {
                r.card_state() == CARD_SECURED && r.set_card_state(CARD_LOCKED)
            })))
        }
        N::TerminateCard => {
            // §5.1.1.5: TERMINATED from any state, by the Card Terminate privilege; never
            // from an applet's install().
            let privileges = caller_privileges(env, ctx)?;
            if !has_privilege(&privileges, privilege::CARD_TERMINATE) || env.jcre.install.is_some()
            {
                return Ok(bool_ret(false));
            }
            Ok(bool_ret(env.runtime.gp_registry().is_some_and(|r| {
                r.card_state() != CARD_TERMINATED && r.set_card_state(CARD_TERMINATED)
            })))
        }
        N::SetAtrHistBytes => {
            // GP Card API: only an application with the Card Reset privilege may, and the
            // bytes take effect at the next reset (ISO/IEC 7816-3 allows at most 15).
            let arr = a.obj(0)?;
            let off = i32::from(a.short(1)?);
            let len = i32::from(a.byte(2)?);
            let bytes: Vec<u8> = env.heap.read_u8s(arr, off, len, ctx)?;
            let privileges = caller_privileges(env, ctx)?;
            if !has_privilege(&privileges, privilege::CARD_RESET) {
                return Ok(bool_ret(false));
            }
            Ok(bool_ret(
                env.runtime
                    .gp_registry()
                    .is_some_and(|r| r.set_historical_bytes(&bytes)),
            ))
        }
        N::GetRegistryEntry => {
            let caller = caller_aid(env, ctx)?;
            let target = match a.opt_obj(0)? {
                None => caller.clone(),
                Some(r) => match super::aid_bytes(env, r)? {
                    Some(b) => b,
                    None => return Ok(NativeRet::Word(0)),
                },
            };
            let Some(entry) = registry_entry(env, &target) else {
                return Ok(NativeRet::Word(0));
            };
            // The requester is the application itself, its associated security domain, or
            // holds the Global Registry privilege.
            let allowed = target == caller
                || entry.associated_sd == caller
                || registry_entry(env, &caller)
                    .is_some_and(|c| has_privilege(&c.privileges, privilege::GLOBAL_REGISTRY));
            if !allowed {
                return Ok(NativeRet::Word(0));
            }
            Ok(NativeRet::Word(
                entry_object(env, &target).map_or(0, ObjRef::word),
            ))
        }
        N::GetService => Ok(NativeRet::Word(0)),
        N::GetCvm => {
            if a.byte(0)? != CVM_GLOBAL_PIN {
                return Ok(NativeRet::Word(0));
            }
            Ok(NativeRet::Word(
                super::cvm::global_pin(env).map_or(0, ObjRef::word),
            ))
        }
        N::GetSecureChannel => secure_channel(env, ctx),
        _ => Err(crate::interp::VmException::Security.into()),
    }
}

/// `GPSystem.getSecureChannel`: the JCRE asks the security domain associated with the
/// caller (itself, for a security domain without one; none for an application without
/// one), in the security domain's context, for
/// its `SecureChannel` through `getShareableInterfaceObject(callerAID,
/// SECURE_CHANNEL_PARAMETER)`; its answer (possibly `null`) is the method's.
fn secure_channel(env: &mut Env<'_>, ctx: ContextId) -> Result<NativeRet, Fault> {
    let caller = caller_aid(env, ctx)?;
    let Some(entry) = registry_entry(env, &caller) else {
        return Ok(NativeRet::Word(0));
    };
    let sd = if !entry.associated_sd.is_empty() {
        entry.associated_sd
    } else if has_privilege(&entry.privileges, privilege::SECURITY_DOMAIN) {
        caller.clone()
    } else {
        return Ok(NativeRet::Word(0));
    };
    let Some(server) = env.jcre.applet_by_aid(&sd).cloned() else {
        return Ok(NativeRet::Word(0));
    };
    let client = env
        .jcre
        .applet_by_aid(&caller)
        .map_or(0, |e| e.aid_object.word());
    let class = match &env.heap.get(server.instance)?.body {
        Body::Instance(i) => ClassId(i.class),
        Body::Array(_) => return Ok(NativeRet::Word(0)),
    };
    match env.program.virtual_target(class, GET_SIO_TOKEN) {
        Some(MethodTarget::Bytecode(method)) => Ok(NativeRet::Invoke {
            method,
            args: [
                server.instance.word(),
                client,
                i32::from(SECURE_CHANNEL_PARAMETER),
            ],
            nargs: 3,
            ctx: server.context,
        }),
        _ => Ok(NativeRet::Word(0)),
    }
}

/// The registry entry object of `aid`: the JCRE keeps one per AID, a permanent entry point
/// created on first request (so an applet may keep it in a field) whose field word 0 is a
/// JCRE-owned AID object (the applet's own when the VM knows it), or `None` without memory
/// for it.
fn entry_object(env: &mut Env<'_>, aid: &[u8]) -> Option<ObjRef> {
    let class = env.program.class_by_name(REGISTRY_ENTRY)?;
    let heap = &*env.heap;
    let existing = heap.objects().find_map(|(r, o)| match &o.body {
        Body::Instance(i) if o.owner == ContextId::JCRE && i.class == class.0 => {
            let named = i
                .fields
                .first()
                .and_then(|w| ObjRef::from_word(*w))
                .and_then(|a| heap.native(a).ok())
                .is_some_and(|n| matches!(n, NativeState::Aid(b) if b == aid));
            named.then_some(r)
        }
        _ => None,
    });
    if existing.is_some() {
        return existing;
    }
    let aid_object = match env.jcre.applet_by_aid(aid) {
        Some(e) => e.aid_object,
        None => {
            let a = env
                .heap
                .alloc_instance(
                    ContextId::JCRE,
                    env.jcre.aid_class.0,
                    0,
                    NativeState::Aid(aid.to_vec()),
                )
                .ok()?;
            env.heap.set_access(a, Access::PermanentEntryPoint).ok()?;
            a
        }
    };
    let r = env
        .heap
        .alloc_instance(
            ContextId::JCRE,
            class.0,
            super::classes::REGISTRY_ENTRY_WORDS,
            NativeState::None,
        )
        .ok()?;
    env.heap
        .put_field_ref(r, 0, aid_object.word(), ContextId::JCRE)
        .ok()?;
    env.heap.set_access(r, Access::PermanentEntryPoint).ok()?;
    Some(r)
}
