//! Verification errors: where (component, offset, class, method, bytecode pc) and what.

use std::fmt;

use crate::cap::{CapError, ComponentTag};
use crate::isa::DecodeErrorKind;

/// A CAP file the verifier rejects. Boxed so `Result<_, VerifyError>` stays one word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VerifyError(pub Box<VerifyErrorInfo>);

impl VerifyError {
    /// An error in `component` with no finer location yet.
    pub fn new(component: ComponentTag, kind: VerifyErrorKind) -> Self {
        VerifyError(Box::new(VerifyErrorInfo {
            component,
            offset: None,
            class: None,
            method: None,
            pc: None,
            kind,
        }))
    }

    /// The details.
    pub fn info(&self) -> &VerifyErrorInfo {
        &self.0
    }

    /// What is wrong.
    pub fn kind(&self) -> &VerifyErrorKind {
        &self.0.kind
    }

    /// Sets the byte offset inside the component's `info` item.
    pub(crate) fn at(mut self, offset: usize) -> Self {
        self.0.offset = Some(offset);
        self
    }

    /// Sets the class the error is about.
    pub(crate) fn in_class(mut self, class: impl Into<String>) -> Self {
        self.0.class = Some(class.into());
        self
    }

    /// Sets the method the error is about.
    pub(crate) fn in_method(mut self, method: impl Into<String>) -> Self {
        self.0.method = Some(method.into());
        self
    }

    /// Sets the bytecode offset inside the method.
    pub(crate) fn at_pc(mut self, pc: u16) -> Self {
        self.0.pc = Some(pc);
        self
    }
}

/// Where a [`VerifyError`] is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyErrorInfo {
    /// The component holding the offending item.
    pub component: ComponentTag,
    /// Byte offset inside that component's `info` item, when one item is to blame.
    pub offset: Option<usize>,
    /// The class or interface: its name where export data knows it, else its Class
    /// component offset and token.
    pub class: Option<String>,
    /// The method: its name and descriptor where known, else its Method component offset
    /// and token.
    pub method: Option<String>,
    /// Offset of the offending instruction from the method's first bytecode.
    pub pc: Option<u16>,
    /// What is wrong.
    pub kind: VerifyErrorKind,
}

impl fmt::Display for VerifyErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} component", self.component)?;
        if let Some(o) = self.offset {
            write!(f, ", offset {o:#x}")?;
        }
        if let Some(c) = &self.class {
            write!(f, ", class {c}")?;
        }
        if let Some(m) = &self.method {
            write!(f, ", method {m}")?;
        }
        if let Some(pc) = self.pc {
            write!(f, ", pc {pc:#06x}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

/// The kinds of verification failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyErrorKind {
    /// The CAP model is inconsistent in a way the parser would have rejected.
    #[error("malformed CAP file: {0}")]
    Cap(CapError),
    /// An imported package is not available.
    #[error("imported package {aid} version {major}.{minor} is not available")]
    MissingImport {
        /// AID in hex.
        aid: String,
        /// Imported major version.
        major: u8,
        /// Imported minor version.
        minor: u8,
    },
    /// An imported package is available only in an incompatible version.
    #[error("imported package {aid} version {major}.{minor} is incompatible with available version {found_major}.{found_minor}")]
    IncompatibleImport {
        /// AID in hex.
        aid: String,
        /// Imported major version.
        major: u8,
        /// Imported minor version.
        minor: u8,
        /// Available major version.
        found_major: u8,
        /// Available minor version.
        found_minor: u8,
    },
    /// A reference names a class, field or method that does not exist.
    #[error("unresolved reference: {0}")]
    Unresolved(String),
    /// A constant pool entry of the wrong kind for its use.
    #[error("constant pool entry {index} is a {found}, expected {expected}")]
    ConstantPoolKind {
        /// The entry's index.
        index: u16,
        /// The kind(s) the use needs.
        expected: &'static str,
        /// The entry's kind.
        found: &'static str,
    },
    /// A type in the Descriptor component disagrees with the item it describes.
    #[error("descriptor mismatch: {0}")]
    Descriptor(String),
    /// The class hierarchy is inconsistent.
    #[error("bad class hierarchy: {0}")]
    Hierarchy(String),
    /// A virtual method table or interface map disagrees with the Descriptor component.
    #[error("bad method table: {0}")]
    MethodTable(String),
    /// The static field image disagrees with the static fields described.
    #[error("bad static field image: {0}")]
    StaticField(String),
    /// The Applet component names something other than an applet's install method.
    #[error("bad applet: {0}")]
    Applet(String),
    /// The Export component disagrees with the classes it exports.
    #[error("bad export: {0}")]
    Export(String),
    /// The ReferenceLocation component disagrees with the bytecode.
    #[error("bad reference location: {0}")]
    ReferenceLocation(String),
    /// A JCVM access rule is broken (private, package, protected, final, static).
    #[error("illegal access: {0}")]
    Access(String),
    /// The `int` type is used by a package whose Header lacks `ACC_INT`.
    #[error("int not supported by this package (no ACC_INT): {0}")]
    IntNotSupported(String),
    /// A method header disagrees with the method's descriptor.
    #[error("bad method header: {0}")]
    MethodHeader(String),
    /// The bytes at an instruction boundary are not an instruction.
    #[error("{0}")]
    Decode(DecodeErrorKind),
    /// A bad operand (array type, stack shape, argument count, constant pool index).
    #[error("bad operand: {0}")]
    BadOperand(String),
    /// A branch or switch target that is not the start of an instruction of the method.
    #[error("branch target {target} is not the start of an instruction")]
    BranchTarget {
        /// The target as an offset from the method's first bytecode (may be negative).
        target: i64,
    },
    /// An exception handler whose range or entry is not on instruction boundaries, or
    /// whose catch type is not a Throwable.
    #[error("bad exception handler: {0}")]
    Handler(String),
    /// Execution can run past the last bytecode.
    #[error("execution falls off the end of the code")]
    FallsOffEnd,
    /// An instruction pops more than the operand stack holds.
    #[error("operand stack underflow: needs {needed} words, holds {depth}")]
    StackUnderflow {
        /// Words the instruction pops.
        needed: usize,
        /// Words on the stack.
        depth: usize,
    },
    /// The operand stack grows beyond the method's `max_stack`.
    #[error("operand stack overflow: more than max_stack {max_stack} words")]
    StackOverflow {
        /// The header's `max_stack`.
        max_stack: u8,
    },
    /// Two paths reach one instruction with different stack heights.
    #[error(
        "operand stack height {found} differs from {expected} on another path to this instruction"
    )]
    StackHeight {
        /// Height on the path seen first.
        expected: usize,
        /// Height on this path.
        found: usize,
    },
    /// A local variable index beyond `nargs + max_locals`.
    #[error("local variable {index} out of range (method has {count} locals)")]
    LocalIndex {
        /// The index used.
        index: usize,
        /// The number of local variables.
        count: usize,
    },
    /// A value of the wrong type.
    #[error("type mismatch: expected {expected}, found {found}")]
    TypeMismatch {
        /// What the instruction needs.
        expected: String,
        /// What the frame holds.
        found: String,
    },
    /// A misuse of an object before its constructor ran.
    #[error("uninitialized object: {0}")]
    Uninitialized(String),
    /// A `jsr`/`ret` shape the verifier does not accept.
    #[error("subroutine: {0}")]
    Subroutine(String),
    /// The method is too complex to verify within the verifier's limits.
    #[error("verifier limit: {0}")]
    Limit(String),
}
