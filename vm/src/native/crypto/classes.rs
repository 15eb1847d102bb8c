//! The concrete classes behind the crypto API: the JCRE's implementations of the abstract
//! engines (`Signature`, `Cipher`, ...) and of the key interfaces (`AESKey`,
//! `ECPrivateKey`, ...). Their virtual and interface tables point at crypto natives;
//! they belong to the API package, have no class token (no CAP file can name them), and
//! their field words hold the objects' persistent configuration.

use super::{binding, CryptoNative};
use crate::export::MemberKind;
use crate::native::builtin::BuiltinError;
use crate::program::{Class, ClassId, InterfaceTable, MethodTarget, Program};

/// Field words of an engine object: algorithm, and the digest, cipher and padding parts.
pub const ENGINE_WORDS: u16 = 4;
/// Field words of a key object: key store array, key type, size in bits.
pub const KEY_WORDS: u16 = 3;
/// Field words added to `KeyPair`: public key, private key, algorithm, size.
pub const KEY_PAIR_WORDS: u16 = 4;

/// The field words holding references that a built-in crypto class declares, as (first
/// word after its superclass's fields, count): a key's store array, a key pair's two
/// keys. Engine words are configuration bytes. `None` for classes of other APIs.
pub fn declared_references(name: &str) -> Option<(u16, u16)> {
    if name == "javacard/security/KeyPair" {
        return Some((0, 2));
    }
    if SIZED.iter().any(|(n, _)| *n == name) {
        return Some((0, 0));
    }
    IMPLS.iter().find(|(n, ..)| *n == name).map(|(_, sup, ..)| {
        // Keys extend Object (word 0: the store array); engines extend their API class.
        if *sup == "java/lang/Object" {
            (0, 1)
        } else {
            (0, 0)
        }
    })
}

/// The implementation classes: name, API superclass, API interfaces, field words.
pub const IMPLS: &[(&str, &str, &[&str], u16)] = &[
    (
        "jcos/crypto/MessageDigestImpl",
        "javacard/security/InitializedMessageDigest",
        &[],
        ENGINE_WORDS,
    ),
    (
        "jcos/crypto/SignatureImpl",
        "javacard/security/Signature",
        &["javacard/security/SignatureMessageRecovery"],
        ENGINE_WORDS,
    ),
    (
        "jcos/crypto/CipherImpl",
        "javacardx/crypto/Cipher",
        &[],
        ENGINE_WORDS,
    ),
    (
        "jcos/crypto/AEADCipherImpl",
        "javacardx/crypto/AEADCipher",
        &[],
        ENGINE_WORDS,
    ),
    (
        "jcos/crypto/KeyAgreementImpl",
        "javacard/security/KeyAgreement",
        &[],
        ENGINE_WORDS,
    ),
    (
        "jcos/crypto/RandomDataImpl",
        "javacard/security/RandomData",
        &[],
        ENGINE_WORDS,
    ),
    (
        "jcos/crypto/ChecksumImpl",
        "javacard/security/Checksum",
        &[],
        ENGINE_WORDS,
    ),
    (
        "jcos/crypto/DESKeyImpl",
        "java/lang/Object",
        &["javacard/security/DESKey"],
        KEY_WORDS,
    ),
    (
        "jcos/crypto/AESKeyImpl",
        "java/lang/Object",
        &["javacard/security/AESKey"],
        KEY_WORDS,
    ),
    (
        "jcos/crypto/HMACKeyImpl",
        "java/lang/Object",
        &["javacard/security/HMACKey"],
        KEY_WORDS,
    ),
    (
        "jcos/crypto/RSAPublicKeyImpl",
        "java/lang/Object",
        &["javacard/security/RSAPublicKey"],
        KEY_WORDS,
    ),
    (
        "jcos/crypto/RSAPrivateKeyImpl",
        "java/lang/Object",
        &["javacard/security/RSAPrivateKey"],
        KEY_WORDS,
    ),
    (
        "jcos/crypto/RSAPrivateCrtKeyImpl",
        "java/lang/Object",
        &["javacard/security/RSAPrivateCrtKey"],
        KEY_WORDS,
    ),
    (
        "jcos/crypto/ECPublicKeyImpl",
        "java/lang/Object",
        &["javacard/security/ECPublicKey"],
        KEY_WORDS,
    ),
    (
        "jcos/crypto/ECPrivateKeyImpl",
        "java/lang/Object",
        &["javacard/security/ECPrivateKey"],
        KEY_WORDS,
    ),
];

/// API classes whose instances get field words for native state.
const SIZED: &[(&str, u16)] = &[
    ("javacard/security/KeyPair", KEY_PAIR_WORDS),
    ("javacard/security/MessageDigest$OneShot", ENGINE_WORDS),
    (
        "javacard/security/InitializedMessageDigest$OneShot",
        ENGINE_WORDS,
    ),
    ("javacard/security/RandomData$OneShot", ENGINE_WORDS),
    ("javacard/security/Signature$OneShot", ENGINE_WORDS),
    ("javacardx/crypto/Cipher$OneShot", ENGINE_WORDS),
];

fn missing(name: &'static str) -> BuiltinError {
    BuiltinError::Missing(name)
}

/// The native for an API method declared by `owners` (a class and its supers or an
/// interface and its superinterfaces).
fn native_for(owners: &[String], name: &str, descriptor: &str) -> Option<CryptoNative> {
    owners
        .iter()
        .rev()
        .find_map(|o| binding(o, name, descriptor))
}

