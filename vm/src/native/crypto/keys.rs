//! Key objects (`KeyBuilder`, the key interfaces, `KeyPair`). A key's material lives in a
//! byte array of the card's heap — persistent, `CLEAR_ON_RESET` or `CLEAR_ON_DESELECT`
//! per its `KeyBuilder` type — written through the heap's write path, so persistent keys
//! take part in transactions, transient ones are cleared with their memory, and
//! `clearKey` zeroes it.
//!
//! Store layout: byte 0 holds one bit per component that has been set; then, per
//! component, a two-byte length and room for the largest value.

use super::alg::ec::{self, Curve, Domain};
use super::alg::rng::SourceRng;
use super::alg::{rsa as rsa_alg, CryptoError};
use super::classes::IMPLS;
use super::consts;
use super::{read, short_ret, write, Component, CryptoNative};
use crate::heap::{ArrayData, Body, ContextId, Memory, ObjRef};
use crate::interp::{Env, Fault, VmException, SYSTEM_NO_RESOURCE};
use crate::native::{bool_ret, Args, NativeRet};

/// Field slots of a key object.
const F_STORE: u16 = 0;
const F_TYPE: u16 = 1;
const F_BITS: u16 = 2;
/// Field slots added to `KeyPair`.
const KP_PUBLIC: u16 = 0;
const KP_PRIVATE: u16 = 1;
const KP_ALG: u16 = 2;
const KP_BITS: u16 = 3;

/// `KeyPair.ALG_*`.
const KP_RSA: i8 = 1;
const KP_RSA_CRT: i8 = 2;
const KP_EC_FP: i8 = 5;

/// The kinds of key jcos builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// `DESKey`.
    Des,
    /// `AESKey`.
    Aes,
    /// `HMACKey`.
    Hmac,
    /// `RSAPublicKey`.
    RsaPublic,
    /// `RSAPrivateKey`.
    RsaPrivate,
    /// `RSAPrivateCrtKey`.
    RsaCrt,
    /// `ECPublicKey` over F(p).
    EcPublic,
    /// `ECPrivateKey` over F(p).
    EcPrivate,
}

/// A part of a key's store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Secret,
    C(Component),
    K,
}

impl KeyKind {
    /// The kind and memory of `KeyBuilder.TYPE_*` value `t`; `None` when jcos does not
    /// support the type.
    pub fn from_type(t: i8) -> Option<(KeyKind, Memory)> {
        use Memory::{ClearOnDeselect as D, ClearOnReset as R, Persistent as P};
        Some(match t {
            1 => (KeyKind::Des, R),
            2 => (KeyKind::Des, D),
            3 => (KeyKind::Des, P),
            4 => (KeyKind::RsaPublic, P),
            5 => (KeyKind::RsaPrivate, P),
            6 => (KeyKind::RsaCrt, P),
            11 => (KeyKind::EcPublic, P),
            12 => (KeyKind::EcPrivate, P),
            13 => (KeyKind::Aes, R),
            14 => (KeyKind::Aes, D),
            15 => (KeyKind::Aes, P),
            19 => (KeyKind::Hmac, R),
            20 => (KeyKind::Hmac, D),
            21 => (KeyKind::Hmac, P),
            22 => (KeyKind::RsaPrivate, R),
            23 => (KeyKind::RsaPrivate, D),
            24 => (KeyKind::RsaCrt, R),
            25 => (KeyKind::RsaCrt, D),
            30 => (KeyKind::EcPrivate, R),
            31 => (KeyKind::EcPrivate, D),
            _ => return None,
        })
    }

    /// Whether `bits` is a size jcos supports for this kind.
    pub(super) fn size_ok(self, bits: u16) -> bool {
        match self {
            KeyKind::Des => matches!(bits, 64 | 128 | 192),
            KeyKind::Aes => matches!(bits, 128 | 192 | 256),
            KeyKind::Hmac => bits > 0 && bits <= 1024,
            KeyKind::RsaPublic | KeyKind::RsaPrivate | KeyKind::RsaCrt => {
                (512..=4096).contains(&bits) && bits % 32 == 0
            }
            KeyKind::EcPublic | KeyKind::EcPrivate => Curve::default_for(bits).is_some(),
        }
    }

