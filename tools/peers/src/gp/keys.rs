//! Static secure channel keys (the ENC, MAC and DEK keys of a key set), their diversification
//! from the card's key diversification data, and key check values.

use crate::gp::crypto::{self, BlockCipher};
use crate::gp::GpError;

/// The GlobalPlatform test key, 40..4F, which jcos cards ship in their issuer security domain.
pub const DEFAULT_KEY: [u8; 16] = [
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
];

/// The algorithm of a key set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum KeyKind {
    /// Triple DES (SCP02), 16 bytes.
    Des,
    /// AES (SCP03), 16, 24 or 32 bytes.
    Aes,
}

impl KeyKind {
    /// The key type byte of PUT KEY (GP 2.3.1 Table 11-16): `80` DES, `88` AES.
    pub fn key_type(self) -> u8 {
        match self {
            KeyKind::Des => 0x80,
            KeyKind::Aes => 0x88,
        }
    }
}

/// The three static keys of a secure channel key set.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    /// Secure channel encryption key (key identifier 1).
    pub enc: Vec<u8>,
    /// Secure channel MAC key (key identifier 2).
    pub mac: Vec<u8>,
    /// Data encryption key (key identifier 3).
    pub dek: Vec<u8>,
}

/// Keys are secrets: their `Debug` shows lengths only.
impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "StaticKeys {{ enc: {} bytes, mac: {} bytes, dek: {} bytes }}",
            self.enc.len(),
            self.mac.len(),
            self.dek.len()
        )
    }
}

impl Default for StaticKeys {
    fn default() -> Self {
        StaticKeys::single(&DEFAULT_KEY)
    }
}

/// How the card's keys derive from master keys and the key diversification data that
/// INITIALIZE UPDATE returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Diversification {
    /// The card holds the keys as given.
    #[default]
    None,
    /// EMV CPS 1.1 §8.2.2.2: from the last six bytes of the diversification data.
    Emv,
    /// VISA2: from bytes 1-2 and 5-8 of the diversification data.
    Visa2,
}

impl StaticKeys {
    /// One key used as ENC, MAC and DEK.
    pub fn single(key: &[u8]) -> StaticKeys {
        StaticKeys {
            enc: key.to_vec(),
            mac: key.to_vec(),
            dek: key.to_vec(),
        }
    }

    /// Checks that the three keys suit `kind`: 16 bytes for DES (two-key triple DES, as SCP02
    /// requires), 16, 24 or 32 bytes for AES, all three of one length.
    pub fn check(&self, kind: KeyKind) -> Result<(), GpError> {
        for (name, key) in [("ENC", &self.enc), ("MAC", &self.mac), ("DEK", &self.dek)] {
            let ok = match kind {
                KeyKind::Des => key.len() == 16,
                KeyKind::Aes => matches!(key.len(), 16 | 24 | 32),
            };
            if !ok {
                return Err(GpError::Key(format!(
                    "the {name} key has {} bytes; {kind:?} keys for this protocol have {}",
                    key.len(),
                    match kind {
                        KeyKind::Des => "16",
                        KeyKind::Aes => "16, 24 or 32",
                    }
                )));
            }
        }
        if self.enc.len() != self.mac.len() || self.enc.len() != self.dek.len() {
            return Err(GpError::Key(
                "the ENC, MAC and DEK keys of one key set have one length".into(),
            ));
        }
        Ok(())
    }

    /// The card's keys for these master keys, diversified with `method` from the key
    /// diversification data `kdd` (the first ten bytes of the INITIALIZE UPDATE response).
    ///
    /// Each key is the master key's encryption (ECB) of a 16-byte block built from `kdd`,
    /// `F0`/`0F` and the key number (1 ENC, 2 MAC, 3 DEK): triple DES for DES keys, AES for
    /// AES-128 keys.
    pub fn diversify(
        &self,
        method: Diversification,
        kind: KeyKind,
        kdd: &[u8],
    ) -> Result<StaticKeys, GpError> {
        let Ok(kdd) = <&[u8; 10]>::try_from(kdd) else {
            return Err(GpError::Invalid(format!(
                "key diversification data has 10 bytes, not {}",
                kdd.len()
            )));
        };
        let seed: [u8; 6] = match method {
            Diversification::None => return Ok(self.clone()),
            Diversification::Emv => [kdd[4], kdd[5], kdd[6], kdd[7], kdd[8], kdd[9]],
            Diversification::Visa2 => [kdd[0], kdd[1], kdd[4], kdd[5], kdd[6], kdd[7]],
        };
        let derive = |master: &[u8], number: u8| -> Result<Vec<u8>, GpError> {
            let mut block = Vec::with_capacity(16);
            block.extend_from_slice(&seed);
            block.extend_from_slice(&[0xF0, number]);
            block.extend_from_slice(&seed);
            block.extend_from_slice(&[0x0F, number]);
            match kind {
                KeyKind::Des => crypto::ecb_encrypt(BlockCipher::Tdes2, master, &block),
                KeyKind::Aes if master.len() == 16 => {
                    crypto::ecb_encrypt(BlockCipher::Aes, master, &block)
                }
                KeyKind::Aes => Err(GpError::Unsupported(format!(
                    "{method:?} diversification of {}-byte AES keys",
                    master.len()
                ))),
            }
        };
        Ok(StaticKeys {
            enc: derive(&self.enc, 1)?,
            mac: derive(&self.mac, 2)?,
            dek: derive(&self.dek, 3)?,
        })
    }
}

