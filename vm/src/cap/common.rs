//! Items shared by several components: AIDs, `package_info`, class references, static
//! references (§6.8.1, §6.7.4) and type descriptors (§6.13.4, nibble encoded).

use super::error::CapError;
use super::reader::Reader;
use super::writer::Writer;
use std::fmt;

/// Upper-case hex of `bytes`, no separators.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// The CAP file format versions this parser reads (Header `major_version.minor_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CapFormat {
    /// 2.1: what the Java Card 3.0.5 converter emits unless a package needs 2.2 features.
    V2_1,
    /// 2.2: adds the package name to the Header, the Debug size to the Directory, and the
    /// signature pool and remote interface data to the Class component.
    V2_2,
}

impl CapFormat {
    /// The format for a Header's `major_version`/`minor_version`, if supported.
    pub fn from_version(major: u8, minor: u8) -> Option<Self> {
        match (major, minor) {
            (2, 1) => Some(CapFormat::V2_1),
            (2, 2) => Some(CapFormat::V2_2),
            _ => None,
        }
    }

    /// Number of entries in the Directory's `component_sizes` (11 in 2.1, 12 from 2.2).
    pub fn directory_sizes(self) -> usize {
        match self {
            CapFormat::V2_1 => 11,
            CapFormat::V2_2 => 12,
        }
    }
}

impl fmt::Display for CapFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CapFormat::V2_1 => "2.1",
            CapFormat::V2_2 => "2.2",
        })
    }
}

/// An ISO 7816-5 application identifier of 5 to 16 bytes (§4.2).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aid(Vec<u8>);

impl Aid {
    /// Shortest valid AID.
    pub const MIN_LEN: usize = 5;
    /// Longest valid AID.
    pub const MAX_LEN: usize = 16;

    /// An AID from its bytes, if the length is 5 to 16.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        (Self::MIN_LEN..=Self::MAX_LEN)
            .contains(&bytes.len())
            .then(|| Aid(bytes.to_vec()))
    }

    /// The AID bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The registered application provider identifier (first five bytes).
    pub fn rid(&self) -> &[u8] {
        self.0.get(..Self::MIN_LEN).unwrap_or(&self.0)
    }

    /// Reads `AID_length` and `AID[]`.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, CapError> {
        let at = r.offset();
        let len = r.u1("AID_length")?;
        let bytes = r.bytes(usize::from(len), "AID")?;
        Aid::new(bytes).ok_or_else(|| r.error_at(at, format!("AID_length {len} outside 5..=16")))
    }

    /// Writes `AID_length` and `AID[]`.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.count_u1(self.0.len(), 16, "AID_length");
        w.bytes(&self.0);
    }
}

impl fmt::Display for Aid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for Aid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Aid({self})")
    }
}

/// `package_info` (§6.3): a package's version and AID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageInfo {
    /// Package minor version.
    pub minor_version: u8,
    /// Package major version.
    pub major_version: u8,
    /// Package AID.
    pub aid: Aid,
}

impl PackageInfo {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, CapError> {
        let minor_version = r.u1("package minor_version")?;
        let major_version = r.u1("package major_version")?;
        let aid = Aid::read(r)?;
        Ok(PackageInfo {
            minor_version,
            major_version,
            aid,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.u1(self.minor_version);
        w.u1(self.major_version);
        self.aid.write(w);
    }
}

impl fmt::Display for PackageInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} v{}.{}",
            self.aid, self.major_version, self.minor_version
        )
    }
}

/// `class_ref` (§6.8.1): a class or interface of this package by its offset in the Class
/// component, or of an imported package by package and class token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClassRef {
    /// `internal_class_ref`: offset of the `class_info`/`interface_info` in the Class component.
    Internal(u16),
    /// `external_class_ref`: package token (index into the Import component) and class token.
    External {
        /// Package token (the high bit of the first byte is the external marker).
        package_token: u8,
        /// Class token within that package.
        class_token: u8,
    },
}

impl ClassRef {
    /// The value `0xFFFF` that stands for "no class" (the superclass of `java.lang.Object`).
    pub const NONE: ClassRef = ClassRef::External {
        package_token: 0x7F,
        class_token: 0xFF,
    };

    /// Decodes the two-byte form.
    pub fn from_u16(v: u16) -> Self {
        let [hi, lo] = v.to_be_bytes();
        if hi & 0x80 != 0 {
            ClassRef::External {
                package_token: hi & 0x7F,
                class_token: lo,
            }
        } else {
            ClassRef::Internal(v)
        }
    }

