//! Walking a method body instruction by instruction, and a readable listing.

use std::fmt;

use super::decode::{branch_target, decode, DecodeError, Insn, Operands};
use super::opcode::ArrayType;

/// Iterator over the instructions of a bytecode slice, yielding `(pc, Insn)`; after the first
/// decode error it yields that error and stops.
#[derive(Debug, Clone)]
pub struct Disassembly<'a> {
    code: &'a [u8],
    pc: usize,
    failed: bool,
}

/// Disassembles `code` from offset 0.
pub fn disassemble(code: &[u8]) -> Disassembly<'_> {
    Disassembly {
        code,
        pc: 0,
        failed: false,
    }
}

impl Iterator for Disassembly<'_> {
    type Item = Result<(usize, Insn), DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pc >= self.code.len() {
            return None;
        }
        match decode(self.code, self.pc) {
            Ok(insn) => {
                let pc = self.pc;
                self.pc = pc.saturating_add(insn.len);
                Some(Ok((pc, insn)))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// An instruction together with its pc, displayed as one listing line (switches add one line
/// per case), e.g. `  0012: sspush 1000` or `  0020: ifeq_w -> 0x0104`.
#[derive(Debug, Clone, Copy)]
pub struct InsnAt<'a> {
    /// Offset of the opcode.
    pub pc: usize,
    /// The instruction.
    pub insn: &'a Insn,
}

struct Target(usize, i16);

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match branch_target(self.0, self.1) {
            Some(t) => write!(f, "-> 0x{t:04x}"),
            None => write!(f, "-> <before start: {:+}>", self.1),
        }
    }
}

impl fmt::Display for InsnAt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pc = self.pc;
        let mnemonic = self.insn.opcode.mnemonic();
        write!(f, "  {pc:04x}: {mnemonic}")?;
        match &self.insn.operands {
            Operands::None => Ok(()),
            Operands::Push(v) => write!(f, " {v}"),
            Operands::Local(i) => write!(f, " {i}"),
            Operands::Inc { index, delta } => write!(f, " {index} {delta}"),
            Operands::Branch(off) => write!(f, " {}", Target(pc, *off)),
            Operands::Cp(i) => write!(f, " {i}"),
            Operands::ArrayType(t) => match ArrayType::from_byte(*t) {
                Some(at) => write!(f, " {t} ({})", at.name()),
                None => write!(f, " {t}"),
            },
            Operands::TypeCheck { atype, index } => write!(f, " {atype} {index}"),
            Operands::Interface {
                nargs,
                index,
                method,
            } => write!(f, " {nargs} {index} {method}"),
            Operands::StackShape(mn) => write!(f, " 0x{mn:02x}"),
            Operands::TableSwitch {
                default,
                low,
                high,
                offsets,
            } => {
                write!(f, " {low}..{high} default {}", Target(pc, *default))?;
                for (key, off) in (i64::from(*low)..).zip(offsets) {
                    write!(f, "\n          {key}: {}", Target(pc, *off))?;
                }
                Ok(())
            }
            Operands::LookupSwitch { default, pairs } => {
                write!(f, " {} pairs default {}", pairs.len(), Target(pc, *default))?;
                for (key, off) in pairs {
                    write!(f, "\n          {key}: {}", Target(pc, *off))?;
                }
                Ok(())
            }
        }
    }
}

impl Insn {
    /// Displays this instruction as a listing line at `pc`.
    pub fn at(&self, pc: usize) -> InsnAt<'_> {
        InsnAt { pc, insn: self }
    }
}

/// The whole listing of `code`, one instruction per line; a decode error ends the listing with
/// a line naming it.
pub fn listing(code: &[u8]) -> String {
    let mut out = String::new();
    for item in disassemble(code) {
        match item {
            Ok((pc, insn)) => out.push_str(&insn.at(pc).to_string()),
            Err(e) => out.push_str(&format!("  {:04x}: <{}>", e.pc, e.kind)),
        }
        out.push('\n');
    }
    out
}
