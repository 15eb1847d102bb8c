//! The golden export files: byte-exact round trip and the resolved view, with expected values
//! from the fixtures' `fixture.env` and the reference converter's `.jca` listings.

use std::path::{Path, PathBuf};

use jcos_vm::export::{self, access, FormatVersion, MemberKind, PackageVersion};

fn golden_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/jcvm-golden");
    dir.is_dir().then_some(dir)
}

fn golden_exports(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "exp"))
        .collect();
    files.sort();
    files
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_golden_export_round_trips_byte_exactly() {
    let Some(dir) = golden_dir() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let files = golden_exports(&dir);
    assert_eq!(files.len(), 6, "{files:?}");
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let file = export::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(export::write(&file).unwrap(), bytes, "{}", path.display());
        // Every golden file names its package as fixture.env does.
        let env = std::fs::read_to_string(path.with_file_name("fixture.env")).unwrap();
        let field = |key: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .unwrap()
                .to_string()
        };
        let view = file.package().unwrap();
        assert_eq!(view.dotted_name(), field("PKG"), "{}", path.display());
        assert_eq!(view.aid, hex(&field("PKG_AID")), "{}", path.display());
        assert_eq!(view.version.to_string(), field("VERSION"));
        assert_eq!(view.format, FormatVersion::V2_3);
    }
}

#[test]
fn applet_only_package_exports_nothing() {
    let Some(dir) = golden_dir() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let bytes = std::fs::read(dir.join("ops/ops.exp")).unwrap();
    let view = export::parse(&bytes).unwrap().package().unwrap();
    assert_eq!(view.name, "golden/ops");
    assert!(!view.is_library, "ops declares an applet");
    assert!(view.classes.is_empty());
    assert!(view.referenced_packages.is_empty());
}

#[test]
fn shareable_interface_of_sio_server() {
    let Some(dir) = golden_dir() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let bytes = std::fs::read(dir.join("sio-server/server.exp")).unwrap();
    let file = export::parse(&bytes).unwrap();
    let view = file.package().unwrap();
    assert_eq!(view.name, "golden/sio/server");
    assert_eq!(view.aid, hex("F04A434F531003"));
    assert_eq!(view.version, PackageVersion { major: 1, minor: 0 });

    // server.jca imports java/lang 1.0 and javacard/framework 1.6.
    let refs: Vec<(String, Vec<u8>, String)> = view
        .referenced_packages
        .iter()
        .map(|p| (p.name.clone(), p.aid.clone(), p.version.to_string()))
        .collect();
    assert_eq!(
        refs,
        vec![
            ("java/lang".into(), hex("A0000000620001"), "1.0".into()),
            (
                "javacard/framework".into(),
                hex("A0000000620101"),
                "1.6".into()
            ),
        ]
    );

    // `.interface public abstract Counter 0 { .shareable; .superInterfaces { Shareable } }`
    assert_eq!(view.classes.len(), 1);
    let counter = view.class_by_token(0).unwrap();
    assert_eq!(counter.name, "golden/sio/server/Counter");
    assert!(view.class_by_name("Counter").is_some());
    assert!(view.class_by_name("golden.sio.server.Counter").is_some());
    assert!(counter.is_interface() && counter.is_shareable());
    assert!(counter.access & access::ACC_PUBLIC != 0);
    assert!(counter.access & access::ACC_ABSTRACT != 0);
    assert_eq!(counter.interfaces, vec!["javacard/framework/Shareable"]);
    assert_eq!(counter.supers, vec!["java/lang/Object"]);
    assert!(counter.fields.is_empty());

    // Interface method tokens as listed: next 0, leak 1, sum 2, callerInfo 3; the client's
    // listing invokes `invokeinterface 1 9 3` for callerInfo()S.
    let expected = [
        ("next", "(S)S", 0),
        ("leak", "()[B", 1),
        ("sum", "([BSS)S", 2),
        ("callerInfo", "()S", 3),
    ];
    for (name, descriptor, token) in expected {
        let m = counter.method_by_name(name, descriptor).unwrap();
        assert_eq!(m.token, token, "{name}");
        assert_eq!(m.kind(), MemberKind::Instance);
        assert_eq!(
            counter
                .method_by_token(token, MemberKind::Instance)
                .map(|m| &m.name[..]),
            Some(name)
        );
        assert!(counter.method_by_token(token, MemberKind::Static).is_none());
    }
    // Counter declares no public methods a CAP 2.2 subclass could inherit.
    assert_eq!(
        file.classes[0].cap22_inheritable_public_method_token_count,
        0
    );
}

#[test]
fn every_single_bit_flip_of_server_exp_is_handled() {
    let Some(dir) = golden_dir() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let good = std::fs::read(dir.join("sio-server/server.exp")).unwrap();
    let mut rejected = 0;
    for bit in 0..8 * good.len() {
        let mut bytes = good.clone();
        bytes[bit / 8] ^= 1 << (bit % 8);
        match export::parse(&bytes) {
            Ok(file) => {
                assert_eq!(export::write(&file).unwrap(), bytes, "bit {bit}");
                let _ = file.package();
            }
            Err(e) => {
                assert!(e.offset.unwrap() <= bytes.len(), "bit {bit}: {e}");
                rejected += 1;
            }
        }
    }
    assert!(rejected > 0);
}
