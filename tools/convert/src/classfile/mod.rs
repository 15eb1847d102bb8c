//! Java class files (JVMS chapter 4), versions 45 to 61 read; the converter accepts what
//! `javac --release 7` to `--release 17` writes (major versions 51 to 61).
//!
//! Every constant pool kind is parsed, including those newer compilers emit (MethodHandle,
//! MethodType, Dynamic, InvokeDynamic, Module, Package); the converter rejects the ones Java
//! Card cannot express where they are used. Attributes the converter needs are decoded (Code
//! with its exception table, LineNumberTable, LocalVariableTable, ConstantValue, InnerClasses,
//! SourceFile); StackMapTable is checked for size and kept as a frame count, others are kept
//! raw.
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

mod constant_pool;
mod error;
mod parse;

pub use constant_pool::{Constant, ConstantPool, MemberRef, MemberRefKind};
pub use error::ClassFormatError;
pub use parse::parse;

/// `ACC_PUBLIC`.
pub const ACC_PUBLIC: u16 = 0x0001;
/// `ACC_PRIVATE`.
pub const ACC_PRIVATE: u16 = 0x0002;
/// `ACC_PROTECTED`.
pub const ACC_PROTECTED: u16 = 0x0004;
/// `ACC_STATIC`.
pub const ACC_STATIC: u16 = 0x0008;
/// `ACC_FINAL`.
pub const ACC_FINAL: u16 = 0x0010;
/// `ACC_SYNCHRONIZED` (methods).
pub const ACC_SYNCHRONIZED: u16 = 0x0020;
/// `ACC_VOLATILE` (fields).
pub const ACC_VOLATILE: u16 = 0x0040;
/// `ACC_TRANSIENT` (fields).
pub const ACC_TRANSIENT: u16 = 0x0080;
/// `ACC_NATIVE` (methods).
pub const ACC_NATIVE: u16 = 0x0100;
/// `ACC_INTERFACE` (classes).
pub const ACC_INTERFACE: u16 = 0x0200;
/// `ACC_ABSTRACT`.
pub const ACC_ABSTRACT: u16 = 0x0400;
/// `ACC_STRICT` (methods).
pub const ACC_STRICT: u16 = 0x0800;
/// `ACC_SYNTHETIC`.
pub const ACC_SYNTHETIC: u16 = 0x1000;
/// `ACC_ANNOTATION` (classes).
pub const ACC_ANNOTATION: u16 = 0x2000;
/// `ACC_ENUM`.
pub const ACC_ENUM: u16 = 0x4000;
/// `ACC_MODULE` (classes).
pub const ACC_MODULE: u16 = 0x8000;

/// Oldest class file major version the converter accepts (`javac --release 7`).
pub const MIN_CONVERTIBLE_MAJOR: u16 = 51;
/// Newest class file major version the converter accepts (`javac --release 17`).
pub const MAX_CONVERTIBLE_MAJOR: u16 = 61;

/// A parsed class file.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassFile {
    /// `minor_version`.
    pub minor_version: u16,
    /// `major_version` (51 is Java 7, 61 is Java 17).
    pub major_version: u16,
    /// The constant pool.
    pub constant_pool: ConstantPool,
    /// Class access flags.
    pub access_flags: u16,
    /// Internal name of this class (`com/example/Wallet`).
    pub this_class: String,
    /// Internal name of the superclass; `None` only for `java/lang/Object`.
    pub super_class: Option<String>,
    /// Internal names of the direct superinterfaces.
    pub interfaces: Vec<String>,
    /// Fields in declaration order.
    pub fields: Vec<FieldInfo>,
    /// Methods in class file order.
    pub methods: Vec<MethodInfo>,
    /// The `SourceFile` attribute.
    pub source_file: Option<String>,
    /// The `InnerClasses` attribute.
    pub inner_classes: Vec<InnerClass>,
    /// Attributes not decoded (name and length).
    pub other_attributes: Vec<RawAttribute>,
}

impl ClassFile {
    /// The package part of the internal name (`com/example`), empty for the unnamed package.
    pub fn package_name(&self) -> &str {
        self.this_class
            .rsplit_once('/')
            .map_or("", |(package, _)| package)
    }

    /// The class name without its package.
    pub fn simple_name(&self) -> &str {
        self.this_class
            .rsplit_once('/')
            .map_or(self.this_class.as_str(), |(_, name)| name)
    }

    /// Whether `ACC_INTERFACE` is set.
    pub fn is_interface(&self) -> bool {
        self.access_flags & ACC_INTERFACE != 0
    }

