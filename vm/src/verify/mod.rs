//! The off-card style CAP verifier (JCVM 3.0.5 chapters 4, 6 and 7): everything a card must
//! know about a package before it links and runs it, checked once at load.
//!
//! [`verify`] takes a parsed [`CapFile`] (the parser has already checked every length,
//! offset and index, and the cheap relations between components) and the export data of the
//! packages it imports, and checks:
//!
//! * imports: every package resolves, with a compatible version (same major, minor at least
//!   the imported one);
//! * references: every constant pool entry names an existing class, field or method in the
//!   right token space, with the type the Descriptor component gives it;
//! * the class hierarchy: no cycles, superclasses are classes and not final, implemented
//!   interfaces are interfaces;
//! * tables: virtual method tables and interface maps agree with the Descriptor; no final
//!   method is overridden; method headers count the descriptor's parameters;
//! * the static field image, the Applet component (install methods) and the Export component;
//! * every method's bytecode: instruction boundaries, branch and handler targets, and a
//!   dataflow pass over stack and locals with Java Card types, `max_stack`, constant pool
//!   kinds, field and method types, access rules, object initialisation and subroutines;
//! * the ReferenceLocation component lists exactly the constant pool indices in the code.
//!
//! Nothing here panics on any input; a rejected package gets one [`VerifyError`] naming the
//! component, class, method and bytecode offset.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

mod bytecode;
mod error;
mod imports;
mod model;
mod structure;
mod types;

use std::collections::BTreeSet;

pub use error::{VerifyError, VerifyErrorInfo, VerifyErrorKind};
pub use imports::{compatible, ImportResolver, ImportSet};

use crate::cap::{Aid, CapFile, ComponentTag};
use crate::export::PackageVersion;
use bytecode::{MethodSummary, MethodVerifier};
use model::Pkg;

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The package name in dotted form, when the CAP file records it.
    pub package: Option<String>,
    /// The package AID.
    pub aid: Aid,
    /// The package version.
    pub version: PackageVersion,
    /// Classes and interfaces defined.
    pub classes: usize,
    /// Methods whose bytecode was verified (abstract methods have none).
    pub methods: usize,
    /// Instructions verified.
    pub instructions: usize,
}

/// Verifies `cap` against the export data of the packages it imports.
pub fn verify(cap: &CapFile, imports: &dyn ImportResolver) -> Result<VerifyReport, VerifyError> {
    let mut pkg = Pkg::build(cap, imports)?;
    structure::check(&mut pkg)?;
    check_handler_ownership(cap)?;
    let entries = cap
        .methods()
        .map_err(|e| VerifyError::new(ComponentTag::METHOD, VerifyErrorKind::Cap(e)))?;
    let mut summary = MethodSummary::default();
    let mut prepared_all = Vec::new();
    for e in &entries {
        let Some(info) = e.method else { continue };
        if info.header.is_abstract() {
            if !info.bytecodes.is_empty() {
                return Err(VerifyError::new(
                    ComponentTag::METHOD,
                    VerifyErrorKind::MethodHeader(format!(
                        "abstract method with {} bytecodes",
                        info.bytecodes.len()
                    )),
                )
                .at(usize::from(info.offset))
                .in_class(pkg.class_label(e.class_index))
                .in_method(pkg.method_name(e.class_index, e.method_index)));
            }
            continue;
        }
        let prepared = MethodVerifier::prepare(&mut pkg, e, info, &mut summary)?;
        prepared_all.push((e, info, prepared));
    }
    let methods = prepared_all.len();
    for (e, info, prepared) in prepared_all {
        MethodVerifier::new(&pkg, e, info, prepared)?.run()?;
    }
    check_reference_locations(cap, &summary)?;
    Ok(VerifyReport {
        package: cap.package_name(),
        aid: cap.package_aid().clone(),
        version: PackageVersion {
            major: cap.header.package.major_version,
            minor: cap.header.package.minor_version,
        },
        classes: cap.descriptor.classes.len(),
        methods,
        instructions: summary.instructions,
    })
}

/// Every exception handler belongs to exactly one method.
fn check_handler_ownership(cap: &CapFile) -> Result<(), VerifyError> {
    let n = cap.method.exception_handlers.len();
    let mut owners = vec![0u8; n];
    for (_, m) in cap.descriptor.methods() {
        let start = usize::from(m.exception_handler_index);
        let end = start.saturating_add(usize::from(m.exception_handler_count));
        for o in owners.get_mut(start..end).unwrap_or(&mut []) {
            *o = o.saturating_add(1);
        }
    }
    if let Some(i) = owners.iter().position(|o| *o != 1) {
        return Err(VerifyError::new(
            ComponentTag::METHOD,
            VerifyErrorKind::Handler(format!(
                "handler {i} belongs to {} methods, not one",
                owners.get(i).copied().unwrap_or(0)
            )),
        )
        .at(i.saturating_mul(8).saturating_add(1)));
    }
    Ok(())
}

/// The ReferenceLocation component lists exactly the offsets of constant pool indices in the
/// code, each with its width (§6.11); the linker relocates those and only those.
fn check_reference_locations(cap: &CapFile, s: &MethodSummary) -> Result<(), VerifyError> {
    let rl = &cap.reference_location;
    let handler_table_end = cap.method.methods_offset();
    let rerr = |what: String| {
        VerifyError::new(
            ComponentTag::REFERENCE_LOCATION,
            VerifyErrorKind::ReferenceLocation(what),
        )
    };
    let bytes: BTreeSet<u16> = s.cp_bytes.iter().copied().collect();
    let words: BTreeSet<u16> = s.cp_words.iter().copied().collect();
    let optional: BTreeSet<u16> = s.cp_optional.iter().copied().collect();
    let listed_bytes: BTreeSet<u16> = rl.offsets_to_byte_indices.iter().copied().collect();
    let listed_words: BTreeSet<u16> = rl.offsets_to_byte2_indices.iter().copied().collect();
    if let Some(o) = bytes.difference(&listed_bytes).next() {
        return Err(rerr(format!(
            "one-byte constant pool index at Method component offset {o:#06x} is not listed"
        )));
    }
    if let Some(o) = words.difference(&listed_words).next() {
        return Err(rerr(format!(
            "two-byte constant pool index at Method component offset {o:#06x} is not listed"
        )));
    }
    if let Some(o) = listed_bytes.difference(&bytes).next() {
        return Err(rerr(format!(
            "offsets_to_byte_indices lists {o:#06x}, which holds no one-byte constant pool index"
        )));
    }
    let in_handler_table = |o: u16| {
        usize::from(o) < handler_table_end
            && usize::from(o).checked_sub(7).is_some_and(|x| x % 8 == 0)
    };
    if let Some(o) = listed_words
        .iter()
        .find(|o| !words.contains(o) && !optional.contains(o) && !in_handler_table(**o))
    {
        return Err(rerr(format!(
            "offsets_to_byte2_indices lists {o:#06x}, which holds no two-byte constant pool index"
        )));
    }
    Ok(())
}
