//! Converter from Java class files to CAP and export files.
#![forbid(unsafe_code)]
