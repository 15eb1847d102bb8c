//! The Debug component (§6.14, format 2.2): names, source lines and local variables for
//! off-card debugging. Strings are referred to by index into `strings_table`.

use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// `field_debug_info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDebugInfo {
    /// Field name (string index).
    pub name_index: u16,
    /// Field type descriptor (string index).
    pub descriptor_index: u16,
    /// Java access flags.
    pub access_flags: u16,
    /// `contents`: the instance field token in the low byte, the static field image
    /// location in the low half, or a constant's value, depending on the field kind.
    pub contents: u32,
}

/// `variable_info`: one local variable's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariableInfo {
    /// Local variable index.
    pub index: u8,
    /// Variable name (string index).
    pub name_index: u16,
    /// Variable type (string index).
    pub descriptor_index: u16,
    /// First bytecode offset (from the start of the method's bytecodes) where it is live.
    pub start_pc: u16,
    /// Bytes of bytecode it stays live for.
    pub length: u16,
}

/// `line_info`: bytecodes of one source line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInfo {
    /// First bytecode offset.
    pub start_pc: u16,
    /// Last bytecode offset (inclusive).
    pub end_pc: u16,
    /// Source line number.
    pub source_line: u16,
}

/// `method_debug_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodDebugInfo {
    /// Method name (string index).
    pub name_index: u16,
    /// Method descriptor (string index).
    pub descriptor_index: u16,
    /// Java access flags.
    pub access_flags: u16,
    /// Offset of the `method_info` in the Method component (0 if abstract).
    pub location: u16,
    /// Method header size in bytes (0 if abstract).
    pub header_size: u8,
    /// Bytecode size (0 if abstract).
    pub body_size: u16,
    /// Local variables.
    pub variable_table: Vec<VariableInfo>,
    /// Line numbers.
    pub line_table: Vec<LineInfo>,
}

/// `class_debug_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDebugInfo {
    /// Fully qualified class name (string index).
    pub name_index: u16,
    /// Access flags (Java ones plus `ACC_REMOTE` 0x20 and `ACC_SHAREABLE` 0x800).
    pub access_flags: u16,
    /// Offset of the class or interface in the Class component.
    pub location: u16,
    /// Superclass name (string index).
    pub superclass_name_index: u16,
    /// Source file name (string index).
    pub source_file_index: u16,
    /// Names of implemented interfaces (string indices).
    pub interface_names_indexes: Vec<u16>,
    /// Fields.
    pub fields: Vec<FieldDebugInfo>,
    /// Methods.
    pub methods: Vec<MethodDebugInfo>,
}

/// `debug_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugComponent {
    /// Every string the component uses (UTF-8 bytes as stored).
    pub strings_table: Vec<Vec<u8>>,
    /// Fully qualified package name (string index).
    pub package_name_index: u16,
    /// Classes.
    pub classes: Vec<ClassDebugInfo>,
}

