//! RSA through the `rsa` crate: keys from Java Card components (modulus and exponent, or
//! the CRT quintuple P, Q, DP1, DQ1, PQ), PKCS#1 v1.5 and PSS signatures, PKCS#1 v1.5,
//! OAEP and raw encryption, and key pair generation.

use super::digest::HashAlg;
use super::{CryptoError, CryptoResult};
use crypto_bigint::{BoxedUint, ConcatenatingMul, NonZero};
use rand_core::CryptoRng;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use sha2_011 as sha2;

/// Public exponents tried when a private key does not carry its own (Java Card private keys
/// have none): 65537 first, then the other Fermat primes and small odd values in use.
const COMMON_EXPONENTS: [u32; 8] = [65537, 3, 5, 17, 257, 7, 11, 13];

fn uint(bytes: &[u8]) -> BoxedUint {
    BoxedUint::from_be_slice_vartime(bytes)
}

/// Big-endian bytes without leading zeros, left-padded to `len` when `len` is larger.
pub fn be_bytes(v: &BoxedUint, len: usize) -> Vec<u8> {
    let b = v.to_be_bytes();
    let first = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    let trimmed = b.get(first..).unwrap_or(&[]);
    let mut out = vec![0u8; len.saturating_sub(trimmed.len())];
    out.extend_from_slice(trimmed);
    out
}

/// A public key from modulus and exponent.
pub fn public_key(n: &[u8], e: &[u8]) -> CryptoResult<RsaPublicKey> {
    RsaPublicKey::new(uint(n), uint(e)).map_err(|_| CryptoError::IllegalValue)
}

/// Whether `e * d ≡ 1 (mod m)`.
fn inverse_pair(e: &BoxedUint, d: &BoxedUint, m: &NonZero<BoxedUint>) -> bool {
    let prod = e.concatenating_mul(d);
    let r = prod.rem_vartime(m);
    r == BoxedUint::one_with_precision(r.bits_precision())
}

/// A private key from the Java Card CRT components. The public exponent is recovered
/// from DP1 (`e ≡ DP1⁻¹ mod (p−1)`), checked against DQ1, and the key is rebuilt from p,
/// q and e by the `rsa` crate; its DP1, DQ1 and PQ must equal the ones given.
pub fn private_key_crt(
    p: &[u8],
    q: &[u8],
    dp: &[u8],
    dq: &[u8],
    qinv: &[u8],
) -> CryptoResult<RsaPrivateKey> {
    let (p, q, dp, dq, qinv) = (uint(p), uint(q), uint(dp), uint(dq), uint(qinv));
    let one = BoxedUint::one_with_precision(p.bits_precision());
    let pm1 = NonZero::new(p.wrapping_sub(&one))
        .into_option()
        .ok_or(CryptoError::IllegalValue)?;
    let one_q = BoxedUint::one_with_precision(q.bits_precision());
    let qm1 = NonZero::new(q.wrapping_sub(&one_q))
        .into_option()
        .ok_or(CryptoError::IllegalValue)?;
    let mut candidates: Vec<BoxedUint> = COMMON_EXPONENTS
        .iter()
        .map(|e| BoxedUint::from(u64::from(*e)))
        .collect();
    if let Some(e) = dp.invert_mod(&pm1).into_option() {
        candidates.push(e);
    }
    let e = candidates
        .into_iter()
        .find(|e| inverse_pair(e, &dp, &pm1) && inverse_pair(e, &dq, &qm1))
        .ok_or(CryptoError::IllegalValue)?;
    let key = RsaPrivateKey::from_p_q(p, q, e).map_err(|_| CryptoError::IllegalValue)?;
    let given_qinv = be_bytes(&qinv, 0);
    let own_qinv = key.crt_coefficient().map(|c| be_bytes(&c, 0));
    if own_qinv.as_deref() != Some(given_qinv.as_slice()) {
        return Err(CryptoError::IllegalValue);
    }
    Ok(key)
}

/// A private key from modulus and private exponent. The `rsa` crate needs the public
/// exponent to recover the primes, so the common exponents are tried; a key with another
/// exponent is `ILLEGAL_VALUE`.
pub fn private_key_nd(n: &[u8], d: &[u8]) -> CryptoResult<RsaPrivateKey> {
    COMMON_EXPONENTS
        .iter()
        .find_map(|e| {
            RsaPrivateKey::from_components(uint(n), BoxedUint::from(u64::from(*e)), uint(d), vec![])
                .ok()
        })
        .ok_or(CryptoError::IllegalValue)
}

