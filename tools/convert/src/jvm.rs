//! Java bytecode (JVMS chapter 6) decoded into instructions with absolute branch targets.
//!
//! Every opcode of the Java SE 17 instruction set decodes; the ones Java Card cannot express
//! (long, float and double arithmetic, monitors, `jsr`/`ret`, `invokedynamic`, ...) decode to
//! [`JOp::Unsupported`] with their mnemonic, and the converter reports them where they occur.
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

/// The JVM type of a local variable or return instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `int` and the types javac represents as int (boolean, byte, char, short).
    Int,
    /// A reference.
    Ref,
}

/// The element type of an array load or store instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArrayKind {
    /// `baload`/`bastore`: byte or boolean arrays.
    Byte,
    /// `saload`/`sastore`.
    Short,
    /// `iaload`/`iastore`.
    Int,
    /// `aaload`/`aastore`.
    Ref,
}

/// An int arithmetic or logic operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntOp {
    /// `iadd`.
    Add,
    /// `isub`.
    Sub,
    /// `imul`.
    Mul,
    /// `idiv`.
    Div,
    /// `irem`.
    Rem,
    /// `ineg` (one operand).
    Neg,
    /// `ishl`.
    Shl,
    /// `ishr`.
    Shr,
    /// `iushr`.
    Ushr,
    /// `iand`.
    And,
    /// `ior`.
    Or,
    /// `ixor`.
    Xor,
}

/// A branch condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cond {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `>=`.
    Ge,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
}

/// A decoded instruction; branch targets are absolute bytecode offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JOp {
    /// `nop`.
    Nop,
    /// `aconst_null`.
    AconstNull,
    /// `iconst_<i>`, `bipush`, `sipush`.
    IConst(i32),
    /// `ldc`, `ldc_w`: a one-word constant pool constant.
    Ldc(u16),
    /// `iload`, `aload` and their short forms.
    Load(Kind, u16),
    /// `istore`, `astore` and their short forms.
    Store(Kind, u16),
    /// Array element loads.
    ArrayLoad(ArrayKind),
    /// Array element stores.
    ArrayStore(ArrayKind),
    /// `pop`.
    Pop,
    /// `pop2`.
    Pop2,
    /// `dup`.
    Dup,
    /// `dup_x1`.
    DupX1,
    /// `dup_x2`.
    DupX2,
    /// `dup2`.
    Dup2,
    /// `dup2_x1`.
    Dup2X1,
    /// `dup2_x2`.
    Dup2X2,
    /// `swap`.
    Swap,
    /// Int arithmetic and logic.
    Arith(IntOp),
    /// `iinc` (and `wide iinc`).
    Iinc(u16, i16),
    /// `i2b`.
    I2b,
    /// `i2s`.
    I2s,
    /// `i2c`.
    I2c,
    /// `if<cond>`: compare an int with zero.
    If(Cond, usize),
    /// `if_icmp<cond>`.
    IfICmp(Cond, usize),
    /// `if_acmpeq` (true) / `if_acmpne` (false).
    IfACmp(bool, usize),
    /// `ifnull` (true) / `ifnonnull` (false).
    IfNull(bool, usize),
    /// `goto`, `goto_w`.
    Goto(usize),
    /// `tableswitch`.
    TableSwitch {
        /// Default target.
        default: usize,
        /// Lowest key.
        low: i32,
        /// Targets for `low..=high`.
        targets: Vec<usize>,
    },
    /// `lookupswitch`.
    LookupSwitch {
        /// Default target.
        default: usize,
        /// (key, target) pairs in ascending key order.
        pairs: Vec<(i32, usize)>,
    },
    /// `ireturn`, `areturn`, `return` (`None`).
    Return(Option<Kind>),
    /// `getstatic`.
    GetStatic(u16),
    /// `putstatic`.
    PutStatic(u16),
    /// `getfield`.
    GetField(u16),
    /// `putfield`.
    PutField(u16),
    /// `invokevirtual`.
    InvokeVirtual(u16),
    /// `invokespecial`.
    InvokeSpecial(u16),
    /// `invokestatic`.
    InvokeStatic(u16),
    /// `invokeinterface`.
    InvokeInterface(u16),
    /// `new`.
    New(u16),
    /// `newarray` with its `atype` (4 boolean ... 11 long).
    NewArray(u8),
    /// `anewarray`.
    ANewArray(u16),
    /// `arraylength`.
    ArrayLength,
    /// `athrow`.
    AThrow,
    /// `checkcast`.
    CheckCast(u16),
    /// `instanceof`.
    InstanceOf(u16),
    /// An instruction with no Java Card equivalent.
    Unsupported(&'static str),
}

