//! The Debug component (JCVM §6.14): names, source files, line numbers and local variables
//! for debuggers, in CAP format 2.2.

use std::collections::BTreeMap;

use jcos_vm::cap::{
    ClassDebugInfo, DebugComponent, FieldDebugInfo, LineInfo, MethodDebugInfo, VariableInfo,
};

use super::error::ConvertError;
use super::layout::MethodBuild;
use super::tokens::{is_constant, Tokens};
use super::world::{ClassId, World};
use crate::classfile::ConstantValue;

#[derive(Default)]
struct Strings {
    table: Vec<Vec<u8>>,
    index: BTreeMap<String, u16>,
}

impl Strings {
    fn get(&mut self, s: &str) -> Result<u16, ConvertError> {
        if let Some(i) = self.index.get(s) {
            return Ok(*i);
        }
        let i = u16::try_from(self.table.len())
            .map_err(|_| ConvertError::Limit("more than 65535 debug strings".into()))?;
        self.table.push(s.as_bytes().to_vec());
        self.index.insert(s.to_owned(), i);
        Ok(i)
    }
}

fn u16_of(v: usize) -> Result<u16, ConvertError> {
    u16::try_from(v).map_err(|_| ConvertError::Limit(format!("debug value {v} exceeds 65535")))
}

/// Builds the Debug component.
pub fn build(
    world: &World,
    tokens: &Tokens,
    methods: &[MethodBuild],
    class_offsets: &[u16],
    method_offsets: &BTreeMap<(usize, usize), u16>,
    bytecode_offsets: &BTreeMap<(usize, usize), usize>,
    static_offsets: &BTreeMap<(usize, usize), u16>,
) -> Result<DebugComponent, ConvertError> {
    let mut s = Strings::default();
    let package_name_index = s.get(&world.package)?;
    let mut classes = Vec::new();
    for (ci, c) in world.classes.iter().enumerate() {
        let t = tokens
            .classes
            .get(ci)
            .ok_or_else(|| ConvertError::Limit("tokens".into()))?;
        let mut access = c.cf.access_flags & 0x0611;
        if world.is_subtype_of(ClassId::Internal(ci), "javacard/framework/Shareable") {
            access |= 0x0800;
        }
        let mut fields = Vec::new();
        for (fi, f) in c.cf.fields.iter().enumerate() {
            let contents = if is_constant(f) {
                match f.constant_value {
                    Some(ConstantValue::Int(v)) => u32::from_ne_bytes(v.to_ne_bytes()),
                    _ => 0,
                }
            } else if f.is_static() {
                u32::from(static_offsets.get(&(ci, fi)).copied().unwrap_or(0))
            } else {
                u32::from(t.instance_fields.get(&f.name).copied().unwrap_or(0xFF))
            };
            fields.push(FieldDebugInfo {
                name_index: s.get(&f.name)?,
                descriptor_index: s.get(&f.descriptor)?,
                access_flags: f.access_flags & 0x1F,
                contents,
            });
        }
        let mut ms = Vec::new();
        for (mi, m) in c.cf.methods.iter().enumerate() {
            if m.name == "<clinit>" {
                continue;
            }
            let build = methods.iter().find(|b| b.class == ci && b.method == mi);
            let (location, header_size, body_size) = match (
                build,
                method_offsets.get(&(ci, mi)),
                bytecode_offsets.get(&(ci, mi)),
            ) {
                (Some(b), Some(o), Some(code_at)) => (
                    *o,
                    u8::try_from(code_at.saturating_sub(usize::from(*o))).unwrap_or(0),
                    u16_of(b.code.len())?,
                ),
                _ => (0, 0, 0),
            };
            let mut variable_table = Vec::new();
            let mut line_table = Vec::new();
            if let Some(b) = build {
                for (index, name, desc, start, len) in &b.variables {
                    variable_table.push(VariableInfo {
                        index: *index,
                        name_index: s.get(name)?,
                        descriptor_index: s.get(desc)?,
                        start_pc: u16_of(*start)?,
                        length: u16_of(*len)?,
                    });
                }
                for (k, (pc, line)) in b.lines.iter().enumerate() {
                    let end = b
                        .lines
                        .get(k.saturating_add(1))
                        .map_or(b.code.len(), |n| n.0);
                    if end <= *pc {
                        continue;
                    }
                    line_table.push(LineInfo {
                        start_pc: u16_of(*pc)?,
                        end_pc: u16_of(end.saturating_sub(1))?,
                        source_line: *line,
                    });
                }
            }
            ms.push(MethodDebugInfo {
                name_index: s.get(&m.name)?,
                descriptor_index: s.get(&m.descriptor)?,
                access_flags: m.access_flags & 0x0D1F,
                location,
                header_size,
                body_size,
                variable_table,
                line_table,
            });
        }
        let interface_names_indexes =
            c.cf.interfaces
                .iter()
                .map(|i| s.get(i))
                .collect::<Result<Vec<_>, _>>()?;
        classes.push(ClassDebugInfo {
            name_index: s.get(c.name())?,
            access_flags: access,
            location: class_offsets.get(ci).copied().unwrap_or(0),
            superclass_name_index: s.get(c.cf.super_class.as_deref().unwrap_or(""))?,
            source_file_index: s.get(c.cf.source_file.as_deref().unwrap_or(""))?,
            interface_names_indexes,
            fields,
            methods: ms,
        });
    }
    Ok(DebugComponent {
        strings_table: s.table,
        package_name_index,
        classes,
    })
}
