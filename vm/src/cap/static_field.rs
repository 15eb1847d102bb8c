//! The StaticField component (§6.10): what it takes to build the static field image. The image
//! holds reference fields first (those with array initialisers first among them), then
//! primitive fields with default values, then primitive fields with non-default values.

use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// `array_init_info` element type: `boolean`.
pub const TYPE_BOOLEAN: u8 = 2;
/// `array_init_info` element type: `byte`.
pub const TYPE_BYTE: u8 = 3;
/// `array_init_info` element type: `short`.
pub const TYPE_SHORT: u8 = 4;
/// `array_init_info` element type: `int`.
pub const TYPE_INT: u8 = 5;

/// `array_init_info`: the initial contents of one static array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayInitInfo {
    /// Element type (2 boolean, 3 byte, 4 short, 5 int).
    pub type_: u8,
    /// The element values, big-endian, `count` bytes in all.
    pub values: Vec<u8>,
}

impl ArrayInitInfo {
    /// Bytes per element of this array's type.
    pub fn element_size(&self) -> Option<usize> {
        match self.type_ {
            TYPE_BOOLEAN | TYPE_BYTE => Some(1),
            TYPE_SHORT => Some(2),
            TYPE_INT => Some(4),
            _ => None,
        }
    }

    /// Java type text of the array (`[B`).
    pub fn type_name(&self) -> &'static str {
        match self.type_ {
            TYPE_BOOLEAN => "[Z",
            TYPE_BYTE => "[B",
            TYPE_SHORT => "[S",
            TYPE_INT => "[I",
            _ => "?",
        }
    }

    /// Number of elements.
    pub fn element_count(&self) -> usize {
        self.values
            .len()
            .checked_div(self.element_size().unwrap_or(1))
            .unwrap_or(0)
    }
}

/// `static_field_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFieldComponent {
    /// Bytes in the static field image.
    pub image_size: u16,
    /// Number of reference-type static fields (two bytes each, first in the image).
    pub reference_count: u16,
    /// Initialisers of the first `array_init.len()` reference fields.
    pub array_init: Vec<ArrayInitInfo>,
    /// Bytes of primitive fields that start at their default value (zero).
    pub default_value_count: u16,
    /// Initial bytes of the primitive fields with non-default values (last in the image).
    pub non_default_values: Vec<u8>,
}

impl StaticFieldComponent {
    /// Total bytes of all array initialiser values (`array_init_size` in the Directory).
    pub fn array_init_size(&self) -> usize {
        self.array_init
            .iter()
            .fold(0usize, |acc, a| acc.saturating_add(a.values.len()))
    }

    /// The initial static field image: null references, zeroed defaults, then the non-default
    /// values. Arrays named by `array_init` are created and stored in their reference slots
    /// when the package is linked.
    pub fn initial_image(&self) -> Vec<u8> {
        let zeros = usize::from(self.reference_count)
            .saturating_mul(2)
            .saturating_add(usize::from(self.default_value_count));
        let mut image = vec![0u8; zeros];
        image.extend_from_slice(&self.non_default_values);
        image
    }

    /// Offset in the image where the non-default primitive values start.
    pub fn non_default_offset(&self) -> usize {
        usize::from(self.reference_count)
            .saturating_mul(2)
            .saturating_add(usize::from(self.default_value_count))
    }

    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::STATIC_FIELD, info);
        let image_size = r.u2("image_size")?;
        let reference_count = r.u2("reference_count")?;
        let count_at = r.offset();
        let array_init_count = r.u2("array_init_count")?;
        if array_init_count > reference_count {
            return Err(r.error_at(
                count_at,
                format!(
                    "array_init_count {array_init_count} exceeds reference_count {reference_count}"
                ),
            ));
        }
        r.check_table(usize::from(array_init_count), 3, "array_init")?;
        let mut array_init = Vec::with_capacity(usize::from(array_init_count));
        for i in 0..array_init_count {
            let at = r.offset();
            let type_ = r.u1("array_init type")?;
            let count = r.u2("array_init count")?;
            let values = r.bytes(usize::from(count), "array_init values")?.to_vec();
            let a = ArrayInitInfo { type_, values };
            match a.element_size() {
                None => {
                    return Err(r.error_at(at, format!("array_init {i} type {type_} is not 2..=5")))
                }
                Some(n) if usize::from(count).checked_rem(n) != Some(0) => {
                    return Err(r.error_at(
                        at,
                        format!(
                        "array_init {i} count {count} is not a multiple of the element size {n}"
                    ),
                    ))
                }
                Some(_) => {}
            }
            array_init.push(a);
        }
        let default_value_count = r.u2("default_value_count")?;
        let ndv_at = r.offset();
        let ndv_count = r.u2("non_default_value_count")?;
        let non_default_values = r
            .bytes(usize::from(ndv_count), "non_default_values")?
            .to_vec();
        r.finish()?;
        let total = usize::from(reference_count)
            .saturating_mul(2)
            .saturating_add(usize::from(default_value_count))
            .saturating_add(usize::from(ndv_count));
        if total != usize::from(image_size) {
            return Err(r.error_at(
                ndv_at,
                format!(
                    "image_size {image_size} differs from 2 * reference_count + default_value_count + non_default_value_count = {total}"
                ),
            ));
        }
        Ok(StaticFieldComponent {
            image_size,
            reference_count,
            array_init,
            default_value_count,
            non_default_values,
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::STATIC_FIELD);
        w.u2(self.image_size);
        w.u2(self.reference_count);
        w.count_u2(self.array_init.len(), "array_init_count");
        for a in &self.array_init {
            w.u1(a.type_);
            w.count_u2(a.values.len(), "array_init count");
            w.bytes(&a.values);
        }
        w.u2(self.default_value_count);
        w.count_u2(self.non_default_values.len(), "non_default_value_count");
        w.bytes(&self.non_default_values);
        w.finish()
    }
}
