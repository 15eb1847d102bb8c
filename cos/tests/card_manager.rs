//! jcos.framework and the card side of GlobalPlatform content management, through the test
//! applet in `tests/applets/gp` (Java source beside its CAP file, built with `jcos build`),
//! installed once with the Security Domain privilege (`80 00 00`) and once without. Expected
//! values come from the jcos.framework contract, GlobalPlatform Card Specification 2.3.1
//! (status words, life cycle and privilege codings, GET STATUS tags) and SHA-256 computed
//! here by the `sha2` crate over the load file.

use jcos_cos::{Card, CardConfig, CardLifeCycle, InstallRequest, LifeCycle, Privileges};
use sha2::{Digest, Sha256};

mod common;
use common::{hex, read, select, send};

const PROBE_CLASS: &str = "F04A434F53FF0201";
/// The probe instance holding the Security Domain privilege.
const SD: &str = "F04A434F53FF0201";
/// The probe instance without privileges.
const APP: &str = "F04A434F53FF0202";
/// The counter applet's package and applet class (applets/counter/applet.toml).
const COUNTER_PACKAGE: &str = "F04A434F530201";
const COUNTER_CLASS: &str = "F04A434F53020101";
/// The issuer security domain's instance AID.
const ISD: &str = "A000000151000000";

fn install(card: &mut Card, class: &str, aid: &str, privileges: [u8; 3]) {
    let class = hex(class);
    let aid = hex(aid);
    let mut request = InstallRequest::new(&class, &aid, &[]);
    request.privileges = Privileges(privileges);
    card.install_applet(&request).unwrap();
}

/// A bare card with the probe as a security domain (SD) and as a plain applet (APP).
fn card() -> Card {
    let mut card = Card::new(CardConfig::default());
    card.load_package(&read("tests/applets/gp/gp.cap")).unwrap();
    install(&mut card, PROBE_CLASS, SD, [0x80, 0, 0]);
    install(&mut card, PROBE_CLASS, APP, [0, 0, 0]);
    card.power_on();
    card
}

/// A card with the issuer security domain, plus the probe as a second security domain.
fn isd_card() -> Card {
    let mut card = Card::new(CardConfig::default());
    card.install_isd(&read("../applets/isd/isd.cap")).unwrap();
    card.load_package(&read("tests/applets/gp/gp.cap")).unwrap();
    install(&mut card, PROBE_CLASS, SD, [0x80, 0, 0]);
    install(&mut card, PROBE_CLASS, APP, [0, 0, 0]);
    card.power_on();
    card
}

fn sw(response: &[u8]) -> u16 {
    u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]])
}

/// A length-prefixed field.
fn lv(bytes: &[u8]) -> Vec<u8> {
    let mut v = vec![u8::try_from(bytes.len()).unwrap()];
    v.extend_from_slice(bytes);
    v
}

/// The counter package in component form (the Load File Data Block).
fn counter_components() -> Vec<u8> {
    let cap = read("../applets/counter/counter.cap");
    jcos_vm::cap::CapFile::from_bytes(&cap)
        .unwrap()
        .to_ijc_bytes()
        .unwrap()
}

/// INSTALL [for load] data (GP 2.3.1 Table 11-48): load file AID, no SD AID, the hash, no
/// load parameters, no token.
fn for_load(package: &str, hash: &[u8]) -> Vec<u8> {
    [lv(&hex(package)), lv(&[]), lv(hash), lv(&[]), lv(&[])].concat()
}

/// The load file: the components in a C4 TLV with the 82 length form.
fn load_file(components: &[u8]) -> Vec<u8> {
    let len = u16::try_from(components.len()).unwrap().to_be_bytes();
    [&[0xC4, 0x82, len[0], len[1]][..], components].concat()
}

/// INSTALL, then LOAD in 200-byte blocks through the selected security domain; the status
/// word of the last LOAD.
fn load_through_sd(card: &mut Card, components: &[u8], hash: &[u8]) -> u16 {
    assert_eq!(
        send(card, "80E60200", &for_load(COUNTER_PACKAGE, hash)),
        hex("9000")
    );
    let file = load_file(components);
    let blocks: Vec<&[u8]> = file.chunks(200).collect();
    let mut last_sw = 0;
    for (i, block) in blocks.iter().enumerate() {
        let p1 = if i + 1 == blocks.len() { "80" } else { "00" };
        last_sw = sw(&send(card, &format!("80E8{p1}{i:02X}"), block));
        if i + 1 < blocks.len() {
            assert_eq!(last_sw, 0x9000, "block {i}");
        }
    }
    last_sw
}

