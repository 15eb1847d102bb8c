//! The Java Card 3.0.5 bytecode set (JCVM specification chapter 7): opcodes, operand formats,
//! decoding and disassembly.
//!
//! [`Opcode`] is the single definition of every instruction; [`decode`] turns the bytes at a pc
//! into an [`Insn`], and [`disassemble`] walks a method body.
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

mod decode;
mod disasm;
mod opcode;

pub use decode::{branch_target, decode, DecodeError, DecodeErrorKind, Insn, Operands};
pub use disasm::{disassemble, listing, Disassembly, InsnAt};
pub use opcode::{ArrayType, Flow, Format, Opcode};
