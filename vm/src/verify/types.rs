//! The verifier's type system: classes of this and imported packages in one table, the
//! verification types of stack words and local variables, and the declared types of fields,
//! parameters and results (JVMS §4.10.1.2, adapted to the Java Card types of JCVM §3.1).
//!
//! `byte`, `boolean` and `short` all occupy one 16-bit word typed [`VType::Short`]; `int`
//! occupies two words, high then low. Interfaces are treated like `java.lang.Object` for
//! assignment, as in the JVM's inference verifier, so merging two classes that share only an
//! interface needs no intersection types; `invokeinterface` is checked again at run time.

use std::collections::HashMap;

/// Index of a class or interface in a [`ClassTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ClassId(pub u32);

/// Whether a table entry is a class or an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A class.
    Class,
    /// An interface.
    Interface,
}

/// One class or interface.
#[derive(Debug, Clone)]
pub(crate) struct ClassEntry {
    /// Display name.
    pub label: String,
    /// Fully qualified `/`-separated name of a class of another package.
    pub name: Option<String>,
    /// Class or interface.
    pub kind: Kind,
    /// Every superclass and superinterface (not the class itself), sorted.
    pub supertypes: Vec<ClassId>,
    /// Number of superclasses, when known; ranks common superclasses when merging.
    pub depth: Option<usize>,
    /// Declared `final`.
    pub is_final: bool,
    /// Declared `abstract` (interfaces included).
    pub is_abstract: bool,
}

/// Every class and interface the verifier knows of.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClassTable {
    entries: Vec<ClassEntry>,
    by_name: HashMap<String, ClassId>,
    object: Option<ClassId>,
}

impl ClassTable {
    /// Adds an entry; `name` registers it for look-up by fully qualified name.
    pub fn add(&mut self, entry: ClassEntry, name: Option<&str>) -> ClassId {
        let id = ClassId(u32::try_from(self.entries.len()).unwrap_or(u32::MAX));
        self.entries.push(entry);
        if let Some(n) = name {
            self.by_name.insert(n.to_string(), id);
        }
        id
    }

    /// The entry for a fully qualified (`/`-separated) name.
    pub fn by_name(&self, name: &str) -> Option<ClassId> {
        self.by_name.get(name).copied()
    }

    /// Sets `java.lang.Object`, the root of every reference type.
    pub fn set_object(&mut self, id: ClassId) {
        self.object = Some(id);
    }

    /// `java.lang.Object`, if set.
    pub fn object(&self) -> Option<ClassId> {
        self.object
    }

    /// The entry for `id`.
    pub fn get(&self, id: ClassId) -> Option<&ClassEntry> {
        self.entries.get(usize::try_from(id.0).ok()?)
    }

    /// The entry for `id`, mutable.
    pub fn get_mut(&mut self, id: ClassId) -> Option<&mut ClassEntry> {
        self.entries.get_mut(usize::try_from(id.0).ok()?)
    }

    /// Display name of `id`.
    pub fn label(&self, id: ClassId) -> String {
        self.get(id)
            .map_or_else(|| format!("class #{}", id.0), |e| e.label.clone())
    }

    /// Whether `id` is an interface.
    pub fn is_interface(&self, id: ClassId) -> bool {
        self.get(id).is_some_and(|e| e.kind == Kind::Interface)
    }

    /// Whether `a` is `b` or a subtype of it (every type is a subtype of Object).
    pub fn is_subtype(&self, a: ClassId, b: ClassId) -> bool {
        a == b
            || Some(b) == self.object
            || self
                .get(a)
                .is_some_and(|e| e.supertypes.binary_search(&b).is_ok())
    }

    /// Whether a value of reference type `v` may be used where `to` is declared.
    pub fn ref_assignable(&self, v: RefType, to: RefType) -> bool {
        match to {
            RefType::Class(c) => {
                Some(c) == self.object
                    || self.is_interface(c)
                    || matches!(v, RefType::Class(a) if self.is_subtype(a, c))
            }
            RefType::Array(e) => match v {
                RefType::Array(ve) => self.elem_assignable(ve, e),
                RefType::Class(_) => false,
            },
        }
    }

    fn elem_assignable(&self, v: Elem, to: Elem) -> bool {
        match (v, to) {
            (Elem::Ref(a), Elem::Ref(c)) => {
                self.ref_assignable(RefType::Class(a), RefType::Class(c))
            }
            (a, b) => a == b,
        }
    }

