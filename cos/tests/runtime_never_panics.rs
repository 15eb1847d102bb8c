//! Whatever a terminal sends to a card with applets (the golden fixtures' CAP files) and the
//! development installer, the card answers with at least SW1 SW2 and stays usable.

use jcos_cos::{Card, CardConfig, InstallRequest, Protocol};
use proptest::prelude::*;
use std::path::PathBuf;

/// Instance AIDs on the card and the installer's, the targets of generated SELECTs.
const AIDS: [&[u8]; 4] = [
    &[0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x01, 0x01],
    &[0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x05, 0x01],
    &[0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x02, 0x01],
    &[0xA0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x08, 0x01],
];
/// SELECT of golden.apdu.Cases, whose INS 01 answers 9000.
const SELECT_CASES: [u8; 13] = [
    0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x05, 0x01,
];

fn golden(fixture: &str) -> Option<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/jcvm-golden")
        .join(fixture);
    let cap = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "cap"))?;
    std::fs::read(cap).ok()
}

/// A card with the ops, apdu and store applets and the installer; `None` without the
/// shared directory.
fn card(protocol: Protocol) -> Option<Card> {
    let mut card = Card::new(CardConfig { protocol });
    card.enable_installer();
    for fixture in ["ops", "apdu", "store"] {
        card.load_package(&golden(fixture)?).ok()?;
    }
    for (class, instance) in [
        (AIDS[0], AIDS[0]),
        (AIDS[1], AIDS[1]),
        (
            &[0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x02, 0x00][..],
            AIDS[2],
        ),
    ] {
        card.install_applet(&InstallRequest::new(class, instance, &[]))
            .ok()?;
    }
    Some(card)
}

/// Commands biased towards what reaches the runtime: SELECTs of the applets (partial,
/// every occurrence, any channel), MANAGE CHANNEL, proprietary commands the applets know,
/// installer commands, and arbitrary bytes.
fn apdu() -> impl Strategy<Value = Vec<u8>> {
    let select = (0usize..AIDS.len(), 1usize..=9, 0u8..=0x0F, 0u8..=0x13).prop_map(
        |(which, len, p2, channel)| {
            let aid = AIDS[which];
            let name = &aid[..len.min(aid.len())];
            let cla = if channel < 4 {
                channel
            } else {
                0x40 | (channel - 4)
            };
            let mut v = vec![cla, 0xA4, 0x04, p2, name.len() as u8];
            v.extend_from_slice(name);
            v
        },
    );
    let manage = (
        0u8..=0x13,
        prop_oneof![Just(0x00u8), Just(0x80)],
        0u8..=0x14,
    )
        .prop_map(|(channel, p1, p2)| {
            let cla = if channel < 4 {
                channel
            } else {
                0x40 | (channel - 4)
            };
            let mut v = vec![cla, 0x70, p1, p2];
            if p1 == 0 && p2 == 0 {
                v.push(1);
            }
            v
        });
    let proprietary = (
        prop_oneof![Just(0x80u8), 0x80u8..=0x83, 0xC0u8..=0xCF],
        prop_oneof![
            0x01u8..=0x07,
            0x10u8..=0x19,
            0x20u8..=0x27,
            0xB0u8..=0xC4,
            any::<u8>()
        ],
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..40),
        prop::option::of(any::<u8>()),
    )
        .prop_map(|(cla, ins, p1, p2, data, le)| {
            let mut v = vec![cla, ins, p1, p2];
            if !data.is_empty() {
                v.push(data.len() as u8);
                v.extend(data);
            }
            v.extend(le);
            v
        });
    prop_oneof![
        select,
        manage,
        proprietary,
        prop::collection::vec(any::<u8>(), 0..16)
    ]
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![Just(Protocol::T0), Just(Protocol::T1)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn commands_to_applets_always_get_a_status_word(
        protocol in protocol(),
        apdus in prop::collection::vec((apdu(), 0u8..16), 1..40),
    ) {
        let Some(mut card) = card(protocol) else {
            return Ok(());
        };
        for (apdu, event) in &apdus {
            if *event == 0 {
                card.reset();
            }
            let response = card.transmit(apdu);
            prop_assert!(response.len() >= 2, "{:02X?} -> {:02X?}", apdu, response);
        }
        // Still usable: a fresh power session selects and runs an applet.
        card.reset();
        prop_assert_eq!(card.transmit(&SELECT_CASES), vec![0x90, 0x00]);
        prop_assert_eq!(card.transmit(&[0x80, 0x01, 0x00, 0x00]), vec![0x90, 0x00]);
    }
}

#[test]
fn the_card_under_test_is_built_when_the_fixtures_are_there() {
    if golden("ops").is_none() {
        println!("skipped: ../shared not present");
        return;
    }
    assert!(card(Protocol::T1).is_some());
}
