//! Property tests for the BER-TLV codec (ISO 7816-4 clause 6, X.690 clause 8.1).

use jcos_apdu::tlv::{self, Tag, Tlv, Value};
use proptest::collection::vec;
use proptest::prelude::*;

/// Valid tags of one, two and three bytes, primitive or constructed as asked.
fn tag(constructed: bool) -> impl Strategy<Value = Tag> {
    let c = if constructed { 0x20u8 } else { 0 };
    prop_oneof![
        (0u8..4, 0u8..0x1F)
            .prop_map(move |(class, n)| (class << 6) | c | n)
            .prop_filter("00 is padding", |b| *b != 0)
            .prop_map(|b| Tag(u32::from(b))),
        (0u8..4, 0u8..=0x7F)
            .prop_map(move |(class, n)| [(class << 6) | c | 0x1F, n])
            .prop_filter("FF is padding", |b| b[0] != 0xFF)
            .prop_map(|[a, b]| Tag(u32::from_be_bytes([0, 0, a, b]))),
        (0u8..4, 0x81u8..=0xFF, 0u8..=0x7F)
            .prop_map(move |(class, n1, n2)| [(class << 6) | c | 0x1F, n1, n2])
            .prop_filter("FF is padding", |b| b[0] != 0xFF)
            .prop_map(|[a, b, d]| Tag(u32::from_be_bytes([0, a, b, d]))),
    ]
}

/// Value bytes with lengths that need the short, 81 and 82 length forms.
fn value_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => vec(any::<u8>(), 0..16),
        1 => vec(any::<u8>(), 120..300),
    ]
}

fn primitive() -> impl Strategy<Value = Tlv> {
    (tag(false), value_bytes()).prop_map(|(t, v)| Tlv::primitive(t, v))
}

fn tree() -> impl Strategy<Value = Tlv> {
    let leaf = prop_oneof![
        3 => primitive(),
        1 => tag(true).prop_map(|t| Tlv::constructed(t, vec![])),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            primitive(),
            (tag(true), vec(inner, 0..6)).prop_map(|(t, c)| Tlv::constructed(t, c)),
        ]
    })
}

/// Whether `parsed`, read from `input`, re-encodes consistently: the re-encoding parses to the
/// same objects, and is the input itself unless the input had padding or long length forms
/// (each of which makes the re-encoding strictly shorter).
fn check_reencoding(input: &[u8], parsed: &[Tlv]) {
    let again = tlv::encode_all(parsed);
    assert_eq!(tlv::parse_all(&again).as_deref(), Ok(parsed));
    assert!(again.len() <= input.len());
    if again.len() == input.len() {
        assert_eq!(again, input);
    }
}

fn mutate(mut bytes: Vec<u8>, index: prop::sample::Index, byte: u8, action: u8) -> Vec<u8> {
    if bytes.is_empty() {
        return vec![byte];
    }
    let at = index.index(bytes.len());
    match action {
        0 => bytes[at] = byte,
        1 => {
            bytes.remove(at);
        }
        2 => bytes.insert(at, byte),
        _ => bytes.truncate(at),
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn parse_inverts_encode(t in tree()) {
        let bytes = t.encode();
        prop_assert_eq!(tlv::parse_one(&bytes), Ok((t.clone(), bytes.len())));
        prop_assert_eq!(tlv::parse_single(&bytes), Ok(t));
    }

    #[test]
    fn parse_all_inverts_encode_all(ts in vec(tree(), 0..4)) {
        let bytes = tlv::encode_all(&ts);
        prop_assert_eq!(tlv::parse_all(&bytes), Ok(ts));
    }

    #[test]
    fn padding_between_objects_is_ignored(
        ts in vec(primitive(), 1..5),
        pads in vec(vec(prop_oneof![Just(0x00u8), Just(0xFFu8)], 0..3), 5),
    ) {
        let mut bytes = Vec::new();
        for (t, pad) in ts.iter().zip(&pads) {
            bytes.extend_from_slice(pad);
            t.write_to(&mut bytes);
        }
        bytes.extend_from_slice(&pads[4]);
        prop_assert_eq!(tlv::parse_all(&bytes), Ok(ts));
    }

    #[test]
    fn tags_parse_back(t in prop_oneof![tag(false), tag(true)]) {
        let bytes = t.to_bytes();
        prop_assert_eq!(Tag::parse(&bytes), Ok((t, bytes.len())));
        prop_assert!(t.is_valid());
        prop_assert_eq!(Tag::new(t.0), Ok(t));
    }

    #[test]
    fn lengths_parse_back(len in prop_oneof![0usize..300, 0usize..=0xFFFF_FFFF]) {
        let mut bytes = Vec::new();
        tlv::write_length(len, &mut bytes);
        prop_assert_eq!(tlv::parse_length(&bytes), Ok((len, bytes.len())));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        if let Ok(parsed) = tlv::parse_all(&bytes) {
            check_reencoding(&bytes, &parsed);
        }
        let _ = tlv::parse_one(&bytes);
        let _ = tlv::parse_single(&bytes);
        let _ = Tag::parse(&bytes);
        let _ = tlv::parse_length(&bytes);
    }

    #[test]
    fn near_valid_bytes_never_panic(
        ts in vec(tree(), 1..3),
        index in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        action in 0..4u8,
    ) {
        let bytes = mutate(tlv::encode_all(&ts), index, byte, action);
        if let Ok(parsed) = tlv::parse_all(&bytes) {
            check_reencoding(&bytes, &parsed);
        }
    }

    #[test]
    fn parsed_values_agree_with_their_tags(bytes in vec(any::<u8>(), 0..256)) {
        fn agrees(t: &Tlv) -> bool {
            match &t.value {
                Value::Primitive(_) => !t.tag.is_constructed(),
                Value::Constructed(c) => t.tag.is_constructed() && c.iter().all(agrees),
            }
        }
        if let Ok(parsed) = tlv::parse_all(&bytes) {
            prop_assert!(parsed.iter().all(agrees));
            prop_assert!(parsed.iter().all(|t| t.tag.is_valid()));
        }
    }
}