    /// The two-byte form.
    pub fn to_u16(self) -> u16 {
        match self {
            ClassRef::Internal(v) => v,
            ClassRef::External {
                package_token,
                class_token,
            } => u16::from_be_bytes([package_token | 0x80, class_token]),
        }
    }

    /// Whether this is the "no class" value `0xFFFF`.
    pub fn is_none(self) -> bool {
        self.to_u16() == 0xFFFF
    }

    pub(crate) fn read(r: &mut Reader<'_>, item: &'static str) -> Result<Self, CapError> {
        Ok(Self::from_u16(r.u2(item)?))
    }

    pub(crate) fn write(self, w: &mut Writer) {
        w.u2(self.to_u16());
    }
}

impl fmt::Display for ClassRef {
    /// `pkg.class` for external references (the .jca notation), `@0x0012` for internal ones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClassRef::Internal(off) => write!(f, "@{off:#06x}"),
            ClassRef::External {
                package_token,
                class_token,
            } => write!(f, "{package_token}.{class_token}"),
        }
    }
}

/// A static field or static method reference (§6.7.4): an offset into this package's static
/// field image or Method component, or tokens in an imported package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaticRef {
    /// `internal_ref`: padding byte (zero) then an offset.
    Internal {
        /// Offset into the static field image (fields) or the Method component (methods).
        offset: u16,
    },
    /// `external_ref`: package, class and field or method tokens.
    External {
        /// Package token.
        package_token: u8,
        /// Class token.
        class_token: u8,
        /// Static field or static method token.
        token: u8,
    },
}

impl StaticRef {
    /// Decodes the three-byte form; `None` when an internal reference's padding is not zero.
    pub fn from_bytes(b: [u8; 3]) -> Option<Self> {
        let [b0, b1, b2] = b;
        if b0 & 0x80 != 0 {
            Some(StaticRef::External {
                package_token: b0 & 0x7F,
                class_token: b1,
                token: b2,
            })
        } else if b0 == 0 {
            Some(StaticRef::Internal {
                offset: u16::from_be_bytes([b1, b2]),
            })
        } else {
            None
        }
    }

    /// The three-byte form.
    pub fn to_bytes(self) -> [u8; 3] {
        match self {
            StaticRef::Internal { offset } => {
                let [hi, lo] = offset.to_be_bytes();
                [0, hi, lo]
            }
            StaticRef::External {
                package_token,
                class_token,
                token,
            } => [package_token | 0x80, class_token, token],
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>, item: &'static str) -> Result<Self, CapError> {
        let at = r.offset();
        let b0 = r.u1(item)?;
        let b1 = r.u1(item)?;
        let b2 = r.u1(item)?;
        Self::from_bytes([b0, b1, b2]).ok_or_else(|| {
            r.error_at(
                at,
                format!("{item}: internal reference padding {b0:#04x} is not zero"),
            )
        })
    }

    pub(crate) fn write(self, w: &mut Writer) {
        w.bytes(&self.to_bytes());
    }
}

impl fmt::Display for StaticRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaticRef::Internal { offset } => write!(f, "@{offset:#06x}"),
            StaticRef::External {
                package_token,
                class_token,
                token,
            } => write!(f, "{package_token}.{class_token}.{token}"),
        }
    }
}

/// One Java Card type of a type descriptor (§6.13.4, table 6-41 nibble values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JcType {
    /// `void` (nibble 0x1), only as a return type.
    Void,
    /// `boolean` (0x2).
    Boolean,
    /// `byte` (0x3).
    Byte,
    /// `short` (0x4).
    Short,
    /// `int` (0x5).
    Int,
    /// A class or interface (0x6 and a class reference).
    Reference(ClassRef),
    /// `boolean[]` (0xA).
    BooleanArray,
    /// `byte[]` (0xB).
    ByteArray,
    /// `short[]` (0xC).
    ShortArray,
    /// `int[]` (0xD).
    IntArray,
    /// An array of class or interface references (0xE and a class reference).
    ReferenceArray(ClassRef),
}

impl fmt::Display for JcType {
    /// Java descriptor notation with raw class tokens: `S`, `[B`, `L1.10;`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JcType::Void => f.write_str("V"),
            JcType::Boolean => f.write_str("Z"),
            JcType::Byte => f.write_str("B"),
            JcType::Short => f.write_str("S"),
            JcType::Int => f.write_str("I"),
            JcType::Reference(c) => write!(f, "L{c};"),
            JcType::BooleanArray => f.write_str("[Z"),
            JcType::ByteArray => f.write_str("[B"),
            JcType::ShortArray => f.write_str("[S"),
            JcType::IntArray => f.write_str("[I"),
            JcType::ReferenceArray(c) => write!(f, "[L{c};"),
        }
    }
}

