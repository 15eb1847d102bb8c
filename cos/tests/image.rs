//! Card image files: round trips, the exact layout, and refusal of foreign and corrupt files.

use jcos_cos::{Card, CardConfig, ImageError, Protocol};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

mod common;
use common::hex;

fn t0() -> CardConfig {
    CardConfig {
        protocol: Protocol::T0,
    }
}

/// The image of a default (T=1) card, assembled by hand from the documented layout: the
/// postcard payload is `03` (state version 3, a varint), `01` (variant T1 of Protocol) and `00`
/// (no file system); the checksum is SHA-256("\x03\x01\x00") computed outside jcos.
fn default_image_bytes() -> Vec<u8> {
    let mut b = b"JCOSCARD".to_vec();
    b.extend(hex("0001"));
    b.extend(hex("0000000000000003"));
    b.extend(hex(
        "fbf7dfa6d256e8d6cae164fda0e5623d454501de0cdd56c2d8fbed4df1523d07",
    ));
    b.extend(hex("030100"));
    b
}

/// An image with a well-formed container around `payload`.
fn image_with_payload(payload: &[u8]) -> Vec<u8> {
    let mut b = b"JCOSCARD".to_vec();
    b.extend(1u16.to_be_bytes());
    b.extend((payload.len() as u64).to_be_bytes());
    b.extend(Sha256::digest(payload));
    b.extend(payload);
    b
}

fn path_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// Writes `bytes`, tries to open them, and checks that the file is unchanged afterwards.
fn open_refused(bytes: &[u8]) -> ImageError {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "card.img");
    std::fs::write(&path, bytes).unwrap();
    let err = Card::open_image(&path).unwrap_err();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "refused file modified"
    );
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "error does not name the file: {text}"
    );
    err
}

#[test]
fn default_card_image_has_the_documented_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "card.img");
    Card::create_image(&path, CardConfig::default()).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), default_image_bytes());
}

#[test]
fn hand_made_image_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "card.img");
    std::fs::write(&path, default_image_bytes()).unwrap();
    let card = Card::open_image(&path).unwrap();
    assert_eq!(card.config(), &CardConfig::default());
    assert!(!card.is_powered());
    // The T=0 variant: payload 03 00 00, checksum computed outside jcos.
    let mut b = b"JCOSCARD".to_vec();
    b.extend(hex("0001 0000000000000003"));
    b.extend(hex(
        "3e4479e6b5a0a3bed1440325ca4bb09327a1dfb39c28bdd59de53a687ade0105",
    ));
    b.extend(hex("030000"));
    std::fs::write(&path, b).unwrap();
    assert_eq!(Card::open_image(&path).unwrap().config(), &t0());
}

#[test]
fn round_trip_keeps_the_config_and_powers_off() {
    let dir = tempfile::tempdir().unwrap();
    for config in [CardConfig::default(), t0()] {
        let path = path_in(&dir, &format!("{:?}.img", config.protocol));
        let mut card = Card::create_image(&path, config.clone()).unwrap();
        card.power_on();
        card.save_image(&path).unwrap();
        let reopened = Card::open_image(&path).unwrap();
        assert_eq!(reopened.config(), &config);
        assert!(!reopened.is_powered());
        assert_eq!(reopened.atr(), card.atr());
    }
}

#[test]
fn transient_state_does_not_survive_an_image_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "card.img");
    let mut card = Card::create_image(&path, CardConfig::default()).unwrap();
    assert_eq!(card.transmit(&hex("0070000001")), hex("019000"));
    card.save_image(&path).unwrap();
    let mut next = Card::open_image(&path).unwrap();
    assert_eq!(next.transmit(&hex("01CA5F5200")), hex("6881"));
}

