//! The crypto engines: `MessageDigest`, `Signature`, `Cipher`, `AEADCipher`,
//! `KeyAgreement`, `RandomData` and `Checksum`. An engine object keeps its algorithm in
//! its field words (persistent, like the object); what it is doing — the key it was
//! initialised with, the running hash, buffered data — is run-time state kept by the JCRE
//! in [`Engines`], lost on card reset as a card's RAM is.

use std::collections::HashMap;

use super::alg::aead;
use super::alg::checksum;
use super::alg::digest::{HashAlg, Hasher};
use super::alg::rng::{Prng, SourceRng};
use super::alg::rsa::SigPad;
use super::alg::sym::{self, BlockAlg, Mode, Pad};
use super::alg::{ec, iso9796, rsa as rsa_alg, CryptoError};
use super::consts::{self, AgreementKind, CipherKind, Family, SigKind};
use super::keys::{self, KeyKind};
use super::{read, short_ret, write, CryptoNative};
use crate::heap::{ArrayData, ContextId, Heap, Memory, NativeState, ObjRef};
use crate::interp::{Env, Fault, VmException, SYSTEM_NO_RESOURCE};
use crate::native::{bool_ret, Args, NativeRet};

/// `Signature.MODE_SIGN` / `Cipher.MODE_DECRYPT`.
const MODE_1: i8 = 1;
/// `Signature.MODE_VERIFY` / `Cipher.MODE_ENCRYPT`.
const MODE_2: i8 = 2;

/// Key material an engine was initialised with.
#[derive(Clone)]
enum Material {
    Secret(Vec<u8>),
    RsaPublic(Box<rsa::RsaPublicKey>),
    RsaPrivate(Box<rsa::RsaPrivateKey>),
    Ec(ec::Curve, Vec<u8>),
}

#[derive(Clone)]
struct SigState {
    kind: SigKind,
    sign: bool,
    key: Material,
    hasher: Option<Hasher>,
    data: Vec<u8>,
    /// What `SignatureMessageRecovery.beginVerify` recovered.
    recovered: Option<iso9796::Recovered>,
    /// The initial vector of a CBC MAC given to `init` (a zero block otherwise).
    iv: Option<Vec<u8>>,
}

#[derive(Clone)]
struct CipherState {
    kind: CipherKind,
    encrypt: bool,
    key: Material,
    iv: Vec<u8>,
    chain: Vec<u8>,
    offset: u64,
    pending: Vec<u8>,
    // AEAD only.
    aad: Vec<u8>,
    tag_len: usize,
    tag: Option<Vec<u8>>,
}

#[derive(Clone)]
enum State {
    Digest(Box<Hasher>),
    Sig(Box<SigState>),
    Cipher(Box<CipherState>),
    Agreement(ec::Curve, Vec<u8>),
    Random(Prng),
    Checksum(Option<Vec<u8>>, Vec<u8>),
}

/// Run-time state of the crypto engine objects of one card.
#[derive(Clone, Default)]
pub struct Engines {
    states: HashMap<ObjRef, State>,
    /// A one-byte `CLEAR_ON_RESET` array set to 1 while `states` is valid: a card reset
    /// clears it, and the next crypto call drops the states.
    sentinel: Option<ObjRef>,
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engines({} in use)", self.states.len())
    }
}

impl Engines {
    fn check_reset(&mut self, heap: &mut Heap) {
        match self.sentinel {
            Some(s) if heap.load_byte(s, 0, ContextId::JCRE) == Ok(1) => {}
            Some(s) => {
                self.states.clear();
                let _ = heap.store_byte(s, 0, 1, ContextId::JCRE);
            }
            None => {
                self.states.clear();
                if let Ok(s) = heap.alloc_array(
                    ContextId::JCRE,
                    Memory::ClearOnReset,
                    ArrayData::Byte(vec![1]),
                ) {
                    self.sentinel = Some(s);
                }
            }
        }
    }
}

fn field(env: &Env<'_>, this: ObjRef, slot: u16) -> Result<i8, Fault> {
    Ok(env.heap.get_field(this, slot, ContextId::JCRE)? as i8)
}

/// Creates an engine object of implementation class `class` holding `words`.
fn create(
    env: &mut Env<'_>,
    class: &str,
    words: [i8; 4],
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    let id = env
        .program
        .class_by_name(class)
        .ok_or(VmException::Security)?;
    let n = env.program.class(id).map_or(0, |c| c.instance_words);
    let r = env
        .heap
        .alloc_instance(ctx, id.0, n, NativeState::None)
        .map_err(|_| VmException::System(SYSTEM_NO_RESOURCE))?;
    for (i, w) in words.iter().enumerate() {
        env.heap
            .put_field(r, i as u16, i32::from(*w), ContextId::JCRE)?;
    }
    Ok(NativeRet::Word(r.word()))
}

