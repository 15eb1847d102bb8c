//! The block-cipher operations the secure channel protocols are built from (GP Card
//! Specification 2.3.1 Appendix B; Amendment D §4), over the RustCrypto `des`, `aes`, `cbc`,
//! `ecb` and `cmac` crates: two- and three-key triple DES and AES in ECB and CBC modes,
//! AES-CMAC, the ISO 9797-1 MAC algorithm 3 ("retail MAC") and the `80 00..` padding.

use crate::gp::GpError;
use cipher::block_padding::NoPadding;
use cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};

/// A block cipher with its key length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockCipher {
    /// Single DES (8-byte key): only inside the retail MAC and SCP02 ICV encryption.
    Des,
    /// Two-key triple DES (16-byte key).
    Tdes2,
    /// Three-key triple DES (24-byte key).
    Tdes3,
    /// AES with a 16-, 24- or 32-byte key.
    Aes,
}

impl BlockCipher {
    /// The block length in bytes.
    pub fn block_len(self) -> usize {
        match self {
            BlockCipher::Aes => 16,
            _ => 8,
        }
    }

    /// The DES variant for a DES key of `len` bytes.
    pub fn des_for(len: usize) -> Result<BlockCipher, GpError> {
        match len {
            8 => Ok(BlockCipher::Des),
            16 => Ok(BlockCipher::Tdes2),
            24 => Ok(BlockCipher::Tdes3),
            _ => Err(GpError::Key(format!(
                "a DES key has 8, 16 or 24 bytes, not {len}"
            ))),
        }
    }
}

fn key_error(what: &str, len: usize) -> GpError {
    GpError::Key(format!("{what}: a key of {len} bytes does not fit"))
}

fn block_error(len: usize, bs: usize) -> GpError {
    GpError::Crypto(format!("{len} bytes are not whole {bs}-byte blocks"))
}

macro_rules! with_cipher {
    ($alg:expr, $key:expr, $c:ident => $e:expr) => {
        match ($alg, $key.len()) {
            (BlockCipher::Des, _) => {
                type $c = des::Des;
                $e
            }
            (BlockCipher::Tdes2, _) => {
                type $c = des::TdesEde2;
                $e
            }
            (BlockCipher::Tdes3, _) => {
                type $c = des::TdesEde3;
                $e
            }
            (BlockCipher::Aes, 24) => {
                type $c = aes::Aes192;
                $e
            }
            (BlockCipher::Aes, 32) => {
                type $c = aes::Aes256;
                $e
            }
            (BlockCipher::Aes, _) => {
                type $c = aes::Aes128;
                $e
            }
        }
    };
}

/// Encrypts whole blocks in CBC mode with `iv`.
pub fn cbc_encrypt(
    alg: BlockCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, GpError> {
    let bs = alg.block_len();
    if data.len() % bs != 0 {
        return Err(block_error(data.len(), bs));
    }
    let mut buf = data.to_vec();
    let len = buf.len();
    with_cipher!(alg, key, C => {
        cbc::Encryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| key_error("CBC encryption", key.len()))?
            .encrypt_padded::<NoPadding>(&mut buf, len)
            .map_err(|_| block_error(len, bs))?;
    });
    Ok(buf)
}

/// Decrypts whole blocks in CBC mode with `iv`.
pub fn cbc_decrypt(
    alg: BlockCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, GpError> {
    let bs = alg.block_len();
    if data.len() % bs != 0 {
        return Err(block_error(data.len(), bs));
    }
    let mut buf = data.to_vec();
    with_cipher!(alg, key, C => {
        cbc::Decryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| key_error("CBC decryption", key.len()))?
            .decrypt_padded::<NoPadding>(&mut buf)
            .map_err(|_| block_error(data.len(), bs))?;
    });
    Ok(buf)
}

/// Encrypts whole blocks in ECB mode.
pub fn ecb_encrypt(alg: BlockCipher, key: &[u8], data: &[u8]) -> Result<Vec<u8>, GpError> {
    let bs = alg.block_len();
    if data.len() % bs != 0 {
        return Err(block_error(data.len(), bs));
    }
    let mut buf = data.to_vec();
    let len = buf.len();
    with_cipher!(alg, key, C => {
        ecb::Encryptor::<C>::new_from_slice(key)
            .map_err(|_| key_error("ECB encryption", key.len()))?
            .encrypt_padded::<NoPadding>(&mut buf, len)
            .map_err(|_| block_error(len, bs))?;
    });
    Ok(buf)
}

/// Decrypts whole blocks in ECB mode.
pub fn ecb_decrypt(alg: BlockCipher, key: &[u8], data: &[u8]) -> Result<Vec<u8>, GpError> {
    let bs = alg.block_len();
    if data.len() % bs != 0 {
        return Err(block_error(data.len(), bs));
    }
    let mut buf = data.to_vec();
    with_cipher!(alg, key, C => {
        ecb::Decryptor::<C>::new_from_slice(key)
            .map_err(|_| key_error("ECB decryption", key.len()))?
            .decrypt_padded::<NoPadding>(&mut buf)
            .map_err(|_| block_error(data.len(), bs))?;
    });
    Ok(buf)
}

