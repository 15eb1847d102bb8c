//! Card image files: one card's persistent state on disk, shared by separate `jcos` runs.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! offset  size  field
//!      0     8  magic "JCOSCARD"
//!      8     2  format version (1)
//!     10     8  payload length in bytes
//!     18    32  SHA-256 of the payload
//!     50     n  payload: the card's persistent state (`CardState`) in postcard encoding
//! ```
//!
//! Reading never writes: a foreign, truncated, over-long or corrupt file is refused with an
//! [`ImageError`] naming the file and the fault. Writing goes to a temporary file in the same
//! directory, which is flushed to disk and then renamed over the image, so a crash leaves
//! either the old image or the new one, never a mix.

use crate::state::{CardState, STATE_VERSION};
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u64};
use nom::IResult;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The first bytes of every card image.
pub(crate) const MAGIC: [u8; 8] = *b"JCOSCARD";
/// The container format this build reads and writes.
pub(crate) const FORMAT_VERSION: u16 = 1;
/// Bytes before the payload.
pub(crate) const HEADER_LEN: usize = 8 + 2 + 8 + 32;

/// Why a card image could not be opened or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The file could not be read or written.
    #[error("{path}: {source}", path = path.display())]
    Io {
        /// The image file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A new image was asked for where a file already exists.
    #[error("{path}: file already exists; a new card image is never written over it", path = path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// The file does not start with the card image magic.
    #[error("{path}: not a jcos card image (it does not start with \"JCOSCARD\")", path = path.display())]
    NotAnImage {
        /// The file.
        path: PathBuf,
    },
    /// The container format version is not one this build reads.
    #[error("{path}: card image format version {version} is not supported (this jcos reads version {FORMAT_VERSION})", path = path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The version found at offset 8.
        version: u16,
    },
    /// The file ends before the header or the payload does.
    #[error("{path}: truncated card image: {expected} bytes expected, {found} present", path = path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes the header announces (or the header length itself).
        expected: u64,
        /// Bytes actually in the file.
        found: u64,
    },
    /// Bytes follow the payload.
    #[error("{path}: corrupt card image: {extra} unexpected bytes after the payload at offset {offset}", path = path.display())]
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Where the payload ends.
        offset: u64,
        /// How many bytes follow it.
        extra: u64,
    },
    /// The payload does not hash to the checksum in the header.
    #[error("{path}: corrupt card image: the SHA-256 of the payload does not match the header", path = path.display())]
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
    },
    /// The payload hashes correctly but does not decode as a card state.
    #[error("{path}: corrupt card image: payload does not decode: {detail}", path = path.display())]
    Payload {
        /// The file.
        path: PathBuf,
        /// What the decoder found.
        detail: String,
    },
    /// The card state has a layout version this build does not read.
    #[error("{path}: card state version {version} is not supported (this jcos reads version {STATE_VERSION})", path = path.display())]
    UnsupportedState {
        /// The file.
        path: PathBuf,
        /// The version in the payload.
        version: u32,
    },
    /// The card state could not be encoded.
    #[error("{path}: cannot encode the card state: {source}", path = path.display())]
    Encode {
        /// The image file.
        path: PathBuf,
        /// The encoder's error.
        source: postcard::Error,
    },
}

/// The header fields after the magic and the (already checked) version.
struct Header<'a> {
    payload_len: u64,
    checksum: &'a [u8],
}

fn header(input: &[u8]) -> IResult<&[u8], Header<'_>> {
    let (input, _magic) = take(MAGIC.len())(input)?;
    let (input, _version) = be_u16(input)?;
    let (input, payload_len) = be_u64(input)?;
    let (input, checksum) = take(32usize)(input)?;
    Ok((
        input,
        Header {
            payload_len,
            checksum,
        },
    ))
}

