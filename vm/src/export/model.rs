//! The export file structures of JCVM §5.5-§5.10, kept exactly as encoded (constant pool
//! indices, not names) so that writing a parsed file reproduces it byte for byte.

/// The export file magic number.
pub const MAGIC: u32 = 0x00FA_CADE;

/// `ACC_LIBRARY` in CONSTANT_Package flags: the package declares no applets.
pub const PACKAGE_ACC_LIBRARY: u8 = 0x01;

/// Access and modifier flags of classes, fields and methods in export files (§5.8-§5.10).
pub mod access {
    /// Public.
    pub const ACC_PUBLIC: u16 = 0x0001;
    /// Protected.
    pub const ACC_PROTECTED: u16 = 0x0004;
    /// Static (methods and fields).
    pub const ACC_STATIC: u16 = 0x0008;
    /// Final.
    pub const ACC_FINAL: u16 = 0x0010;
    /// Interface (classes).
    pub const ACC_INTERFACE: u16 = 0x0200;
    /// Abstract (classes and methods).
    pub const ACC_ABSTRACT: u16 = 0x0400;
    /// Shareable interface (classes): extends `javacard.framework.Shareable`.
    pub const ACC_SHAREABLE: u16 = 0x0800;
    /// Remote interface (classes): extends `java.rmi.Remote`.
    pub const ACC_REMOTE: u16 = 0x1000;
}

/// Export file format version (not the package version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FormatVersion {
    /// Major version (2).
    pub major: u8,
    /// Minor version (1, 2 or 3).
    pub minor: u8,
}

impl FormatVersion {
    /// Format 2.1, written by Java Card 2.1-3.0.5 converters.
    pub const V2_1: FormatVersion = FormatVersion { major: 2, minor: 1 };
    /// Format 2.2: same layout as 2.1.
    pub const V2_2: FormatVersion = FormatVersion { major: 2, minor: 2 };
    /// Format 2.3: adds referenced packages and per-class CAP 2.2 inheritable method counts.
    pub const V2_3: FormatVersion = FormatVersion { major: 2, minor: 3 };

    /// True when the file carries the 2.3 items.
    pub const fn is_2_3(self) -> bool {
        self.minor >= 3
    }
}

impl std::str::FromStr for FormatVersion {
    type Err = String;

    /// Parses `"major.minor"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (major, minor) = s
            .split_once('.')
            .ok_or_else(|| format!("format {s:?} is not major.minor"))?;
        let num = |p: &str| {
            p.parse::<u8>()
                .map_err(|_| format!("format {s:?}: {p:?} is not a number 0..=255"))
        };
        Ok(FormatVersion {
            major: num(major)?,
            minor: num(minor)?,
        })
    }
}

impl std::fmt::Display for FormatVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Kinds of constant pool entries, with their tags (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstantKind {
    /// `CONSTANT_Utf8` (1).
    Utf8,
    /// `CONSTANT_Integer` (3).
    Integer,
    /// `CONSTANT_Classref` (7).
    ClassRef,
    /// `CONSTANT_Package` (13).
    Package,
}

impl ConstantKind {
    /// The tag byte.
    pub const fn tag(self) -> u8 {
        match self {
            ConstantKind::Utf8 => 1,
            ConstantKind::Integer => 3,
            ConstantKind::ClassRef => 7,
            ConstantKind::Package => 13,
        }
    }

    /// The kind with this tag.
    pub const fn from_tag(tag: u8) -> Option<ConstantKind> {
        match tag {
            1 => Some(ConstantKind::Utf8),
            3 => Some(ConstantKind::Integer),
            7 => Some(ConstantKind::ClassRef),
            13 => Some(ConstantKind::Package),
            _ => None,
        }
    }

    /// The specification's name.
    pub const fn name(self) -> &'static str {
        match self {
            ConstantKind::Utf8 => "CONSTANT_Utf8",
            ConstantKind::Integer => "CONSTANT_Integer",
            ConstantKind::ClassRef => "CONSTANT_Classref",
            ConstantKind::Package => "CONSTANT_Package",
        }
    }
}

/// A constant pool entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Constant {
    /// A name or descriptor (package and class names use `/` separators).
    Utf8(String),
    /// The value of a compile-time constant field.
    Integer(i32),
    /// A class or interface, by the index of its fully qualified name.
    ClassRef {
        /// Index of a `CONSTANT_Utf8`.
        name_index: u16,
    },
    /// A package.
    Package(PackageConstant),
}