/// AES-CMAC (NIST SP 800-38B) of `data`: the full 16 bytes.
pub fn aes_cmac(key: &[u8], data: &[u8]) -> Result<[u8; 16], GpError> {
    use cmac::{Cmac, Mac};
    macro_rules! run {
        ($t:ty) => {{
            let mut mac = <Cmac<$t> as KeyInit>::new_from_slice(key)
                .map_err(|_| key_error("AES-CMAC", key.len()))?;
            mac.update(data);
            let out = mac.finalize().into_bytes();
            let mut block = [0u8; 16];
            block.copy_from_slice(&out);
            Ok(block)
        }};
    }
    match key.len() {
        16 => run!(aes::Aes128),
        24 => run!(aes::Aes192),
        32 => run!(aes::Aes256),
        n => Err(key_error("AES-CMAC", n)),
    }
}

/// Pads `data` with `80` and zero bytes to whole `bs`-byte blocks (ISO 9797-1 method 2): the
/// `80` is always added, so block-aligned data gains a whole block.
pub fn pad80(data: &[u8], bs: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + bs);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % bs != 0 {
        out.push(0);
    }
    out
}

/// Removes an ISO 9797-1 method 2 padding; `None` when there is none.
pub fn unpad80(mut data: Vec<u8>) -> Option<Vec<u8>> {
    while data.last() == Some(&0) {
        data.pop();
    }
    match data.pop() {
        Some(0x80) => Some(data),
        _ => None,
    }
}

/// ISO 9797-1 MAC algorithm 3 with padding method 2 (GP 2.3.1 §B.1.2.2, the SCP02 C-MAC):
/// single-DES CBC with the left half of the 16-byte `key` from `icv`, then the last block
/// decrypted with the right half and encrypted with the left.
pub fn retail_mac(key: &[u8], icv: &[u8; 8], data: &[u8]) -> Result<[u8; 8], GpError> {
    let (k1, k2) = match (key.get(..8), key.get(8..16)) {
        (Some(k1), Some(k2)) if key.len() == 16 => (k1, k2),
        _ => return Err(key_error("retail MAC", key.len())),
    };
    let padded = pad80(data, 8);
    let chained = cbc_encrypt(BlockCipher::Des, k1, icv, &padded)?;
    let last = chained
        .get(chained.len().saturating_sub(8)..)
        .ok_or_else(|| block_error(chained.len(), 8))?;
    let step = ecb_decrypt(BlockCipher::Des, k2, last)?;
    let out = ecb_encrypt(BlockCipher::Des, k1, &step)?;
    to_array8(&out)
}

/// Full triple-DES CBC-MAC with zero ICV over `80`-padded data (GP 2.3.1 §B.1.2.1, the SCP02
/// cryptograms): the last ciphertext block.
pub fn tdes_cbc_mac(key: &[u8], data: &[u8]) -> Result<[u8; 8], GpError> {
    let alg = BlockCipher::des_for(key.len())?;
    let out = cbc_encrypt(alg, key, &[0u8; 8], &pad80(data, 8))?;
    let last = out
        .get(out.len().saturating_sub(8)..)
        .ok_or_else(|| block_error(out.len(), 8))?;
    to_array8(last)
}

/// The first eight bytes of `bytes` as an array.
pub fn to_array8(bytes: &[u8]) -> Result<[u8; 8], GpError> {
    bytes
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .ok_or_else(|| GpError::Crypto(format!("{} bytes where 8 were expected", bytes.len())))
}

/// Constant-time comparison of a computed and a received cryptogram or MAC.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_apdu::hex;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn aes_cmac_matches_rfc4493_example_2() {
        // RFC 4493 §4, Example 2 (16-byte message).
        let key = h("2b7e151628aed2a6abf7158809cf4f3c");
        let msg = h("6bc1bee22e409f96e93d7e117393172a");
        assert_eq!(
            aes_cmac(&key, &msg).unwrap().to_vec(),
            h("070a16b46b4d4144f79bdd9dd04a287c")
        );
    }

    #[test]
    fn des_ecb_matches_the_classic_fips81_vector() {
        // "Now is t" under 0123456789ABCDEF (FIPS 81 appendix B).
        let out = ecb_encrypt(
            BlockCipher::Des,
            &h("0123456789abcdef"),
            &h("4e6f772069732074"),
        );
        assert_eq!(out.unwrap(), h("3fa40e8a984d4815"));
    }

    #[test]
    fn pad80_always_adds_the_marker() {
        assert_eq!(pad80(&[1, 2], 4), vec![1, 2, 0x80, 0]);
        assert_eq!(pad80(&[1, 2, 3, 4], 4), vec![1, 2, 3, 4, 0x80, 0, 0, 0]);
        assert_eq!(unpad80(vec![1, 0x80, 0, 0]), Some(vec![1]));
        assert_eq!(unpad80(vec![1, 0, 0]), None);
        assert_eq!(unpad80(vec![]), None);
    }

    #[test]
    fn wrong_key_lengths_are_errors() {
        assert!(aes_cmac(&[0; 15], b"x").is_err());
        assert!(retail_mac(&[0; 24], &[0; 8], b"x").is_err());
        assert!(cbc_encrypt(BlockCipher::Aes, &[0; 16], &[0; 16], &[0; 15]).is_err());
    }
}
