//! Decoding one instruction at a pc: opcode, operands and length, every read bounds-checked.

use nom::number::complete::{be_i16, be_i32, be_u16, be_u8, i8 as be_i8};
use nom::IResult;

use super::opcode::{Format, Opcode};

/// Why the bytes at a pc are not an instruction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The pc is at or beyond the end of the code.
    #[error("pc is outside the code ({len} bytes)")]
    PcOutOfRange {
        /// Length of the code.
        len: usize,
    },
    /// The byte is not an opcode of the Java Card 3.0.5 instruction set.
    #[error("unknown opcode 0x{0:02x}")]
    UnknownOpcode(u8),
    /// `impdep1`/`impdep2`: reserved for VM-internal use, never valid in a CAP file.
    #[error("reserved opcode 0x{0:02x} ({mnemonic})", mnemonic = reserved_name(*.0))]
    ReservedOpcode(u8),
    /// The operands run past the end of the code.
    #[error("{mnemonic} needs {needed} bytes but only {available} remain")]
    Truncated {
        /// Mnemonic of the instruction.
        mnemonic: &'static str,
        /// Bytes the instruction needs, opcode included.
        needed: u64,
        /// Bytes left from the pc to the end of the code.
        available: usize,
    },
    /// A table switch whose `low` is greater than its `high`.
    #[error("{mnemonic} has low {low} > high {high}")]
    SwitchRange {
        /// Mnemonic of the instruction.
        mnemonic: &'static str,
        /// The table's low bound.
        low: i32,
        /// The table's high bound.
        high: i32,
    },
}

fn reserved_name(byte: u8) -> &'static str {
    Opcode::from_byte(byte).map_or("?", Opcode::mnemonic)
}

/// An instruction that could not be decoded, with the pc of its opcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bytecode at pc 0x{pc:04x}: {kind}")]
pub struct DecodeError {
    /// Offset of the offending opcode in the code.
    pub pc: usize,
    /// What is wrong.
    pub kind: DecodeErrorKind,
}

/// Decoded operands, by operand [`Format`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operands {
    /// No operands.
    None,
    /// Immediate value of `bspush`/`sspush`/`bipush`/`sipush`/`iipush`, sign-extended.
    Push(i32),
    /// Local variable index.
    Local(u8),
    /// `sinc`/`iinc` and their wide forms: local index and sign-extended increment.
    Inc {
        /// Local variable index.
        index: u8,
        /// Increment.
        delta: i16,
    },
    /// Branch offset relative to the opcode, sign-extended.
    Branch(i16),
    /// Constant pool index (one- or two-byte form).
    Cp(u16),
    /// `newarray` element type code.
    ArrayType(u8),
    /// `checkcast`/`instanceof`: type code and constant pool index (0 for primitive arrays).
    TypeCheck {
        /// Array type code, or 0 (`T_CLASSORINTERFACE`).
        atype: u8,
        /// Constant pool index of the class, interface or reference array component.
        index: u16,
    },
    /// `invokeinterface` operands.
    Interface {
        /// Number of argument words, `this` included.
        nargs: u8,
        /// Constant pool index of the interface.
        index: u16,
        /// Interface method token.
        method: u8,
    },
    /// `dup_x`/`swap_x` stack shape byte.
    StackShape(u8),
    /// `stableswitch`/`itableswitch`: one offset per value in `low..=high`.
    TableSwitch {
        /// Offset taken when the value is outside `low..=high`.
        default: i16,
        /// Lowest matched value.
        low: i32,
        /// Highest matched value.
        high: i32,
        /// Offsets for `low`, `low + 1`, ..., `high`.
        offsets: Vec<i16>,
    },
    /// `slookupswitch`/`ilookupswitch`: (match, offset) pairs.
    LookupSwitch {
        /// Offset taken when no pair matches.
        default: i16,
        /// The (match, offset) pairs in code order.
        pairs: Vec<(i32, i16)>,
    },
}

