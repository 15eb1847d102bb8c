//! `Checksum`: the ISO 3309 (HDLC frame check sequence) CRCs through the `crc` crate —
//! CRC-16/IBM-SDLC and CRC-32/ISO-HDLC, whose initial register value `Checksum.init` may
//! replace.

use super::{CryptoError, CryptoResult};
use crc::{Crc, CRC_16_IBM_SDLC, CRC_32_ISO_HDLC};

static CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_SDLC);
static CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// Which CRC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrcAlg {
    /// `ALG_ISO3309_CRC16`.
    Crc16,
    /// `ALG_ISO3309_CRC32`.
    Crc32,
}

impl CrcAlg {
    /// Checksum length in bytes.
    pub fn len(self) -> usize {
        match self {
            CrcAlg::Crc16 => 2,
            CrcAlg::Crc32 => 4,
        }
    }

    /// Always false; present for clippy's `len_without_is_empty`.
    pub fn is_empty(self) -> bool {
        false
    }
}

/// The CRC of `data`, big-endian, starting from `initial` (big-endian, `len()` bytes) or
/// the algorithm's own initial value.
pub fn checksum(alg: CrcAlg, initial: Option<&[u8]>, data: &[u8]) -> CryptoResult<Vec<u8>> {
    match alg {
        CrcAlg::Crc16 => {
            let mut d = match initial {
                Some(b) => CRC16.digest_with_initial(u16::from_be_bytes(
                    b.try_into().map_err(|_| CryptoError::IllegalValue)?,
                )),
                None => CRC16.digest(),
            };
            d.update(data);
            Ok(d.finalize().to_be_bytes().to_vec())
        }
        CrcAlg::Crc32 => {
            let mut d = match initial {
                Some(b) => CRC32.digest_with_initial(u32::from_be_bytes(
                    b.try_into().map_err(|_| CryptoError::IllegalValue)?,
                )),
                None => CRC32.digest(),
            };
            d.update(data);
            Ok(d.finalize().to_be_bytes().to_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_check_values() {
        // The check values of the CRC catalogue for "123456789".
        assert_eq!(
            checksum(CrcAlg::Crc16, None, b"123456789").unwrap(),
            vec![0x90, 0x6E]
        );
        assert_eq!(
            checksum(CrcAlg::Crc32, None, b"123456789").unwrap(),
            vec![0xCB, 0xF4, 0x39, 0x26]
        );
        assert_eq!(
            checksum(CrcAlg::Crc16, Some(&[1]), b"1"),
            Err(CryptoError::IllegalValue)
        );
    }
}
