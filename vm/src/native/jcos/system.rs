//! `jcos.framework.JcosSystem`.

use super::NativeRet;

/// `JcosSystem.VERSION_MAJOR`.
const VERSION_MAJOR: i32 = 1;
/// `JcosSystem.VERSION_MINOR`.
const VERSION_MINOR: i32 = 1;

/// `JcosSystem.getVersion()`: `(VERSION_MAJOR << 8) | VERSION_MINOR`.
pub(super) fn version() -> NativeRet {
    NativeRet::Word((VERSION_MAJOR << 8) | VERSION_MINOR)
}
