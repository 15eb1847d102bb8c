//! The class file parser: nom's complete parsers over a cursor that knows its offset, so every
//! error names the byte offset and the item being read.

use nom::bytes::complete::take;
use nom::number::complete::{be_i32, be_i64, be_u16, be_u32, be_u64, be_u8};
use nom::IResult;

use super::constant_pool::{Constant, ConstantPool};
use super::error::ClassFormatError;
use super::{
    ClassFile, Code, ConstantValue, ExceptionTableEntry, FieldInfo, InnerClass, LineNumber,
    LocalVariable, MethodInfo, RawAttribute,
};

/// The class file magic number.
pub const MAGIC: u32 = 0xCAFE_BABE;
/// Newest class file major version read (Java 25).
const MAX_MAJOR: u16 = 69;

type NomErr<'a> = nom::error::Error<&'a [u8]>;

/// A read position: `base` is the offset of `all` in the class file.
struct Cursor<'a> {
    all: &'a [u8],
    rest: &'a [u8],
    base: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8], base: usize) -> Self {
        Cursor {
            all: bytes,
            rest: bytes,
            base,
        }
    }

    fn pos(&self) -> usize {
        self.base
            .saturating_add(self.all.len().saturating_sub(self.rest.len()))
    }

    fn err(&self, at: usize, message: impl Into<String>) -> ClassFormatError {
        ClassFormatError::at(at, message)
    }

    fn run<T>(
        &mut self,
        what: &str,
        result: IResult<&'a [u8], T, NomErr<'a>>,
    ) -> Result<T, ClassFormatError> {
        match result {
            Ok((rest, value)) => {
                self.rest = rest;
                Ok(value)
            }
            Err(_) => Err(self.err(
                self.pos(),
                format!(
                    "{what} cut short: the data ends after {} more bytes",
                    self.rest.len()
                ),
            )),
        }
    }

    fn u1(&mut self, what: &str) -> Result<u8, ClassFormatError> {
        self.run(what, be_u8(self.rest))
    }

    fn u2(&mut self, what: &str) -> Result<u16, ClassFormatError> {
        self.run(what, be_u16(self.rest))
    }

    fn u4(&mut self, what: &str) -> Result<u32, ClassFormatError> {
        self.run(what, be_u32(self.rest))
    }

    fn i4(&mut self, what: &str) -> Result<i32, ClassFormatError> {
        self.run(what, be_i32(self.rest))
    }

    fn i8(&mut self, what: &str) -> Result<i64, ClassFormatError> {
        self.run(what, be_i64(self.rest))
    }

    fn u8(&mut self, what: &str) -> Result<u64, ClassFormatError> {
        self.run(what, be_u64(self.rest))
    }

    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], ClassFormatError> {
        self.run(what, take(n)(self.rest))
    }

    fn finish(&self, what: &str) -> Result<(), ClassFormatError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.err(
                self.pos(),
                format!("{} bytes left over after {what}", self.rest.len()),
            ))
        }
    }
}

/// Decodes modified UTF-8 (JVMS §4.4.7): no NUL bytes, `C0 80` for U+0000, supplementary
/// characters as surrogate pairs of three bytes each.
fn modified_utf8(bytes: &[u8]) -> Result<String, String> {
    let mut units: Vec<u16> = Vec::with_capacity(bytes.len());
    let mut it = bytes.iter().copied().enumerate();
    let cont = |it: &mut std::iter::Enumerate<std::iter::Copied<std::slice::Iter<'_, u8>>>,
                at: usize|
     -> Result<u16, String> {
        match it.next() {
            Some((_, b)) if b & 0xC0 == 0x80 => Ok(u16::from(b & 0x3F)),
            Some((i, b)) => Err(format!(
                "byte {b:#04x} at {i} is not a continuation byte of the sequence at {at}"
            )),
            None => Err(format!("sequence at {at} cut short")),
        }
    };
    while let Some((i, b)) = it.next() {
        let unit = match b {
            0x01..=0x7F => u16::from(b),
            0xC0..=0xDF => (u16::from(b & 0x1F) << 6) | cont(&mut it, i)?,
            0xE0..=0xEF => {
                let hi = u16::from(b & 0x0F) << 12;
                let mid = cont(&mut it, i)? << 6;
                hi | mid | cont(&mut it, i)?
            }
            _ => return Err(format!("byte {b:#04x} at {i} is not valid modified UTF-8")),
        };
        units.push(unit);
    }
    Ok(String::from_utf16_lossy(&units))
}

