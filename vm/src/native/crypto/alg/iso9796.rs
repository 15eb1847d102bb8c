//! ISO/IEC 9796-2 digital signature scheme 1 with message recovery and the implicit trailer
//! (`Signature.ALG_RSA_SHA_ISO9796_MR`, `ALG_RSA_RIPEMD160_ISO9796_MR`): the message
//! representative is formatted here and signed with the raw RSA operation of the `rsa`
//! crate ([`super::rsa`], `CipherPad::NoPad`).
//!
//! A representative is as long as the modulus (whose bit length is a multiple of 8, as for
//! every `KeyBuilder` RSA length):
//!
//! - partial recovery, when the message does not fit: `6A || M1 || H(M) || BC`, where M1 is
//!   the first `k - hLen - 2` bytes of M;
//! - total recovery: `4B || BB .. BB || BA || M || H(M) || BC`, or `4A || M || H(M) || BC`
//!   when M fills the space exactly.

use super::digest::{hash, HashAlg};
use super::{CryptoError, CryptoResult};

/// The implicit trailer: the hash function is known from the context.
const TRAILER: u8 = 0xBC;

/// What a signature's representative carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// The recovered part of the message.
    pub message: Vec<u8>,
    /// Whether that is the whole message (total recovery).
    pub total: bool,
    /// The hash of the whole message.
    pub hash: Vec<u8>,
}

/// The `k`-byte representative of `msg` and how many of its bytes it carries.
pub fn encode(alg: HashAlg, k: usize, msg: &[u8]) -> CryptoResult<(Vec<u8>, usize)> {
    let h = alg.len();
    let capacity = k.checked_sub(h + 2).filter(|c| *c > 0);
    let capacity = capacity.ok_or(CryptoError::IllegalUse)?;
    let digest = hash(alg, msg);
    let mut block = Vec::with_capacity(k);
    let carried = if msg.len() > capacity {
        block.push(0x6A);
        block.extend_from_slice(msg.get(..capacity).unwrap_or(msg));
        capacity
    } else {
        let padding = capacity - msg.len();
        if padding == 0 {
            block.push(0x4A);
        } else {
            block.push(0x4B);
            block.resize(padding, 0xBB);
            block.push(0xBA);
        }
        block.extend_from_slice(msg);
        msg.len()
    };
    block.extend_from_slice(&digest);
    block.push(TRAILER);
    debug_assert_eq!(block.len(), k);
    Ok((block, carried))
}

/// Parses a representative; `None` when it is not one (the signature is not valid).
pub fn decode(alg: HashAlg, block: &[u8]) -> Option<Recovered> {
    let h = alg.len();
    let (&first, rest) = block.split_first()?;
    let (&last, body) = rest.split_last()?;
    if first & 0xC0 != 0x40 || last != TRAILER || body.len() < h + 1 {
        return None;
    }
    let (data, digest) = body.split_at(body.len() - h);
    let total = first & 0x20 == 0;
    let message = match (total, first & 0x0F) {
        (_, 0x0A) => data,
        (true, 0x0B) => {
            // BB .. BB BA, then the message.
            let marker = data.iter().position(|b| *b != 0xBB)?;
            if data.get(marker) != Some(&0xBA) {
                return None;
            }
            data.get(marker + 1..)?
        }
        _ => return None,
    };
    if message.is_empty() {
        return None;
    }
    Some(Recovered {
        message: message.to_vec(),
        total,
        hash: digest.to_vec(),
    })
}

