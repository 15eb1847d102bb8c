//! DES and AES: block cipher modes (ECB, CBC, CTR) with the Java Card paddings, and the
//! block-cipher MACs (ISO 9797-1 algorithms 1 and 3, AES CBC-MAC, AES-CMAC) and HMAC.
//!
//! Modes run on whole blocks through the `cbc`, `ecb` and `ctr` crates; paddings are the
//! `block-padding` crate's (ISO 9797-1 method 1 = zero padding, method 2 = ISO 7816-4,
//! PKCS#5 = PKCS#7 on 8- or 16-byte blocks).

use super::digest::HashAlg;
use super::{CryptoError, CryptoResult};
use cipher::block_padding::{Iso7816, NoPadding, Padding, Pkcs7, ZeroPadding};
use cipher::{
    BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit, StreamCipher, StreamCipherSeek,
};
use sha2_011 as sha2;
use subtle::ConstantTimeEq;

/// The block cipher and key size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockAlg {
    /// Single DES (8-byte key).
    Des,
    /// Two-key triple DES, EDE (16-byte key).
    Tdes2,
    /// Three-key triple DES, EDE (24-byte key).
    Tdes3,
    /// AES-128.
    Aes128,
    /// AES-192.
    Aes192,
    /// AES-256.
    Aes256,
}

impl BlockAlg {
    /// The DES variant for a DES key of `len` bytes.
    pub fn des_for(len: usize) -> CryptoResult<BlockAlg> {
        match len {
            8 => Ok(BlockAlg::Des),
            16 => Ok(BlockAlg::Tdes2),
            24 => Ok(BlockAlg::Tdes3),
            _ => Err(CryptoError::IllegalValue),
        }
    }

    /// The AES variant for an AES key of `len` bytes.
    pub fn aes_for(len: usize) -> CryptoResult<BlockAlg> {
        match len {
            16 => Ok(BlockAlg::Aes128),
            24 => Ok(BlockAlg::Aes192),
            32 => Ok(BlockAlg::Aes256),
            _ => Err(CryptoError::IllegalValue),
        }
    }

    /// Block length in bytes.
    pub fn block_len(self) -> usize {
        match self {
            BlockAlg::Des | BlockAlg::Tdes2 | BlockAlg::Tdes3 => 8,
            _ => 16,
        }
    }
}

/// The chaining mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Electronic codebook.
    Ecb,
    /// Cipher block chaining.
    Cbc,
    /// Counter mode (128-bit big-endian counter), a stream mode.
    Ctr,
}

/// The padding applied to the last block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pad {
    /// None: data must be block-aligned.
    None,
    /// ISO 9797-1 method 1: zero bytes up to the block boundary.
    M1,
    /// ISO 9797-1 method 2: 0x80, then zero bytes.
    M2,
    /// PKCS#5: n bytes of value n.
    Pkcs5,
}

impl Pad {
    /// Pads `data` to whole blocks of `bs` bytes (method 1 pads an empty string to one
    /// block, as ISO 9797-1 requires).
    pub fn apply(self, data: &[u8], bs: usize) -> CryptoResult<Vec<u8>> {
        let mut out = data.to_vec();
        let rem = data.len() % bs;
        match self {
            Pad::None => {
                if rem != 0 {
                    return Err(CryptoError::IllegalUse);
                }
            }
            Pad::M1 => {
                if rem != 0 || data.is_empty() {
                    let mut block = vec![0u8; bs];
                    let pos = rem;
                    if let (Some(dst), Some(src)) =
                        (block.get_mut(..pos), data.get(data.len() - pos..))
                    {
                        dst.copy_from_slice(src);
                    }
                    ZeroPadding::raw_pad(&mut block, pos);
                    out.truncate(data.len() - pos);
                    out.extend_from_slice(&block);
                }
            }
            Pad::M2 | Pad::Pkcs5 => {
                let mut block = vec![0u8; bs];
                let pos = rem;
                if let (Some(dst), Some(src)) = (block.get_mut(..pos), data.get(data.len() - pos..))
                {
                    dst.copy_from_slice(src);
                }
                if self == Pad::M2 {
                    Iso7816::raw_pad(&mut block, pos);
                } else {
                    Pkcs7::raw_pad(&mut block, pos);
                }
                out.truncate(data.len() - pos);
                out.extend_from_slice(&block);
            }
        }
        Ok(out)
    }

