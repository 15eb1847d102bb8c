//! The class file constant pool (JVMS §4.4) and typed look-ups into it.

/// One constant pool entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// Index 0 and the second slot of a Long or Double: no constant.
    Unusable,
    /// `CONSTANT_Utf8` (modified UTF-8 decoded).
    Utf8(String),
    /// `CONSTANT_Integer`.
    Integer(i32),
    /// `CONSTANT_Float` (bits).
    Float(u32),
    /// `CONSTANT_Long`.
    Long(i64),
    /// `CONSTANT_Double` (bits).
    Double(u64),
    /// `CONSTANT_Class`.
    Class {
        /// Utf8 index of the internal name.
        name_index: u16,
    },
    /// `CONSTANT_String`.
    String {
        /// Utf8 index of the value.
        string_index: u16,
    },
    /// `CONSTANT_Fieldref`.
    Fieldref {
        /// Class index.
        class_index: u16,
        /// NameAndType index.
        name_and_type_index: u16,
    },
    /// `CONSTANT_Methodref`.
    Methodref {
        /// Class index.
        class_index: u16,
        /// NameAndType index.
        name_and_type_index: u16,
    },
    /// `CONSTANT_InterfaceMethodref`.
    InterfaceMethodref {
        /// Class index.
        class_index: u16,
        /// NameAndType index.
        name_and_type_index: u16,
    },
    /// `CONSTANT_NameAndType`.
    NameAndType {
        /// Utf8 index of the name.
        name_index: u16,
        /// Utf8 index of the descriptor.
        descriptor_index: u16,
    },
    /// `CONSTANT_MethodHandle`.
    MethodHandle {
        /// `reference_kind` (1..=9).
        reference_kind: u8,
        /// Index of the referenced member.
        reference_index: u16,
    },
    /// `CONSTANT_MethodType`.
    MethodType {
        /// Utf8 index of the descriptor.
        descriptor_index: u16,
    },
    /// `CONSTANT_Dynamic` (class files 55+).
    Dynamic {
        /// Index into `BootstrapMethods`.
        bootstrap_method_attr_index: u16,
        /// NameAndType index.
        name_and_type_index: u16,
    },
    /// `CONSTANT_InvokeDynamic`.
    InvokeDynamic {
        /// Index into `BootstrapMethods`.
        bootstrap_method_attr_index: u16,
        /// NameAndType index.
        name_and_type_index: u16,
    },
    /// `CONSTANT_Module`.
    Module {
        /// Utf8 index of the module name.
        name_index: u16,
    },
    /// `CONSTANT_Package`.
    Package {
        /// Utf8 index of the package name.
        name_index: u16,
    },
}

impl Constant {
    /// The JVMS name of this kind of constant.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Constant::Unusable => "no constant",
            Constant::Utf8(_) => "CONSTANT_Utf8",
            Constant::Integer(_) => "CONSTANT_Integer",
            Constant::Float(_) => "CONSTANT_Float",
            Constant::Long(_) => "CONSTANT_Long",
            Constant::Double(_) => "CONSTANT_Double",
            Constant::Class { .. } => "CONSTANT_Class",
            Constant::String { .. } => "CONSTANT_String",
            Constant::Fieldref { .. } => "CONSTANT_Fieldref",
            Constant::Methodref { .. } => "CONSTANT_Methodref",
            Constant::InterfaceMethodref { .. } => "CONSTANT_InterfaceMethodref",
            Constant::NameAndType { .. } => "CONSTANT_NameAndType",
            Constant::MethodHandle { .. } => "CONSTANT_MethodHandle",
            Constant::MethodType { .. } => "CONSTANT_MethodType",
            Constant::Dynamic { .. } => "CONSTANT_Dynamic",
            Constant::InvokeDynamic { .. } => "CONSTANT_InvokeDynamic",
            Constant::Module { .. } => "CONSTANT_Module",
            Constant::Package { .. } => "CONSTANT_Package",
        }
    }
}

/// Which kind of member a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberRefKind {
    /// `CONSTANT_Fieldref`.
    Field,
    /// `CONSTANT_Methodref`.
    Method,
    /// `CONSTANT_InterfaceMethodref`.
    InterfaceMethod,
}

/// A resolved field or method reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberRef {
    /// Field, method or interface method.
    pub kind: MemberRefKind,
    /// Internal name of the class named in the reference.
    pub class: String,
    /// Member name.
    pub name: String,
    /// Member descriptor.
    pub descriptor: String,
}

/// The constant pool; index 0 is [`Constant::Unusable`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConstantPool {
    /// Entries by index.
    pub entries: Vec<Constant>,
}

impl ConstantPool {
    /// The entry at `index`.
    pub fn get(&self, index: u16) -> Option<&Constant> {
        self.entries.get(usize::from(index))
    }

    /// Describes what is at `index`, for error messages.
    fn describe(&self, index: u16) -> String {
        match self.get(index) {
            Some(c) => format!("constant pool entry {index} is {}", c.kind_name()),
            None => format!(
                "constant pool index {index} is outside 1..{}",
                self.entries.len()
            ),
        }
    }

    /// The string of a `CONSTANT_Utf8`.
    pub fn utf8(&self, index: u16) -> Result<&str, String> {
        match self.get(index) {
            Some(Constant::Utf8(s)) => Ok(s),
            _ => Err(format!("{}, not CONSTANT_Utf8", self.describe(index))),
        }
    }

    /// The internal name of a `CONSTANT_Class`.
    pub fn class_name(&self, index: u16) -> Result<&str, String> {
        match self.get(index) {
            Some(Constant::Class { name_index }) => self.utf8(*name_index),
            _ => Err(format!("{}, not CONSTANT_Class", self.describe(index))),
        }
    }

    /// Name and descriptor of a `CONSTANT_NameAndType`.
    pub fn name_and_type(&self, index: u16) -> Result<(&str, &str), String> {
        match self.get(index) {
            Some(Constant::NameAndType {
                name_index,
                descriptor_index,
            }) => Ok((self.utf8(*name_index)?, self.utf8(*descriptor_index)?)),
            _ => Err(format!(
                "{}, not CONSTANT_NameAndType",
                self.describe(index)
            )),
        }
    }

    /// A `CONSTANT_Fieldref`, `CONSTANT_Methodref` or `CONSTANT_InterfaceMethodref`.
    pub fn member_ref(&self, index: u16) -> Result<MemberRef, String> {
        let (kind, class_index, nat) = match self.get(index) {
            Some(Constant::Fieldref {
                class_index,
                name_and_type_index,
            }) => (MemberRefKind::Field, *class_index, *name_and_type_index),
            Some(Constant::Methodref {
                class_index,
                name_and_type_index,
            }) => (MemberRefKind::Method, *class_index, *name_and_type_index),
            Some(Constant::InterfaceMethodref {
                class_index,
                name_and_type_index,
            }) => (
                MemberRefKind::InterfaceMethod,
                *class_index,
                *name_and_type_index,
            ),
            _ => {
                return Err(format!(
                    "{}, not a field or method reference",
                    self.describe(index)
                ))
            }
        };
        let class = self.class_name(class_index)?.to_owned();
        let (name, descriptor) = self.name_and_type(nat)?;
        Ok(MemberRef {
            kind,
            class,
            name: name.to_owned(),
            descriptor: descriptor.to_owned(),
        })
    }
}
