//! `org.globalplatform` (GlobalPlatform Card API 1.6, package AID `A00000015100`): the
//! services of the OPEN that applets reach through `GPSystem`, with the JCRE-owned objects
//! behind its interfaces.
//!
//! - [`system`]: `GPSystem`: card and application life cycles, card lock and termination,
//!   registry entries, the CVM and the security domain's secure channel;
//! - [`entry`]: `GPRegistryEntry`, one object per application AID;
//! - [`cvm`]: the global PIN (`CVM_GLOBAL_PIN`), one per card;
//! - [`classes`]: the built-in classes implementing `GPRegistryEntry` and `CVM`.
//!
//! The registry lives in the card operating system and is read and changed through
//! [`crate::runtime::Runtime::gp_registry`]; the rules of the API (which privilege a call
//! needs, which state an application may set) are applied here. A method of the table
//! without a binding here links as missing and traps when called.

pub mod classes;
mod cvm;
mod entry;
mod system;

use super::{Args, NativeRet};
use crate::heap::ContextId;
use crate::interp::{Env, Fault, VmException};
use crate::runtime::GpEntry;

/// The package's name in the API tables.
pub const PACKAGE: &str = "org/globalplatform";
/// The package's AID.
pub const PACKAGE_AID: [u8; 6] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00];

super::native_table! {
    /// An `org.globalplatform` native method.
    GpNative;

    /// `GPSystem.getCardContentState()`.
    GetCardContentState = "org/globalplatform/GPSystem", "getCardContentState", "()B", 0;
    /// `GPSystem.getCardState()`.
    GetCardState = "org/globalplatform/GPSystem", "getCardState", "()B", 0;
    /// `GPSystem.getCVM(byte)`.
    GetCvm = "org/globalplatform/GPSystem", "getCVM", "(B)Lorg/globalplatform/CVM;", 1;
    /// `GPSystem.getSecureChannel()`.
    GetSecureChannel = "org/globalplatform/GPSystem", "getSecureChannel", "()Lorg/globalplatform/SecureChannel;", 0;
    /// `GPSystem.lockCard()`.
    LockCard = "org/globalplatform/GPSystem", "lockCard", "()Z", 0;
    /// `GPSystem.terminateCard()`.
    TerminateCard = "org/globalplatform/GPSystem", "terminateCard", "()Z", 0;
    /// `GPSystem.setATRHistBytes(byte[], short, byte)`.
    SetAtrHistBytes = "org/globalplatform/GPSystem", "setATRHistBytes", "([BSB)Z", 3;
    /// `GPSystem.setCardContentState(byte)`.
    SetCardContentState = "org/globalplatform/GPSystem", "setCardContentState", "(B)Z", 1;
    /// `GPSystem.getRegistryEntry(AID)`.
    GetRegistryEntry = "org/globalplatform/GPSystem", "getRegistryEntry", "(Ljavacard/framework/AID;)Lorg/globalplatform/GPRegistryEntry;", 1;
    /// `GPSystem.getService(AID, short)`.
    GetService = "org/globalplatform/GPSystem", "getService", "(Ljavacard/framework/AID;S)Lorg/globalplatform/GlobalService;", 2;

    /// `GPRegistryEntry.deregisterService(short)`.
    EntryDeregisterService = "org/globalplatform/GPRegistryEntry", "deregisterService", "(S)V", 2;
    /// `GPRegistryEntry.getAID()`.
    EntryGetAid = "org/globalplatform/GPRegistryEntry", "getAID", "()Ljavacard/framework/AID;", 1;
    /// `GPRegistryEntry.getPrivileges(byte[], short)`.
    EntryGetPrivileges = "org/globalplatform/GPRegistryEntry", "getPrivileges", "([BS)S", 3;
    /// `GPRegistryEntry.getState()`.
    EntryGetState = "org/globalplatform/GPRegistryEntry", "getState", "()B", 1;
    /// `GPRegistryEntry.isAssociated(AID)`.
    EntryIsAssociated = "org/globalplatform/GPRegistryEntry", "isAssociated", "(Ljavacard/framework/AID;)Z", 2;
    /// `GPRegistryEntry.isPrivileged(byte)`.
    EntryIsPrivileged = "org/globalplatform/GPRegistryEntry", "isPrivileged", "(B)Z", 2;
    /// `GPRegistryEntry.registerService(short)`.
    EntryRegisterService = "org/globalplatform/GPRegistryEntry", "registerService", "(S)V", 2;
    /// `GPRegistryEntry.setState(byte)`.
    EntrySetState = "org/globalplatform/GPRegistryEntry", "setState", "(B)Z", 2;

    /// `CVM.isActive()`.
    CvmIsActive = "org/globalplatform/CVM", "isActive", "()Z", 1;
    /// `CVM.isSubmitted()`.
    CvmIsSubmitted = "org/globalplatform/CVM", "isSubmitted", "()Z", 1;
    /// `CVM.isVerified()`.
    CvmIsVerified = "org/globalplatform/CVM", "isVerified", "()Z", 1;
    /// `CVM.isBlocked()`.
    CvmIsBlocked = "org/globalplatform/CVM", "isBlocked", "()Z", 1;
    /// `CVM.getTriesRemaining()`.
    CvmGetTriesRemaining = "org/globalplatform/CVM", "getTriesRemaining", "()B", 1;
    /// `CVM.update(byte[], short, byte, byte)`.
    CvmUpdate = "org/globalplatform/CVM", "update", "([BSBB)Z", 5;
    /// `CVM.resetState()`.
    CvmResetState = "org/globalplatform/CVM", "resetState", "()Z", 1;
    /// `CVM.blockState()`.
    CvmBlockState = "org/globalplatform/CVM", "blockState", "()Z", 1;
    /// `CVM.resetAndUnblockState()`.
    CvmResetAndUnblockState = "org/globalplatform/CVM", "resetAndUnblockState", "()Z", 1;
    /// `CVM.setTryLimit(byte)`.
    CvmSetTryLimit = "org/globalplatform/CVM", "setTryLimit", "(B)Z", 2;
    /// `CVM.verify(byte[], short, byte, byte)`.
    CvmVerify = "org/globalplatform/CVM", "verify", "([BSBB)S", 5;
}

