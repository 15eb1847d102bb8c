//! The internal instruction form: one Java Card bytecode after linking, with every operand
//! resolved (JCVM 3.0.5 chapter 7 names each variant's source opcode).
//!
//! Branch targets are indices into the method's `Vec<Insn>`, not byte offsets; constant-pool
//! references are already field slots, static addresses, class ids or method ids; switch tables
//! live beside the code in [`super::Switch`]. Locals are addressed in 16-bit words like the
//! bytecode, so an int local `n` occupies words `n` and `n + 1`.

use super::{ArrayType, ClassId, MethodId, PackageId, StaticAddr, TypeRef};
use crate::native::NativeId;

/// A comparison for the conditional branches (`ifeq` .. `ifle`, `if_scmpeq` .. `if_scmple`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// `== 0` or `a == b`.
    Eq,
    /// `!= 0` or `a != b`.
    Ne,
    /// `< 0` or `a < b`.
    Lt,
    /// `>= 0` or `a >= b`.
    Ge,
    /// `> 0` or `a > b`.
    Gt,
    /// `<= 0` or `a <= b`.
    Le,
}

impl Cond {
    /// Whether `a` compared with `b` satisfies the condition.
    #[inline(always)]
    pub fn holds(self, a: i32, b: i32) -> bool {
        match self {
            Cond::Eq => a == b,
            Cond::Ne => a != b,
            Cond::Lt => a < b,
            Cond::Ge => a >= b,
            Cond::Gt => a > b,
            Cond::Le => a <= b,
        }
    }
}

/// A branch target: an index into the method's instruction vector.
pub type Target = u16;