/// INSTALL [for install and make selectable] data (GP 2.3.1 Table 11-49) for the counter,
/// with privileges `00`, install parameters `C9 00` and no token.
fn for_install(instance: &str) -> Vec<u8> {
    [
        lv(&hex(COUNTER_PACKAGE)),
        lv(&hex(COUNTER_CLASS)),
        lv(&hex(instance)),
        lv(&[0x00]),
        lv(&[0xC9, 0x00]),
        lv(&[]),
    ]
    .concat()
}

/// DELETE data: `4F` and the AID.
fn delete_data(aid: &str) -> Vec<u8> {
    let aid = hex(aid);
    [&[0x4F, u8::try_from(aid.len()).unwrap()][..], &aid].concat()
}

#[test]
fn get_version_answers_0101_to_any_applet() {
    let mut card = card();
    assert_eq!(select(&mut card, APP), hex("9000"));
    assert_eq!(send(&mut card, "80010000", &[]), hex("01019000"));
    assert_eq!(select(&mut card, SD), hex("9000"));
    assert_eq!(send(&mut card, "80010000", &[]), hex("01019000"));
}

#[test]
fn card_manager_refuses_applets_without_the_security_domain_privilege() {
    let mut card = card();
    assert_eq!(select(&mut card, APP), hex("9000"));
    // Uncaught SecurityException: 6F00 (JCRE 3.0.5 §4.7); caught by the applet: its 6982.
    assert_eq!(send(&mut card, "80020000", &[]), hex("6F00"));
    assert_eq!(send(&mut card, "80070000", &[]), hex("6982"));
    assert_eq!(
        send(&mut card, "80E60200", &for_load(COUNTER_PACKAGE, &[])),
        hex("6F00")
    );
    assert_eq!(send(&mut card, "80E40000", &delete_data(SD)), hex("6F00"));
    assert!(card.registry().applet(&hex(SD)).is_some());
    // The security domain is answered: a bare card is OP_READY.
    assert_eq!(select(&mut card, SD), hex("9000"));
    assert_eq!(send(&mut card, "80070000", &[]), hex("9000"));
    assert_eq!(send(&mut card, "80020000", &[]), hex("019000"));
}

#[test]
fn a_security_domain_loads_installs_and_deletes_content() {
    let mut card = card();
    assert_eq!(select(&mut card, SD), hex("9000"));
    let components = counter_components();
    let hash = Sha256::digest(&components).to_vec();
    assert_eq!(load_through_sd(&mut card, &components, &hash), 0x9000);
    let package = card.registry().package(&hex(COUNTER_PACKAGE)).unwrap();
    assert_eq!(package.associated_sd, hex(SD));
    // The same package again: 6985 at INSTALL [for load].
    assert_eq!(
        send(&mut card, "80E60200", &for_load(COUNTER_PACKAGE, &hash)),
        hex("6985")
    );

    // An install whose process() then throws is dropped.
    let instance = "F04A434F5302010A";
    assert_eq!(
        send(&mut card, "80E60C01", &for_install(instance)),
        hex("6F01")
    );
    assert!(card.registry().applet(&hex(instance)).is_none());
    // Returned normally: installed after process(), SELECTABLE (07), with its SD.
    assert_eq!(
        send(&mut card, "80E60C00", &for_install(instance)),
        hex("9000")
    );
    let record = card.registry().applet(&hex(instance)).unwrap();
    assert_eq!(record.life_cycle, LifeCycle(0x07));
    assert_eq!(record.associated_sd, hex(SD));
    // Its AID is now taken (6A89); an unknown module is 6A88.
    assert_eq!(
        send(&mut card, "80E60C00", &for_install(instance)),
        hex("6A89")
    );
    let mut unknown = for_install("F04A434F5302010B");
    unknown[9] ^= 0xFF;
    assert_eq!(send(&mut card, "80E60C00", &unknown), hex("6A88"));

    // GET STATUS of applications (P1 40), entry 1 (the probe APP is entry 0): 4F, 9F70,
    // C5, CC (GP 2.3.1 Table 11-36).
    let expected = hex(&format!("4F08{instance} 9F700107 C503000000 CC08{SD}"));
    let mut want = expected.clone();
    want.extend(hex("9000"));
    assert_eq!(send(&mut card, "80064002", &[]), want);
    // Load files and modules (P1 10): the probe's package first, then the counter's.
    let want = hex(&format!(
        "4F07{COUNTER_PACKAGE} 9F700101 CE020100 8408{COUNTER_CLASS} CC08{SD} 9000"
    ));
    assert_eq!(send(&mut card, "80061001", &[]), want);
    assert_eq!(send(&mut card, "80061002", &[]), hex("6A88"));

    let mut counter = card.transmit(&hex(&format!("00A4040008{instance}")));
    assert_eq!(counter, hex("9000"));
    counter = card.transmit(&hex("80020000"));
    assert_eq!(counter, hex("00019000"));

    // DELETE: dropped when process() throws, done when it returns.
    assert_eq!(select(&mut card, SD), hex("9000"));
    assert_eq!(
        send(&mut card, "80E40100", &delete_data(instance)),
        hex("6F01")
    );
    assert!(card.registry().applet(&hex(instance)).is_some());
    // The package still has an instance: 6985 unless the related objects go too.
    assert_eq!(
        send(&mut card, "80E40000", &delete_data(COUNTER_PACKAGE)),
        hex("6985")
    );
    assert_eq!(
        send(&mut card, "80E40080", &delete_data(COUNTER_PACKAGE)),
        hex("9000")
    );
    assert!(card.registry().applet(&hex(instance)).is_none());
    assert!(card.registry().package(&hex(COUNTER_PACKAGE)).is_none());
    assert_eq!(
        send(&mut card, "80E40000", &delete_data(instance)),
        hex("6A88")
    );
}