fn sig_kind(env: &Env<'_>, this: ObjRef) -> Result<SigKind, Fault> {
    let (alg, md, c, p) = (
        field(env, this, 0)?,
        field(env, this, 1)?,
        field(env, this, 2)?,
        field(env, this, 3)?,
    );
    Ok(if alg != 0 {
        consts::signature(alg)?
    } else {
        consts::signature_parts(md, c, p)?
    })
}

fn cipher_kind(env: &Env<'_>, this: ObjRef) -> Result<CipherKind, Fault> {
    let (alg, c, p) = (
        field(env, this, 0)?,
        field(env, this, 2)?,
        field(env, this, 3)?,
    );
    Ok(if alg != 0 {
        consts::cipher(alg)?
    } else {
        consts::cipher_parts(c, p)?
    })
}

fn hash_of(env: &Env<'_>, this: ObjRef) -> Result<HashAlg, Fault> {
    Ok(HashAlg::from_jc(field(env, this, 0)?).ok_or(CryptoError::NoSuchAlgorithm)?)
}

/// The block cipher for a symmetric key of `family`.
fn block_alg(family: Family, key: &[u8]) -> Result<BlockAlg, Fault> {
    Ok(match family {
        Family::Des => BlockAlg::des_for(key.len())?,
        Family::Aes => BlockAlg::aes_for(key.len())?,
    })
}

/// Reads the key object argument `key` as the material `kind` needs.
fn material_for_sig(
    env: &Env<'_>,
    kind: SigKind,
    key: ObjRef,
    sign: bool,
    ctx: ContextId,
) -> Result<Material, Fault> {
    let k = keys::info(env, key, ctx)?;
    if !keys::is_initialized(env, &k)? {
        return Err(CryptoError::UninitializedKey.into());
    }
    let ok = match kind {
        SigKind::DesMac { .. } => k.kind == KeyKind::Des,
        SigKind::AesMac | SigKind::AesCmac => k.kind == KeyKind::Aes,
        SigKind::Hmac(_) => k.kind == KeyKind::Hmac,
        SigKind::Rsa(..) => {
            if sign {
                matches!(k.kind, KeyKind::RsaPrivate | KeyKind::RsaCrt)
            } else {
                k.kind == KeyKind::RsaPublic
            }
        }
        SigKind::Ecdsa(..) => {
            k.kind
                == if sign {
                    KeyKind::EcPrivate
                } else {
                    KeyKind::EcPublic
                }
        }
    };
    if !ok {
        return Err(CryptoError::IllegalValue.into());
    }
    material(env, &k)
}

fn material(env: &Env<'_>, k: &keys::KeyInfo) -> Result<Material, Fault> {
    Ok(match k.kind {
        KeyKind::Des | KeyKind::Aes | KeyKind::Hmac => Material::Secret(keys::secret(env, k)?),
        KeyKind::RsaPublic => Material::RsaPublic(Box::new(keys::rsa_public(env, k)?)),
        KeyKind::RsaPrivate | KeyKind::RsaCrt => {
            Material::RsaPrivate(Box::new(keys::rsa_private(env, k)?))
        }
        KeyKind::EcPublic | KeyKind::EcPrivate => {
            let (c, v) = keys::ec_material(env, k)?;
            Material::Ec(c, v)
        }
    })
}

