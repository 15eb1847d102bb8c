//! The card runtime with the golden fixtures' applets (the reference converter's CAP files
//! in `shared/fixtures/jcvm-golden`): loading, installing, selection rules of JCRE 3.0.5
//! chapter 4, dispatch, deletion and the development installer. Expected answers follow
//! from the specifications and the applets' Java sources; each test is skipped (with a
//! message) when the shared directory is absent.

use jcos_cos::{Card, CardConfig, ContentError, InstallRequest, LifeCycle, Protocol};
use std::path::PathBuf;

mod common;
use common::hex;

fn golden(fixture: &str, file: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/jcvm-golden")
        .join(fixture)
        .join(file);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            println!("skipped: {} not present", path.display());
            None
        }
    }
}

const OPS: &str = "F04A434F53100101";
const CASES: &str = "F04A434F53100501";
const STORE_CLASS: &str = "F04A434F53100200";
const STORE_1: &str = "F04A434F53100201";
const STORE_2: &str = "F04A434F53100202";
const SERVER: &str = "F04A434F53100301";
const CLIENT: &str = "F04A434F53100401";

/// A card with the named fixtures loaded and one instance of each listed applet class
/// (instance AID = class AID).
fn card_with(protocol: Protocol, fixtures: &[(&str, &str)], applets: &[&str]) -> Option<Card> {
    let mut card = Card::new(CardConfig { protocol });
    for (fixture, file) in fixtures {
        let cap = golden(fixture, file)?;
        card.load_package(&cap).unwrap();
    }
    for aid in applets {
        let aid = hex(aid);
        card.install_applet(&InstallRequest::new(&aid, &aid, &[]))
            .unwrap();
    }
    card.power_on();
    Some(card)
}

fn send(card: &mut Card, apdu: &str) -> Vec<u8> {
    card.transmit(&hex(apdu))
}

fn select(aid: &str) -> String {
    format!("00A40400{:02X}{aid}", aid.len() / 2)
}

#[test]
fn an_installed_applet_is_selected_and_processes_commands() {
    let Some(mut card) = card_with(Protocol::T1, &[("ops", "ops.cap")], &[OPS]) else {
        return;
    };
    let record = card.registry().applet(&hex(OPS)).unwrap();
    assert_eq!(record.life_cycle, LifeCycle::SELECTABLE);
    assert_eq!(record.package_aid, hex("F04A434F531001"));
    assert_eq!(send(&mut card, &select(OPS)), hex("9000"));
    // The first arith command of the golden ops session and its expected answer.
    assert_eq!(
        send(&mut card, "801000000404D2FFC8"),
        hex("049A050AF210FFEA0002FB2ED200000404C0FFDAFB1AFB2DFFD27FC804D2FF649000")
    );
    // An instruction the applet does not know: its ISOException reason.
    assert_eq!(send(&mut card, "80FF0000"), hex("6D00"));
}

#[test]
fn partial_aids_select_first_last_next_and_previous_occurrences() {
    let Some(mut card) = card_with(
        Protocol::T1,
        &[("ops", "ops.cap"), ("apdu", "apdu.cap")],
        &[OPS, CASES],
    ) else {
        return;
    };
    // F04A434F5310 prefixes both instances; install order is Ops, then Cases. Cases answers
    // INS 01 with 9000, Ops with 6D00: that tells which one is active.
    let partial = "00A404%02X06F04A434F5310";
    let with_p2 = |p2: u8| partial.replace("%02X", &format!("{p2:02X}"));
    assert_eq!(send(&mut card, &with_p2(0x00)), hex("9000"));
    assert_eq!(send(&mut card, "80010000"), hex("6D00"), "first: Ops");
    assert_eq!(send(&mut card, &with_p2(0x02)), hex("9000"));
    assert_eq!(send(&mut card, "80010000"), hex("9000"), "next: Cases");
    assert_eq!(send(&mut card, &with_p2(0x03)), hex("9000"));
    assert_eq!(send(&mut card, "80010000"), hex("6D00"), "previous: Ops");
    assert_eq!(send(&mut card, &with_p2(0x01)), hex("9000"));
    assert_eq!(send(&mut card, "80010000"), hex("9000"), "last: Cases");
}

