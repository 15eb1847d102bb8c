//! Converter from Java class files to CAP and export files.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod applets;
pub mod classfile;
pub mod convert;
pub mod jar;
pub mod javac;
pub mod jvm;
pub mod stubs;
