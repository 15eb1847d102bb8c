//! The built-in API tables, checked against values from the Java Card 3.0.5 and GlobalPlatform
//! 1.6 specifications and the reference converter's listings of the golden fixtures.

use jcos_vm::api::{self, Api};
use jcos_vm::export::{access, FormatVersion, MemberKind, PackageVersion, NO_TOKEN};

fn api() -> &'static Api {
    api::builtin().unwrap_or_else(|e| panic!("{e}"))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn package_aids_and_versions() {
    let api = api();
    // (name, AID, version): AIDs from the JCVM/API specifications; versions as imported by the
    // golden .jca listings (java/lang 1.0, javacard/framework 1.6, javacard/security 1.6,
    // javacardx/crypto 1.6).
    for (name, aid, version) in [
        ("java/lang", "A0000000620001", "1.0"),
        ("java/io", "A0000000620002", "1.0"),
        ("java/rmi", "A0000000620003", "1.0"),
        ("javacard/framework", "A0000000620101", "1.6"),
        ("javacard/framework/service", "A000000062010101", "1.0"),
        ("javacard/security", "A0000000620102", "1.6"),
        ("javacardx/crypto", "A0000000620201", "1.6"),
        ("org/globalplatform", "A00000015100", "1.6"),
        // jcos's own API, under the jcos RID F04A434F53 (docs/converter.md).
        ("jcos/framework", "F04A434F5301", "1.1"),
    ] {
        let p = api
            .package_by_name(name)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(p.aid, hex(aid), "{name}");
        assert_eq!(p.version.to_string(), version, "{name}");
        assert_eq!(
            api.package_by_aid(&hex(aid)).map(|p| &p.name[..]),
            Some(name)
        );
        let v = api.view_by_aid(&hex(aid)).unwrap();
        assert_eq!(v.name, name);
        assert!(v.is_library);
    }
    assert_eq!(
        api.package_by_name("javacard.framework").map(|p| p.version),
        Some(PackageVersion { major: 1, minor: 6 })
    );
    assert_eq!(api.javacard.packages.len(), 18);
    assert_eq!(api.globalplatform.packages.len(), 1);
    assert_eq!(api.jcos.packages.len(), 1);
    assert_eq!(api.views().len(), 20);
    assert_eq!(
        api.package_by_name("java/lang").unwrap().export_format,
        FormatVersion::V2_1
    );
}

#[test]
fn framework_tokens_match_the_golden_listings() {
    let fw = api().view_by_name("javacard/framework").unwrap();
    // ops.jca: `virtualMethodRef 1.3.1()V; // register()V`
    let applet = fw.class_by_token(3).unwrap();
    assert_eq!(applet.name, "javacard/framework/Applet");
    let register = applet.method_by_token(1, MemberKind::Instance).unwrap();
    assert_eq!(
        (&register.name[..], &register.descriptor[..]),
        ("register", "()V")
    );
    assert_eq!(
        fw.method(10, 8, MemberKind::Instance).map(|m| &m.name[..]),
        Some("setOutgoingAndSend")
    );
    assert!(fw.method(10, 8, MemberKind::Static).is_none());
    // ops.jca: `staticMethodRef 1.3.0()V; // javacard/framework/Applet.<init>()V`
    assert_eq!(
        applet.method_by_token(0, MemberKind::Static).unwrap().name,
        "<init>"
    );
    // ops.jca: `virtualMethodRef 1.3.3()Z; // selectingApplet()Z`
    assert_eq!(
        applet
            .method_by_name("selectingApplet", "()Z")
            .unwrap()
            .token,
        3
    );
    // ops.jca: `virtualMethodRef 1.10.1()[B; // getBuffer()[B`, `1.10.8(SS)V setOutgoingAndSend`
    let apdu = fw.class_by_name("APDU").unwrap();
    assert_eq!(apdu.token, 10);
    assert_eq!(apdu.method_by_name("getBuffer", "()[B").unwrap().token, 1);
    assert_eq!(
        apdu.method_by_token(8, MemberKind::Instance).unwrap().name,
        "setOutgoingAndSend"
    );
    // server.jca: `staticMethodRef 1.10.5()[B; // APDU.getCurrentAPDUBuffer()[B`
    let gcab = apdu.method_by_token(5, MemberKind::Static).unwrap();
    assert_eq!(gcab.name, "getCurrentAPDUBuffer");
    assert!(gcab.access & access::ACC_STATIC != 0);
    // ops.jca: `staticMethodRef 1.7.1(S)V; // javacard/framework/ISOException.throwIt(S)V`
    let iso_exception = fw.class_by_token(7).unwrap();
    assert_eq!(iso_exception.name, "javacard/framework/ISOException");
    assert_eq!(
        iso_exception
            .method_by_token(1, MemberKind::Static)
            .map(|m| (&m.name[..], &m.descriptor[..])),
        Some(("throwIt", "(S)V"))
    );
    // ops.jca: Util (class 16) arrayCompare 0, arrayCopyNonAtomic 2, getShort 4, setShort 6.
    let util = fw.class_by_token(16).unwrap();
    for (token, name) in [
        (0, "arrayCompare"),
        (2, "arrayCopyNonAtomic"),
        (3, "arrayFillNonAtomic"),
        (4, "getShort"),
        (6, "setShort"),
    ] {
        assert_eq!(
            util.method_by_token(token, MemberKind::Static)
                .unwrap()
                .name,
            name
        );
    }
    // server.jca: `.superInterfaces { 1.2; // javacard/framework/Shareable }`
    let shareable = fw.class_by_token(2).unwrap();
    assert_eq!(shareable.name, "javacard/framework/Shareable");
    assert!(shareable.is_interface() && shareable.is_shareable());
}