/// One decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Insn {
    /// The opcode.
    pub opcode: Opcode,
    /// Its operands.
    pub operands: Operands,
    /// Length in bytes, opcode included.
    pub len: usize,
}

impl Insn {
    /// Every branch target of this instruction at `pc` (jumps, conditional branches, `jsr`,
    /// switch cases and default), in operand order; `None` for a target before offset 0.
    pub fn branch_targets(&self, pc: usize) -> Vec<Option<usize>> {
        match &self.operands {
            Operands::Branch(off) => vec![branch_target(pc, *off)],
            Operands::TableSwitch {
                default, offsets, ..
            } => std::iter::once(default)
                .chain(offsets.iter())
                .map(|off| branch_target(pc, *off))
                .collect(),
            Operands::LookupSwitch { default, pairs } => std::iter::once(default)
                .chain(pairs.iter().map(|(_, off)| off))
                .map(|off| branch_target(pc, *off))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The absolute target of a branch at `pc` with relative `offset`, or `None` if it would lie
/// before offset 0 (or beyond the address space).
pub fn branch_target(pc: usize, offset: i16) -> Option<usize> {
    pc.checked_add_signed(isize::from(offset))
}

type NomErr<'a> = nom::error::Error<&'a [u8]>;

/// A nom number parser over code bytes.
type NumParser<'a, T> = fn(&'a [u8]) -> IResult<&'a [u8], T, NomErr<'a>>;

/// Reads the operands of one instruction; each read fails cleanly on a short buffer.
struct Reader<'a> {
    rest: &'a [u8],
    pc: usize,
    opcode: Opcode,
    available: usize,
}

impl<'a> Reader<'a> {
    fn truncated(&self, needed: u64) -> DecodeError {
        DecodeError {
            pc: self.pc,
            kind: DecodeErrorKind::Truncated {
                mnemonic: self.opcode.mnemonic(),
                needed,
                available: self.available,
            },
        }
    }

    fn read<T>(&mut self, needed: u64, parser: NumParser<'a, T>) -> Result<T, DecodeError> {
        match parser(self.rest) {
            Ok((rest, value)) => {
                self.rest = rest;
                Ok(value)
            }
            Err(_) => Err(self.truncated(needed)),
        }
    }

    fn u1(&mut self, needed: u64) -> Result<u8, DecodeError> {
        self.read(needed, be_u8)
    }
    fn s1(&mut self, needed: u64) -> Result<i8, DecodeError> {
        self.read(needed, be_i8)
    }
    fn u2(&mut self, needed: u64) -> Result<u16, DecodeError> {
        self.read(needed, be_u16)
    }
    fn s2(&mut self, needed: u64) -> Result<i16, DecodeError> {
        self.read(needed, be_i16)
    }
    fn s4(&mut self, needed: u64) -> Result<i32, DecodeError> {
        self.read(needed, be_i32)
    }

