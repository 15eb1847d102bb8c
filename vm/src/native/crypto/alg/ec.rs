//! Elliptic curves over F(p): the named curves jcos supports, identified from the domain
//! parameters an applet sets, and ECDSA, ECDH and key generation on them through the
//! RustCrypto curve crates.

use super::{CryptoError, CryptoResult};
use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use elliptic_curve::sec1::ToSec1Point;
use rand_core::CryptoRng;

/// A supported curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-224 (secp224r1).
    P224,
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP256r1 (RFC 5639).
    Bp256r1,
}

/// Domain parameters as big-endian hex (SEC 2 and RFC 5639): field prime, a, b, generator
/// x and y, order.
struct Hex {
    p: &'static str,
    a: &'static str,
    b: &'static str,
    gx: &'static str,
    gy: &'static str,
    n: &'static str,
}

const P224: Hex = Hex {
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001",
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFE",
    b: "B4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4",
    gx: "B70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21",
    gy: "BD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34",
    n: "FFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D",
};
const P256: Hex = Hex {
    p: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
    a: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
    b: "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
    gx: "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
    gy: "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
    n: "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
};
const P384: Hex = Hex {
    p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
    a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC",
    b: "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
    gx: "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7",
    gy: "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
    n: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
};
const P521: Hex = Hex {
    p: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    a: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC",
    b: "0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00",
    gx: "00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66",
    gy: "011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650",
    n: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
};
const BP256R1: Hex = Hex {
    p: "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
    a: "7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
    b: "26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
    gx: "8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
    gy: "547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
    n: "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7",
};

/// A curve's domain parameters as `ECKey` getters return them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// The field prime (`getField`).
    pub p: Vec<u8>,
    /// Coefficient a.
    pub a: Vec<u8>,
    /// Coefficient b.
    pub b: Vec<u8>,
    /// The generator, uncompressed (`04 || x || y`).
    pub g: Vec<u8>,
    /// The order of the generator (`getR`).
    pub r: Vec<u8>,
    /// The cofactor (`getK`).
    pub k: u16,
}

fn unhex(s: &str) -> Vec<u8> {
    jcos_apdu::hex::decode(s).unwrap_or_default()
}

impl Curve {
    /// Every supported curve.
    pub const ALL: [Curve; 5] = [
        Curve::P224,
        Curve::P256,
        Curve::P384,
        Curve::P521,
        Curve::Bp256r1,
    ];