#[test]
fn create_refuses_an_existing_file_and_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "notes.txt");
    std::fs::write(&path, b"keep me").unwrap();
    let err = Card::create_image(&path, CardConfig::default()).unwrap_err();
    assert!(matches!(err, ImageError::Exists { .. }), "{err:?}");
    assert!(err.to_string().contains(&path.display().to_string()));
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[test]
fn save_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "card.img");
    let card = Card::create_image(&path, CardConfig::default()).unwrap();
    for _ in 0..3 {
        card.save_image(&path).unwrap();
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("card.img")]);
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "absent.img");
    let err = Card::open_image(&path).unwrap_err();
    assert!(matches!(err, ImageError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("absent.img"));
}

#[test]
fn save_into_a_missing_directory_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/card.img");
    let card = Card::new(CardConfig::default());
    assert!(matches!(card.save_image(&path), Err(ImageError::Io { .. })));
}

#[test]
fn foreign_files_are_refused() {
    for bytes in [
        b"".to_vec(),
        b"hello, world".to_vec(),
        b"JCOSCARX\x00\x01".to_vec(),
        vec![0x3B, 0x8D, 0x81],
        b"PK\x03\x04".to_vec(),
    ] {
        let err = open_refused(&bytes);
        assert!(matches!(err, ImageError::NotAnImage { .. }), "{err:?}");
        assert!(err.to_string().contains("not a jcos card image"));
    }
}

#[test]
fn truncated_files_are_refused() {
    let full = default_image_bytes();
    for len in 1..full.len() {
        let err = open_refused(&full[..len]);
        assert!(
            matches!(err, ImageError::Truncated { .. }),
            "cut at {len}: {err:?}"
        );
    }
    assert!(open_refused(&full[..52])
        .to_string()
        .contains("53 bytes expected, 52 present"));
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = default_image_bytes();
    bytes.extend([0, 0, 0]);
    let err = open_refused(&bytes);
    assert!(
        matches!(
            err,
            ImageError::TrailingBytes {
                extra: 3,
                offset: 53,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn every_single_bit_flip_is_refused() {
    let full = default_image_bytes();
    for byte in 0..full.len() {
        for bit in 0..8 {
            let mut bytes = full.clone();
            bytes[byte] ^= 1 << bit;
            open_refused(&bytes);
        }
    }
}

#[test]
fn checksum_mismatch_is_named() {
    let mut bytes = default_image_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let err = open_refused(&bytes);
    assert!(
        matches!(err, ImageError::ChecksumMismatch { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("SHA-256"));
}

#[test]
fn unsupported_format_version_is_refused() {
    let mut bytes = default_image_bytes();
    bytes[9] = 2;
    let err = open_refused(&bytes);
    assert!(
        matches!(err, ImageError::UnsupportedFormat { version: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn undecodable_payloads_are_refused() {
    // Protocol variant 7 does not exist; a lone byte is not a whole state; 01 01 FF leaves a
    // byte after the state.
    for payload in [&[0x01, 0x07][..], &[0x01], &[0x01, 0x01, 0xFF], &[]] {
        let err = open_refused(&image_with_payload(payload));
        assert!(
            matches!(err, ImageError::Payload { .. }),
            "{payload:02X?}: {err:?}"
        );
    }
}

#[test]
fn unsupported_state_version_is_refused() {
    let err = open_refused(&image_with_payload(&[0x04, 0x01, 0x00]));
    assert!(
        matches!(err, ImageError::UnsupportedState { version: 4, .. }),
        "{err:?}"
    );
    // An image of the layout before GlobalPlatform (state version 2) is refused by name.
    let err = open_refused(&image_with_payload(&[0x02, 0x01, 0x00]));
    assert!(
        matches!(err, ImageError::UnsupportedState { version: 2, .. }),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .contains("card state version 2 is not supported"));
}

#[test]
fn relative_paths_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_in(&dir, "rel.img");
    let card = Card::create_image(&path, CardConfig::default()).unwrap();
    let cwd_relative = Path::new(path.file_name().unwrap());
    // Saving through a bare file name resolves against the working directory.
    std::env::set_current_dir(dir.path()).unwrap();
    card.save_image(cwd_relative).unwrap();
    assert_eq!(
        Card::open_image(cwd_relative).unwrap().config(),
        card.config()
    );
}
