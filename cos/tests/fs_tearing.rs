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