/// One linked instruction. Short values are one stack word, ints two words, references one
/// word holding a heap handle (0 is null).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insn {
    /// `nop`.
    Nop,
    /// `aconst_null`.
    AconstNull,
    /// `sconst_<n>`, `bspush`, `sspush`: push a short.
    Sconst(i16),
    /// `iconst_<n>`, `bipush`, `sipush`, `iipush`: push an int.
    Iconst(i32),
    /// `aload`, `sload` and their `_<n>` forms: push one local word.
    Load(u16),
    /// `iload` and `iload_<n>`: push two local words.
    Load2(u16),
    /// `astore`, `sstore` and their `_<n>` forms: pop one word into a local.
    Store(u16),
    /// `istore` and `istore_<n>`: pop two words into locals.
    Store2(u16),
    /// `aaload`.
    Aaload,
    /// `baload` (byte and boolean arrays).
    Baload,
    /// `saload`.
    Saload,
    /// `iaload`.
    Iaload,
    /// `aastore`.
    Aastore,
    /// `bastore` (byte and boolean arrays).
    Bastore,
    /// `sastore`.
    Sastore,
    /// `iastore`.
    Iastore,
    /// `pop`.
    Pop,
    /// `pop2`.
    Pop2,
    /// `dup`.
    Dup,
    /// `dup2`.
    Dup2,
    /// `dup_x`: duplicate the top `m` words and insert them `n` words down (`n == 0`: on top).
    DupX {
        /// Words to duplicate (1..=4).
        m: u8,
        /// Depth of the insertion (0 or m..=m+4).
        n: u8,
    },
    /// `swap_x`: swap the top `m` words with the `n` words below them.
    SwapX {
        /// Upper group size in words (1 or 2).
        m: u8,
        /// Lower group size in words (1 or 2).
        n: u8,
    },
    /// `sadd`.
    Sadd,
    /// `iadd`.
    Iadd,
    /// `ssub`.
    Ssub,
    /// `isub`.
    Isub,
    /// `smul`.
    Smul,
    /// `imul`.
    Imul,
    /// `sdiv`.
    Sdiv,
    /// `idiv`.
    Idiv,
    /// `srem`.
    Srem,
    /// `irem`.
    Irem,
    /// `sneg`.
    Sneg,
    /// `ineg`.
    Ineg,
    /// `sshl`.
    Sshl,
    /// `ishl`.
    Ishl,
    /// `sshr`.
    Sshr,
    /// `ishr`.
    Ishr,
    /// `sushr` (sign-extended to 32 bits first, as in Java).
    Sushr,
    /// `iushr`.
    Iushr,
    /// `sand`.
    Sand,
    /// `iand`.
    Iand,
    /// `sor`.
    Sor,
    /// `ior`.
    Ior,
    /// `sxor`.
    Sxor,
    /// `ixor`.
    Ixor,
    /// `sinc`, `sinc_w`: add a constant to a short local.
    Sinc(u16, i16),
    /// `iinc`, `iinc_w`: add a constant to an int local.
    Iinc(u16, i16),
    /// `s2b`.
    S2b,
    /// `s2i`.
    S2i,
    /// `i2b`.
    I2b,
    /// `i2s`.
    I2s,
    /// `icmp`.
    Icmp,
    /// `if<cond>`, `if<cond>_w`: compare a short with zero.
    If(Cond, Target),
    /// `if_scmp<cond>`, `if_scmp<cond>_w`.
    IfScmp(Cond, Target),
    /// `if_acmpeq`, `if_acmpeq_w`.
    IfAcmpEq(Target),
    /// `if_acmpne`, `if_acmpne_w`.
    IfAcmpNe(Target),
    /// `ifnull`, `ifnull_w`.
    IfNull(Target),
    /// `ifnonnull`, `ifnonnull_w`.
    IfNonNull(Target),
    /// `goto`, `goto_w`.
    Goto(Target),
    /// `jsr`: push the return address (index of the next instruction) and branch.
    Jsr(Target),
    /// `ret`: branch to the return address held in a local.
    Ret(u16),
    /// `stableswitch`: index into the method's switch tables.
    Stableswitch(u16),
    /// `itableswitch`.
    Itableswitch(u16),
    /// `slookupswitch`.
    Slookupswitch(u16),
    /// `ilookupswitch`.
    Ilookupswitch(u16),
    /// `return`.
    Return,
    /// `areturn`, `sreturn`: return one word.
    Return1,
    /// `ireturn`: return two words.
    Return2,
    /// `getstatic_a`.
    GetStaticA(StaticAddr),
    /// `getstatic_b`.
    GetStaticB(StaticAddr),
    /// `getstatic_s`.
    GetStaticS(StaticAddr),
    /// `getstatic_i`.
    GetStaticI(StaticAddr),
    /// `putstatic_a`.
    PutStaticA(StaticAddr),
    /// `putstatic_b`.
    PutStaticB(StaticAddr),
    /// `putstatic_s`.
    PutStaticS(StaticAddr),
    /// `putstatic_i`.
    PutStaticI(StaticAddr),
    /// `getfield_a`, `getfield_a_w`: the operand is the field's word slot in the instance.
    GetFieldA(u16),
    /// `getfield_b`, `getfield_b_w`.
    GetFieldB(u16),
    /// `getfield_s`, `getfield_s_w`.
    GetFieldS(u16),
    /// `getfield_i`, `getfield_i_w`.
    GetFieldI(u16),
    /// `putfield_a`, `putfield_a_w`.
    PutFieldA(u16),
    /// `putfield_b`, `putfield_b_w`.
    PutFieldB(u16),
    /// `putfield_s`, `putfield_s_w`.
    PutFieldS(u16),
    /// `putfield_i`, `putfield_i_w`.
    PutFieldI(u16),
    /// `getfield_a_this`.
    GetFieldAThis(u16),
    /// `getfield_b_this`.
    GetFieldBThis(u16),
    /// `getfield_s_this`.
    GetFieldSThis(u16),
    /// `getfield_i_this`.
    GetFieldIThis(u16),
    /// `putfield_a_this`.
    PutFieldAThis(u16),
    /// `putfield_b_this`.
    PutFieldBThis(u16),
    /// `putfield_s_this`.
    PutFieldSThis(u16),
    /// `putfield_i_this`.
    PutFieldIThis(u16),
    /// `invokevirtual` of a public method: dispatch on the object's public method table.
    InvokeVirtual {
        /// Public virtual method token.
        token: u8,
        /// Argument words including `this`.
        nargs: u8,
    },
    /// `invokevirtual` of a package-visible method: dispatch on the package method table of
    /// the nearest class of the object's hierarchy in package `pkg`.
    InvokeVirtualPkg {
        /// Package method token without its high bit.
        token: u8,
        /// Argument words including `this`.
        nargs: u8,
        /// The package whose method table applies.
        pkg: PackageId,
    },
    /// `invokespecial` of a bytecode method (constructor, private method, super call).
    InvokeSpecial(MethodId),
    /// `invokespecial` of a native method (a constructor or super call into the API).
    InvokeSpecialNative(NativeId),
    /// `invokestatic` of a bytecode method.
    InvokeStatic(MethodId),
    /// `invokestatic` of a native method.
    InvokeStaticNative(NativeId),
    /// `invokeinterface`.
    InvokeInterface {
        /// Argument words including `this`.
        nargs: u8,
        /// Interface method token.
        token: u8,
        /// The interface.
        iface: ClassId,
    },
    /// `new`.
    New(ClassId),
    /// `newarray`.
    Newarray(ArrayType),
    /// `anewarray`: element class.
    Anewarray(ClassId),
    /// `arraylength`.
    Arraylength,
    /// `athrow`.
    Athrow,
    /// `checkcast`.
    Checkcast(TypeRef),
    /// `instanceof`.
    Instanceof(TypeRef),
    /// `invokestatic` or `invokespecial` of an API method this VM does not implement:
    /// traps when executed, so the rest of the package still loads and runs.
    InvokeMissing,
    /// `impdep1`, `impdep2` and any opcode reserved by the specification: traps.
    Reserved(u8),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insn_is_eight_bytes() {
        assert_eq!(std::mem::size_of::<Insn>(), 8);
    }
}
