//! `jcos.framework` (package AID `F04A434F5301`): the card operating system's own services
//! for applets, declared in `vm/api/jcos-framework.json`.
//!
//! - [`system`]: `JcosSystem`, the framework's version;
//! - [`card_manager`]: `CardManager`, the GlobalPlatform registry and content management of
//!   security domains, forwarded to the card through [`crate::runtime::CardManager`];
//! - [`fs`]: `FileSystem`, the card's ISO/IEC 7816-4 file system, through
//!   [`crate::runtime::FileSystem`].
//!
//! Every method is a static native; a method of the table without a binding here links as
//! missing and traps when called.

pub mod card_manager;
mod fs;
mod system;

use super::{Args, NativeRet};
use crate::heap::ContextId;
use crate::interp::{Env, Fault};

/// The package's name in the API tables.
pub const PACKAGE: &str = "jcos/framework";
/// The package's AID.
pub const PACKAGE_AID: [u8; 6] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x01];

super::native_table! {
    /// A `jcos.framework` native method.
    JcosNative;

    /// `JcosSystem.getVersion()`.
    GetVersion = "jcos/framework/JcosSystem", "getVersion", "()S", 0;
    /// `CardManager.getStatusEntry(byte, short, byte[], short)`.
    GetStatusEntry = "jcos/framework/CardManager", "getStatusEntry", "(BS[BS)S", 4;
    /// `CardManager.getCardState()`.
    GetCardState = "jcos/framework/CardManager", "getCardState", "()B", 0;
    /// `CardManager.setCardState(byte)`.
    SetCardState = "jcos/framework/CardManager", "setCardState", "(B)V", 1;
    /// `CardManager.getApplicationState(byte[], short, byte)`.
    GetApplicationState = "jcos/framework/CardManager", "getApplicationState", "([BSB)B", 3;
    /// `CardManager.setApplicationState(byte[], short, byte, byte)`.
    SetApplicationState = "jcos/framework/CardManager", "setApplicationState", "([BSBB)V", 4;
    /// `CardManager.installForLoad(byte[], short, short)`.
    InstallForLoad = "jcos/framework/CardManager", "installForLoad", "([BSS)V", 3;
    /// `CardManager.load(byte[], short, short, byte, boolean)`.
    Load = "jcos/framework/CardManager", "load", "([BSSBZ)V", 5;
    /// `CardManager.install(byte[], short, short, byte)`.
    Install = "jcos/framework/CardManager", "install", "([BSSB)V", 4;
    /// `CardManager.delete(byte[], short, short, boolean)`.
    Delete = "jcos/framework/CardManager", "delete", "([BSSZ)V", 4;
    /// `FileSystem.checkAccess(byte[], short, byte, byte)`.
    FsCheckAccess = "jcos/framework/FileSystem", "checkAccess", "([BSBB)Z", 4;
    /// `FileSystem.readBinary(byte[], short, byte, short, byte[], short, short)`.
    FsReadBinary = "jcos/framework/FileSystem", "readBinary", "([BSBS[BSS)S", 7;
    /// `FileSystem.updateBinary(byte[], short, byte, short, byte[], short, short)`.
    FsUpdateBinary = "jcos/framework/FileSystem", "updateBinary", "([BSBS[BSS)V", 7;
    /// `FileSystem.readRecord(byte[], short, byte, byte, byte[], short)`.
    FsReadRecord = "jcos/framework/FileSystem", "readRecord", "([BSBB[BS)S", 6;
    /// `FileSystem.getFileSize(byte[], short, byte)`.
    FsGetFileSize = "jcos/framework/FileSystem", "getFileSize", "([BSB)S", 3;
}

/// Runs `jcos.framework` native `id` on behalf of context `ctx`.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: JcosNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    match id {
        JcosNative::GetVersion => Ok(system::version()),
        JcosNative::FsCheckAccess
        | JcosNative::FsReadBinary
        | JcosNative::FsUpdateBinary
        | JcosNative::FsReadRecord
        | JcosNative::FsGetFileSize => fs::invoke(env, id, a, ctx),
        _ => card_manager::invoke(env, id, a, ctx),
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
        for (class, name, desc, id) in BINDINGS {
            let view = api.view_by_name(PACKAGE).unwrap();
            let c = view.class_by_name(class).unwrap();
            let m = c.method_by_name(name, desc).unwrap();
            // Static methods only: no `this`.
            assert_eq!(m.access & 0x0008, 0x0008, "{class}.{name} is static");
            let words = crate::native::builtin::descriptor_arg_words(desc).unwrap();
            assert_eq!(usize::from(id.nargs()), words, "{class}.{name}{desc}");
        }
    }
}
