//! The parsed model agrees with the reference converter's own listing (`.jca`) of each golden
//! CAP: imports, constant pool entry kinds and tokens, method frame sizes and method tables.

mod cap_common;

use cap_common::golden_caps;
use jcos_vm::cap::{CapFile, ClassRef, CpInfo, StaticRef};

/// `0xA0:0x0:0x62` to `A00062`.
fn jca_aid(s: &str) -> String {
    s.split(':')
        .map(|b| {
            let v = u8::from_str_radix(b.trim_start_matches("0x"), 16).expect("hex byte");
            format!("{v:02X}")
        })
        .collect()
}

/// Lines of the block that starts with a line beginning with `head`.
fn block<'a>(jca: &'a str, head: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in jca.lines() {
        let t = l.trim();
        if !inside {
            inside = t.starts_with(head);
            continue;
        }
        if t == "}" {
            break;
        }
        out.push(t);
    }
    out
}

fn is_tokens(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_internal(e: &CpInfo) -> bool {
    match e {
        CpInfo::StaticFieldref(s) | CpInfo::StaticMethodref(s) => {
            matches!(s, StaticRef::Internal { .. })
        }
        other => matches!(other.class_ref(), Some(ClassRef::Internal(_))),
    }
}

#[test]
fn imports_match_the_listing() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let jca = std::fs::read_to_string(path.with_extension("jca")).expect("jca");
        let cap = CapFile::from_jar_bytes(bytes).unwrap();
        let listed: Vec<String> = block(&jca, ".imports")
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut w = l.split_whitespace();
                let aid = jca_aid(w.next().unwrap());
                let ver = w.next().unwrap().trim_end_matches(';');
                format!("{aid} v{ver}")
            })
            .collect();
        let ours: Vec<String> = cap.import.packages.iter().map(|p| p.to_string()).collect();
        assert_eq!(ours, listed, "{}", path.display());
    }
}

#[test]
fn constant_pool_kinds_and_external_tokens_match_the_listing() {
    let Some(caps) = golden_caps() else { return };
    let mut external_seen = 0;
    for (path, bytes) in &caps {
        let jca = std::fs::read_to_string(path.with_extension("jca")).expect("jca");
        let cap = CapFile::from_jar_bytes(bytes).unwrap();
        let lines = block(&jca, ".constantPool");
        let mut entries = Vec::new();
        let mut it = lines.iter();
        while let Some(l) = it.next() {
            if let Some(n) = l.strip_prefix("// ") {
                if n.bytes().all(|b| b.is_ascii_digit()) {
                    let entry = it.next().expect("entry after index comment");
                    entries.push((n.parse::<usize>().unwrap(), *entry));
                }
            }
        }
        assert_eq!(
            entries.len(),
            cap.constant_pool.constant_pool.len(),
            "{}",
            path.display()
        );
        for (i, text) in entries {
            let ours = &cap.constant_pool.constant_pool[i];
            let kind = text.split_whitespace().next().unwrap();
            let want = match kind {
                ".classRef" => "Classref",
                "instanceFieldRef" => "InstanceFieldref",
                "virtualMethodRef" => "VirtualMethodref",
                "superMethodRef" => "SuperMethodref",
                "staticFieldRef" => "StaticFieldref",
                "staticMethodRef" => "StaticMethodref",
                other => panic!("unknown kind {other}"),
            };
            assert_eq!(ours.kind_name(), want, "{} entry {i}", path.display());
            // The reference is the last word before any '(' or ';' (fields list a type first).
            let reference = text
                .split(['(', ';'])
                .next()
                .unwrap()
                .split_whitespace()
                .last()
                .unwrap();
            if is_tokens(reference) {
                external_seen += 1;
                assert!(!is_internal(ours), "{} entry {i}", path.display());
                let shown = ours.to_string();
                assert_eq!(
                    shown.split_whitespace().last().unwrap(),
                    reference,
                    "{} entry {i}: {text}",
                    path.display()
                );
            } else {
                assert!(is_internal(ours), "{} entry {i}: {text}", path.display());
            }
        }
    }
    assert!(
        external_seen > 50,
        "the listings have many external references"
    );
}

#[test]
fn method_frames_match_the_listing() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let jca = std::fs::read_to_string(path.with_extension("jca")).expect("jca");
        let cap = CapFile::from_jar_bytes(bytes).unwrap();
        let mut listed: Vec<(u8, u8)> = Vec::new();
        let mut stack = None;
        for l in jca.lines().map(str::trim) {
            if let Some(v) = l.strip_prefix(".stack ") {
                stack = Some(v.trim_end_matches(';').parse::<u8>().unwrap());
            } else if let Some(v) = l.strip_prefix(".locals ") {
                let locals = v.trim_end_matches(';').parse::<u8>().unwrap();
                listed.push((stack.take().expect(".stack before .locals"), locals));
            }
        }
        let mut ours: Vec<(u8, u8)> = cap
            .methods()
            .unwrap()
            .into_iter()
            .filter_map(|m| m.method)
            .filter(|m| !m.header.is_abstract())
            .map(|m| (m.header.max_stack, m.header.max_locals))
            .collect();
        listed.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, listed, "{}", path.display());
    }
}

#[test]
fn method_table_bases_match_the_listing() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let jca = std::fs::read_to_string(path.with_extension("jca")).expect("jca");
        let cap = CapFile::from_jar_bytes(bytes).unwrap();
        let base = |prefix: &str| -> Vec<u8> {
            let mut v: Vec<u8> = jca
                .lines()
                .filter_map(|l| l.trim().strip_prefix(prefix))
                .map(|r| r.trim_end_matches(" {").parse().unwrap())
                .collect();
            v.sort_unstable();
            v
        };
        let mut public: Vec<u8> = cap
            .class
            .classes
            .iter()
            .map(|c| c.public_method_table_base)
            .collect();
        let mut package: Vec<u8> = cap
            .class
            .classes
            .iter()
            .map(|c| c.package_method_table_base)
            .collect();
        public.sort_unstable();
        package.sort_unstable();
        assert_eq!(public, base(".publicMethodTable "), "{}", path.display());
        assert_eq!(package, base(".packageMethodTable "), "{}", path.display());
    }
}