    /// The most specific common superclass of `a` and `b`.
    pub fn lub_class(&self, a: ClassId, b: ClassId) -> Option<ClassId> {
        if self.is_subtype(a, b) {
            return Some(b);
        }
        if self.is_subtype(b, a) {
            return Some(a);
        }
        let ea = self.get(a)?;
        let eb = self.get(b)?;
        let mut best: Option<(usize, ClassId)> = None;
        for &x in &ea.supertypes {
            let common = eb.supertypes.binary_search(&x).is_ok();
            let Some(ex) = self.get(x) else { continue };
            if !common || ex.kind == Kind::Interface {
                continue;
            }
            let d = ex.depth.unwrap_or(0);
            if best.is_none_or(|(bd, _)| d > bd) {
                best = Some((d, x));
            }
        }
        best.map(|(_, x)| x).or(self.object)
    }

    fn lub_ref(&self, a: RefType, b: RefType) -> Option<RefType> {
        match (a, b) {
            _ if a == b => Some(a),
            (RefType::Class(x), RefType::Class(y)) => self.lub_class(x, y).map(RefType::Class),
            (RefType::Array(Elem::Ref(x)), RefType::Array(Elem::Ref(y))) => {
                self.lub_class(x, y).map(|c| RefType::Array(Elem::Ref(c)))
            }
            _ => self.object.map(RefType::Class),
        }
    }

    /// The merge of two verification types: their least upper bound, or `Top`.
    pub fn merge(&self, a: VType, b: VType) -> VType {
        match (a, b) {
            _ if a == b => a,
            (VType::Null, VType::Ref(r)) | (VType::Ref(r), VType::Null) => VType::Ref(r),
            (VType::Ref(x), VType::Ref(y)) => self.lub_ref(x, y).map_or(VType::Top, VType::Ref),
            _ => VType::Top,
        }
    }

    /// Text of a reference type, Java style (`javacard.framework.APDU`, `byte[]`).
    pub fn show_ref(&self, r: RefType) -> String {
        match r {
            RefType::Class(c) => self.label(c),
            RefType::Array(e) => match e {
                Elem::Boolean => "boolean[]".into(),
                Elem::Byte => "byte[]".into(),
                Elem::Short => "short[]".into(),
                Elem::Int => "int[]".into(),
                Elem::Ref(c) => format!("{}[]", self.label(c)),
            },
        }
    }

    /// Text of a verification type.
    pub fn show(&self, v: VType) -> String {
        match v {
            VType::Top => "an unusable value".into(),
            VType::Short => "short".into(),
            VType::IntHi => "int (high word)".into(),
            VType::IntLo => "int (low word)".into(),
            VType::Null => "null".into(),
            VType::Ref(r) => self.show_ref(r),
            VType::Uninit(pc) => format!("uninitialized object from new at pc {pc:#06x}"),
            VType::UninitThis => "uninitialized this".into(),
            VType::RetAddr(pc) => format!("returnAddress {pc:#06x}"),
        }
    }

    /// Text of a declared type.
    pub fn show_j(&self, t: JType) -> String {
        match t {
            JType::Void => "void".into(),
            JType::Boolean => "boolean".into(),
            JType::Byte => "byte".into(),
            JType::Short => "short".into(),
            JType::Int => "int".into(),
            JType::Ref(r) => self.show_ref(r),
        }
    }

    /// Text of a method signature, Java style: `(short, byte[]) -> void`.
    pub fn show_sig(&self, params: &[JType], ret: JType) -> String {
        let p: Vec<String> = params.iter().map(|t| self.show_j(*t)).collect();
        format!("({}) -> {}", p.join(", "), self.show_j(ret))
    }
}

/// Array element types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Elem {
    /// `boolean[]`.
    Boolean,
    /// `byte[]`.
    Byte,
    /// `short[]`.
    Short,
    /// `int[]`.
    Int,
    /// An array of references to a class or interface.
    Ref(ClassId),
}

/// A reference type: a class or interface, or an array (Java Card arrays have one dimension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RefType {
    /// An instance of the class (or implementor of the interface).
    Class(ClassId),
    /// An array.
    Array(Elem),
}

/// The type of one operand stack word or local variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum VType {
    /// Unusable: uninitialised local, or the merge of incompatible types.
    Top,
    /// `byte`, `boolean` or `short`.
    Short,
    /// High word of an `int`.
    IntHi,
    /// Low word of an `int`.
    IntLo,
    /// The null reference.
    Null,
    /// An initialised reference.
    Ref(RefType),
    /// The result of `new` at this pc before its constructor ran.
    Uninit(u16),
    /// `this` in a constructor before the superclass constructor ran.
    UninitThis,
    /// A `jsr` return address: the pc after the `jsr`.
    RetAddr(u16),
}

impl VType {
    /// Whether this is a reference (null included) usable as an initialised object.
    pub fn is_init_ref(self) -> bool {
        matches!(self, VType::Null | VType::Ref(_))
    }