    fn class(self) -> &'static str {
        let i = match self {
            KeyKind::Des => 7,
            KeyKind::Aes => 8,
            KeyKind::Hmac => 9,
            KeyKind::RsaPublic => 10,
            KeyKind::RsaPrivate => 11,
            KeyKind::RsaCrt => 12,
            KeyKind::EcPublic => 13,
            KeyKind::EcPrivate => 14,
        };
        IMPLS.get(i).map_or("", |c| c.0)
    }

    /// The parts of the store and their capacities for a key of `bits`.
    fn parts(self, bits: u16) -> Vec<(Part, usize)> {
        let n = usize::from(bits).div_ceil(8);
        let half = n.div_ceil(2);
        use Component as C;
        match self {
            KeyKind::Des | KeyKind::Aes => vec![(Part::Secret, n)],
            KeyKind::Hmac => vec![(Part::Secret, n.max(128))],
            KeyKind::RsaPublic | KeyKind::RsaPrivate => {
                vec![(Part::C(C::Modulus), n), (Part::C(C::Exponent), n)]
            }
            KeyKind::RsaCrt => [C::P, C::Q, C::Dp1, C::Dq1, C::Pq]
                .into_iter()
                .map(|c| (Part::C(c), half + 1))
                .collect(),
            KeyKind::EcPublic | KeyKind::EcPrivate => {
                let last = if self == KeyKind::EcPublic {
                    (Part::C(C::W), 1 + 2 * n)
                } else {
                    (Part::C(C::S), n)
                };
                vec![
                    (Part::C(C::Field), n),
                    (Part::C(C::A), n),
                    (Part::C(C::B), n),
                    (Part::C(C::G), 1 + 2 * n),
                    (Part::C(C::R), n + 1),
                    (Part::K, 2),
                    last,
                ]
            }
        }
    }
}

/// What a key object is.
#[derive(Clone, Copy, Debug)]
pub struct KeyInfo {
    /// The kind.
    pub kind: KeyKind,
    /// `KeyBuilder.TYPE_*`.
    pub ty: i8,
    /// Size in bits.
    pub bits: u16,
    store: ObjRef,
}

/// The key object `key` as context `ctx` may use it (a foreign key is a security
/// violation; a non-key is `ILLEGAL_VALUE`).
pub fn info(env: &Env<'_>, key: ObjRef, ctx: ContextId) -> Result<KeyInfo, Fault> {
    let class = match &env.heap.get(key)?.body {
        Body::Instance(i) => i.class,
        Body::Array(_) => return Err(CryptoError::IllegalValue.into()),
    };
    let name = env
        .program
        .class(crate::program::ClassId(class))
        .map(|c| c.name.as_str())
        .unwrap_or("");
    if !IMPLS.iter().skip(7).any(|c| c.0 == name) {
        return Err(CryptoError::IllegalValue.into());
    }
    let store = ObjRef::from_word(env.heap.get_field(key, F_STORE, ctx)?)
        .ok_or(CryptoError::IllegalValue)?;
    let ty = env.heap.get_field(key, F_TYPE, ctx)? as i8;
    let bits = env.heap.get_field(key, F_BITS, ctx)? as u16;
    let (kind, _) = KeyKind::from_type(ty).ok_or(CryptoError::IllegalValue)?;
    Ok(KeyInfo {
        kind,
        ty,
        bits,
        store,
    })
}

fn store_bytes(env: &Env<'_>, k: &KeyInfo) -> Result<Vec<u8>, Fault> {
    match &env.heap.array(k.store, ContextId::JCRE)?.data {
        ArrayData::Byte(v) => Ok(v.iter().map(|b| *b as u8).collect()),
        _ => Err(VmException::Security.into()),
    }
}

/// Offset of part `i`'s length field in the store.
fn offset(parts: &[(Part, usize)], i: usize) -> usize {
    1 + parts.iter().take(i).map(|(_, cap)| 2 + cap).sum::<usize>()
}

fn part_index(k: &KeyInfo, p: Part) -> Result<(usize, Vec<(Part, usize)>), Fault> {
    let parts = k.kind.parts(k.bits);
    let i = parts
        .iter()
        .position(|(q, _)| *q == p)
        .ok_or(CryptoError::IllegalValue)?;
    Ok((i, parts))
}

