//! The image journal: a file beside the image (`IMAGE.journal`) to which each command's
//! persistent changes are appended as one checksummed record, so that the image need not be
//! rewritten after every command.
//!
//! Layout (integers big-endian):
//!
//! ```text
//! header   8  magic "JCOSJRNL"
//!          2  format version (1)
//!         32  checksum of the image the journal continues (the image header's SHA-256)
//! record   4  payload length n
//!         32  SHA-256 of the payload
//!          n  payload: a `Record` in postcard encoding
//! ```
//!
//! A journal continues exactly one image version: after a new image is written, a journal
//! naming the old checksum is stale and ignored. Records are numbered from 1 without gaps.
//! Only the last record can be incomplete or fail its checksum — a crash during the append
//! — and it is then ignored: that command was never acknowledged. Damage before the last
//! record is refused.

use crate::image::ImageError;
use jcos_vm::snapshot::VmDelta;
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32};
use nom::IResult;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The first bytes of every journal.
pub(crate) const MAGIC: [u8; 8] = *b"JCOSJRNL";
/// The journal format this build reads and writes.
pub(crate) const VERSION: u16 = 1;
/// Bytes of the journal header.
pub(crate) const HEADER_LEN: usize = 8 + 2 + 32;
/// Bytes before each record's payload.
const FRAME_LEN: usize = 4 + 32;

/// The persistent changes of one command.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    /// Position in the journal, from 1.
    pub(crate) seq: u64,
    /// The whole card state (postcard), when it changed.
    pub(crate) state: Option<Vec<u8>>,
    /// The whole registry (postcard), when it changed.
    pub(crate) registry: Option<Vec<u8>>,
    /// The VM's changes, when there were any.
    pub(crate) vm: Option<VmDelta>,
}

/// The journal's file name for an image.
pub(crate) fn path_for(image: &Path) -> PathBuf {
    let mut name = image.as_os_str().to_os_string();
    name.push(".journal");
    PathBuf::from(name)
}

/// The header of a journal continuing the image with checksum `base`.
pub(crate) fn header(base: &[u8; 32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&VERSION.to_be_bytes());
    bytes.extend_from_slice(base);
    bytes
}

/// One record framed for appending.
pub(crate) fn frame(path: &Path, record: &Record) -> Result<Vec<u8>, ImageError> {
    let payload = postcard::to_stdvec(record).map_err(|source| ImageError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    let len = u32::try_from(payload.len()).map_err(|_| ImageError::Content {
        path: path.to_path_buf(),
        detail: "a command changed more than 4 GiB".into(),
    })?;
    let mut bytes = Vec::with_capacity(FRAME_LEN.saturating_add(payload.len()));
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(&Sha256::digest(&payload));
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// What a journal holds for an image.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// The records that continue the image, in order.
    pub(crate) records: Vec<Record>,
    /// Bytes of the journal up to the end of the last good record; 0 when there is no
    /// journal for this image.
    pub(crate) valid_len: u64,
    /// The journal belongs to the image (otherwise it is absent or stale).
    pub(crate) continues_image: bool,
}

fn journal_header(input: &[u8]) -> IResult<&[u8], (u16, &[u8])> {
    let (input, _magic) = take(MAGIC.len())(input)?;
    let (input, version) = be_u16(input)?;
    let (input, base) = take(32usize)(input)?;
    Ok((input, (version, base)))
}

fn record_frame(input: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    let (input, len) = be_u32(input)?;
    let (input, sum) = take(32usize)(input)?;
    let (input, payload) = take(len as usize)(input)?;
    Ok((input, (sum, payload)))
}

/// Reads the journal at `path` for the image with checksum `base`. Never writes.
pub(crate) fn read(path: &Path, base: &[u8; 32]) -> Result<Replay, ImageError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Replay::default()),
        Err(source) => {
            return Err(ImageError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    parse(path, &bytes, base)
}

/// Parses journal bytes (see [`read`]).
pub(crate) fn parse(path: &Path, bytes: &[u8], base: &[u8; 32]) -> Result<Replay, ImageError> {
    let damaged = |offset: usize, detail: String| ImageError::Journal {
        path: path.to_path_buf(),
        offset: offset as u64,
        detail,
    };
    if bytes.len() < HEADER_LEN {
        // A journal whose creation was cut short holds nothing; a foreign short file is
        // refused.
        if MAGIC.starts_with(
            bytes
                .get(..MAGIC.len().min(bytes.len()))
                .unwrap_or_default(),
        ) {
            return Ok(Replay::default());
        }
        return Err(damaged(0, "not a jcos image journal".into()));
    }
    let Ok((mut rest, (version, journal_base))) = journal_header(bytes) else {
        return Err(damaged(0, "unreadable header".into()));
    };
    if !bytes.starts_with(&MAGIC) {
        return Err(damaged(0, "not a jcos image journal".into()));
    }
    if version != VERSION {
        return Err(damaged(
            MAGIC.len(),
            format!(
                "journal format version {version} is not supported (this jcos reads {VERSION})"
            ),
        ));
    }
    if journal_base != base {
        return Ok(Replay::default());
    }
    let mut replay = Replay {
        records: Vec::new(),
        valid_len: HEADER_LEN as u64,
        continues_image: true,
    };
    while !rest.is_empty() {
        let offset = bytes.len().saturating_sub(rest.len());
        let Ok((after, (sum, payload))) = record_frame(rest) else {
            // The last record was cut short by a crash.
            break;
        };
        let last = after.is_empty();
        if Sha256::digest(payload).as_slice() != sum {
            if last {
                break;
            }
            return Err(damaged(offset, "record checksum mismatch".into()));
        }
        let record: Record = match postcard::take_from_bytes(payload) {
            Ok((record, [])) => record,
            Ok((_, extra)) => {
                return Err(damaged(
                    offset,
                    format!("{} bytes after the record", extra.len()),
                ))
            }
            Err(e) => return Err(damaged(offset, format!("record does not decode: {e}"))),
        };
        let expected = (replay.records.len() as u64).saturating_add(1);
        if record.seq != expected {
            return Err(damaged(
                offset,
                format!("record {} where record {expected} belongs", record.seq),
            ));
        }
        replay.records.push(record);
        replay.valid_len = bytes.len().saturating_sub(after.len()) as u64;
        rest = after;
    }
    Ok(replay)
}
