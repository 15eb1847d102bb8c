//! The resolved view of an export file: a package's classes, fields and methods by name and
//! token. The linker resolves external references against it, and it is the common form of
//! user export files and the built-in API tables.

use super::access::{ACC_INTERFACE, ACC_SHAREABLE, ACC_STATIC};
use super::error::{ExportError, ExportErrorKind};
use super::model::{
    Attribute, Constant, ConstantKind, ExportFile, FormatVersion, PACKAGE_ACC_LIBRARY,
};

/// Field token of a compile-time constant: such fields are inlined, never linked by token.
pub const NO_TOKEN: u8 = 0xFF;

/// A package version (major.minor), as in CAP Import components and export files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageVersion {
    /// Major version: a change breaks binary compatibility.
    pub major: u8,
    /// Minor version: compatible additions.
    pub minor: u8,
}

impl std::fmt::Display for PackageVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for PackageVersion {
    type Err = String;

    /// Parses `"major.minor"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (major, minor) = s
            .split_once('.')
            .ok_or_else(|| format!("version {s:?} is not major.minor"))?;
        let num = |p: &str| {
            p.parse::<u8>()
                .map_err(|_| format!("version {s:?}: {p:?} is not a number 0..=255"))
        };
        Ok(PackageVersion {
            major: num(major)?,
            minor: num(minor)?,
        })
    }
}

/// Which token space a member's token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// Static methods and constructors (`<init>`), static fields.
    Static,
    /// Virtual and interface methods, instance fields.
    Instance,
}

/// A package named by another package's export file (format 2.3 `referenced_packages`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageRef {
    /// Package name, `/`-separated.
    pub name: String,
    /// Package AID.
    pub aid: Vec<u8>,
    /// Package version.
    pub version: PackageVersion,
}

/// A package's exported API, resolved to names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageView {
    /// Package name, `/`-separated (`javacard/framework`).
    pub name: String,
    /// Package AID.
    pub aid: Vec<u8>,
    /// Package version.
    pub version: PackageVersion,
    /// True for a library package (no applets).
    pub is_library: bool,
    /// Format of the export file the view came from.
    pub format: FormatVersion,
    /// Packages the export file references (format 2.3; empty otherwise).
    pub referenced_packages: Vec<PackageRef>,
    /// Exported classes and interfaces.
    pub classes: Vec<ClassView>,
}

/// An exported class or interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClassView {
    /// Fully qualified name, `/`-separated (`javacard/framework/APDU`).
    pub name: String,
    /// Class token.
    pub token: u8,
    /// Access and modifier flags ([`super::access`]).
    pub access: u16,
    /// All superclasses, fully qualified.
    pub supers: Vec<String>,
    /// All implemented or super-interfaces, fully qualified.
    pub interfaces: Vec<String>,
    /// Exported fields.
    pub fields: Vec<FieldView>,
    /// Exported methods.
    pub methods: Vec<MethodView>,
}

/// An exported field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldView {
    /// Field name.
    pub name: String,
    /// Field descriptor (`S`, `[B`, `Ljavacard/framework/AID;`).
    pub descriptor: String,
    /// Field token, [`NO_TOKEN`] for compile-time constants.
    pub token: u8,
    /// Access and modifier flags.
    pub access: u16,
    /// Value of a compile-time constant.
    pub constant: Option<i32>,
}

/// An exported method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MethodView {
    /// Method name (`<init>` for constructors).
    pub name: String,
    /// Method descriptor (`(SS)V`).
    pub descriptor: String,
    /// Static, virtual or interface method token.
    pub token: u8,
    /// Access and modifier flags.
    pub access: u16,
}

/// `javacard.framework` and `javacard/framework` name the same package.
fn internal_form(name: &str) -> String {
    name.replace('.', "/")
}

impl PackageView {
    /// The package name with `.` separators (`javacard.framework`).
    pub fn dotted_name(&self) -> String {
        self.name.replace('/', ".")
    }

    /// The class or interface with this token.
    pub fn class_by_token(&self, token: u8) -> Option<&ClassView> {
        self.classes.iter().find(|c| c.token == token)
    }

    /// The class or interface named `name`: fully qualified (`/` or `.` separated) or simple.
    pub fn class_by_name(&self, name: &str) -> Option<&ClassView> {
        let name = internal_form(name);
        self.classes
            .iter()
            .find(|c| c.name == name || (!name.contains('/') && c.simple_name() == name))
    }

    /// The method a CAP external reference `(class token, method token)` names.
    pub fn method(
        &self,
        class_token: u8,
        method_token: u8,
        kind: MemberKind,
    ) -> Option<&MethodView> {
        self.class_by_token(class_token)?
            .method_by_token(method_token, kind)
    }

    /// The field a CAP external reference `(class token, field token)` names.
    pub fn field(&self, class_token: u8, field_token: u8, kind: MemberKind) -> Option<&FieldView> {
        self.class_by_token(class_token)?
            .field_by_token(field_token, kind)
    }

    /// The value of the compile-time constant `class.field`.
    pub fn constant(&self, class: &str, field: &str) -> Option<i32> {
        self.class_by_name(class)?.field_by_name(field)?.constant
    }
}

