//! `AEADCipher`: AES-GCM (96-bit nonces) and AES-CCM (reported unsupported) through
//! the `aes-gcm` crate. Java Card delivers decrypted data before the tag is checked (`doFinal`, then
//! `verifyTag`), so decryption runs the AEAD's keystream over the ciphertext (the
//! encryption of C is P for these counter-mode AEADs) and the tag is that of encrypting P.

use super::sym::BlockAlg;
use super::{CryptoError, CryptoResult};
use aes_gcm::aead::array::Array;
use aes_gcm::aead::{AeadInOut, KeyInit};

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
/// GCM, whose tags truncate). GCM takes 12-byte nonces; CCM 7-, 12- or 13-byte nonces and
/// 4-, 8-, 12- or 16-byte tags.
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
        // The `ccm` crate's type-level sizes do not resolve in this build; CCM is
        // reported as unsupported.
        AeadAlg::Ccm => {
            let _ = tag_len;
            Err(CryptoError::NoSuchAlgorithm)
        }
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
    fn ccm_is_reported_unsupported() {
        let mut d = vec![0u8; 4];
        assert_eq!(
            seal(AeadAlg::Ccm, &[0; 16], &[0; 13], &[], 8, &mut d),
            Err(CryptoError::NoSuchAlgorithm)
        );
    }
}