/// The value of part `p`, or `None` if it has not been set.
fn get_part(env: &Env<'_>, k: &KeyInfo, p: Part) -> Result<Option<Vec<u8>>, Fault> {
    let (i, parts) = part_index(k, p)?;
    let store = store_bytes(env, k)?;
    let mask = store.first().copied().unwrap_or(0);
    if mask & (1 << i) == 0 {
        return Ok(None);
    }
    let off = offset(&parts, i);
    let len = match store.get(off..off + 2) {
        Some(b) => usize::from(u16::from_be_bytes([b[0], b[1]])),
        None => return Err(VmException::Security.into()),
    };
    Ok(store.get(off + 2..off + 2 + len).map(<[u8]>::to_vec))
}

/// Sets part `p` (then its bit in the mask), each through the journaled write path for
/// persistent keys.
fn set_part(env: &mut Env<'_>, k: &KeyInfo, p: Part, value: &[u8]) -> Result<(), Fault> {
    let (i, parts) = part_index(k, p)?;
    let cap = parts.get(i).map_or(0, |x| x.1);
    if value.len() > cap {
        return Err(CryptoError::IllegalValue.into());
    }
    let off = offset(&parts, i);
    let mut bytes = Vec::with_capacity(2 + cap);
    bytes.extend_from_slice(&(value.len() as u16).to_be_bytes());
    bytes.extend_from_slice(value);
    bytes.resize(2 + cap, 0);
    let b: Vec<i8> = bytes.iter().map(|x| *x as i8).collect();
    env.heap
        .write_bytes(k.store, off as i32, &b, ContextId::JCRE, true)?;
    let mask = store_bytes(env, k)?.first().copied().unwrap_or(0) | (1 << i);
    env.heap
        .write_bytes(k.store, 0, &[mask as i8], ContextId::JCRE, true)?;
    Ok(())
}

fn require(env: &Env<'_>, k: &KeyInfo, p: Part) -> Result<Vec<u8>, Fault> {
    get_part(env, k, p)?.ok_or_else(|| CryptoError::UninitializedKey.into())
}

/// Whether every part of the key is set.
pub fn is_initialized(env: &Env<'_>, k: &KeyInfo) -> Result<bool, Fault> {
    let n = k.kind.parts(k.bits).len();
    let mask = store_bytes(env, k)?.first().copied().unwrap_or(0);
    Ok(u32::from(mask).trailing_ones() as usize >= n)
}

/// The secret value of a DES, AES or HMAC key.
pub fn secret(env: &Env<'_>, k: &KeyInfo) -> Result<Vec<u8>, Fault> {
    require(env, k, Part::Secret)
}

/// The RSA public key of an RSA public key object.
pub fn rsa_public(env: &Env<'_>, k: &KeyInfo) -> Result<rsa::RsaPublicKey, Fault> {
    let n = require(env, k, Part::C(Component::Modulus))?;
    let e = require(env, k, Part::C(Component::Exponent))?;
    Ok(rsa_alg::public_key(&n, &e)?)
}

/// The RSA private key of an RSA private or CRT private key object.
pub fn rsa_private(env: &Env<'_>, k: &KeyInfo) -> Result<rsa::RsaPrivateKey, Fault> {
    use Component as C;
    if k.kind == KeyKind::RsaCrt {
        let p = require(env, k, Part::C(C::P))?;
        let q = require(env, k, Part::C(C::Q))?;
        let dp = require(env, k, Part::C(C::Dp1))?;
        let dq = require(env, k, Part::C(C::Dq1))?;
        let pq = require(env, k, Part::C(C::Pq))?;
        Ok(rsa_alg::private_key_crt(&p, &q, &dp, &dq, &pq)?)
    } else {
        let n = require(env, k, Part::C(C::Modulus))?;
        let d = require(env, k, Part::C(C::Exponent))?;
        Ok(rsa_alg::private_key_nd(&n, &d)?)
    }
}

fn domain(env: &Env<'_>, k: &KeyInfo) -> Result<Option<Domain>, Fault> {
    use Component as C;
    let parts = [
        get_part(env, k, Part::C(C::Field))?,
        get_part(env, k, Part::C(C::A))?,
        get_part(env, k, Part::C(C::B))?,
        get_part(env, k, Part::C(C::G))?,
        get_part(env, k, Part::C(C::R))?,
        get_part(env, k, Part::K)?,
    ];
    let [Some(p), Some(a), Some(b), Some(g), Some(r), Some(kk)] = parts else {
        return Ok(None);
    };
    let k = u16::from_be_bytes([
        kk.first().copied().unwrap_or(0),
        kk.get(1).copied().unwrap_or(0),
    ]);
    Ok(Some(Domain { p, a, b, g, r, k }))
}

