//! The static field image (JCVM 3.0.5 §6.10): reference fields first (the first ones
//! initialised with arrays), then primitive fields with default and non-default values.

use super::{Linker, LoadError, LoadErrorKind};
use crate::cap::static_field::{TYPE_BOOLEAN, TYPE_BYTE, TYPE_INT, TYPE_SHORT};
use crate::heap::{ArrayData, StaticImage};

/// The initial image and the arrays to create for the initialised reference fields.
pub(super) fn image(l: &Linker<'_>) -> Result<(StaticImage, Vec<(u16, ArrayData)>), LoadError> {
    let sf = &l.cap.static_field;
    let image = StaticImage {
        refs: vec![0; usize::from(sf.reference_count)],
        bytes: sf.initial_image(),
    };
    let mut arrays = Vec::new();
    for (i, init) in sf.array_init.iter().enumerate() {
        let index = u16::try_from(i)
            .ok()
            .filter(|&x| x < sf.reference_count)
            .ok_or_else(|| {
                l.err(
                    "StaticField component",
                    LoadErrorKind::Unresolved(format!(
                        "array_init {i} beyond the reference fields"
                    )),
                )
            })?;
        let v = &init.values;
        let data = match init.type_ {
            TYPE_BOOLEAN => ArrayData::Boolean(v.iter().map(|b| *b as i8).collect()),
            TYPE_BYTE => ArrayData::Byte(v.iter().map(|b| *b as i8).collect()),
            TYPE_SHORT => ArrayData::Short(
                v.chunks_exact(2)
                    .map(|c| i16::from_be_bytes([c[0], c[1]]))
                    .collect(),
            ),
            TYPE_INT => ArrayData::Int(
                v.chunks_exact(4)
                    .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            ),
            t => {
                return Err(l.err(
                    "StaticField component",
                    LoadErrorKind::Unresolved(format!("array_init {i} has element type {t}")),
                ))
            }
        };
        arrays.push((index, data));
    }
    Ok((image, arrays))
}
