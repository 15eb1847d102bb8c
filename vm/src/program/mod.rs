//! The linked program: every loaded package's classes and methods after translation
//! (ARCHITECTURE decision 9). Built by [`crate::link`] from CAP files and by
//! [`crate::native::builtin`] for the API packages; read by the interpreter.
//!
//! Ids index flat vectors shared by all packages, so a class of one package can name its
//! superclass in another without indirection.

mod insn;

pub use insn::{Cond, Insn, Target};

use crate::native::NativeId;

/// Index of a class or interface in [`Program::classes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub u16);

/// Index of a bytecode method in [`Program::methods`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MethodId(pub u16);

/// Index of a package in [`Program::packages`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId(pub u16);

/// Where a static field lives: a package's static image and the field's byte offset in it
/// (for reference fields: the reference index, the byte offset halved).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct StaticAddr {
    /// Static image segment (one per package).
    pub seg: u16,
    /// Byte offset in the primitive image, or index in the reference image.
    pub off: u16,
}

/// The primitive array types of `newarray` (JCVM 3.0.5 table 7-2 `atype`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayType {
    /// `T_BOOLEAN` (10).
    Boolean,
    /// `T_BYTE` (11).
    Byte,
    /// `T_SHORT` (12).
    Short,
    /// `T_INT` (13).
    Int,
}

impl ArrayType {
    /// Decodes a `newarray` / `checkcast` `atype` byte.
    pub fn from_atype(atype: u8) -> Option<ArrayType> {
        match atype {
            10 => Some(ArrayType::Boolean),
            11 => Some(ArrayType::Byte),
            12 => Some(ArrayType::Short),
            13 => Some(ArrayType::Int),
            _ => None,
        }
    }
}

/// The type operand of `checkcast` and `instanceof`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// A class or interface.
    Class(ClassId),
    /// An array of a primitive type.
    Array(ArrayType),
    /// An array of references whose element type is the class or interface.
    RefArray(ClassId),
}

/// What a method token resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodTarget {
    /// A bytecode method.
    Bytecode(MethodId),
    /// A method implemented in Rust.
    Native(NativeId),
    /// An abstract method: invoking it is an error of the class hierarchy.
    Abstract,
    /// An API method this VM does not implement.
    Missing,
}

/// An interface's methods as implemented by one class (the Class component's
/// implemented_interface_info): each interface method token maps to a public virtual method
/// token of the class, so subclasses that override the method are honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceTable {
    /// The interface.
    pub iface: ClassId,
    /// Public virtual method token implementing each interface method token.
    pub tokens: Vec<u8>,
}

/// A class or interface after linking.
#[derive(Clone, Debug)]
pub struct Class {
    /// Fully qualified name with slashes when known, otherwise a positional name.
    pub name: String,
    /// The package that defines it.
    pub package: PackageId,
    /// An interface rather than a class.
    pub is_interface: bool,
    /// Abstract (cannot be instantiated with `new`).
    pub is_abstract: bool,
    /// An interface that is, or extends, `javacard.framework.Shareable`.
    pub is_shareable: bool,
    /// The superclass; `None` only for `java.lang.Object` and interfaces.
    pub super_class: Option<ClassId>,
    /// Every interface the class implements (including those of superclasses and
    /// superinterfaces); for an interface, its superinterfaces.
    pub interfaces: Vec<ClassId>,
    /// Instance size in words including every superclass's fields.
    pub instance_words: u16,
    /// First field word of the fields this class declares (the superclasses' size).
    pub field_base: u16,
    /// Flattened public virtual method table, indexed by token.
    pub public_vtable: Vec<MethodTarget>,
    /// Flattened package virtual method table of the class's own package, indexed by token
    /// without the high bit.
    pub package_vtable: Vec<MethodTarget>,
    /// Interface method tables.
    pub itables: Vec<InterfaceTable>,
}

