//! Journal format tests: torn tails, damage, stale journals and foreign files.

use super::journal::{self, Record};
use crate::image::ImageError;
use std::path::Path;

const BASE: [u8; 32] = [7; 32];

fn record(seq: u64, state: &[u8]) -> Record {
    Record {
        seq,
        state: Some(state.to_vec()),
        registry: None,
        vm: None,
    }
}

fn journal_of(records: &[Record]) -> Vec<u8> {
    let mut bytes = journal::header(&BASE);
    for r in records {
        bytes.extend(journal::frame(Path::new("j"), r).unwrap());
    }
    bytes
}

#[test]
fn records_replay_in_order() {
    let bytes = journal_of(&[record(1, b"a"), record(2, b"bc")]);
    let replay = journal::parse(Path::new("j"), &bytes, &BASE).unwrap();
    assert!(replay.continues_image);
    assert_eq!(replay.valid_len, bytes.len() as u64);
    let states: Vec<_> = replay.records.iter().map(|r| r.state.clone()).collect();
    assert_eq!(states, [Some(b"a".to_vec()), Some(b"bc".to_vec())]);
}

#[test]
fn a_torn_last_record_is_ignored_at_every_cut() {
    let whole = journal_of(&[record(1, b"first"), record(2, b"second")]);
    let first_end = journal_of(&[record(1, b"first")]).len();
    for cut in first_end..whole.len() {
        let replay = journal::parse(Path::new("j"), &whole[..cut], &BASE).unwrap();
        assert_eq!(replay.records.len(), 1, "cut at {cut}");
        assert_eq!(replay.valid_len, first_end as u64);
    }
    // A last record whose bytes arrived damaged is ignored as well.
    let mut bytes = whole.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    let replay = journal::parse(Path::new("j"), &bytes, &BASE).unwrap();
    assert_eq!(replay.records.len(), 1);
}

#[test]
fn damage_before_the_last_record_is_refused_with_its_offset() {
    let mut bytes = journal_of(&[record(1, b"first"), record(2, b"second")]);
    let payload_of_first = journal::HEADER_LEN + 36;
    bytes[payload_of_first] ^= 0x01;
    let err = journal::parse(Path::new("dir/c.img.journal"), &bytes, &BASE).unwrap_err();
    assert!(
        matches!(err, ImageError::Journal { offset, .. } if offset == journal::HEADER_LEN as u64),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("dir/c.img.journal: corrupt"));
}

#[test]
fn a_gap_in_the_numbering_is_refused() {
    let bytes = journal_of(&[record(1, b"a"), record(3, b"b"), record(4, b"c")]);
    let err = journal::parse(Path::new("j"), &bytes, &BASE).unwrap_err();
    assert!(err.to_string().contains("record 3 where record 2 belongs"));
}

#[test]
fn a_journal_of_another_image_is_stale() {
    let bytes = journal_of(&[record(1, b"a")]);
    let replay = journal::parse(Path::new("j"), &bytes, &[8; 32]).unwrap();
    assert!(!replay.continues_image);
    assert!(replay.records.is_empty());
}

#[test]
fn a_short_journal_is_empty_and_a_foreign_file_is_refused() {
    let header = journal::header(&BASE);
    for cut in 0..header.len() {
        let replay = journal::parse(Path::new("j"), &header[..cut], &BASE).unwrap();
        assert!(replay.records.is_empty());
    }
    for foreign in [
        &b"hello world, not a journal at all, really!"[..],
        b"PK\x03\x04",
    ] {
        assert!(matches!(
            journal::parse(Path::new("j"), foreign, &BASE),
            Err(ImageError::Journal { offset: 0, .. })
        ));
    }
    let mut newer = journal_of(&[]);
    newer[9] = 9;
    assert!(journal::parse(Path::new("j"), &newer, &BASE)
        .unwrap_err()
        .to_string()
        .contains("version 9"));
}

#[test]
fn the_journal_sits_beside_the_image() {
    assert_eq!(
        journal::path_for(Path::new("cards/a.img")),
        Path::new("cards/a.img.journal")
    );
}