impl ClassView {
    /// The name without its package (`APDU`).
    pub fn simple_name(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    /// True for an interface.
    pub fn is_interface(&self) -> bool {
        self.access & ACC_INTERFACE != 0
    }

    /// True for a shareable interface.
    pub fn is_shareable(&self) -> bool {
        self.access & ACC_SHAREABLE != 0
    }

    /// The method with this token in the given token space.
    pub fn method_by_token(&self, token: u8, kind: MemberKind) -> Option<&MethodView> {
        self.methods
            .iter()
            .find(|m| m.token == token && m.kind() == kind)
    }

    /// The method with this name and descriptor.
    pub fn method_by_name(&self, name: &str, descriptor: &str) -> Option<&MethodView> {
        self.methods
            .iter()
            .find(|m| m.name == name && m.descriptor == descriptor)
    }

    /// The field with this token in the given token space (compile-time constants have none).
    pub fn field_by_token(&self, token: u8, kind: MemberKind) -> Option<&FieldView> {
        if token == NO_TOKEN {
            return None;
        }
        self.fields
            .iter()
            .find(|f| f.token == token && f.kind() == kind)
    }

    /// The field with this name.
    pub fn field_by_name(&self, name: &str) -> Option<&FieldView> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl MethodView {
    /// Static methods and constructors use static method tokens; the rest virtual or
    /// interface method tokens.
    pub fn kind(&self) -> MemberKind {
        if self.access & ACC_STATIC != 0 || self.name == "<init>" {
            MemberKind::Static
        } else {
            MemberKind::Instance
        }
    }
}

impl FieldView {
    /// Static or instance field.
    pub fn kind(&self) -> MemberKind {
        if self.access & ACC_STATIC != 0 {
            MemberKind::Static
        } else {
            MemberKind::Instance
        }
    }
}

/// Resolves constant pool indices of a file; errors only for models not produced by the
/// parser, which checks every index.
struct Resolver<'a>(&'a ExportFile);

impl Resolver<'_> {
    fn lookup(&self, index: u16, what: &'static str) -> Result<&Constant, ExportError> {
        let pool = &self.0.constant_pool;
        pool.get(usize::from(index)).ok_or_else(|| {
            ExportError::model(ExportErrorKind::IndexOutOfRange {
                what,
                index,
                count: pool.len(),
            })
        })
    }

    fn wrong(
        index: u16,
        expected: ConstantKind,
        found: &Constant,
        what: &'static str,
    ) -> ExportError {
        ExportError::model(ExportErrorKind::WrongConstant {
            what,
            index,
            expected: expected.name(),
            found: found.kind().name(),
        })
    }

    fn utf8(&self, index: u16, what: &'static str) -> Result<String, ExportError> {
        match self.lookup(index, what)? {
            Constant::Utf8(s) => Ok(s.clone()),
            other => Err(Self::wrong(index, ConstantKind::Utf8, other, what)),
        }
    }

    fn class(&self, index: u16, what: &'static str) -> Result<String, ExportError> {
        match self.lookup(index, what)? {
            Constant::ClassRef { name_index } => self.utf8(*name_index, "Classref name_index"),
            other => Err(Self::wrong(index, ConstantKind::ClassRef, other, what)),
        }
    }

    fn integer(&self, index: u16, what: &'static str) -> Result<i32, ExportError> {
        match self.lookup(index, what)? {
            Constant::Integer(v) => Ok(*v),
            other => Err(Self::wrong(index, ConstantKind::Integer, other, what)),
        }
    }

    fn package(&self, index: u16, what: &'static str) -> Result<(PackageRef, u8), ExportError> {
        match self.lookup(index, what)? {
            Constant::Package(p) => Ok((
                PackageRef {
                    name: self.utf8(p.name_index, "Package name_index")?,
                    aid: p.aid.clone(),
                    version: PackageVersion {
                        major: p.major_version,
                        minor: p.minor_version,
                    },
                },
                p.flags,
            )),
            other => Err(Self::wrong(index, ConstantKind::Package, other, what)),
        }
    }
}

impl ExportFile {
    /// The package this file exports, resolved to names.
    pub fn package(&self) -> Result<PackageView, ExportError> {
        let r = Resolver(self);
        let (this, flags) = r.package(self.this_package, "this_package")?;
        let referenced_packages = self
            .referenced_packages
            .iter()
            .map(|i| r.package(*i, "referenced_packages entry").map(|(p, _)| p))
            .collect::<Result<_, _>>()?;
        let mut classes = Vec::with_capacity(self.classes.len());
        for c in &self.classes {
            let fields = c
                .fields
                .iter()
                .map(|f| {
                    let mut constant = None;
                    for a in &f.attributes {
                        if let Attribute::ConstantValue { value_index, .. } = a {
                            constant = Some(r.integer(*value_index, "constantvalue_index")?);
                        }
                    }
                    Ok(FieldView {
                        name: r.utf8(f.name_index, "field_info name_index")?,
                        descriptor: r.utf8(f.descriptor_index, "field_info descriptor_index")?,
                        token: f.token,
                        access: f.access_flags,
                        constant,
                    })
                })
                .collect::<Result<_, ExportError>>()?;
            let methods = c
                .methods
                .iter()
                .map(|m| {
                    Ok(MethodView {
                        name: r.utf8(m.name_index, "method_info name_index")?,
                        descriptor: r.utf8(m.descriptor_index, "method_info descriptor_index")?,
                        token: m.token,
                        access: m.access_flags,
                    })
                })
                .collect::<Result<_, ExportError>>()?;
            classes.push(ClassView {
                name: r.class(c.name_index, "class_info name_index")?,
                token: c.token,
                access: c.access_flags,
                supers: c
                    .supers
                    .iter()
                    .map(|i| r.class(*i, "supers entry"))
                    .collect::<Result<_, _>>()?,
                interfaces: c
                    .interfaces
                    .iter()
                    .map(|i| r.class(*i, "interfaces entry"))
                    .collect::<Result<_, _>>()?,
                fields,
                methods,
            });
        }
        Ok(PackageView {
            name: this.name,
            aid: this.aid,
            version: this.version,
            is_library: flags & PACKAGE_ACC_LIBRARY != 0,
            format: self.format,
            referenced_packages,
            classes,
        })
    }
}
