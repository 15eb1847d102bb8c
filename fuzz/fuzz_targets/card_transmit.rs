//! The card's APDU entry point with the issuer security domain installed: a sequence of
//! commands (each one length byte, then that many bytes) sent to a fresh card never panics,
//! every answer carries a status word, the security domain never fails with an uncaught
//! exception (6F00), and afterwards the card still selects it and answers its FCI.
#![no_main]

use jcos_cos::{Card, CardConfig};
use libfuzzer_sys::fuzz_target;

/// SELECT of the issuer security domain by its AID (A000000151000000).
const SELECT_ISD: [u8; 14] = [
    0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00, 0x00,
];

fuzz_target!(|data: &[u8]| {
    let Ok(mut card) = Card::with_isd(CardConfig::default()) else {
        panic!("a card with the issuer security domain must build");
    };
    card.power_on();
    let mut rest = data;
    let mut sent = 0;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (apdu, after) = tail.split_at(len);
        rest = after;
        let answer = card.transmit(apdu);
        assert!(answer.len() >= 2, "no status word for {apdu:02X?}");
        let sw = &answer[answer.len() - 2..];
        assert_ne!(sw, [0x6F, 0x00], "uncaught exception for {apdu:02X?}");
        sent += 1;
        if sent == 64 {
            break;
        }
    }
    // Reset to the basic channel's default state, then the ISD must still answer.
    card.reset();
    let answer = card.transmit(&SELECT_ISD);
    assert!(
        answer.ends_with(&[0x90, 0x00]) && answer.first() == Some(&0x6F),
        "the issuer security domain no longer selects: {answer:02X?}"
    );
});
