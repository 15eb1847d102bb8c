//! Export files (`.exp`, JCVM 3.0.5 chapter 5): the model, a parser and a writer for formats
//! 2.1, 2.2 and the 2.3 form of newer converters, and a resolved view by names and tokens.
//!
//! Format 2.3 adds two items to the 2.1 layout: the `referenced_packages` list after
//! `this_package` (the packages of external supertypes and descriptor types), and a
//! `CAP22_inheritable_public_method_token_count` byte at the end of each `class_info`. Formats
//! 2.1 and 2.2 share one layout.
//!
//! ```text
//! ExportFile { u4 magic (0x00FACADE); u1 minor_version; u1 major_version;
//!              u2 constant_pool_count; cp_info constant_pool[];
//!              u2 this_package;
//!              [2.3] u1 referenced_package_count; u2 referenced_packages[];
//!              u1 export_class_count; class_info classes[]; }
//! ```
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

mod error;
mod model;
mod parse;
mod view;
mod write;

pub use error::{ExportError, ExportErrorKind};
pub use model::{
    access, Attribute, ClassInfo, Constant, ConstantKind, ExportFile, FieldInfo, FormatVersion,
    MethodInfo, PackageConstant, MAGIC, PACKAGE_ACC_LIBRARY,
};
pub use view::{
    ClassView, FieldView, MemberKind, MethodView, PackageRef, PackageVersion, PackageView, NO_TOKEN,
};

/// Parses a complete export file.
pub fn parse(bytes: &[u8]) -> Result<ExportFile, ExportError> {
    parse::export_file(bytes)
}

/// Encodes an export file; for a parsed file this reproduces the input bytes.
pub fn write(file: &ExportFile) -> Result<Vec<u8>, ExportError> {
    write::export_file(file)
}