/// The curve of an EC key and its S (private) or W (public) value.
pub fn ec_material(env: &Env<'_>, k: &KeyInfo) -> Result<(Curve, Vec<u8>), Fault> {
    let d = domain(env, k)?.ok_or(CryptoError::UninitializedKey)?;
    let curve = Curve::identify(&d).ok_or(CryptoError::IllegalValue)?;
    let part = if k.kind == KeyKind::EcPublic {
        Component::W
    } else {
        Component::S
    };
    let v = require(env, k, Part::C(part))?;
    Ok((curve, v))
}

fn set_domain(env: &mut Env<'_>, k: &KeyInfo, d: &Domain) -> Result<(), Fault> {
    use Component as C;
    set_part(env, k, Part::C(C::Field), &d.p)?;
    set_part(env, k, Part::C(C::A), &d.a)?;
    set_part(env, k, Part::C(C::B), &d.b)?;
    set_part(env, k, Part::C(C::G), &d.g)?;
    set_part(env, k, Part::C(C::R), &d.r)?;
    set_part(env, k, Part::K, &d.k.to_be_bytes())
}

/// Creates a key object of kind and memory for context `ctx`.
pub fn build(env: &mut Env<'_>, ty: i8, bits: i16, ctx: ContextId) -> Result<ObjRef, Fault> {
    let (kind, memory) = KeyKind::from_type(ty).ok_or(CryptoError::NoSuchAlgorithm)?;
    let bits = u16::try_from(bits).map_err(|_| CryptoError::NoSuchAlgorithm)?;
    if !kind.size_ok(bits) {
        return Err(CryptoError::NoSuchAlgorithm.into());
    }
    let class = env
        .program
        .class_by_name(kind.class())
        .ok_or(VmException::Security)?;
    let words = env.program.class(class).map_or(0, |c| c.instance_words);
    let size: usize = kind.parts(bits).iter().map(|(_, c)| 2 + c).sum::<usize>() + 1;
    let store = env
        .heap
        .alloc_array(ctx, memory, ArrayData::Byte(vec![0; size]))
        .map_err(|_| {
            VmException::System(if memory == Memory::Persistent {
                SYSTEM_NO_RESOURCE
            } else {
                crate::interp::SYSTEM_NO_TRANSIENT_SPACE
            })
        })?;
    let key = env
        .heap
        .alloc_instance(ctx, class.0, words, crate::heap::NativeState::None)
        .map_err(|_| VmException::System(SYSTEM_NO_RESOURCE))?;
    env.heap
        .put_field(key, F_STORE, store.word(), ContextId::JCRE)?;
    env.heap
        .put_field(key, F_TYPE, i32::from(ty), ContextId::JCRE)?;
    env.heap
        .put_field(key, F_BITS, i32::from(bits), ContextId::JCRE)?;
    Ok(key)
}

fn component_part(c: Component) -> Part {
    Part::C(c)
}