/// Parses a complete class file.
pub fn parse(bytes: &[u8]) -> Result<ClassFile, ClassFormatError> {
    let mut c = Cursor::new(bytes, 0);
    let magic = c.u4("magic")?;
    if magic != MAGIC {
        return Err(c.err(0, format!("magic {magic:#010x} is not 0xCAFEBABE")));
    }
    let minor_version = c.u2("minor_version")?;
    let major_version = c.u2("major_version")?;
    if !(45..=MAX_MAJOR).contains(&major_version) {
        return Err(c.err(
            6,
            format!("class file version {major_version}.{minor_version} is not 45 to {MAX_MAJOR}"),
        ));
    }
    let (constant_pool, offsets) = read_constant_pool(&mut c)?;
    check_constant_pool(&constant_pool, &offsets)?;
    let cp = &constant_pool;

    let access_flags = c.u2("access_flags")?;
    let at = c.pos();
    let this_index = c.u2("this_class")?;
    let this_class = cp
        .class_name(this_index)
        .map_err(|e| c.err(at, format!("this_class: {e}")))?
        .to_owned();
    let at = c.pos();
    let super_index = c.u2("super_class")?;
    let super_class = if super_index == 0 {
        if this_class != "java/lang/Object" {
            return Err(c.err(at, format!("{this_class} has no superclass")));
        }
        None
    } else {
        Some(
            cp.class_name(super_index)
                .map_err(|e| c.err(at, format!("super_class: {e}")))?
                .to_owned(),
        )
    };
    let count = c.u2("interfaces_count")?;
    let mut interfaces = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let at = c.pos();
        let i = c.u2("interfaces")?;
        interfaces.push(
            cp.class_name(i)
                .map_err(|e| c.err(at, format!("interfaces: {e}")))?
                .to_owned(),
        );
    }
    let count = c.u2("fields_count")?;
    let mut fields = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        fields.push(read_field(&mut c, cp)?);
    }
    let count = c.u2("methods_count")?;
    let mut methods = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        methods.push(read_method(&mut c, cp)?);
    }
    let mut source_file = None;
    let mut inner_classes = Vec::new();
    let mut other_attributes = Vec::new();
    let count = c.u2("attributes_count")?;
    for _ in 0..count {
        let (name, offset, info) = read_attribute(&mut c, cp)?;
        let mut a = Cursor::new(info, offset.saturating_add(6));
        match name {
            "SourceFile" => {
                let at = a.pos();
                let i = a.u2("sourcefile_index")?;
                source_file = Some(
                    cp.utf8(i)
                        .map_err(|e| a.err(at, format!("SourceFile: {e}")))?
                        .to_owned(),
                );
                a.finish("SourceFile")?;
            }
            "InnerClasses" => {
                inner_classes = read_inner_classes(&mut a, cp)?;
                a.finish("InnerClasses")?;
            }
            _ => other_attributes.push(RawAttribute {
                name: name.to_owned(),
                offset,
                info: info.to_vec(),
            }),
        }
    }
    c.finish("the class file")?;
    Ok(ClassFile {
        minor_version,
        major_version,
        constant_pool,
        access_flags,
        this_class,
        super_class,
        interfaces,
        fields,
        methods,
        source_file,
        inner_classes,
        other_attributes,
    })
}