    /// Removes the padding of decrypted, block-aligned `data`; a malformed padding is
    /// `ILLEGAL_USE`. Method 1 cannot be removed unambiguously and is kept, as on cards.
    pub fn remove(self, mut data: Vec<u8>, bs: usize) -> CryptoResult<Vec<u8>> {
        if data.len() % bs != 0 {
            return Err(CryptoError::IllegalUse);
        }
        let keep = match self {
            Pad::None | Pad::M1 => return Ok(data),
            Pad::M2 | Pad::Pkcs5 => {
                let start = data.len().checked_sub(bs).ok_or(CryptoError::IllegalUse)?;
                let last = data.get(start..).ok_or(CryptoError::IllegalUse)?;
                let kept = if self == Pad::M2 {
                    Iso7816::raw_unpad(last)
                } else {
                    Pkcs7::raw_unpad(last)
                }
                .map_err(|_| CryptoError::IllegalUse)?;
                start + kept.len()
            }
        };
        data.truncate(keep);
        Ok(data)
    }
}

macro_rules! with_block {
    ($alg:expr, $c:ident => $e:expr) => {
        match $alg {
            BlockAlg::Des => {
                type $c = des::Des;
                $e
            }
            BlockAlg::Tdes2 => {
                type $c = des::TdesEde2;
                $e
            }
            BlockAlg::Tdes3 => {
                type $c = des::TdesEde3;
                $e
            }
            BlockAlg::Aes128 => {
                type $c = aes::Aes128;
                $e
            }
            BlockAlg::Aes192 => {
                type $c = aes::Aes192;
                $e
            }
            BlockAlg::Aes256 => {
                type $c = aes::Aes256;
                $e
            }
        }
    };
}

/// Encrypts (`encrypt`) or decrypts block-aligned `data` in place with `mode`; for CBC
/// `iv` is the chaining value, for CTR the counter block and `offset` the keystream
/// position in bytes. Returns the chaining value for a continuation (CBC: the last
/// ciphertext block; others: `iv` unchanged).
pub fn crypt_blocks(
    alg: BlockAlg,
    mode: Mode,
    key: &[u8],
    iv: &[u8],
    offset: u64,
    encrypt: bool,
    data: &mut [u8],
) -> CryptoResult<Vec<u8>> {
    let bs = alg.block_len();
    if mode != Mode::Ctr && data.len() % bs != 0 {
        return Err(CryptoError::IllegalUse);
    }
    let bad = |_| CryptoError::IllegalValue;
    let len = data.len();
    let next_iv = match mode {
        Mode::Cbc if encrypt => data.get(len.saturating_sub(bs)..).map(<[u8]>::to_vec),
        _ => None,
    };
    let in_last = match mode {
        Mode::Cbc if !encrypt => data.get(len.saturating_sub(bs)..).map(<[u8]>::to_vec),
        _ => None,
    };
    with_block!(alg, C => {
        match (mode, encrypt) {
            (Mode::Ecb, true) => {
                ecb::Encryptor::<C>::new_from_slice(key)
                    .map_err(bad)?
                    .encrypt_padded::<NoPadding>(data, len)
                    .map_err(|_| CryptoError::IllegalUse)?;
            }
            (Mode::Ecb, false) => {
                ecb::Decryptor::<C>::new_from_slice(key)
                    .map_err(bad)?
                    .decrypt_padded::<NoPadding>(data)
                    .map_err(|_| CryptoError::IllegalUse)?;
            }
            (Mode::Cbc, true) => {
                cbc::Encryptor::<C>::new_from_slices(key, iv)
                    .map_err(bad)?
                    .encrypt_padded::<NoPadding>(data, len)
                    .map_err(|_| CryptoError::IllegalUse)?;
            }
            (Mode::Cbc, false) => {
                cbc::Decryptor::<C>::new_from_slices(key, iv)
                    .map_err(bad)?
                    .decrypt_padded::<NoPadding>(data)
                    .map_err(|_| CryptoError::IllegalUse)?;
            }
            (Mode::Ctr, _) => return ctr_apply(alg, key, iv, offset, data).map(|_| iv.to_vec()),
        }
    });
    Ok(match mode {
        Mode::Cbc if encrypt => {
            let _ = in_last;
            match data.get(len.saturating_sub(bs)..) {
                Some(last) if len > 0 => last.to_vec(),
                _ => next_iv.unwrap_or_else(|| iv.to_vec()),
            }
        }
        Mode::Cbc => match in_last {
            Some(last) if len > 0 => last,
            _ => iv.to_vec(),
        },
        _ => iv.to_vec(),
    })
}

