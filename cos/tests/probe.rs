//! The runtime features the golden fixtures do not reach, through the probe applet in
//! `tests/applets/probe` (Java source beside its CAP file, built with `jcos build`):
//! OwnerPIN, global arrays, available memory, object deletion, APDU and transaction misuse,
//! select() refusal and AppletEvent.uninstall. Expected values come from the Java Card 3.0.5
//! API (reason codes, constants) and the probe's source.

use jcos_cos::{Card, CardConfig, InstallRequest};

mod common;
use common::hex;

const CLASS: &str = "F04A434F53FF0101";
const A: &str = "F04A434F53FF0101";
const B: &str = "F04A434F53FF0102";

fn card() -> Card {
    let cap = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/applets/probe/probe.cap"
    ))
    .unwrap();
    let mut card = Card::new(CardConfig::default());
    card.load_package(&cap).unwrap();
    for aid in [A, B] {
        card.install_applet(&InstallRequest::new(&hex(CLASS), &hex(aid), &[]))
            .unwrap();
    }
    card.power_on();
    card
}

fn send(card: &mut Card, apdu: &str) -> Vec<u8> {
    card.transmit(&hex(apdu))
}

fn select(card: &mut Card, aid: &str) -> Vec<u8> {
    send(card, &format!("00A4040008{aid}"))
}

#[test]
fn owner_pin_counts_tries_blocks_and_forgets_validation_at_reset() {
    let mut card = card();
    assert_eq!(select(&mut card, A), hex("9000"));
    let wrong = "8002000004 05060708";
    let right = "8002000004 01020304";
    assert_eq!(send(&mut card, wrong), hex("00029000"));
    assert_eq!(send(&mut card, wrong), hex("00019000"));
    // Validated: 0x0100, and the try counter back at its limit of 3.
    assert_eq!(send(&mut card, right), hex("01039000"));
    assert_eq!(send(&mut card, "800E0000"), hex("00019000"));
    // The validated flag lives in CLEAR_ON_RESET memory.
    card.reset();
    assert_eq!(select(&mut card, A), hex("9000"));
    assert_eq!(send(&mut card, "800E0000"), hex("00009000"));
    // Three wrong tries block the PIN; the right one is then refused too.
    for tries in ["0002", "0001", "0000"] {
        assert_eq!(send(&mut card, wrong), hex(&format!("{tries}9000")));
    }
    assert_eq!(send(&mut card, right), hex("00009000"));
    assert_eq!(send(&mut card, "80030000"), hex("00009000"));
    assert_eq!(send(&mut card, right), hex("01039000"));
}

#[test]
fn global_arrays_and_available_memory() {
    let mut card = card();
    assert_eq!(select(&mut card, A), hex("9000"));
    // ARRAY_TYPE_BYTE (2): a CLEAR_ON_RESET (1) array.
    assert_eq!(send(&mut card, "8004020A"), hex("00019000"));
    // An invalid type: SystemException.ILLEGAL_VALUE reaches the JCRE, 6F00.
    assert_eq!(send(&mut card, "8004090A"), hex("6F00"));
    // MEMORY_TYPE_TRANSIENT_RESET: the 16 KiB transient area less what is in use.
    let transient = send(&mut card, "80050100");
    assert_eq!(transient.len(), 6);
    let free = u32::from_be_bytes(transient[..4].try_into().unwrap());
    assert!(free > 0 && free < 16 * 1024, "{free}");
    assert_eq!(send(&mut card, "80050900"), hex("6F00"));
}

#[test]
fn requested_object_deletion_frees_unreachable_objects() {
    let mut card = card();
    assert_eq!(select(&mut card, A), hex("9000"));
    // Collect what installation left behind first.
    assert_eq!(send(&mut card, "80060000"), hex("00019000"));
    let before = send(&mut card, "80050000");
    // 1024 bytes allocated and dropped, deletion requested: freed after the command.
    assert_eq!(send(&mut card, "80064000"), hex("00019000"));
    assert_eq!(send(&mut card, "80050000"), before);
}

#[test]
fn apdu_and_transaction_misuse_give_the_documented_reasons() {
    let mut card = card();
    assert_eq!(select(&mut card, A), hex("9000"));
    // setOutgoingLength(300) without ExtendedLength: APDUException.BAD_LENGTH (3).
    assert_eq!(send(&mut card, "80070000"), hex("6303"));
    // receiveBytes before setIncomingAndReceive: APDUException.ILLEGAL_USE (1).
    assert_eq!(send(&mut card, "8008000002AABB"), hex("00019000"));
    // Nested beginTransaction: TransactionException.IN_PROGRESS (1).
    assert_eq!(send(&mut card, "80090000"), hex("00019000"));
    // commitTransaction without one: TransactionException.NOT_IN_PROGRESS (2).
    assert_eq!(send(&mut card, "800A0000"), hex("00029000"));
    // Depth 1 inside, 0 after commit.
    assert_eq!(send(&mut card, "800D0000"), hex("01009000"));
    // The selected applet may fetch the current APDU buffer.
    assert_eq!(send(&mut card, "800C0000"), hex("00019000"));
}

#[test]
fn a_refusing_select_leaves_no_applet_active() {
    let mut card = card();
    assert_eq!(select(&mut card, A), hex("9000"));
    assert_eq!(send(&mut card, "80010100"), hex("00009000"));
    // Re-selecting A deselects it, then its select() refuses: 6999 (JCRE 3.0.5 §4.5.2).
    assert_eq!(select(&mut card, A), hex("6999"));
    assert_eq!(send(&mut card, "800E0000"), hex("6999"), "no applet active");
    assert_eq!(select(&mut card, B), hex("9000"));
    assert_eq!(send(&mut card, "800E0000"), hex("00009000"));
}

#[test]
fn deleting_an_instance_runs_its_uninstall() {
    let mut card = card();
    assert_eq!(select(&mut card, B), hex("9000"));
    assert_eq!(send(&mut card, "800B0000"), hex("00009000"));
    card.delete_applet(&hex(A)).unwrap();
    assert_eq!(send(&mut card, "800B0000"), hex("00019000"));
    // No instance has A's AID any more: the SELECT goes to B, which refuses class 00.
    assert_eq!(select(&mut card, A), hex("6E00"));
    card.reset();
    assert_eq!(select(&mut card, A), hex("6A82"));
}