/// Runs `org.globalplatform` native `id` on behalf of context `ctx`.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: GpNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use GpNative as N;
    match id {
        N::GetCardContentState
        | N::GetCardState
        | N::GetCvm
        | N::GetSecureChannel
        | N::LockCard
        | N::TerminateCard
        | N::SetAtrHistBytes
        | N::SetCardContentState
        | N::GetRegistryEntry
        | N::GetService => system::invoke(env, id, a, ctx),
        N::EntryDeregisterService
        | N::EntryGetAid
        | N::EntryGetPrivileges
        | N::EntryGetState
        | N::EntryIsAssociated
        | N::EntryIsPrivileged
        | N::EntryRegisterService
        | N::EntrySetState => entry::invoke(env, id, a, ctx),
        N::CvmIsActive
        | N::CvmIsSubmitted
        | N::CvmIsVerified
        | N::CvmIsBlocked
        | N::CvmGetTriesRemaining
        | N::CvmUpdate
        | N::CvmResetState
        | N::CvmBlockState
        | N::CvmResetAndUnblockState
        | N::CvmSetTryLimit
        | N::CvmVerify => cvm::invoke(env, id, a, ctx),
    }
}

/// GlobalPlatform privilege numbers (Card API `GPRegistryEntry.PRIVILEGE_*`, Card
/// Specification 2.3.1 Table 6-1: number `n` is bit `8 - n % 8` of byte `n / 8 + 1`).
pub(crate) mod privilege {
    /// Security Domain.
    pub const SECURITY_DOMAIN: u8 = 0;
    /// Card Lock.
    pub const CARD_LOCK: u8 = 3;
    /// Card Terminate.
    pub const CARD_TERMINATE: u8 = 4;
    /// Card Reset (the default selected application).
    pub const CARD_RESET: u8 = 5;
    /// CVM Management.
    pub const CVM_MANAGEMENT: u8 = 6;
    /// Global Lock.
    pub const GLOBAL_LOCK: u8 = 12;
    /// Global Registry.
    pub const GLOBAL_REGISTRY: u8 = 13;
}

/// Whether privilege number `n` is set in the three privilege bytes.
pub(crate) fn has_privilege(privileges: &[u8; 3], n: u8) -> bool {
    let byte = usize::from(n / 8);
    privileges
        .get(byte)
        .is_some_and(|b| b & (0x80 >> (n % 8)) != 0)
}

/// `GPSystem.APPLICATION_INSTALLED`.
const APPLICATION_INSTALLED: u8 = 0x03;
/// `GPSystem.APPLICATION_LOCKED`: the LOCKED bit of an application life cycle.
const APPLICATION_LOCKED: u8 = 0x80;

/// Whether `state` is SELECTABLE or an application-specific state (`07` to `7F` with the
/// three low bits set), without the LOCKED bit.
fn is_application_specific(state: u8) -> bool {
    state & APPLICATION_LOCKED == 0 && state & 0x07 == 0x07
}

/// The state an application in `current` may give itself when it asks for `requested`
/// (`GPSystem.setCardContentState`, `GPRegistryEntry.setState` on its own entry): an
/// application-specific state, or LOCKED over its current state; never while locked, never
/// from INSTALLED, never back to INSTALLED.
pub(crate) fn own_transition(current: u8, requested: u8) -> Option<u8> {
    if !is_application_specific(current) {
        return None;
    }
    if requested == APPLICATION_LOCKED {
        return Some(current | APPLICATION_LOCKED);
    }
    is_application_specific(requested).then_some(requested)
}