fn read_constant_pool(c: &mut Cursor<'_>) -> Result<(ConstantPool, Vec<usize>), ClassFormatError> {
    let at = c.pos();
    let count = c.u2("constant_pool_count")?;
    if count == 0 {
        return Err(c.err(at, "constant_pool_count is 0 (it counts index 0 too)"));
    }
    let mut entries = Vec::with_capacity(usize::from(count));
    let mut offsets = Vec::with_capacity(usize::from(count));
    entries.push(Constant::Unusable);
    offsets.push(at);
    while entries.len() < usize::from(count) {
        let at = c.pos();
        let tag = c.u1("cp_info tag")?;
        let (entry, wide) = match tag {
            1 => {
                let len = c.u2("CONSTANT_Utf8 length")?;
                let bytes = c.bytes(usize::from(len), "CONSTANT_Utf8 bytes")?;
                let s =
                    modified_utf8(bytes).map_err(|e| c.err(at, format!("CONSTANT_Utf8: {e}")))?;
                (Constant::Utf8(s), false)
            }
            3 => (Constant::Integer(c.i4("CONSTANT_Integer")?), false),
            4 => (Constant::Float(c.u4("CONSTANT_Float")?), false),
            5 => (Constant::Long(c.i8("CONSTANT_Long")?), true),
            6 => (Constant::Double(c.u8("CONSTANT_Double")?), true),
            7 => (
                Constant::Class {
                    name_index: c.u2("CONSTANT_Class name_index")?,
                },
                false,
            ),
            8 => (
                Constant::String {
                    string_index: c.u2("CONSTANT_String string_index")?,
                },
                false,
            ),
            9..=11 => {
                let class_index = c.u2("class_index")?;
                let name_and_type_index = c.u2("name_and_type_index")?;
                let e = match tag {
                    9 => Constant::Fieldref {
                        class_index,
                        name_and_type_index,
                    },
                    10 => Constant::Methodref {
                        class_index,
                        name_and_type_index,
                    },
                    _ => Constant::InterfaceMethodref {
                        class_index,
                        name_and_type_index,
                    },
                };
                (e, false)
            }
            12 => (
                Constant::NameAndType {
                    name_index: c.u2("CONSTANT_NameAndType name_index")?,
                    descriptor_index: c.u2("CONSTANT_NameAndType descriptor_index")?,
                },
                false,
            ),
            15 => (
                Constant::MethodHandle {
                    reference_kind: c.u1("CONSTANT_MethodHandle reference_kind")?,
                    reference_index: c.u2("CONSTANT_MethodHandle reference_index")?,
                },
                false,
            ),
            16 => (
                Constant::MethodType {
                    descriptor_index: c.u2("CONSTANT_MethodType descriptor_index")?,
                },
                false,
            ),
            17 | 18 => {
                let bootstrap_method_attr_index = c.u2("bootstrap_method_attr_index")?;
                let name_and_type_index = c.u2("name_and_type_index")?;
                let e = if tag == 17 {
                    Constant::Dynamic {
                        bootstrap_method_attr_index,
                        name_and_type_index,
                    }
                } else {
                    Constant::InvokeDynamic {
                        bootstrap_method_attr_index,
                        name_and_type_index,
                    }
                };
                (e, false)
            }
            19 => (
                Constant::Module {
                    name_index: c.u2("CONSTANT_Module name_index")?,
                },
                false,
            ),
            20 => (
                Constant::Package {
                    name_index: c.u2("CONSTANT_Package name_index")?,
                },
                false,
            ),
            other => {
                return Err(c.err(
                    at,
                    format!("constant pool entry {}: unknown tag {other}", entries.len()),
                ))
            }
        };
        entries.push(entry);
        offsets.push(at);
        if wide {
            if entries.len() >= usize::from(count) {
                return Err(c.err(
                    at,
                    "a Long or Double constant takes the last constant pool slot and the one after it",
                ));
            }
            entries.push(Constant::Unusable);
            offsets.push(at);
        }
    }
    Ok((ConstantPool { entries }, offsets))
}