/// CTR mode (AES only: the counter is the 128-bit block).
fn ctr_apply(
    alg: BlockAlg,
    key: &[u8],
    iv: &[u8],
    offset: u64,
    data: &mut [u8],
) -> CryptoResult<()> {
    macro_rules! run {
        ($c:ty) => {{
            let mut c = ctr::Ctr128BE::<$c>::new_from_slices(key, iv)
                .map_err(|_| CryptoError::IllegalValue)?;
            c.try_seek(offset).map_err(|_| CryptoError::IllegalUse)?;
            c.try_apply_keystream(data)
                .map_err(|_| CryptoError::IllegalUse)
        }};
    }
    match alg {
        BlockAlg::Aes128 => run!(aes::Aes128),
        BlockAlg::Aes192 => run!(aes::Aes192),
        BlockAlg::Aes256 => run!(aes::Aes256),
        _ => Err(CryptoError::NoSuchAlgorithm),
    }
}

/// Decrypts or encrypts one block with the raw block cipher (for ISO 9797-1 algorithm 3).
fn block_op(alg: BlockAlg, key: &[u8], encrypt: bool, block: &mut [u8]) -> CryptoResult<()> {
    crypt_blocks(alg, Mode::Ecb, key, &[], 0, encrypt, block).map(|_| ())
}

/// A block-cipher MAC: CBC-MAC (ISO 9797-1 MAC algorithm 1) from the initial chaining
/// value `icv` (a zero block when `None`; `Signature.init` with an IV sets one), optionally
/// with the output transformation of algorithm 3 (single DES chain with K1, then decrypt
/// with K2 and encrypt with K1), truncated to `out_len` bytes.
pub fn cbc_mac(
    alg: BlockAlg,
    key: &[u8],
    pad: Pad,
    alg3: bool,
    icv: Option<&[u8]>,
    data: &[u8],
    out_len: usize,
) -> CryptoResult<Vec<u8>> {
    let bs = alg.block_len();
    let mut padded = pad.apply(data, bs)?;
    let zero = vec![0u8; bs];
    let icv = match icv {
        Some(v) if v.len() == bs => v,
        Some(_) => return Err(CryptoError::IllegalValue),
        None => &zero,
    };
    let chain = if alg3 {
        let k1 = key.get(..8).ok_or(CryptoError::IllegalValue)?;
        let k2 = key.get(8..16).ok_or(CryptoError::IllegalValue)?;
        let mut h = crypt_blocks(BlockAlg::Des, Mode::Cbc, k1, icv, 0, true, &mut padded)?;
        block_op(BlockAlg::Des, k2, false, &mut h)?;
        block_op(BlockAlg::Des, k1, true, &mut h)?;
        h
    } else {
        crypt_blocks(alg, Mode::Cbc, key, icv, 0, true, &mut padded)?
    };
    chain
        .get(..out_len)
        .map(<[u8]>::to_vec)
        .ok_or(CryptoError::IllegalUse)
}

macro_rules! mac {
    ($t:ty, $key:expr, $data:expr) => {{
        let mut m = <$t as KeyInit>::new_from_slice($key).map_err(|_| CryptoError::IllegalValue)?;
        m.update($data);
        Ok(m.finalize().into_bytes().to_vec())
    }};
}

/// AES-CMAC (NIST SP 800-38B, RFC 4493) with a 128-, 192- or 256-bit key.
pub fn aes_cmac(key: &[u8], data: &[u8]) -> CryptoResult<Vec<u8>> {
    use cmac::{Cmac, Mac};
    match BlockAlg::aes_for(key.len())? {
        BlockAlg::Aes128 => mac!(Cmac<aes::Aes128>, key, data),
        BlockAlg::Aes192 => mac!(Cmac<aes::Aes192>, key, data),
        _ => mac!(Cmac<aes::Aes256>, key, data),
    }
}

/// HMAC (RFC 2104) with `alg`.
pub fn hmac(alg: HashAlg, key: &[u8], data: &[u8]) -> CryptoResult<Vec<u8>> {
    use hmac::{Hmac, Mac};
    match alg {
        HashAlg::Sha1 => mac!(Hmac<sha1::Sha1>, key, data),
        HashAlg::Sha256 => mac!(Hmac<sha2::Sha256>, key, data),
        HashAlg::Sha384 => mac!(Hmac<sha2::Sha384>, key, data),
        HashAlg::Sha512 => mac!(Hmac<sha2::Sha512>, key, data),
        HashAlg::Md5 => mac!(Hmac<md5::Md5>, key, data),
        HashAlg::Ripemd160 => mac!(Hmac<ripemd::Ripemd160>, key, data),
        _ => Err(CryptoError::NoSuchAlgorithm),
    }
}

