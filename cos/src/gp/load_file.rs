//! A load session: INSTALL [for load] followed by LOAD commands (GlobalPlatform Card
//! Specification 2.3.1 §9.3.5, §11.6).
//!
//! The load file is the LOAD commands' data concatenated, split anywhere: optional DAP
//! blocks (`E2`) and then the Load File Data Block in a `C4` BER-TLV (length forms
//! `81`, `82`, `83` or short), whose value is the CAP file in component form. The Load
//! File Data Block Hash of INSTALL [for load] covers that value: SHA-1 when 20 bytes long,
//! SHA-256 when 32. The session is transient (a reset drops it).

use super::data::ForLoad;
use jcos_vm::native::crypto::alg::digest::{HashAlg, Hasher};

/// The largest load file a session accepts, in bytes.
pub(crate) const MAX_LOAD_FILE: usize = 1 << 20;

/// Why a LOAD block or the finished load file is refused, with its status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoadRefusal {
    /// `6A86`: the block number is not the next one.
    BlockNumber,
    /// `6A84`: the load file outgrows [`MAX_LOAD_FILE`].
    TooLarge,
    /// `6A80`: the load file is malformed or its hash does not match.
    Data,
}

/// A load in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoadSession {
    /// What INSTALL [for load] announced.
    pub(crate) announced: ForLoad,
    /// The security domain the load file will be associated with.
    pub(crate) sd_aid: Vec<u8>,
    /// The block number the next LOAD must carry.
    next_block: u16,
    /// The load file so far.
    bytes: Vec<u8>,
}

impl LoadSession {
    /// A session for `announced`, associating the load file with `sd_aid`.
    pub(crate) fn new(announced: ForLoad, sd_aid: Vec<u8>) -> LoadSession {
        LoadSession {
            announced,
            sd_aid,
            next_block: 0,
            bytes: Vec::new(),
        }
    }

    /// Takes one LOAD block.
    pub(crate) fn block(&mut self, number: u8, data: &[u8]) -> Result<(), LoadRefusal> {
        if u16::from(number) != self.next_block {
            return Err(LoadRefusal::BlockNumber);
        }
        if self.bytes.len().saturating_add(data.len()) > MAX_LOAD_FILE {
            return Err(LoadRefusal::TooLarge);
        }
        self.bytes.extend_from_slice(data);
        self.next_block = self.next_block.saturating_add(1);
        Ok(())
    }

    /// The Load File Data Block (the CAP components) of the complete load file, checked
    /// against the announced hash.
    pub(crate) fn finish(&self) -> Result<Vec<u8>, LoadRefusal> {
        let block = data_block(&self.bytes).ok_or(LoadRefusal::Data)?;
        let alg = match self.announced.hash.len() {
            0 => None,
            20 => Some(HashAlg::Sha1),
            32 => Some(HashAlg::Sha256),
            _ => return Err(LoadRefusal::Data),
        };
        if let Some(alg) = alg {
            let mut hasher = Hasher::new(alg);
            hasher.update(block);
            if hasher.finish() != self.announced.hash {
                return Err(LoadRefusal::Data);
            }
        }
        Ok(block.to_vec())
    }
}

/// One BER-TLV with a one-byte tag: (tag, value, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, input) = input.split_first()?;
    let (len, input) = match first {
        0x00..=0x7F => (usize::from(first), input),
        0x81..=0x83 => {
            let n = usize::from(first & 0x0F);
            let (len_bytes, input) = input.split_at_checked(n)?;
            let mut be = [0u8; 4];
            be.get_mut(4usize.checked_sub(n)?..)?
                .copy_from_slice(len_bytes);
            (usize::try_from(u32::from_be_bytes(be)).ok()?, input)
        }
        _ => return None,
    };
    let (value, rest) = input.split_at_checked(len)?;
    Some((tag, value, rest))
}

/// The value of the `C4` TLV after any `E2` DAP blocks; nothing may follow it.
fn data_block(mut load_file: &[u8]) -> Option<&[u8]> {
    loop {
        let (tag, value, rest) = tlv(load_file)?;
        match tag {
            0xE2 => load_file = rest,
            0xC4 if rest.is_empty() => return Some(value),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(hash: Vec<u8>) -> LoadSession {
        LoadSession::new(
            ForLoad {
                load_file_aid: vec![1, 2, 3, 4, 5],
                sd_aid: Vec::new(),
                hash,
            },
            Vec::new(),
        )
    }

    #[test]
    fn blocks_are_numbered_from_zero_and_split_anywhere() {
        let mut s = session(Vec::new());
        assert_eq!(s.block(1, &[0xC4]), Err(LoadRefusal::BlockNumber));
        s.block(0, &[0xC4, 0x81]).unwrap();
        s.block(1, &[0x03, 1, 2]).unwrap();
        assert_eq!(s.finish(), Err(LoadRefusal::Data), "one byte short");
        s.block(2, &[3]).unwrap();
        assert_eq!(s.finish(), Ok(vec![1, 2, 3]));
    }

    #[test]
    fn dap_blocks_are_skipped_and_the_hash_is_over_the_c4_value() {
        // SHA-1("abc") (FIPS 180-2 appendix A.1).
        let sha1_abc = jcos_apdu::hex::decode("A9993E364706816ABA3E25717850C26C9CD0D89D").unwrap();
        let mut s = session(sha1_abc.clone());
        s.block(0, &[0xE2, 0x02, 0x4F, 0x00, 0xC4, 0x83, 0, 0, 3])
            .unwrap();
        s.block(1, b"abc").unwrap();
        assert_eq!(s.finish(), Ok(b"abc".to_vec()));
        let mut wrong = session(sha1_abc);
        wrong.block(0, &[0xC4, 0x03]).unwrap();
        wrong.block(1, b"abd").unwrap();
        assert_eq!(wrong.finish(), Err(LoadRefusal::Data));
        // SHA-256("abc") (FIPS 180-2 appendix B.1).
        let sha256_abc = jcos_apdu::hex::decode(
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        )
        .unwrap();
        let mut s = session(sha256_abc);
        s.block(0, &[0xC4, 0x82, 0, 3, b'a', b'b', b'c']).unwrap();
        assert_eq!(s.finish(), Ok(b"abc".to_vec()));
    }

    #[test]
    fn bytes_after_the_c4_block_are_refused() {
        let mut s = session(Vec::new());
        s.block(0, &[0xC4, 0x01, 0xAA, 0x00]).unwrap();
        assert_eq!(s.finish(), Err(LoadRefusal::Data));
    }
}
