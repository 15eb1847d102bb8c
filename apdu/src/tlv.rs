//! BER-TLV (ISO 7816-4 clause 6.2 / ITU-T X.690): multi-byte tags, long-form lengths,
//! constructed objects.
//!
//! Parsing accepts what ISO 7816-4 allows: tags of one to three bytes, lengths in the short form
//! or the long forms `81` to `84`, and `00`/`FF` padding before, between and after objects.
//! Encoding writes every length in its shortest form and keeps tag bytes as they are, so a
//! parsed object re-encodes to its input unless that input was padded or used a longer length
//! form than needed.

use nom::bytes::complete::take;
use nom::number::complete::u8 as byte;
use std::fmt;
use thiserror::Error;

/// Deepest nesting of objects the parsers accept; top-level objects are at depth 1.
pub const MAX_DEPTH: usize = 32;
/// Longest tag field, in bytes (ISO 7816-4 clause 6.2).
pub const MAX_TAG_LEN: usize = 3;
/// Longest length field, in bytes (`84` followed by four bytes).
pub const MAX_LENGTH_FIELD_LEN: usize = 5;

/// Why bytes are not well-formed BER-TLV; every variant names the byte offset in the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TlvError {
    /// The input ends inside a tag or length field.
    #[error("input ends at offset {offset} inside a {field} field")]
    Truncated {
        /// Offset where a further byte was needed.
        offset: usize,
        /// `"tag"` or `"length"`.
        field: &'static str,
    },
    /// A tag starting with `00` or `FF`, which ISO 7816-4 reserves (as padding).
    #[error("byte {byte:02X} at offset {offset} cannot start a tag")]
    InvalidTagStart {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A tag number whose first subsequent byte is `80`, a leading zero X.690 forbids.
    #[error("tag at offset {offset} encodes its number with a leading zero (second byte 80)")]
    TagNotMinimal {
        /// Offset of the tag.
        offset: usize,
    },
    /// A tag field longer than three bytes.
    #[error("tag at offset {offset} is longer than {MAX_TAG_LEN} bytes")]
    TagTooLong {
        /// Offset of the tag.
        offset: usize,
    },
    /// The indefinite length form `80`, which ISO 7816-4 does not allow.
    #[error("indefinite length (80) at offset {offset} is not allowed")]
    IndefiniteLength {
        /// Offset of the length field.
        offset: usize,
    },
    /// A first length byte of `85` or more.
    #[error("length byte {byte:02X} at offset {offset} is not 00-7F or 81-84")]
    UnsupportedLengthForm {
        /// Offset of the length field.
        offset: usize,
        /// The first length byte.
        byte: u8,
    },
    /// A length announcing more value bytes than the input holds.
    #[error("length {length} at offset {offset} runs past the end of the input ({available} bytes left)")]
    LengthPastEnd {
        /// Offset of the length field.
        offset: usize,
        /// The announced length.
        length: usize,
        /// Bytes left after the length field.
        available: usize,
    },
    /// Constructed objects nested deeper than [`MAX_DEPTH`].
    #[error("object at offset {offset} is nested deeper than {limit} levels")]
    TooDeep {
        /// Offset of the object past the limit.
        offset: usize,
        /// The depth limit.
        limit: usize,
    },
    /// Bytes other than padding after the single object expected.
    #[error("unexpected byte {byte:02X} at offset {offset} after the object")]
    TrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A `u32` that is not the bytes of a valid tag.
    #[error("{value:#X} is not a valid BER-TLV tag")]
    InvalidTag {
        /// The rejected value.
        value: u32,
    },
}

/// The class of a tag (bits 8 and 7 of its first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagClass {
    /// `00`: universal.
    Universal,
    /// `01`: application.
    Application,
    /// `10`: context-specific.
    ContextSpecific,
    /// `11`: private.
    Private,
}

