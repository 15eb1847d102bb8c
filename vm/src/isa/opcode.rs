//! The opcode table: one line per instruction of JCVM chapter 7, with its operand format,
//! control flow and int-subset membership.

/// How an instruction's operands are laid out after the opcode byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// No operands.
    None,
    /// One signed byte pushed as a value (`bspush`, `bipush`).
    S1,
    /// One signed short pushed as a value (`sspush`, `sipush`).
    S2,
    /// One signed int pushed as a value (`iipush`).
    S4,
    /// One unsigned byte: a local variable index (`sload`, `astore`, `ret` ...).
    Local,
    /// Local variable index (u1) and signed byte increment (`sinc`, `iinc`).
    LocalInc,
    /// Local variable index (u1) and signed short increment (`sinc_w`, `iinc_w`).
    LocalIncWide,
    /// Signed byte branch offset from the opcode address.
    Branch,
    /// Signed short branch offset from the opcode address (`*_w`, `goto_w`, `jsr`).
    BranchWide,
    /// One-byte constant pool index (`getfield_s`, `putfield_a_this` ...).
    Cp1,
    /// Two-byte constant pool index (`getstatic_b`, `invokevirtual`, `new` ...).
    Cp2,
    /// Primitive array type code (`newarray`).
    ArrayType,
    /// Array type code (u1) and constant pool index (u2) (`checkcast`, `instanceof`).
    TypeCheck,
    /// Argument count (u1), constant pool index (u2) and interface method token (u1).
    Interface,
    /// Packed stack shape byte `mn` (`dup_x`, `swap_x`).
    StackShape,
    /// `stableswitch`: default s2, low s2, high s2, then s2 offsets for low..=high.
    STableSwitch,
    /// `itableswitch`: default s2, low s4, high s4, then s2 offsets for low..=high.
    ITableSwitch,
    /// `slookupswitch`: default s2, npairs u2, then npairs (match s2, offset s2).
    SLookupSwitch,
    /// `ilookupswitch`: default s2, npairs u2, then npairs (match s4, offset s2).
    ILookupSwitch,
}

impl Format {
    /// Total instruction length (opcode included) for fixed-length formats; `None` for switches.
    pub const fn fixed_len(self) -> Option<usize> {
        match self {
            Format::None => Some(1),
            Format::S1
            | Format::Local
            | Format::Branch
            | Format::Cp1
            | Format::ArrayType
            | Format::StackShape => Some(2),
            Format::S2 | Format::LocalInc | Format::BranchWide | Format::Cp2 => Some(3),
            Format::LocalIncWide | Format::TypeCheck => Some(4),
            Format::S4 => Some(5),
            Format::Interface => Some(5),
            Format::STableSwitch
            | Format::ITableSwitch
            | Format::SLookupSwitch
            | Format::ILookupSwitch => None,
        }
    }
}

/// What an instruction does to the flow of control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Falls through to the next instruction.
    Next,
    /// Conditional branch: falls through or jumps to its target.
    Branch,
    /// Unconditional jump (`goto`, `goto_w`).
    Goto,
    /// Jump to a subroutine (`jsr`); execution later resumes after it.
    Jsr,
    /// Return from a subroutine (`ret`).
    Ret,
    /// Multi-way jump (`*tableswitch`, `*lookupswitch`).
    Switch,
    /// Method return (`return`, `sreturn`, `ireturn`, `areturn`).
    Return,
    /// Exception throw (`athrow`).
    Throw,
}

/// Primitive array element types of `newarray` and of the `atype` operand of
/// `checkcast`/`instanceof` (JCVM §7.5, table 7-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArrayType {
    /// `T_CLASSORINTERFACE` (0): a class or interface type (`checkcast`/`instanceof` only).
    ClassOrInterface,
    /// `T_BOOLEAN` (10).
    Boolean,
    /// `T_BYTE` (11).
    Byte,
    /// `T_SHORT` (12).
    Short,
    /// `T_INT` (13).
    Int,
    /// `T_REFERENCE` (14): an array of references (`checkcast`/`instanceof` only).
    Reference,
}