impl JOp {
    /// The branch targets (jumps, switches); empty for other instructions.
    pub fn targets(&self) -> Vec<usize> {
        match self {
            JOp::If(_, t)
            | JOp::IfICmp(_, t)
            | JOp::IfACmp(_, t)
            | JOp::IfNull(_, t)
            | JOp::Goto(t) => vec![*t],
            JOp::TableSwitch {
                default, targets, ..
            } => std::iter::once(*default)
                .chain(targets.iter().copied())
                .collect(),
            JOp::LookupSwitch { default, pairs } => std::iter::once(*default)
                .chain(pairs.iter().map(|p| p.1))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether execution can continue with the next instruction.
    pub fn falls_through(&self) -> bool {
        !matches!(
            self,
            JOp::Goto(_)
                | JOp::TableSwitch { .. }
                | JOp::LookupSwitch { .. }
                | JOp::Return(_)
                | JOp::AThrow
        )
    }
}

/// One instruction and its offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JInsn {
    /// Offset of the opcode in the code array.
    pub pc: usize,
    /// The instruction.
    pub op: JOp,
}

/// A bytecode that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bytecode offset {pc}: {message}")]
pub struct DecodeError {
    /// Offset of the instruction.
    pub pc: usize,
    /// What is wrong.
    pub message: String,
}

/// Bytes of a code array, read with bounds checks.
struct Code<'a> {
    code: &'a [u8],
    at: usize,
    pc: usize,
}

impl Code<'_> {
    fn err(&self, message: impl Into<String>) -> DecodeError {
        DecodeError {
            pc: self.pc,
            message: message.into(),
        }
    }

    fn u1(&mut self) -> Result<u8, DecodeError> {
        let b = self
            .code
            .get(self.at)
            .copied()
            .ok_or_else(|| self.err("instruction runs past the end of the code"))?;
        self.at = self.at.saturating_add(1);
        Ok(b)
    }

    fn u2(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes([self.u1()?, self.u1()?]))
    }

    fn i2(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes([self.u1()?, self.u1()?]))
    }

    fn i4(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes([
            self.u1()?,
            self.u1()?,
            self.u1()?,
            self.u1()?,
        ]))
    }

    /// Reads a two-byte branch offset and resolves it.
    fn br2(&mut self) -> Result<usize, DecodeError> {
        let o = self.i2()?;
        self.target(i32::from(o))
    }

    /// Reads a four-byte branch offset and resolves it.
    fn br4(&mut self) -> Result<usize, DecodeError> {
        let o = self.i4()?;
        self.target(o)
    }

    fn target(&self, offset: i32) -> Result<usize, DecodeError> {
        i64::try_from(self.pc)
            .ok()
            .and_then(|pc| pc.checked_add(i64::from(offset)))
            .and_then(|t| usize::try_from(t).ok())
            .filter(|t| *t < self.code.len())
            .ok_or_else(|| self.err(format!("branch offset {offset} leaves the code")))
    }
}

/// Decodes a whole code array.
pub fn decode(code: &[u8]) -> Result<Vec<JInsn>, DecodeError> {
    let mut c = Code { code, at: 0, pc: 0 };
    let mut out = Vec::new();
    while c.at < code.len() {
        c.pc = c.at;
        let op = decode_one(&mut c)?;
        out.push(JInsn { pc: c.pc, op });
    }
    // Branch targets must be instruction boundaries.
    let starts: std::collections::BTreeSet<usize> = out.iter().map(|i| i.pc).collect();
    for i in &out {
        for t in i.op.targets() {
            if !starts.contains(&t) {
                return Err(DecodeError {
                    pc: i.pc,
                    message: format!("branch target {t} is not an instruction"),
                });
            }
        }
    }
    Ok(out)
}

