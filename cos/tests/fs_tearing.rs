//! Tearing: power lost after any write of a file-system command leaves the file system as it
//! was before the command, every invariant intact, and the card usable.

use jcos_apdu::CommandApdu;
use jcos_cos::fs::{self, ChannelContext, Commit, FileSystem, Profile};
use proptest::prelude::*;
use std::path::Path;

fn card_fs() -> FileSystem {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/iso7816-fs/profile.toml");
    Profile::load_file_system(&path).unwrap()
}

/// Commands that write: updates, appends, creation and deletion, life cycle changes, PIN
/// tries, data objects.
const WRITERS: &[&str] = &[
    "00D6810004AABBCCDD",
    "00D0880002F0F0",
    "000E8104",
    "00E2001804AAAAAAAA",
    "00E2002802BEEF",
    "00DC011C0403030303",
    "00A4000C022F06",
    "00DA5F210141",
    "00E000000E620C820138830270008403414243",
    "00E0000012621080020004820101830270018800 8A0105",
    "00E40000027000",
    "00E40000027001",
    "00A4000C023F00",
    "0004000002 5000",
    "0044000002 5000",
    "002000010430303030",
    "002000010431323334",
    "002C0001083132333435363738",
    "00A4000C022F0B",
    "00440000",
];

fn parse(hex: &str) -> CommandApdu {
    let text: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    CommandApdu::parse(&jcos_apdu::hex::decode(&text).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_tear_after_any_write_changes_nothing(
        steps in prop::collection::vec((0..WRITERS.len(), any::<bool>(), 0usize..4), 1..40)
    ) {
        let mut fs = card_fs();
        let mut ctx = ChannelContext::default();
        for (which, tear, at) in steps {
            let command = parse(WRITERS[which]);
            let Ok(outcome) = fs::process(&fs, &mut ctx, &command, &mut rand::rng()) else {
                continue;
            };
            if tear && !outcome.writes.is_empty() {
                let before = fs.clone();
                let at = at % (outcome.writes.len() + 1);
                prop_assert_eq!(fs.commit(&outcome.writes, Some(at)), Ok(Commit::Torn(at)));
                prop_assert_eq!(&fs, &before);
                // Power came back: the channel starts again at the MF.
                ctx = ChannelContext::default();
            } else {
                prop_assert_eq!(fs.commit(&outcome.writes, None), Ok(Commit::Done));
            }
            prop_assert!(fs.check_invariants().is_ok(), "{:?}", fs.check_invariants());
        }
    }
}

#[test]
fn a_torn_update_binary_keeps_the_old_bytes_and_a_torn_create_makes_no_file() {
    let mut fs = card_fs();
    let mut ctx = ChannelContext::default();
    let update = fs::process(
        &fs,
        &mut ctx,
        &parse("00D6810004AABBCCDD"),
        &mut rand::rng(),
    )
    .unwrap();
    assert_eq!(fs.commit(&update.writes, Some(0)), Ok(Commit::Torn(0)));
    assert_eq!(fs.commit(&update.writes, Some(1)), Ok(Commit::Torn(1)));
    let read = fs::process(&fs, &mut ctx, &parse("00B0810004"), &mut rand::rng()).unwrap();
    assert_eq!(read.data, vec![1, 2, 3, 4]);
    let create = parse("00E000000E620C820138830270008403414243");
    let outcome = fs::process(&fs, &mut ctx, &create, &mut rand::rng()).unwrap();
    assert_eq!(fs.commit(&outcome.writes, Some(1)), Ok(Commit::Torn(1)));
    let mut ctx = ChannelContext::default();
    let select = fs::process(&fs, &mut ctx, &parse("00A4000C027000"), &mut rand::rng());
    assert_eq!(select, Err(fs::FsError::FileNotFound));
    // The same command, untorn, makes the DF.
    let outcome = fs::process(&fs, &mut ctx, &create, &mut rand::rng()).unwrap();
    assert_eq!(fs.commit(&outcome.writes, None), Ok(Commit::Done));
    assert!(fs::process(&fs, &mut ctx, &parse("00A4000C027000"), &mut rand::rng()).is_ok());
}

fn hexb(s: &str) -> Vec<u8> {
    jcos_apdu::hex::decode(s).unwrap()
}

#[test]
fn the_card_tear_cuts_a_file_system_command_and_keeps_the_old_state() {
    let mut card = jcos_cos::Card::with_file_system(jcos_cos::CardConfig::default(), card_fs());
    card.power_on();
    assert_eq!(card.transmit(&hexb("00B0810004")), hexb("010203049000"));
    // Torn at the first write: no answer, the power is gone, the bytes are the old ones.
    card.arm_tear(0);
    assert_eq!(card.transmit(&hexb("00D6810004AABBCCDD")), Vec::<u8>::new());
    assert!(card.power_lost());
    assert!(!card.is_powered());
    assert_eq!(card.transmit(&hexb("00B0810004")), hexb("010203049000"));
    assert!(!card.power_lost());
    // An update is two writes (the body, then the commit record): with two allowed the first
    // update completes and the second is torn.
    card.arm_tear(2);
    assert_eq!(card.transmit(&hexb("00D6810002AABB")), hexb("9000"));
    assert_eq!(card.transmit(&hexb("00D6810202CCDD")), Vec::<u8>::new());
    assert_eq!(card.transmit(&hexb("00B0810004")), hexb("AABB03049000"));
    // A torn CREATE FILE makes no file; a torn wrong PIN costs no try.
    card.arm_tear(0);
    let create = "00E000000E620C820138830270008403414243";
    assert_eq!(card.transmit(&hexb(create)), Vec::<u8>::new());
    assert_eq!(card.transmit(&hexb("00A4000C027000")), hexb("6A82"));
    card.arm_tear(0);
    assert_eq!(card.transmit(&hexb("002000010430303030")), Vec::<u8>::new());
    assert_eq!(card.transmit(&hexb("00200001")), hexb("63C3"));
    // Reads make no write, so an armed tear waits for the next write.
    card.arm_tear(0);
    assert_eq!(card.transmit(&hexb("00B0810002")), hexb("AABB9000"));
    assert_eq!(card.transmit(&hexb("00DC011C0403030303")), Vec::<u8>::new());
    assert_eq!(card.transmit(&hexb("00B2011C00")), hexb("010101019000"));
    assert!(card.file_system().unwrap().check_invariants().is_ok());
}

#[test]
fn a_durable_image_keeps_acknowledged_file_system_commands_and_drops_a_torn_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fs.img");
    jcos_cos::Card::create_image_with_file_system(
        &path,
        jcos_cos::CardConfig::default(),
        card_fs(),
    )
    .unwrap();
    let mut card = jcos_cos::Card::open_durable(&path, jcos_cos::Durability::Os).unwrap();
    assert_eq!(card.transmit(&hexb("00D6810002AABB")), hexb("9000"));
    assert_eq!(card.transmit(&hexb("00E2001804AAAAAAAA")), hexb("9000"));
    card.arm_tear(0);
    assert_eq!(card.transmit(&hexb("00D6810002CCDD")), Vec::<u8>::new());
    // The process goes away without a checkpoint; the image and its journal hold the rest.
    drop(card);
    let mut again = jcos_cos::Card::open_image(&path).unwrap();
    assert_eq!(again.transmit(&hexb("00B0810004")), hexb("AABB03049000"));
    assert_eq!(again.transmit(&hexb("00B2031C00")), hexb("AAAAAAAA9000"));
}