/// Runs an engine native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    env.jcre.crypto.check_reset(env.heap);
    match id {
        N::DigestGetInstance | N::DigestGetInitialized | N::DigestOpen => {
            let alg = a.byte(0)?;
            consts::digest(alg)?;
            let class = if id == N::DigestOpen {
                "javacard/security/InitializedMessageDigest$OneShot"
            } else {
                "jcos/crypto/MessageDigestImpl"
            };
            create(env, class, [alg, 0, 0, 0], ctx)
        }
        N::RandomGetInstance | N::RandomOpen => {
            let alg = consts::random(a.byte(0)?)?;
            let class = if id == N::RandomOpen {
                "javacard/security/RandomData$OneShot"
            } else {
                "jcos/crypto/RandomDataImpl"
            };
            create(env, class, [alg, 0, 0, 0], ctx)
        }
        N::SigGetInstance => {
            let alg = a.byte(0)?;
            consts::signature(alg)?;
            create(env, "jcos/crypto/SignatureImpl", [alg, 0, 0, 0], ctx)
        }
        N::SigGetInstanceParts | N::SigOpen => {
            let (md, c, p) = (a.byte(0)?, a.byte(1)?, a.byte(2)?);
            let kind = consts::signature_parts(md, c, p)?;
            let alg = consts::signature_alg(kind);
            let class = if id == N::SigOpen {
                "javacard/security/Signature$OneShot"
            } else {
                "jcos/crypto/SignatureImpl"
            };
            create(env, class, [alg, md, c, p], ctx)
        }
        N::CipherGetInstance => {
            let alg = a.byte(0)?;
            let kind = consts::cipher(alg)?;
            let class = if matches!(kind, CipherKind::Aead(_)) {
                "jcos/crypto/AEADCipherImpl"
            } else {
                "jcos/crypto/CipherImpl"
            };
            create(env, class, [alg, 0, 0, 0], ctx)
        }
        N::CipherGetInstanceParts | N::CipherOpen => {
            let (c, p) = (a.byte(0)?, a.byte(1)?);
            let kind = consts::cipher_parts(c, p)?;
            let alg = consts::cipher_alg(kind);
            let class = match (id, kind) {
                (N::CipherOpen, CipherKind::Aead(_)) => {
                    return Err(CryptoError::NoSuchAlgorithm.into())
                }
                (N::CipherOpen, _) => "javacardx/crypto/Cipher$OneShot",
                (_, CipherKind::Aead(_)) => "jcos/crypto/AEADCipherImpl",
                _ => "jcos/crypto/CipherImpl",
            };
            create(env, class, [alg, 0, c, p], ctx)
        }
        N::AgreementGetInstance => {
            let alg = a.byte(0)?;
            consts::agreement(alg)?;
            create(env, "jcos/crypto/KeyAgreementImpl", [alg, 0, 0, 0], ctx)
        }
        N::ChecksumGetInstance => {
            let alg = a.byte(0)?;
            consts::checksum(alg)?;
            create(env, "jcos/crypto/ChecksumImpl", [alg, 0, 0, 0], ctx)
        }
        _ => {
            let this = a.obj(0)?;
            instance(env, id, a, ctx, this)
        }
    }
}

