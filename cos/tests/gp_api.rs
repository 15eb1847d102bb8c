//! The `org.globalplatform` API for applets (GlobalPlatform Card API 1.6) through the test
//! applet in `tests/applets/gp-api` (Java source beside its CAP file, built with `jcos
//! build`), installed with the privileges each case needs. Expected values come from the
//! Card API (`GPSystem`, `GPRegistryEntry` and `CVM` constants and rules) and the
//! GlobalPlatform Card Specification 2.3.1 (life cycle codings, Table 6-1 privileges).

use jcos_cos::{Card, CardConfig, CardLifeCycle, InstallRequest, Privileges};

mod common;
use common::{hex, read, select, send};

const CLASS: &str = "F04A434F53FF0301";
/// An instance without privileges.
const APP: &str = "F04A434F53FF0301";
/// A second instance, given the privileges a case needs.
const OTHER: &str = "F04A434F53FF0302";
/// The issuer security domain's instance AID.
const ISD: &str = "A000000151000000";

/// Byte 1: Card Lock (b5), Card Terminate (b4), CVM Management (b2); byte 2: Global Lock
/// (b4), Global Registry (b3).
const CARD_LOCK: [u8; 3] = [0x10, 0, 0];
const CARD_TERMINATE: [u8; 3] = [0x08, 0, 0];
const CVM_MANAGEMENT: [u8; 3] = [0x02, 0, 0];
const GLOBAL_LOCK_AND_REGISTRY: [u8; 3] = [0, 0x0C, 0];

fn install(card: &mut Card, aid: &str, privileges: [u8; 3]) {
    let class = hex(CLASS);
    let aid = hex(aid);
    let mut request = InstallRequest::new(&class, &aid, &[]);
    request.privileges = Privileges(privileges);
    card.install_applet(&request).unwrap();
}

/// A card with the issuer security domain, the probe as APP and as OTHER.
fn isd_card(other: [u8; 3]) -> Card {
    let mut card = Card::new(CardConfig::default());
    card.install_isd(&read("../applets/isd/isd.cap")).unwrap();
    card.load_package(&read("tests/applets/gp-api/gp-api.cap"))
        .unwrap();
    install(&mut card, APP, [0, 0, 0]);
    install(&mut card, OTHER, other);
    card.power_on();
    card
}

/// The answer of instruction `ins` with P1 `p1` and `data` to the applet `aid`.
fn call(card: &mut Card, aid: &str, ins: u8, p1: u8, data: &[u8]) -> Vec<u8> {
    assert_eq!(select(card, aid), hex("9000"), "select {aid}");
    send(card, &format!("80{ins:02X}{p1:02X}00"), data)
}

fn app_state(card: &Card, aid: &str) -> u8 {
    card.registry().applet(&hex(aid)).unwrap().life_cycle.0
}

#[test]
fn card_and_own_life_cycle_states() {
    let mut card = isd_card([0, 0, 0]);
    // CARD_SECURED on a card with the issuer security domain, CARD_OP_READY without.
    assert_eq!(call(&mut card, APP, 0x10, 0, &[]), hex("0F 9000"));
    assert_eq!(call(&mut card, APP, 0x11, 0, &[]), hex("07 9000"));
    // Application-specific states: 07..7F with the three low bits set.
    assert_eq!(call(&mut card, APP, 0x12, 0x0F, &[]), hex("01 9000"));
    assert_eq!(call(&mut card, APP, 0x11, 0, &[]), hex("0F 9000"));
    assert_eq!(app_state(&card, APP), 0x0F);
    for refused in [0x0B, 0x03, 0x00, 0xFF, 0x8F] {
        assert_eq!(
            call(&mut card, APP, 0x12, refused, &[]),
            hex("00 9000"),
            "{refused:02X}"
        );
    }
    assert_eq!(call(&mut card, APP, 0x12, 0x7F, &[]), hex("01 9000"));
    assert_eq!(app_state(&card, APP), 0x7F);
    // APPLICATION_LOCKED: the application locks itself and is answered no more.
    assert_eq!(call(&mut card, APP, 0x12, 0x80, &[]), hex("01 9000"));
    assert_eq!(app_state(&card, APP), 0xFF);
    assert_eq!(send(&mut card, "80110000", &[]), hex("6999"));
    assert_eq!(select(&mut card, APP), hex("6A82"));

    let mut bare = Card::new(CardConfig::default());
    bare.load_package(&read("tests/applets/gp-api/gp-api.cap"))
        .unwrap();
    install(&mut bare, APP, [0, 0, 0]);
    bare.power_on();
    assert_eq!(call(&mut bare, APP, 0x10, 0, &[]), hex("01 9000"));
}