#[test]
fn a_select_no_applet_takes_goes_to_the_active_applet() {
    let Some(mut card) = card_with(Protocol::T1, &[("apdu", "apdu.cap")], &[CASES]) else {
        return;
    };
    // JCRE 3.0.5 §4.5.2 step 4: with no applet active, the card's own 6A82.
    assert_eq!(send(&mut card, &select("F000000001")), hex("6A82"));
    assert_eq!(send(&mut card, &select(CASES)), hex("9000"));
    // Now Cases.process gets the SELECT with selectingApplet() false: INS A4 is not one of
    // its instructions, so its default branch throws SW_INS_NOT_SUPPORTED.
    assert_eq!(send(&mut card, &select("F000000001")), hex("6D00"));
    // Cases is still active.
    assert_eq!(send(&mut card, "80010000"), hex("9000"));
}

#[test]
fn a_context_active_elsewhere_refuses_a_non_multiselectable_applet() {
    let Some(mut card) = card_with(Protocol::T1, &[("store", "store.cap")], &[]) else {
        return;
    };
    for aid in [STORE_1, STORE_2] {
        card.install_applet(&InstallRequest::new(&hex(STORE_CLASS), &hex(aid), &[]))
            .unwrap();
    }
    assert_eq!(send(&mut card, &select(STORE_1)), hex("9000"));
    // Channel 1, the other instance of the same package: 6985 (§4.5.2 step 5), the channel
    // stays open with no applet (proprietary class: 6999).
    assert_eq!(
        send(&mut card, &format!("01A4040008{STORE_2}")),
        hex("6985")
    );
    assert_eq!(send(&mut card, "8120000000"), hex("6999"));
    // Selecting the active instance itself on another channel: 6985 as well.
    assert_eq!(
        send(&mut card, &format!("01A4040008{STORE_1}")),
        hex("6985")
    );
    // The applet on channel 0 was not disturbed: its counter still counts.
    assert_eq!(send(&mut card, "8020000000"), hex("00019000"));
}

#[test]
fn manage_channel_open_selects_the_origin_channels_applet() {
    let Some(mut card) = card_with(Protocol::T1, &[("apdu", "apdu.cap")], &[CASES]) else {
        return;
    };
    assert_eq!(send(&mut card, "0070000001"), hex("019000"));
    assert_eq!(
        send(&mut card, "8101000000"),
        hex("6999"),
        "nothing on channel 1"
    );
    assert_eq!(send(&mut card, &format!("01A4040008{CASES}")), hex("9000"));
    // Opened from channel 1, channel 2 gets the applet active there (JCRE 3.0.5 §4.5.1);
    // Cases is MultiSelectable.
    assert_eq!(send(&mut card, "0170000001"), hex("029000"));
    assert_eq!(send(&mut card, "82010000"), hex("9000"));
    // Case 4 on channel 2 reports channel 2 (golden apdu INS 06).
    assert_eq!(send(&mut card, "820600000301020300"), hex("00030005029000"));
    // Closing channel 2 leaves channel 1 working.
    assert_eq!(send(&mut card, "00708002"), hex("9000"));
    assert_eq!(send(&mut card, "82010000"), hex("6881"));
    assert_eq!(send(&mut card, "81010000"), hex("9000"));
}

#[test]
fn the_default_applet_is_active_after_reset_and_on_channels_opened_from_the_basic_one() {
    let Some(mut card) = card_with(Protocol::T1, &[("apdu", "apdu.cap")], &[CASES]) else {
        return;
    };
    assert_eq!(send(&mut card, "80010000"), hex("6999"), "no default yet");
    card.set_default_applet(Some(&hex(CASES))).unwrap();
    card.reset();
    assert_eq!(send(&mut card, "80010000"), hex("9000"));
    assert_eq!(send(&mut card, "0070000001"), hex("019000"));
    assert_eq!(send(&mut card, "81010000"), hex("9000"));
    assert!(card.set_default_applet(Some(&hex("F000000009"))).is_err());
    card.set_default_applet(None).unwrap();
    card.reset();
    assert_eq!(send(&mut card, "80010000"), hex("6999"));
}

