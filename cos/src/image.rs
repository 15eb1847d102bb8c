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
//!     50     n  payload, in postcard encoding: the card's persistent state (`CardState`),
//!               then, on a card with content, the content (`Content`: the registry and
//!               the Java Card VM's image — CAP components, heap, applet table)
//! ```
//!
//! Reading never writes: a foreign, truncated, over-long or corrupt file is refused with an
//! [`ImageError`] naming the file and the fault. Writing goes to a temporary file in the same
//! directory, which is flushed to disk and then renamed over the image, so a crash leaves
//! either the old image or the new one, never a mix. Between two such writes, the changes
//! of each command go to the image's journal ([`crate::persist`]).

use crate::registry::Registry;
use crate::state::{CardState, STATE_VERSION};
use jcos_vm::snapshot::VmImage;
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
    /// The content (registry, Java Card VM image) cannot be saved or restored.
    #[error("{path}: card content: {detail}", path = path.display())]
    Content {
        /// The image file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The image's journal is damaged before its last record (a torn last record is
    /// expected after a crash and is ignored).
    #[error("{path}: corrupt card image journal at offset {offset}: {detail}", path = path.display())]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// Where the damage starts.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// A card opened for durable use is asked to be written elsewhere in a way that would
    /// bypass its journal.
    #[error("{path}: the image is open for durable use; checkpoint it instead", path = path.display())]
    InUse {
        /// The image file.
        path: PathBuf,
    },
    /// The card lost its persistent storage earlier (a failed journal write): its state in
    /// memory may be ahead of the image, so it saves nothing more.
    #[error("{path}: an earlier write to the image failed; the card stopped", path = path.display())]
    Failed {
        /// The image file.
        path: PathBuf,
    },
}

/// What a card image holds besides the card state: the registry and the VM's image.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Content {
    /// Packages and applet instances.
    pub(crate) registry: Registry,
    /// The Java Card VM's persistent state.
    pub(crate) vm: VmImage,
}

/// [`Content`] by reference, for encoding without copying the heap (same encoding).
#[derive(serde::Serialize)]
pub(crate) struct ContentRef<'a> {
    pub(crate) registry: &'a Registry,
    pub(crate) vm: &'a VmImage,
}

/// A decoded image.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// The card state.
    pub(crate) state: CardState,
    /// The content, on a card that has some.
    pub(crate) content: Option<Content>,
    /// The SHA-256 of the payload, which names this image version (its journal refers to
    /// it).
    pub(crate) checksum: [u8; 32],
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
#[cfg(test)]
pub(crate) fn encode(path: &Path, state: &CardState) -> Result<Vec<u8>, ImageError> {
    encode_card(path, state, None)
}

fn encode_error(path: &Path) -> impl FnOnce(postcard::Error) -> ImageError + '_ {
    move |source| ImageError::Encode {
        path: path.to_path_buf(),
        source,
    }
}

/// Encodes a card state and its content as a complete image file.
pub(crate) fn encode_card(
    path: &Path,
    state: &CardState,
    content: Option<ContentRef<'_>>,
) -> Result<Vec<u8>, ImageError> {
    let mut payload = postcard::to_stdvec(state).map_err(encode_error(path))?;
    if let Some(content) = content {
        payload = postcard::to_extend(&content, payload).map_err(encode_error(path))?;
    }
    let mut bytes = Vec::with_capacity(HEADER_LEN.saturating_add(payload.len()));
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    bytes.extend_from_slice(&count(payload.len()).to_be_bytes());
    bytes.extend_from_slice(&Sha256::digest(&payload));
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// The checksum field of an encoded image.
pub(crate) fn checksum_of(bytes: &[u8]) -> [u8; 32] {
    let mut sum = [0; 32];
    if let Some(field) = bytes.get(18..HEADER_LEN) {
        sum.copy_from_slice(field);
    }
    sum
}

/// Decodes the bytes of an image file read from `path` and returns the card state.
#[cfg(test)]
pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<CardState, ImageError> {
    decode_card(path, bytes).map(|stored| stored.state)
}

/// Decodes a card state at the start of `bytes` and returns it with the bytes after it.
pub(crate) fn decode_state<'b>(
    path: &Path,
    bytes: &'b [u8],
) -> Result<(CardState, &'b [u8]), ImageError> {
    let (state, rest): (CardState, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| ImageError::Payload {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    if state.version != STATE_VERSION {
        return Err(ImageError::UnsupportedState {
            path: path.to_path_buf(),
            version: state.version,
        });
    }
    Ok((state, rest))
}

/// Decodes content (registry and VM image) that must fill `bytes` exactly.
pub(crate) fn decode_content(path: &Path, bytes: &[u8]) -> Result<Content, ImageError> {
    let (content, rest): (Content, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| ImageError::Payload {
            path: path.to_path_buf(),
            detail: format!("content: {e}"),
        })?;
    if !rest.is_empty() {
        return Err(ImageError::Payload {
            path: path.to_path_buf(),
            detail: format!("{} bytes left after the card content", rest.len()),
        });
    }
    Ok(content)
}

/// Decodes the bytes of an image file read from `path`.
pub(crate) fn decode_card(path: &Path, bytes: &[u8]) -> Result<Stored, ImageError> {
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
    let (state, rest) = decode_state(path, payload)?;
    let content = if rest.is_empty() {
        None
    } else {
        Some(decode_content(path, rest)?)
    };
    Ok(Stored {
        state,
        content,
        checksum: checksum_of(bytes),
    })
}

/// Reads and decodes the image at `path` (without its journal).
pub(crate) fn read_card(path: &Path) -> Result<Stored, ImageError> {
    let bytes = std::fs::read(path).map_err(|source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_card(path, &bytes)
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
    write_card(path, state, None, mode).map(|_| ())
}

/// Writes a card state and its content like [`write`] and returns the new image's checksum.
pub(crate) fn write_card(
    path: &Path,
    state: &CardState,
    content: Option<ContentRef<'_>>,
    mode: WriteMode,
) -> Result<[u8; 32], ImageError> {
    let io = |source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    if mode == WriteMode::CreateNew && path.symlink_metadata().is_ok() {
        return Err(ImageError::Exists {
            path: path.to_path_buf(),
        });
    }
    let bytes = encode_card(path, state, content)?;
    let dir = parent_dir(path);
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
    sync_dir(dir).map_err(io)?;
    Ok(checksum_of(&bytes))
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Flushes a directory entry change to disk (on Unix; elsewhere the rename is all there is).
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
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
