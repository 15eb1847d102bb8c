//! The algorithm constants of the Java Card 3.0.5 crypto API and how jcos maps them: each
//! parse function returns the algorithm a constant (or a cipher/digest/padding triple)
//! names, or `NO_SUCH_ALGORITHM`.

use super::alg::aead::AeadAlg;
use super::alg::checksum::CrcAlg;
use super::alg::digest::HashAlg;
use super::alg::rsa::{CipherPad, SigPad};
use super::alg::sym::{Mode, Pad};
use super::alg::{CryptoError, CryptoResult};

/// What a `Signature` computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigKind {
    /// ISO 9797-1 MAC algorithm 1 (or 3 when `alg3`) with DES, `out` bytes.
    DesMac {
        /// MAC length (4 or 8).
        out: usize,
        /// Padding.
        pad: Pad,
        /// Algorithm 3 ("retail MAC").
        alg3: bool,
    },
    /// AES CBC-MAC, no padding.
    AesMac,
    /// AES-CMAC.
    AesCmac,
    /// HMAC.
    Hmac(HashAlg),
    /// RSA with a hash.
    Rsa(HashAlg, SigPad),
    /// ECDSA with a hash; `true` for the plain `r || s` format.
    Ecdsa(HashAlg, bool),
}

/// `Signature.ALG_*` value `alg`.
pub fn signature(alg: i8) -> CryptoResult<SigKind> {
    use HashAlg as H;
    use SigKind as S;
    let des = |out, pad, alg3| S::DesMac { out, pad, alg3 };
    Ok(match alg {
        1 => des(4, Pad::None, false),
        2 => des(8, Pad::None, false),
        3 => des(4, Pad::M1, false),
        4 => des(8, Pad::M1, false),
        5 => des(4, Pad::M2, false),
        6 => des(8, Pad::M2, false),
        7 => des(4, Pad::Pkcs5, false),
        8 => des(8, Pad::Pkcs5, false),
        10 => S::Rsa(H::Sha1, SigPad::Pkcs1),
        11 => S::Rsa(H::Md5, SigPad::Pkcs1),
        13 => S::Rsa(H::Ripemd160, SigPad::Pkcs1),
        17 => S::Ecdsa(H::Sha1, false),
        18 | 35 | 36 => S::AesMac,
        19 => des(4, Pad::M2, true),
        20 => des(8, Pad::M2, true),
        21 => S::Rsa(H::Sha1, SigPad::Pss),
        22 => S::Rsa(H::Md5, SigPad::Pss),
        23 => S::Rsa(H::Ripemd160, SigPad::Pss),
        24 => S::Hmac(H::Sha1),
        25 => S::Hmac(H::Sha256),
        26 => S::Hmac(H::Sha384),
        27 => S::Hmac(H::Sha512),
        28 => S::Hmac(H::Md5),
        29 => S::Hmac(H::Ripemd160),
        30 => S::Rsa(H::Sha1, SigPad::Iso9796Mr),
        31 => S::Rsa(H::Ripemd160, SigPad::Iso9796Mr),
        33 => S::Ecdsa(H::Sha256, false),
        34 => S::Ecdsa(H::Sha384, false),
        37 => S::Ecdsa(H::Sha224, false),
        38 => S::Ecdsa(H::Sha512, false),
        39 => S::Rsa(H::Sha224, SigPad::Pkcs1),
        40 => S::Rsa(H::Sha256, SigPad::Pkcs1),
        41 => S::Rsa(H::Sha384, SigPad::Pkcs1),
        42 => S::Rsa(H::Sha512, SigPad::Pkcs1),
        43 => S::Rsa(H::Sha224, SigPad::Pss),
        44 => S::Rsa(H::Sha256, SigPad::Pss),
        45 => S::Rsa(H::Sha384, SigPad::Pss),
        46 => S::Rsa(H::Sha512, SigPad::Pss),
        47 => des(4, Pad::M1, true),
        48 => des(8, Pad::M1, true),
        49 => S::AesCmac,
        _ => return Err(CryptoError::NoSuchAlgorithm),
    })
}