/// The key check value of a key (GP 2.3.1 §11.8.2.3, Amendment D §7.2): the first three bytes
/// of the encryption of eight zero bytes (DES) or sixteen `01` bytes (AES).
pub fn key_check_value(kind: KeyKind, key: &[u8]) -> Result<[u8; 3], GpError> {
    let block = match kind {
        KeyKind::Des => crypto::ecb_encrypt(BlockCipher::des_for(key.len())?, key, &[0u8; 8])?,
        KeyKind::Aes => crypto::ecb_encrypt(BlockCipher::Aes, key, &[1u8; 16])?,
    };
    match block.get(..3) {
        Some(&[a, b, c]) => Ok([a, b, c]),
        _ => Err(GpError::Crypto("key check value block too short".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_apdu::hex;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn aes_kcvs_match_published_values() {
        // pySim tests/unittests/test_globalplatform.py, SCP03_KCV_Test.
        let kcv = |k: &str| key_check_value(KeyKind::Aes, &h(k)).unwrap().to_vec();
        assert_eq!(kcv("000102030405060708090a0b0c0d0e0f"), h("C35280"));
        assert_eq!(kcv("101112131415161718191a1b1c1d1e1f"), h("013808"));
        assert_eq!(kcv("202122232425262728292a2b2c2d2e2f"), h("840DE5"));
    }

    #[test]
    fn des_kcv_of_the_test_key() {
        // The GlobalPlatform test key's KCV, as printed by GlobalPlatformPro and card
        // personalisation reports: 8BAF47.
        let kcv = key_check_value(KeyKind::Des, &DEFAULT_KEY).unwrap();
        assert_eq!(kcv.to_vec(), h("8BAF47"));
    }

    #[test]
    fn key_lengths_are_checked() {
        assert!(StaticKeys::default().check(KeyKind::Des).is_ok());
        assert!(StaticKeys::single(&[0; 24]).check(KeyKind::Des).is_err());
        assert!(StaticKeys::single(&[0; 32]).check(KeyKind::Aes).is_ok());
        let mixed = StaticKeys {
            enc: vec![0; 16],
            mac: vec![0; 32],
            dek: vec![0; 16],
        };
        assert!(mixed.check(KeyKind::Aes).is_err());
    }

    #[test]
    fn emv_diversification_matches_published_values() {
        // openjavacard-tools GPKeySetTest: the GlobalPlatform test keys, EMV diversified.
        let cases = [
            (
                "00000000000000000000",
                [
                    "5d9a62e01df1fa7a93f231000f4ac272",
                    "13179f2220fc6bce5e740387eb78db5c",
                    "8bbe5457944d18df460af68730f570a2",
                ],
            ),
            (
                "0102030405060708090A",
                [
                    "6438a05ac377df302423bc5e2038fb5b",
                    "5a9402ddabc5b9497bbece0884929b83",
                    "acb4c129b3912fb782a4eaee043bae95",
                ],
            ),
        ];
        for (kdd, [enc, mac, dek]) in cases {
            let keys = StaticKeys::default()
                .diversify(Diversification::Emv, KeyKind::Des, &h(kdd))
                .unwrap();
            assert_eq!(
                (keys.enc, keys.mac, keys.dek),
                (h(enc), h(mac), h(dek)),
                "{kdd}"
            );
        }
    }

    #[test]
    fn diversification_needs_ten_bytes() {
        let keys = StaticKeys::default();
        assert!(keys
            .diversify(Diversification::Emv, KeyKind::Des, &[0; 9])
            .is_err());
        assert_eq!(
            keys.diversify(Diversification::None, KeyKind::Des, &[0; 10])
                .unwrap(),
            keys
        );
    }
}