/// A byte count as u64; lossless on every platform Rust supports.
fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Encodes a card state as a complete image file.
pub(crate) fn encode(path: &Path, state: &CardState) -> Result<Vec<u8>, ImageError> {
    let payload = postcard::to_stdvec(state).map_err(|source| ImageError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bytes = Vec::with_capacity(HEADER_LEN.saturating_add(payload.len()));
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    bytes.extend_from_slice(&count(payload.len()).to_be_bytes());
    bytes.extend_from_slice(&Sha256::digest(&payload));
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// Decodes the bytes of an image file read from `path`.
pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<CardState, ImageError> {
    let path_buf = || path.to_path_buf();
    let found = count(bytes.len());
    if !bytes.starts_with(&MAGIC) {
        // A file cut inside the magic is a truncated image; anything else is foreign.
        return Err(if !bytes.is_empty() && MAGIC.starts_with(bytes) {
            ImageError::Truncated {
                path: path_buf(),
                expected: count(HEADER_LEN),
                found,
            }
        } else {
            ImageError::NotAnImage { path: path_buf() }
        });
    }
    // The version is checked before the rest of the header, whose layout it governs.
    if let Some(&[hi, lo]) = bytes.get(MAGIC.len()..MAGIC.len().saturating_add(2)) {
        let version = u16::from_be_bytes([hi, lo]);
        if version != FORMAT_VERSION {
            return Err(ImageError::UnsupportedFormat {
                path: path_buf(),
                version,
            });
        }
    }
    let (payload, head) = header(bytes).map_err(|_| ImageError::Truncated {
        path: path_buf(),
        expected: count(HEADER_LEN),
        found,
    })?;
    let expected = count(HEADER_LEN).saturating_add(head.payload_len);
    match count(payload.len()).cmp(&head.payload_len) {
        std::cmp::Ordering::Less => {
            return Err(ImageError::Truncated {
                path: path_buf(),
                expected,
                found,
            })
        }
        std::cmp::Ordering::Greater => {
            return Err(ImageError::TrailingBytes {
                path: path_buf(),
                offset: expected,
                extra: found.saturating_sub(expected),
            })
        }
        std::cmp::Ordering::Equal => {}
    }
    if Sha256::digest(payload).as_slice() != head.checksum {
        return Err(ImageError::ChecksumMismatch { path: path_buf() });
    }
    let (state, rest): (CardState, &[u8]) =
        postcard::take_from_bytes(payload).map_err(|e| ImageError::Payload {
            path: path_buf(),
            detail: e.to_string(),
        })?;
    if !rest.is_empty() {
        return Err(ImageError::Payload {
            path: path_buf(),
            detail: format!("{} bytes left after the card state", rest.len()),
        });
    }
    if state.version != STATE_VERSION {
        return Err(ImageError::UnsupportedState {
            path: path_buf(),
            version: state.version,
        });
    }
    Ok(state)
}

/// Reads and decodes the image at `path`.
pub(crate) fn read(path: &Path) -> Result<CardState, ImageError> {
    let bytes = std::fs::read(path).map_err(|source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(path, &bytes)
}

/// Whether [`write`] may replace an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// Only create: an existing file is an [`ImageError::Exists`].
    CreateNew,
    /// Replace the image atomically.
    Replace,
}

/// Writes `state` to `path` through a temporary file in the same directory: write, fsync,
/// rename, then fsync the directory so the rename itself is durable.
pub(crate) fn write(path: &Path, state: &CardState, mode: WriteMode) -> Result<(), ImageError> {
    let io = |source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    if mode == WriteMode::CreateNew && path.symlink_metadata().is_ok() {
        return Err(ImageError::Exists {
            path: path.to_path_buf(),
        });
    }
    let bytes = encode(path, state)?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".jcos-image-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    temp.write_all(&bytes).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    let persisted = match mode {
        WriteMode::CreateNew => temp.persist_noclobber(path),
        WriteMode::Replace => temp.persist(path),
    };
    if let Err(e) = persisted {
        // The temporary file is removed when `e.file` drops.
        return Err(if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            ImageError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            io(e.error)
        });
    }
    sync_dir(dir).map_err(io)
}

/// Flushes a directory entry change to disk (on Unix; elsewhere the rename is all there is).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::CardConfig;

    #[test]
    fn encode_then_decode_is_identity() {
        let path = Path::new("mem.img");
        let state = CardState::new(CardConfig::default());
        let bytes = encode(path, &state).unwrap();
        // Payload: the version, the protocol and the absent file system, a byte each.
        assert_eq!(bytes.len(), HEADER_LEN + 3);
        assert_eq!(&bytes[..8], b"JCOSCARD");
        assert_eq!(decode(path, &bytes).unwrap(), state);
    }

    #[test]
    fn format_version_is_checked_before_the_rest_of_the_header() {
        let err = decode(Path::new("x.img"), b"JCOSCARD\x00\x09").unwrap_err();
        assert!(matches!(
            err,
            ImageError::UnsupportedFormat { version: 9, .. }
        ));
    }

    #[test]
    fn errors_name_the_file() {
        let err = decode(Path::new("dir/x.img"), b"nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "dir/x.img: not a jcos card image (it does not start with \"JCOSCARD\")"
        );
    }
}