/// `Signature.getInstance(messageDigestAlgorithm, cipherAlgorithm, paddingAlgorithm)`.
pub fn signature_parts(md: i8, cipher: i8, pad: i8) -> CryptoResult<SigKind> {
    let hash = HashAlg::from_jc(md);
    let des = |out| -> CryptoResult<SigKind> {
        let (pad, alg3) = match pad {
            1 => (Pad::None, false),
            2 => (Pad::M1, false),
            3 => (Pad::M2, false),
            4 => (Pad::M1, true),
            5 => (Pad::M2, true),
            6 => (Pad::Pkcs5, false),
            _ => return Err(CryptoError::NoSuchAlgorithm),
        };
        Ok(SigKind::DesMac { out, pad, alg3 })
    };
    let need_null_md = |k: SigKind| {
        if md == 0 {
            Ok(k)
        } else {
            Err(CryptoError::NoSuchAlgorithm)
        }
    };
    match (cipher, hash) {
        (1, _) => need_null_md(des(4)?),
        (2, _) => need_null_md(des(8)?),
        (6, _) if pad == 1 || pad == 0 => need_null_md(SigKind::AesMac),
        (10, _) if pad == 0 => need_null_md(SigKind::AesCmac),
        (3, Some(h)) => match pad {
            7 => Ok(SigKind::Rsa(h, SigPad::Pkcs1)),
            8 => Ok(SigKind::Rsa(h, SigPad::Pss)),
            11 if matches!(h, HashAlg::Sha1 | HashAlg::Ripemd160) => {
                Ok(SigKind::Rsa(h, SigPad::Iso9796Mr))
            }
            _ => Err(CryptoError::NoSuchAlgorithm),
        },
        (5, Some(h)) if pad == 0 => Ok(SigKind::Ecdsa(h, false)),
        (9, Some(h)) if pad == 0 => Ok(SigKind::Ecdsa(h, true)),
        (7, Some(h)) if pad == 0 => Ok(SigKind::Hmac(h)),
        _ => Err(CryptoError::NoSuchAlgorithm),
    }
}

/// The `Signature.ALG_*` value naming `kind`, 0 when no single constant does.
pub fn signature_alg(kind: SigKind) -> i8 {
    (1..=49i8)
        .find(|a| signature(*a).ok() == Some(kind))
        .unwrap_or(0)
}

/// `getMessageDigestAlgorithm`, `getCipherAlgorithm` and `getPaddingAlgorithm` of `kind`.
pub fn signature_triple(kind: SigKind) -> (i8, i8, i8) {
    match kind {
        SigKind::DesMac { out, pad, alg3 } => {
            let p = match (pad, alg3) {
                (Pad::None, _) => 1,
                (Pad::M1, false) => 2,
                (Pad::M2, false) => 3,
                (Pad::M1, true) => 4,
                (Pad::M2, true) => 5,
                (Pad::Pkcs5, _) => 6,
            };
            (0, if out == 4 { 1 } else { 2 }, p)
        }
        SigKind::AesMac => (0, 6, 1),
        SigKind::AesCmac => (0, 10, 0),
        SigKind::Hmac(h) => (h.jc(), 7, 0),
        SigKind::Rsa(h, SigPad::Pkcs1) => (h.jc(), 3, 7),
        SigKind::Rsa(h, SigPad::Pss) => (h.jc(), 3, 8),
        SigKind::Rsa(h, SigPad::Iso9796Mr) => (h.jc(), 3, 11),
        SigKind::Ecdsa(h, plain) => (h.jc(), if plain { 9 } else { 5 }, 0),
    }
}

/// The block cipher family of a symmetric `Cipher`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// DES and triple DES.
    Des,
    /// AES.
    Aes,
}

/// What a `Cipher` computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherKind {
    /// A block cipher mode with padding.
    Block(Family, Mode, Pad),
    /// RSA.
    Rsa(CipherPad),
    /// An AEAD.
    Aead(AeadAlg),
}

/// `Cipher.ALG_*` (and `AEADCipher.ALG_*`) value `alg`.
pub fn cipher(alg: i8) -> CryptoResult<CipherKind> {
    use CipherKind::Block as B;
    use Family::{Aes as A, Des as D};
    Ok(match alg {
        1 => B(D, Mode::Cbc, Pad::None),
        2 => B(D, Mode::Cbc, Pad::M1),
        3 => B(D, Mode::Cbc, Pad::M2),
        4 => B(D, Mode::Cbc, Pad::Pkcs5),
        5 => B(D, Mode::Ecb, Pad::None),
        6 => B(D, Mode::Ecb, Pad::M1),
        7 => B(D, Mode::Ecb, Pad::M2),
        8 => B(D, Mode::Ecb, Pad::Pkcs5),
        10 => CipherKind::Rsa(CipherPad::Pkcs1),
        12 => CipherKind::Rsa(CipherPad::NoPad),
        // The 192- and 256-bit variants name the key size, which the key already fixes.
        13 | 18 | 20 => B(A, Mode::Cbc, Pad::None),
        14 | 19 | 21 => B(A, Mode::Ecb, Pad::None),
        15 => CipherKind::Rsa(CipherPad::Oaep(HashAlg::Sha1)),
        22 => B(A, Mode::Cbc, Pad::M1),
        23 => B(A, Mode::Cbc, Pad::M2),
        24 => B(A, Mode::Cbc, Pad::Pkcs5),
        25 => B(A, Mode::Ecb, Pad::M1),
        26 => B(A, Mode::Ecb, Pad::M2),
        27 => B(A, Mode::Ecb, Pad::Pkcs5),
        -16 => B(A, Mode::Ctr, Pad::None),
        -13 => CipherKind::Aead(AeadAlg::Gcm),
        -12 => CipherKind::Aead(AeadAlg::Ccm),
        _ => return Err(CryptoError::NoSuchAlgorithm),
    })
}

