//! The API stubs: the committed sources are what the tables generate, and once compiled they
//! declare exactly the classes, members, flags and constants of the tables.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use jcos_convert::api::ApiSet;
use jcos_convert::classfile::{self, ConstantValue};
use jcos_convert::stubs;

fn committed_root() -> PathBuf {
    common::applets_dir().join("api/src")
}

#[test]
fn committed_stubs_are_up_to_date() {
    let api = ApiSet::load().expect("tables");
    let files = stubs::generate(&api.tables).expect("generate");
    let root = committed_root();
    if std::env::var_os("JCOS_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&root);
        stubs::write_sources(&files, &root).expect("write");
    }
    let mut committed = Vec::new();
    jcos_convert::javac::java_sources(&root)
        .expect("applets/api/src exists")
        .into_iter()
        .for_each(|p| committed.push(p));
    let expected: Vec<PathBuf> = files.iter().map(|f| root.join(&f.path)).collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(
        committed, sorted,
        "the same files (regenerate with `jcos api --src applets/api/src`)"
    );
    for f in &files {
        let on_disk = std::fs::read_to_string(root.join(&f.path)).expect("read");
        assert_eq!(
            on_disk,
            f.source,
            "{} is stale (regenerate with `jcos api --src applets/api/src`)",
            f.path.display()
        );
    }
}

/// Export-file access flags of a class as the class file spells them.
fn class_flags(export: u16) -> u16 {
    // public, final, interface and abstract share their values; shareable and remote are
    // Java Card notions without a class file flag.
    export & 0x0611
}

#[test]
fn compiled_stubs_declare_the_tables() {
    let Some(javac) = common::javac("stubs::compiled_stubs_declare_the_tables") else {
        return;
    };
    let api = ApiSet::load().expect("tables");
    let files = stubs::generate(&api.tables).expect("generate");
    let work = tempfile::tempdir().expect("tempdir");
    let classes = stubs::compile(&javac, &files, work.path()).expect("stubs compile");
    let mut checked = BTreeMap::new();
    for (_, table) in &api.tables {
        for p in &table.packages {
            for c in &p.classes {
                let path = classes.join(format!("{}.class", c.name));
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let cf = classfile::parse(&bytes).expect("class file");
                assert_eq!(cf.this_class, c.name);
                assert_eq!(
                    cf.access_flags & 0x0611,
                    class_flags(c.access),
                    "{} flags",
                    c.name
                );
                let sup = cf.super_class.clone().unwrap_or_default();
                if c.access & 0x0200 != 0 {
                    assert_eq!(sup, "java/lang/Object", "{}", c.name);
                } else if let Some(expected) = c.supers.last() {
                    assert_eq!(&sup, expected, "{} superclass", c.name);
                }
                for f in &c.fields {
                    let cff = cf
                        .field(&f.name)
                        .unwrap_or_else(|| panic!("{}.{}", c.name, f.name));
                    assert_eq!(cff.descriptor, f.descriptor);
                    assert_eq!(
                        cff.access_flags & 0x1F,
                        f.access & 0x1F,
                        "{}.{}",
                        c.name,
                        f.name
                    );
                    assert_eq!(
                        cff.constant_value,
                        f.constant.map(ConstantValue::Int),
                        "{}.{}",
                        c.name,
                        f.name
                    );
                }
                for m in &c.methods {
                    // Inherited methods are declared by a superclass or superinterface.
                    // Superclasses first, as Java resolves methods.
                    let mut queue = std::collections::VecDeque::from([cf.clone()]);
                    let mut found = None;
                    while let Some(o) = queue.pop_front() {
                        if let Some(mm) = o.method(&m.name, &m.descriptor) {
                            found = Some(mm.access_flags);
                            break;
                        }
                        for s in o.super_class.iter().chain(&o.interfaces) {
                            if let Some(p) = std::fs::read(classes.join(format!("{s}.class")))
                                .ok()
                                .and_then(|b| classfile::parse(&b).ok())
                            {
                                queue.push_back(p);
                            }
                        }
                    }
                    let flags =
                        found.unwrap_or_else(|| panic!("{}.{}{}", c.name, m.name, m.descriptor));
                    assert_eq!(
                        flags & 0x41D,
                        m.access & 0x41D,
                        "{}.{}{}",
                        c.name,
                        m.name,
                        m.descriptor
                    );
                }
                checked.insert(c.name.clone(), ());
            }
        }
    }
    assert!(checked.len() > 130, "{} classes", checked.len());
    assert!(checked.contains_key("jcos/framework/JcosSystem"));

    // An applet compiles against the jar form with any javac -cp.
    let jar = stubs::jar(&javac, &files).expect("jar");
    let jar_path = work.path().join("api.jar");
    std::fs::write(&jar_path, jar).expect("write jar");
    let dir = work.path().join("applet");
    common::compile(
        &javac,
        &dir,
        &[(
            "demo/Hello.java",
            "package demo;\nimport javacard.framework.*;\nimport jcos.framework.JcosSystem;\n\
             public class Hello extends Applet {\n  public static void install(byte[] b, short o, byte l) { new Hello().register(); }\n\
             public void process(APDU apdu) { if (selectingApplet()) return; byte[] buf = apdu.getBuffer();\n\
             Util.setShort(buf, (short) 0, JcosSystem.getVersion()); apdu.setOutgoingAndSend((short) 0, (short) 2);\n\
             if (buf[ISO7816.OFFSET_INS] == 0) ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED); }\n}\n",
        )],
        &[jar_path],
    );
}

#[test]
fn the_committed_jcos_framework_export_file_is_up_to_date() {
    let api = ApiSet::load().expect("tables");
    let files = api.jcos_export_files().expect("export files");
    assert_eq!(files.len(), 1);
    let root = common::applets_dir().join("api/exp");
    for (rel, bytes) in files {
        let committed = std::fs::read(root.join(&rel)).expect("committed export file");
        assert_eq!(
            committed,
            bytes,
            "{} is stale (regenerate with `jcos api --exp applets/api/exp`)",
            rel.display()
        );
        // It describes the table: package, AID, class token and method token.
        let view = jcos_vm::export::parse(&committed)
            .expect("parses")
            .package()
            .expect("view");
        assert_eq!(view.name, "jcos/framework");
        assert_eq!(view.aid, [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x01]);
        assert!(view.is_library);
        let c = view
            .class_by_name("jcos/framework/JcosSystem")
            .expect("JcosSystem");
        assert_eq!(
            c.method_by_name("getVersion", "()S").map(|m| m.token),
            Some(0)
        );
        assert_eq!(
            view.constant("jcos/framework/JcosSystem", "VERSION_MAJOR"),
            Some(1)
        );
    }
}