    /// The method with this name and descriptor.
    pub fn method(&self, name: &str, descriptor: &str) -> Option<&MethodInfo> {
        self.methods
            .iter()
            .find(|m| m.name == name && m.descriptor == descriptor)
    }

    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A field (`field_info`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    /// Access flags.
    pub access_flags: u16,
    /// Field name.
    pub name: String,
    /// Field descriptor (`S`, `[B`, `Ljavacard/framework/AID;`).
    pub descriptor: String,
    /// The `ConstantValue` attribute, resolved.
    pub constant_value: Option<ConstantValue>,
    /// Attributes not decoded.
    pub other_attributes: Vec<RawAttribute>,
}

impl FieldInfo {
    /// Whether `ACC_STATIC` is set.
    pub fn is_static(&self) -> bool {
        self.access_flags & ACC_STATIC != 0
    }
}

/// The value of a `ConstantValue` attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstantValue {
    /// `CONSTANT_Integer` (boolean, byte, char, short and int fields).
    Int(i32),
    /// `CONSTANT_Long`.
    Long(i64),
    /// `CONSTANT_Float`, as its bits.
    Float(u32),
    /// `CONSTANT_Double`, as its bits.
    Double(u64),
    /// `CONSTANT_String`.
    String(String),
}

/// A method (`method_info`).
#[derive(Debug, Clone, PartialEq)]
pub struct MethodInfo {
    /// Access flags.
    pub access_flags: u16,
    /// Method name (`<init>`, `<clinit>` or an identifier).
    pub name: String,
    /// Method descriptor (`([BSB)V`).
    pub descriptor: String,
    /// The `Code` attribute; absent for abstract and native methods.
    pub code: Option<Code>,
    /// Attributes not decoded.
    pub other_attributes: Vec<RawAttribute>,
}

impl MethodInfo {
    /// Whether `ACC_STATIC` is set.
    pub fn is_static(&self) -> bool {
        self.access_flags & ACC_STATIC != 0
    }

    /// Whether `ACC_ABSTRACT` is set.
    pub fn is_abstract(&self) -> bool {
        self.access_flags & ACC_ABSTRACT != 0
    }
}

/// A `Code` attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// `max_stack`.
    pub max_stack: u16,
    /// `max_locals`.
    pub max_locals: u16,
    /// The bytecode.
    pub code: Vec<u8>,
    /// Offset of the first bytecode byte in the class file (for error messages).
    pub code_offset: usize,
    /// The exception table, in search order.
    pub exception_table: Vec<ExceptionTableEntry>,
    /// `LineNumberTable` entries (all tables merged), sorted by `start_pc`.
    pub line_numbers: Vec<LineNumber>,
    /// `LocalVariableTable` entries (all tables merged).
    pub local_variables: Vec<LocalVariable>,
    /// Number of frames of the `StackMapTable`, if present.
    pub stack_map_frames: Option<u16>,
    /// Attributes not decoded.
    pub other_attributes: Vec<RawAttribute>,
}

impl Code {
    /// The source line of the instruction at `pc`, from the `LineNumberTable`.
    pub fn line_at(&self, pc: usize) -> Option<u16> {
        self.line_numbers
            .iter()
            .take_while(|l| usize::from(l.start_pc) <= pc)
            .last()
            .map(|l| l.line_number)
    }
}

/// One `exception_table` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExceptionTableEntry {
    /// Start of the protected range (inclusive).
    pub start_pc: u16,
    /// End of the protected range (exclusive).
    pub end_pc: u16,
    /// Start of the handler.
    pub handler_pc: u16,
    /// Constant pool index of the caught class; 0 catches everything (`finally`).
    pub catch_type: u16,
}

/// One `LineNumberTable` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineNumber {
    /// First bytecode of the line.
    pub start_pc: u16,
    /// The source line.
    pub line_number: u16,
}

/// One `LocalVariableTable` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalVariable {
    /// First bytecode where the variable has a value.
    pub start_pc: u16,
    /// Length of the range where it has a value.
    pub length: u16,
    /// Variable name.
    pub name: String,
    /// Field descriptor of its type.
    pub descriptor: String,
    /// Local variable slot.
    pub index: u16,
}

/// One `InnerClasses` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerClass {
    /// Internal name of the inner class.
    pub inner_class: String,
    /// Internal name of the enclosing class, if it is a member.
    pub outer_class: Option<String>,
    /// Simple name, `None` for anonymous classes.
    pub inner_name: Option<String>,
    /// Access flags as declared in the source.
    pub access_flags: u16,
}

/// An attribute kept undecoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAttribute {
    /// Attribute name.
    pub name: String,
    /// Offset of the attribute in the class file.
    pub offset: usize,
    /// `info` bytes.
    pub info: Vec<u8>,
}
