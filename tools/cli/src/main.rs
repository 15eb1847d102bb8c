//! `jcos`: the command line of the jcos smart card emulator.
#![forbid(unsafe_code)]

fn main() {}