/// `Cipher.getInstance(cipherAlgorithm, paddingAlgorithm)`.
pub fn cipher_parts(cipher_alg: i8, pad: i8) -> CryptoResult<CipherKind> {
    let block_pad = match pad {
        1 => Some(Pad::None),
        2 => Some(Pad::M1),
        3 => Some(Pad::M2),
        6 => Some(Pad::Pkcs5),
        _ => None,
    };
    let family_mode = match cipher_alg {
        1 => Some((Family::Aes, Mode::Cbc)),
        2 => Some((Family::Aes, Mode::Ecb)),
        3 => Some((Family::Des, Mode::Cbc)),
        4 => Some((Family::Des, Mode::Ecb)),
        _ => None,
    };
    if let (Some((f, m)), Some(p)) = (family_mode, block_pad) {
        return Ok(CipherKind::Block(f, m, p));
    }
    match (cipher_alg, pad) {
        (7, 1) => Ok(CipherKind::Rsa(CipherPad::NoPad)),
        (7, 7) => Ok(CipherKind::Rsa(CipherPad::Pkcs1)),
        (7, 9) => Ok(CipherKind::Rsa(CipherPad::Oaep(HashAlg::Sha1))),
        (7, 13) => Ok(CipherKind::Rsa(CipherPad::Oaep(HashAlg::Sha224))),
        (7, 14) => Ok(CipherKind::Rsa(CipherPad::Oaep(HashAlg::Sha256))),
        (7, 15) => Ok(CipherKind::Rsa(CipherPad::Oaep(HashAlg::Sha384))),
        (7, 16) => Ok(CipherKind::Rsa(CipherPad::Oaep(HashAlg::Sha512))),
        (-15, 0) => Ok(CipherKind::Aead(AeadAlg::Gcm)),
        (-14, 0) => Ok(CipherKind::Aead(AeadAlg::Ccm)),
        _ => Err(CryptoError::NoSuchAlgorithm),
    }
}

/// The `Cipher.ALG_*` value naming `kind`, 0 when none does.
pub fn cipher_alg(kind: CipherKind) -> i8 {
    (-16..=27i8)
        .find(|a| cipher(*a).ok() == Some(kind))
        .unwrap_or(0)
}

/// `getCipherAlgorithm` and `getPaddingAlgorithm` of `kind`.
pub fn cipher_pair(kind: CipherKind) -> (i8, i8) {
    let pad = |p| match p {
        Pad::None => 1,
        Pad::M1 => 2,
        Pad::M2 => 3,
        Pad::Pkcs5 => 6,
    };
    match kind {
        CipherKind::Block(Family::Aes, Mode::Cbc, p) => (1, pad(p)),
        CipherKind::Block(Family::Aes, Mode::Ecb, p) => (2, pad(p)),
        CipherKind::Block(Family::Des, Mode::Cbc, p) => (3, pad(p)),
        CipherKind::Block(Family::Des, Mode::Ecb, p) => (4, pad(p)),
        CipherKind::Block(_, Mode::Ctr, _) => (0, 0),
        CipherKind::Rsa(CipherPad::NoPad) => (7, 1),
        CipherKind::Rsa(CipherPad::Pkcs1) => (7, 7),
        CipherKind::Rsa(CipherPad::Oaep(h)) => (
            7,
            match h {
                HashAlg::Sha224 => 13,
                HashAlg::Sha256 => 14,
                HashAlg::Sha384 => 15,
                HashAlg::Sha512 => 16,
                _ => 9,
            },
        ),
        CipherKind::Aead(AeadAlg::Gcm) => (-15, 0),
        CipherKind::Aead(AeadAlg::Ccm) => (-14, 0),
    }
}