impl DebugComponent {
    /// String `index`, lossily decoded.
    pub fn string(&self, index: u16) -> Option<String> {
        self.strings_table
            .get(usize::from(index))
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::DEBUG, info);
        let string_count = r.u2("string_count")?;
        r.check_table(usize::from(string_count), 2, "strings_table")?;
        let mut strings_table = Vec::with_capacity(usize::from(string_count));
        for _ in 0..string_count {
            let len = r.u2("utf8_info length")?;
            strings_table.push(r.bytes(usize::from(len), "utf8_info bytes")?.to_vec());
        }
        let mut indices: Vec<(usize, u16)> = Vec::new();
        let mut string = |r: &mut Reader<'_>, item: &'static str| -> Result<u16, CapError> {
            let at = r.offset();
            let v = r.u2(item)?;
            indices.push((at, v));
            Ok(v)
        };
        let package_name_index = string(&mut r, "package_name_index")?;
        let class_count = r.u2("class_count")?;
        r.check_table(usize::from(class_count), 15, "classes")?;
        let mut classes = Vec::with_capacity(usize::from(class_count));
        for _ in 0..class_count {
            let name_index = string(&mut r, "class name_index")?;
            let access_flags = r.u2("class access_flags")?;
            let location = r.u2("class location")?;
            let superclass_name_index = string(&mut r, "superclass_name_index")?;
            let source_file_index = string(&mut r, "source_file_index")?;
            let interface_count = r.u1("interface_count")?;
            let field_count = r.u2("field_count")?;
            let method_count = r.u2("method_count")?;
            let mut interface_names_indexes = Vec::with_capacity(usize::from(interface_count));
            for _ in 0..interface_count {
                interface_names_indexes.push(string(&mut r, "interface_names_indexes")?);
            }
            r.check_table(usize::from(field_count), 10, "fields")?;
            let mut fields = Vec::with_capacity(usize::from(field_count));
            for _ in 0..field_count {
                let name_index = string(&mut r, "field name_index")?;
                let descriptor_index = string(&mut r, "field descriptor_index")?;
                let access_flags = r.u2("field access_flags")?;
                let hi = r.u2("field contents")?;
                let lo = r.u2("field contents")?;
                fields.push(FieldDebugInfo {
                    name_index,
                    descriptor_index,
                    access_flags,
                    contents: (u32::from(hi) << 16) | u32::from(lo),
                });
            }
            r.check_table(usize::from(method_count), 15, "methods")?;
            let mut methods = Vec::with_capacity(usize::from(method_count));
            for _ in 0..method_count {
                let name_index = string(&mut r, "method name_index")?;
                let descriptor_index = string(&mut r, "method descriptor_index")?;
                let access_flags = r.u2("method access_flags")?;
                let location = r.u2("method location")?;
                let header_size = r.u1("header_size")?;
                let body_size = r.u2("body_size")?;
                let variable_count = r.u2("variable_count")?;
                let line_count = r.u2("line_count")?;
                r.check_table(usize::from(variable_count), 9, "variable_table")?;
                let mut variable_table = Vec::with_capacity(usize::from(variable_count));
                for _ in 0..variable_count {
                    let index = r.u1("variable index")?;
                    let name_index = string(&mut r, "variable name_index")?;
                    let descriptor_index = string(&mut r, "variable descriptor_index")?;
                    variable_table.push(VariableInfo {
                        index,
                        name_index,
                        descriptor_index,
                        start_pc: r.u2("start_pc")?,
                        length: r.u2("length")?,
                    });
                }
                r.check_table(usize::from(line_count), 6, "line_table")?;
                let mut line_table = Vec::with_capacity(usize::from(line_count));
                for _ in 0..line_count {
                    line_table.push(LineInfo {
                        start_pc: r.u2("start_pc")?,
                        end_pc: r.u2("end_pc")?,
                        source_line: r.u2("source_line")?,
                    });
                }
                methods.push(MethodDebugInfo {
                    name_index,
                    descriptor_index,
                    access_flags,
                    location,
                    header_size,
                    body_size,
                    variable_table,
                    line_table,
                });
            }
            classes.push(ClassDebugInfo {
                name_index,
                access_flags,
                location,
                superclass_name_index,
                source_file_index,
                interface_names_indexes,
                fields,
                methods,
            });
        }
        r.finish()?;
        for (at, v) in indices {
            if usize::from(v) >= strings_table.len() {
                return Err(r.error_at(
                    at,
                    format!(
                        "string index {v} beyond string_count {}",
                        strings_table.len()
                    ),
                ));
            }
        }
        Ok(DebugComponent {
            strings_table,
            package_name_index,
            classes,
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::DEBUG);
        w.count_u2(self.strings_table.len(), "string_count");
        for s in &self.strings_table {
            w.count_u2(s.len(), "utf8_info length");
            w.bytes(s);
        }
        w.u2(self.package_name_index);
        w.count_u2(self.classes.len(), "class_count");
        for c in &self.classes {
            w.u2(c.name_index);
            w.u2(c.access_flags);
            w.u2(c.location);
            w.u2(c.superclass_name_index);
            w.u2(c.source_file_index);
            w.count_u1(c.interface_names_indexes.len(), u8::MAX, "interface_count");
            w.count_u2(c.fields.len(), "field_count");
            w.count_u2(c.methods.len(), "method_count");
            for i in &c.interface_names_indexes {
                w.u2(*i);
            }
            for f in &c.fields {
                w.u2(f.name_index);
                w.u2(f.descriptor_index);
                w.u2(f.access_flags);
                w.bytes(&f.contents.to_be_bytes());
            }
            for m in &c.methods {
                w.u2(m.name_index);
                w.u2(m.descriptor_index);
                w.u2(m.access_flags);
                w.u2(m.location);
                w.u1(m.header_size);
                w.u2(m.body_size);
                w.count_u2(m.variable_table.len(), "variable_count");
                w.count_u2(m.line_table.len(), "line_count");
                for v in &m.variable_table {
                    w.u1(v.index);
                    w.u2(v.name_index);
                    w.u2(v.descriptor_index);
                    w.u2(v.start_pc);
                    w.u2(v.length);
                }
                for l in &m.line_table {
                    w.u2(l.start_pc);
                    w.u2(l.end_pc);
                    w.u2(l.source_line);
                }
            }
        }
        w.finish()
    }
}
