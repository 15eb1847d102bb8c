//! The bare card through its public API: power, transient state, and the router's answers.

use jcos_cos::{Atr, Card, CardConfig, Protocol};

mod common;
use common::hex;

fn card(protocol: Protocol) -> Card {
    Card::new(CardConfig { protocol })
}

fn send(card: &mut Card, apdu: &str) -> Vec<u8> {
    card.transmit(&hex(apdu))
}

#[test]
fn a_new_card_is_off_and_power_on_gives_the_atr() {
    let mut c = card(Protocol::T1);
    assert!(!c.is_powered());
    assert_eq!(c.power_on(), Atr::for_protocol(Protocol::T1));
    assert!(c.is_powered());
    c.power_off();
    assert!(!c.is_powered());
    assert_eq!(c.reset(), c.atr());
    assert!(c.is_powered());
}

#[test]
fn transmit_powers_the_card_on() {
    let mut c = card(Protocol::T1);
    assert_eq!(send(&mut c, "00A4040005F000000001"), hex("6A82"));
    assert!(c.is_powered());
}

#[test]
fn power_loss_closes_channels() {
    for lose_power in [Card::power_off as fn(&mut Card), |c| {
        c.reset();
    }] {
        let mut c = card(Protocol::T1);
        assert_eq!(send(&mut c, "0070000001"), hex("019000"));
        assert_eq!(send(&mut c, "01CA5F5200").len(), 15);
        lose_power(&mut c);
        assert_eq!(send(&mut c, "01CA5F5200"), hex("6881"));
        assert_eq!(
            send(&mut c, "0070000001"),
            hex("019000"),
            "channel 1 free again"
        );
    }
}

#[test]
fn power_loss_drops_pending_response_data() {
    let mut c = card(Protocol::T0);
    assert_eq!(send(&mut c, "00CA7F6604"), hex("02020105 6104"));
    c.reset();
    assert_eq!(send(&mut c, "00C0000004"), hex("6985"));
}

#[test]
fn any_other_command_drops_pending_response_data() {
    let mut c = card(Protocol::T1);
    assert_eq!(send(&mut c, "00CA7F6602"), hex("0203 6108"));
    assert_eq!(send(&mut c, "00A4040001AA"), hex("6A82"));
    assert_eq!(send(&mut c, "00C0000008"), hex("6985"));
}

#[test]
fn get_response_chunks_under_t1() {
    let mut c = card(Protocol::T1);
    assert_eq!(send(&mut c, "00CA7F6603"), hex("020301 6107"));
    assert_eq!(send(&mut c, "00C0000003"), hex("000802 6104"));
    assert_eq!(send(&mut c, "00C0000000"), hex("03010002 9000"));
    assert_eq!(send(&mut c, "00C0000000"), hex("6985"));
}

#[test]
fn pending_data_belongs_to_its_channel() {
    let mut c = card(Protocol::T1);
    send(&mut c, "0070000001");
    assert_eq!(send(&mut c, "01CA7F6602"), hex("0203 6108"));
    assert_eq!(send(&mut c, "00C0000008"), hex("6985"));
    assert_eq!(send(&mut c, "01CA7F6602"), hex("0203 6108"));
    assert_eq!(send(&mut c, "01C0000008"), hex("0100080203010002 9000"));
}

#[test]
fn t0_refuses_extended_apdus() {
    let mut c = card(Protocol::T0);
    assert_eq!(send(&mut c, "00CA5F52000100"), hex("6700"));
    assert_eq!(send(&mut c, "00A40400000005F000000001"), hex("6700"));
    let mut c = card(Protocol::T1);
    assert_eq!(send(&mut c, "00A40400000005F000000001"), hex("6A82"));
}

#[test]
fn invalid_instructions_are_refused_in_every_class() {
    let mut c = card(Protocol::T1);
    for apdu in ["00600000", "009F0000", "80600000", "80900000"] {
        assert_eq!(send(&mut c, apdu), hex("6D00"), "{apdu}");
    }
}

#[test]
fn secure_messaging_and_chaining_are_not_supported() {
    let mut c = card(Protocol::T1);
    assert_eq!(send(&mut c, "0CCA5F5200"), hex("6882"));
    assert_eq!(
        send(&mut c, "60CA5F5200"),
        hex("6881"),
        "channel 4 closed first"
    );
    assert_eq!(send(&mut c, "10CA5F5200"), hex("6884"));
    assert_eq!(send(&mut c, "0C70000001"), hex("6882"));
}

#[test]
fn select_by_name_opens_a_closed_channel() {
    let mut c = card(Protocol::T1);
    assert_eq!(send(&mut c, "02A4040005F000000001"), hex("6A82"));
    assert_eq!(send(&mut c, "02CA5F5200").len(), 15);
    // Other SELECT forms do not open a channel.
    assert_eq!(send(&mut c, "03A4000C023F00"), hex("6881"));
}

#[test]
fn cards_are_independent_values() {
    let mut a = card(Protocol::T1);
    let mut b = card(Protocol::T1);
    assert_eq!(send(&mut a, "0070000001"), hex("019000"));
    assert_eq!(send(&mut b, "0070000001"), hex("019000"));
}