/// Constant-time equality of a computed and a presented MAC.
pub fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        jcos_apdu::hex::decode(s).unwrap()
    }

    #[test]
    fn aes_fips197_and_sp800_38a() {
        // FIPS-197 appendix C.1.
        let mut b = hex("00112233445566778899AABBCCDDEEFF");
        let k = hex("000102030405060708090A0B0C0D0E0F");
        crypt_blocks(BlockAlg::Aes128, Mode::Ecb, &k, &[], 0, true, &mut b).unwrap();
        assert_eq!(b, hex("69C4E0D86A7B0430D8CDB78070B4C55A"));
        crypt_blocks(BlockAlg::Aes128, Mode::Ecb, &k, &[], 0, false, &mut b).unwrap();
        assert_eq!(b, hex("00112233445566778899AABBCCDDEEFF"));
        // SP 800-38A F.2.1 CBC-AES128.Encrypt, first two blocks.
        let k = hex("2B7E151628AED2A6ABF7158809CF4F3C");
        let iv = hex("000102030405060708090A0B0C0D0E0F");
        let mut p = hex("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51");
        let next = crypt_blocks(BlockAlg::Aes128, Mode::Cbc, &k, &iv, 0, true, &mut p).unwrap();
        assert_eq!(
            p,
            hex("7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2")
        );
        assert_eq!(next, hex("5086CB9B507219EE95DB113A917678B2"));
        // SP 800-38A F.5.1 CTR-AES128.Encrypt, blocks 1 and 2, the second from offset 16.
        let ctr = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF");
        let mut p1 = hex("6BC1BEE22E409F96E93D7E117393172A");
        crypt_blocks(BlockAlg::Aes128, Mode::Ctr, &k, &ctr, 0, true, &mut p1).unwrap();
        assert_eq!(p1, hex("874D6191B620E3261BEF6864990DB6CE"));
        let mut p2 = hex("AE2D8A571E03AC9C9EB76FAC45AF8E51");
        crypt_blocks(BlockAlg::Aes128, Mode::Ctr, &k, &ctr, 16, true, &mut p2).unwrap();
        assert_eq!(p2, hex("9806F66B7970FDFF8617187BB9FFFDFF"));
    }

    #[test]
    fn des_known_answer() {
        // The classic DES example: key 133457799BBCDFF1, plaintext 0123456789ABCDEF.
        let mut b = hex("0123456789ABCDEF");
        crypt_blocks(
            BlockAlg::Des,
            Mode::Ecb,
            &hex("133457799BBCDFF1"),
            &[],
            0,
            true,
            &mut b,
        )
        .unwrap();
        assert_eq!(b, hex("85E813540F0AB405"));
    }

    #[test]
    fn paddings() {
        assert_eq!(
            Pad::M2.apply(&hex("0102"), 8).unwrap(),
            hex("0102800000000000")
        );
        assert_eq!(Pad::M1.apply(&[], 8).unwrap(), vec![0; 8]);
        assert_eq!(Pad::M1.apply(&hex("0102030405060708"), 8).unwrap().len(), 8);
        assert_eq!(
            Pad::Pkcs5.apply(&hex("0102030405060708"), 8).unwrap().len(),
            16
        );
        assert_eq!(Pad::None.apply(&hex("01"), 8), Err(CryptoError::IllegalUse));
        assert_eq!(
            Pad::Pkcs5.remove(hex("0102030405060303"), 8),
            Err(CryptoError::IllegalUse)
        );
        assert_eq!(
            Pad::Pkcs5.remove(hex("0102030405030303"), 8).unwrap(),
            hex("0102030405")
        );
        assert_eq!(
            Pad::M2.remove(hex("0102030405800000"), 8).unwrap(),
            hex("0102030405")
        );
    }

    #[test]
    fn cbc_mac_from_an_initial_vector() {
        // FIPS 81 appendix C (CBC): key 0123456789ABCDEF, IV 1234567890ABCDEF,
        // "Now is the time for all " encrypts to E5C7CDDE872BF27C 43E934008C389C0F
        // 683788499A7C05F6: the CBC-MAC from that IV is the last block.
        let k = hex("0123456789ABCDEF");
        let iv = hex("1234567890ABCDEF");
        let m = b"Now is the time for all ";
        let mac = cbc_mac(BlockAlg::Des, &k, Pad::None, false, Some(&iv), m, 8).unwrap();
        assert_eq!(mac, hex("683788499A7C05F6"));
        let mac4 = cbc_mac(BlockAlg::Des, &k, Pad::None, false, Some(&iv), m, 4).unwrap();
        assert_eq!(mac4, hex("68378849"));
        // The same text from a zero IV: ANSI X9.9 / FIPS 113 CBC-MAC 70A30640CC76DD8B.
        let mac0 = cbc_mac(BlockAlg::Des, &k, Pad::None, false, None, m, 8).unwrap();
        assert_eq!(mac0, hex("70A30640CC76DD8B"));
        // SP 800-38A F.2.1 CBC-AES128.Encrypt, two blocks: the last ciphertext block.
        let k = hex("2B7E151628AED2A6ABF7158809CF4F3C");
        let iv = hex("000102030405060708090A0B0C0D0E0F");
        let p = hex("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51");
        let mac = cbc_mac(BlockAlg::Aes128, &k, Pad::None, false, Some(&iv), &p, 16).unwrap();
        assert_eq!(mac, hex("5086CB9B507219EE95DB113A917678B2"));
        // An IV of the wrong length is refused.
        assert_eq!(
            cbc_mac(
                BlockAlg::Aes128,
                &k,
                Pad::None,
                false,
                Some(&iv[..8]),
                &p,
                16
            ),
            Err(CryptoError::IllegalValue)
        );
    }

    #[test]
    fn retail_mac_from_an_initial_vector() {
        // ISO 9797-1 MAC algorithm 3 (padding method 2) with K = 0123456789ABCDEF,
        // K' = FEDCBA9876543210 and ICV 1234567890ABCDEF over "Now is the time for all ";
        // expected value computed with OpenSSL's DES (CBC chain under K from the ICV, then
        // DES-ECB decrypt under K' and encrypt under K).
        let k = hex("0123456789ABCDEFFEDCBA9876543210");
        let iv = hex("1234567890ABCDEF");
        let m = b"Now is the time for all ";
        let mac = cbc_mac(BlockAlg::Tdes2, &k, Pad::M2, true, Some(&iv), m, 8).unwrap();
        assert_eq!(mac, hex("DCDDB41991C86166"));
        // With a zero ICV (the same computation from 0000000000000000).
        let mac0 = cbc_mac(BlockAlg::Tdes2, &k, Pad::M2, true, None, m, 8).unwrap();
        assert_eq!(mac0, hex("E9086230CA3BE796"));
        // The ICV only enters the first block: MAC(ICV, M1 || M2 ..) = MAC(0, (M1 ^ ICV) || M2 ..).
        let mut shifted = m.to_vec();
        for (b, v) in shifted.iter_mut().zip(&iv) {
            *b ^= v;
        }
        let via_zero = cbc_mac(BlockAlg::Tdes2, &k, Pad::M2, true, None, &shifted, 8).unwrap();
        assert_eq!(via_zero, mac);
    }

    #[test]
    fn cmac_rfc4493() {
        let k = hex("2B7E151628AED2A6ABF7158809CF4F3C");
        assert_eq!(
            aes_cmac(&k, &[]).unwrap(),
            hex("BB1D6929E95937287FA37D129B756746")
        );
        assert_eq!(
            aes_cmac(&k, &hex("6BC1BEE22E409F96E93D7E117393172A")).unwrap(),
            hex("070A16B46B4D4144F79BDD9DD04A287C")
        );
    }

    #[test]
    fn hmac_rfc4231() {
        let key = vec![0x0B; 20];
        assert_eq!(
            hmac(HashAlg::Sha256, &key, b"Hi There").unwrap(),
            hex("B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7")
        );
        // Test case 2: key "Jefe".
        assert_eq!(
            hmac(HashAlg::Sha512, b"Jefe", b"what do ya want for nothing?").unwrap(),
            hex("164B7A7BFCF819E2E395FBE73B56E0A387BD64222E831FD610270CD7EA2505549758BF75C05A994A6D034F65F8F0E6FDCAEAB1A34D4A6B4B636E070A38BCE737")
        );
        // RFC 2202 test case 1 for HMAC-SHA-1.
        assert_eq!(
            hmac(HashAlg::Sha1, &key, b"Hi There").unwrap(),
            hex("B617318655057264E28BC0B6FB378C8EF146BE00")
        );
        assert!(mac_eq(&hex("0102"), &hex("0102")));
        assert!(!mac_eq(&hex("0102"), &hex("0103")));
        assert!(!mac_eq(&hex("0102"), &hex("01")));
    }
}