impl Constant {
    /// This entry's kind.
    pub const fn kind(&self) -> ConstantKind {
        match self {
            Constant::Utf8(_) => ConstantKind::Utf8,
            Constant::Integer(_) => ConstantKind::Integer,
            Constant::ClassRef { .. } => ConstantKind::ClassRef,
            Constant::Package(_) => ConstantKind::Package,
        }
    }
}

/// `CONSTANT_Package_info` (§5.6.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageConstant {
    /// Package flags ([`PACKAGE_ACC_LIBRARY`]).
    pub flags: u8,
    /// Index of the package name (`CONSTANT_Utf8`, `/`-separated).
    pub name_index: u16,
    /// Package minor version.
    pub minor_version: u8,
    /// Package major version.
    pub major_version: u8,
    /// Package AID, 5 to 16 bytes.
    pub aid: Vec<u8>,
}

/// A parsed export file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExportFile {
    /// Format version.
    pub format: FormatVersion,
    /// Constant pool entries, index 0 first.
    pub constant_pool: Vec<Constant>,
    /// Index of this package's `CONSTANT_Package`.
    pub this_package: u16,
    /// Format 2.3: indices of the `CONSTANT_Package` entries of referenced packages (empty in
    /// earlier formats).
    pub referenced_packages: Vec<u16>,
    /// The exported classes and interfaces.
    pub classes: Vec<ClassInfo>,
}

/// `class_info` (§5.7): one exported class or interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClassInfo {
    /// Class token.
    pub token: u8,
    /// Access and modifier flags ([`access`]).
    pub access_flags: u16,
    /// Index of the class's `CONSTANT_Classref`.
    pub name_index: u16,
    /// `CONSTANT_Classref` indices of all superclasses (for an interface, `java/lang/Object`).
    pub supers: Vec<u16>,
    /// `CONSTANT_Classref` indices of all implemented or super-interfaces.
    pub interfaces: Vec<u16>,
    /// Exported fields.
    pub fields: Vec<FieldInfo>,
    /// Exported methods.
    pub methods: Vec<MethodInfo>,
    /// Format 2.3: `CAP22_inheritable_public_method_token_count` (0 in earlier formats).
    pub cap22_inheritable_public_method_token_count: u8,
}

/// `field_info` (§5.8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldInfo {
    /// Field token, or 0xFF for a compile-time constant.
    pub token: u8,
    /// Access and modifier flags.
    pub access_flags: u16,
    /// Index of the name (`CONSTANT_Utf8`).
    pub name_index: u16,
    /// Index of the field descriptor (`CONSTANT_Utf8`).
    pub descriptor_index: u16,
    /// Attributes.
    pub attributes: Vec<Attribute>,
}

/// `attribute_info` of a field (§5.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attribute {
    /// `ConstantValue`: the value of a compile-time constant.
    ConstantValue {
        /// Index of the `ConstantValue` name (`CONSTANT_Utf8`).
        name_index: u16,
        /// Index of the value (`CONSTANT_Integer`).
        value_index: u16,
    },
    /// Any other attribute, kept opaque.
    Other {
        /// Index of the attribute name (`CONSTANT_Utf8`).
        name_index: u16,
        /// The attribute's bytes.
        info: Vec<u8>,
    },
}

/// `method_info` (§5.9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MethodInfo {
    /// Static, virtual or interface method token.
    pub token: u8,
    /// Access and modifier flags.
    pub access_flags: u16,
    /// Index of the name (`CONSTANT_Utf8`).
    pub name_index: u16,
    /// Index of the method descriptor (`CONSTANT_Utf8`).
    pub descriptor_index: u16,
}

impl ExportFile {
    /// The constant at `index`.
    pub fn constant(&self, index: u16) -> Option<&Constant> {
        self.constant_pool.get(usize::from(index))
    }

    /// The string of the `CONSTANT_Utf8` at `index`.
    pub fn utf8(&self, index: u16) -> Option<&str> {
        match self.constant(index) {
            Some(Constant::Utf8(s)) => Some(s),
            _ => None,
        }
    }

    /// The class name of the `CONSTANT_Classref` at `index`.
    pub fn class_name(&self, index: u16) -> Option<&str> {
        match self.constant(index) {
            Some(Constant::ClassRef { name_index }) => self.utf8(*name_index),
            _ => None,
        }
    }
}