impl JcType {
    /// Java descriptor text, naming classes with `class_name` (which sees the raw reference).
    pub fn to_descriptor_with(&self, class_name: &dyn Fn(ClassRef) -> String) -> String {
        match self {
            JcType::Reference(c) => format!("L{};", class_name(*c)),
            JcType::ReferenceArray(c) => format!("[L{};", class_name(*c)),
            other => other.to_string(),
        }
    }

    /// The primitive type a descriptor `primitive_type` value (`0x8002`..`0x8005`) names.
    pub fn from_primitive_type(v: u16) -> Option<Self> {
        match v {
            0x8002 => Some(JcType::Boolean),
            0x8003 => Some(JcType::Byte),
            0x8004 => Some(JcType::Short),
            0x8005 => Some(JcType::Int),
            _ => None,
        }
    }
}

/// Reads the four nibbles of a class reference inside a type descriptor.
fn nibble_class_ref(it: &mut impl Iterator<Item = u8>) -> Result<ClassRef, String> {
    let mut v: u16 = 0;
    for _ in 0..4 {
        let d = it
            .next()
            .ok_or_else(|| "class reference cut short".to_string())?;
        v = (v << 4) | u16::from(d & 0x0F);
    }
    Ok(ClassRef::from_u16(v))
}

/// `type_descriptor` (§6.13.4): `nibble_count` then the nibbles packed two to a byte, padded
/// with a zero nibble when the count is odd.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeDescriptor {
    /// The nibbles, one per element (each 0..=15).
    pub nibbles: Vec<u8>,
}