/// The state a security domain associated with an application, or an application with the
/// Global Lock privilege, may give it when asking for `requested`
/// (`GPRegistryEntry.setState`): LOCKED over its current state, or back to the state it was
/// locked in (`current` without the LOCKED bit) to unlock it.
pub(crate) fn lock_transition(current: u8, requested: u8) -> Option<u8> {
    if requested == APPLICATION_INSTALLED {
        return None;
    }
    if requested == APPLICATION_LOCKED && current & APPLICATION_LOCKED == 0 {
        return Some(current | APPLICATION_LOCKED);
    }
    (current & APPLICATION_LOCKED != 0 && requested == current & !APPLICATION_LOCKED)
        .then_some(requested)
}

/// The instance AID of the applet of the calling context (the "current applet context" of
/// the API), or `SecurityException` for the JCRE's own context.
pub(crate) fn caller_aid(env: &Env<'_>, ctx: ContextId) -> Result<Vec<u8>, Fault> {
    if ctx == ContextId::JCRE {
        return Err(VmException::Security.into());
    }
    env.jcre
        .applet_of_context(ctx)
        .map(|e| e.aid.clone())
        .ok_or_else(|| VmException::Security.into())
}

/// The registry entry of `aid`, if the card has a registry and the entry.
pub(crate) fn registry_entry(env: &mut Env<'_>, aid: &[u8]) -> Option<GpEntry> {
    env.runtime.gp_registry()?.entry(aid)
}

/// The privileges of the calling context's applet (none when it has no entry).
pub(crate) fn caller_privileges(env: &mut Env<'_>, ctx: ContextId) -> Result<[u8; 3], Fault> {
    let aid = caller_aid(env, ctx)?;
    Ok(registry_entry(env, &aid).map_or([0; 3], |e| e.privileges))
}

/// The bytes of an AID object, or `None` for another object.
pub(crate) fn aid_bytes(env: &Env<'_>, r: crate::heap::ObjRef) -> Result<Option<Vec<u8>>, Fault> {
    match env.heap.native(r)? {
        crate::heap::NativeState::Aid(b) => Ok(Some(b.clone())),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_match_the_api_table() {
        let api = crate::api::builtin().unwrap();
        let pkg = api.package_by_aid(&PACKAGE_AID).unwrap();
        assert_eq!(pkg.name, PACKAGE);
        let view = api.view_by_name(PACKAGE).unwrap();
        for (class, name, desc, id) in BINDINGS {
            let c = view.class_by_name(class).unwrap();
            let m = c.method_by_name(name, desc).unwrap();
            let is_static = m.access & 0x0008 != 0;
            let words = crate::native::builtin::descriptor_arg_words(desc).unwrap();
            assert_eq!(
                usize::from(id.nargs()),
                words + usize::from(!is_static),
                "{class}.{name}{desc}"
            );
        }
    }

    #[test]
    fn privilege_numbers_follow_table_6_1() {
        // The issuer security domain's 9E 00 00: Security Domain, Card Lock, Card
        // Terminate, Card Reset, CVM Management.
        let isd = [0x9E, 0x00, 0x00];
        for n in [0, 3, 4, 5, 6] {
            assert!(has_privilege(&isd, n), "{n}");
        }
        for n in [1, 2, 7, 8, 12, 13, 15, 16, 23, 24, 255] {
            assert!(!has_privilege(&isd, n), "{n}");
        }
        // Byte 2 b4 is Global Lock (12), b3 Global Registry (13); byte 3 b8 Receipt
        // Generation (16).
        assert!(has_privilege(&[0, 0x08, 0], privilege::GLOBAL_LOCK));
        assert!(has_privilege(&[0, 0x04, 0], privilege::GLOBAL_REGISTRY));
        assert!(has_privilege(&[0, 0, 0x80], 16));
    }

    #[test]
    fn own_transitions_are_application_specific_states_or_locking() {
        assert_eq!(own_transition(0x07, 0x0F), Some(0x0F));
        assert_eq!(own_transition(0x0F, 0x7F), Some(0x7F));
        assert_eq!(own_transition(0x0F, 0x07), Some(0x07));
        assert_eq!(own_transition(0x0F, 0x80), Some(0x8F));
        // Not application-specific, INSTALLED, unlocking, from INSTALLED or LOCKED.
        for (from, to) in [(0x07, 0x0B), (0x07, 0x03), (0x07, 0xFF), (0x07, 0x8F)] {
            assert_eq!(own_transition(from, to), None, "{from:02X} -> {to:02X}");
        }
        assert_eq!(own_transition(0x03, 0x0F), None);
        assert_eq!(own_transition(0x87, 0x0F), None);
        assert_eq!(own_transition(0x87, 0x80), None);
    }

    #[test]
    fn lock_transitions_lock_and_unlock_only() {
        assert_eq!(lock_transition(0x07, 0x80), Some(0x87));
        assert_eq!(lock_transition(0x8F, 0x0F), Some(0x0F));
        assert_eq!(lock_transition(0x8F, 0x07), None);
        assert_eq!(lock_transition(0x07, 0x0F), None);
        assert_eq!(lock_transition(0x87, 0x80), None);
        assert_eq!(lock_transition(0x83, 0x03), None);
    }
}