impl ArrayType {
    /// Decodes an `atype` byte.
    pub const fn from_byte(b: u8) -> Option<ArrayType> {
        match b {
            0 => Some(ArrayType::ClassOrInterface),
            10 => Some(ArrayType::Boolean),
            11 => Some(ArrayType::Byte),
            12 => Some(ArrayType::Short),
            13 => Some(ArrayType::Int),
            14 => Some(ArrayType::Reference),
            _ => None,
        }
    }

    /// The specification's name for this type code.
    pub const fn name(self) -> &'static str {
        match self {
            ArrayType::ClassOrInterface => "T_CLASSORINTERFACE",
            ArrayType::Boolean => "T_BOOLEAN",
            ArrayType::Byte => "T_BYTE",
            ArrayType::Short => "T_SHORT",
            ArrayType::Int => "T_INT",
            ArrayType::Reference => "T_REFERENCE",
        }
    }
}

/// Defines [`Opcode`] and its per-instruction properties from one table.
macro_rules! opcodes {
    ($( $variant:ident = $code:literal, $mnemonic:literal, $format:ident, $flow:ident, $int:literal; )*) => {
        /// A Java Card 3.0.5 bytecode, valued as its opcode byte.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Opcode {
            $(
                #[doc = concat!("`", $mnemonic, "`")]
                $variant = $code,
            )*
        }

        impl Opcode {
            /// Every opcode, in ascending byte order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$variant),*];

            /// The opcode with this byte value, if the specification defines one.
            pub const fn from_byte(byte: u8) -> Option<Opcode> {
                match byte {
                    $($code => Some(Opcode::$variant),)*
                    _ => None,
                }
            }

            /// The mnemonic used by the specification and the converter's listings.
            pub const fn mnemonic(self) -> &'static str {
                match self {
                    $(Opcode::$variant => $mnemonic,)*
                }
            }

            /// Layout of the operands after the opcode byte.
            pub const fn format(self) -> Format {
                match self {
                    $(Opcode::$variant => Format::$format,)*
                }
            }

            /// Effect on control flow.
            pub const fn flow(self) -> Flow {
                match self {
                    $(Opcode::$variant => Flow::$flow,)*
                }
            }

            /// True for the instructions of the optional int subset (usable only when the
            /// package's CAP header has `ACC_INT`).
            pub const fn is_int(self) -> bool {
                match self {
                    $(Opcode::$variant => $int,)*
                }
            }
        }
    };
}

