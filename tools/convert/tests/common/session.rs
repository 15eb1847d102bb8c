//! Plays golden fixture sessions against a bare VM: the VM's own test card
//! (`vm/tests/common`), shared so converted CAPs play sessions exactly as the VM's tests play
//! the reference CAPs. `load <fixture>` loads the CAP the caller supplies for that fixture.

#[path = "../../../../vm/tests/common/mod.rs"]
mod vm_common;

// Each test binary uses a different part of the shared card.
#[allow(unused_imports)]
pub use vm_common::{hex, session::run_session_with as run_session, TestRuntime};
