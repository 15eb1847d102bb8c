//! `javacard.security` and `javacardx.crypto` (Java Card 3.0.5 API) on the RustCrypto
//! crates.
//!
//! - [`alg`]: the algorithms, free of VM types, tested against published vectors;
//! - [`classes`]: the concrete classes behind the API's abstract engines and key
//!   interfaces, added to the built-in program;
//! - [`keys`]: key objects, whose material lives in a heap byte array (persistent or
//!   transient per `KeyBuilder` type) written through the heap's journaled write path;
//! - [`engines`]: `MessageDigest`, `Signature`, `Cipher`, `AEADCipher`, `KeyAgreement`,
//!   `RandomData`, `Checksum`, with their run-time state in [`Engines`];
//! - [`consts`]: which algorithm constants are supported.
//!
//! `docs/crypto.md` tabulates every constant with its status; `doc_table` holds the table to
//! this code.

pub mod alg;
pub mod classes;
pub mod consts;
#[cfg(test)]
mod doc_table;
mod engines;
mod keys;

pub use engines::Engines;

use super::{Args, NativeRet};
use crate::heap::ContextId;
use crate::interp::{Env, Fault, VmException};
use alg::CryptoError;

/// A component of a key (the `setX`/`getX` pairs of the key interfaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    /// RSA modulus.
    Modulus,
    /// RSA public or private exponent.
    Exponent,
    /// RSA CRT prime P.
    P,
    /// RSA CRT prime Q.
    Q,
    /// RSA CRT DP1 = d mod (p−1).
    Dp1,
    /// RSA CRT DQ1 = d mod (q−1).
    Dq1,
    /// RSA CRT PQ = q⁻¹ mod p.
    Pq,
    /// EC field prime.
    Field,
    /// EC coefficient a.
    A,
    /// EC coefficient b.
    B,
    /// EC generator.
    G,
    /// EC order.
    R,
    /// EC private scalar.
    S,
    /// EC public point.
    W,
}