#[test]
fn extended_commands_reach_only_extended_length_applets() {
    let Some(mut card) = card_with(
        Protocol::T1,
        &[("ops", "ops.cap"), ("apdu", "apdu.cap")],
        &[OPS, CASES],
    ) else {
        return;
    };
    assert_eq!(send(&mut card, &select(OPS)), hex("9000"));
    // Ops does not implement javacardx.apdu.ExtendedLength.
    assert_eq!(send(&mut card, "80FF0000000001AA"), hex("6700"));
    assert_eq!(send(&mut card, &select(CASES)), hex("9000"));
    // Cases does: extended header, data at offset 7 (golden apdu INS 06).
    assert_eq!(
        send(&mut card, "800600000000030102030000"),
        hex("00030007009000")
    );
}

#[test]
fn t0_applet_responses_use_61xx_and_6cxx() {
    let Some(mut card) = card_with(Protocol::T0, &[("apdu", "apdu.cap")], &[CASES]) else {
        return;
    };
    assert_eq!(send(&mut card, &select(CASES)), hex("9000"));
    // Case 2 with the exact Le: the bytes directly.
    let r = send(&mut card, "8002000010");
    assert_eq!(r.len(), 18);
    assert_eq!(&r[16..], &hex("9000")[..]);
    // Case 2 with Le too large for the 3 bytes case 4 echoes... case 4 under T=0 carries no
    // Le: the data waits behind 61xx for GET RESPONSE.
    assert_eq!(send(&mut card, "8004000003AABBCC"), hex("6103"));
    assert_eq!(send(&mut card, "00C0000003"), hex("AABBCC9000"));
    // GET RESPONSE with nothing pending goes to the applet, which does not know INS C0.
    assert_eq!(send(&mut card, "00C0000003"), hex("6D00"));
}

#[test]
fn deletion_is_refused_while_referenced() {
    let Some(mut card) = card_with(
        Protocol::T1,
        &[("sio-server", "server.cap"), ("sio-client", "client.cap")],
        &[SERVER, CLIENT],
    ) else {
        return;
    };
    let server_pkg = hex("F04A434F531003");
    let client_pkg = hex("F04A434F531004");
    assert!(matches!(
        card.delete_package(&server_pkg),
        Err(ContentError::HasInstances { .. })
    ));
    assert_eq!(send(&mut card, &select(CLIENT)), hex("9000"));
    assert!(matches!(
        card.delete_applet(&hex(CLIENT)),
        Err(ContentError::Active { .. })
    ));
    card.reset();
    card.delete_applet(&hex(CLIENT)).unwrap();
    assert!(card.registry().applet(&hex(CLIENT)).is_none());
    assert_eq!(send(&mut card, &select(CLIENT)), hex("6A82"));
    card.delete_applet(&hex(SERVER)).unwrap();
    // The client package still imports the server package.
    assert!(matches!(
        card.delete_package(&server_pkg),
        Err(ContentError::Imported { .. })
    ));
    card.delete_package(&client_pkg).unwrap();
    card.delete_package(&server_pkg).unwrap();
    assert!(card.registry().packages().is_empty());
    // The AIDs are free again: both load and install anew.
    card.load_package(&golden("sio-server", "server.cap").unwrap())
        .unwrap();
    card.load_package(&golden("sio-client", "client.cap").unwrap())
        .unwrap();
    for aid in [SERVER, CLIENT] {
        card.install_applet(&InstallRequest::new(&hex(aid), &hex(aid), &[]))
            .unwrap();
    }
    assert_eq!(send(&mut card, &select(CLIENT)), hex("9000"));
    assert_eq!(send(&mut card, "8030050000"), hex("00059000"));
}

#[test]
fn loading_and_installing_refuse_clashes() {
    let Some(mut card) = card_with(Protocol::T1, &[("ops", "ops.cap")], &[OPS]) else {
        return;
    };
    let ops = golden("ops", "ops.cap").unwrap();
    assert!(matches!(
        card.load_package(&ops),
        Err(ContentError::AlreadyLoaded { .. })
    ));
    assert!(matches!(
        card.install_applet(&InstallRequest::new(&hex(OPS), &hex(OPS), &[])),
        Err(ContentError::AidInUse { .. })
    ));
    assert!(matches!(
        card.install_applet(&InstallRequest::new(
            &hex("F0000000FF"),
            &hex("F0000000FE"),
            &[]
        )),
        Err(ContentError::UnknownClass { .. })
    ));
    assert!(matches!(
        card.install_applet(&InstallRequest::new(&hex(OPS), &hex("F000"), &[])),
        Err(ContentError::BadAid { .. })
    ));
    // The client imports the server package, which is not loaded: the verifier, which runs
    // before linking, cannot resolve the import.
    let refused = card.load_package(&golden("sio-client", "client.cap").unwrap());
    assert!(
        matches!(refused, Err(ContentError::Verify(_))),
        "{refused:?}"
    );
    assert!(matches!(
        card.load_package(b"not a CAP file"),
        Err(ContentError::Cap(_))
    ));
}