/// Whether `recovered` (from [`decode`]) signs the message `recovered.message || rest`.
pub fn matches(alg: HashAlg, recovered: &Recovered, rest: &[u8]) -> bool {
    if recovered.total && !rest.is_empty() {
        return false;
    }
    let mut whole = recovered.message.clone();
    whole.extend_from_slice(rest);
    super::sym::mac_eq(&hash(alg, &whole), &recovered.hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::crypto::alg::rsa::{self, CipherPad};

    fn hex(s: &str) -> Vec<u8> {
        jcos_apdu::hex::decode(s).unwrap()
    }

    // SHA-1("abc") (FIPS 180-2 appendix A).
    const SHA1_ABC: &str = "A9993E364706816ABA3E25717850C26C9CD0D89D";

    #[test]
    fn a_short_message_is_recovered_totally() {
        // A 32-byte representative: 4B, 6 bytes BB, BA, "abc", SHA-1("abc"), BC.
        let (block, carried) = encode(HashAlg::Sha1, 32, b"abc").unwrap();
        let expected = format!("4BBBBBBBBBBBBBBA616263{SHA1_ABC}BC");
        assert_eq!(block, hex(&expected));
        assert_eq!(carried, 3);
        let r = decode(HashAlg::Sha1, &block).unwrap();
        assert_eq!((r.message.as_slice(), r.total), (&b"abc"[..], true));
        assert!(matches(HashAlg::Sha1, &r, b""));
        assert!(!matches(HashAlg::Sha1, &r, b"d"));
        // Exactly filling the space: header 4A, no padding.
        let (block, _) = encode(HashAlg::Sha1, 25, b"abc").unwrap();
        assert_eq!(block, hex(&format!("4A616263{SHA1_ABC}BC")));
    }

    #[test]
    fn a_long_message_is_recovered_partially() {
        // 24 bytes of room: "abc" fits up to 2 bytes, the hash covers all of it.
        let (block, carried) = encode(HashAlg::Sha1, 24, b"abc").unwrap();
        assert_eq!(block, hex(&format!("6A6162{SHA1_ABC}BC")));
        assert_eq!(carried, 2);
        let r = decode(HashAlg::Sha1, &block).unwrap();
        assert_eq!((r.message.as_slice(), r.total), (&b"ab"[..], false));
        assert!(matches(HashAlg::Sha1, &r, b"c"));
        assert!(!matches(HashAlg::Sha1, &r, b"d"));
        assert!(!matches(HashAlg::Sha1, &r, b""));
    }

    #[test]
    fn malformed_representatives_are_refused() {
        let (good, _) = encode(HashAlg::Sha1, 32, b"abc").unwrap();
        for (at, value) in [(0, 0x0B), (0, 0x4C), (31, 0xBD), (3, 0xBC)] {
            let mut bad = good.clone();
            bad[at] = value;
            assert_eq!(decode(HashAlg::Sha1, &bad), None, "byte {at} = {value:02X}");
        }
        assert_eq!(decode(HashAlg::Sha1, &[0x4A, 0xBC]), None);
        assert_eq!(
            encode(HashAlg::Sha1, 22, b"abc").err(),
            Some(CryptoError::IllegalUse)
        );
    }

    #[test]
    fn signatures_round_trip_through_raw_rsa() {
        // The 1024-bit key of the PKCS #1 v2.1 RSAES-OAEP example 1.
        let p = hex("D32737E7267FFE1341B2D5C0D150A81B586FB3132BED2F8D5262864A9CB9F30AF38BE448598D413A172EFB802C21ACF1C11C520C2F26A471DCAD212EAC7CA39D");
        let q = hex("CC8853D1D54DA630FAC004F471F281C7B8982D8224A490EDBEB33D3E3D5CC93C4765703D1DD791642F1F116A0DD852BE2419B2AF72BFE9A030E860B0288B5D77");
        let dp = hex("0E12BF1718E9CEF5599BA1C3882FE8046A90874EEFCE8F2CCC20E4F2741FB0A33A3848AEC9C9305FBECBD2D76819967D4671ACC6431E4037968DB37878E695C1");
        let dq = hex("95297B0F95A2FA67D00707D609DFD4FC05C89DAFC2EF6D6EA55BEC771EA333734D9251E79082ECDA866EFEF13C459E1A631386B7E354C899F5F112CA85D71583");
        let qi = hex("4F456C502493BDC0ED2AB756A3A6ED4D67352A697D4216E93212B127A63D5411CE6FA98D5DBEFD73263E3728142743818166ED7DD63687DD2A8CA1D2F4FBD8E1");
        let n = hex("A8B3B284AF8EB50B387034A860F146C4919F318763CD6C5598C8AE4811A1E0ABC4C7E0B082D693A5E7FCED675CF4668512772C0CBC64A742C6C630F533C8CC72F62AE833C40BF25842E984BB78BDBF97C0107D55BDB662F5C4E0FAB9845CB5148EF7392DD3AAFF93AE1E6B667BB3D4247616D4F5BA10D4CFD226DE88D39F16FB");
        let key = rsa::private_key_crt(&p, &q, &dp, &dq, &qi).unwrap();
        let public = rsa::public_key(&n, &hex("010001")).unwrap();
        let mut rng = rand::rng();
        for msg in [&b"short"[..], &[0x5A; 300][..]] {
            let (block, carried) = encode(HashAlg::Sha1, 128, msg).unwrap();
            let sig = rsa::decrypt(&key, CipherPad::NoPad, &block, &mut rng).unwrap();
            let back = rsa::encrypt(&public, CipherPad::NoPad, &sig, &mut rng).unwrap();
            let r = decode(HashAlg::Sha1, &back).unwrap();
            assert_eq!(r.message, &msg[..carried]);
            assert!(matches(HashAlg::Sha1, &r, &msg[carried..]));
        }
    }
}