const COUNTER_CLASS: &str = "F04A434F53020101";

/// A card with the test profile's file system and the counter applet
/// (`applets/counter`), selected on the basic channel; channel 1 is open for the file system.
fn card_with_counter() -> jcos_cos::Card {
    let mut card = jcos_cos::Card::with_file_system(jcos_cos::CardConfig::default(), card_fs());
    let cap =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../applets/counter/counter.cap"))
            .unwrap();
    card.load_package(&cap).unwrap();
    let aid = hexb(COUNTER_CLASS);
    card.install_applet(&jcos_cos::InstallRequest::new(&aid, &aid, &[]))
        .unwrap();
    card.power_on();
    assert_eq!(card.transmit(&hexb("0070000001")), hexb("019000"));
    assert_eq!(
        card.transmit(&hexb("00A4040008F04A434F53020101")),
        hexb("9000")
    );
    card
}

/// The commands of the sweep and the persistent writes each makes: the counter's INCREMENT
/// is one field store (`value += step` in Counter.java, outside a transaction); UPDATE BINARY
/// and CREATE FILE each change one thing in the file system and write its commit record.
const SWEEP: [(&str, u64); 4] = [
    ("8002000000", 1),
    ("01D6810004AABBCCDD", 2),
    ("01E0000011620F80020004820201218302700 08A0105", 2),
    ("8002000000", 1),
];