/// A BER-TLV tag: its one to three bytes, big-endian, in a `u32` (`Tag(0x9F02)` is `9F 02`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    /// `4F`: application identifier (AID).
    pub const APPLICATION_IDENTIFIER: Tag = Tag(0x4F);
    /// `61`: application template.
    pub const APPLICATION_TEMPLATE: Tag = Tag(0x61);
    /// `62`: file control parameters (FCP) template.
    pub const FCP_TEMPLATE: Tag = Tag(0x62);
    /// `64`: file management data (FMD) template.
    pub const FMD_TEMPLATE: Tag = Tag(0x64);
    /// `6F`: file control information (FCI) template.
    pub const FCI_TEMPLATE: Tag = Tag(0x6F);
    /// `80`: number of data bytes in the file, excluding structural information.
    pub const FILE_SIZE: Tag = Tag(0x80);
    /// `82`: file descriptor byte.
    pub const FILE_DESCRIPTOR: Tag = Tag(0x82);
    /// `83`: file identifier.
    pub const FILE_IDENTIFIER: Tag = Tag(0x83);
    /// `84`: DF name.
    pub const DF_NAME: Tag = Tag(0x84);
    /// `88`: short EF identifier.
    pub const SHORT_EF_IDENTIFIER: Tag = Tag(0x88);
    /// `8A`: life cycle status byte.
    pub const LIFE_CYCLE_STATUS: Tag = Tag(0x8A);
    /// `A5`: proprietary information (FCI proprietary template).
    pub const PROPRIETARY_TEMPLATE: Tag = Tag(0xA5);

    /// Checks that `value` holds the bytes of a valid tag.
    pub fn new(value: u32) -> Result<Tag, TlvError> {
        let tag = Tag(value);
        if tag.is_valid() {
            Ok(tag)
        } else {
            Err(TlvError::InvalidTag { value })
        }
    }

    /// Parses the tag field at the start of `input`, returning the tag and its length in bytes.
    pub fn parse(input: &[u8]) -> Result<(Tag, usize), TlvError> {
        let (rest, tag) = tag_field(input, 0)?;
        Ok((tag, consumed(input, rest)))
    }

    /// Whether the bytes form exactly one well-formed tag field.
    pub fn is_valid(self) -> bool {
        Tag::parse(&self.to_bytes()) == Ok((self, self.len()))
    }

    /// Number of bytes in the tag field.
    pub fn len(self) -> usize {
        let significant = 4usize.saturating_sub(self.0.leading_zeros() as usize / 8);
        significant.max(1)
    }

    /// Always false: a tag has at least one byte (present for symmetry with `len`).
    pub fn is_empty(self) -> bool {
        false
    }

    /// The tag bytes, first byte first.
    pub fn to_bytes(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    /// The tag bytes without allocating: a view into the big-endian `u32`.
    fn as_bytes(&self) -> TagBytes {
        let all = self.0.to_be_bytes();
        let skip = all.len().saturating_sub(self.len());
        TagBytes { all, skip }
    }

    fn first_byte(self) -> u8 {
        self.as_bytes().first().copied().unwrap_or(0)
    }

    /// The class, from bits 8 and 7 of the first byte.
    pub fn class(self) -> TagClass {
        match self.first_byte() >> 6 {
            0 => TagClass::Universal,
            1 => TagClass::Application,
            2 => TagClass::ContextSpecific,
            _ => TagClass::Private,
        }
    }

    /// Whether bit 6 of the first byte marks a constructed object.
    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }

    /// The tag number: bits 5 to 1 of the first byte, or for multi-byte tags the base-128
    /// number in bits 7 to 1 of the subsequent bytes.
    pub fn number(self) -> u32 {
        match self.as_bytes().split_first() {
            Some((first, rest)) if first & 0x1F == 0x1F && !rest.is_empty() => rest
                .iter()
                .fold(0u32, |n, b| (n << 7) | u32::from(b & 0x7F)),
            Some((first, _)) => u32::from(first & 0x1F),
            None => 0,
        }
    }
}

/// The significant bytes of a tag value.
struct TagBytes {
    all: [u8; 4],
    skip: usize,
}

impl std::ops::Deref for TagBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.all.get(self.skip..).unwrap_or_default()
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

/// The tag bytes in upper-case hex, e.g. `9F02`.
impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_bytes()
            .iter()
            .try_for_each(|b| write!(f, "{b:02X}"))
    }
}

/// The value field of a data object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// The value bytes of a primitive object.
    Primitive(Vec<u8>),
    /// The data objects inside a constructed object.
    Constructed(Vec<Tlv>),
}

/// A BER-TLV data object.
///
/// The parsers make the value constructed exactly when the tag says so; objects built by hand
/// should keep to that, or they will not parse back to the same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tlv {
    /// The tag.
    pub tag: Tag,
    /// The value.
    pub value: Value,
}

