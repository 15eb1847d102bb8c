//! Scripts and the conformance runner of jcos: apdutool scripts, jcos scripts in Rhai, golden
//! fixture sessions, and suites of them.
#![forbid(unsafe_code)]