fn instance(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
    this: ObjRef,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    match id {
        N::OneShotClose => {
            env.jcre.crypto.states.remove(&this);
            Ok(NativeRet::Void)
        }
        // ------------------------------------------------------------ MessageDigest
        N::DigestGetAlgorithm
        | N::RandomGetAlgorithm
        | N::AgreementGetAlgorithm
        | N::ChecksumGetAlgorithm
        | N::SigGetAlgorithm
        | N::CipherGetAlgorithm => Ok(NativeRet::Word(i32::from(field(env, this, 0)?))),
        N::DigestGetLength => Ok(NativeRet::Word(hash_of(env, this)?.len() as i32)),
        N::DigestReset => {
            env.jcre.crypto.states.remove(&this);
            Ok(NativeRet::Void)
        }
        N::DigestUpdate | N::DigestDoFinal => {
            let alg = hash_of(env, this)?;
            let data = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            let mut h = match env.jcre.crypto.states.remove(&this) {
                Some(State::Digest(h)) => h,
                _ => Box::new(Hasher::new(alg)),
            };
            h.update(&data);
            if id == N::DigestUpdate {
                env.jcre.crypto.states.insert(this, State::Digest(h));
                return Ok(NativeRet::Void);
            }
            let out = h.finish();
            write(env, a.obj(4)?, a.short(5)?, &out, ctx)?;
            short_ret(out.len())
        }
        N::DigestSetInitial => {
            let alg = hash_of(env, this)?;
            let cv = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            let len = read(env, a.obj(4)?, a.short(5)?, a.short(6)?, ctx)?;
            if len.len() > 8 {
                return Err(CryptoError::IllegalValue.into());
            }
            let processed = len.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            let h = Hasher::resume(alg, &cv, processed)?;
            env.jcre
                .crypto
                .states
                .insert(this, State::Digest(Box::new(h)));
            Ok(NativeRet::Void)
        }
        // ------------------------------------------------------------ RandomData
        N::RandomGenerate | N::RandomNextBytes => {
            let alg = field(env, this, 0)?;
            let len = a.short(3)?;
            if len < 0 {
                return Err(CryptoError::IllegalValue.into());
            }
            let mut buf = vec![0u8; len as usize];
            // Every generator is a DRBG over the card's entropy source: seeded from it at
            // first use; the secure algorithms also mix fresh entropy into every request.
            let mut prng = match env.jcre.crypto.states.remove(&this) {
                Some(State::Random(p)) => p,
                _ => {
                    let mut seed = [0u8; 32];
                    env.runtime.random(&mut seed);
                    Prng::new(seed)
                }
            };
            if !matches!(alg, 1 | 5) {
                let mut fresh = [0u8; 32];
                env.runtime.random(&mut fresh);
                prng.reseed(&fresh);
            }
            prng.fill(&mut buf);
            env.jcre.crypto.states.insert(this, State::Random(prng));
            write(env, a.obj(1)?, a.short(2)?, &buf, ctx)?;
            if id == N::RandomNextBytes {
                short_ret(usize::try_from(i32::from(a.short(2)?) + i32::from(len)).unwrap_or(0))
            } else {
                Ok(NativeRet::Void)
            }
        }
        N::RandomSetSeed => {
            let alg = field(env, this, 0)?;
            let seed = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            let _ = alg;
            let mut prng = match env.jcre.crypto.states.remove(&this) {
                Some(State::Random(p)) => p,
                _ => {
                    let mut base = [0u8; 32];
                    env.runtime.random(&mut base);
                    Prng::new(base)
                }
            };
            prng.reseed(&seed);
            env.jcre.crypto.states.insert(this, State::Random(prng));
            Ok(NativeRet::Void)
        }
        // ------------------------------------------------------------ Checksum
        N::ChecksumInit => {
            let v = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            let alg = consts::checksum(field(env, this, 0)?)?;
            if v.len() != alg.len() {
                return Err(CryptoError::IllegalValue.into());
            }
            env.jcre
                .crypto
                .states
                .insert(this, State::Checksum(Some(v), Vec::new()));
            Ok(NativeRet::Void)
        }
        N::ChecksumUpdate | N::ChecksumDoFinal => {
            let alg = consts::checksum(field(env, this, 0)?)?;
            let data = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            let (init, mut acc) = match env.jcre.crypto.states.remove(&this) {
                Some(State::Checksum(i, d)) => (i, d),
                _ => (None, Vec::new()),
            };
            acc.extend_from_slice(&data);
            if id == N::ChecksumUpdate {
                env.jcre
                    .crypto
                    .states
                    .insert(this, State::Checksum(init, acc));
                return Ok(NativeRet::Void);
            }
            let out = checksum::checksum(alg, init.as_deref(), &acc)?;
            write(env, a.obj(4)?, a.short(5)?, &out, ctx)?;
            short_ret(out.len())
        }
        // ------------------------------------------------------------ KeyAgreement
        N::AgreementInit => {
            let k = keys::info(env, a.obj(1)?, ctx)?;
            if k.kind != KeyKind::EcPrivate {
                return Err(CryptoError::IllegalValue.into());
            }
            if !keys::is_initialized(env, &k)? {
                return Err(CryptoError::UninitializedKey.into());
            }
            let (curve, s) = keys::ec_material(env, &k)?;
            env.jcre
                .crypto
                .states
                .insert(this, State::Agreement(curve, s));
            Ok(NativeRet::Void)
        }
        N::AgreementGenerate => {
            let kind = consts::agreement(field(env, this, 0)?)?;
            let Some(State::Agreement(curve, s)) = env.jcre.crypto.states.get(&this).cloned()
            else {
                return Err(CryptoError::InvalidInit.into());
            };
            let w = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            let point = ec::shared_point(curve, &s, &w)?;
            let l = curve.field_len();
            let x = point.get(1..=l).ok_or(CryptoError::IllegalValue)?;
            let out = match kind {
                AgreementKind::Sha1X => super::alg::digest::hash(HashAlg::Sha1, x),
                AgreementKind::X => x.to_vec(),
                AgreementKind::Xy => point.clone(),
            };
            write(env, a.obj(4)?, a.short(5)?, &out, ctx)?;
            short_ret(out.len())
        }
        // ------------------------------------------------------------ Signature
        N::SigGetLength => {
            let kind = sig_kind(env, this)?;
            let len = match kind {
                SigKind::DesMac { out, .. } => out,
                SigKind::AesMac | SigKind::AesCmac => 16,
                SigKind::Hmac(h) => h.len(),
                SigKind::Rsa(..) | SigKind::Ecdsa(..) => match env.jcre.crypto.states.get(&this) {
                    Some(State::Sig(s)) => match &s.key {
                        Material::RsaPublic(k) => rsa::traits::PublicKeyParts::size(k.as_ref()),
                        Material::RsaPrivate(k) => rsa::traits::PublicKeyParts::size(k.as_ref()),
                        Material::Ec(c, _) => {
                            let l = c.field_len() + 1;
                            let body = 2 * (2 + l);
                            if matches!(kind, SigKind::Ecdsa(_, true)) {
                                2 * c.field_len()
                            } else {
                                body + if body < 128 { 2 } else { 3 }
                            }
                        }
                        Material::Secret(_) => 0,
                    },
                    _ => return Err(CryptoError::InvalidInit.into()),
                },
            };
            short_ret(len)
        }
        N::SigGetDigestAlg | N::SigGetCipherAlg | N::SigGetPaddingAlg => {
            let t = consts::signature_triple(sig_kind(env, this)?);
            Ok(NativeRet::Word(i32::from(match id {
                N::SigGetDigestAlg => t.0,
                N::SigGetCipherAlg => t.1,
                _ => t.2,
            })))
        }
        N::SigInit | N::SigInitParams => {
            let kind = sig_kind(env, this)?;
            let mode = a.byte(2)?;
            if mode != MODE_1 && mode != MODE_2 {
                return Err(CryptoError::IllegalValue.into());
            }
            // Only the CBC MACs take a parameter: their initial vector, one cipher block
            // (Java Card 3.0.5 API `Signature.init(Key, byte, byte[], short, short)`).
            let iv = if id == N::SigInitParams {
                let block = match kind {
                    SigKind::DesMac { .. } => 8,
                    SigKind::AesMac => 16,
                    _ => return Err(CryptoError::IllegalValue.into()),
                };
                let iv = read(env, a.obj(3)?, a.short(4)?, a.short(5)?, ctx)?;
                if iv.len() != block {
                    return Err(CryptoError::IllegalValue.into());
                }
                Some(iv)
            } else {
                None
            };
            let sign = mode == MODE_1;
            let key = material_for_sig(env, kind, a.obj(1)?, sign, ctx)?;
            // Message recovery signs the message's first bytes themselves: it keeps the data.
            let hasher = match kind {
                SigKind::Rsa(_, SigPad::Iso9796Mr) => None,
                SigKind::Rsa(h, _) | SigKind::Ecdsa(h, _) => Some(Hasher::new(h)),
                _ => None,
            };
            env.jcre.crypto.states.insert(
                this,
                State::Sig(Box::new(SigState {
                    kind,
                    sign,
                    key,
                    hasher,
                    data: Vec::new(),
                    recovered: None,
                    iv,
                })),
            );
            Ok(NativeRet::Void)
        }
        N::SigSetInitialDigest => {
            let cv = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            let len = read(env, a.obj(4)?, a.short(5)?, a.short(6)?, ctx)?;
            let Some(State::Sig(s)) = env.jcre.crypto.states.get_mut(&this) else {
                return Err(CryptoError::InvalidInit.into());
            };
            let Some(h) = &s.hasher else {
                return Err(CryptoError::IllegalUse.into());
            };
            if len.len() > 8 {
                return Err(CryptoError::IllegalValue.into());
            }
            let processed = len.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            s.hasher = Some(Hasher::resume(h.alg(), &cv, processed)?);
            Ok(NativeRet::Void)
        }
        N::SigUpdate | N::SigSign | N::SigVerify | N::SigSignHash | N::SigVerifyHash => {
            signature_op(env, id, a, ctx, this)
        }
        N::SigMrBeginVerify | N::SigMrSign | N::SigMrVerify => {
            message_recovery(env, id, a, ctx, this)
        }
        // ------------------------------------------------------------ Cipher
        N::CipherGetCipherAlg | N::CipherGetPaddingAlg => {
            let (c, p) = consts::cipher_pair(cipher_kind(env, this)?);
            Ok(NativeRet::Word(i32::from(if id == N::CipherGetCipherAlg {
                c
            } else {
                p
            })))
        }
        N::CipherInit | N::CipherInitIv | N::AeadInit => cipher_init(env, id, a, ctx, this),
        N::CipherUpdate | N::CipherDoFinal => cipher_op(env, id, a, ctx, this),
        N::AeadUpdateAad => {
            let data = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
            match env.jcre.crypto.states.get_mut(&this) {
                Some(State::Cipher(c))
                    if matches!(c.kind, CipherKind::Aead(_))
                        && c.pending.is_empty()
                        && c.tag.is_none() =>
                {
                    c.aad.extend_from_slice(&data);
                    Ok(NativeRet::Void)
                }
                Some(State::Cipher(_)) => Err(CryptoError::IllegalUse.into()),
                _ => Err(CryptoError::InvalidInit.into()),
            }
        }
        N::AeadRetrieveTag | N::AeadVerifyTag => {
            let tag = match env.jcre.crypto.states.get(&this) {
                Some(State::Cipher(c)) => c.tag.clone().ok_or(CryptoError::IllegalUse)?,
                _ => return Err(CryptoError::InvalidInit.into()),
            };
            if id == N::AeadRetrieveTag {
                let len = usize::try_from(a.short(3)?).map_err(|_| CryptoError::IllegalValue)?;
                let t = tag.get(..len).ok_or(CryptoError::IllegalValue)?.to_vec();
                write(env, a.obj(1)?, a.short(2)?, &t, ctx)?;
                short_ret(t.len())
            } else {
                let given = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
                let required =
                    usize::try_from(a.short(4)?).map_err(|_| CryptoError::IllegalValue)?;
                if given.len() < required || given.len() > tag.len() {
                    return Err(CryptoError::IllegalValue.into());
                }
                let expected = tag.get(..given.len()).unwrap_or(&[]);
                Ok(bool_ret(sym::mac_eq(expected, &given)))
            }
        }
        _ => Err(VmException::Security.into()),
    }
}