#[test]
fn java_lang_exception_classes() {
    let lang = api().view_by_name("java.lang").unwrap();
    // ops.jca class references 0.0 Object, 0.5 .. 0.9.
    for (token, name) in [
        (0, "java/lang/Object"),
        (5, "java/lang/ArrayIndexOutOfBoundsException"),
        (6, "java/lang/NegativeArraySizeException"),
        (7, "java/lang/NullPointerException"),
        (8, "java/lang/ClassCastException"),
        (9, "java/lang/ArithmeticException"),
    ] {
        assert_eq!(lang.class_by_token(token).unwrap().name, name);
    }
    let npe = lang.class_by_name("NullPointerException").unwrap();
    assert_eq!(
        npe.supers,
        [
            "java/lang/Object",
            "java/lang/Throwable",
            "java/lang/Exception",
            "java/lang/RuntimeException"
        ]
    );
}

#[test]
fn constants_from_the_api_specifications() {
    let api = api();
    let c = |class, field| api.constant(class, field);
    assert_eq!(
        c("javacard.framework.ISO7816", "SW_FILE_NOT_FOUND"),
        Some(0x6A82)
    );
    assert_eq!(
        c("javacard/framework/ISO7816", "SW_NO_ERROR"),
        Some(0x9000_u16 as i16 as i32)
    );
    assert_eq!(
        c("javacard.framework.ISO7816", "SW_INS_NOT_SUPPORTED"),
        Some(0x6D00)
    );
    assert_eq!(
        c("javacard.framework.ISO7816", "SW_WRONG_LENGTH"),
        Some(0x6700)
    );
    assert_eq!(c("javacard.framework.ISO7816", "OFFSET_CDATA"), Some(5));
    assert_eq!(
        c("javacard.framework.ISO7816", "INS_SELECT"),
        Some(0xA4_u8 as i8 as i32)
    );
    assert_eq!(
        c("javacard.framework.JCSystem", "CLEAR_ON_DESELECT"),
        Some(2)
    );
    assert_eq!(c("javacard.framework.JCSystem", "CLEAR_ON_RESET"), Some(1));
    assert_eq!(c("javacard.framework.APDU", "PROTOCOL_T1"), Some(1));
    assert_eq!(c("javacard.security.KeyBuilder", "TYPE_AES"), Some(15));
    assert_eq!(
        c("javacard.security.KeyBuilder", "LENGTH_AES_128"),
        Some(128)
    );
    assert_eq!(c("javacard.security.MessageDigest", "ALG_SHA_256"), Some(4));
    assert_eq!(
        c("javacardx.crypto.Cipher", "ALG_AES_BLOCK_128_CBC_NOPAD"),
        Some(13)
    );
    // GlobalPlatform Card API 1.6
    assert_eq!(c("org.globalplatform.GPSystem", "CARD_SECURED"), Some(0x0F));
    assert_eq!(
        c("org.globalplatform.GPSystem", "APPLICATION_SELECTABLE"),
        Some(0x07)
    );
    assert_eq!(c("org.globalplatform.GPSystem", "CARD_LOCKED"), Some(0x7F));
    assert_eq!(
        c("org.globalplatform.GPSystem", "CARD_TERMINATED"),
        Some(-1)
    );
    assert_eq!(c("org.globalplatform.SecureChannel", "C_MAC"), Some(0x01));
    assert_eq!(
        c("org.globalplatform.SecureChannel", "R_ENCRYPTION"),
        Some(0x20)
    );
    assert_eq!(
        c("org.globalplatform.SecureChannel", "AUTHENTICATED"),
        Some(-128)
    );
    assert_eq!(c("javacard.framework.ISO7816", "NO_SUCH_FIELD"), None);
    assert_eq!(c("no.such.Class", "X"), None);

    // Constants are inlined by the converter: they carry no token.
    let iso = api.view_by_name("javacard/framework").unwrap();
    let iso7816 = iso.class_by_name("ISO7816").unwrap();
    let f = iso7816.field_by_name("SW_FILE_NOT_FOUND").unwrap();
    assert_eq!((f.token, &f.descriptor[..]), (NO_TOKEN, "S"));
    assert_eq!(f.kind(), MemberKind::Static);
    assert!(iso7816
        .field_by_token(NO_TOKEN, MemberKind::Static)
        .is_none());
}

#[test]
fn views_match_the_tables() {
    let api = api();
    for (pkg, view) in api.packages().zip(api.views()) {
        assert_eq!(&api::export_view(pkg), view);
        assert_eq!(view.classes.len(), pkg.classes.len());
        for class in &pkg.classes {
            let v = view.class_by_token(class.token).unwrap();
            assert_eq!(
                v.name, class.name,
                "class tokens are unique in {}",
                pkg.name
            );
            for m in &class.methods {
                let found = v.method_by_name(&m.name, &m.descriptor).unwrap();
                assert_eq!(found.token, m.token);
            }
        }
    }
}