#[test]
fn the_development_installer_loads_installs_and_deletes_over_apdus() {
    let Some(cap) = golden("apdu", "apdu.cap") else {
        return;
    };
    let installer = "A00000006203010801";
    let mut card = Card::new(CardConfig::default());
    assert_eq!(send(&mut card, &select(installer)), hex("6A82"), "disabled");
    card.enable_installer();
    assert_eq!(send(&mut card, &select(installer)), hex("9000"));
    assert_eq!(
        send(&mut card, "80BA0000"),
        hex("6985"),
        "CAP end before begin"
    );
    assert_eq!(send(&mut card, "80B00000"), hex("9000"));
    assert_eq!(send(&mut card, "80B20000"), hex("9000"));
    for chunk in cap.chunks(200) {
        let mut apdu = hex("80B40000");
        apdu.push(chunk.len() as u8);
        apdu.extend_from_slice(chunk);
        assert_eq!(card.transmit(&apdu), hex("9000"));
    }
    assert_eq!(send(&mut card, "80BC0000"), hex("9000"));
    assert_eq!(send(&mut card, "80BA0000"), hex("9000"));
    assert_eq!(card.registry().packages()[0].aid, hex("F04A434F531005"));
    // Create applet: class AID, no parameters, instance AID.
    let create = format!("80B8000013 08{CASES} 00 08F04A434F531005AA");
    assert_eq!(send(&mut card, &create), hex("9000"));
    assert_eq!(send(&mut card, &create), hex("6A89"), "instance AID in use");
    assert_eq!(
        send(&mut card, "80B800000D 05F0000000FF 00 05F0000000FE"),
        hex("6A88"),
        "unknown class"
    );
    assert_eq!(send(&mut card, "80B8000002 05F0"), hex("6A80"), "truncated");
    assert_eq!(send(&mut card, "80B00000"), hex("9000"));
    assert_eq!(send(&mut card, "80B4000004 CAFEBABE"), hex("9000"));
    assert_eq!(send(&mut card, "80BA0000"), hex("6A80"), "not a CAP file");
    // The new instance works.
    assert_eq!(send(&mut card, &select("F04A434F531005AA")), hex("9000"));
    assert_eq!(send(&mut card, "80010000"), hex("9000"));
    // Deleting: the package has an instance; the instance first, then the package.
    assert_eq!(send(&mut card, &select(installer)), hex("9000"));
    assert_eq!(send(&mut card, "80C0000008 07F04A434F531005"), hex("6985"));
    assert_eq!(
        send(&mut card, "80C4000009 08F04A434F531005AA"),
        hex("9000")
    );
    assert_eq!(send(&mut card, "80C0000008 07F04A434F531005"), hex("9000"));
    assert!(card.registry().packages().is_empty());
}

#[test]
fn a_cap_file_failing_verification_is_refused_before_linking() {
    let Some(bytes) = golden("ops", "ops.cap") else {
        return;
    };
    let mut cap = jcos_vm::cap::CapFile::from_bytes(&bytes).unwrap();
    // The first method with a compact header (JCVM 3.0.5 §6.9: flags in the high nibble,
    // max_stack in the low one) that uses its stack gets max_stack 0: it still parses and
    // links, but its bytecode overflows the declared stack.
    let base = cap.method.methods_offset();
    let header = cap
        .methods()
        .unwrap()
        .into_iter()
        .filter_map(|e| e.method)
        .map(|m| usize::from(m.offset) - base)
        .find(|&h| cap.method.methods[h] & 0x80 == 0 && cap.method.methods[h] & 0x0F > 0)
        .unwrap();
    cap.method.methods[header] &= 0xF0;
    let mutated = cap.to_ijc_bytes().unwrap();
    let mut card = Card::new(CardConfig::default());
    let err = card.load_package(&mutated).unwrap_err();
    assert!(matches!(err, ContentError::Verify(_)), "{err}");
    assert!(card.registry().packages().is_empty());
    // The unmodified file loads.
    card.load_package(&bytes).unwrap();
}
