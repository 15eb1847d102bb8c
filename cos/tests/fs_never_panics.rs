//! Any bytes sent to a card with a file system get a response with a status word, never a
//! panic, and leave the file tree consistent.

use jcos_cos::{Card, CardConfig, Profile};
use proptest::prelude::*;
use std::path::Path;

fn card() -> Card {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/iso7816-fs/profile.toml");
    Card::with_file_system(
        CardConfig::default(),
        Profile::load_file_system(&path).unwrap(),
    )
}

/// The file-system instructions, so that most random commands reach its handlers.
const INS: &[u8] = &[
    0xA4, 0xB0, 0xB1, 0xD6, 0xD7, 0xD0, 0xD1, 0x0E, 0x0F, 0xB2, 0xDC, 0xD2, 0xE2, 0xA2, 0xE0, 0xE4,
    0x44, 0x04, 0xE6, 0xE8, 0x20, 0x24, 0x2C, 0x84, 0x82, 0x88, 0xCA, 0xCB, 0xDA, 0xDB,
];

fn command() -> impl Strategy<Value = Vec<u8>> {
    (
        0..INS.len(),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::option::of(any::<u8>()),
        prop::option::of(any::<u8>()),
    )
        .prop_map(|(ins, p1, p2, data, le, cla)| {
            let mut apdu = vec![cla.map_or(0, |c| c & 0x03), INS[ins], p1, p2];
            if !data.is_empty() {
                apdu.push(data.len() as u8);
                apdu.extend(data);
            }
            apdu.extend(le);
            apdu
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn file_system_commands_never_panic(commands in prop::collection::vec(command(), 1..30)) {
        let mut card = card();
        card.power_on();
        for apdu in commands {
            let response = card.transmit(&apdu);
            prop_assert!(response.len() >= 2, "{apdu:02X?} -> {response:02X?}");
            let fs = card.file_system().unwrap();
            prop_assert!(fs.check_invariants().is_ok(), "{:?}", fs.check_invariants());
        }
    }
}
