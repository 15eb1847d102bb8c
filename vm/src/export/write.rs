//! The export file writer: the exact inverse of the parser for every file it accepts.

use super::error::{ExportError, ExportErrorKind};
use super::model::{Attribute, ClassInfo, Constant, ExportFile, FieldInfo, MAGIC};

/// Output buffer with count fields checked against their encoded width.
struct Out(Vec<u8>);

impl Out {
    fn u1(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u2(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u4(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn count_u1(&mut self, what: &'static str, n: usize) -> Result<(), ExportError> {
        let v = u8::try_from(n).map_err(|_| too_many(what, n, usize::from(u8::MAX)))?;
        self.u1(v);
        Ok(())
    }
    fn count_u2(&mut self, what: &'static str, n: usize) -> Result<(), ExportError> {
        let v = u16::try_from(n).map_err(|_| too_many(what, n, usize::from(u16::MAX)))?;
        self.u2(v);
        Ok(())
    }
}

fn too_many(what: &'static str, count: usize, max: usize) -> ExportError {
    ExportError::model(ExportErrorKind::TooMany { what, count, max })
}

pub(super) fn export_file(file: &ExportFile) -> Result<Vec<u8>, ExportError> {
    let format = file.format;
    let needs_2_3 = |what| {
        ExportError::model(ExportErrorKind::NeedsFormat23 {
            what,
            major: format.major,
            minor: format.minor,
        })
    };
    if !format.is_2_3() {
        if !file.referenced_packages.is_empty() {
            return Err(needs_2_3("referenced_packages"));
        }
        if file
            .classes
            .iter()
            .any(|c| c.cap22_inheritable_public_method_token_count != 0)
        {
            return Err(needs_2_3("CAP22_inheritable_public_method_token_count"));
        }
    }
    let mut out = Out(Vec::new());
    out.u4(MAGIC);
    out.u1(format.minor);
    out.u1(format.major);
    out.count_u2("constant_pool", file.constant_pool.len())?;
    for constant in &file.constant_pool {
        constant_info(&mut out, constant)?;
    }
    out.u2(file.this_package);
    if format.is_2_3() {
        out.count_u1("referenced_packages", file.referenced_packages.len())?;
        for p in &file.referenced_packages {
            out.u2(*p);
        }
    }
    out.count_u1("classes", file.classes.len())?;
    for class in &file.classes {
        class_info(&mut out, class, format.is_2_3())?;
    }
    Ok(out.0)
}

fn constant_info(out: &mut Out, constant: &Constant) -> Result<(), ExportError> {
    out.u1(constant.kind().tag());
    match constant {
        Constant::Utf8(s) => {
            out.count_u2("CONSTANT_Utf8 bytes", s.len())?;
            out.0.extend_from_slice(s.as_bytes());
        }
        Constant::Integer(v) => out.0.extend_from_slice(&v.to_be_bytes()),
        Constant::ClassRef { name_index } => out.u2(*name_index),
        Constant::Package(p) => {
            out.u1(p.flags);
            out.u2(p.name_index);
            out.u1(p.minor_version);
            out.u1(p.major_version);
            out.count_u1("CONSTANT_Package aid", p.aid.len())?;
            out.0.extend_from_slice(&p.aid);
        }
    }
    Ok(())
}

fn class_info(out: &mut Out, class: &ClassInfo, format_2_3: bool) -> Result<(), ExportError> {
    out.u1(class.token);
    out.u2(class.access_flags);
    out.u2(class.name_index);
    out.count_u2("supers", class.supers.len())?;
    for s in &class.supers {
        out.u2(*s);
    }
    out.count_u1("interfaces", class.interfaces.len())?;
    for i in &class.interfaces {
        out.u2(*i);
    }
    out.count_u2("fields", class.fields.len())?;
    for f in &class.fields {
        field_info(out, f)?;
    }
    out.count_u2("methods", class.methods.len())?;
    for m in &class.methods {
        out.u1(m.token);
        out.u2(m.access_flags);
        out.u2(m.name_index);
        out.u2(m.descriptor_index);
    }
    if format_2_3 {
        out.u1(class.cap22_inheritable_public_method_token_count);
    }
    Ok(())
}

fn field_info(out: &mut Out, field: &FieldInfo) -> Result<(), ExportError> {
    out.u1(field.token);
    out.u2(field.access_flags);
    out.u2(field.name_index);
    out.u2(field.descriptor_index);
    out.count_u2("attributes", field.attributes.len())?;
    for a in &field.attributes {
        match a {
            Attribute::ConstantValue {
                name_index,
                value_index,
            } => {
                out.u2(*name_index);
                out.u4(2);
                out.u2(*value_index);
            }
            Attribute::Other { name_index, info } => {
                out.u2(*name_index);
                let len = u32::try_from(info.len())
                    .map_err(|_| too_many("attribute info", info.len(), u32::MAX as usize))?;
                out.u4(len);
                out.0.extend_from_slice(info);
            }
        }
    }
    Ok(())
}
