//! The Export component (§6.12): what other packages may link to.

use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// `class_export_info`: one public class or interface and its exported static members; the
/// position in `class_exports` is the class token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassExportInfo {
    /// Offset of the class or interface in the Class component.
    pub class_offset: u16,
    /// Static field image offsets, by static field token.
    pub static_field_offsets: Vec<u16>,
    /// Method component offsets, by static method token.
    pub static_method_offsets: Vec<u16>,
}

/// `export_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportComponent {
    /// Exported classes by class token.
    pub class_exports: Vec<ClassExportInfo>,
}

impl ExportComponent {
    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::EXPORT, info);
        let count = r.u1("class_count")?;
        r.check_table(usize::from(count), 4, "class_exports")?;
        let mut class_exports = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let class_offset = r.u2("class_offset")?;
            let nf = r.u1("static_field_count")?;
            let nm = r.u1("static_method_count")?;
            let mut static_field_offsets = Vec::with_capacity(usize::from(nf));
            for _ in 0..nf {
                static_field_offsets.push(r.u2("static_field_offsets")?);
            }
            let mut static_method_offsets = Vec::with_capacity(usize::from(nm));
            for _ in 0..nm {
                static_method_offsets.push(r.u2("static_method_offsets")?);
            }
            class_exports.push(ClassExportInfo {
                class_offset,
                static_field_offsets,
                static_method_offsets,
            });
        }
        r.finish()?;
        Ok(ExportComponent { class_exports })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::EXPORT);
        w.count_u1(self.class_exports.len(), u8::MAX, "class_count");
        for c in &self.class_exports {
            w.u2(c.class_offset);
            w.count_u1(c.static_field_offsets.len(), u8::MAX, "static_field_count");
            w.count_u1(
                c.static_method_offsets.len(),
                u8::MAX,
                "static_method_count",
            );
            for o in c
                .static_field_offsets
                .iter()
                .chain(&c.static_method_offsets)
            {
                w.u2(*o);
            }
        }
        w.finish()
    }
}
