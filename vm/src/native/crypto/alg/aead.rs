//! `AEADCipher`: AES-GCM (96-bit nonces) through the `aes-gcm` crate and AES-CCM (NIST SP
//! 800-38C) through the `ccm` crate. Java Card delivers decrypted data before the tag is checked (`doFinal`, then
//! `verifyTag`), so decryption runs the AEAD's keystream over the ciphertext (the
//! encryption of C is P for these counter-mode AEADs) and the tag is that of encrypting P.

use super::sym::BlockAlg;
use super::{CryptoError, CryptoResult};
use aes_gcm::aead::array::{Array, ArraySize};
use aes_gcm::aead::{AeadInOut, KeyInit};
use ccm::consts::{U10, U11, U12, U13, U14, U16, U4, U6, U7, U8, U9};
use cipher::{BlockCipherEncrypt, BlockSizeUser};

/// Which AEAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AeadAlg {
    /// AES-GCM (`ALG_AES_GCM`).
    Gcm,
    /// AES-CCM (`ALG_AES_CCM`).
    Ccm,
}

fn run<A: AeadInOut + KeyInit>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
) -> CryptoResult<Vec<u8>> {
    let a = A::new_from_slice(key).map_err(|_| CryptoError::IllegalValue)?;
    let nonce: aes_gcm::aead::Nonce<A> =
        Array::try_from(nonce).map_err(|_| CryptoError::IllegalValue)?;
    let tag = a
        .encrypt_inout_detached(&nonce, aad, data.into())
        .map_err(|_| CryptoError::IllegalUse)?;
    Ok(tag.to_vec())
}

/// Encrypts `data` in place and returns the full tag (`tag_len` bytes for CCM, 16 for
/// GCM, whose tags truncate). GCM takes 12-byte nonces; CCM nonces of 7 to 13 bytes and
/// tags of 4, 6, 8, 10, 12, 14 or 16 bytes.
pub fn seal(
    alg: AeadAlg,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    tag_len: usize,
    data: &mut [u8],
) -> CryptoResult<Vec<u8>> {
    let block = BlockAlg::aes_for(key.len())?;
    match alg {
        AeadAlg::Gcm => {
            if nonce.len() != 12 {
                return Err(CryptoError::IllegalValue);
            }
            match block {
                BlockAlg::Aes128 => run::<aes_gcm::Aes128Gcm>(key, nonce, aad, data),
                BlockAlg::Aes192 => {
                    run::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>(
                        key, nonce, aad, data,
                    )
                }
                _ => run::<aes_gcm::Aes256Gcm>(key, nonce, aad, data),
            }
        }
        AeadAlg::Ccm => match block {
            BlockAlg::Aes128 => ccm_tag::<aes::Aes128>(key, nonce, aad, tag_len, data),
            BlockAlg::Aes192 => ccm_tag::<aes::Aes192>(key, nonce, aad, tag_len, data),
            _ => ccm_tag::<aes::Aes256>(key, nonce, aad, tag_len, data),
        },
    }
}

/// CCM's tag length is part of its first block, so each length is its own instance.
fn ccm_tag<C>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    tag_len: usize,
    data: &mut [u8],
) -> CryptoResult<Vec<u8>>
where
    C: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + KeyInit,
{
    match tag_len {
        4 => ccm_nonce::<C, U4>(key, nonce, aad, data),
        6 => ccm_nonce::<C, U6>(key, nonce, aad, data),
        8 => ccm_nonce::<C, U8>(key, nonce, aad, data),
        10 => ccm_nonce::<C, U10>(key, nonce, aad, data),
        12 => ccm_nonce::<C, U12>(key, nonce, aad, data),
        14 => ccm_nonce::<C, U14>(key, nonce, aad, data),
        16 => ccm_nonce::<C, U16>(key, nonce, aad, data),
        _ => Err(CryptoError::IllegalValue),
    }
}