#[test]
fn lock_card_needs_the_card_lock_privilege() {
    let mut card = isd_card(CARD_LOCK);
    assert_eq!(call(&mut card, APP, 0x13, 0, &[]), hex("00 9000"));
    assert_eq!(card.registry().card_life_cycle(), CardLifeCycle::SECURED);
    assert_eq!(call(&mut card, OTHER, 0x13, 0, &[]), hex("01 9000"));
    assert_eq!(
        card.registry().card_life_cycle(),
        CardLifeCycle::CARD_LOCKED
    );
    // On a locked card only the issuer security domain is selectable.
    assert_eq!(select(&mut card, OTHER), hex("6A82"));
    assert!(select(&mut card, ISD).ends_with(&[0x90, 0x00]));
}

#[test]
fn terminate_card_needs_the_card_terminate_privilege() {
    let mut card = isd_card(CARD_TERMINATE);
    assert_eq!(call(&mut card, APP, 0x14, 0, &[]), hex("00 9000"));
    // Card Lock does not terminate.
    assert_eq!(card.registry().card_life_cycle(), CardLifeCycle::SECURED);
    assert_eq!(call(&mut card, OTHER, 0x13, 0, &[]), hex("00 9000"));
    assert_eq!(call(&mut card, OTHER, 0x14, 0, &[]), hex("01 9000"));
    assert_eq!(card.registry().card_life_cycle(), CardLifeCycle::TERMINATED);
    assert_eq!(select(&mut card, APP), hex("6A82"));
}

#[test]
fn atr_historical_bytes_set_with_the_card_reset_privilege() {
    // OTHER holds Card Reset (privilege number 5: byte 1, bit 0x04), APP none.
    let mut card = isd_card([0x04, 0, 0]);
    let atr = card.atr();
    assert_eq!(call(&mut card, APP, 0x15, 0, &hex("8001")), hex("00 9000"));
    assert_eq!(card.reset(), atr);
    // 16 bytes are more than an ATR can announce (ISO/IEC 7816-3: K is one nibble).
    assert_eq!(call(&mut card, OTHER, 0x15, 0, &[0x80; 16]), hex("00 9000"));
    assert_eq!(card.reset(), atr);
    assert_eq!(
        call(&mut card, OTHER, 0x15, 0, &hex("80 31 C0 73")),
        hex("01 9000")
    );
    // T=1: 3B, T0 = 80 | K (K = 4), TD1 81, TD2 31, TA3 FE, TB3 45, the bytes, TCK.
    let new = card.reset();
    let mut expected = hex("3B 84 81 31 FE 45 80 31 C0 73");
    let tck = expected[1..].iter().fold(0, |acc, b| acc ^ b);
    expected.push(tck);
    assert_eq!(new.as_bytes(), &expected[..]);
    assert_eq!(new.historical_bytes(), &hex("80 31 C0 73")[..]);
}

