//! Host-side parties of the jcos protocol flows.
#![forbid(unsafe_code)]