fn ccm_nonce<C, M>(key: &[u8], nonce: &[u8], aad: &[u8], data: &mut [u8]) -> CryptoResult<Vec<u8>>
where
    C: BlockSizeUser<BlockSize = U16> + BlockCipherEncrypt + KeyInit,
    M: ArraySize + ccm::TagSize,
{
    match nonce.len() {
        7 => run::<ccm::Ccm<C, M, U7>>(key, nonce, aad, data),
        8 => run::<ccm::Ccm<C, M, U8>>(key, nonce, aad, data),
        9 => run::<ccm::Ccm<C, M, U9>>(key, nonce, aad, data),
        10 => run::<ccm::Ccm<C, M, U10>>(key, nonce, aad, data),
        11 => run::<ccm::Ccm<C, M, U11>>(key, nonce, aad, data),
        12 => run::<ccm::Ccm<C, M, U12>>(key, nonce, aad, data),
        13 => run::<ccm::Ccm<C, M, U13>>(key, nonce, aad, data),
        _ => Err(CryptoError::IllegalValue),
    }
}

/// Decrypts `data` in place without checking a tag and returns the tag the plaintext must
/// come with (to compare with [`super::sym::mac_eq`]).
pub fn open(
    alg: AeadAlg,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    tag_len: usize,
    data: &mut [u8],
) -> CryptoResult<Vec<u8>> {
    seal(alg, key, nonce, aad, tag_len, data)?;
    let mut again = data.to_vec();
    seal(alg, key, nonce, aad, tag_len, &mut again)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        jcos_apdu::hex::decode(s).unwrap()
    }

    #[test]
    fn gcm_known_answer() {
        // The GCM specification's test case 3 (McGrew and Viega), AES-128.
        let key = hex("FEFFE9928665731C6D6A8F9467308308");
        let iv = hex("CAFEBABEFACEDBADDECAF888");
        let p = hex("D9313225F88406E5A55909C5AFF5269A86A7A9531534F7DA2E4C303D8A318A721C3C0C95956809532FCF0E2449A6B525B16AEDF5AA0DE657BA637B391AAFD255");
        let mut d = p.clone();
        let tag = seal(AeadAlg::Gcm, &key, &iv, &[], 16, &mut d).unwrap();
        assert_eq!(d, hex("42831EC2217774244B7221B784D0D49CE3AA212F2C02A4E035C17E2329ACA12E21D514B25466931C7D8F6A5AAC84AA051BA30B396A0AAC973D58E091473F5985"));
        assert_eq!(tag, hex("4D5C2AF327CD64A62CF35ABD2BA6FAB4"));
        let expected = open(AeadAlg::Gcm, &key, &iv, &[], 16, &mut d).unwrap();
        assert_eq!(d, p);
        assert_eq!(expected, tag);
    }

    #[test]
    fn ccm_known_answers() {
        // NIST SP 800-38C appendix C, examples 1 and 2.
        let key = hex("404142434445464748494A4B4C4D4E4F");
        let mut d = hex("20212223");
        let tag = seal(
            AeadAlg::Ccm,
            &key,
            &hex("10111213141516"),
            &hex("0001020304050607"),
            4,
            &mut d,
        )
        .unwrap();
        assert_eq!(d, hex("7162015B"));
        assert_eq!(tag, hex("4DAC255D"));
        let mut d = hex("202122232425262728292A2B2C2D2E2F");
        let nonce = hex("1011121314151617");
        let aad = hex("000102030405060708090A0B0C0D0E0F");
        let tag = seal(AeadAlg::Ccm, &key, &nonce, &aad, 6, &mut d).unwrap();
        assert_eq!(d, hex("D2A1F0E051EA5F62081A7792073D593D"));
        assert_eq!(tag, hex("1FC64FBFACCD"));
        let expected = open(AeadAlg::Ccm, &key, &nonce, &aad, 6, &mut d).unwrap();
        assert_eq!(d, hex("202122232425262728292A2B2C2D2E2F"));
        assert_eq!(expected, tag);
    }

    #[test]
    fn ccm_refuses_lengths_outside_the_standard() {
        let mut d = vec![0u8; 4];
        for (nonce, tag) in [(6, 8), (14, 8), (13, 5), (13, 18)] {
            assert_eq!(
                seal(AeadAlg::Ccm, &[0; 16], &vec![0; nonce], &[], tag, &mut d),
                Err(CryptoError::IllegalValue)
            );
        }
    }
}