/// `SignatureMessageRecovery.sign`, `beginVerify` and `verify` (ISO/IEC 9796-2 scheme 1).
fn message_recovery(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
    this: ObjRef,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    let data = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
    let Some(State::Sig(mut s)) = env.jcre.crypto.states.remove(&this) else {
        return Err(CryptoError::InvalidInit.into());
    };
    let SigKind::Rsa(h, SigPad::Iso9796Mr) = s.kind else {
        env.jcre.crypto.states.insert(this, State::Sig(s));
        return Err(CryptoError::IllegalUse.into());
    };
    if (id == N::SigMrSign) != s.sign {
        env.jcre.crypto.states.insert(this, State::Sig(s));
        return Err(CryptoError::InvalidInit.into());
    }
    let mut msg = std::mem::take(&mut s.data);
    let recovered = s.recovered.take();
    let key = s.key.clone();
    // `beginVerify` starts a verification the next `verify` ends; the others end one.
    let pending = id == N::SigMrBeginVerify;
    env.jcre.crypto.states.insert(this, State::Sig(s));
    let runtime = &mut env.runtime;
    let mut rng = SourceRng(|b: &mut [u8]| runtime.random(b));
    match (id, &key) {
        (N::SigMrSign, Material::RsaPrivate(k)) => {
            msg.extend_from_slice(&data);
            let size = rsa::traits::PublicKeyParts::size(k.as_ref());
            let (block, carried) = iso9796::encode(h, size, &msg)?;
            let sig = rsa_alg::decrypt(k, rsa_alg::CipherPad::NoPad, &block, &mut rng)?;
            write(env, a.obj(4)?, a.short(5)?, &sig, ctx)?;
            let carried = i16::try_from(carried).map_err(|_| CryptoError::IllegalUse)?;
            env.heap
                .store_short(a.obj(6)?, i32::from(a.short(7)?), i32::from(carried), ctx)?;
            short_ret(sig.len())
        }
        (N::SigMrBeginVerify, Material::RsaPublic(k)) => {
            let block = rsa_alg::encrypt(k, rsa_alg::CipherPad::NoPad, &data, &mut rng)?;
            let r = iso9796::decode(h, &block).ok_or(CryptoError::IllegalUse)?;
            write(env, a.obj(1)?, a.short(2)?, &r.message, ctx)?;
            let len = r.message.len();
            if let Some(State::Sig(s)) = env.jcre.crypto.states.get_mut(&this) {
                s.recovered = pending.then_some(r);
            }
            short_ret(len)
        }
        (N::SigMrVerify, Material::RsaPublic(_)) => {
            let r = recovered.ok_or(CryptoError::IllegalUse)?;
            msg.extend_from_slice(&data);
            Ok(bool_ret(iso9796::matches(h, &r, &msg)))
        }
        _ => Err(CryptoError::InvalidInit.into()),
    }
}