/// Runs a key, `KeyBuilder` or `KeyPair` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    match id {
        N::BuildKey => Ok(NativeRet::Word(
            build(env, a.byte(0)?, a.short(1)?, ctx)?.word(),
        )),
        N::BuildKeyAlg => {
            let ty = consts::key_type(a.byte(0)?, a.byte(1)?)?;
            Ok(NativeRet::Word(build(env, ty, a.short(2)?, ctx)?.word()))
        }
        N::BuildKeyShared => {
            let ty = a.byte(0)?;
            let shared = a.obj(2)?;
            let src = info(env, shared, ctx)?;
            let key = build(env, ty, src.bits as i16, ctx)?;
            let k = info(env, key, ctx)?;
            if matches!(k.kind, KeyKind::EcPublic | KeyKind::EcPrivate) {
                if let Some(d) = domain(env, &src)? {
                    set_domain(env, &k, &d)?;
                }
            }
            Ok(NativeRet::Word(key.word()))
        }
        N::KeyPairInit => {
            let this = a.obj(0)?;
            let alg = a.byte(1)?;
            let bits = a.short(2)?;
            consts::key_pair(alg)?;
            let (pub_ty, priv_ty) = match alg {
                KP_RSA => (4, 5),
                KP_RSA_CRT => (4, 6),
                KP_EC_FP => (11, 12),
                _ => return Err(CryptoError::NoSuchAlgorithm.into()),
            };
            let public = build(env, pub_ty, bits, ctx)?;
            let private = build(env, priv_ty, bits, ctx)?;
            set_pair(env, this, public, private, alg, bits)?;
            Ok(NativeRet::Void)
        }
        N::KeyPairInitKeys => {
            let this = a.obj(0)?;
            let (Some(public), Some(private)) = (a.opt_obj(1)?, a.opt_obj(2)?) else {
                return Err(CryptoError::IllegalValue.into());
            };
            let (p, q) = (info(env, public, ctx)?, info(env, private, ctx)?);
            let alg = match (p.kind, q.kind) {
                (KeyKind::RsaPublic, KeyKind::RsaPrivate) => KP_RSA,
                (KeyKind::RsaPublic, KeyKind::RsaCrt) => KP_RSA_CRT,
                (KeyKind::EcPublic, KeyKind::EcPrivate) => KP_EC_FP,
                _ => return Err(CryptoError::IllegalValue.into()),
            };
            if p.bits != q.bits {
                return Err(CryptoError::IllegalValue.into());
            }
            set_pair(env, this, public, private, alg, p.bits as i16)?;
            Ok(NativeRet::Void)
        }
        N::KeyPairGetPublic | N::KeyPairGetPrivate => {
            let this = a.obj(0)?;
            let slot = if id == N::KeyPairGetPublic {
                KP_PUBLIC
            } else {
                KP_PRIVATE
            };
            Ok(NativeRet::Word(env.heap.get_field(this, slot, ctx)?))
        }
        N::KeyPairGen => {
            let this = a.obj(0)?;
            generate_pair(env, this, ctx)?;
            Ok(NativeRet::Void)
        }
        _ => {
            let this = a.obj(0)?;
            let k = info(env, this, ctx)?;
            key_method(env, id, a, ctx, &k)
        }
    }
}

fn set_pair(
    env: &mut Env<'_>,
    this: ObjRef,
    public: ObjRef,
    private: ObjRef,
    alg: i8,
    bits: i16,
) -> Result<(), Fault> {
    env.heap
        .put_field(this, KP_PUBLIC, public.word(), ContextId::JCRE)?;
    env.heap
        .put_field(this, KP_PRIVATE, private.word(), ContextId::JCRE)?;
    env.heap
        .put_field(this, KP_ALG, i32::from(alg), ContextId::JCRE)?;
    env.heap
        .put_field(this, KP_BITS, i32::from(bits), ContextId::JCRE)?;
    Ok(())
}

fn generate_pair(env: &mut Env<'_>, this: ObjRef, ctx: ContextId) -> Result<(), Fault> {
    let public = ObjRef::from_word(env.heap.get_field(this, KP_PUBLIC, ctx)?)
        .ok_or(CryptoError::IllegalValue)?;
    let private = ObjRef::from_word(env.heap.get_field(this, KP_PRIVATE, ctx)?)
        .ok_or(CryptoError::IllegalValue)?;
    let (p, q) = (info(env, public, ctx)?, info(env, private, ctx)?);
    use Component as C;
    match q.kind {
        KeyKind::RsaPrivate | KeyKind::RsaCrt => {
            let e = get_part(env, &p, Part::C(C::Exponent))?;
            let runtime = &mut env.runtime;
            let mut rng = SourceRng(|b: &mut [u8]| runtime.random(b));
            let g = rsa_alg::generate(&mut rng, usize::from(p.bits), e.as_deref())?;
            set_part(env, &p, Part::C(C::Modulus), &g.n)?;
            set_part(env, &p, Part::C(C::Exponent), &g.e)?;
            if q.kind == KeyKind::RsaCrt {
                for (c, v) in [C::P, C::Q, C::Dp1, C::Dq1, C::Pq]
                    .into_iter()
                    .zip(g.crt.iter())
                {
                    set_part(env, &q, Part::C(c), v)?;
                }
            } else {
                set_part(env, &q, Part::C(C::Modulus), &g.n)?;
                set_part(env, &q, Part::C(C::Exponent), &g.d)?;
            }
        }
        KeyKind::EcPrivate => {
            let d = match domain(env, &q)? {
                Some(d) => d,
                None => match domain(env, &p)? {
                    Some(d) => d,
                    None => Curve::default_for(q.bits)
                        .ok_or(CryptoError::IllegalValue)?
                        .domain(),
                },
            };
            let curve = Curve::identify(&d).ok_or(CryptoError::IllegalValue)?;
            let runtime = &mut env.runtime;
            let mut rng = SourceRng(|b: &mut [u8]| runtime.random(b));
            let (s, w) = ec::generate(curve, &mut rng);
            set_domain(env, &q, &d)?;
            set_domain(env, &p, &d)?;
            set_part(env, &q, Part::C(C::S), &s)?;
            set_part(env, &p, Part::C(C::W), &w)?;
        }
        _ => return Err(CryptoError::IllegalValue.into()),
    }
    Ok(())
}

