//! Durable card images: every acknowledged command is in the image, a torn journal tail
//! gives all or none of the command in flight, damage is refused, tears recover.
//!
//! The applet is the golden `store` applet (`../shared/fixtures/jcvm-golden/store`): INS 20
//! increments a persistent counter (one field write) and returns it; INS 21 P2=0 writes its
//! data into a persistent array inside a committed transaction that also adds 100 to the
//! counter and increments `shorts[1]`; INS 22 reads data (16), counter, shorts[0],
//! shorts[1].

use jcos_cos::{Card, CardConfig, Durability, ImageError, InstallRequest};
use std::path::{Path, PathBuf};

mod common;
use common::hex;

const STORE_CLASS: &str = "F04A434F53100200";
const STORE_INSTANCE: &str = "F04A434F53100201";

fn store_cap() -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/jcvm-golden/store/store.cap");
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            println!("skipped: {} not present", path.display());
            None
        }
    }
}

fn journal(image: &Path) -> PathBuf {
    let mut name = image.as_os_str().to_os_string();
    name.push(".journal");
    PathBuf::from(name)
}

/// A new image holding the store applet, installed and saved.
fn store_image(dir: &tempfile::TempDir) -> Option<PathBuf> {
    let cap = store_cap()?;
    let path = dir.path().join("card.img");
    let mut card = Card::create_image(&path, CardConfig::default()).unwrap();
    card.load_package(&cap).unwrap();
    card.install_applet(&InstallRequest::new(
        &hex(STORE_CLASS),
        &hex(STORE_INSTANCE),
        &[],
    ))
    .unwrap();
    card.save_image(&path).unwrap();
    Some(path)
}

fn select_store(card: &mut Card) {
    let mut apdu = hex("00A4040008");
    apdu.extend(hex(STORE_INSTANCE));
    assert_eq!(card.transmit(&apdu), hex("9000"));
}

/// INS 22 on a fresh (read-only) opening of the image.
fn read_back(path: &Path) -> Vec<u8> {
    let mut card = Card::open_image(path).unwrap();
    select_store(&mut card);
    card.transmit(&hex("8022000000"))
}

/// The INS 22 answer for these contents, from the applet's source.
fn state(data: &[u8], counter: i16, short0: i16, short1: i16) -> Vec<u8> {
    let mut r = vec![0; 16];
    r[..data.len()].copy_from_slice(data);
    for v in [counter, short0, short1] {
        r.extend(v.to_be_bytes());
    }
    r.extend([0x90, 0x00]);
    r
}

#[test]
fn every_acknowledged_command_is_in_the_image_without_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    // The selection wrote nothing persistent: no journal yet.
    assert!(!journal(&path).exists());
    assert_eq!(card.transmit(&hex("8020000000")), hex("00019000"));
    assert_eq!(read_back(&path), state(&[], 1, 0, 0));
    assert_eq!(card.transmit(&hex("8021000002AABB")), hex("9000"));
    assert_eq!(read_back(&path), state(&[0xAA, 0xBB], 101, 0, 1));
    // An aborted transaction changes nothing persistent (the counter's rollback included).
    assert_eq!(card.transmit(&hex("8021000102CCDD")), hex("9000"));
    assert_eq!(read_back(&path), state(&[0xAA, 0xBB], 101, 0, 1));
    // The card is dropped as a killed process would leave it: no checkpoint, no close.
    drop(card);
    assert!(journal(&path).exists());
    let mut again = Card::open_durable(&path, Durability::Device).unwrap();
    select_store(&mut again);
    assert_eq!(again.transmit(&hex("8020000000")), hex("00669000"));
    again.checkpoint().unwrap();
    assert!(!journal(&path).exists(), "a checkpoint empties the journal");
    assert_eq!(read_back(&path), state(&[0xAA, 0xBB], 102, 0, 1));
}