fn signature_op(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
    this: ObjRef,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    let data = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
    let Some(State::Sig(mut s)) = env.jcre.crypto.states.remove(&this) else {
        return Err(CryptoError::InvalidInit.into());
    };
    let want_sign = matches!(id, N::SigSign | N::SigSignHash);
    if id != N::SigUpdate && want_sign != s.sign {
        env.jcre.crypto.states.insert(this, State::Sig(s));
        return Err(CryptoError::InvalidInit.into());
    }
    if matches!(id, N::SigSignHash | N::SigVerifyHash) && s.hasher.is_none() {
        env.jcre.crypto.states.insert(this, State::Sig(s));
        return Err(CryptoError::IllegalUse.into());
    }
    match (&mut s.hasher, id) {
        (_, N::SigSignHash | N::SigVerifyHash) => {}
        (Some(h), _) => h.update(&data),
        (None, _) => s.data.extend_from_slice(&data),
    }
    if id == N::SigUpdate {
        env.jcre.crypto.states.insert(this, State::Sig(s));
        return Ok(NativeRet::Void);
    }
    // The engine returns to its initialised state whatever the outcome.
    let msg = std::mem::take(&mut s.data);
    let digest = match (&mut s.hasher, id) {
        (_, N::SigSignHash | N::SigVerifyHash) => Some(data.clone()),
        (Some(h), _) => Some(h.finish()),
        (None, _) => None,
    };
    let state = s.clone();
    env.jcre.crypto.states.insert(this, State::Sig(s));
    let computed: Vec<u8> = match (state.kind, &state.key) {
        (SigKind::DesMac { out, pad, alg3 }, Material::Secret(k)) => {
            let alg = BlockAlg::des_for(k.len())?;
            sym::cbc_mac(alg, k, pad, alg3, state.iv.as_deref(), &msg, out)?
        }
        (SigKind::AesMac, Material::Secret(k)) => {
            let alg = BlockAlg::aes_for(k.len())?;
            sym::cbc_mac(alg, k, Pad::None, false, state.iv.as_deref(), &msg, 16)?
        }
        (SigKind::AesCmac, Material::Secret(k)) => sym::aes_cmac(k, &msg)?,
        (SigKind::Hmac(h), Material::Secret(k)) => sym::hmac(h, k, &msg)?,
        (SigKind::Rsa(h, pad), Material::RsaPrivate(k)) => {
            let hashed = digest.unwrap_or_default();
            let runtime = &mut env.runtime;
            let mut rng = SourceRng(|b: &mut [u8]| runtime.random(b));
            rsa_alg::sign(k, h, pad, &hashed, &mut rng)?
        }
        (SigKind::Ecdsa(_, plain), Material::Ec(curve, key)) if state.sign => {
            ec::sign(*curve, key, &digest.unwrap_or_default(), plain)?
        }
        (SigKind::Rsa(h, pad), Material::RsaPublic(k)) => {
            let sig = read(env, a.obj(4)?, a.short(5)?, a.short(6)?, ctx)?;
            return Ok(bool_ret(rsa_alg::verify(
                k,
                h,
                pad,
                &digest.unwrap_or_default(),
                &sig,
            )?));
        }
        (SigKind::Ecdsa(_, plain), Material::Ec(curve, w)) => {
            let sig = read(env, a.obj(4)?, a.short(5)?, a.short(6)?, ctx)?;
            return Ok(bool_ret(ec::verify(
                *curve,
                w,
                &digest.unwrap_or_default(),
                &sig,
                plain,
            )?));
        }
        _ => return Err(CryptoError::InvalidInit.into()),
    };
    if state.sign {
        write(env, a.obj(4)?, a.short(5)?, &computed, ctx)?;
        short_ret(computed.len())
    } else {
        let sig = read(env, a.obj(4)?, a.short(5)?, a.short(6)?, ctx)?;
        Ok(bool_ret(sym::mac_eq(&computed, &sig)))
    }
}

