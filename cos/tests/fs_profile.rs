//! The shipped flow D profile builds, lists without secrets, and survives a card image; the
//! file system's state is saved with the card.

use jcos_cos::fs::{tree, Caller, Operation};
use jcos_cos::{Card, CardConfig, Profile};
use std::path::Path;

fn flow_d() -> jcos_cos::FileSystem {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles/flow-d-services.toml");
    Profile::load_file_system(&path).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    jcos_apdu::hex::decode(s).unwrap()
}

#[test]
fn flow_d_profile_builds_the_three_services() {
    let fs = flow_d();
    fs.check_invariants().unwrap();
    for (path, name) in [
        (&[0x1000u16][..], "F04A434F530001"),
        (&[0x2000], "F04A434F530002"),
        (&[0x2000, 0x2200], "F04A434F53000201"),
        (&[0x3000], "F04A434F530003"),
    ] {
        let id = fs.open(path).unwrap();
        assert_eq!(fs.df(id).unwrap().name.as_deref(), Some(&hex(name)[..]));
    }
    // The points balance is public; the airline key is the card's own.
    let points = fs.open(&[0x3F00, 0x1000, 0x1001]).unwrap();
    assert_eq!(
        fs.read_binary(Caller::CardOs, points, 0, 4).unwrap(),
        hex("000004D2")
    );
    let key = fs.open(&[0x2000, 0x0021]).unwrap();
    let outside = jcos_cos::fs::ChannelContext::default();
    assert!(fs
        .check_access(Caller::Channel(&outside), key, Operation::Read)
        .is_err());
    assert_eq!(
        fs.secret_value(Caller::CardOs, key).unwrap(),
        &hex("202122232425262728292A2B2C2D2E2F")[..]
    );
    assert!(fs.secret_value(Caller::Channel(&outside), key).is_err());
}

#[test]
fn the_tree_listing_hides_secrets() {
    let text = tree::render(&flow_d());
    for secret in [
        "404142434445464748494A4B4C4D4E4F",
        "202122232425262728292A2B2C2D2E2F",
        "0123456789ABCDEF",
        "31323334",
    ] {
        assert!(!text.contains(secret), "{secret} shown:\n{text}");
    }
    assert!(text.contains("2000 DF name F04A434F530002"), "{text}");
    assert!(
        text.contains("0022 internal EF PIN 3, 3/3 tries left (value hidden)"),
        "{text}"
    );
    assert!(text.contains("1001 EF SFI 1 transparent, 4 bytes: 000004D2 [activated] {read: always; update, deactivate, activate, terminate, delete: key 5; write: never}"), "{text}");
}

#[test]
fn the_file_system_lives_in_the_card_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.img");
    let mut card =
        Card::create_image_with_file_system(&path, CardConfig::default(), flow_d()).unwrap();
    // A wrong member PIN (one try gone) and new points, then the card is saved and reopened.
    assert_eq!(card.transmit(&hex("00A4040C07F04A434F530002")), hex("9000"));
    assert_eq!(card.transmit(&hex("002000830430303030")), hex("63C2"));
    assert_eq!(card.transmit(&hex("00A4000C023F00")), hex("9000"));
    card.save_image(&path).unwrap();
    let mut again = Card::open_image(&path).unwrap();
    assert_eq!(again.file_system(), card.file_system());
    assert_eq!(
        again.transmit(&hex("00A4040C07F04A434F530002")),
        hex("9000")
    );
    assert_eq!(again.transmit(&hex("0020008300")), hex("63C2"));
    assert_eq!(
        again.transmit(&hex("00B0810004")),
        hex("6982"),
        "the verification itself did not survive"
    );
}

#[test]
fn profile_errors_name_the_entry() {
    let err = Profile::from_toml(
        "[[file]]\npath = \"5000/5001\"\ntype = \"transparent\"\n",
        "p.toml",
    )
    .unwrap()
    .build("p.toml")
    .unwrap_err();
    assert!(err.to_string().contains("file 1 (path 5000/5001)"), "{err}");
    let err = Profile::from_toml(
        "[[file]]\npath = \"0001\"\ntype = \"pin\"\nreference = 1\naccess = { read = \"always\" }\n",
        "p.toml",
    )
    .unwrap()
    .build("p.toml")
    .unwrap_err();
    assert!(err.to_string().contains("unknown mode 'read'"), "{err}");
    let err = Profile::from_toml(
        "[[file]]\npath = \"5000\"\ntype = \"df\"\nsize = 40\n\
         [[file]]\npath = \"5000/5001\"\ntype = \"transparent\"\nsize = 16\n",
        "p.toml",
    )
    .unwrap()
    .build("p.toml")
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("DF 5000: its files need 48 bytes, more than the 40 its size reserves"),
        "{err}"
    );
    let err = Profile::from_toml("[mf]\naccess = { create-df = \"pin\" }\n", "p.toml")
        .unwrap()
        .build("p.toml")
        .unwrap_err();
    assert!(err.to_string().contains("not an access condition"), "{err}");
}