/// Checks that every index inside the constant pool names an entry of the right kind.
fn check_constant_pool(cp: &ConstantPool, offsets: &[usize]) -> Result<(), ClassFormatError> {
    for (i, (entry, &at)) in cp.entries.iter().zip(offsets).enumerate() {
        let bad = |e: String| ClassFormatError::at(at, format!("constant pool entry {i}: {e}"));
        match entry {
            Constant::Class { name_index }
            | Constant::Module { name_index }
            | Constant::Package { name_index } => {
                cp.utf8(*name_index).map_err(bad)?;
            }
            Constant::String { string_index } => {
                cp.utf8(*string_index).map_err(bad)?;
            }
            Constant::MethodType { descriptor_index } => {
                cp.utf8(*descriptor_index).map_err(bad)?;
            }
            Constant::Fieldref {
                class_index,
                name_and_type_index,
            }
            | Constant::Methodref {
                class_index,
                name_and_type_index,
            }
            | Constant::InterfaceMethodref {
                class_index,
                name_and_type_index,
            } => {
                cp.class_name(*class_index).map_err(bad)?;
                cp.name_and_type(*name_and_type_index).map_err(bad)?;
            }
            Constant::NameAndType {
                name_index,
                descriptor_index,
            } => {
                cp.utf8(*name_index).map_err(bad)?;
                cp.utf8(*descriptor_index).map_err(bad)?;
            }
            Constant::Dynamic {
                name_and_type_index,
                ..
            }
            | Constant::InvokeDynamic {
                name_and_type_index,
                ..
            } => {
                cp.name_and_type(*name_and_type_index).map_err(bad)?;
            }
            Constant::MethodHandle {
                reference_kind,
                reference_index,
            } => {
                if !(1..=9).contains(reference_kind) {
                    return Err(bad(format!("reference_kind {reference_kind} is not 1..=9")));
                }
                cp.member_ref(*reference_index).map_err(bad)?;
            }
            Constant::Unusable
            | Constant::Utf8(_)
            | Constant::Integer(_)
            | Constant::Float(_)
            | Constant::Long(_)
            | Constant::Double(_) => {}
        }
    }
    Ok(())
}

/// Reads `attribute_name_index`, `attribute_length` and `info`; returns the name, the offset
/// of the attribute and its `info`.
fn read_attribute<'a, 'p>(
    c: &mut Cursor<'a>,
    cp: &'p ConstantPool,
) -> Result<(&'p str, usize, &'a [u8]), ClassFormatError> {
    let at = c.pos();
    let name_index = c.u2("attribute_name_index")?;
    let name = cp
        .utf8(name_index)
        .map_err(|e| c.err(at, format!("attribute name: {e}")))?;
    let len = c.u4("attribute_length")?;
    let len = usize::try_from(len).map_err(|_| c.err(at, "attribute_length too large"))?;
    let info = c.bytes(len, name)?;
    Ok((name, at, info))
}

fn utf8_at(c: &mut Cursor<'_>, cp: &ConstantPool, what: &str) -> Result<String, ClassFormatError> {
    let at = c.pos();
    let i = c.u2(what)?;
    cp.utf8(i)
        .map(str::to_owned)
        .map_err(|e| c.err(at, format!("{what}: {e}")))
}