#[test]
fn a_load_file_with_a_wrong_hash_is_refused() {
    let mut card = card();
    assert_eq!(select(&mut card, SD), hex("9000"));
    let components = counter_components();
    let mut hash = Sha256::digest(&components).to_vec();
    hash[0] ^= 0x01;
    assert_eq!(load_through_sd(&mut card, &components, &hash), 0x6A80);
    assert!(card.registry().package(&hex(COUNTER_PACKAGE)).is_none());
    // The session is over: LOAD without INSTALL [for load] is 6985.
    assert_eq!(send(&mut card, "80E88000", &[0xC4, 0x00]), hex("6985"));
    // Blocks out of order: 6A86.
    assert_eq!(
        send(&mut card, "80E60200", &for_load(COUNTER_PACKAGE, &[])),
        hex("9000")
    );
    assert_eq!(send(&mut card, "80E80001", &[0xC4]), hex("6A86"));
    // Without a hash, a C4 block that is not a CAP file fails after process(): 6A80.
    assert_eq!(
        send(&mut card, "80E88000", &[0xC4, 0x01, 0x00]),
        hex("6A80")
    );
    assert!(card.registry().package(&hex(COUNTER_PACKAGE)).is_none());
}

#[test]
fn a_locked_application_is_not_selectable() {
    let mut card = card();
    assert_eq!(select(&mut card, SD), hex("9000"));
    let app = hex(APP);
    assert_eq!(send(&mut card, "80040000", &app), hex("079000"));
    // Lock: bit 8 over SELECTABLE.
    assert_eq!(send(&mut card, "80058700", &app), hex("9000"));
    assert_eq!(send(&mut card, "80040000", &app), hex("879000"));
    assert_eq!(
        card.registry().applet(&app).unwrap().life_cycle,
        LifeCycle(0x87)
    );
    // With no applet active (the probe would get a SELECT nothing matches), the card
    // answers as for an absent applet.
    card.reset();
    assert_eq!(select(&mut card, APP), hex("6A82"));
    assert_eq!(select(&mut card, SD), hex("9000"));
    assert_eq!(send(&mut card, "80050700", &app), hex("9000"));
    assert_eq!(select(&mut card, APP), hex("9000"));
    // Unknown AIDs: 6A88; a state that is no application state: 6A80.
    assert_eq!(select(&mut card, SD), hex("9000"));
    assert_eq!(
        send(&mut card, "80040000", &hex("F04A434F53FFFF")),
        hex("6A88")
    );
    assert_eq!(send(&mut card, "80050500", &app), hex("6A80"));
}