/// A switch table of `stableswitch`, `itableswitch`, `slookupswitch` or `ilookupswitch`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Switch {
    /// Dense: `targets[value - low]` for `low <= value <= high`.
    Table {
        /// Target when the value is out of range.
        default: Target,
        /// Lowest value.
        low: i32,
        /// Targets for `low..=high`.
        targets: Vec<Target>,
    },
    /// Sparse: match/target pairs sorted by match.
    Lookup {
        /// Target when no pair matches.
        default: Target,
        /// `(match, target)` pairs.
        pairs: Vec<(i32, Target)>,
    },
}

impl Switch {
    /// The branch target for `value`.
    #[inline]
    pub fn target(&self, value: i32) -> Target {
        match self {
            Switch::Table {
                default,
                low,
                targets,
            } => {
                let idx = i64::from(value) - i64::from(*low);
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| targets.get(i))
                    .copied()
                    .unwrap_or(*default)
            }
            Switch::Lookup { default, pairs } => pairs
                .binary_search_by_key(&value, |p| p.0)
                .ok()
                .and_then(|i| pairs.get(i))
                .map_or(*default, |p| p.1),
        }
    }
}

/// An exception handler with instruction-index bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handler {
    /// First covered instruction.
    pub start: Target,
    /// First instruction after the covered range.
    pub end: Target,
    /// Handler entry.
    pub handler: Target,
    /// Caught class; `None` catches everything (`finally`).
    pub catch: Option<ClassId>,
}

/// A bytecode method after translation.
#[derive(Clone, Debug)]
pub struct Method {
    /// `Class.name(descriptor)` when known, otherwise the method's offset.
    pub name: String,
    /// The package that defines it.
    pub package: PackageId,
    /// Argument words including `this`.
    pub nargs: u8,
    /// Local words beyond the arguments.
    pub max_locals: u8,
    /// Operand stack words.
    pub max_stack: u8,
    /// Offset of the method_info in the Method component (for diagnostics).
    pub offset: u16,
    /// Translated code.
    pub code: Vec<Insn>,
    /// Bytecode offset (from the method's first bytecode) of each instruction.
    pub pcs: Vec<u16>,
    /// Switch tables referenced by the code.
    pub switches: Vec<Switch>,
    /// Exception handlers, innermost first (the Method component's order).
    pub handlers: Vec<Handler>,
}

impl Method {
    /// Words the frame needs for locals (arguments included).
    pub fn frame_locals(&self) -> usize {
        usize::from(self.nargs) + usize::from(self.max_locals)
    }
}

/// A loaded package.
#[derive(Clone, Debug)]
pub struct Package {
    /// Package AID.
    pub aid: Vec<u8>,
    /// Package name with slashes when known.
    pub name: String,
    /// Major and minor version.
    pub version: (u8, u8),
    /// Built into the VM (API package implemented natively).
    pub builtin: bool,
    /// Classes by class token (exported) where tokens are known.
    pub class_by_token: Vec<Option<ClassId>>,
    /// Static image segment.
    pub static_seg: u16,
    /// Exported classes' static members by class token (user packages; the API packages
    /// resolve through their tables).
    pub exports: Vec<ExportedClass>,
    /// Applets the package defines.
    pub applets: Vec<AppletDef>,
}

/// The static members of an exported class, by token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportedClass {
    /// Static field byte offsets in the package's static image, by static field token.
    pub static_fields: Vec<u16>,
    /// Static methods by static method token.
    pub static_methods: Vec<Option<MethodId>>,
}

/// An applet class of a package (the Applet component).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppletDef {
    /// The applet's class AID.
    pub aid: Vec<u8>,
    /// Its static `install(byte[], short, byte)` method.
    pub install: MethodId,
}

/// Classes the interpreter and natives refer to directly.
#[derive(Clone, Copy, Debug)]
pub struct WellKnown {
    /// `java.lang.Object`.
    pub object: ClassId,
    /// `java.lang.Throwable`.
    pub throwable: ClassId,
    /// `javacard.framework.Shareable`.
    pub shareable: ClassId,
    /// `javacard.framework.Applet`.
    pub applet: ClassId,
    /// `javacard.framework.APDU`.
    pub apdu: ClassId,
    /// `javacard.framework.AID`.
    pub aid: ClassId,
    /// `javacard.framework.ISOException`.
    pub iso_exception: ClassId,
}

