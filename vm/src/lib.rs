//! The jcos Java Card 3.0.5 virtual machine: CAP and export files, verifier, linker,
//! interpreter, heap and firewall.
//!
//! The VM knows nothing of files, channels or GlobalPlatform; it reaches the card operating
//! system through a narrow runtime trait.
#![forbid(unsafe_code)]

pub mod api;
pub mod cap;
pub mod export;
pub mod firewall;
pub mod heap;
pub mod interp;
pub mod isa;
pub mod link;
pub mod listing;
pub mod native;
pub mod program;
pub mod runtime;
pub mod snapshot;
pub mod verify;
pub mod vm;

pub use vm::{
    AppletId, DeleteError, InstallError, InstallParams, Outcome, UncaughtKind, Vm, VmConfig,
    VmError,
};
