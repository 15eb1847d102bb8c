//! The readable dump shows what the reference converter's listing says about a golden CAP.

mod cap_common;

use cap_common::golden_dir;
use jcos_vm::cap::{CapFile, JcType};

fn load(rel: &str) -> Option<CapFile> {
    let dir = golden_dir();
    if !dir.is_dir() {
        println!("skipped: ../shared not present");
        return None;
    }
    Some(CapFile::from_bytes(&std::fs::read(dir.join(rel)).expect("read")).expect("parse"))
}

#[test]
fn server_dump_shows_listing_facts() {
    let Some(cap) = load("sio-server/server.cap") else {
        return;
    };
    let text = cap.to_string();
    // server.jca: imports java/lang 1.0 and javacard/framework 1.6.
    assert!(
        text.contains("  0: A0000000620001 v1.0\n  1: A0000000620101 v1.6\n"),
        "{text}"
    );
    // server.jca: "staticMethodRef 1.8.6()Ljavacard/framework/AID;" with AID = class 1.6.
    assert!(
        text.contains("  9: staticMethodRef 1.8.6 ()L1.6;\n"),
        "{text}"
    );
    // server.jca: "instanceFieldRef byte[] Server/secret".
    assert!(
        text.contains("  0: instanceFieldRef @0x0003.0 [B\n"),
        "{text}"
    );
    // server.jca: CLIENT = {-16,74,67,79,83,16,4,1}.
    assert!(
        text.contains("array 0 (8 elements of [B): F04A434F53100401"),
        "{text}"
    );
    // server.jca: "virtualMethodRef 1.6.2([BSB)Z" (AID.equals).
    assert!(
        text.contains("  6: virtualMethodRef 1.6.2 ([BSB)Z\n"),
        "{text}"
    );
    // Header flags: an applet package with an Export component.
    assert!(
        text.starts_with("Header: CAP format 2.1, flags ACC_EXPORT ACC_APPLET"),
        "{text}"
    );
}

#[test]
fn type_strings_follow_java_descriptors() {
    let Some(cap) = load("sio-server/server.cap") else {
        return;
    };
    // Constant pool entry 15 is Util.arrayCopyNonAtomic([BS[BSS)S in server.jca.
    assert_eq!(
        cap.constant_pool_type_string(15).as_deref(),
        Some("([BS[BSS)S")
    );
    // Entry 2 is a class reference: no type.
    assert_eq!(cap.constant_pool_type_string(2), None);
    let types = cap
        .descriptor
        .type_at(cap.descriptor.types.constant_pool_types[9])
        .expect("type of entry 9")
        .types()
        .expect("decodes");
    assert_eq!(
        types,
        vec![JcType::Reference(jcos_vm::cap::ClassRef::External {
            package_token: 1,
            class_token: 6
        })]
    );
    let named = types[0].to_descriptor_with(&|_| "javacard/framework/AID".to_string());
    assert_eq!(named, "Ljavacard/framework/AID;");
}

#[test]
fn ops_methods_are_all_reachable_through_the_descriptor() {
    let Some(cap) = load("ops/ops.cap") else {
        return;
    };
    let methods = cap.methods().expect("methods");
    // ops.jca lists 31 methods with bodies (.stack/.locals) and 2 abstract ones
    // (Named.code in the interface and Shape.area).
    let bodies = methods
        .iter()
        .filter(|m| m.method.is_some_and(|i| !i.header.is_abstract()))
        .count();
    assert_eq!(bodies, 31);
    let abstract_with_header = methods
        .iter()
        .filter(|m| m.method.is_some_and(|i| i.header.is_abstract()))
        .count();
    assert_eq!(
        abstract_with_header, 1,
        "Shape.area has an abstract method_info"
    );
    // The Applet component's install offset is Ops.install ([BSB)V.
    let install = cap.applet.as_ref().unwrap().applets[0].install_method_offset;
    let m = cap.method_at(install).expect("install method");
    assert_eq!(
        (m.header.max_stack, m.header.nargs, m.header.max_locals),
        (2, 3, 0)
    );
}