/// Every loaded package's linked form.
#[derive(Clone, Debug)]
pub struct Program {
    /// All classes and interfaces.
    pub classes: Vec<Class>,
    /// All bytecode methods.
    pub methods: Vec<Method>,
    /// All packages.
    pub packages: Vec<Package>,
    /// Classes the VM itself needs.
    pub well_known: WellKnown,
}

impl Program {
    /// The class with id `id`.
    #[inline]
    pub fn class(&self, id: ClassId) -> Option<&Class> {
        self.classes.get(usize::from(id.0))
    }

    /// The method with id `id`.
    #[inline]
    pub fn method(&self, id: MethodId) -> Option<&Method> {
        self.methods.get(usize::from(id.0))
    }

    /// The class with fully qualified name `name` (slash-separated).
    pub fn class_by_name(&self, name: &str) -> Option<ClassId> {
        self.classes
            .iter()
            .position(|c| c.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(ClassId)
    }

    /// The package with id `id`.
    pub fn package(&self, id: PackageId) -> Option<&Package> {
        self.packages.get(usize::from(id.0))
    }

    /// Whether class `sub` is `sup` or a subclass of it (classes only, no interfaces).
    pub fn is_subclass(&self, sub: ClassId, sup: ClassId) -> bool {
        let mut cur = Some(sub);
        // The chain is finite: the linker only creates superclass links to earlier classes.
        let mut guard = self.classes.len();
        while let Some(c) = cur {
            if c == sup {
                return true;
            }
            if guard == 0 {
                return false;
            }
            guard -= 1;
            cur = self.class(c).and_then(|k| k.super_class);
        }
        false
    }

    /// Whether a value of class type `s` is assignable to class or interface `t`
    /// (JCVM 3.0.5 `checkcast` rules for class types).
    pub fn class_assignable(&self, s: ClassId, t: ClassId) -> bool {
        if s == t {
            return true;
        }
        let Some(tc) = self.class(t) else {
            return false;
        };
        if tc.is_interface {
            match self.class(s) {
                Some(sc) => sc.interfaces.contains(&t),
                None => false,
            }
        } else {
            match self.class(s) {
                Some(sc) if sc.is_interface => t == self.well_known.object,
                Some(_) => self.is_subclass(s, t),
                None => false,
            }
        }
    }

    /// The public virtual method `token` of class `class`.
    #[inline]
    pub fn virtual_target(&self, class: ClassId, token: u8) -> Option<MethodTarget> {
        self.class(class)?
            .public_vtable
            .get(usize::from(token))
            .copied()
    }

    /// The package-visible method `token` of `class` as seen from package `pkg`: resolved in
    /// the nearest class of the hierarchy that belongs to `pkg`.
    pub fn package_target(
        &self,
        class: ClassId,
        pkg: PackageId,
        token: u8,
    ) -> Option<MethodTarget> {
        let mut cur = Some(class);
        let mut guard = self.classes.len();
        while let Some(c) = cur {
            let k = self.class(c)?;
            if k.package == pkg {
                return k.package_vtable.get(usize::from(token)).copied();
            }
            if guard == 0 {
                return None;
            }
            guard -= 1;
            cur = k.super_class;
        }
        None
    }

    /// The implementation of interface method `token` of `iface` in class `class`.
    pub fn interface_target(
        &self,
        class: ClassId,
        iface: ClassId,
        token: u8,
    ) -> Option<MethodTarget> {
        let k = self.class(class)?;
        let vtoken = *k
            .itables
            .iter()
            .find(|t| t.iface == iface)?
            .tokens
            .get(usize::from(token))?;
        k.public_vtable.get(usize::from(vtoken)).copied()
    }
}
