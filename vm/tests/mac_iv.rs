//! `Signature.init(Key, byte, byte[], short, short)` with an initial vector for the CBC MACs
//! (Java Card 3.0.5 API): the mac-iv applet (tests/applets/mac-iv, built by `jcos build`)
//! keys a MAC from each command and signs a message from the given IV. Expected values:
//! FIPS 81 appendix C (DES-CBC, IV 1234567890ABCDEF), SP 800-38A F.2.1 (CBC-AES128), and an
//! ISO 9797-1 MAC algorithm 3 value computed with OpenSSL's DES.

mod common;

use common::{hex, TestRuntime};
use jcos_vm::{AppletId, Outcome, Vm};

const APPLET: &str = "F04A434F53FF1001";
/// "Now is the time for all ", the FIPS 81 example plaintext.
const NOW_IS: &str = "4E6F77206973207468652074696D6520666F7220616C6C20";
/// `CryptoException.ILLEGAL_VALUE` in the applet's 6Fxx answer.
const SW_ILLEGAL_VALUE: u16 = 0x6F01;

fn card() -> (Vm, AppletId, TestRuntime) {
    let cap = include_bytes!("applets/mac-iv/mac-iv.cap");
    let mut vm = Vm::new().expect("VM");
    vm.load_bytes(cap).expect("mac-iv loads");
    let mut rt = TestRuntime::default();
    let applet = vm
        .install(&hex(APPLET), &hex(APPLET), &[], &mut rt)
        .expect("mac-iv installs");
    assert_eq!(vm.select(applet, &mut rt), Outcome::Completed(true));
    (vm, applet, rt)
}

/// Sends INS `ins` with key, IV and message; the response data and status word.
fn mac(
    card: &mut (Vm, AppletId, TestRuntime),
    ins: u8,
    key: &str,
    iv: &str,
    msg: &str,
) -> (Vec<u8>, u16) {
    let (vm, applet, rt) = card;
    let (key, iv, msg) = (hex(key), hex(iv), hex(msg));
    let mut apdu = vec![0x80, ins, key.len() as u8, iv.len() as u8];
    apdu.push((key.len() + iv.len() + msg.len()) as u8);
    apdu.extend_from_slice(&key);
    apdu.extend_from_slice(&iv);
    apdu.extend_from_slice(&msg);
    apdu.push(0x00);
    rt.set_command(&apdu);
    let sw = vm.process(*applet, rt).status_word();
    (rt.response.clone(), sw)
}

#[test]
fn des_mac_starts_from_the_iv() {
    let mut c = card();
    let (out, sw) = mac(&mut c, 0x10, "0123456789ABCDEF", "1234567890ABCDEF", NOW_IS);
    assert_eq!((out, sw), (hex("683788499A7C05F6"), 0x9000));
    // A zero IV gives the plain CBC-MAC (ANSI X9.9 / FIPS 113 example).
    let (out, sw) = mac(&mut c, 0x10, "0123456789ABCDEF", "0000000000000000", NOW_IS);
    assert_eq!((out, sw), (hex("70A30640CC76DD8B"), 0x9000));
}

#[test]
fn retail_mac_starts_from_the_iv() {
    let mut c = card();
    let key = "0123456789ABCDEFFEDCBA9876543210";
    let (out, sw) = mac(&mut c, 0x11, key, "1234567890ABCDEF", NOW_IS);
    assert_eq!((out, sw), (hex("DCDDB41991C86166"), 0x9000));
}

#[test]
fn aes_mac_starts_from_the_iv() {
    let mut c = card();
    let (out, sw) = mac(
        &mut c,
        0x12,
        "2B7E151628AED2A6ABF7158809CF4F3C",
        "000102030405060708090A0B0C0D0E0F",
        "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51",
    );
    assert_eq!((out, sw), (hex("5086CB9B507219EE95DB113A917678B2"), 0x9000));
}

#[test]
fn an_iv_of_the_wrong_length_is_an_illegal_value() {
    let mut c = card();
    let (_, sw) = mac(&mut c, 0x10, "0123456789ABCDEF", "12345678", NOW_IS);
    assert_eq!(sw, SW_ILLEGAL_VALUE);
    let (_, sw) = mac(
        &mut c,
        0x12,
        "2B7E151628AED2A6ABF7158809CF4F3C",
        "0001020304050607",
        "6BC1BEE22E409F96E93D7E117393172A",
    );
    assert_eq!(sw, SW_ILLEGAL_VALUE);
}
