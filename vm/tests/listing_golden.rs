//! The CAP listing behind `jcos cap dump` on the golden CAPs: external references carry the
//! names the reference converter's `.jca` listings give them, and every method disassembles.

use jcos_vm::cap::CapFile;
use jcos_vm::export;
use jcos_vm::listing::Listing;
use jcos_vm::verify::ImportSet;
use std::path::{Path, PathBuf};

fn golden() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/jcvm-golden");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared not present ({})", dir.display());
        None
    }
}

fn listing(dir: &Path, fixture: &str, cap: &str) -> Listing {
    let cap = CapFile::from_bytes(&std::fs::read(dir.join(fixture).join(cap)).unwrap()).unwrap();
    let server = std::fs::read(dir.join("sio-server/server.exp")).unwrap();
    let imports = ImportSet::builtin()
        .unwrap()
        .with(export::parse(&server).unwrap().package().unwrap());
    Listing::build(&cap, &imports)
}

fn resolved(l: &Listing, index: u16) -> &str {
    &l.constant_pool[usize::from(index)].resolved
}

#[test]
fn external_references_carry_their_api_names() {
    let Some(dir) = golden() else { return };
    let ops = listing(&dir, "ops", "ops.cap");
    // Expected names from ops.jca: "// 5 staticMethodRef 0.0.0()V; // java/lang/Object.<init>()V" etc.
    assert_eq!(resolved(&ops, 5), "java/lang/Object.<init>()V");
    assert_eq!(
        resolved(&ops, 6),
        "javacard/framework/CardRuntimeException.<init>(S)V"
    );
    assert_eq!(resolved(&ops, 15), "javacard/framework/Applet.register()V");
    assert_eq!(resolved(&ops, 16), "javacard/framework/APDU.getBuffer()[B");
    let names: Vec<_> = ops.imports.iter().map(|i| i.name.clone()).collect();
    assert_eq!(
        names,
        vec![
            Some("java/lang".to_string()),
            Some("javacard/framework".to_string())
        ]
    );
    assert_eq!(ops.package_aid, "F04A434F531001");
}

#[test]
fn user_package_references_are_named_from_its_export_file() {
    let Some(dir) = golden() else { return };
    let client = listing(&dir, "sio-client", "client.cap");
    let text = client.to_string();
    assert!(
        text.contains("golden/sio/server/Counter"),
        "the client's references into sio-server are named:\n{text}"
    );
}

#[test]
fn every_method_of_every_golden_cap_disassembles() {
    let Some(dir) = golden() else { return };
    let mut caps = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let fixture = entry.unwrap().path();
        if !fixture.is_dir() {
            continue;
        }
        let Some(cap) = std::fs::read_dir(&fixture)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "cap"))
        else {
            continue;
        };
        caps += 1;
        let name = fixture.file_name().unwrap().to_str().unwrap().to_string();
        let l = listing(&dir, &name, cap.file_name().unwrap().to_str().unwrap());
        assert!(!l.methods.is_empty(), "{name}");
        for m in &l.methods {
            assert!(
                m.code.iter().all(|c| !c.text.starts_with('<')),
                "{name}: {} {} has a decode error",
                m.class,
                m.signature
            );
            if m.offset.is_some() && !m.access.contains("abstract") {
                assert!(!m.code.is_empty(), "{name}: {} has no code", m.signature);
            }
        }
        // Every constant pool operand in the code is annotated.
        let annotated = l
            .methods
            .iter()
            .flat_map(|m| &m.code)
            .filter(|c| c.text.starts_with("invoke"))
            .all(|c| c.comment.is_some());
        assert!(annotated, "{name}: an invoke without a resolved comment");
    }
    assert_eq!(caps, 6);
}