fn read_field(c: &mut Cursor<'_>, cp: &ConstantPool) -> Result<FieldInfo, ClassFormatError> {
    let access_flags = c.u2("field access_flags")?;
    let name = utf8_at(c, cp, "field name_index")?;
    let descriptor = utf8_at(c, cp, "field descriptor_index")?;
    let count = c.u2("field attributes_count")?;
    let mut constant_value = None;
    let mut other_attributes = Vec::new();
    for _ in 0..count {
        let (attr, offset, info) = read_attribute(c, cp)?;
        if attr == "ConstantValue" {
            let mut a = Cursor::new(info, offset.saturating_add(6));
            let at = a.pos();
            let i = a.u2("constantvalue_index")?;
            a.finish("ConstantValue")?;
            let value = match cp.get(i) {
                Some(Constant::Integer(v)) => ConstantValue::Int(*v),
                Some(Constant::Long(v)) => ConstantValue::Long(*v),
                Some(Constant::Float(v)) => ConstantValue::Float(*v),
                Some(Constant::Double(v)) => ConstantValue::Double(*v),
                Some(Constant::String { string_index }) => ConstantValue::String(
                    cp.utf8(*string_index).map_err(|e| a.err(at, e))?.to_owned(),
                ),
                Some(other) => {
                    return Err(a.err(
                        at,
                        format!(
                            "ConstantValue of field {name}: {} is not a constant value",
                            other.kind_name()
                        ),
                    ))
                }
                None => {
                    return Err(a.err(
                        at,
                        format!("ConstantValue of field {name}: index {i} out of range"),
                    ))
                }
            };
            constant_value = Some(value);
        } else {
            other_attributes.push(RawAttribute {
                name: attr.to_owned(),
                offset,
                info: info.to_vec(),
            });
        }
    }
    Ok(FieldInfo {
        access_flags,
        name,
        descriptor,
        constant_value,
        other_attributes,
    })
}

fn read_method(c: &mut Cursor<'_>, cp: &ConstantPool) -> Result<MethodInfo, ClassFormatError> {
    let access_flags = c.u2("method access_flags")?;
    let name = utf8_at(c, cp, "method name_index")?;
    let descriptor = utf8_at(c, cp, "method descriptor_index")?;
    let count = c.u2("method attributes_count")?;
    let mut code = None;
    let mut other_attributes = Vec::new();
    for _ in 0..count {
        let (attr, offset, info) = read_attribute(c, cp)?;
        if attr == "Code" {
            if code.is_some() {
                return Err(c.err(
                    offset,
                    format!("method {name}{descriptor}: two Code attributes"),
                ));
            }
            let mut a = Cursor::new(info, offset.saturating_add(6));
            code = Some(read_code(&mut a, cp)?);
            a.finish("Code")?;
        } else {
            other_attributes.push(RawAttribute {
                name: attr.to_owned(),
                offset,
                info: info.to_vec(),
            });
        }
    }
    Ok(MethodInfo {
        access_flags,
        name,
        descriptor,
        code,
        other_attributes,
    })
}