fn key_method(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
    k: &KeyInfo,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    match id {
        N::KeyClear => {
            let len = match &env.heap.array(k.store, ContextId::JCRE)?.data {
                ArrayData::Byte(v) => v.len(),
                _ => 0,
            };
            env.heap
                .write_bytes(k.store, 0, &vec![0; len], ContextId::JCRE, true)?;
            Ok(NativeRet::Void)
        }
        N::KeyGetSize => Ok(NativeRet::Word(i32::from(k.bits as i16))),
        N::KeyGetType => Ok(NativeRet::Word(i32::from(k.ty))),
        N::KeyIsInitialized => Ok(bool_ret(is_initialized(env, k)?)),
        N::SecretSetKey => {
            if !matches!(k.kind, KeyKind::Des | KeyKind::Aes) {
                return Err(CryptoError::IllegalValue.into());
            }
            let n = (k.bits / 8) as i16;
            let v = read(env, a.obj(1)?, a.short(2)?, n, ctx)?;
            set_part(env, k, Part::Secret, &v)?;
            Ok(NativeRet::Void)
        }
        N::HmacSetKey => {
            let len = a.short(3)?;
            let v = read(env, a.obj(1)?, a.short(2)?, len, ctx)?;
            if v.is_empty() {
                return Err(CryptoError::IllegalValue.into());
            }
            set_part(env, k, Part::Secret, &v)?;
            Ok(NativeRet::Void)
        }
        N::SecretGetKey => {
            let v = secret(env, k)?;
            write(env, a.obj(1)?, a.short(2)?, &v, ctx)?;
            Ok(NativeRet::Word(i32::from(v.len() as u8 as i8)))
        }
        N::SetComponent(c) => {
            let v = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            if c == Component::W || c == Component::G {
                // Points are stored uncompressed (the form getW/getG return).
                if v.first() != Some(&0x04) {
                    return Err(CryptoError::IllegalValue.into());
                }
            }
            set_part(env, k, component_part(c), &v)?;
            Ok(NativeRet::Void)
        }
        N::GetComponent(c) => {
            let v = require(env, k, component_part(c))?;
            write(env, a.obj(1)?, a.short(2)?, &v, ctx)?;
            short_ret(v.len())
        }
        N::EcSetK => {
            let kv = a.short(1)?;
            set_part(env, k, Part::K, &kv.to_be_bytes())?;
            Ok(NativeRet::Void)
        }
        N::EcGetK => {
            let v = require(env, k, Part::K)?;
            let kv = i16::from_be_bytes([
                v.first().copied().unwrap_or(0),
                v.get(1).copied().unwrap_or(0),
            ]);
            Ok(NativeRet::Word(i32::from(kv)))
        }
        N::EcSetFieldF2m | N::EcSetFieldF2m3 => Err(CryptoError::IllegalValue.into()),
        N::EcCopyDomain => {
            let src = info(env, a.obj(1)?, ctx)?;
            let d = domain(env, &src)?.ok_or(CryptoError::UninitializedKey)?;
            if src.bits != k.bits {
                return Err(CryptoError::IllegalValue.into());
            }
            set_domain(env, k, &d)?;
            Ok(NativeRet::Void)
        }
        _ => Err(VmException::Security.into()),
    }
}