#[test]
fn a_torn_journal_tail_gives_all_or_none_of_the_last_command() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    card.transmit(&hex("8020000000"));
    let before = std::fs::read(journal(&path)).unwrap();
    assert_eq!(card.transmit(&hex("8021000002AABB")), hex("9000"));
    drop(card);
    let whole = std::fs::read(journal(&path)).unwrap();
    assert!(whole.len() > before.len());
    let old = state(&[], 1, 0, 0);
    let new = state(&[0xAA, 0xBB], 101, 0, 1);
    for cut in before.len()..=whole.len() {
        std::fs::write(journal(&path), &whole[..cut]).unwrap();
        let got = read_back(&path);
        let expected = if cut == whole.len() { &new } else { &old };
        assert_eq!(&got, expected, "journal cut at {cut} of {}", whole.len());
    }
    // A durable opening cuts the torn tail off and continues after it.
    std::fs::write(journal(&path), &whole[..whole.len() - 3]).unwrap();
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    assert_eq!(
        std::fs::read(journal(&path)).unwrap(),
        before,
        "torn tail removed"
    );
    select_store(&mut card);
    assert_eq!(card.transmit(&hex("8020000000")), hex("00029000"));
    drop(card);
    assert_eq!(read_back(&path), state(&[], 2, 0, 0));
}

#[test]
fn a_damaged_journal_or_image_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    card.transmit(&hex("8020000000"));
    card.transmit(&hex("8020000000"));
    drop(card);
    let good = std::fs::read(journal(&path)).unwrap();
    let image = std::fs::read(&path).unwrap();
    // A bit flipped in the first record's payload, with a record after it.
    let mut bad = good.clone();
    bad[42 + 36] ^= 0x01;
    std::fs::write(journal(&path), &bad).unwrap();
    for open in [
        Card::open_image(&path).map(drop),
        Card::open_durable(&path, Durability::Os).map(drop),
    ] {
        let err = open.unwrap_err();
        assert!(
            matches!(err, ImageError::Journal { offset: 42, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("card.img.journal"));
    }
    assert_eq!(std::fs::read(journal(&path)).unwrap(), bad);
    assert_eq!(std::fs::read(&path).unwrap(), image);
    // A corrupt image is refused whatever its journal holds.
    std::fs::write(journal(&path), &good).unwrap();
    let mut flipped = image.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    std::fs::write(&path, &flipped).unwrap();
    assert!(matches!(
        Card::open_durable(&path, Durability::Os),
        Err(ImageError::ChecksumMismatch { .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), flipped);
}

#[test]
fn a_journal_left_from_an_older_image_is_ignored_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    card.transmit(&hex("8020000000"));
    drop(card);
    let stale = std::fs::read(journal(&path)).unwrap();
    // The image is rewritten whole (as a checkpoint does) and then the old journal comes
    // back, as after a crash between the rename and the removal.
    let card = Card::open_image(&path).unwrap();
    card.save_image(&path).unwrap();
    assert!(!journal(&path).exists(), "saving removes the journal");
    std::fs::write(journal(&path), &stale).unwrap();
    assert_eq!(
        read_back(&path),
        state(&[], 1, 0, 0),
        "applied once, not twice"
    );
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    assert_eq!(card.transmit(&hex("8020000000")), hex("00029000"));
    drop(card);
    assert_eq!(read_back(&path), state(&[], 2, 0, 0));
}

#[test]
fn the_journal_is_folded_into_the_image_when_it_grows() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    card.set_checkpoint_bytes(4096);
    select_store(&mut card);
    let mut largest = 0;
    for i in 1..=200u16 {
        assert_eq!(
            card.transmit(&hex("8020000000")),
            [i.to_be_bytes().as_slice(), &[0x90, 0x00]].concat()
        );
        largest = largest.max(std::fs::metadata(journal(&path)).map_or(0, |m| m.len()));
    }
    assert!(largest < 4096 + 1024, "journal reached {largest} bytes");
    drop(card);
    assert_eq!(read_back(&path), state(&[], 200, 0, 0));
}

#[test]
fn writing_a_durable_card_over_its_own_image_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let card = Card::open_durable(&path, Durability::Os).unwrap();
    assert!(matches!(
        card.save_image(&path),
        Err(ImageError::InUse { .. })
    ));
    // A copy elsewhere is fine.
    let copy = dir.path().join("copy.img");
    card.save_image(&copy).unwrap();
    assert_eq!(read_back(&copy), state(&[], 0, 0, 0));
}