macro_rules! crypto_natives {
    ($( $(#[$doc:meta])* $id:ident $( ( $arg:ty ) )? = $nargs:literal; )*) => {
        /// A crypto native method.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CryptoNative {
            $( $(#[$doc])* $id $( ( $arg ) )?, )*
        }

        impl CryptoNative {
            /// Argument words, `this` included.
            #[inline]
            pub fn nargs(self) -> u8 {
                #[allow(unused_variables)]
                match self {
                    $( CryptoNative::$id $( ( crypto_natives!(@ignore $arg) ) )? => $nargs, )*
                }
            }
        }
    };
    (@ignore $t:ty) => { _ };
}

crypto_natives! {
    /// `CryptoException.<init>(short)`.
    ExceptionInit = 2;
    /// `CryptoException.throwIt(short)`.
    ExceptionThrowIt = 1;

    /// `KeyBuilder.buildKey(byte, short, boolean)`.
    BuildKey = 3;
    /// `KeyBuilder.buildKey(byte, byte, short, boolean)`.
    BuildKeyAlg = 4;
    /// `KeyBuilder.buildKeyWithSharedDomain(byte, byte, Key, boolean)`.
    BuildKeyShared = 4;
    /// `Key.clearKey()`.
    KeyClear = 1;
    /// `Key.getSize()`.
    KeyGetSize = 1;
    /// `Key.getType()`.
    KeyGetType = 1;
    /// `Key.isInitialized()`.
    KeyIsInitialized = 1;
    /// `DESKey`/`AESKey.setKey(byte[], short)`.
    SecretSetKey = 3;
    /// `HMACKey.setKey(byte[], short, short)`.
    HmacSetKey = 4;
    /// `getKey(byte[], short)` of the secret keys.
    SecretGetKey = 3;
    /// A `setX(byte[], short, short)` of the RSA and EC keys.
    SetComponent(Component) = 4;
    /// A `getX(byte[], short)` of the RSA and EC keys.
    GetComponent(Component) = 3;
    /// `ECKey.setK(short)`.
    EcSetK = 2;
    /// `ECKey.getK()`.
    EcGetK = 1;
    /// `ECKey.setFieldF2M` (both forms): F(2^m) is not supported.
    EcSetFieldF2m = 2;
    /// `ECKey.setFieldF2M(short, short, short)`.
    EcSetFieldF2m3 = 4;
    /// `ECKey.copyDomainParametersFrom(ECKey)`.
    EcCopyDomain = 2;
    /// `KeyPair.<init>(byte, short)`.
    KeyPairInit = 3;
    /// `KeyPair.<init>(PublicKey, PrivateKey)`.
    KeyPairInitKeys = 3;
    /// `KeyPair.genKeyPair()`.
    KeyPairGen = 1;
    /// `KeyPair.getPrivate()`.
    KeyPairGetPrivate = 1;
    /// `KeyPair.getPublic()`.
    KeyPairGetPublic = 1;

    /// `MessageDigest.getInstance(byte, boolean)`.
    DigestGetInstance = 2;
    /// `MessageDigest.getInitializedMessageDigestInstance(byte, boolean)`.
    DigestGetInitialized = 2;
    /// `MessageDigest.OneShot.open(byte)` (and `InitializedMessageDigest.OneShot.open`).
    DigestOpen = 1;
    /// `MessageDigest.update`.
    DigestUpdate = 4;
    /// `MessageDigest.doFinal`.
    DigestDoFinal = 6;
    /// `MessageDigest.reset`.
    DigestReset = 1;
    /// `MessageDigest.getAlgorithm`.
    DigestGetAlgorithm = 1;
    /// `MessageDigest.getLength`.
    DigestGetLength = 1;
    /// `InitializedMessageDigest.setInitialDigest`.
    DigestSetInitial = 7;
    /// `close()` of every `OneShot` class.
    OneShotClose = 1;

    /// `RandomData.getInstance(byte)`.
    RandomGetInstance = 1;
    /// `RandomData.OneShot.open(byte)`.
    RandomOpen = 1;
    /// `RandomData.generateData`.
    RandomGenerate = 4;
    /// `RandomData.nextBytes`.
    RandomNextBytes = 4;
    /// `RandomData.setSeed`.
    RandomSetSeed = 4;
    /// `RandomData.getAlgorithm`.
    RandomGetAlgorithm = 1;

    /// `Signature.getInstance(byte, boolean)`.
    SigGetInstance = 2;
    /// `Signature.getInstance(byte, byte, byte, boolean)`.
    SigGetInstanceParts = 4;
    /// `Signature.OneShot.open(byte, byte, byte)`.
    SigOpen = 3;
    /// `Signature.init(Key, byte)`.
    SigInit = 3;
    /// `Signature.init(Key, byte, byte[], short, short)`.
    SigInitParams = 6;
    /// `Signature.update`.
    SigUpdate = 4;
    /// `Signature.sign`.
    SigSign = 6;
    /// `Signature.verify`.
    SigVerify = 7;
    /// `Signature.signPreComputedHash`.
    SigSignHash = 6;
    /// `Signature.verifyPreComputedHash`.
    SigVerifyHash = 7;
    /// `Signature.setInitialDigest`.
    SigSetInitialDigest = 7;
    /// `Signature.getAlgorithm`.
    SigGetAlgorithm = 1;
    /// `Signature.getLength`.
    SigGetLength = 1;
    /// `Signature.getMessageDigestAlgorithm`.
    SigGetDigestAlg = 1;
    /// `Signature.getCipherAlgorithm`.
    SigGetCipherAlg = 1;
    /// `Signature.getPaddingAlgorithm`.
    SigGetPaddingAlg = 1;
    /// `SignatureMessageRecovery.beginVerify`.
    SigMrBeginVerify = 4;
    /// `SignatureMessageRecovery.sign`.
    SigMrSign = 8;
    /// `SignatureMessageRecovery.verify`.
    SigMrVerify = 4;

    /// `Cipher.getInstance(byte, boolean)`.
    CipherGetInstance = 2;
    /// `Cipher.getInstance(byte, byte, boolean)`.
    CipherGetInstanceParts = 3;
    /// `Cipher.OneShot.open(byte, byte)`.
    CipherOpen = 2;
    /// `Cipher.init(Key, byte)`.
    CipherInit = 3;
    /// `Cipher.init(Key, byte, byte[], short, short)`.
    CipherInitIv = 6;
    /// `Cipher.update`.
    CipherUpdate = 6;
    /// `Cipher.doFinal`.
    CipherDoFinal = 6;
    /// `Cipher.getAlgorithm`.
    CipherGetAlgorithm = 1;
    /// `Cipher.getCipherAlgorithm`.
    CipherGetCipherAlg = 1;
    /// `Cipher.getPaddingAlgorithm`.
    CipherGetPaddingAlg = 1;
    /// `AEADCipher.init(Key, byte, byte[], short, short, short, short, short)`.
    AeadInit = 9;
    /// `AEADCipher.updateAAD`.
    AeadUpdateAad = 4;
    /// `AEADCipher.retrieveTag`.
    AeadRetrieveTag = 4;
    /// `AEADCipher.verifyTag`.
    AeadVerifyTag = 5;

    /// `KeyAgreement.getInstance(byte, boolean)`.
    AgreementGetInstance = 2;
    /// `KeyAgreement.init(PrivateKey)`.
    AgreementInit = 2;
    /// `KeyAgreement.generateSecret`.
    AgreementGenerate = 6;
    /// `KeyAgreement.getAlgorithm`.
    AgreementGetAlgorithm = 1;

    /// `Checksum.getInstance(byte, boolean)`.
    ChecksumGetInstance = 2;
    /// `Checksum.init(byte[], short, short)`.
    ChecksumInit = 4;
    /// `Checksum.update`.
    ChecksumUpdate = 4;
    /// `Checksum.doFinal`.
    ChecksumDoFinal = 6;
    /// `Checksum.getAlgorithm`.
    ChecksumGetAlgorithm = 1;
}

const SEC: &str = "javacard/security/";

/// Declaring class (without the package for `javacard/security`, with it for
/// `javacardx/crypto`), name, descriptor and native of every crypto method.
const BINDINGS: &[(&str, &str, &str, CryptoNative)] = {
    use Component as C;
    use CryptoNative as N;
    &[
        ("CryptoException", "<init>", "(S)V", N::ExceptionInit),
        ("CryptoException", "throwIt", "(S)V", N::ExceptionThrowIt),
        (
            "KeyBuilder",
            "buildKey",
            "(BSZ)Ljavacard/security/Key;",
            N::BuildKey,
        ),
        (
            "KeyBuilder",
            "buildKey",
            "(BBSZ)Ljavacard/security/Key;",
            N::BuildKeyAlg,
        ),
        (
            "KeyBuilder",
            "buildKeyWithSharedDomain",
            "(BBLjavacard/security/Key;Z)Ljavacard/security/Key;",
            N::BuildKeyShared,
        ),
        ("Key", "clearKey", "()V", N::KeyClear),
        ("Key", "getSize", "()S", N::KeyGetSize),
        ("Key", "getType", "()B", N::KeyGetType),
        ("Key", "isInitialized", "()Z", N::KeyIsInitialized),
        ("DESKey", "setKey", "([BS)V", N::SecretSetKey),
        ("DESKey", "getKey", "([BS)B", N::SecretGetKey),
        ("AESKey", "setKey", "([BS)V", N::SecretSetKey),
        ("AESKey", "getKey", "([BS)B", N::SecretGetKey),
        ("HMACKey", "setKey", "([BSS)V", N::HmacSetKey),
        ("HMACKey", "getKey", "([BS)B", N::SecretGetKey),
        (
            "RSAPublicKey",
            "setModulus",
            "([BSS)V",
            N::SetComponent(C::Modulus),
        ),
        (
            "RSAPublicKey",
            "setExponent",
            "([BSS)V",
            N::SetComponent(C::Exponent),
        ),
        (
            "RSAPublicKey",
            "getModulus",
            "([BS)S",
            N::GetComponent(C::Modulus),
        ),
        (
            "RSAPublicKey",
            "getExponent",
            "([BS)S",
            N::GetComponent(C::Exponent),
        ),
        (
            "RSAPrivateKey",
            "setModulus",
            "([BSS)V",
            N::SetComponent(C::Modulus),
        ),
        (
            "RSAPrivateKey",
            "setExponent",
            "([BSS)V",
            N::SetComponent(C::Exponent),
        ),
        (
            "RSAPrivateKey",
            "getModulus",
            "([BS)S",
            N::GetComponent(C::Modulus),
        ),
        (
            "RSAPrivateKey",
            "getExponent",
            "([BS)S",
            N::GetComponent(C::Exponent),
        ),
        ("RSAPrivateCrtKey", "setP", "([BSS)V", N::SetComponent(C::P)),
        ("RSAPrivateCrtKey", "setQ", "([BSS)V", N::SetComponent(C::Q)),
        (
            "RSAPrivateCrtKey",
            "setDP1",
            "([BSS)V",
            N::SetComponent(C::Dp1),
        ),
        (
            "RSAPrivateCrtKey",
            "setDQ1",
            "([BSS)V",
            N::SetComponent(C::Dq1),
        ),
        (
            "RSAPrivateCrtKey",
            "setPQ",
            "([BSS)V",
            N::SetComponent(C::Pq),
        ),
        ("RSAPrivateCrtKey", "getP", "([BS)S", N::GetComponent(C::P)),
        ("RSAPrivateCrtKey", "getQ", "([BS)S", N::GetComponent(C::Q)),
        (
            "RSAPrivateCrtKey",
            "getDP1",
            "([BS)S",
            N::GetComponent(C::Dp1),
        ),
        (
            "RSAPrivateCrtKey",
            "getDQ1",
            "([BS)S",
            N::GetComponent(C::Dq1),
        ),
        (
            "RSAPrivateCrtKey",
            "getPQ",
            "([BS)S",
            N::GetComponent(C::Pq),
        ),
        ("ECKey", "setFieldFP", "([BSS)V", N::SetComponent(C::Field)),
        ("ECKey", "setFieldF2M", "(S)V", N::EcSetFieldF2m),
        ("ECKey", "setFieldF2M", "(SSS)V", N::EcSetFieldF2m3),
        ("ECKey", "setA", "([BSS)V", N::SetComponent(C::A)),
        ("ECKey", "setB", "([BSS)V", N::SetComponent(C::B)),
        ("ECKey", "setG", "([BSS)V", N::SetComponent(C::G)),
        ("ECKey", "setR", "([BSS)V", N::SetComponent(C::R)),
        ("ECKey", "setK", "(S)V", N::EcSetK),
        ("ECKey", "getField", "([BS)S", N::GetComponent(C::Field)),
        ("ECKey", "getA", "([BS)S", N::GetComponent(C::A)),
        ("ECKey", "getB", "([BS)S", N::GetComponent(C::B)),
        ("ECKey", "getG", "([BS)S", N::GetComponent(C::G)),
        ("ECKey", "getR", "([BS)S", N::GetComponent(C::R)),
        ("ECKey", "getK", "()S", N::EcGetK),
        (
            "ECKey",
            "copyDomainParametersFrom",
            "(Ljavacard/security/ECKey;)V",
            N::EcCopyDomain,
        ),
        ("ECPrivateKey", "setS", "([BSS)V", N::SetComponent(C::S)),
        ("ECPrivateKey", "getS", "([BS)S", N::GetComponent(C::S)),
        ("ECPublicKey", "setW", "([BSS)V", N::SetComponent(C::W)),
        ("ECPublicKey", "getW", "([BS)S", N::GetComponent(C::W)),
        ("KeyPair", "<init>", "(BS)V", N::KeyPairInit),
        (
            "KeyPair",
            "<init>",
            "(Ljavacard/security/PublicKey;Ljavacard/security/PrivateKey;)V",
            N::KeyPairInitKeys,
        ),
        ("KeyPair", "genKeyPair", "()V", N::KeyPairGen),
        (
            "KeyPair",
            "getPrivate",
            "()Ljavacard/security/PrivateKey;",
            N::KeyPairGetPrivate,
        ),
        (
            "KeyPair",
            "getPublic",
            "()Ljavacard/security/PublicKey;",
            N::KeyPairGetPublic,
        ),
        (
            "MessageDigest",
            "getInstance",
            "(BZ)Ljavacard/security/MessageDigest;",
            N::DigestGetInstance,
        ),
        (
            "MessageDigest",
            "getInitializedMessageDigestInstance",
            "(BZ)Ljavacard/security/InitializedMessageDigest;",
            N::DigestGetInitialized,
        ),
        (
            "MessageDigest$OneShot",
            "open",
            "(B)Ljavacard/security/MessageDigest$OneShot;",
            N::DigestOpen,
        ),
        (
            "InitializedMessageDigest$OneShot",
            "open",
            "(B)Ljavacard/security/InitializedMessageDigest$OneShot;",
            N::DigestOpen,
        ),
        ("MessageDigest", "update", "([BSS)V", N::DigestUpdate),
        ("MessageDigest", "doFinal", "([BSS[BS)S", N::DigestDoFinal),
        ("MessageDigest", "reset", "()V", N::DigestReset),
        (
            "MessageDigest",
            "getAlgorithm",
            "()B",
            N::DigestGetAlgorithm,
        ),
        ("MessageDigest", "getLength", "()B", N::DigestGetLength),
        (
            "InitializedMessageDigest",
            "setInitialDigest",
            "([BSS[BSS)V",
            N::DigestSetInitial,
        ),
        ("MessageDigest$OneShot", "close", "()V", N::OneShotClose),
        (
            "InitializedMessageDigest$OneShot",
            "close",
            "()V",
            N::OneShotClose,
        ),
        (
            "RandomData",
            "getInstance",
            "(B)Ljavacard/security/RandomData;",
            N::RandomGetInstance,
        ),
        (
            "RandomData$OneShot",
            "open",
            "(B)Ljavacard/security/RandomData$OneShot;",
            N::RandomOpen,
        ),
        ("RandomData", "generateData", "([BSS)V", N::RandomGenerate),
        ("RandomData", "nextBytes", "([BSS)S", N::RandomNextBytes),
        ("RandomData", "setSeed", "([BSS)V", N::RandomSetSeed),
        ("RandomData", "getAlgorithm", "()B", N::RandomGetAlgorithm),
        ("RandomData$OneShot", "close", "()V", N::OneShotClose),
        (
            "Signature",
            "getInstance",
            "(BZ)Ljavacard/security/Signature;",
            N::SigGetInstance,
        ),
        (
            "Signature",
            "getInstance",
            "(BBBZ)Ljavacard/security/Signature;",
            N::SigGetInstanceParts,
        ),
        (
            "Signature$OneShot",
            "open",
            "(BBB)Ljavacard/security/Signature$OneShot;",
            N::SigOpen,
        ),
        (
            "Signature",
            "init",
            "(Ljavacard/security/Key;B)V",
            N::SigInit,
        ),
        (
            "Signature",
            "init",
            "(Ljavacard/security/Key;B[BSS)V",
            N::SigInitParams,
        ),
        ("Signature", "update", "([BSS)V", N::SigUpdate),
        ("Signature", "sign", "([BSS[BS)S", N::SigSign),
        ("Signature", "verify", "([BSS[BSS)Z", N::SigVerify),
        (
            "Signature",
            "signPreComputedHash",
            "([BSS[BS)S",
            N::SigSignHash,
        ),
        (
            "Signature",
            "verifyPreComputedHash",
            "([BSS[BSS)Z",
            N::SigVerifyHash,
        ),
        (
            "Signature",
            "setInitialDigest",
            "([BSS[BSS)V",
            N::SigSetInitialDigest,
        ),
        ("Signature", "getAlgorithm", "()B", N::SigGetAlgorithm),
        ("Signature", "getLength", "()S", N::SigGetLength),
        (
            "Signature",
            "getMessageDigestAlgorithm",
            "()B",
            N::SigGetDigestAlg,
        ),
        ("Signature", "getCipherAlgorithm", "()B", N::SigGetCipherAlg),
        (
            "Signature",
            "getPaddingAlgorithm",
            "()B",
            N::SigGetPaddingAlg,
        ),
        ("Signature$OneShot", "close", "()V", N::OneShotClose),
        (
            "SignatureMessageRecovery",
            "init",
            "(Ljavacard/security/Key;B)V",
            N::SigInit,
        ),
        (
            "SignatureMessageRecovery",
            "update",
            "([BSS)V",
            N::SigUpdate,
        ),
        (
            "SignatureMessageRecovery",
            "getAlgorithm",
            "()B",
            N::SigGetAlgorithm,
        ),
        (
            "SignatureMessageRecovery",
            "getLength",
            "()S",
            N::SigGetLength,
        ),
        (
            "SignatureMessageRecovery",
            "beginVerify",
            "([BSS)S",
            N::SigMrBeginVerify,
        ),
        (
            "SignatureMessageRecovery",
            "sign",
            "([BSS[BS[SS)S",
            N::SigMrSign,
        ),
        (
            "SignatureMessageRecovery",
            "verify",
            "([BSS)Z",
            N::SigMrVerify,
        ),
        (
            "javacardx/crypto/Cipher",
            "getInstance",
            "(BZ)Ljavacardx/crypto/Cipher;",
            N::CipherGetInstance,
        ),
        (
            "javacardx/crypto/Cipher",
            "getInstance",
            "(BBZ)Ljavacardx/crypto/Cipher;",
            N::CipherGetInstanceParts,
        ),
        (
            "javacardx/crypto/Cipher$OneShot",
            "open",
            "(BB)Ljavacardx/crypto/Cipher$OneShot;",
            N::CipherOpen,
        ),
        (
            "javacardx/crypto/Cipher",
            "init",
            "(Ljavacard/security/Key;B)V",
            N::CipherInit,
        ),
        (
            "javacardx/crypto/Cipher",
            "init",
            "(Ljavacard/security/Key;B[BSS)V",
            N::CipherInitIv,
        ),
        (
            "javacardx/crypto/Cipher",
            "update",
            "([BSS[BS)S",
            N::CipherUpdate,
        ),
        (
            "javacardx/crypto/Cipher",
            "doFinal",
            "([BSS[BS)S",
            N::CipherDoFinal,
        ),
        (
            "javacardx/crypto/Cipher",
            "getAlgorithm",
            "()B",
            N::CipherGetAlgorithm,
        ),
        (
            "javacardx/crypto/Cipher",
            "getCipherAlgorithm",
            "()B",
            N::CipherGetCipherAlg,
        ),
        (
            "javacardx/crypto/Cipher",
            "getPaddingAlgorithm",
            "()B",
            N::CipherGetPaddingAlg,
        ),
        (
            "javacardx/crypto/Cipher$OneShot",
            "close",
            "()V",
            N::OneShotClose,
        ),
        (
            "javacardx/crypto/AEADCipher",
            "init",
            "(Ljavacard/security/Key;B[BSSSSS)V",
            N::AeadInit,
        ),
        (
            "javacardx/crypto/AEADCipher",
            "updateAAD",
            "([BSS)V",
            N::AeadUpdateAad,
        ),
        (
            "javacardx/crypto/AEADCipher",
            "retrieveTag",
            "([BSS)S",
            N::AeadRetrieveTag,
        ),
        (
            "javacardx/crypto/AEADCipher",
            "verifyTag",
            "([BSSS)Z",
            N::AeadVerifyTag,
        ),
        (
            "KeyAgreement",
            "getInstance",
            "(BZ)Ljavacard/security/KeyAgreement;",
            N::AgreementGetInstance,
        ),
        (
            "KeyAgreement",
            "init",
            "(Ljavacard/security/PrivateKey;)V",
            N::AgreementInit,
        ),
        (
            "KeyAgreement",
            "generateSecret",
            "([BSS[BS)S",
            N::AgreementGenerate,
        ),
        (
            "KeyAgreement",
            "getAlgorithm",
            "()B",
            N::AgreementGetAlgorithm,
        ),
        (
            "Checksum",
            "getInstance",
            "(BZ)Ljavacard/security/Checksum;",
            N::ChecksumGetInstance,
        ),
        ("Checksum", "init", "([BSS)V", N::ChecksumInit),
        ("Checksum", "update", "([BSS)V", N::ChecksumUpdate),
        ("Checksum", "doFinal", "([BSS[BS)S", N::ChecksumDoFinal),
        ("Checksum", "getAlgorithm", "()B", N::ChecksumGetAlgorithm),
    ]
};

fn class_matches(entry: &str, class: &str) -> bool {
    match class.strip_prefix(SEC) {
        Some(short) => short == entry,
        None => class == entry,
    }
}

/// The crypto native implementing `class.name descriptor`.
pub fn binding(class: &str, name: &str, descriptor: &str) -> Option<CryptoNative> {
    BINDINGS
        .iter()
        .find(|(c, n, d, _)| *n == name && *d == descriptor && class_matches(c, class))
        .map(|b| b.3)
}

impl From<CryptoError> for Fault {
    #[cold]
    fn from(e: CryptoError) -> Fault {
        VmException::Crypto(e.reason()).into()
    }
}

/// Runs crypto native `id` with arguments `a` on behalf of context `ctx`.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: CryptoNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use CryptoNative as N;
    match id {
        N::ExceptionInit => super::exceptions::init(env, a, ctx),
        N::ExceptionThrowIt => Err(VmException::Crypto(a.short(0)?).into()),
        N::BuildKey
        | N::BuildKeyAlg
        | N::BuildKeyShared
        | N::KeyClear
        | N::KeyGetSize
        | N::KeyGetType
        | N::KeyIsInitialized
        | N::SecretSetKey
        | N::HmacSetKey
        | N::SecretGetKey
        | N::SetComponent(_)
        | N::GetComponent(_)
        | N::EcSetK
        | N::EcGetK
        | N::EcSetFieldF2m
        | N::EcSetFieldF2m3
        | N::EcCopyDomain
        | N::KeyPairInit
        | N::KeyPairInitKeys
        | N::KeyPairGen
        | N::KeyPairGetPrivate
        | N::KeyPairGetPublic => keys::invoke(env, id, a, ctx),
        _ => engines::invoke(env, id, a, ctx),
    }
}

/// Reads `len` bytes at `off` of byte array argument `arr`, as the caller may.
fn read(
    env: &Env<'_>,
    arr: crate::heap::ObjRef,
    off: i16,
    len: i16,
    ctx: ContextId,
) -> Result<Vec<u8>, Fault> {
    if len < 0 || off < 0 {
        return Err(VmException::ArrayIndexOutOfBounds.into());
    }
    Ok(env
        .heap
        .read_u8s(arr, i32::from(off), i32::from(len), ctx)?)
}

/// Writes `bytes` at `off` of byte array argument `arr` (non-atomic, as crypto output).
fn write(
    env: &mut Env<'_>,
    arr: crate::heap::ObjRef,
    off: i16,
    bytes: &[u8],
    ctx: ContextId,
) -> Result<(), Fault> {
    if off < 0 {
        return Err(VmException::ArrayIndexOutOfBounds.into());
    }
    let b: Vec<i8> = bytes.iter().map(|x| *x as i8).collect();
    env.heap.write_bytes(arr, i32::from(off), &b, ctx, false)?;
    Ok(())
}

fn short_ret(v: usize) -> Result<NativeRet, Fault> {
    i16::try_from(v)
        .map(|s| NativeRet::Word(i32::from(s)))
        .map_err(|_| CryptoError::IllegalUse.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_unique_and_nargs_match_descriptors() {
        for (c, n, d, id) in BINDINGS {
            let words = crate::native::builtin::descriptor_arg_words(d).unwrap_or(usize::MAX);
            let is_static = matches!(
                *n,
                "getInstance"
                    | "getInitializedMessageDigestInstance"
                    | "open"
                    | "buildKey"
                    | "buildKeyWithSharedDomain"
                    | "throwIt"
            );
            assert_eq!(
                usize::from(id.nargs()),
                words + usize::from(!is_static),
                "{c}.{n}{d}"
            );
            let dup = BINDINGS
                .iter()
                .filter(|(c2, n2, d2, _)| c2 == c && n2 == n && d2 == d)
                .count();
            assert_eq!(dup, 1, "{c}.{n}{d}");
        }
    }
}
