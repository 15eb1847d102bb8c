//! Disassembles the Method components of the golden CAPs and checks every method's mnemonic
//! sequence against the reference converter's `.jca` listing.

use std::io::Read;
use std::path::{Path, PathBuf};

use jcos_vm::isa::decode;

fn golden_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/jcvm-golden");
    dir.is_dir().then_some(dir)
}

/// One `.method` block of a `.jca` listing.
#[derive(Debug)]
struct JcaMethod {
    name: String,
    in_interface: bool,
    is_abstract: bool,
    mnemonics: Vec<String>,
}

/// Reads the methods, in listing order, with the mnemonic of every instruction.
fn jca_methods(text: &str) -> Vec<JcaMethod> {
    let mut methods = Vec::new();
    let mut in_interface = false;
    let mut current: Option<JcaMethod> = None;
    let mut in_table = false;
    for raw in text.lines() {
        let line = raw.trim();
        if let Some(m) = current.as_mut() {
            if in_table {
                in_table = line != "}";
                continue;
            }
            if line.starts_with(".exceptionTable") {
                in_table = true;
            } else if line == "}" {
                methods.extend(current.take());
            } else if !(line.is_empty() || line.starts_with('.') || line.starts_with("//")) {
                let insn = match line.split_once(':') {
                    Some((label, rest)) if label.starts_with('L') => rest.trim(),
                    _ => line,
                };
                let mnemonic: String = insn
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                m.mnemonics.push(mnemonic);
            }
            continue;
        }
        // Top-level declarations sit one tab in; a class's implemented interfaces sit deeper.
        let top_level = raw.starts_with('\t') && !raw.starts_with("\t\t");
        if top_level && line.starts_with(".interface") {
            in_interface = true;
        } else if top_level && line.starts_with(".class") {
            in_interface = false;
        } else if let Some(sig) = line.strip_prefix(".method") {
            let head = sig.split('(').next().unwrap_or("");
            let words: Vec<&str> = head.split_whitespace().collect();
            current = Some(JcaMethod {
                name: words.last().copied().unwrap_or("").to_string(),
                in_interface,
                is_abstract: words.contains(&"abstract"),
                mnemonics: Vec::new(),
            });
        }
    }
    methods
}

fn method_component(cap: &Path) -> Vec<u8> {
    let file = std::fs::File::open(cap).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let name = zip
        .file_names()
        .find(|n| n.ends_with("/javacard/Method.cap"))
        .map(str::to_string)
        .expect("Method.cap in JAR");
    let mut bytes = Vec::new();
    zip.by_name(&name).unwrap().read_to_end(&mut bytes).unwrap();
    bytes
}

const ACC_EXTENDED: u8 = 0x80;
const ACC_ABSTRACT: u8 = 0x40;

#[test]
fn golden_method_bodies_match_jca_listings() {
    let Some(dir) = golden_dir() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    let mut checked_methods = 0;
    let mut checked_fixtures = 0;
    for fixture in &fixtures {
        let find = |ext: &str| {
            std::fs::read_dir(fixture)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|e| e == ext))
                .unwrap()
        };
        let jca = std::fs::read_to_string(find("jca")).unwrap();
        let method = method_component(&find("cap"));
        assert_eq!(method[0], 7, "COMPONENT_Method tag");
        let size = usize::from(u16::from_be_bytes([method[1], method[2]]));
        assert_eq!(method.len(), 3 + size);
        let handlers = usize::from(method[3]);
        let mut pos = 4 + 8 * handlers;
        for m in jca_methods(&jca).iter().filter(|m| !m.in_interface) {
            let flags = method[pos];
            let header_len = if flags & ACC_EXTENDED != 0 { 4 } else { 2 };
            pos += header_len;
            if m.is_abstract {
                assert!(flags & ACC_ABSTRACT != 0, "{}: abstract header", m.name);
                assert!(m.mnemonics.is_empty());
                continue;
            }
            let mut got = Vec::new();
            for _ in &m.mnemonics {
                let insn = decode(&method, pos)
                    .unwrap_or_else(|e| panic!("{}: {} in {}", fixture.display(), e, m.name));
                got.push(insn.opcode.mnemonic().to_string());
                pos += insn.len;
            }
            assert_eq!(got, m.mnemonics, "{} {}", fixture.display(), m.name);
            checked_methods += 1;
        }
        assert_eq!(
            pos,
            method.len(),
            "{}: all bytecode accounted for",
            fixture.display()
        );
        checked_fixtures += 1;
    }
    eprintln!("{checked_fixtures} fixtures, {checked_methods} method bodies checked");
    assert_eq!(checked_fixtures, 6);
    assert!(checked_methods > 50, "{checked_methods} methods checked");
}