#[test]
fn a_tear_leaves_the_card_mute_and_the_image_recovers_at_power_up() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    // INS 21 P2=0 writes the array (1), the counter (2), shorts[1] (3), then commits (4):
    // the power fails during the commit.
    card.arm_tear(3);
    assert_eq!(card.transmit(&hex("8021000002AABB")), Vec::<u8>::new());
    assert!(card.power_lost());
    assert!(!card.is_powered());
    drop(card);
    // The image holds the interrupted transaction; powering the card up rolls it back.
    assert_eq!(read_back(&path), state(&[], 0, 0, 0));
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    assert_eq!(card.transmit(&hex("8020000000")), hex("00019000"));
    // Tear the single write of INS 20: it does not happen.
    card.arm_tear(0);
    assert!(card.transmit(&hex("8020000000")).is_empty());
    select_store(&mut card);
    assert_eq!(card.transmit(&hex("8020000000")), hex("00029000"));
    drop(card);
    assert_eq!(read_back(&path), state(&[], 2, 0, 0));
}

#[test]
fn a_session_that_changes_nothing_leaves_the_image_file_alone() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let before = std::fs::metadata(&path).unwrap().ino();
    let mut card = Card::open_durable(&path, Durability::Device).unwrap();
    select_store(&mut card);
    assert_eq!(card.transmit(&hex("8022000000")), state(&[], 0, 0, 0));
    card.checkpoint().unwrap();
    assert!(!journal(&path).exists());
    assert_eq!(
        std::fs::metadata(&path).unwrap().ino(),
        before,
        "the image was not rewritten"
    );
    // One change: the checkpoint folds it in and the journal is gone again.
    assert_eq!(card.transmit(&hex("8020000000")), hex("00019000"));
    card.checkpoint().unwrap();
    assert!(!journal(&path).exists());
    assert_ne!(std::fs::metadata(&path).unwrap().ino(), before);
    assert_eq!(read_back(&path), state(&[], 1, 0, 0));
}

/// Rewrites the header of an image after its payload was changed, so that the change gets
/// past the checksum and reaches the decoders.
fn reseal(image: &mut [u8]) {
    use sha2::{Digest, Sha256};
    let sum = Sha256::digest(&image[50..]);
    image[18..50].copy_from_slice(&sum);
}

#[test]
fn resealed_damage_to_the_content_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let Some(path) = store_image(&dir) else {
        return;
    };
    let mut card = Card::open_durable(&path, Durability::Os).unwrap();
    select_store(&mut card);
    card.transmit(&hex("8021000002AABB"));
    card.checkpoint().unwrap();
    drop(card);
    let good = std::fs::read(&path).unwrap();
    let mut seed: u64 = 0xD1B5_4A32_D192_ED03;
    let (mut opened, mut refused) = (0, 0);
    for _ in 0..400 {
        let mut bytes = good.clone();
        for _ in 0..1 + seed % 3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = 50 + (seed as usize >> 8) % (bytes.len() - 50);
            bytes[at] ^= 1 << (seed % 8);
        }
        reseal(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        match Card::open_image(&path) {
            Ok(mut card) => {
                opened += 1;
                for apdu in [
                    "00A4040008F04A434F53100201",
                    "8022000000",
                    "8020000000",
                    "8021000002AABB",
                ] {
                    let response = card.transmit(&hex(apdu));
                    assert!(response.len() >= 2 || card.power_lost());
                }
            }
            Err(_) => refused += 1,
        }
    }
    assert!(refused > 0, "some damage is refused");
    println!("{opened} damaged images opened and answered, {refused} refused");
}