impl Tlv {
    /// A primitive object.
    pub fn primitive(tag: Tag, bytes: impl Into<Vec<u8>>) -> Tlv {
        Tlv {
            tag,
            value: Value::Primitive(bytes.into()),
        }
    }

    /// A constructed object holding `children`.
    pub fn constructed(tag: Tag, children: impl Into<Vec<Tlv>>) -> Tlv {
        Tlv {
            tag,
            value: Value::Constructed(children.into()),
        }
    }

    /// The value bytes of a primitive object; `None` for a constructed one.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Primitive(bytes) => Some(bytes),
            Value::Constructed(_) => None,
        }
    }

    /// The objects inside a constructed object; empty for a primitive one.
    pub fn children(&self) -> &[Tlv] {
        match &self.value {
            Value::Primitive(_) => &[],
            Value::Constructed(children) => children,
        }
    }

    /// The first direct child with `tag`.
    pub fn find(&self, tag: Tag) -> Option<&Tlv> {
        find(self.children(), tag)
    }

    /// The object reached by following `path` down from this object's children: the first child
    /// with `path[0]`, then its first child with `path[1]`, and so on. An empty path gives `self`.
    pub fn find_path(&self, path: &[Tag]) -> Option<&Tlv> {
        match path.split_first() {
            None => Some(self),
            Some((tag, rest)) => self.find(*tag)?.find_path(rest),
        }
    }

    /// The encoded object.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }

    /// Appends the encoded object to `out`, every length in its shortest form.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.tag.as_bytes());
        match &self.value {
            Value::Primitive(bytes) => {
                write_length(bytes.len(), out);
                out.extend_from_slice(bytes);
            }
            Value::Constructed(children) => {
                // The content length is known only once the children are written: write them
                // after a one-byte length and widen the field in place if the content needs it.
                let length_at = out.len();
                out.push(0);
                for child in children {
                    child.write_to(out);
                }
                let content_len = out.len().saturating_sub(length_at).saturating_sub(1);
                let mut field = Vec::with_capacity(MAX_LENGTH_FIELD_LEN);
                write_length(content_len, &mut field);
                out.splice(length_at..=length_at, field);
            }
        }
    }
}

/// Parses the object at the start of `input`; returns it and the number of bytes it took.
/// Padding is not skipped: the first byte must start a tag.
pub fn parse_one(input: &[u8]) -> Result<(Tlv, usize), TlvError> {
    let (rest, tlv) = object(input, 0, 1)?;
    Ok((tlv, consumed(input, rest)))
}

/// Parses every object in `input`, skipping `00`/`FF` padding before, between and after them.
pub fn parse_all(input: &[u8]) -> Result<Vec<Tlv>, TlvError> {
    objects(input, 0, 1)
}

/// Parses exactly one object, with optional padding around it.
pub fn parse_single(input: &[u8]) -> Result<Tlv, TlvError> {
    let start = skip_padding(input);
    let at = consumed(input, start);
    let (rest, tlv) = object(start, at, 1)?;
    let after = skip_padding(rest);
    match after.first() {
        None => Ok(tlv),
        Some(&byte) => Err(TlvError::TrailingBytes {
            offset: consumed(input, after),
            byte,
        }),
    }
}

/// Encodes a sequence of objects one after the other.
pub fn encode_all(tlvs: &[Tlv]) -> Vec<u8> {
    let mut out = Vec::new();
    for tlv in tlvs {
        tlv.write_to(&mut out);
    }
    out
}

/// The first object in `tlvs` with `tag`.
pub fn find(tlvs: &[Tlv], tag: Tag) -> Option<&Tlv> {
    tlvs.iter().find(|t| t.tag == tag)
}

/// The object reached by following `path` from `tlvs`: the first with `path[0]`, then its first
/// child with `path[1]`, and so on; `None` for an empty path.
pub fn find_path<'a>(tlvs: &'a [Tlv], path: &[Tag]) -> Option<&'a Tlv> {
    let (first, rest) = path.split_first()?;
    find(tlvs, *first)?.find_path(rest)
}