fn read_code(c: &mut Cursor<'_>, cp: &ConstantPool) -> Result<Code, ClassFormatError> {
    let max_stack = c.u2("max_stack")?;
    let max_locals = c.u2("max_locals")?;
    let at = c.pos();
    let len = c.u4("code_length")?;
    if len == 0 || len > 0xFFFF {
        return Err(c.err(at, format!("code_length {len} is not 1..=65535")));
    }
    let code_offset = c.pos();
    let code = c
        .bytes(usize::try_from(len).unwrap_or(usize::MAX), "code")?
        .to_vec();
    let code_len = code.len();
    let count = c.u2("exception_table_length")?;
    let mut exception_table = Vec::with_capacity(usize::from(count));
    for i in 0..count {
        let at = c.pos();
        let e = ExceptionTableEntry {
            start_pc: c.u2("start_pc")?,
            end_pc: c.u2("end_pc")?,
            handler_pc: c.u2("handler_pc")?,
            catch_type: c.u2("catch_type")?,
        };
        if e.start_pc >= e.end_pc
            || usize::from(e.end_pc) > code_len
            || usize::from(e.handler_pc) >= code_len
        {
            return Err(c.err(
                at,
                format!(
                    "exception table entry {i}: range {}..{} or handler {} outside the {code_len} bytes of code",
                    e.start_pc, e.end_pc, e.handler_pc
                ),
            ));
        }
        if e.catch_type != 0 {
            cp.class_name(e.catch_type)
                .map_err(|m| c.err(at, format!("exception table entry {i}: {m}")))?;
        }
        exception_table.push(e);
    }
    let mut line_numbers = Vec::new();
    let mut local_variables = Vec::new();
    let mut stack_map_frames = None;
    let mut other_attributes = Vec::new();
    let count = c.u2("Code attributes_count")?;
    for _ in 0..count {
        let (name, offset, info) = read_attribute(c, cp)?;
        let mut a = Cursor::new(info, offset.saturating_add(6));
        match name {
            "LineNumberTable" => {
                let n = a.u2("line_number_table_length")?;
                for _ in 0..n {
                    let at = a.pos();
                    let l = LineNumber {
                        start_pc: a.u2("start_pc")?,
                        line_number: a.u2("line_number")?,
                    };
                    if usize::from(l.start_pc) >= code_len {
                        return Err(a.err(
                            at,
                            format!("line number start_pc {} beyond the code", l.start_pc),
                        ));
                    }
                    line_numbers.push(l);
                }
                a.finish("LineNumberTable")?;
            }
            "LocalVariableTable" => {
                let n = a.u2("local_variable_table_length")?;
                for _ in 0..n {
                    let start_pc = a.u2("start_pc")?;
                    let length = a.u2("length")?;
                    let name = utf8_at(&mut a, cp, "local variable name_index")?;
                    let descriptor = utf8_at(&mut a, cp, "local variable descriptor_index")?;
                    let index = a.u2("index")?;
                    local_variables.push(LocalVariable {
                        start_pc,
                        length,
                        name,
                        descriptor,
                        index,
                    });
                }
                a.finish("LocalVariableTable")?;
            }
            "StackMapTable" => {
                // The frames only serve the JVM's type checker; the converter computes its own
                // types, so only the count is kept.
                stack_map_frames = Some(a.u2("number_of_entries")?);
            }
            _ => other_attributes.push(RawAttribute {
                name: name.to_owned(),
                offset,
                info: info.to_vec(),
            }),
        }
    }
    line_numbers.sort_by_key(|l| l.start_pc);
    Ok(Code {
        max_stack,
        max_locals,
        code,
        code_offset,
        exception_table,
        line_numbers,
        local_variables,
        stack_map_frames,
        other_attributes,
    })
}

fn read_inner_classes(
    a: &mut Cursor<'_>,
    cp: &ConstantPool,
) -> Result<Vec<InnerClass>, ClassFormatError> {
    let n = a.u2("number_of_classes")?;
    let mut out = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let at = a.pos();
        let inner = a.u2("inner_class_info_index")?;
        let outer = a.u2("outer_class_info_index")?;
        let name = a.u2("inner_name_index")?;
        let access_flags = a.u2("inner_class_access_flags")?;
        let bad = |e: String| ClassFormatError::at(at, format!("InnerClasses: {e}"));
        out.push(InnerClass {
            inner_class: cp.class_name(inner).map_err(bad)?.to_owned(),
            outer_class: if outer == 0 {
                None
            } else {
                Some(cp.class_name(outer).map_err(bad)?.to_owned())
            },
            inner_name: if name == 0 {
                None
            } else {
                Some(cp.utf8(name).map_err(bad)?.to_owned())
            },
            access_flags,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf8_forms() {
        assert_eq!(modified_utf8(b"abc").unwrap(), "abc");
        // U+0000 as C0 80, U+00E9 as C3 A9, U+20AC as E2 82 AC.
        assert_eq!(
            modified_utf8(&[0xC0, 0x80, 0xC3, 0xA9, 0xE2, 0x82, 0xAC]).unwrap(),
            "\u{0}\u{e9}\u{20ac}"
        );
        // U+1F600 as a surrogate pair, each surrogate in three bytes.
        assert_eq!(
            modified_utf8(&[0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]).unwrap(),
            "\u{1F600}"
        );
        assert!(modified_utf8(&[0x00]).is_err(), "raw NUL");
        assert!(modified_utf8(&[0xE2, 0x82]).is_err(), "cut short");
        assert!(
            modified_utf8(&[0xF0, 0x9F, 0x98, 0x80]).is_err(),
            "four-byte form"
        );
    }
}