fn decode_one(c: &mut Code<'_>) -> Result<JOp, DecodeError> {
    use JOp::*;
    let opcode = c.u1()?;
    let op = match opcode {
        0x00 => Nop,
        0x01 => AconstNull,
        0x02..=0x08 => IConst(i32::from(opcode).wrapping_sub(3)),
        0x09 | 0x0a => Unsupported("lconst"),
        0x0b..=0x0d => Unsupported("fconst"),
        0x0e | 0x0f => Unsupported("dconst"),
        0x10 => IConst(i32::from(c.u1()? as i8)),
        0x11 => IConst(i32::from(c.i2()?)),
        0x12 => Ldc(u16::from(c.u1()?)),
        0x13 => Ldc(c.u2()?),
        0x14 => {
            c.u2()?;
            Unsupported("ldc2_w")
        }
        0x15 => Load(Kind::Int, u16::from(c.u1()?)),
        0x16 => {
            c.u1()?;
            Unsupported("lload")
        }
        0x17 => {
            c.u1()?;
            Unsupported("fload")
        }
        0x18 => {
            c.u1()?;
            Unsupported("dload")
        }
        0x19 => Load(Kind::Ref, u16::from(c.u1()?)),
        0x1a..=0x1d => Load(Kind::Int, u16::from(opcode.wrapping_sub(0x1a))),
        0x1e..=0x21 => Unsupported("lload"),
        0x22..=0x25 => Unsupported("fload"),
        0x26..=0x29 => Unsupported("dload"),
        0x2a..=0x2d => Load(Kind::Ref, u16::from(opcode.wrapping_sub(0x2a))),
        0x2e => ArrayLoad(ArrayKind::Int),
        0x2f => Unsupported("laload"),
        0x30 => Unsupported("faload"),
        0x31 => Unsupported("daload"),
        0x32 => ArrayLoad(ArrayKind::Ref),
        0x33 => ArrayLoad(ArrayKind::Byte),
        0x34 => Unsupported("caload"),
        0x35 => ArrayLoad(ArrayKind::Short),
        0x36 => Store(Kind::Int, u16::from(c.u1()?)),
        0x37 => {
            c.u1()?;
            Unsupported("lstore")
        }
        0x38 => {
            c.u1()?;
            Unsupported("fstore")
        }
        0x39 => {
            c.u1()?;
            Unsupported("dstore")
        }
        0x3a => Store(Kind::Ref, u16::from(c.u1()?)),
        0x3b..=0x3e => Store(Kind::Int, u16::from(opcode.wrapping_sub(0x3b))),
        0x3f..=0x42 => Unsupported("lstore"),
        0x43..=0x46 => Unsupported("fstore"),
        0x47..=0x4a => Unsupported("dstore"),
        0x4b..=0x4e => Store(Kind::Ref, u16::from(opcode.wrapping_sub(0x4b))),
        0x4f => ArrayStore(ArrayKind::Int),
        0x50 => Unsupported("lastore"),
        0x51 => Unsupported("fastore"),
        0x52 => Unsupported("dastore"),
        0x53 => ArrayStore(ArrayKind::Ref),
        0x54 => ArrayStore(ArrayKind::Byte),
        0x55 => Unsupported("castore"),
        0x56 => ArrayStore(ArrayKind::Short),
        0x57 => Pop,
        0x58 => Pop2,
        0x59 => Dup,
        0x5a => DupX1,
        0x5b => DupX2,
        0x5c => Dup2,
        0x5d => Dup2X1,
        0x5e => Dup2X2,
        0x5f => Swap,
        0x60 => Arith(IntOp::Add),
        0x64 => Arith(IntOp::Sub),
        0x68 => Arith(IntOp::Mul),
        0x6c => Arith(IntOp::Div),
        0x70 => Arith(IntOp::Rem),
        0x74 => Arith(IntOp::Neg),
        0x78 => Arith(IntOp::Shl),
        0x7a => Arith(IntOp::Shr),
        0x7c => Arith(IntOp::Ushr),
        0x7e => Arith(IntOp::And),
        0x80 => Arith(IntOp::Or),
        0x82 => Arith(IntOp::Xor),
        0x61 | 0x65 | 0x69 | 0x6d | 0x71 | 0x75 | 0x79 | 0x7b | 0x7d | 0x7f | 0x81 | 0x83 => {
            Unsupported("long arithmetic")
        }
        0x62 | 0x66 | 0x6a | 0x6e | 0x72 | 0x76 => Unsupported("float arithmetic"),
        0x63 | 0x67 | 0x6b | 0x6f | 0x73 | 0x77 => Unsupported("double arithmetic"),
        0x84 => {
            let index = u16::from(c.u1()?);
            let delta = i16::from(c.u1()? as i8);
            Iinc(index, delta)
        }
        0x85 => Unsupported("i2l"),
        0x86 => Unsupported("i2f"),
        0x87 => Unsupported("i2d"),
        0x88 => Unsupported("l2i"),
        0x89 => Unsupported("l2f"),
        0x8a => Unsupported("l2d"),
        0x8b => Unsupported("f2i"),
        0x8c => Unsupported("f2l"),
        0x8d => Unsupported("f2d"),
        0x8e => Unsupported("d2i"),
        0x8f => Unsupported("d2l"),
        0x90 => Unsupported("d2f"),
        0x91 => I2b,
        0x92 => I2c,
        0x93 => I2s,
        0x94 => Unsupported("lcmp"),
        0x95 | 0x96 => Unsupported("fcmp"),
        0x97 | 0x98 => Unsupported("dcmp"),
        0x99..=0x9e => {
            let t = c.br2()?;
            If(cond(opcode.wrapping_sub(0x99)), t)
        }
        0x9f..=0xa4 => {
            let t = c.br2()?;
            IfICmp(cond(opcode.wrapping_sub(0x9f)), t)
        }
        0xa5 | 0xa6 => {
            let t = c.br2()?;
            IfACmp(opcode == 0xa5, t)
        }
        0xa7 => Goto(c.br2()?),
        0xa8 => {
            c.i2()?;
            Unsupported("jsr")
        }
        0xa9 => {
            c.u1()?;
            Unsupported("ret")
        }
        0xaa => {
            pad(c)?;
            let default = c.br4()?;
            let low = c.i4()?;
            let high = c.i4()?;
            if high < low {
                return Err(c.err(format!("tableswitch high {high} below low {low}")));
            }
            let n = i64::from(high).wrapping_sub(i64::from(low)).wrapping_add(1);
            if n > 0xFFFF {
                return Err(c.err(format!("tableswitch with {n} entries")));
            }
            let mut targets = Vec::new();
            for _ in 0..n {
                targets.push(c.br4()?);
            }
            TableSwitch {
                default,
                low,
                targets,
            }
        }
        0xab => {
            pad(c)?;
            let default = c.br4()?;
            let n = c.i4()?;
            if !(0..=0xFFFF).contains(&n) {
                return Err(c.err(format!("lookupswitch with {n} pairs")));
            }
            let mut pairs = Vec::new();
            for _ in 0..n {
                let key = c.i4()?;
                let target = c.br4()?;
                pairs.push((key, target));
            }
            if pairs.windows(2).any(|w| matches!(w, [a, b] if a.0 >= b.0)) {
                return Err(c.err("lookupswitch keys not in ascending order"));
            }
            LookupSwitch { default, pairs }
        }
        0xac => Return(Some(Kind::Int)),
        0xad => Unsupported("lreturn"),
        0xae => Unsupported("freturn"),
        0xaf => Unsupported("dreturn"),
        0xb0 => Return(Some(Kind::Ref)),
        0xb1 => Return(None),
        0xb2 => GetStatic(c.u2()?),
        0xb3 => PutStatic(c.u2()?),
        0xb4 => GetField(c.u2()?),
        0xb5 => PutField(c.u2()?),
        0xb6 => InvokeVirtual(c.u2()?),
        0xb7 => InvokeSpecial(c.u2()?),
        0xb8 => InvokeStatic(c.u2()?),
        0xb9 => {
            let i = c.u2()?;
            c.u1()?;
            c.u1()?;
            InvokeInterface(i)
        }
        0xba => {
            c.u2()?;
            c.u2()?;
            Unsupported("invokedynamic")
        }
        0xbb => New(c.u2()?),
        0xbc => NewArray(c.u1()?),
        0xbd => ANewArray(c.u2()?),
        0xbe => ArrayLength,
        0xbf => AThrow,
        0xc0 => CheckCast(c.u2()?),
        0xc1 => InstanceOf(c.u2()?),
        0xc2 => Unsupported("monitorenter"),
        0xc3 => Unsupported("monitorexit"),
        0xc4 => decode_wide(c)?,
        0xc5 => {
            c.u2()?;
            c.u1()?;
            Unsupported("multianewarray")
        }
        0xc6 | 0xc7 => {
            let t = c.br2()?;
            IfNull(opcode == 0xc6, t)
        }
        0xc8 => Goto(c.br4()?),
        0xc9 => {
            c.i4()?;
            Unsupported("jsr_w")
        }
        other => return Err(c.err(format!("opcode {other:#04x} is not defined"))),
    };
    Ok(op)
}