/// The components of a generated key pair, each as Java Card returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// Modulus, `bits / 8` bytes.
    pub n: Vec<u8>,
    /// Public exponent.
    pub e: Vec<u8>,
    /// Private exponent, `bits / 8` bytes.
    pub d: Vec<u8>,
    /// CRT components P, Q, DP1, DQ1, PQ, `bits / 16` bytes each.
    pub crt: [Vec<u8>; 5],
}

/// Generates a key pair of `bits` bits with public exponent `e` (65537 when `None`).
pub fn generate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    bits: usize,
    e: Option<&[u8]>,
) -> CryptoResult<Generated> {
    let exp = e.map_or_else(|| BoxedUint::from(65537u64), uint);
    let key = RsaPrivateKey::new_with_exp(rng, bits, exp).map_err(|_| CryptoError::IllegalValue)?;
    let half = bits / 16;
    let primes = key.primes();
    let (Some(p), Some(q), Some(dp), Some(dq), Some(qinv)) = (
        primes.first(),
        primes.get(1),
        key.dp(),
        key.dq(),
        key.crt_coefficient(),
    ) else {
        return Err(CryptoError::IllegalValue);
    };
    Ok(Generated {
        n: be_bytes(key.n().as_ref(), bits / 8),
        e: be_bytes(key.e(), 0),
        d: be_bytes(key.d(), bits / 8),
        crt: [
            be_bytes(p.as_ref(), half),
            be_bytes(q.as_ref(), half),
            be_bytes(dp, half),
            be_bytes(dq, half),
            be_bytes(&qinv, half),
        ],
    })
}

/// The signature padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigPad {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1,
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash.
    Pss,
    /// ISO/IEC 9796-2 scheme 1 with message recovery ([`super::iso9796`]), which signs
    /// messages rather than hashes: [`sign`] and [`verify`] refuse it.
    Iso9796Mr,
}

macro_rules! with_hash {
    ($alg:expr, $d:ident => $e:expr) => {
        match $alg {
            HashAlg::Sha1 => {
                type $d = sha1::Sha1;
                $e
            }
            HashAlg::Sha224 => {
                type $d = sha2::Sha224;
                $e
            }
            HashAlg::Sha256 => {
                type $d = sha2::Sha256;
                $e
            }
            HashAlg::Sha384 => {
                type $d = sha2::Sha384;
                $e
            }
            HashAlg::Sha512 => {
                type $d = sha2::Sha512;
                $e
            }
            HashAlg::Md5 => {
                type $d = md5::Md5;
                $e
            }
            HashAlg::Ripemd160 => {
                type $d = ripemd::Ripemd160;
                $e
            }
            _ => return Err(CryptoError::NoSuchAlgorithm),
        }
    };
}

/// Signs the hash `hashed` (computed with `alg`).
pub fn sign<R: CryptoRng + ?Sized>(
    key: &RsaPrivateKey,
    alg: HashAlg,
    pad: SigPad,
    hashed: &[u8],
    rng: &mut R,
) -> CryptoResult<Vec<u8>> {
    if hashed.len() != alg.len() {
        return Err(CryptoError::IllegalUse);
    }
    let r = with_hash!(alg, D => match pad {
        SigPad::Pkcs1 => key.sign_with_rng(rng, Pkcs1v15Sign::new::<D>(), hashed),
        SigPad::Pss => key.sign_with_rng(rng, Pss::<D>::new(), hashed),
        SigPad::Iso9796Mr => return Err(CryptoError::IllegalUse),
    });
    // Too short a modulus for the encoded hash.
    r.map_err(|_| CryptoError::IllegalUse)
}

/// Whether `sig` is a valid signature of the hash `hashed`.
pub fn verify(
    key: &RsaPublicKey,
    alg: HashAlg,
    pad: SigPad,
    hashed: &[u8],
    sig: &[u8],
) -> CryptoResult<bool> {
    let r = with_hash!(alg, D => match pad {
        SigPad::Pkcs1 => key.verify(Pkcs1v15Sign::new::<D>(), hashed, sig),
        SigPad::Pss => key.verify(Pss::<D>::new(), hashed, sig),
        SigPad::Iso9796Mr => return Err(CryptoError::IllegalUse),
    });
    Ok(r.is_ok())
}