#[test]
fn registry_entries() {
    let mut card = isd_card(GLOBAL_LOCK_AND_REGISTRY);
    // Its own entry (null AID, or its AID): SELECTABLE, no privileges, its AID.
    let own = hex(&format!("07 000000 08 {APP} 9000"));
    assert_eq!(call(&mut card, APP, 0x20, 0, &[]), own);
    assert_eq!(call(&mut card, APP, 0x20, 0, &hex(APP)), own);
    // Another application's entry needs Global Registry (or being its security domain).
    assert_eq!(call(&mut card, APP, 0x20, 0, &hex(OTHER)), hex("6A88"));
    assert_eq!(call(&mut card, APP, 0x20, 0, &hex(ISD)), hex("6A88"));
    assert_eq!(
        call(&mut card, OTHER, 0x20, 0, &hex(APP)),
        hex(&format!("07 000000 08 {APP} 9000"))
    );
    // The issuer security domain: its state as GET STATUS shows it (the card life cycle
    // is not its application state), privileges 9E 00 00.
    let isd = call(&mut card, OTHER, 0x20, 0, &hex(ISD));
    assert_eq!(&isd[1..4], &hex("9E0000")[..]);
    assert_eq!(&isd[4..], &hex(&format!("08 {ISD} 9000"))[..]);
    // No such application.
    assert_eq!(
        call(&mut card, OTHER, 0x20, 0, &hex("A0000001519999")),
        hex("6A88")
    );

    // isPrivileged by GlobalPlatform privilege number: the ISD holds 0, 3, 4, 5, 6.
    for (n, expect) in [
        (0, 1),
        (3, 1),
        (4, 1),
        (5, 1),
        (6, 1),
        (1, 0),
        (7, 0),
        (13, 0),
    ] {
        let answer = call(&mut card, OTHER, 0x21, n, &hex(ISD));
        assert_eq!(answer, vec![expect, 0x90, 0x00], "privilege {n}");
    }
    // Its own: Global Lock (12) and Global Registry (13).
    for (n, expect) in [(12, 1), (13, 1), (11, 0), (14, 0), (0, 0)] {
        let answer = call(&mut card, OTHER, 0x21, n, &[]);
        assert_eq!(answer, vec![expect, 0x90, 0x00], "privilege {n}");
    }
    // Associated with the issuer security domain, not with another application.
    assert_eq!(call(&mut card, APP, 0x22, 0, &hex(ISD)), hex("01 9000"));
    assert_eq!(call(&mut card, APP, 0x22, 0, &hex(OTHER)), hex("00 9000"));
    // No Global Services: registerService answers SW_CONDITIONS_NOT_SATISFIED, getService
    // finds nothing.
    assert_eq!(call(&mut card, APP, 0x24, 0, &[]), hex("6985 9000"));
    assert_eq!(call(&mut card, APP, 0x25, 0, &[]), hex("01 9000"));
    // The JCRE keeps one entry object per application and one global PIN.
    assert_eq!(call(&mut card, APP, 0x26, 0, &[]), hex("01 9000"));
}

#[test]
fn set_state_follows_the_registry_entry_rules() {
    let mut card = isd_card(GLOBAL_LOCK_AND_REGISTRY);
    // Its own entry: application-specific states, never INSTALLED.
    assert_eq!(call(&mut card, APP, 0x23, 0x1F, &[]), hex("01 9000"));
    assert_eq!(app_state(&card, APP), 0x1F);
    assert_eq!(call(&mut card, APP, 0x23, 0x03, &[]), hex("00 9000"));
    // Another's entry: only lock and unlock, by Global Lock.
    assert_eq!(
        call(&mut card, OTHER, 0x23, 0x0F, &hex(APP)),
        hex("00 9000")
    );
    assert_eq!(
        call(&mut card, OTHER, 0x23, 0x80, &hex(APP)),
        hex("01 9000")
    );
    assert_eq!(app_state(&card, APP), 0x9F);
    // Not selectable: the SELECT goes to OTHER, active on the channel, which refuses
    // CLA 00.
    assert_eq!(select(&mut card, APP), hex("6E00"));
    assert_eq!(
        call(&mut card, OTHER, 0x23, 0x1F, &hex(APP)),
        hex("01 9000")
    );
    assert_eq!(app_state(&card, APP), 0x1F);
    // The issuer security domain's entry never changes.
    assert_eq!(
        call(&mut card, OTHER, 0x23, 0x80, &hex(ISD)),
        hex("00 9000")
    );
    // Without Global Lock (APP cannot even get OTHER's entry, so it asks for its own and
    // tries to unlock nothing): locking itself works, unlocking itself does not.
    assert_eq!(call(&mut card, APP, 0x23, 0x80, &[]), hex("01 9000"));
    assert_eq!(app_state(&card, APP), 0x9F);
}