fn cipher_init(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
    this: ObjRef,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    let kind = cipher_kind(env, this)?;
    let mode = a.byte(2)?;
    if mode != MODE_1 && mode != MODE_2 {
        return Err(CryptoError::IllegalValue.into());
    }
    let encrypt = mode == MODE_2;
    let k = keys::info(env, a.obj(1)?, ctx)?;
    if !keys::is_initialized(env, &k)? {
        return Err(CryptoError::UninitializedKey.into());
    }
    let key_ok = match kind {
        CipherKind::Block(Family::Des, ..) => k.kind == KeyKind::Des,
        CipherKind::Block(Family::Aes, ..) | CipherKind::Aead(_) => k.kind == KeyKind::Aes,
        CipherKind::Rsa(_) => matches!(
            k.kind,
            KeyKind::RsaPublic | KeyKind::RsaPrivate | KeyKind::RsaCrt
        ),
    };
    if !key_ok {
        return Err(CryptoError::IllegalValue.into());
    }
    let key = material(env, &k)?;
    let params = match id {
        N::CipherInitIv | N::AeadInit => Some(read(env, a.obj(3)?, a.short(4)?, a.short(5)?, ctx)?),
        _ => None,
    };
    let mut tag_len = 16;
    let iv = match kind {
        CipherKind::Block(family, mode, _) => {
            let bs = if family == Family::Des { 8 } else { 16 };
            match (mode, params) {
                (Mode::Ecb, None) => Vec::new(),
                (Mode::Ecb, Some(_)) => return Err(CryptoError::IllegalValue.into()),
                (_, None) => vec![0; bs],
                (_, Some(p)) if p.len() == bs => p,
                _ => return Err(CryptoError::IllegalValue.into()),
            }
        }
        CipherKind::Rsa(_) => {
            if params.is_some() {
                return Err(CryptoError::IllegalValue.into());
            }
            Vec::new()
        }
        CipherKind::Aead(_) => {
            let nonce = params.ok_or(CryptoError::IllegalValue)?;
            if id == N::AeadInit {
                tag_len = usize::try_from(a.short(8)?).map_err(|_| CryptoError::IllegalValue)?;
            }
            nonce
        }
    };
    env.jcre.crypto.states.insert(
        this,
        State::Cipher(Box::new(CipherState {
            kind,
            encrypt,
            key,
            chain: iv.clone(),
            iv,
            offset: 0,
            pending: Vec::new(),
            aad: Vec::new(),
            tag_len,
            tag: None,
        })),
    );
    Ok(NativeRet::Void)
}