/// The encryption padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherPad {
    /// RSAES-PKCS1-v1_5.
    Pkcs1,
    /// RSAES-OAEP with the hash for both the label hash and MGF1, empty label.
    Oaep(HashAlg),
    /// Raw RSA on modulus-sized blocks.
    NoPad,
}

/// Encrypts with a public key.
pub fn encrypt<R: CryptoRng + ?Sized>(
    key: &RsaPublicKey,
    pad: CipherPad,
    msg: &[u8],
    rng: &mut R,
) -> CryptoResult<Vec<u8>> {
    let size = key.size();
    match pad {
        CipherPad::Pkcs1 => key
            .encrypt(rng, Pkcs1v15Encrypt, msg)
            .map_err(|_| CryptoError::IllegalUse),
        CipherPad::Oaep(alg) => {
            let r = with_hash!(alg, D => key.encrypt(rng, Oaep::<D>::new(), msg));
            r.map_err(|_| CryptoError::IllegalUse)
        }
        CipherPad::NoPad => {
            if msg.len() != size {
                return Err(CryptoError::IllegalUse);
            }
            let m = BoxedUint::from_be_slice(msg, key.n_bits_precision())
                .map_err(|_| CryptoError::IllegalUse)?;
            if m >= *key.n().as_ref() {
                return Err(CryptoError::IllegalUse);
            }
            let c = rsa::hazmat::rsa_encrypt(key, &m).map_err(|_| CryptoError::IllegalUse)?;
            Ok(be_bytes(&c, size))
        }
    }
}