    /// Whether this is any reference, uninitialised objects included.
    pub fn is_any_ref(self) -> bool {
        matches!(
            self,
            VType::Null | VType::Ref(_) | VType::Uninit(_) | VType::UninitThis
        )
    }
}

/// A declared type: of a field, a parameter or a method result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum JType {
    /// `void` (results only).
    Void,
    /// `boolean`.
    Boolean,
    /// `byte`.
    Byte,
    /// `short`.
    Short,
    /// `int`.
    Int,
    /// A reference type.
    Ref(RefType),
}

impl JType {
    /// Stack words a value of this type occupies.
    pub fn words(self) -> usize {
        match self {
            JType::Void => 0,
            JType::Int => 2,
            _ => 1,
        }
    }

    /// Whether this is or contains `int`.
    pub fn uses_int(self) -> bool {
        matches!(self, JType::Int | JType::Ref(RefType::Array(Elem::Int)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &str, kind: Kind, supertypes: Vec<ClassId>, depth: usize) -> ClassEntry {
        ClassEntry {
            label: label.into(),
            name: Some(label.into()),
            kind,
            supertypes,
            depth: Some(depth),
            is_final: false,
            is_abstract: false,
        }
    }

    /// Object <- Throwable <- Exception <- RuntimeException, plus Exception <- Other and an
    /// interface I that RuntimeException implements.
    fn table() -> (ClassTable, [ClassId; 6]) {
        let mut t = ClassTable::default();
        let object = t.add(entry("Object", Kind::Class, vec![], 0), Some("Object"));
        t.set_object(object);
        let throwable = t.add(entry("Throwable", Kind::Class, vec![object], 1), None);
        let exception = t.add(
            entry("Exception", Kind::Class, vec![object, throwable], 2),
            None,
        );
        let iface = t.add(entry("I", Kind::Interface, vec![object], 0), None);
        let runtime = t.add(
            entry(
                "RuntimeException",
                Kind::Class,
                vec![object, throwable, exception, iface],
                3,
            ),
            None,
        );
        let other = t.add(
            entry("Other", Kind::Class, vec![object, throwable, exception], 3),
            None,
        );
        (t, [object, throwable, exception, iface, runtime, other])
    }

    #[test]
    fn subtypes_and_merges() {
        let (t, [object, throwable, exception, iface, runtime, other]) = table();
        assert!(t.is_subtype(runtime, throwable));
        assert!(t.is_subtype(iface, object));
        assert!(!t.is_subtype(throwable, exception));
        // Siblings merge to their most specific common superclass, never to the interface.
        assert_eq!(t.lub_class(runtime, other), Some(exception));
        assert_eq!(t.lub_class(runtime, iface), Some(iface));
        let r = |c| VType::Ref(RefType::Class(c));
        assert_eq!(t.merge(r(runtime), r(other)), r(exception));
        assert_eq!(t.merge(VType::Null, r(other)), r(other));
        assert_eq!(t.merge(VType::Short, r(other)), VType::Top);
        assert_eq!(t.merge(VType::IntHi, VType::IntHi), VType::IntHi);
        assert_eq!(t.merge(VType::RetAddr(3), VType::RetAddr(5)), VType::Top);
        assert_eq!(
            t.merge(VType::Uninit(3), VType::Uninit(3)),
            VType::Uninit(3)
        );
        // Arrays: same element type, covariant reference arrays, otherwise Object.
        let a = |e| VType::Ref(RefType::Array(e));
        assert_eq!(t.merge(a(Elem::Byte), a(Elem::Byte)), a(Elem::Byte));
        assert_eq!(t.merge(a(Elem::Byte), a(Elem::Boolean)), r(object));
        assert_eq!(
            t.merge(a(Elem::Ref(runtime)), a(Elem::Ref(other))),
            a(Elem::Ref(exception))
        );
        assert_eq!(t.merge(a(Elem::Short), r(throwable)), r(object));
    }

    #[test]
    fn assignability() {
        let (t, [object, throwable, _, iface, runtime, other]) = table();
        let c = RefType::Class;
        assert!(t.ref_assignable(c(runtime), c(throwable)));
        assert!(!t.ref_assignable(c(throwable), c(runtime)));
        // Anything goes to Object and, as in the JVM's inference verifier, to an interface.
        assert!(t.ref_assignable(RefType::Array(Elem::Byte), c(object)));
        assert!(t.ref_assignable(c(other), c(iface)));
        assert!(!t.ref_assignable(RefType::Array(Elem::Byte), c(throwable)));
        assert!(t.ref_assignable(
            RefType::Array(Elem::Ref(runtime)),
            RefType::Array(Elem::Ref(throwable))
        ));
        assert!(!t.ref_assignable(RefType::Array(Elem::Byte), RefType::Array(Elem::Boolean)));
    }
}