/// The global PIN's isActive, isSubmitted, isVerified, isBlocked, getTriesRemaining.
fn pin_status(card: &mut Card, aid: &str) -> Vec<u8> {
    call(card, aid, 0x31, 0, &[])
}

#[test]
fn global_pin() {
    let mut card = isd_card(CVM_MANAGEMENT);
    // CVM_GLOBAL_PIN (0x11) exists; the ETSI PINs do not.
    assert_eq!(call(&mut card, APP, 0x30, 0x11, &[]), hex("01 9000"));
    assert_eq!(call(&mut card, APP, 0x30, 0x01, &[]), hex("00 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("00 00 00 00 00 9000"));
    // update and setTryLimit need CVM Management.
    assert_eq!(call(&mut card, APP, 0x32, 1, b"1234"), hex("00 9000"));
    assert_eq!(call(&mut card, APP, 0x33, 3, &[]), hex("00 9000"));
    // ACTIVE once both the value and the try limit are set.
    assert_eq!(call(&mut card, OTHER, 0x32, 1, b"1234"), hex("01 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("00 00 00 00 00 9000"));
    assert_eq!(call(&mut card, OTHER, 0x33, 0, &[]), hex("00 9000"));
    assert_eq!(call(&mut card, OTHER, 0x33, 3, &[]), hex("01 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 00 00 00 03 9000"));
    // BCD not numerical is refused at update.
    assert_eq!(call(&mut card, OTHER, 0x32, 2, &hex("1A")), hex("00 9000"));
    // Stored as ASCII, verified as BCD: CVM_SUCCESS (0000) and VALIDATED.
    assert_eq!(
        call(&mut card, APP, 0x34, 2, &hex("1234")),
        hex("0000 9000")
    );
    assert_eq!(pin_status(&mut card, APP), hex("01 01 01 00 03 9000"));
    // The verified state is per power session.
    card.reset();
    assert_eq!(pin_status(&mut card, APP), hex("01 00 00 00 03 9000"));
    // A wrong value: CVM_FAILURE (FFFF), INVALID_SUBMISSION, one try less; HEX against an
    // ASCII value always fails.
    assert_eq!(call(&mut card, APP, 0x34, 1, b"1235"), hex("FFFF 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 01 00 00 02 9000"));
    assert_eq!(call(&mut card, APP, 0x34, 3, b"1234"), hex("FFFF 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 01 00 00 01 9000"));
    // resetState: from INVALID_SUBMISSION to ACTIVE, not from ACTIVE.
    assert_eq!(call(&mut card, APP, 0x35, 0, &[]), hex("01 9000"));
    assert_eq!(call(&mut card, APP, 0x35, 0, &[]), hex("00 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 00 00 00 01 9000"));
    // The last try blocks it; the right value then fails too.
    assert_eq!(call(&mut card, APP, 0x34, 1, b"0000"), hex("FFFF 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 01 00 01 00 9000"));
    assert_eq!(call(&mut card, APP, 0x34, 1, b"1234"), hex("FFFF 9000"));
    assert_eq!(call(&mut card, APP, 0x35, 0, &[]), hex("00 9000"));
    // Unblocking needs CVM Management and restores the try limit.
    assert_eq!(call(&mut card, APP, 0x37, 0, &[]), hex("00 9000"));
    assert_eq!(call(&mut card, OTHER, 0x37, 0, &[]), hex("01 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 00 00 00 03 9000"));
    assert_eq!(call(&mut card, APP, 0x34, 1, b"1234"), hex("0000 9000"));
    // blockState too.
    assert_eq!(call(&mut card, APP, 0x36, 0, &[]), hex("00 9000"));
    assert_eq!(call(&mut card, OTHER, 0x36, 0, &[]), hex("01 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 00 00 01 00 9000"));
    assert_eq!(call(&mut card, OTHER, 0x37, 0, &[]), hex("01 9000"));
    // A new value (BCD, odd length padded with F) resets the counter and the state.
    assert_eq!(
        call(&mut card, OTHER, 0x32, 2, &hex("98765F")),
        hex("01 9000")
    );
    assert_eq!(call(&mut card, APP, 0x34, 1, b"98765"), hex("0000 9000"));
    assert_eq!(
        call(&mut card, APP, 0x34, 2, &hex("98765F")),
        hex("0000 9000")
    );
    assert_eq!(call(&mut card, APP, 0x34, 1, b"1234"), hex("FFFF 9000"));
}

#[test]
fn the_try_counter_and_the_pin_state_ignore_transactions() {
    let mut card = isd_card(CVM_MANAGEMENT);
    assert_eq!(call(&mut card, OTHER, 0x32, 1, b"4321"), hex("01 9000"));
    assert_eq!(call(&mut card, OTHER, 0x33, 3, &[]), hex("01 9000"));
    // A wrong value inside an aborted transaction still costs a try.
    assert_eq!(call(&mut card, APP, 0x38, 1, b"0000"), hex("FFFF 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 01 00 00 02 9000"));
    // The right one still resets the counter and validates.
    assert_eq!(call(&mut card, APP, 0x38, 1, b"4321"), hex("0000 9000"));
    assert_eq!(pin_status(&mut card, APP), hex("01 01 01 00 03 9000"));
}

#[test]
fn global_pin_value_and_counter_persist_in_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.img");
    let mut card = isd_card(CVM_MANAGEMENT);
    assert_eq!(call(&mut card, OTHER, 0x32, 1, b"4321"), hex("01 9000"));
    assert_eq!(call(&mut card, OTHER, 0x33, 5, &[]), hex("01 9000"));
    assert_eq!(call(&mut card, APP, 0x34, 1, b"0000"), hex("FFFF 9000"));
    card.write_new_image(&path).unwrap();
    let mut reopened = Card::open_image(&path).unwrap();
    reopened.power_on();
    assert_eq!(pin_status(&mut reopened, APP), hex("01 00 00 00 04 9000"));
    assert_eq!(call(&mut reopened, APP, 0x34, 1, b"4321"), hex("0000 9000"));
    assert_eq!(pin_status(&mut reopened, APP), hex("01 01 01 00 05 9000"));
}

#[test]
fn a_torn_verify_has_counted_the_try() {
    let mut card = isd_card(CVM_MANAGEMENT);
    assert_eq!(call(&mut card, OTHER, 0x32, 1, b"4321"), hex("01 9000"));
    assert_eq!(call(&mut card, OTHER, 0x33, 3, &[]), hex("01 9000"));
    assert_eq!(select(&mut card, APP), hex("9000"));
    // The first persistent write of a verify is the decremented counter; power is lost
    // on the second (the counter's reset after the right value).
    card.arm_tear(1);
    let _ = send(&mut card, "80340100", b"4321");
    assert!(card.power_lost());
    card.power_on();
    assert_eq!(pin_status(&mut card, APP), hex("01 00 00 00 02 9000"));
}

#[test]
fn a_security_domain_hands_out_its_secure_channel() {
    // On a bare card the probe as a security domain serves itself: the JCRE asks it with
    // its own AID as client and parameter 0x53.
    let mut card = Card::new(CardConfig::default());
    card.load_package(&read("tests/applets/gp-api/gp-api.cap"))
        .unwrap();
    install(&mut card, APP, [0, 0, 0]);
    install(&mut card, OTHER, [0x80, 0, 0]);
    card.power_on();
    assert_eq!(call(&mut card, OTHER, 0x40, 0, &[]), hex("01 33 9000"));
    assert_eq!(
        call(&mut card, OTHER, 0x41, 0, &[]),
        hex(&format!("53 08 {OTHER} 9000"))
    );
    // An application with no associated security domain has no secure channel.
    assert_eq!(call(&mut card, APP, 0x40, 0, &[]), hex("00 9000"));
}