fn cipher_op(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
    this: ObjRef,
) -> Result<NativeRet, Fault> {
    let input = read(env, a.obj(1)?, a.short(2)?, a.short(3)?, ctx)?;
    let last = id == CryptoNative::CipherDoFinal;
    let Some(State::Cipher(mut c)) = env.jcre.crypto.states.remove(&this) else {
        return Err(CryptoError::InvalidInit.into());
    };
    let mut data = std::mem::take(&mut c.pending);
    data.extend_from_slice(&input);
    let result = (|| -> Result<Vec<u8>, Fault> {
        match (c.kind, &c.key) {
            (CipherKind::Block(family, mode, pad), Material::Secret(k)) => {
                let alg = block_alg(family, k)?;
                let bs = alg.block_len();
                if mode == Mode::Ctr {
                    let mut out = data;
                    sym::crypt_blocks(alg, mode, k, &c.iv, c.offset, c.encrypt, &mut out)?;
                    c.offset = if last { 0 } else { c.offset + out.len() as u64 };
                    return Ok(out);
                }
                if !last {
                    let keep = if !c.encrypt && pad != Pad::None {
                        match data.len() % bs {
                            0 => bs.min(data.len()),
                            r => r,
                        }
                    } else {
                        data.len() % bs
                    };
                    let n = data.len() - keep;
                    let mut out: Vec<u8> = data.get(..n).unwrap_or(&[]).to_vec();
                    c.pending = data.get(n..).unwrap_or(&[]).to_vec();
                    if !out.is_empty() {
                        c.chain =
                            sym::crypt_blocks(alg, mode, k, &c.chain, 0, c.encrypt, &mut out)?;
                    }
                    return Ok(out);
                }
                let chain = std::mem::replace(&mut c.chain, c.iv.clone());
                if c.encrypt {
                    let mut out = pad.apply(&data, bs)?;
                    if !out.is_empty() {
                        sym::crypt_blocks(alg, mode, k, &chain, 0, true, &mut out)?;
                    }
                    Ok(out)
                } else {
                    if data.len() % bs != 0 {
                        return Err(CryptoError::IllegalUse.into());
                    }
                    let mut out = data;
                    if !out.is_empty() {
                        sym::crypt_blocks(alg, mode, k, &chain, 0, false, &mut out)?;
                    }
                    Ok(pad.remove(out, bs)?)
                }
            }
            (CipherKind::Rsa(pad), key) => {
                if !last {
                    c.pending = data;
                    return Ok(Vec::new());
                }
                let runtime = &mut env.runtime;
                let mut rng = SourceRng(|b: &mut [u8]| runtime.random(b));
                Ok(match (key, c.encrypt) {
                    (Material::RsaPublic(k), true) => rsa_alg::encrypt(k, pad, &data, &mut rng)?,
                    (Material::RsaPrivate(k), false) => rsa_alg::decrypt(k, pad, &data, &mut rng)?,
                    _ => return Err(CryptoError::IllegalUse.into()),
                })
            }
            (CipherKind::Aead(alg), Material::Secret(k)) => {
                if !last {
                    c.pending = data;
                    return Ok(Vec::new());
                }
                let mut out = data;
                let tag = if c.encrypt {
                    aead::seal(alg, k, &c.iv, &c.aad, c.tag_len, &mut out)?
                } else {
                    aead::open(alg, k, &c.iv, &c.aad, c.tag_len, &mut out)?
                };
                c.tag = Some(tag);
                Ok(out)
            }
            _ => Err(CryptoError::InvalidInit.into()),
        }
    })();
    env.jcre.crypto.states.insert(this, State::Cipher(c));
    let out = result?;
    if !out.is_empty() {
        write(env, a.obj(4)?, a.short(5)?, &out, ctx)?;
    }
    short_ret(out.len())
}