#[test]
fn card_state_is_checked_and_persisted_across_image_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.img");
    let mut card = card();
    assert_eq!(select(&mut card, SD), hex("9000"));
    // Not among the five card life cycle states: 6A80.
    assert_eq!(send(&mut card, "80035500", &[]), hex("6A80"));
    assert_eq!(send(&mut card, "80030F00", &[]), hex("9000"));
    card.write_new_image(&path).unwrap();
    let mut reopened = Card::open_image(&path).unwrap();
    assert_eq!(
        reopened.registry().card_life_cycle(),
        CardLifeCycle::SECURED
    );
    assert_eq!(select(&mut reopened, SD), hex("9000"));
    assert_eq!(send(&mut reopened, "80020000", &[]), hex("0F9000"));

    // On a durable image, through its journal.
    let mut durable = Card::open_durable(&path, jcos_cos::Durability::Os).unwrap();
    assert_eq!(select(&mut durable, SD), hex("9000"));
    assert_eq!(send(&mut durable, "80030700", &[]), hex("9000"));
    drop(durable);
    let reopened = Card::open_image(&path).unwrap();
    assert_eq!(
        reopened.registry().card_life_cycle(),
        CardLifeCycle::INITIALIZED
    );
}

#[test]
fn the_issuer_security_domain_is_installed_at_creation() {
    let mut card = isd_card();
    let isd = card.registry().isd().unwrap();
    assert_eq!(isd.aid, hex(ISD));
    assert_eq!(isd.privileges, Privileges([0x9E, 0x00, 0x00]));
    assert_eq!(card.registry().card_life_cycle(), CardLifeCycle::SECURED);
    // GET STATUS P1 80: the ISD with the card life cycle SECURED (0F) and its privileges.
    assert_eq!(select(&mut card, SD), hex("9000"));
    assert_eq!(
        send(&mut card, "80068000", &[]),
        hex(&format!("4F08{ISD} 9F70010F C5039E0000 9000"))
    );
    // The ISD's life cycle is the card's: 6985; and it cannot be deleted.
    assert_eq!(send(&mut card, "80058700", &hex(ISD)), hex("6985"));
    assert_eq!(send(&mut card, "80E40000", &delete_data(ISD)), hex("6985"));
    // Card Reset: the ISD is the default selected application after a reset.
    card.reset();
    let default = card.transmit(&hex("80CA006600"));
    assert_ne!(sw(&default), 0x6999, "no applet active after reset");
}

#[test]
fn a_locked_card_selects_only_the_issuer_security_domain() {
    let mut card = isd_card();
    assert_eq!(select(&mut card, SD), hex("9000"));
    assert_eq!(send(&mut card, "80037F00", &[]), hex("9000"));
    // The probe, now neither selectable nor answered on its channel.
    assert_eq!(send(&mut card, "80020000", &[]), hex("6999"));
    assert_eq!(select(&mut card, SD), hex("6A82"));
    assert_eq!(select(&mut card, APP), hex("6A82"));
    let answer = select(&mut card, ISD);
    assert_eq!(sw(&answer), 0x9000, "the ISD stays selectable");
    // After a reset the ISD (Card Reset) is active and receives the SELECT no applet
    // matches; the probe stays unselected.
    card.reset();
    assert_ne!(sw(&select(&mut card, APP)), 0x9000);
    assert_ne!(sw(&send(&mut card, "80020000", &[])), 0x9000);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Random content-management calls by a security domain always get a status word and
        /// leave the card answering, with the security domain still installed.
        #[test]
        fn random_card_manager_calls_leave_the_card_usable(
            calls in proptest::collection::vec(
                (prop_oneof![Just(0x03u8), Just(0x04), Just(0x05), Just(0x06), Just(0xE4), Just(0xE6), Just(0xE8)],
                 any::<u8>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40)),
                1..12),
        ) {
            let mut card = card();
            prop_assert_eq!(select(&mut card, SD), hex("9000"));
            for (ins, p1, p2, data) in calls {
                let header = format!("80{ins:02X}{p1:02X}{p2:02X}");
                let response = send(&mut card, &header, &data);
                prop_assert!(response.len() >= 2);
                // A card locked or terminated by the call answers 6999 from now on.
                if card.registry().card_life_cycle().only_isd() {
                    break;
                }
            }
            prop_assert!(card.registry().applet(&hex(SD)).is_some());
            card.reset();
            prop_assert!(card.transmit(&hex("00A4040008F04A434F53FF0202")).len() >= 2);
        }
    }
}
