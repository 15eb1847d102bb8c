//! Java field and method descriptors, and which of their types Java Card has.

use std::fmt;

/// A Java type from a descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JType {
    /// `Z`.
    Boolean,
    /// `B`.
    Byte,
    /// `S`.
    Short,
    /// `I`.
    Int,
    /// `C`.
    Char,
    /// `J`.
    Long,
    /// `F`.
    Float,
    /// `D`.
    Double,
    /// `V` (return types only).
    Void,
    /// `L<name>;`, by internal name.
    Class(String),
    /// `[<element>`.
    Array(Box<JType>),
}

impl fmt::Display for JType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JType::Boolean => f.write_str("boolean"),
            JType::Byte => f.write_str("byte"),
            JType::Short => f.write_str("short"),
            JType::Int => f.write_str("int"),
            JType::Char => f.write_str("char"),
            JType::Long => f.write_str("long"),
            JType::Float => f.write_str("float"),
            JType::Double => f.write_str("double"),
            JType::Void => f.write_str("void"),
            JType::Class(c) => f.write_str(&c.replace('/', ".")),
            JType::Array(e) => write!(f, "{e}[]"),
        }
    }
}

/// The Java Card storage class of a value: what `getfield_<t>`, `sload`, `sreturn` and
/// friends are specialised for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// `boolean` and `byte` (fields and array elements).
    Byte,
    /// `short` (and `boolean`/`byte` values on the stack and in locals).
    Short,
    /// `int` (two words).
    Int,
    /// A reference.
    Ref,
}

impl JType {
    /// Parses one type at the start of `d`, returning it and the rest.
    pub fn parse_prefix(d: &str) -> Option<(JType, &str)> {
        let mut chars = d.char_indices();
        let (_, c) = chars.next()?;
        let rest = d.get(1..)?;
        let t = match c {
            'Z' => JType::Boolean,
            'B' => JType::Byte,
            'S' => JType::Short,
            'I' => JType::Int,
            'C' => JType::Char,
            'J' => JType::Long,
            'F' => JType::Float,
            'D' => JType::Double,
            'V' => JType::Void,
            '[' => {
                let (e, rest) = JType::parse_prefix(rest)?;
                return Some((JType::Array(Box::new(e)), rest));
            }
            'L' => {
                let (name, rest) = rest.split_once(';')?;
                if name.is_empty() {
                    return None;
                }
                return Some((JType::Class(name.to_owned()), rest));
            }
            _ => return None,
        };
        Some((t, rest))
    }

    /// Parses a complete field descriptor.
    pub fn parse_field(d: &str) -> Option<JType> {
        match JType::parse_prefix(d)? {
            (t, "") if t != JType::Void => Some(t),
            _ => None,
        }
    }

    /// The descriptor spelling.
    pub fn descriptor(&self) -> String {
        match self {
            JType::Boolean => "Z".into(),
            JType::Byte => "B".into(),
            JType::Short => "S".into(),
            JType::Int => "I".into(),
            JType::Char => "C".into(),
            JType::Long => "J".into(),
            JType::Float => "F".into(),
            JType::Double => "D".into(),
            JType::Void => "V".into(),
            JType::Class(c) => format!("L{c};"),
            JType::Array(e) => format!("[{}", e.descriptor()),
        }
    }

    /// Whether values of this type are references.
    pub fn is_reference(&self) -> bool {
        matches!(self, JType::Class(_) | JType::Array(_))
    }

    /// The storage class, for types Java Card has.
    pub fn slot(&self) -> Option<Slot> {
        match self {
            JType::Boolean | JType::Byte => Some(Slot::Byte),
            JType::Short => Some(Slot::Short),
            JType::Int => Some(Slot::Int),
            JType::Class(_) | JType::Array(_) => Some(Slot::Ref),
            _ => None,
        }
    }

    /// Stack or local words a value takes in the Java Card VM (int: 2).
    pub fn words(&self) -> u16 {
        match self {
            JType::Void => 0,
            JType::Int => 2,
            _ => 1,
        }
    }

    /// Why Java Card cannot represent this type, or `None` if it can (with `int` allowed
    /// when `int_ok`).
    pub fn unsupported_reason(&self, int_ok: bool) -> Option<String> {
        match self {
            JType::Boolean | JType::Byte | JType::Short | JType::Void | JType::Class(_) => None,
            JType::Int if int_ok => None,
            JType::Int => Some("type int needs the int option (--int)".into()),
            JType::Char | JType::Long | JType::Float | JType::Double => {
                Some(format!("type {self} is not supported by Java Card"))
            }
            JType::Array(e) => match e.as_ref() {
                JType::Array(_) => Some(format!(
                    "multi-dimensional array type {self} is not supported by Java Card"
                )),
                JType::Void => Some("array of void".into()),
                inner => inner
                    .unsupported_reason(int_ok)
                    .map(|r| format!("array type {self}: {r}")),
            },
        }
    }
}

/// A parsed method descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MethodType {
    /// Parameter types.
    pub params: Vec<JType>,
    /// Return type (`Void` for none).
    pub ret: JType,
}

impl MethodType {
    /// Parses `(params)ret`.
    pub fn parse(d: &str) -> Option<MethodType> {
        let mut rest = d.strip_prefix('(')?;
        let mut params = Vec::new();
        while !rest.starts_with(')') {
            let (t, r) = JType::parse_prefix(rest)?;
            if t == JType::Void {
                return None;
            }
            params.push(t);
            rest = r;
        }
        let (ret, r) = JType::parse_prefix(rest.get(1..)?)?;
        r.is_empty().then_some(MethodType { params, ret })
    }

    /// Java Card words of the parameters (without `this`).
    pub fn param_words(&self) -> u16 {
        self.params
            .iter()
            .fold(0u16, |acc, p| acc.saturating_add(p.words()))
    }

    /// Every type of the descriptor, parameters then return type.
    pub fn all(&self) -> impl Iterator<Item = &JType> {
        self.params.iter().chain(std::iter::once(&self.ret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors() {
        let m = MethodType::parse("([BSLjavacard/framework/APDU;I)V").unwrap();
        assert_eq!(m.params.len(), 4);
        assert_eq!(m.param_words(), 5, "int takes two words");
        assert_eq!(m.ret, JType::Void);
        assert_eq!(JType::parse_field("[[S").unwrap().to_string(), "short[][]");
        assert!(JType::parse_field("[[S")
            .unwrap()
            .unsupported_reason(true)
            .is_some());
        assert!(JType::parse_field("J")
            .unwrap()
            .unsupported_reason(true)
            .is_some());
        assert!(JType::parse_field("I")
            .unwrap()
            .unsupported_reason(false)
            .is_some());
        assert!(JType::parse_field("I")
            .unwrap()
            .unsupported_reason(true)
            .is_none());
        assert_eq!(JType::parse_field("V"), None);
        assert_eq!(MethodType::parse("(V)V"), None);
        assert_eq!(JType::parse_field("L;"), None);
    }
}
