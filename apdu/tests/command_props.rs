//! Property tests for the command APDU codec (ISO 7816-3 clause 12.1.3).

use jcos_apdu::{ApduCase, CommandApdu};
use proptest::collection::vec;
use proptest::prelude::*;

/// Data lengths around the short/extended boundaries, plus the extended maximum.
fn data_len(extended: bool) -> BoxedStrategy<usize> {
    if extended {
        prop_oneof![0usize..=300, 65_000usize..=65_535].boxed()
    } else {
        (0usize..=255).boxed()
    }
}

fn ne(extended: bool) -> BoxedStrategy<Option<usize>> {
    let max = if extended { 65_536 } else { 256 };
    prop_oneof![
        Just(None),
        (1..=max).prop_map(Some),
        Just(Some(max)),
        Just(Some(1)),
    ]
    .boxed()
}

fn valid_apdu() -> impl Strategy<Value = CommandApdu> {
    (any::<[u8; 4]>(), any::<bool>())
        .prop_flat_map(|(header, extended)| {
            (
                Just(header),
                Just(extended),
                data_len(extended),
                ne(extended),
                any::<u8>(),
            )
        })
        .prop_map(|([cla, ins, p1, p2], extended, len, ne, fill)| {
            CommandApdu::with_form(cla, ins, p1, p2, vec![fill; len], ne, extended)
                .expect("lengths were drawn inside the form's limits")
        })
}

/// Valid encodings with one byte changed, dropped or added, so that parsing meets inputs close
/// to the boundaries between the cases.
fn near_valid_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        valid_apdu(),
        any::<prop::sample::Index>(),
        any::<u8>(),
        0..4u8,
    )
        .prop_map(|(apdu, index, byte, action)| {
            let mut bytes = apdu.to_bytes();
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
        })
}

fn check_reparse(bytes: &[u8]) {
    if let Ok(apdu) = CommandApdu::parse(bytes) {
        assert_eq!(apdu.to_bytes(), bytes);
        let max_nc = if apdu.is_extended() { 65_535 } else { 255 };
        assert!(apdu.nc() <= max_nc);
        assert_eq!(
            apdu.is_extended(),
            matches!(
                apdu.case(),
                ApduCase::Case2Extended | ApduCase::Case3Extended | ApduCase::Case4Extended
            )
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_inverts_write(apdu in valid_apdu()) {
        let bytes = apdu.to_bytes();
        prop_assert_eq!(CommandApdu::parse(&bytes), Ok(apdu.clone()));
        prop_assert_eq!(apdu.to_string(), jcos_apdu::hex::encode(&bytes));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        check_reparse(&bytes);
    }

    #[test]
    fn near_valid_bytes_never_panic(bytes in near_valid_bytes()) {
        check_reparse(&bytes);
    }

    #[test]
    fn short_bodies_are_exhaustively_consistent(body in vec(any::<u8>(), 0..8)) {
        let mut bytes = vec![0x00, 0xA4, 0x04, 0x00];
        bytes.extend_from_slice(&body);
        check_reparse(&bytes);
    }
}

#[test]
fn writes_the_length_fields_of_iso_7816_3() {
    // Encodings from ISO 7816-3 clause 12.1.3: Le 00 means 256 (short) and 0000 65536 (extended).
    let table: [(Option<usize>, usize, bool, &str); 7] = [
        (None, 0, false, "80CA9F7F"),
        (Some(256), 0, false, "80CA9F7F00"),
        (None, 2, false, "80CA9F7F02AAAA"),
        (Some(1), 2, false, "80CA9F7F02AAAA01"),
        (Some(65_536), 0, true, "80CA9F7F000000"),
        (None, 2, true, "80CA9F7F000002AAAA"),
        (Some(257), 2, true, "80CA9F7F000002AAAA0101"),
    ];
    for (ne, nc, extended, hex) in table {
        let apdu = CommandApdu::with_form(0x80, 0xCA, 0x9F, 0x7F, vec![0xAA; nc], ne, extended)
            .expect("valid lengths");
        assert_eq!(apdu.to_string(), hex);
        assert_eq!(
            CommandApdu::parse(&jcos_apdu::hex::decode(hex).expect("hex")),
            Ok(apdu)
        );
    }
}

#[test]
fn accepts_largest_extended_apdu() {
    let apdu = CommandApdu::new(0, 0xD6, 0, 0, vec![0x5A; 65_535], Some(65_536)).expect("fits");
    let bytes = apdu.to_bytes();
    assert_eq!(bytes.len(), 4 + 3 + 65_535 + 2);
    assert_eq!(bytes[4..7], [0x00, 0xFF, 0xFF]);
    assert_eq!(bytes[bytes.len() - 2..], [0x00, 0x00]);
    assert_eq!(CommandApdu::parse(&bytes), Ok(apdu));
}