    fn hex(self) -> &'static Hex {
        match self {
            Curve::P224 => &P224,
            Curve::P256 => &P256,
            Curve::P384 => &P384,
            Curve::P521 => &P521,
            Curve::Bp256r1 => &BP256R1,
        }
    }

    /// Key size in bits (`KeyBuilder.LENGTH_EC_FP_*`).
    pub fn bits(self) -> u16 {
        match self {
            Curve::P224 => 224,
            Curve::P256 | Curve::Bp256r1 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    /// Bytes of a field element or scalar.
    pub fn field_len(self) -> usize {
        usize::from(self.bits()).div_ceil(8)
    }

    /// The curve used when a key of `bits` has no domain parameters yet (the NIST curve).
    pub fn default_for(bits: u16) -> Option<Curve> {
        match bits {
            224 => Some(Curve::P224),
            256 => Some(Curve::P256),
            384 => Some(Curve::P384),
            521 => Some(Curve::P521),
            _ => None,
        }
    }

    /// The domain parameters.
    pub fn domain(self) -> Domain {
        let h = self.hex();
        let mut g = vec![0x04];
        g.extend(unhex(h.gx));
        g.extend(unhex(h.gy));
        Domain {
            p: unhex(h.p),
            a: unhex(h.a),
            b: unhex(h.b),
            g,
            r: unhex(h.n),
            k: 1,
        }
    }

    /// The curve these parameters describe, if jcos supports it. Leading zero bytes are
    /// ignored so that a parameter set with or without them is recognised.
    pub fn identify(d: &Domain) -> Option<Curve> {
        fn strip(v: &[u8]) -> &[u8] {
            let i = v.iter().position(|b| *b != 0).unwrap_or(v.len());
            v.get(i..).unwrap_or(&[])
        }
        Curve::ALL.into_iter().find(|c| {
            let o = c.domain();
            strip(&o.p) == strip(&d.p)
                && strip(&o.a) == strip(&d.a)
                && strip(&o.b) == strip(&d.b)
                && o.g == d.g
                && strip(&o.r) == strip(&d.r)
                && o.k == d.k
        })
    }
}

macro_rules! with_curve {
    ($curve:expr, $c:ident => $e:expr) => {
        match $curve {
            Curve::P224 => {
                type $c = p224::NistP224;
                $e
            }
            Curve::P256 => {
                type $c = p256::NistP256;
                $e
            }
            Curve::P384 => {
                type $c = p384::NistP384;
                $e
            }
            Curve::P521 => {
                type $c = p521::NistP521;
                $e
            }
            Curve::Bp256r1 => {
                type $c = bp256::BrainpoolP256r1;
                $e
            }
        }
    };
}

/// The public point (uncompressed) of private scalar `s`.
pub fn public_of(curve: Curve, s: &[u8]) -> CryptoResult<Vec<u8>> {
    with_curve!(curve, C => {
        let sk = elliptic_curve::SecretKey::<C>::from_slice(s).map_err(|_| CryptoError::IllegalValue)?;
        Ok(sk.public_key().as_affine().to_sec1_point(false).as_bytes().to_vec())
    })
}

/// Whether `w` is an uncompressed point on the curve (not the identity).
pub fn valid_point(curve: Curve, w: &[u8]) -> bool {
    with_curve!(curve, C => {
        w.first() == Some(&0x04)
            && elliptic_curve::PublicKey::<C>::from_sec1_bytes(w).is_ok()
    })
}

/// A fresh key pair: private scalar and uncompressed public point.
pub fn generate<R: CryptoRng + ?Sized>(curve: Curve, rng: &mut R) -> (Vec<u8>, Vec<u8>) {
    with_curve!(curve, C => {
        let sk = <elliptic_curve::SecretKey<C> as elliptic_curve::Generate>::generate_from_rng(rng);
        let w = sk.public_key().as_affine().to_sec1_point(false).as_bytes().to_vec();
        (sk.to_bytes().to_vec(), w)
    })
}

/// ECDSA signature of the hash `prehash` (truncated to the order's length as ECDSA
/// requires): ASN.1 DER `SEQUENCE { r, s }` as Java Card returns it, or `r || s` when
/// `plain`. The nonce is derived per RFC 6979.
pub fn sign(curve: Curve, s: &[u8], prehash: &[u8], plain: bool) -> CryptoResult<Vec<u8>> {
    with_curve!(curve, C => {
        let sk = ecdsa::SigningKey::<C>::from_slice(s).map_err(|_| CryptoError::IllegalValue)?;
        let sig: ecdsa::Signature<C> = sk.sign_prehash(prehash).map_err(|_| CryptoError::IllegalUse)?;
        Ok(if plain { sig.to_bytes().to_vec() } else { sig.to_der().as_bytes().to_vec() })
    })
}

/// Whether `sig` (DER, or `r || s` when `plain`) is a valid ECDSA signature of `prehash`
/// under public point `w`.
pub fn verify(
    curve: Curve,
    w: &[u8],
    prehash: &[u8],
    sig: &[u8],
    plain: bool,
) -> CryptoResult<bool> {
    with_curve!(curve, C => {
        let vk = ecdsa::VerifyingKey::<C>::from_sec1_bytes(w).map_err(|_| CryptoError::IllegalValue)?;
        let sig = if plain {
            ecdsa::Signature::<C>::from_slice(sig)
        } else {
            ecdsa::Signature::<C>::from_der(sig)
        };
        Ok(match sig {
            Ok(sig) => vk.verify_prehash(prehash, &sig).is_ok(),
            Err(_) => false,
        })
    })
}

/// ECDH (ECSVDP-DH of IEEE 1363): the shared point of private `s` and the peer's public
/// point `w`, uncompressed. The cofactor variant equals it on these cofactor-1 curves.
pub fn shared_point(curve: Curve, s: &[u8], w: &[u8]) -> CryptoResult<Vec<u8>> {
    with_curve!(curve, C => {
        let sk = elliptic_curve::SecretKey::<C>::from_slice(s).map_err(|_| CryptoError::IllegalValue)?;
        let pk = elliptic_curve::PublicKey::<C>::from_sec1_bytes(w).map_err(|_| CryptoError::IllegalValue)?;
        let point = (pk.to_projective() * *sk.to_nonzero_scalar()).to_affine();
        let encoded = point.to_sec1_point(false);
        let bytes = encoded.as_bytes();
        if bytes.first() != Some(&0x04) {
            return Err(CryptoError::IllegalValue);
        }
        Ok(bytes.to_vec())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::{BoxedUint, NonZero};

    fn hex(s: &str) -> Vec<u8> {
        jcos_apdu::hex::decode(s).unwrap()
    }

    #[test]
    fn domain_parameters_agree_with_the_curve_crates() {
        use elliptic_curve::Curve as _;
        for curve in Curve::ALL {
            let d = curve.domain();
            // The generator and order against each crate's own constants.
            // The generator as the crate computes 1·G, the order from the crate.
            let mut one = vec![0u8; curve.field_len()];
            if let Some(last) = one.last_mut() {
                *last = 1;
            }
            let g = public_of(curve, &one).unwrap();
            let n = with_curve!(curve, C => C::ORDER.to_be_bytes().to_vec());
            assert_eq!(g, d.g, "{curve:?} generator");
            let strip = |v: &[u8]| {
                v.iter()
                    .skip_while(|b| **b == 0)
                    .copied()
                    .collect::<Vec<u8>>()
            };
            assert_eq!(strip(&n), strip(&d.r), "{curve:?} order");
            // y² = x³ + ax + b (mod p) for the generator checks p, a and b.
            let bits = (d.p.len() * 8 + 64) as u32;
            let v = |b: &[u8]| BoxedUint::from_be_slice(b, bits).unwrap();
            let p = NonZero::new(v(&d.p)).unwrap();
            let len = curve.field_len();
            let (x, y) = (v(&d.g[1..=len]), v(&d.g[1 + len..]));
            let mulmod = |a: &BoxedUint, b: &BoxedUint| a.mul_mod(b, &p);
            let lhs = mulmod(&y, &y);
            let x3 = mulmod(&mulmod(&x, &x), &x);
            let rhs = x3.add_mod(&mulmod(&v(&d.a), &x), &p).add_mod(&v(&d.b), &p);
            assert_eq!(lhs, rhs, "{curve:?} equation");
            assert_eq!(Curve::identify(&d), Some(curve));
        }
    }

    #[test]
    fn ecdsa_signs_and_verifies_on_every_curve() {
        for curve in Curve::ALL {
            let s = vec![0x11; curve.field_len()];
            let s = if curve == Curve::P521 {
                [vec![0x01], s[1..].to_vec()].concat()
            } else {
                s
            };
            let w = public_of(curve, &s).unwrap();
            let h = [0x5Au8; 32];
            for plain in [false, true] {
                let sig = sign(curve, &s, &h, plain).unwrap();
                assert!(verify(curve, &w, &h, &sig, plain).unwrap(), "{curve:?}");
                let mut h2 = h;
                h2[0] ^= 1;
                assert!(!verify(curve, &w, &h2, &sig, plain).unwrap(), "{curve:?}");
            }
        }
    }

    #[test]
    fn ecdh_agrees_both_ways() {
        let a = hex(
            "BF06C725098188479439 2BAAAC56D52D0826F85CE6D597A4E46F9D06C9262E90"
                .replace(' ', "")
                .as_str(),
        );
        let b = vec![0x22; 32];
        let (wa, wb) = (
            public_of(Curve::P256, &a).unwrap(),
            public_of(Curve::P256, &b).unwrap(),
        );
        assert_eq!(
            shared_point(Curve::P256, &a, &wb).unwrap(),
            shared_point(Curve::P256, &b, &wa).unwrap()
        );
        assert_eq!(
            shared_point(Curve::P256, &a, &wb[..10]).err(),
            Some(CryptoError::IllegalValue)
        );
    }
}