/// Decrypts with a private key. PKCS#1 v1.5 uses the `rsa` crate's implicit rejection: a
/// malformed padding yields a pseudo-random message rather than an error.
pub fn decrypt<R: CryptoRng + ?Sized>(
    key: &RsaPrivateKey,
    pad: CipherPad,
    ct: &[u8],
    rng: &mut R,
) -> CryptoResult<Vec<u8>> {
    let size = key.size();
    if ct.len() != size {
        return Err(CryptoError::IllegalUse);
    }
    match pad {
        CipherPad::Pkcs1 => key
            .decrypt_blinded(rng, Pkcs1v15Encrypt, ct)
            .map_err(|_| CryptoError::IllegalUse),
        CipherPad::Oaep(alg) => {
            let r = with_hash!(alg, D => key.decrypt_blinded(rng, Oaep::<D>::new(), ct));
            r.map_err(|_| CryptoError::IllegalUse)
        }
        CipherPad::NoPad => {
            let c = BoxedUint::from_be_slice(ct, key.n_bits_precision())
                .map_err(|_| CryptoError::IllegalUse)?;
            let m = rsa::hazmat::rsa_decrypt(Some(rng), key, &c)
                .map_err(|_| CryptoError::IllegalUse)?;
            Ok(be_bytes(&m, size))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::crypto::alg::digest::hash;

    fn hex(s: &str) -> Vec<u8> {
        jcos_apdu::hex::decode(s).unwrap()
    }

    struct Counter(u8);
    impl rand_core::TryRng for Counter {
        type Error = rand_core::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            self.0 = self.0.wrapping_add(1);
            Ok(u32::from(self.0) * 0x0101_0101)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let a = u64::from(self.try_next_u32()?);
            Ok(a << 32 | a)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for b in dst {
                self.0 = self.0.wrapping_add(97);
                *b = self.0;
            }
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Counter {}

    // The golden fixture's 1024-bit CRT key (Crypto.java).
    const P: &str = "F99B6DAED94828BE30080F8D1167E2808BB83DCF9970AD032345AE1A9CA7A33AD738E890A88302F389C6EC2AEB5E3118BCBCF6DB31191FF643EB7296B0D53EE5";
    const Q: &str = "E05CF114A033189E5C3F53470A339E8465A400170EA99529536E5192D0CF8C16C2D8E4C50A932D4F86948B952B9748D112B542BD209C052113E5B97E96A008CF";
    const DP: &str = "8A48C5D75CA151912C630ADA888E193A462DE8709EFD819C7F6A172EBF23509744AD4E8AF610BF0DD582D34C63E16729E1467F2CA862D7064452A8C53B6AA8D1";
    const DQ: &str = "0ED495EAF31BED88AA38555CE0C3C0BAA7AD4B843AA7E300344F9A7CC5E8B22DDEFB4F43E70B0B77B241A76858D54B2EE6B9AC8BABD8244EA76E0BF0DE2BFDE9";
    const QINV: &str = "8C210EE256C043438CD48F508F391E7498D71A6758085E4514D75A4E4375DA187FDB2A31244C94B707692E1C631911F2957B28A38639737F61345A766A8DD5A1";
    const N: &str = "DAC29EE3D78E5C5012289D91B430AB496EC2D4E17A192306BBB9B50E9D2556AC66DE8519B33CD84B6710796CF27C1E4F57334CF0688419A0A1C682C486C922BD1ACB9ACDC601E76E2231AA33BD2DB32E5C6AF016B325F2DEFFDE85CF87E315CA939F36451436224D093353616C7CCFB88B26645DEEE7D572960347372385032B";

    #[test]
    fn crt_key_recovers_the_public_half_and_signs_as_the_fixture_expects() {
        let key = private_key_crt(&hex(P), &hex(Q), &hex(DP), &hex(DQ), &hex(QINV)).unwrap();
        assert_eq!(be_bytes(key.n().as_ref(), 128), hex(N));
        assert_eq!(be_bytes(key.e(), 0), hex("010001"));
        // The golden session's expected PKCS#1 v1.5 SHA-256 signature of "sign me, card".
        let h = hash(HashAlg::Sha256, b"sign me, card");
        let sig = sign(&key, HashAlg::Sha256, SigPad::Pkcs1, &h, &mut Counter(0)).unwrap();
        assert_eq!(sig, hex("939B8488264E17A27E2F4424BC7029261D11FEB9DC7E07D7E3641D9C210495E98C053176DADEC20A571A79D6565D5A0212425DD394FB8F922041A107F1157A7F87ABBF9AA9324798EAC6AB2907686043628C5786411495D8FF07EF583B938B40530E0ED012C853DD9F080CA23792A982FE694F59E1B4E3B1B52FA1F01CBA5B6B"));
        let public = public_key(&hex(N), &hex("010001")).unwrap();
        assert!(verify(&public, HashAlg::Sha256, SigPad::Pkcs1, &h, &sig).unwrap());
        let pss = sign(&key, HashAlg::Sha256, SigPad::Pss, &h, &mut Counter(0)).unwrap();
        assert!(verify(&public, HashAlg::Sha256, SigPad::Pss, &h, &pss).unwrap());
        assert!(!verify(&public, HashAlg::Sha1, SigPad::Pss, &h[..20], &pss).unwrap());
        // A wrong coefficient is refused.
        assert_eq!(
            private_key_crt(&hex(P), &hex(Q), &hex(DP), &hex(DQ), &hex(DP)).err(),
            Some(CryptoError::IllegalValue)
        );
    }

    #[test]
    fn encryption_round_trips() {
        let key = private_key_crt(&hex(P), &hex(Q), &hex(DP), &hex(DQ), &hex(QINV)).unwrap();
        let public = public_key(&hex(N), &hex("010001")).unwrap();
        let mut rng = Counter(3);
        for pad in [
            CipherPad::Pkcs1,
            CipherPad::Oaep(HashAlg::Sha1),
            CipherPad::Oaep(HashAlg::Sha256),
        ] {
            let c = encrypt(&public, pad, b"secret", &mut rng).unwrap();
            assert_eq!(decrypt(&key, pad, &c, &mut rng).unwrap(), b"secret");
        }
        let mut m = vec![0u8; 128];
        m[127] = 2;
        let c = encrypt(&public, CipherPad::NoPad, &m, &mut rng).unwrap();
        assert_eq!(decrypt(&key, CipherPad::NoPad, &c, &mut rng).unwrap(), m);
        assert_eq!(
            encrypt(&public, CipherPad::NoPad, &m[1..], &mut rng).err(),
            Some(CryptoError::IllegalUse)
        );
    }
}
