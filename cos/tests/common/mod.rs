//! Helpers shared by the card's integration tests (each test crate uses some of them).
#![allow(dead_code)]

use jcos_cos::Card;

/// The bytes of a hex string written with or without spaces (test data, so a typo panics).
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A file of the jcos-cos crate, by its path relative to the crate.
pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The card's answer to the header `header` (hex) with `data` as a short case 3 command (case 1
/// when `data` is empty).
pub fn send(card: &mut Card, header: &str, data: &[u8]) -> Vec<u8> {
    let mut apdu = hex(header);
    if !data.is_empty() {
        apdu.push(u8::try_from(data.len()).unwrap());
        apdu.extend_from_slice(data);
    }
    card.transmit(&apdu)
}

/// The card's answer to SELECT by DF name of `aid` (hex).
pub fn select(card: &mut Card, aid: &str) -> Vec<u8> {
    send(card, "00A40400", &hex(aid))
}