fn cond(n: u8) -> Cond {
    match n {
        0 => Cond::Eq,
        1 => Cond::Ne,
        2 => Cond::Lt,
        3 => Cond::Ge,
        4 => Cond::Gt,
        _ => Cond::Le,
    }
}

/// Skips the 0-3 padding bytes that align switch operands to four bytes.
fn pad(c: &mut Code<'_>) -> Result<(), DecodeError> {
    while c.at % 4 != 0 {
        c.u1()?;
    }
    Ok(())
}

fn decode_wide(c: &mut Code<'_>) -> Result<JOp, DecodeError> {
    let opcode = c.u1()?;
    let index = c.u2()?;
    Ok(match opcode {
        0x15 => JOp::Load(Kind::Int, index),
        0x19 => JOp::Load(Kind::Ref, index),
        0x36 => JOp::Store(Kind::Int, index),
        0x3a => JOp::Store(Kind::Ref, index),
        0x16 | 0x37 => JOp::Unsupported("long local variable"),
        0x17 | 0x38 => JOp::Unsupported("float local variable"),
        0x18 | 0x39 => JOp::Unsupported("double local variable"),
        0xa9 => JOp::Unsupported("ret"),
        0x84 => JOp::Iinc(index, c.i2()?),
        other => return Err(c.err(format!("wide {other:#04x} is not a wide instruction"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_branches_and_switches() {
        // 0: iload_1; 1: tableswitch (pad to 4) default +27 low 1 high 2 -> +27, +28
        let mut code = vec![0x1b, 0xaa, 0, 0];
        for v in [27i32, 1, 2, 27, 28] {
            code.extend_from_slice(&v.to_be_bytes());
        }
        // 24: iconst_0; 25: ireturn; 26: nop; 27: iconst_1; 28: ireturn; 29: goto -29
        code.extend_from_slice(&[0x03, 0xac, 0x00, 0x04, 0xac, 0xa7, 0xff, 0xe3]);
        let insns = decode(&code).unwrap();
        assert_eq!(insns[0].op, JOp::Load(Kind::Int, 1));
        assert_eq!(
            insns[1].op,
            JOp::TableSwitch {
                default: 28,
                low: 1,
                targets: vec![28, 29]
            }
        );
        assert!(decode(&code[..10]).is_err(), "cut inside the switch");
    }

    #[test]
    fn rejects_bad_targets_and_opcodes() {
        assert!(
            decode(&[0xa7, 0x00, 0x02, 0xb1]).is_err(),
            "into goto's operand"
        );
        assert!(decode(&[0xa7, 0x7f, 0x00]).is_err(), "past the end");
        assert!(decode(&[0xcb]).is_err(), "undefined opcode");
        assert_eq!(
            decode(&[0x61]).unwrap()[0].op,
            JOp::Unsupported("long arithmetic")
        );
    }
}
