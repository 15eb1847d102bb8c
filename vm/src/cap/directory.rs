//! The Directory component (§6.4).

use super::common::{Aid, CapFormat};
use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// `static_field_size_info`: the sizes the StaticField component must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StaticFieldSizeInfo {
    /// Bytes in the static field image.
    pub image_size: u16,
    /// Number of `array_init_info` entries.
    pub array_init_count: u16,
    /// Total bytes of all `array_init_info` `values`.
    pub array_init_size: u16,
}

/// `custom_component_info`: a custom component's tag, size and AID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomComponentInfo {
    /// The custom component's tag (128–255).
    pub component_tag: u8,
    /// Its `size` item.
    pub size: u16,
    /// Its AID.
    pub aid: Aid,
}

/// `directory_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryComponent {
    /// Size of each standard component by tag minus one (11 entries in format 2.1, where the
    /// Debug component does not exist; 12 from 2.2). Zero for absent optional components.
    pub component_sizes: Vec<u16>,
    /// Sizes of the static field image and its array initialisers.
    pub static_field_size: StaticFieldSizeInfo,
    /// Number of imported packages.
    pub import_count: u8,
    /// Number of applets.
    pub applet_count: u8,
    /// The custom components.
    pub custom_components: Vec<CustomComponentInfo>,
}

impl DirectoryComponent {
    /// The size recorded for a standard component (zero if the entry does not exist).
    pub fn size_of(&self, tag: ComponentTag) -> u16 {
        tag.directory_index()
            .and_then(|i| self.component_sizes.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// Parses the `info` item of a CAP file of `format`.
    pub fn parse(info: &[u8], format: CapFormat) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::DIRECTORY, info);
        let n = format.directory_sizes();
        let mut component_sizes = Vec::with_capacity(n);
        for _ in 0..n {
            component_sizes.push(r.u2("component_sizes")?);
        }
        let static_field_size = StaticFieldSizeInfo {
            image_size: r.u2("static_field_size image_size")?,
            array_init_count: r.u2("static_field_size array_init_count")?,
            array_init_size: r.u2("static_field_size array_init_size")?,
        };
        let import_count = r.u1("import_count")?;
        let applet_count = r.u1("applet_count")?;
        let custom_count = r.u1("custom_count")?;
        r.check_table(usize::from(custom_count), 9, "custom_components")?;
        let mut custom_components = Vec::with_capacity(usize::from(custom_count));
        for _ in 0..custom_count {
            let at = r.offset();
            let component_tag = r.u1("custom component_tag")?;
            if component_tag < 128 {
                return Err(r.error_at(
                    at,
                    format!("custom component_tag {component_tag} is not in 128..=255"),
                ));
            }
            let size = r.u2("custom component size")?;
            let aid = Aid::read(&mut r)?;
            custom_components.push(CustomComponentInfo {
                component_tag,
                size,
                aid,
            });
        }
        r.finish()?;
        if import_count > 128 {
            return Err(r.error_at(
                n.saturating_mul(2).saturating_add(6),
                format!("import_count {import_count} is more than 128"),
            ));
        }
        Ok(DirectoryComponent {
            component_sizes,
            static_field_size,
            import_count,
            applet_count,
            custom_components,
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::DIRECTORY);
        for s in &self.component_sizes {
            w.u2(*s);
        }
        w.u2(self.static_field_size.image_size);
        w.u2(self.static_field_size.array_init_count);
        w.u2(self.static_field_size.array_init_size);
        w.u1(self.import_count);
        w.u1(self.applet_count);
        w.count_u1(self.custom_components.len(), u8::MAX, "custom_count");
        for c in &self.custom_components {
            w.u1(c.component_tag);
            w.u2(c.size);
            c.aid.write(&mut w);
        }
        w.finish()
    }
}
