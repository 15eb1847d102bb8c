//! Every external reference in the golden `.jca` listings (`package.class[.member]` tokens with
//! the converter's comment naming the target) resolves to that target through the built-in
//! tables or, for user packages, the golden export files.

use std::path::{Path, PathBuf};

use jcos_vm::api;
use jcos_vm::export::{self, MemberKind, PackageView};

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    dir.is_dir().then_some(dir)
}

#[test]
fn embedded_tables_equal_the_shared_originals() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let vm_api = Path::new(env!("CARGO_MANIFEST_DIR")).join("api");
    for name in ["javacard-3.0.5.json", "globalplatform-1.6.json"] {
        let original = std::fs::read(shared.join("javacard-api").join(name)).unwrap();
        assert_eq!(
            std::fs::read(vm_api.join(name)).unwrap(),
            original,
            "{name}"
        );
    }
}

/// `0xA0:0x0:0x62` -> bytes.
fn jca_aid(s: &str) -> Vec<u8> {
    s.split(':')
        .map(|b| u8::from_str_radix(b.trim_start_matches("0x"), 16).unwrap())
        .collect()
}

/// `1.10.8(SS)V` -> (1, 10, Some(8)), `0.9` -> (0, 9, None).
fn tokens(s: &str) -> (usize, u8, Option<u8>) {
    let head = s.split('(').next().unwrap();
    let parts: Vec<u8> = head.split('.').map(|p| p.parse().unwrap()).collect();
    (usize::from(parts[0]), parts[1], parts.get(2).copied())
}

#[test]
fn golden_listing_references_resolve() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let api = api::builtin().unwrap();
    let golden = shared.join("fixtures/jcvm-golden");
    let user_views: Vec<PackageView> = std::fs::read_dir(&golden)
        .unwrap()
        .map(|d| d.unwrap().path())
        .filter(|d| d.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "exp"))
        .map(|p| {
            export::parse(&std::fs::read(p).unwrap())
                .unwrap()
                .package()
                .unwrap()
        })
        .collect();

    let mut checked = 0;
    let mut listings = 0;
    for dir in std::fs::read_dir(&golden).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let Some(jca) = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "jca"))
        else {
            continue;
        };
        listings += 1;
        let text = std::fs::read_to_string(&jca).unwrap();
        // Import order gives the package index used by the tokens.
        let imports: Vec<&PackageView> = text
            .split(".imports {")
            .nth(1)
            .unwrap()
            .split('}')
            .next()
            .unwrap()
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(|aid| {
                let aid = jca_aid(aid);
                api.view_by_aid(&aid)
                    .or_else(|| user_views.iter().find(|v| v.aid == aid))
                    .unwrap_or_else(|| panic!("import {aid:02x?} unknown"))
            })
            .collect();
        for line in text.lines().map(str::trim) {
            let Some((code, comment)) = line.split_once("//") else {
                continue;
            };
            let comment = comment.trim();
            let mut words = code.split_whitespace();
            let (kind, target) = match (words.next(), words.next()) {
                (Some(k @ ("staticMethodRef" | "virtualMethodRef" | ".classRef")), Some(t))
                    if t.starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    (k, t.strip_suffix(';').unwrap_or(t))
                }
                _ => continue,
            };
            let (pkg, class_token, member) = tokens(target);
            let view = imports[pkg];
            let class = view
                .class_by_token(class_token)
                .unwrap_or_else(|| panic!("{}: {target}", jca.display()));
            let descriptor = &target[target.find('(').unwrap_or(target.len())..];
            match (kind, member) {
                (".classRef", None) => assert_eq!(class.name, comment),
                ("staticMethodRef", Some(token)) => {
                    let m = class.method_by_token(token, MemberKind::Static).unwrap();
                    assert_eq!(m.descriptor, descriptor);
                    assert_eq!(
                        format!("{}.{}{}", class.name, m.name, m.descriptor),
                        comment
                    );
                }
                ("virtualMethodRef", Some(token)) => {
                    // Export files list inherited public methods with the class.
                    let m = class
                        .method_by_token(token, MemberKind::Instance)
                        .unwrap_or_else(|| panic!("{}: {target}", jca.display()));
                    assert_eq!(m.descriptor, descriptor);
                    assert_eq!(format!("{}{}", m.name, m.descriptor), comment);
                }
                other => panic!("{}: unexpected {other:?} in {line}", jca.display()),
            }
            checked += 1;
        }
    }
    assert_eq!(listings, 6);
    eprintln!("{checked} external references resolved");
    assert!(checked >= 80, "{checked}");
}
