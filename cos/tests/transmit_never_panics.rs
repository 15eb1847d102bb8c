//! Whatever a terminal sends, the card answers with at least SW1 SW2 and stays usable.

use jcos_cos::{Card, CardConfig, Protocol};
use proptest::prelude::*;

const SELECT_UNKNOWN_AID: [u8; 10] = [0x00, 0xA4, 0x04, 0x00, 0x05, 0xF0, 0x00, 0x00, 0x00, 0x01];

/// Byte strings biased towards well-formed headers, so the handlers behind the router are
/// reached as well as the parser.
fn apdu() -> impl Strategy<Value = Vec<u8>> {
    let cla = prop_oneof![
        Just(0x00u8),
        0x00u8..=0x1F,
        0x40u8..=0x4F,
        0x80u8..=0x83,
        any::<u8>()
    ];
    let ins = prop_oneof![
        Just(0x70u8),
        Just(0xA4),
        Just(0xCA),
        Just(0x84),
        Just(0xC0),
        any::<u8>()
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..12),
        (
            cla,
            ins,
            any::<u8>(),
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..24)
        )
            .prop_map(|(c, i, p1, p2, body)| {
                let mut v = vec![c, i, p1, p2];
                v.extend(body);
                v
            }),
    ]
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![Just(Protocol::T0), Just(Protocol::T1)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_get_a_status_word(protocol in protocol(), apdus in prop::collection::vec(apdu(), 1..24)) {
        let mut card = Card::new(CardConfig { protocol });
        for apdu in &apdus {
            let response = card.transmit(apdu);
            prop_assert!(response.len() >= 2, "{:02X?} -> {:02X?}", apdu, response);
        }
        prop_assert_eq!(card.transmit(&SELECT_UNKNOWN_AID), vec![0x6A, 0x82]);
    }

    #[test]
    fn arbitrary_bytes_even_with_power_cycles(protocol in protocol(), apdus in prop::collection::vec((apdu(), 0u8..8), 1..24)) {
        let mut card = Card::new(CardConfig { protocol });
        for (apdu, event) in &apdus {
            match event {
                0 => card.power_off(),
                1 => { card.reset(); }
                _ => {}
            }
            prop_assert!(card.transmit(apdu).len() >= 2);
        }
        prop_assert_eq!(card.transmit(&SELECT_UNKNOWN_AID), vec![0x6A, 0x82]);
    }
}