/// Appends a length field in its shortest form. Lengths past `FFFF FFFF` get more than four
/// length bytes: valid X.690, though beyond what ISO 7816-4 (and `parse_all`) accept.
pub fn write_length(len: usize, out: &mut Vec<u8>) {
    if let Ok(short @ 0..=0x7F) = u8::try_from(len) {
        out.push(short);
        return;
    }
    let all = len.to_be_bytes();
    let skip = all.iter().take_while(|b| **b == 0).count();
    let significant = all.get(skip..).unwrap_or_default();
    // At most size_of::<usize>() bytes, so the count fits the 7 low bits.
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// Parses a length field at the start of `input`; returns the length and the field's size.
pub fn parse_length(input: &[u8]) -> Result<(usize, usize), TlvError> {
    let (rest, len) = length_field(input, 0)?;
    Ok((len, consumed(input, rest)))
}

type NomError<'a> = nom::error::Error<&'a [u8]>;

/// Bytes of `whole` before `rest`, where `rest` is a suffix of `whole`.
fn consumed(whole: &[u8], rest: &[u8]) -> usize {
    whole.len().saturating_sub(rest.len())
}

fn next_byte(input: &[u8]) -> Option<(&[u8], u8)> {
    byte::<_, NomError<'_>>(input).ok()
}

/// Splits `n` bytes off the front: (rest, taken).
fn take_bytes(input: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    take::<_, _, NomError<'_>>(n)(input).ok()
}

fn is_padding(b: u8) -> bool {
    b == 0x00 || b == 0xFF
}

fn skip_padding(input: &[u8]) -> &[u8] {
    let n = input.iter().take_while(|b| is_padding(**b)).count();
    input.get(n..).unwrap_or_default()
}

/// Parses objects up to the end of `input`, which starts at offset `at` of the whole input.
fn objects(input: &[u8], at: usize, depth: usize) -> Result<Vec<Tlv>, TlvError> {
    let mut out = Vec::new();
    let mut rest = skip_padding(input);
    while !rest.is_empty() {
        let offset = at.saturating_add(consumed(input, rest));
        let (after, tlv) = object(rest, offset, depth)?;
        out.push(tlv);
        rest = skip_padding(after);
    }
    Ok(out)
}

/// Parses one object at the start of `input`, which starts at offset `at` of the whole input.
fn object(input: &[u8], at: usize, depth: usize) -> Result<(&[u8], Tlv), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep {
            offset: at,
            limit: MAX_DEPTH,
        });
    }
    let (rest, tag) = tag_field(input, at)?;
    let length_at = at.saturating_add(consumed(input, rest));
    let (rest, length) = length_field(rest, length_at)?;
    let value_at = at.saturating_add(consumed(input, rest));
    let (rest, value) = take_bytes(rest, length).ok_or(TlvError::LengthPastEnd {
        offset: length_at,
        length,
        available: rest.len(),
    })?;
    let value = if tag.is_constructed() {
        Value::Constructed(objects(value, value_at, depth.saturating_add(1))?)
    } else {
        Value::Primitive(value.to_vec())
    };
    Ok((rest, Tlv { tag, value }))
}

/// Parses a tag field (ISO 7816-4 clause 6.2, X.690 clause 8.1.2).
fn tag_field(input: &[u8], at: usize) -> Result<(&[u8], Tag), TlvError> {
    let truncated = |len: usize| TlvError::Truncated {
        offset: at.saturating_add(len),
        field: "tag",
    };
    let (mut rest, first) = next_byte(input).ok_or_else(|| truncated(0))?;
    if is_padding(first) {
        return Err(TlvError::InvalidTagStart {
            offset: at,
            byte: first,
        });
    }
    let mut value = u32::from(first);
    if first & 0x1F != 0x1F {
        return Ok((rest, Tag(value)));
    }
    // Subsequent bytes: b8 set means another byte follows. Numbers below 31 in the two-byte
    // form are accepted, as EMV uses them (9F02, 9F36, ...).
    let mut len = 1;
    loop {
        let (after, b) = next_byte(rest).ok_or_else(|| truncated(len))?;
        if len == 1 && b == 0x80 {
            return Err(TlvError::TagNotMinimal { offset: at });
        }
        value = (value << 8) | u32::from(b);
        len = len.saturating_add(1);
        rest = after;
        if b & 0x80 == 0 {
            return Ok((rest, Tag(value)));
        }
        if len >= MAX_TAG_LEN {
            return Err(TlvError::TagTooLong { offset: at });
        }
    }
}

