//! `docs/crypto.md` lists every algorithm constant of the 3.0.5 API with its status in jcos;
//! these tests read that table and hold it to the code (the parse functions of
//! [`super::consts`] and the key builder) and to the API export, so the two cannot drift.

use super::consts;
use super::keys::KeyKind;
use std::collections::BTreeMap;

const DOC: &str = include_str!("../../../../docs/crypto.md");
const API: &str = include_str!("../../../api/javacard-3.0.5.json");

/// The classes the table covers.
const CLASSES: [&str; 9] = [
    "MessageDigest",
    "Signature",
    "Cipher",
    "AEADCipher",
    "KeyAgreement",
    "Checksum",
    "RandomData",
    "KeyPair",
    "KeyBuilder",
];

/// Whether the table lists constant `name` of `class`: the algorithm constants, the parts of
/// the three-argument `getInstance` forms, and the key types and lengths.
fn listed(class: &str, name: &str) -> bool {
    let prefixes: &[&str] = match class {
        "Signature" => &["ALG_", "SIG_CIPHER_"],
        "Cipher" => &["ALG_", "CIPHER_", "PAD_"],
        "AEADCipher" => &["ALG_", "CIPHER_"],
        "KeyBuilder" => &["TYPE_", "ALG_TYPE_", "LENGTH_"],
        _ => &["ALG_"],
    };
    prefixes.iter().any(|p| name.starts_with(p))
}

/// `(class, name)` → value of the constants the table must list, from the API export.
fn api_constants() -> BTreeMap<(String, String), i64> {
    let api: serde_json::Value = serde_json::from_str(API).unwrap();
    let mut out = BTreeMap::new();
    for package in api["packages"].as_array().unwrap() {
        for class in package["classes"].as_array().unwrap() {
            let full = class["name"].as_str().unwrap();
            let short = full.rsplit('/').next().unwrap();
            if !CLASSES.contains(&short) {
                continue;
            }
            for field in class["fields"].as_array().unwrap() {
                let name = field["name"].as_str().unwrap();
                if let (true, Some(v)) = (listed(short, name), field["constant"].as_i64()) {
                    out.insert((short.to_string(), name.to_string()), v);
                }
            }
        }
    }
    out
}

/// `(class, name)` → (value, supported) of the table's rows.
fn doc_rows() -> BTreeMap<(String, String), (i64, bool)> {
    let mut out = BTreeMap::new();
    for line in DOC.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let constant = cells[1].trim_matches('`');
        let (class, name) = constant.split_once('.').unwrap();
        let value: i64 = cells[2].parse().unwrap();
        let supported = match cells[3] {
            "supported" => true,
            "NO_SUCH_ALGORITHM" => false,
            other => panic!("{constant}: status '{other}'"),
        };
        let dup = out.insert((class.to_string(), name.to_string()), (value, supported));
        assert!(dup.is_none(), "{constant} listed twice");
    }
    out
}

fn byte(v: i64) -> i8 {
    i8::try_from(v).unwrap()
}

/// Every byte a `getInstance` part argument can take that the API defines.
fn parts() -> std::ops::RangeInclusive<i8> {
    -20..=20
}

/// Whether jcos supports constant `name` (value `v`) of `class`.
fn code_supports(class: &str, name: &str, v: i64) -> bool {
    match (class, name) {
        ("MessageDigest", _) => consts::digest(byte(v)).is_ok(),
        ("Signature", n) if n.starts_with("ALG_") => consts::signature(byte(v)).is_ok(),
        ("Signature", _) => parts()
            .flat_map(|md| parts().map(move |pad| (md, pad)))
            .any(|(md, pad)| consts::signature_parts(md, byte(v), pad).is_ok()),
        ("Cipher" | "AEADCipher", n) if n.starts_with("ALG_") => consts::cipher(byte(v)).is_ok(),
        ("Cipher" | "AEADCipher", n) if n.starts_with("CIPHER_") => {
            parts().any(|pad| consts::cipher_parts(byte(v), pad).is_ok())
        }
        ("Cipher", _) => {
            parts().any(|c| consts::cipher_parts(c, byte(v)).is_ok())
                || parts()
                    .flat_map(|md| parts().map(move |c| (md, c)))
                    .any(|(md, c)| consts::signature_parts(md, c, byte(v)).is_ok())
        }
        ("KeyAgreement", _) => consts::agreement(byte(v)).is_ok(),
        ("Checksum", _) => consts::checksum(byte(v)).is_ok(),
        ("RandomData", _) => consts::random(byte(v)).is_ok(),
        ("KeyPair", _) => consts::key_pair(byte(v)).is_ok(),
        ("KeyBuilder", n) if n.starts_with("TYPE_") => KeyKind::from_type(byte(v)).is_some(),
        ("KeyBuilder", n) if n.starts_with("ALG_TYPE_") => consts::key_type(byte(v), 0).is_ok(),
        ("KeyBuilder", n) => {
            let family = n.trim_start_matches("LENGTH_");
            let kind = [
                ("DES", KeyKind::Des),
                ("AES", KeyKind::Aes),
                ("HMAC", KeyKind::Hmac),
                ("RSA", KeyKind::RsaPublic),
                ("EC_FP_", KeyKind::EcPublic),
            ]
            .into_iter()
            .find(|(prefix, _)| family.starts_with(prefix))
            .map(|(_, k)| k);
            kind.is_some_and(|k| k.size_ok(u16::try_from(v).unwrap()))
        }
        _ => panic!("{class}.{name} is not covered"),
    }
}

#[test]
fn the_table_lists_every_constant_of_the_api_with_its_value() {
    let api = api_constants();
    let doc = doc_rows();
    assert!(
        api.len() > 200,
        "the API export gave {} constants",
        api.len()
    );
    let missing: Vec<_> = api.keys().filter(|k| !doc.contains_key(*k)).collect();
    assert!(missing.is_empty(), "not in docs/crypto.md: {missing:?}");
    let extra: Vec<_> = doc.keys().filter(|k| !api.contains_key(*k)).collect();
    assert!(extra.is_empty(), "not constants of the API: {extra:?}");
    for (key, (value, _)) in &doc {
        assert_eq!(api.get(key), Some(value), "{}.{}", key.0, key.1);
    }
}

#[test]
fn the_table_states_what_the_code_supports() {
    let wrong: Vec<String> = doc_rows()
        .into_iter()
        .filter(|((class, name), (v, supported))| code_supports(class, name, *v) != *supported)
        .map(|((class, name), (_, supported))| {
            format!("{class}.{name}: the table says supported = {supported}")
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "docs/crypto.md disagrees with the code: {wrong:#?}"
    );
}

#[test]
fn the_algorithms_the_isd_relies_on_are_supported() {
    // Cipher DES/AES CBC and ECB without padding, the retail MAC, AES-CMAC, secure random.
    let doc = doc_rows();
    for name in [
        "Cipher.ALG_DES_CBC_NOPAD",
        "Cipher.ALG_DES_ECB_NOPAD",
        "Cipher.ALG_AES_BLOCK_128_CBC_NOPAD",
        "Cipher.ALG_AES_BLOCK_128_ECB_NOPAD",
        "Signature.ALG_DES_MAC8_ISO9797_1_M2_ALG3",
        "Signature.ALG_AES_CMAC_128",
        "RandomData.ALG_SECURE_RANDOM",
    ] {
        let (class, n) = name.split_once('.').unwrap();
        assert_eq!(
            doc.get(&(class.to_string(), n.to_string())).map(|r| r.1),
            Some(true),
            "{name}"
        );
    }
}