impl TypeDescriptor {
    /// Encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        self.nibbles.len().div_ceil(2).saturating_add(1)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, CapError> {
        let at = r.offset();
        let count = usize::from(r.u1("type_descriptor nibble_count")?);
        let packed = r.bytes(count.div_ceil(2), "type_descriptor type")?;
        let mut nibbles = Vec::with_capacity(count);
        for b in packed {
            nibbles.push(b >> 4);
            nibbles.push(b & 0x0F);
        }
        if nibbles.len() > count && nibbles.pop() != Some(0) {
            return Err(r.error_at(at, "type_descriptor padding nibble is not zero"));
        }
        let td = TypeDescriptor { nibbles };
        td.types()
            .map_err(|e| r.error_at(at, format!("type_descriptor: {e}")))?;
        Ok(td)
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.count_u1(self.nibbles.len(), u8::MAX, "type_descriptor nibble_count");
        for pair in self.nibbles.chunks(2) {
            let hi = pair.first().copied().unwrap_or(0) & 0x0F;
            let lo = pair.get(1).copied().unwrap_or(0) & 0x0F;
            w.u1((hi << 4) | lo);
        }
    }

    /// The types in order (a field's single type, or a method's parameters then return type).
    pub fn types(&self) -> Result<Vec<JcType>, String> {
        let mut out = Vec::new();
        let mut it = self.nibbles.iter().copied();
        while let Some(n) = it.next() {
            out.push(match n {
                0x1 => JcType::Void,
                0x2 => JcType::Boolean,
                0x3 => JcType::Byte,
                0x4 => JcType::Short,
                0x5 => JcType::Int,
                0x6 => JcType::Reference(nibble_class_ref(&mut it)?),
                0xA => JcType::BooleanArray,
                0xB => JcType::ByteArray,
                0xC => JcType::ShortArray,
                0xD => JcType::IntArray,
                0xE => JcType::ReferenceArray(nibble_class_ref(&mut it)?),
                other => return Err(format!("invalid type nibble {other:#x}")),
            });
        }
        if out.is_empty() {
            return Err("empty type descriptor".into());
        }
        if let Some((_, init)) = out.split_last() {
            if init.contains(&JcType::Void) {
                return Err("void before the last (return) position".into());
            }
        }
        Ok(out)
    }

    /// Builds a descriptor from types (the inverse of [`TypeDescriptor::types`]).
    pub fn from_types(types: &[JcType]) -> Self {
        let mut nibbles = Vec::new();
        for t in types {
            let (n, r) = match t {
                JcType::Void => (0x1, None),
                JcType::Boolean => (0x2, None),
                JcType::Byte => (0x3, None),
                JcType::Short => (0x4, None),
                JcType::Int => (0x5, None),
                JcType::Reference(c) => (0x6, Some(*c)),
                JcType::BooleanArray => (0xA, None),
                JcType::ByteArray => (0xB, None),
                JcType::ShortArray => (0xC, None),
                JcType::IntArray => (0xD, None),
                JcType::ReferenceArray(c) => (0xE, Some(*c)),
            };
            nibbles.push(n);
            if let Some(c) = r {
                let v = c.to_u16();
                for shift in [12u16, 8, 4, 0] {
                    nibbles.push(((v >> shift) & 0x0F) as u8);
                }
            }
        }
        TypeDescriptor { nibbles }
    }

    /// Field type text, e.g. `[B` (the descriptor's single type).
    pub fn field_string(&self) -> String {
        match self.types() {
            Ok(t) => t.iter().map(ToString::to_string).collect(),
            Err(e) => format!("<{e}>"),
        }
    }

    /// Method signature text, e.g. `([BSB)V` (parameters, then the last type as return type).
    pub fn method_string(&self) -> String {
        match self.types() {
            Ok(t) => match t.split_last() {
                Some((ret, params)) => {
                    let p: String = params.iter().map(ToString::to_string).collect();
                    format!("({p}){ret}")
                }
                None => String::new(),
            },
            Err(e) => format!("<{e}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cap::tag::ComponentTag;

    fn td(bytes: &[u8]) -> Result<TypeDescriptor, CapError> {
        let mut r = Reader::new(ComponentTag::DESCRIPTOR, bytes);
        let t = TypeDescriptor::read(&mut r)?;
        r.finish()?;
        Ok(t)
    }

    #[test]
    fn type_descriptor_nibbles() {
        // (byte[], short) -> void: nibbles B 4 1 and a padding nibble (§6.13.4 table 6-41).
        let t = td(&[0x03, 0xB4, 0x10]).unwrap();
        assert_eq!(t.nibbles, vec![0xB, 0x4, 0x1]);
        assert_eq!(t.method_string(), "([BS)V");
        // A reference to external class 1.10 (0x810A): 6 8 1 0 A.
        let t = td(&[0x05, 0x68, 0x10, 0xA0]).unwrap();
        assert_eq!(
            t.types().unwrap(),
            vec![JcType::Reference(ClassRef::External {
                package_token: 1,
                class_token: 10
            })]
        );
        assert_eq!(t.field_string(), "L1.10;");
        assert_eq!(TypeDescriptor::from_types(&t.types().unwrap()), t);
        // An array of internal class @0x0012 as the return type of ()
        let t = td(&[0x05, 0xE0, 0x01, 0x20]).unwrap();
        assert_eq!(t.method_string(), "()[L@0x0012;");
    }

    #[test]
    fn type_descriptor_errors() {
        assert!(td(&[0x01, 0x41]).is_err(), "non-zero padding nibble");
        assert!(td(&[0x02, 0x71]).is_err(), "nibble 7 is not a type");
        assert!(td(&[0x02, 0x14]).is_err(), "void before the return type");
        assert!(td(&[0x02, 0x60]).is_err(), "class reference cut short");
        assert!(td(&[0x00]).is_err(), "empty");
        assert!(td(&[0x04, 0x44]).is_err(), "truncated");
    }

    #[test]
    fn class_and_static_refs() {
        assert_eq!(
            ClassRef::from_u16(0x8103),
            ClassRef::External {
                package_token: 1,
                class_token: 3
            }
        );
        assert_eq!(ClassRef::from_u16(0x0025), ClassRef::Internal(0x25));
        assert!(ClassRef::from_u16(0xFFFF).is_none());
        assert_eq!(ClassRef::NONE.to_u16(), 0xFFFF);
        assert_eq!(
            StaticRef::from_bytes([0x81, 0x10, 0x06]),
            Some(StaticRef::External {
                package_token: 1,
                class_token: 16,
                token: 6
            })
        );
        assert_eq!(
            StaticRef::from_bytes([0x00, 0x01, 0x61]),
            Some(StaticRef::Internal { offset: 0x161 })
        );
        assert_eq!(StaticRef::from_bytes([0x01, 0x00, 0x00]), None);
        assert_eq!(Aid::new(&[1, 2, 3, 4]), None);
        assert_eq!(
            Aid::new(&[0xA0, 0, 0, 0, 0x62, 1]).unwrap().to_string(),
            "A00000006201"
        );
    }
}