    /// Fails before any table is allocated if `needed` bytes are not all present.
    fn require(&self, needed: u64) -> Result<(), DecodeError> {
        if needed > self.available as u64 {
            Err(self.truncated(needed))
        } else {
            Ok(())
        }
    }
}

/// Decodes the instruction whose opcode is at `code[pc]`.
pub fn decode(code: &[u8], pc: usize) -> Result<Insn, DecodeError> {
    let fail = |kind| DecodeError { pc, kind };
    let (byte, rest) = code
        .get(pc..)
        .and_then(<[u8]>::split_first)
        .ok_or(fail(DecodeErrorKind::PcOutOfRange { len: code.len() }))?;
    let opcode = Opcode::from_byte(*byte).ok_or(fail(DecodeErrorKind::UnknownOpcode(*byte)))?;
    if opcode.is_reserved() {
        return Err(fail(DecodeErrorKind::ReservedOpcode(*byte)));
    }
    let mut r = Reader {
        rest,
        pc,
        opcode,
        available: rest.len().saturating_add(1),
    };
    let format = opcode.format();
    let len = format.fixed_len().unwrap_or(0);
    let need = len as u64;
    r.require(need)?;
    let operands = match format {
        Format::None => Operands::None,
        Format::S1 => Operands::Push(i32::from(r.s1(need)?)),
        Format::S2 => Operands::Push(i32::from(r.s2(need)?)),
        Format::S4 => Operands::Push(r.s4(need)?),
        Format::Local => Operands::Local(r.u1(need)?),
        Format::LocalInc => Operands::Inc {
            index: r.u1(need)?,
            delta: i16::from(r.s1(need)?),
        },
        Format::LocalIncWide => Operands::Inc {
            index: r.u1(need)?,
            delta: r.s2(need)?,
        },
        Format::Branch => Operands::Branch(i16::from(r.s1(need)?)),
        Format::BranchWide => Operands::Branch(r.s2(need)?),
        Format::Cp1 => Operands::Cp(u16::from(r.u1(need)?)),
        Format::Cp2 => Operands::Cp(r.u2(need)?),
        Format::ArrayType => Operands::ArrayType(r.u1(need)?),
        Format::TypeCheck => Operands::TypeCheck {
            atype: r.u1(need)?,
            index: r.u2(need)?,
        },
        Format::Interface => Operands::Interface {
            nargs: r.u1(need)?,
            index: r.u2(need)?,
            method: r.u1(need)?,
        },
        Format::StackShape => Operands::StackShape(r.u1(need)?),
        Format::STableSwitch
        | Format::ITableSwitch
        | Format::SLookupSwitch
        | Format::ILookupSwitch => return decode_switch(&mut r, format),
    };
    Ok(Insn {
        opcode,
        operands,
        len,
    })
}

/// Decodes the variable-length switch forms: the header first, then the table once its full
/// size is known to be present.
fn decode_switch(r: &mut Reader<'_>, format: Format) -> Result<Insn, DecodeError> {
    let wide_keys = matches!(format, Format::ITableSwitch | Format::ILookupSwitch);
    match format {
        Format::STableSwitch | Format::ITableSwitch => {
            // opcode, default, low, high
            let header: u64 = if wide_keys { 11 } else { 7 };
            r.require(header)?;
            let default = r.s2(header)?;
            let (low, high) = if wide_keys {
                (r.s4(header)?, r.s4(header)?)
            } else {
                (i32::from(r.s2(header)?), i32::from(r.s2(header)?))
            };
            if low > high {
                return Err(DecodeError {
                    pc: r.pc,
                    kind: DecodeErrorKind::SwitchRange {
                        mnemonic: r.opcode.mnemonic(),
                        low,
                        high,
                    },
                });
            }
            // Widened to u64: high - low + 1 can reach 2^32 for itableswitch.
            let count = i64::from(high).abs_diff(i64::from(low)).saturating_add(1);
            let needed = header.saturating_add(count.saturating_mul(2));
            r.require(needed)?;
            let mut offsets = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
            for _ in 0..count {
                offsets.push(r.s2(needed)?);
            }
            Ok(Insn {
                opcode: r.opcode,
                operands: Operands::TableSwitch {
                    default,
                    low,
                    high,
                    offsets,
                },
                len: usize::try_from(needed).map_err(|_| r.truncated(needed))?,
            })
        }
        _ => {
            // opcode, default, npairs; then (match, offset) pairs
            let header: u64 = 5;
            let pair: u64 = if wide_keys { 6 } else { 4 };
            r.require(header)?;
            let default = r.s2(header)?;
            let npairs = u64::from(r.u2(header)?);
            let needed = header.saturating_add(npairs.saturating_mul(pair));
            r.require(needed)?;
            let mut pairs = Vec::with_capacity(usize::try_from(npairs).unwrap_or(0));
            for _ in 0..npairs {
                let key = if wide_keys {
                    r.s4(needed)?
                } else {
                    i32::from(r.s2(needed)?)
                };
                pairs.push((key, r.s2(needed)?));
            }
            Ok(Insn {
                opcode: r.opcode,
                operands: Operands::LookupSwitch { default, pairs },
                len: usize::try_from(needed).map_err(|_| r.truncated(needed))?,
            })
        }
    }
}
