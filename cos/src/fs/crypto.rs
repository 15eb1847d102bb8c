//! The block cipher operations of the authentication commands: CBC with a zero IV and no
//! padding, over AES-128/192/256 or two- and three-key triple DES.

use super::error::FsError;
use super::model::KeyAlgorithm;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};

fn check(algorithm: KeyAlgorithm, data: &[u8]) -> Result<(), FsError> {
    let block = algorithm.block_len();
    if data.is_empty() || data.len().checked_rem(block) != Some(0) {
        return Err(FsError::WrongLength);
    }
    Ok(())
}

macro_rules! cbc_encrypt {
    ($cipher:ty, $key:expr, $data:expr) => {{
        let iv = [0u8; 16];
        let iv = iv
            .get(..<$cipher as cbc::cipher::BlockSizeUser>::block_size())
            .unwrap_or_default();
        let mut buffer = $data.to_vec();
        let len = buffer.len();
        cbc::Encryptor::<$cipher>::new_from_slices($key, iv)
            .map_err(|_| FsError::ReferenceDataNotUsable)?
            .encrypt_padded::<NoPadding>(&mut buffer, len)
            .map_err(|_| FsError::WrongLength)?;
        Ok(buffer)
    }};
}

macro_rules! cbc_decrypt {
    ($cipher:ty, $key:expr, $data:expr) => {{
        let iv = [0u8; 16];
        let iv = iv
            .get(..<$cipher as cbc::cipher::BlockSizeUser>::block_size())
            .unwrap_or_default();
        let mut buffer = $data.to_vec();
        cbc::Decryptor::<$cipher>::new_from_slices($key, iv)
            .map_err(|_| FsError::ReferenceDataNotUsable)?
            .decrypt_padded::<NoPadding>(&mut buffer)
            .map_err(|_| FsError::WrongLength)?;
        Ok(buffer)
    }};
}

/// Encrypts `data` (a whole number of blocks) under `key` in CBC mode with a zero IV.
pub fn encrypt(algorithm: KeyAlgorithm, key: &[u8], data: &[u8]) -> Result<Vec<u8>, FsError> {
    check(algorithm, data)?;
    match (algorithm, key.len()) {
        (KeyAlgorithm::Aes, 16) => cbc_encrypt!(aes::Aes128, key, data),
        (KeyAlgorithm::Aes, 24) => cbc_encrypt!(aes::Aes192, key, data),
        (KeyAlgorithm::Aes, 32) => cbc_encrypt!(aes::Aes256, key, data),
        (KeyAlgorithm::Des3, 16) => cbc_encrypt!(des::TdesEde2, key, data),
        (KeyAlgorithm::Des3, 24) => cbc_encrypt!(des::TdesEde3, key, data),
        _ => Err(FsError::ReferenceDataNotUsable),
    }
}

/// Decrypts `data` (a whole number of blocks) under `key` in CBC mode with a zero IV.
pub fn decrypt(algorithm: KeyAlgorithm, key: &[u8], data: &[u8]) -> Result<Vec<u8>, FsError> {
    check(algorithm, data)?;
    match (algorithm, key.len()) {
        (KeyAlgorithm::Aes, 16) => cbc_decrypt!(aes::Aes128, key, data),
        (KeyAlgorithm::Aes, 24) => cbc_decrypt!(aes::Aes192, key, data),
        (KeyAlgorithm::Aes, 32) => cbc_decrypt!(aes::Aes256, key, data),
        (KeyAlgorithm::Des3, 16) => cbc_decrypt!(des::TdesEde2, key, data),
        (KeyAlgorithm::Des3, 24) => cbc_decrypt!(des::TdesEde3, key, data),
        _ => Err(FsError::ReferenceDataNotUsable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_apdu::hex::decode;

    #[test]
    fn aes_matches_fips_197() {
        // FIPS-197 appendix C.1: one block, so CBC with a zero IV is the plain cipher.
        let key = decode("000102030405060708090a0b0c0d0e0f").unwrap();
        let pt = decode("00112233445566778899aabbccddeeff").unwrap();
        let ct = decode("69c4e0d86a7b0430d8cdb78070b4c55a").unwrap();
        assert_eq!(encrypt(KeyAlgorithm::Aes, &key, &pt).unwrap(), ct);
        assert_eq!(decrypt(KeyAlgorithm::Aes, &key, &ct).unwrap(), pt);
    }

    #[test]
    fn aes_cbc_matches_sp800_38a() {
        // NIST SP 800-38A F.2.1 with the IV folded into the first block: a zero IV and
        // P1 xor IV as the first plaintext block give the same first ciphertext block.
        let key = decode("2b7e151628aed2a6abf7158809cf4f3c").unwrap();
        let p1_xor_iv = decode("6bc1bee22e409f96e93d7e117393172a")
            .unwrap()
            .iter()
            .zip(decode("000102030405060708090a0b0c0d0e0f").unwrap())
            .map(|(a, b)| a ^ b)
            .collect::<Vec<u8>>();
        assert_eq!(
            encrypt(KeyAlgorithm::Aes, &key, &p1_xor_iv).unwrap(),
            decode("7649abac8119b246cee98e9b12e9197d").unwrap()
        );
    }

    #[test]
    fn triple_des_with_equal_halves_is_single_des() {
        // With K1 = K2 = K3, EDE is single DES: the classic test vector
        // key 133457799BBCDFF1, plaintext 0123456789ABCDEF -> 85E813540F0AB405.
        let k = decode("133457799BBCDFF1").unwrap();
        let key2: Vec<u8> = k.iter().chain(&k).copied().collect();
        let key3: Vec<u8> = key2.iter().chain(&k).copied().collect();
        let pt = decode("0123456789ABCDEF").unwrap();
        let ct = decode("85E813540F0AB405").unwrap();
        assert_eq!(encrypt(KeyAlgorithm::Des3, &key2, &pt).unwrap(), ct);
        assert_eq!(encrypt(KeyAlgorithm::Des3, &key3, &pt).unwrap(), ct);
        assert_eq!(decrypt(KeyAlgorithm::Des3, &key2, &ct).unwrap(), pt);
    }

    #[test]
    fn refuses_partial_blocks_and_bad_keys() {
        assert_eq!(
            encrypt(KeyAlgorithm::Aes, &[0; 16], &[0; 15]),
            Err(FsError::WrongLength)
        );
        assert_eq!(
            encrypt(KeyAlgorithm::Des3, &[0; 8], &[0; 8]),
            Err(FsError::ReferenceDataNotUsable)
        );
    }
}