opcodes! {
    Nop = 0x00, "nop", None, Next, false;
    AconstNull = 0x01, "aconst_null", None, Next, false;
    SconstM1 = 0x02, "sconst_m1", None, Next, false;
    Sconst0 = 0x03, "sconst_0", None, Next, false;
    Sconst1 = 0x04, "sconst_1", None, Next, false;
    Sconst2 = 0x05, "sconst_2", None, Next, false;
    Sconst3 = 0x06, "sconst_3", None, Next, false;
    Sconst4 = 0x07, "sconst_4", None, Next, false;
    Sconst5 = 0x08, "sconst_5", None, Next, false;
    IconstM1 = 0x09, "iconst_m1", None, Next, true;
    Iconst0 = 0x0A, "iconst_0", None, Next, true;
    Iconst1 = 0x0B, "iconst_1", None, Next, true;
    Iconst2 = 0x0C, "iconst_2", None, Next, true;
    Iconst3 = 0x0D, "iconst_3", None, Next, true;
    Iconst4 = 0x0E, "iconst_4", None, Next, true;
    Iconst5 = 0x0F, "iconst_5", None, Next, true;
    Bspush = 0x10, "bspush", S1, Next, false;
    Sspush = 0x11, "sspush", S2, Next, false;
    Bipush = 0x12, "bipush", S1, Next, true;
    Sipush = 0x13, "sipush", S2, Next, true;
    Iipush = 0x14, "iipush", S4, Next, true;
    Aload = 0x15, "aload", Local, Next, false;
    Sload = 0x16, "sload", Local, Next, false;
    Iload = 0x17, "iload", Local, Next, true;
    Aload0 = 0x18, "aload_0", None, Next, false;
    Aload1 = 0x19, "aload_1", None, Next, false;
    Aload2 = 0x1A, "aload_2", None, Next, false;
    Aload3 = 0x1B, "aload_3", None, Next, false;
    Sload0 = 0x1C, "sload_0", None, Next, false;
    Sload1 = 0x1D, "sload_1", None, Next, false;
    Sload2 = 0x1E, "sload_2", None, Next, false;
    Sload3 = 0x1F, "sload_3", None, Next, false;
    Iload0 = 0x20, "iload_0", None, Next, true;
    Iload1 = 0x21, "iload_1", None, Next, true;
    Iload2 = 0x22, "iload_2", None, Next, true;
    Iload3 = 0x23, "iload_3", None, Next, true;
    Aaload = 0x24, "aaload", None, Next, false;
    Baload = 0x25, "baload", None, Next, false;
    Saload = 0x26, "saload", None, Next, false;
    Iaload = 0x27, "iaload", None, Next, true;
    Astore = 0x28, "astore", Local, Next, false;
    Sstore = 0x29, "sstore", Local, Next, false;
    Istore = 0x2A, "istore", Local, Next, true;
    Astore0 = 0x2B, "astore_0", None, Next, false;
    Astore1 = 0x2C, "astore_1", None, Next, false;
    Astore2 = 0x2D, "astore_2", None, Next, false;
    Astore3 = 0x2E, "astore_3", None, Next, false;
    Sstore0 = 0x2F, "sstore_0", None, Next, false;
    Sstore1 = 0x30, "sstore_1", None, Next, false;
    Sstore2 = 0x31, "sstore_2", None, Next, false;
    Sstore3 = 0x32, "sstore_3", None, Next, false;
    Istore0 = 0x33, "istore_0", None, Next, true;
    Istore1 = 0x34, "istore_1", None, Next, true;
    Istore2 = 0x35, "istore_2", None, Next, true;
    Istore3 = 0x36, "istore_3", None, Next, true;
    Aastore = 0x37, "aastore", None, Next, false;
    Bastore = 0x38, "bastore", None, Next, false;
    Sastore = 0x39, "sastore", None, Next, false;
    Iastore = 0x3A, "iastore", None, Next, true;
    Pop = 0x3B, "pop", None, Next, false;
    Pop2 = 0x3C, "pop2", None, Next, false;
    Dup = 0x3D, "dup", None, Next, false;
    Dup2 = 0x3E, "dup2", None, Next, false;
    DupX = 0x3F, "dup_x", StackShape, Next, false;
    SwapX = 0x40, "swap_x", StackShape, Next, false;
    Sadd = 0x41, "sadd", None, Next, false;
    Iadd = 0x42, "iadd", None, Next, true;
    Ssub = 0x43, "ssub", None, Next, false;
    Isub = 0x44, "isub", None, Next, true;
    Smul = 0x45, "smul", None, Next, false;
    Imul = 0x46, "imul", None, Next, true;
    Sdiv = 0x47, "sdiv", None, Next, false;
    Idiv = 0x48, "idiv", None, Next, true;
    Srem = 0x49, "srem", None, Next, false;
    Irem = 0x4A, "irem", None, Next, true;
    Sneg = 0x4B, "sneg", None, Next, false;
    Ineg = 0x4C, "ineg", None, Next, true;
    Sshl = 0x4D, "sshl", None, Next, false;
    Ishl = 0x4E, "ishl", None, Next, true;
    Sshr = 0x4F, "sshr", None, Next, false;
    Ishr = 0x50, "ishr", None, Next, true;
    Sushr = 0x51, "sushr", None, Next, false;
    Iushr = 0x52, "iushr", None, Next, true;
    Sand = 0x53, "sand", None, Next, false;
    Iand = 0x54, "iand", None, Next, true;
    Sor = 0x55, "sor", None, Next, false;
    Ior = 0x56, "ior", None, Next, true;
    Sxor = 0x57, "sxor", None, Next, false;
    Ixor = 0x58, "ixor", None, Next, true;
    Sinc = 0x59, "sinc", LocalInc, Next, false;
    Iinc = 0x5A, "iinc", LocalInc, Next, true;
    S2b = 0x5B, "s2b", None, Next, false;
    S2i = 0x5C, "s2i", None, Next, true;
    I2b = 0x5D, "i2b", None, Next, true;
    I2s = 0x5E, "i2s", None, Next, true;
    Icmp = 0x5F, "icmp", None, Next, true;
    Ifeq = 0x60, "ifeq", Branch, Branch, false;
    Ifne = 0x61, "ifne", Branch, Branch, false;
    Iflt = 0x62, "iflt", Branch, Branch, false;
    Ifge = 0x63, "ifge", Branch, Branch, false;
    Ifgt = 0x64, "ifgt", Branch, Branch, false;
    Ifle = 0x65, "ifle", Branch, Branch, false;
    Ifnull = 0x66, "ifnull", Branch, Branch, false;
    Ifnonnull = 0x67, "ifnonnull", Branch, Branch, false;
    IfAcmpeq = 0x68, "if_acmpeq", Branch, Branch, false;
    IfAcmpne = 0x69, "if_acmpne", Branch, Branch, false;
    IfScmpeq = 0x6A, "if_scmpeq", Branch, Branch, false;
    IfScmpne = 0x6B, "if_scmpne", Branch, Branch, false;
    IfScmplt = 0x6C, "if_scmplt", Branch, Branch, false;
    IfScmpge = 0x6D, "if_scmpge", Branch, Branch, false;
    IfScmpgt = 0x6E, "if_scmpgt", Branch, Branch, false;
    IfScmple = 0x6F, "if_scmple", Branch, Branch, false;
    Goto = 0x70, "goto", Branch, Goto, false;
    Jsr = 0x71, "jsr", BranchWide, Jsr, false;
    Ret = 0x72, "ret", Local, Ret, false;
    Stableswitch = 0x73, "stableswitch", STableSwitch, Switch, false;
    Itableswitch = 0x74, "itableswitch", ITableSwitch, Switch, true;
    Slookupswitch = 0x75, "slookupswitch", SLookupSwitch, Switch, false;
    Ilookupswitch = 0x76, "ilookupswitch", ILookupSwitch, Switch, true;
    Areturn = 0x77, "areturn", None, Return, false;
    Sreturn = 0x78, "sreturn", None, Return, false;
    Ireturn = 0x79, "ireturn", None, Return, true;
    Return = 0x7A, "return", None, Return, false;
    GetstaticA = 0x7B, "getstatic_a", Cp2, Next, false;
    GetstaticB = 0x7C, "getstatic_b", Cp2, Next, false;
    GetstaticS = 0x7D, "getstatic_s", Cp2, Next, false;
    GetstaticI = 0x7E, "getstatic_i", Cp2, Next, true;
    PutstaticA = 0x7F, "putstatic_a", Cp2, Next, false;
    PutstaticB = 0x80, "putstatic_b", Cp2, Next, false;
    PutstaticS = 0x81, "putstatic_s", Cp2, Next, false;
    PutstaticI = 0x82, "putstatic_i", Cp2, Next, true;
    GetfieldA = 0x83, "getfield_a", Cp1, Next, false;
    GetfieldB = 0x84, "getfield_b", Cp1, Next, false;
    GetfieldS = 0x85, "getfield_s", Cp1, Next, false;
    GetfieldI = 0x86, "getfield_i", Cp1, Next, true;
    PutfieldA = 0x87, "putfield_a", Cp1, Next, false;
    PutfieldB = 0x88, "putfield_b", Cp1, Next, false;
    PutfieldS = 0x89, "putfield_s", Cp1, Next, false;
    PutfieldI = 0x8A, "putfield_i", Cp1, Next, true;
    Invokevirtual = 0x8B, "invokevirtual", Cp2, Next, false;
    Invokespecial = 0x8C, "invokespecial", Cp2, Next, false;
    Invokestatic = 0x8D, "invokestatic", Cp2, Next, false;
    Invokeinterface = 0x8E, "invokeinterface", Interface, Next, false;
    New = 0x8F, "new", Cp2, Next, false;
    Newarray = 0x90, "newarray", ArrayType, Next, false;
    Anewarray = 0x91, "anewarray", Cp2, Next, false;
    Arraylength = 0x92, "arraylength", None, Next, false;
    Athrow = 0x93, "athrow", None, Throw, false;
    Checkcast = 0x94, "checkcast", TypeCheck, Next, false;
    Instanceof = 0x95, "instanceof", TypeCheck, Next, false;
    SincW = 0x96, "sinc_w", LocalIncWide, Next, false;
    IincW = 0x97, "iinc_w", LocalIncWide, Next, true;
    IfeqW = 0x98, "ifeq_w", BranchWide, Branch, false;
    IfneW = 0x99, "ifne_w", BranchWide, Branch, false;
    IfltW = 0x9A, "iflt_w", BranchWide, Branch, false;
    IfgeW = 0x9B, "ifge_w", BranchWide, Branch, false;
    IfgtW = 0x9C, "ifgt_w", BranchWide, Branch, false;
    IfleW = 0x9D, "ifle_w", BranchWide, Branch, false;
    IfnullW = 0x9E, "ifnull_w", BranchWide, Branch, false;
    IfnonnullW = 0x9F, "ifnonnull_w", BranchWide, Branch, false;
    IfAcmpeqW = 0xA0, "if_acmpeq_w", BranchWide, Branch, false;
    IfAcmpneW = 0xA1, "if_acmpne_w", BranchWide, Branch, false;
    IfScmpeqW = 0xA2, "if_scmpeq_w", BranchWide, Branch, false;
    IfScmpneW = 0xA3, "if_scmpne_w", BranchWide, Branch, false;
    IfScmpltW = 0xA4, "if_scmplt_w", BranchWide, Branch, false;
    IfScmpgeW = 0xA5, "if_scmpge_w", BranchWide, Branch, false;
    IfScmpgtW = 0xA6, "if_scmpgt_w", BranchWide, Branch, false;
    IfScmpleW = 0xA7, "if_scmple_w", BranchWide, Branch, false;
    GotoW = 0xA8, "goto_w", BranchWide, Goto, false;
    GetfieldAW = 0xA9, "getfield_a_w", Cp2, Next, false;
    GetfieldBW = 0xAA, "getfield_b_w", Cp2, Next, false;
    GetfieldSW = 0xAB, "getfield_s_w", Cp2, Next, false;
    GetfieldIW = 0xAC, "getfield_i_w", Cp2, Next, true;
    GetfieldAThis = 0xAD, "getfield_a_this", Cp1, Next, false;
    GetfieldBThis = 0xAE, "getfield_b_this", Cp1, Next, false;
    GetfieldSThis = 0xAF, "getfield_s_this", Cp1, Next, false;
    GetfieldIThis = 0xB0, "getfield_i_this", Cp1, Next, true;
    PutfieldAW = 0xB1, "putfield_a_w", Cp2, Next, false;
    PutfieldBW = 0xB2, "putfield_b_w", Cp2, Next, false;
    PutfieldSW = 0xB3, "putfield_s_w", Cp2, Next, false;
    PutfieldIW = 0xB4, "putfield_i_w", Cp2, Next, true;
    PutfieldAThis = 0xB5, "putfield_a_this", Cp1, Next, false;
    PutfieldBThis = 0xB6, "putfield_b_this", Cp1, Next, false;
    PutfieldSThis = 0xB7, "putfield_s_this", Cp1, Next, false;
    PutfieldIThis = 0xB8, "putfield_i_this", Cp1, Next, true;
    Impdep1 = 0xFE, "impdep1", None, Next, false;
    Impdep2 = 0xFF, "impdep2", None, Next, false;
}

impl Opcode {
    /// The opcode byte.
    pub const fn byte(self) -> u8 {
        self as u8
    }

    /// True for `impdep1`/`impdep2`, reserved for VM-internal use and invalid in CAP files
    /// (JCVM §7.2).
    pub const fn is_reserved(self) -> bool {
        matches!(self, Opcode::Impdep1 | Opcode::Impdep2)
    }

    /// True when no instruction of the same basic block can follow this one: branches, jumps,
    /// switches, subroutine calls and returns, method returns and throws.
    pub const fn ends_block(self) -> bool {
        !matches!(self.flow(), Flow::Next)
    }

    /// True when execution may continue with the next instruction in the code.
    pub const fn falls_through(self) -> bool {
        matches!(self.flow(), Flow::Next | Flow::Branch | Flow::Jsr)
    }
}

impl std::fmt::Display for Opcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.mnemonic())
    }
}