/// Adds the implementation classes to the built-in program and sizes the API classes
/// that keep state in fields.
pub fn add(program: &mut Program) -> Result<(), BuiltinError> {
    let api = crate::api::builtin().map_err(|_| missing("API tables"))?;
    let view = |name: &str| {
        api.views()
            .iter()
            .find_map(|p| p.classes.iter().find(|c| c.name == name))
    };
    for (name, words) in SIZED {
        if let Some(id) = program.class_by_name(name) {
            if let Some(c) = program.classes.get_mut(usize::from(id.0)) {
                c.instance_words = *words;
            }
        }
    }
    let object = program.well_known.object;
    for (name, sup, ifaces, words) in IMPLS {
        let sup_id = program
            .class_by_name(sup)
            .ok_or(missing("crypto API superclass"))?;
        let sup_class = program
            .class(sup_id)
            .ok_or(missing("crypto API superclass"))?;
        let package = sup_class.package;
        let mut vtable = sup_class.public_vtable.clone();
        let mut interfaces = sup_class.interfaces.clone();
        // Abstract methods of the engine superclass become natives.
        if let Some(sv) = view(sup) {
            let mut owners = sv.supers.clone();
            owners.push(sv.name.clone());
            for m in sv
                .methods
                .iter()
                .filter(|m| m.kind() == MemberKind::Instance)
            {
                if let Some(slot) = vtable.get_mut(usize::from(m.token)) {
                    if matches!(slot, MethodTarget::Abstract | MethodTarget::Missing) {
                        if let Some(n) = native_for(&owners, &m.name, &m.descriptor) {
                            *slot = MethodTarget::Native(super::super::NativeId::Crypto(n));
                        }
                    }
                }
            }
        }
        // Interface methods: reuse a superclass method of the same name and descriptor,
        // else a new virtual slot.
        let mut itables = Vec::new();
        let mut all_ifaces: Vec<String> = Vec::new();
        for i in *ifaces {
            let iv = view(i).ok_or(missing("crypto API interface"))?;
            for s in &iv.interfaces {
                if !all_ifaces.contains(s) {
                    all_ifaces.push(s.clone());
                }
            }
            if !all_ifaces.iter().any(|x| x == i) {
                all_ifaces.push((*i).to_string());
            }
        }
        let mut slots: Vec<(String, String, u8)> = Vec::new();
        if let Some(sv) = view(sup) {
            for m in sv
                .methods
                .iter()
                .filter(|m| m.kind() == MemberKind::Instance)
            {
                slots.push((m.name.clone(), m.descriptor.clone(), m.token));
            }
        }
        for iname in &all_ifaces {
            let iv = view(iname).ok_or(missing("crypto API interface"))?;
            let iid: ClassId = program
                .class_by_name(iname)
                .ok_or(missing("crypto API interface"))?;
            if !interfaces.contains(&iid) {
                interfaces.push(iid);
            }
            let mut owners: Vec<String> = iv.interfaces.clone();
            owners.push(iv.name.clone());
            let mut tokens = Vec::new();
            for im in iv
                .methods
                .iter()
                .filter(|m| m.kind() == MemberKind::Instance)
            {
                let vt = match slots
                    .iter()
                    .find(|(n, d, _)| *n == im.name && *d == im.descriptor)
                {
                    Some((_, _, t)) => *t,
                    None => {
                        let t = u8::try_from(vtable.len()).map_err(|_| BuiltinError::TooMany)?;
                        let target = native_for(&owners, &im.name, &im.descriptor)
                            .map_or(MethodTarget::Missing, |n| {
                                MethodTarget::Native(super::super::NativeId::Crypto(n))
                            });
                        vtable.push(target);
                        slots.push((im.name.clone(), im.descriptor.clone(), t));
                        t
                    }
                };
                let t = usize::from(im.token);
                if tokens.len() <= t {
                    tokens.resize(t + 1, u8::MAX);
                }
                if let Some(slot) = tokens.get_mut(t) {
                    *slot = vt;
                }
            }
            itables.push(InterfaceTable { iface: iid, tokens });
        }
        let base = program.class(sup_id).map_or(0, |c| c.instance_words);
        let _ = object;
        program.classes.push(Class {
            name: (*name).to_string(),
            package,
            is_interface: false,
            is_abstract: false,
            is_shareable: false,
            super_class: Some(sup_id),
            interfaces,
            instance_words: base + words,
            field_base: base,
            public_vtable: vtable,
            package_vtable: Vec::new(),
            itables,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::program::MethodTarget;

    #[test]
    fn implementation_classes_dispatch_to_natives() {
        let api = crate::api::builtin().map_err(|e| e.to_string()).unwrap();
        let p = crate::native::builtin::program(api.views()).unwrap();
        let aes = p.class_by_name("jcos/crypto/AESKeyImpl").unwrap();
        let iface = p.class_by_name("javacard/security/AESKey").unwrap();
        let key = p.class_by_name("javacard/security/Key").unwrap();
        assert!(p.class_assignable(aes, iface));
        assert!(p.class_assignable(aes, key));
        for token in 0..6 {
            assert!(
                matches!(
                    p.interface_target(aes, iface, token),
                    Some(MethodTarget::Native(_))
                ),
                "AESKey token {token}"
            );
        }
        let sig = p.class_by_name("jcos/crypto/SignatureImpl").unwrap();
        let base = p.class_by_name("javacard/security/Signature").unwrap();
        assert!(p.is_subclass(sig, base));
        for token in 1..14 {
            assert!(
                matches!(p.virtual_target(sig, token), Some(MethodTarget::Native(_))),
                "Signature token {token}"
            );
        }
        let ec = p.class_by_name("jcos/crypto/ECPrivateKeyImpl").unwrap();
        let eckey = p.class_by_name("javacard/security/ECKey").unwrap();
        for token in 0..15 {
            assert!(
                matches!(
                    p.interface_target(ec, eckey, token),
                    Some(MethodTarget::Native(_))
                ),
                "ECKey token {token}"
            );
        }
    }
}