/// A tear armed at n cuts the card's persistent write n (0-based) whether the heap or the
/// file system makes it: sweeping n over every write of the commands above cuts each command
/// at each of its writes in turn. After the power comes back the file system holds every
/// invariant, each file is in its old state or its new one (new exactly when its command
/// was answered), and the counter agrees.
#[test]
fn one_tear_sweeps_heap_and_file_system_writes_in_one_sequence() {
    let total: u64 = SWEEP.iter().map(|(_, w)| w).sum();
    for n in 0..=total {
        let mut card = card_with_counter();
        card.arm_tear(n);
        let mut done = 0usize;
        let mut before = 0u64;
        for (apdu, writes) in SWEEP {
            let response = card.transmit(&hexb(&apdu.replace(' ', "")));
            let torn_here = n < before + writes;
            if torn_here {
                assert_eq!(response, Vec::<u8>::new(), "tear {n}: {apdu} answered");
                assert!(card.power_lost(), "tear {n}");
                break;
            }
            assert!(!response.is_empty(), "tear {n}: {apdu} torn too early");
            done += 1;
            before += writes;
        }
        // Power comes back (a card not torn is power-cycled too): the next command powers it
        // up, with no applet selected.
        card.power_off();
        let fs = card.file_system().unwrap();
        assert!(fs.check_invariants().is_ok(), "tear {n}");
        let updated = done >= 2;
        let created = done >= 3;
        let increments = u8::from(done >= 1) + u8::from(done >= 4);
        let ef = card.transmit(&hexb("00B0810004"));
        assert_eq!(
            ef,
            hexb(if updated {
                "AABBCCDD9000"
            } else {
                "010203049000"
            }),
            "tear {n}"
        );
        assert_eq!(
            card.transmit(&hexb("00A4000C027000")),
            hexb(if created { "9000" } else { "6A82" }),
            "tear {n}"
        );
        assert_eq!(
            card.transmit(&hexb("00A4040008F04A434F53020101")),
            hexb("9000")
        );
        assert_eq!(
            card.transmit(&hexb("8001000000")),
            vec![0, increments, 0x90, 0x00],
            "tear {n}"
        );
    }
}

/// An applet's file-system update through `jcos.framework.FileSystem` (applets/fs-demo) counts
/// in the same sequence: after the counter's INCREMENT (one heap write), the update's two
/// writes (the body, the commit record) are writes 1 and 2. Cut during either, the card
/// answers nothing and EF 2F01 keeps its old bytes; the counter keeps its increment.
#[test]
fn an_applet_file_system_update_tears_in_the_card_sequence() {
    const FS_DEMO: &str = "F04A434F53020401";
    for n in 0..=3u64 {
        let mut card = card_with_counter();
        let cap = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../applets/fs-demo/fs-demo.cap"),
        )
        .unwrap();
        card.load_package(&cap).unwrap();
        let aid = hexb(FS_DEMO);
        card.install_applet(&jcos_cos::InstallRequest::new(&aid, &aid, &[]))
            .unwrap();
        card.arm_tear(n);
        let increment = card.transmit(&hexb("8002000000"));
        if n == 0 {
            assert!(increment.is_empty() && card.power_lost(), "tear {n}");
        } else {
            assert_eq!(increment, hexb("00019000"), "tear {n}");
            assert_eq!(
                card.transmit(&hexb("00A4040008F04A434F53020401")),
                hexb("9000")
            );
            let update = card.transmit(&hexb("8012000005022F01AABB"));
            if n < 3 {
                assert!(update.is_empty() && card.power_lost(), "tear {n}");
            } else {
                assert_eq!(update, hexb("9000"), "tear {n}");
            }
        }
        card.power_off();
        assert!(card.file_system().unwrap().check_invariants().is_ok());
        assert_eq!(
            card.transmit(&hexb("00B0810002")),
            hexb(if n == 3 { "AABB9000" } else { "01029000" }),
            "tear {n}"
        );
        assert_eq!(
            card.transmit(&hexb("00A4040008F04A434F53020101")),
            hexb("9000")
        );
        assert_eq!(
            card.transmit(&hexb("8001000000")),
            hexb(if n == 0 { "00009000" } else { "00019000" }),
            "tear {n}"
        );
    }
}