/// Parses a length field (ISO 7816-4 clause 6.3, X.690 clause 8.1.3, definite forms only).
fn length_field(input: &[u8], at: usize) -> Result<(&[u8], usize), TlvError> {
    let (rest, first) = next_byte(input).ok_or(TlvError::Truncated {
        offset: at,
        field: "length",
    })?;
    let count = match first {
        0x00..=0x7F => return Ok((rest, usize::from(first))),
        0x80 => return Err(TlvError::IndefiniteLength { offset: at }),
        0x81..=0x84 => usize::from(first & 0x7F),
        _ => {
            return Err(TlvError::UnsupportedLengthForm {
                offset: at,
                byte: first,
            })
        }
    };
    let (rest, bytes) = take_bytes(rest, count).ok_or(TlvError::Truncated {
        offset: at.saturating_add(1).saturating_add(rest.len()),
        field: "length",
    })?;
    let value = bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
    // A length that does not fit usize cannot fit the input either.
    let length = usize::try_from(value).unwrap_or(usize::MAX);
    Ok((rest, length))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::decode;

    fn h(s: &str) -> Vec<u8> {
        decode(s).unwrap()
    }

    #[test]
    fn decodes_known_tags() {
        // (bytes, class, constructed, number) from X.690 clause 8.1.2 and the EMV/ISO tag lists.
        let table = [
            ("9F02", TagClass::ContextSpecific, false, 2),
            ("5F2D", TagClass::Application, false, 0x2D),
            ("7F49", TagClass::Application, true, 0x49),
            ("6F", TagClass::Application, true, 15),
            ("84", TagClass::ContextSpecific, false, 4),
            ("A5", TagClass::ContextSpecific, true, 5),
            ("30", TagClass::Universal, true, 16),
            ("04", TagClass::Universal, false, 4),
            ("DF8149", TagClass::Private, false, 201),
            ("1F8149", TagClass::Universal, false, 201),
        ];
        for (hex, class, constructed, number) in table {
            let bytes = h(hex);
            let (tag, len) = Tag::parse(&bytes).unwrap();
            assert_eq!(len, bytes.len(), "{hex}");
            assert_eq!(tag.to_bytes(), bytes, "{hex}");
            assert_eq!(tag.to_string(), hex);
            assert_eq!(tag.class(), class, "{hex}");
            assert_eq!(tag.is_constructed(), constructed, "{hex}");
            assert_eq!(tag.number(), number, "{hex}");
            assert!(tag.is_valid(), "{hex}");
        }
        assert_eq!(Tag::parse(&h("9F02")).unwrap().0, Tag(0x9F02));
        assert_eq!(Tag::parse(&h("7F4981")).unwrap(), (Tag(0x7F49), 2));
    }

    #[test]
    fn rejects_bad_tags() {
        let table = [
            (
                "",
                TlvError::Truncated {
                    offset: 0,
                    field: "tag",
                },
            ),
            (
                "9F",
                TlvError::Truncated {
                    offset: 1,
                    field: "tag",
                },
            ),
            (
                "5F81",
                TlvError::Truncated {
                    offset: 2,
                    field: "tag",
                },
            ),
            (
                "00",
                TlvError::InvalidTagStart {
                    offset: 0,
                    byte: 0x00,
                },
            ),
            (
                "FF01",
                TlvError::InvalidTagStart {
                    offset: 0,
                    byte: 0xFF,
                },
            ),
            ("9F8001", TlvError::TagNotMinimal { offset: 0 }),
            ("9F818101", TlvError::TagTooLong { offset: 0 }),
        ];
        for (hex, err) in table {
            assert_eq!(Tag::parse(&h(hex)), Err(err), "{hex}");
        }
        assert_eq!(Tag::new(0x9F), Err(TlvError::InvalidTag { value: 0x9F }));
        assert_eq!(Tag::new(0), Err(TlvError::InvalidTag { value: 0 }));
        assert_eq!(
            Tag::new(0x9F0201),
            Err(TlvError::InvalidTag { value: 0x9F0201 })
        );
        assert_eq!(Tag::new(0x5F2D), Ok(Tag(0x5F2D)));
    }

    #[test]
    fn accepts_length_forms() {
        let table = [
            ("00", 0, 1),
            ("7F", 127, 1),
            ("8180", 128, 2),
            ("81FF", 255, 2),
            ("820100", 256, 3),
            ("83010000", 65536, 4),
            ("8401000000", 0x0100_0000, 5),
            // Longer forms than needed are valid BER.
            ("8105", 5, 2),
            ("8400000080", 128, 5),
        ];
        for (hex, len, size) in table {
            assert_eq!(parse_length(&h(hex)), Ok((len, size)), "{hex}");
        }
    }

    #[test]
    fn writes_minimal_lengths() {
        let table = [
            (0, "00"),
            (127, "7F"),
            (128, "8180"),
            (255, "81FF"),
            (256, "820100"),
            (65535, "82FFFF"),
            (65536, "83010000"),
            (0x0100_0000, "8401000000"),
        ];
        for (len, hex) in table {
            let mut out = Vec::new();
            write_length(len, &mut out);
            assert_eq!(out, h(hex), "{len}");
        }
    }

    #[test]
    fn rejects_bad_lengths() {
        let table = [
            (
                "84",
                TlvError::Truncated {
                    offset: 1,
                    field: "length",
                },
            ),
            ("8480", TlvError::IndefiniteLength { offset: 1 }),
            (
                "8485",
                TlvError::UnsupportedLengthForm {
                    offset: 1,
                    byte: 0x85,
                },
            ),
            (
                "84FF",
                TlvError::UnsupportedLengthForm {
                    offset: 1,
                    byte: 0xFF,
                },
            ),
            (
                "8482",
                TlvError::Truncated {
                    offset: 2,
                    field: "length",
                },
            ),
            (
                "848201",
                TlvError::Truncated {
                    offset: 3,
                    field: "length",
                },
            ),
            (
                "840301",
                TlvError::LengthPastEnd {
                    offset: 1,
                    length: 3,
                    available: 1,
                },
            ),
            (
                "8481FF",
                TlvError::LengthPastEnd {
                    offset: 1,
                    length: 255,
                    available: 0,
                },
            ),
            (
                "8484FFFFFFFF",
                TlvError::LengthPastEnd {
                    offset: 1,
                    length: 0xFFFF_FFFF,
                    available: 0,
                },
            ),
        ];
        for (hex, err) in table {
            assert_eq!(parse_one(&h(hex)).map(|_| ()), Err(err), "{hex}");
        }
    }

    #[test]
    fn parses_a_select_response_fci() {
        // FCI of a GlobalPlatform issuer security domain as returned by SELECT.
        let bytes = h("6F108408A000000003000000A5049F6501FF");
        let (fci, used) = parse_one(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(fci.tag, Tag::FCI_TEMPLATE);
        assert_eq!(fci.children().len(), 2);
        assert_eq!(
            fci.find(Tag::DF_NAME).and_then(Tlv::bytes),
            Some(&h("A000000003000000")[..])
        );
        let max_len = fci.find_path(&[Tag::PROPRIETARY_TEMPLATE, Tag(0x9F65)]);
        assert_eq!(max_len.and_then(Tlv::bytes), Some(&[0xFF][..]));
        assert_eq!(fci.find(Tag(0x9F65)), None);
        assert_eq!(fci.encode(), bytes);
        let all = parse_all(&bytes).unwrap();
        assert_eq!(
            find_path(&all, &[Tag::FCI_TEMPLATE, Tag::DF_NAME]),
            fci.find(Tag::DF_NAME)
        );
        assert_eq!(find_path(&all, &[]), None);
    }

    #[test]
    fn parses_long_values() {
        let mut bytes = h("5F2D8180");
        bytes.extend(std::iter::repeat_n(0xAB, 128));
        let (tlv, used) = parse_one(&bytes).unwrap();
        assert_eq!(used, 132);
        assert_eq!(tlv.bytes().map(<[u8]>::len), Some(128));
        assert_eq!(tlv.encode(), bytes);

        // Two-byte lengths where one would do parse, and re-encode in the shortest form.
        let mut bytes = h("7F49820100 048200FC");
        bytes.extend(std::iter::repeat_n(0x11, 0xFC));
        let (tlv, used) = parse_one(&bytes).unwrap();
        assert_eq!(used, 5 + 256);
        assert_eq!(
            tlv.find(Tag(0x04)).and_then(Tlv::bytes).map(<[u8]>::len),
            Some(0xFC)
        );
        let mut minimal = h("7F4981FF 0481FC");
        minimal.extend(std::iter::repeat_n(0x11, 0xFC));
        assert_eq!(tlv.encode(), minimal);
    }

    #[test]
    fn skips_padding_between_objects() {
        let tlvs = parse_all(&h("00FF 8401AA 0000 8500 FF")).unwrap();
        assert_eq!(
            tlvs,
            vec![
                Tlv::primitive(Tag(0x84), [0xAA]),
                Tlv::primitive(Tag(0x85), [])
            ]
        );
        // Padding inside a constructed value too.
        let tlvs = parse_all(&h("A506 00 8401AA FF00")).unwrap();
        assert_eq!(
            tlvs,
            vec![Tlv::constructed(
                Tag(0xA5),
                [Tlv::primitive(Tag(0x84), [0xAA])]
            )]
        );
        assert_eq!(parse_all(&h("")), Ok(vec![]));
        assert_eq!(parse_all(&h("00 FF 00")), Ok(vec![]));
        // parse_one does not skip padding.
        assert_eq!(
            parse_one(&h("008400")).map(|_| ()),
            Err(TlvError::InvalidTagStart { offset: 0, byte: 0 })
        );
    }

    #[test]
    fn errors_name_the_offset_in_the_whole_input() {
        // The bad length is the third byte of the child, which starts at offset 6.
        assert_eq!(
            parse_all(&h("840100 A503 8405AA")),
            Err(TlvError::LengthPastEnd {
                offset: 6,
                length: 5,
                available: 1
            })
        );
        assert_eq!(
            parse_all(&h("8400 A503 840280")),
            Err(TlvError::LengthPastEnd {
                offset: 5,
                length: 2,
                available: 1
            })
        );
        assert_eq!(
            parse_all(&h("8400 A502 9F")),
            Err(TlvError::LengthPastEnd {
                offset: 3,
                length: 2,
                available: 1
            })
        );
        assert_eq!(
            parse_all(&h("8400 A501 9F")),
            Err(TlvError::Truncated {
                offset: 5,
                field: "tag"
            })
        );
    }

    #[test]
    fn parse_single_takes_exactly_one_object() {
        assert_eq!(
            parse_single(&h("FF 8401AA 00")),
            Ok(Tlv::primitive(Tag(0x84), [0xAA]))
        );
        assert_eq!(
            parse_single(&h("8401AA 8400")),
            Err(TlvError::TrailingBytes {
                offset: 3,
                byte: 0x84
            })
        );
    }

    fn nested(levels: usize) -> Vec<u8> {
        // `levels` constructed A1 objects, the innermost empty.
        let mut bytes = Vec::new();
        for _ in 0..levels {
            let mut outer = vec![0xA1];
            write_length(bytes.len(), &mut outer);
            outer.extend_from_slice(&bytes);
            bytes = outer;
        }
        bytes
    }

    #[test]
    fn limits_nesting_depth() {
        let ok = nested(MAX_DEPTH);
        let tlvs = parse_all(&ok).unwrap();
        assert_eq!(encode_all(&tlvs), ok);
        let deep = nested(MAX_DEPTH + 1);
        assert_eq!(
            parse_all(&deep),
            Err(TlvError::TooDeep {
                offset: 2 * MAX_DEPTH,
                limit: MAX_DEPTH
            })
        );
        // Hostile nesting far deeper fails at the limit instead of exhausting the stack.
        assert!(matches!(
            parse_all(&nested(2000)),
            Err(TlvError::TooDeep {
                limit: MAX_DEPTH,
                ..
            })
        ));
    }

    #[test]
    fn builds_and_encodes_trees() {
        let tree = Tlv::constructed(
            Tag(0x7F49),
            vec![
                Tlv::primitive(Tag(0x86), vec![0x04; 3]),
                Tlv::constructed(Tag(0xBF8149), vec![]),
            ],
        );
        assert_eq!(tree.encode(), h("7F4909 8603040404 BF814900"));
        assert!(tree.children().iter().all(|c| c.tag.is_valid()));
        assert_eq!(tree.bytes(), None);
        assert_eq!(format!("{:?}", Tag(0x9F02)), "Tag(9F02)");
    }
}
