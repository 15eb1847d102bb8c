//! The ReferenceLocation component (§6.11): where in the Method component the bytecodes hold
//! constant pool indices, so a linker can rewrite them. Each list is stored as deltas from the
//! previous location; a delta byte of 255 adds 255 and continues to the next byte.

use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// `reference_location_component`, with the offset lists decoded to absolute Method component
/// offsets (they are delta-encoded again on writing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceLocationComponent {
    /// Offsets of one-byte constant pool indices.
    pub offsets_to_byte_indices: Vec<u16>,
    /// Offsets of two-byte constant pool indices.
    pub offsets_to_byte2_indices: Vec<u16>,
}

fn read_list(r: &mut Reader<'_>, item: &'static str) -> Result<Vec<u16>, CapError> {
    let count = r.u2(item)?;
    let start = r.offset();
    let deltas = r.bytes(usize::from(count), item)?;
    let mut out = Vec::new();
    let mut at: u32 = 0;
    let mut continued = false;
    for (i, d) in deltas.iter().enumerate() {
        let pos = start.saturating_add(i);
        at = at.saturating_add(u32::from(*d));
        if at > 0xFFFF {
            return Err(r.error_at(pos, format!("{item}: offset {at:#x} beyond 0xFFFF")));
        }
        if *d == 255 {
            continued = true;
            continue;
        }
        if *d == 0 && !continued {
            return Err(r.error_at(pos, format!("{item}: zero delta repeats offset {at:#06x}")));
        }
        continued = false;
        out.push(u16::try_from(at).unwrap_or(u16::MAX));
    }
    if continued {
        return Err(r.error_at(
            start.saturating_add(deltas.len()).saturating_sub(1),
            format!("{item}: list ends inside a 255 continuation"),
        ));
    }
    Ok(out)
}

fn write_list(w: &mut Writer, offsets: &[u16], item: &str) {
    let mut deltas = Vec::with_capacity(offsets.len());
    let mut prev: u16 = 0;
    for &o in offsets {
        let Some(mut d) = o.checked_sub(prev) else {
            w.fail(format!(
                "{item}: offsets not ascending ({o:#06x} after {prev:#06x})"
            ));
            return;
        };
        if d == 0 {
            w.fail(format!("{item}: offset {o:#06x} repeated"));
            return;
        }
        while d >= 255 {
            deltas.push(255);
            d = d.saturating_sub(255);
        }
        deltas.push(u8::try_from(d).unwrap_or(0));
        prev = o;
    }
    w.count_u2(deltas.len(), item);
    w.bytes(&deltas);
}

impl ReferenceLocationComponent {
    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::REFERENCE_LOCATION, info);
        let offsets_to_byte_indices = read_list(&mut r, "offsets_to_byte_indices")?;
        let offsets_to_byte2_indices = read_list(&mut r, "offsets_to_byte2_indices")?;
        r.finish()?;
        Ok(ReferenceLocationComponent {
            offsets_to_byte_indices,
            offsets_to_byte2_indices,
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::REFERENCE_LOCATION);
        write_list(&mut w, &self.offsets_to_byte_indices, "byte_index_count");
        write_list(&mut w, &self.offsets_to_byte2_indices, "byte2_index_count");
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_with_255_continuation() {
        // Offsets 0x0010, 0x0010 + 255 = 0x010F (delta 255 = 255, 0), 0x010F + 300 = 0x023B
        // (255, 45); no two-byte indices.
        let info = [0x00, 0x05, 0x10, 0xFF, 0x00, 0xFF, 0x2D, 0x00, 0x00];
        let rl = ReferenceLocationComponent::parse(&info).unwrap();
        assert_eq!(rl.offsets_to_byte_indices, vec![0x0010, 0x010F, 0x023B]);
        assert!(rl.offsets_to_byte2_indices.is_empty());
        assert_eq!(rl.info_bytes().unwrap(), info);
    }

    #[test]
    fn malformed_delta_lists() {
        let e =
            ReferenceLocationComponent::parse(&[0x00, 0x02, 0x10, 0x00, 0x00, 0x00]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ReferenceLocation component, offset 0x3: offsets_to_byte_indices: zero delta repeats offset 0x0010"
        );
        let e = ReferenceLocationComponent::parse(&[0x00, 0x01, 0xFF, 0x00, 0x00]).unwrap_err();
        assert!(
            e.to_string().contains("ends inside a 255 continuation"),
            "{e}"
        );
        let mut over = vec![0x01, 0x02];
        over.extend_from_slice(&[0xFF; 0x102]);
        over.extend_from_slice(&[0x00, 0x00]);
        let e = ReferenceLocationComponent::parse(&over).unwrap_err();
        assert!(e.to_string().contains("beyond 0xFFFF"), "{e}");
        let bad = ReferenceLocationComponent {
            offsets_to_byte_indices: vec![5, 3],
            offsets_to_byte2_indices: vec![],
        };
        assert!(bad.info_bytes().is_err());
    }
}