/// What a `KeyAgreement` outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgreementKind {
    /// SHA-1 of the shared x coordinate (`ALG_EC_SVDP_DH`, `ALG_EC_SVDP_DHC`).
    Sha1X,
    /// The shared x coordinate (`_PLAIN`).
    X,
    /// The shared point, uncompressed (`ALG_EC_SVDP_DH_PLAIN_XY`).
    Xy,
}

/// `KeyAgreement.ALG_*` value `alg`.
pub fn agreement(alg: i8) -> CryptoResult<AgreementKind> {
    match alg {
        1 | 2 => Ok(AgreementKind::Sha1X),
        3 | 4 => Ok(AgreementKind::X),
        6 => Ok(AgreementKind::Xy),
        _ => Err(CryptoError::NoSuchAlgorithm),
    }
}

/// `MessageDigest.ALG_*` value `alg`.
pub fn digest(alg: i8) -> CryptoResult<HashAlg> {
    HashAlg::from_jc(alg).ok_or(CryptoError::NoSuchAlgorithm)
}

/// `RandomData.ALG_*` value `alg`: every generator the 3.0.5 API names draws from the
/// runtime's random source (`ALG_PSEUDO_RANDOM` and `ALG_FAST` through a seedable generator).
pub fn random(alg: i8) -> CryptoResult<i8> {
    if (1..=6).contains(&alg) {
        Ok(alg)
    } else {
        Err(CryptoError::NoSuchAlgorithm)
    }
}

/// `Checksum.ALG_*` value `alg`.
pub fn checksum(alg: i8) -> CryptoResult<CrcAlg> {
    match alg {
        1 => Ok(CrcAlg::Crc16),
        2 => Ok(CrcAlg::Crc32),
        _ => Err(CryptoError::NoSuchAlgorithm),
    }
}

/// `KeyPair.ALG_*` value `alg` (RSA, RSA with a CRT private key, EC over F(p)).
pub fn key_pair(alg: i8) -> CryptoResult<i8> {
    match alg {
        1 | 2 | 5 => Ok(alg),
        _ => Err(CryptoError::NoSuchAlgorithm),
    }
}

/// The `KeyBuilder.TYPE_*` value that `KeyBuilder.buildKey(algorithmicKeyType,
/// keyMemoryType, ..)` names: `alg_type` a `KeyBuilder.ALG_TYPE_*` value, `memory` a
/// `JCSystem.MEMORY_TYPE_*` value (public keys are persistent only).
pub fn key_type(alg_type: i8, memory: i8) -> CryptoResult<i8> {
    // (persistent, transient on reset, transient on deselect); 0 where the API has no type.
    let types: [i8; 3] = match alg_type {
        1 => [3, 1, 2],
        2 => [15, 13, 14],
        7 => [11, 0, 0],
        8 => [12, 30, 31],
        9 => [21, 19, 20],
        11 => [4, 0, 0],
        12 => [5, 22, 23],
        13 => [6, 24, 25],
        _ => [0; 3],
    };
    usize::try_from(memory)
        .ok()
        .and_then(|m| types.get(m).copied())
        .filter(|t| *t != 0)
        .ok_or(CryptoError::NoSuchAlgorithm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithmic_key_types_name_the_keybuilder_types() {
        // KeyBuilder.ALG_TYPE_AES (2) with JCSystem.MEMORY_TYPE_PERSISTENT (0),
        // MEMORY_TYPE_TRANSIENT_RESET (1) and MEMORY_TYPE_TRANSIENT_DESELECT (2) are TYPE_AES (15),
        // TYPE_AES_TRANSIENT_RESET (13) and TYPE_AES_TRANSIENT_DESELECT (14).
        assert_eq!(key_type(2, 0), Ok(15));
        assert_eq!(key_type(2, 1), Ok(13));
        assert_eq!(key_type(2, 2), Ok(14));
        // ALG_TYPE_RSA_CRT_PRIVATE (13), transient on deselect: TYPE_RSA_CRT_PRIVATE_TRANSIENT_DESELECT (25).
        assert_eq!(key_type(13, 2), Ok(25));
        // ALG_TYPE_EC_FP_PUBLIC (7) has no transient type; ALG_TYPE_DSA_PUBLIC (3) no support.
        assert_eq!(key_type(7, 1), Err(CryptoError::NoSuchAlgorithm));
        assert_eq!(key_type(3, 0), Err(CryptoError::NoSuchAlgorithm));
        assert_eq!(key_type(2, 3), Err(CryptoError::NoSuchAlgorithm));
        assert_eq!(key_type(2, -1), Err(CryptoError::NoSuchAlgorithm));
    }
}
