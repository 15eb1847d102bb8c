//! Converter from Java class files to CAP and export files.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod classfile;
pub mod javac;
pub mod jvm;
