//! The converter on small programs written for the purpose: the Java Card subset is enforced
//! with class, method and line; int arithmetic is rejected unless allowed, and then runs
//! with Java's results; output is deterministic; export maps keep tokens.

mod common;

use std::path::{Path, PathBuf};

use jcos_convert::convert::{convert, ConvertError, Options};
use jcos_convert::javac::Javac;
use jcos_vm::Vm;

fn options(classes: &Path, package: &str) -> Options {
    Options {
        classes: classes.to_path_buf(),
        package: package.into(),
        aid: vec![0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x7E],
        version: (1, 0),
        applets: Vec::new(),
        export_path: Vec::new(),
        export_map: None,
        int: false,
        debug: false,
    }
}

fn compile(javac: &Javac, dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    common::compile(javac, dir, files, &[common::stub_classes(javac)])
}

/// Converts one source file of package `demo.bad` and returns the error.
fn refused(javac: &Javac, source: &str) -> ConvertError {
    let dir = tempfile::tempdir().expect("tempdir");
    let classes = compile(javac, dir.path(), &[("demo/bad/Bad.java", source)]);
    match convert(&options(&classes, "demo.bad")) {
        Ok(_) => panic!("converted:\n{source}"),
        Err(e) => e,
    }
}

const HEADER: &str = "package demo.bad;\nimport javacard.framework.*;\npublic class Bad extends Applet {\n    public static void install(byte[] b, short o, byte l) { new Bad().register(); }\n";

#[test]
fn long_and_float_are_refused_with_class_method_and_line() {
    let Some(javac) = common::javac("convert::long_and_float") else {
        return;
    };
    // Line 6 computes in long, line 7 in float.
    let long = format!("{HEADER}    public void process(APDU apdu) {{\n        long x = apdu.getBuffer()[0];\n        x = x * 3;\n        apdu.getBuffer()[1] = (byte) x;\n    }}\n}}\n");
    let e = refused(&javac, &long);
    let at = e.location().expect("a location");
    assert_eq!(at.class, "demo.bad.Bad");
    assert_eq!(
        at.method.as_deref(),
        Some("process(Ljavacard/framework/APDU;)V")
    );
    assert_eq!(at.line, Some(6), "{e}");
    assert!(e.to_string().contains("long"), "{e}");
    assert!(e.to_string().contains("line 6 (Bad.java:6)"), "{e}");

    let float = format!("{HEADER}    public void process(APDU apdu) {{\n        byte[] b = apdu.getBuffer();\n        float f = b[0] * 1.5f;\n        b[1] = (byte) f;\n    }}\n}}\n");
    let e = refused(&javac, &float);
    let at = e.location().expect("a location");
    assert_eq!(
        (at.class.as_str(), at.line),
        ("demo.bad.Bad", Some(7)),
        "{e}"
    );
    assert!(e.to_string().contains("float"), "{e}");

    // A long field is refused at the field.
    let field = format!("{HEADER}    long total;\n    public void process(APDU apdu) {{ }}\n}}\n");
    let e = refused(&javac, &field);
    assert_eq!(
        e.location().and_then(|a| a.field.as_deref()),
        Some("total"),
        "{e}"
    );
    assert!(e.to_string().contains("type long"), "{e}");
}

#[test]
fn other_java_features_outside_java_card_are_refused() {
    let Some(javac) = common::javac("convert::other_features") else {
        return;
    };
    let cases: [(&str, &str); 6] = [
        ("    short[][] grid = new short[2][2];\n    public void process(APDU apdu) { }\n", "multi-dimensional"),
        ("    public void process(APDU apdu) { String s = \"x\"; apdu.getBuffer()[0] = (byte) s.length(); }\n", "String"),
        ("    public synchronized void process(APDU apdu) { }\n", "synchronized"),
        ("    public void process(APDU apdu) { synchronized (this) { apdu.getBuffer()[0] = 1; } }\n", "synchronized"),
        ("    char c;\n    public void process(APDU apdu) { }\n", "char"),
        ("    public void process(APDU apdu) { double d = apdu.getBuffer()[0]; apdu.getBuffer()[0] = (byte) d; }\n", "double"),
    ];
    for (body, word) in cases {
        let e = refused(&javac, &format!("{HEADER}{body}}}\n"));
        assert!(e.to_string().contains(word), "{word}: {e}");
        assert_eq!(
            e.location().map(|a| a.class.as_str()),
            Some("demo.bad.Bad"),
            "{e}"
        );
    }
}

#[test]
fn int_arithmetic_needs_the_int_option() {
    let Some(javac) = common::javac("convert::int_option") else {
        return;
    };
    // Line 8 compares a sum computed in int without a cast: Java Card would compare the
    // short sum, which differs when it overflows.
    let src = format!("{HEADER}    public void process(APDU apdu) {{\n        byte[] b = apdu.getBuffer();\n        short x = Util.getShort(b, (short) 5);\n        if (x + x > 100) b[0] = 1;\n    }}\n}}\n");
    let e = refused(&javac, &src);
    let msg = e.to_string();
    assert_eq!(e.location().and_then(|a| a.line), Some(8), "{msg}");
    assert!(msg.contains("--int") && msg.contains("cast"), "{msg}");
    // With the cast, short arithmetic is Java's arithmetic and no int is needed.
    let fixed = src.replace("if (x + x > 100)", "if ((short) (x + x) > 100)");
    let dir = tempfile::tempdir().expect("tempdir");
    let classes = compile(&javac, dir.path(), &[("demo/bad/Bad.java", &fixed)]);
    let conv = convert(&options(&classes, "demo.bad")).expect("converts");
    assert_eq!(conv.cap.header.flags & 0x01, 0, "no ACC_INT");
}

const INTS: &str = r#"package demo.ints;

import javacard.framework.*;

public class Ints extends Applet {
    static int total = 100000;
    int last;
    int[] history = new int[4];

    public static void install(byte[] b, short o, byte l) {
        new Ints().register();
    }

    static int square(int v) {
        return v * v;
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        apdu.setIncomingAndReceive();
        int a = Util.getShort(buf, ISO7816.OFFSET_CDATA);
        int b = Util.getShort(buf, (short) (ISO7816.OFFSET_CDATA + 2));
        int p = a * b;
        total += p;
        last = p >> 3;
        history[buf[ISO7816.OFFSET_P1] & 3] = p;
        int sum = 0;
        for (int i = 0; i < history.length; i++) {
            sum += history[(short) i] / 7;
        }
        short big = (short) (p > 70000 ? 1 : 0);
        short sw;
        switch (p) {
            case 100000: sw = 1; break;
            case -6: sw = 2; break;
            default: sw = 3;
        }
        Util.setShort(buf, (short) 0, (short) (p >>> 16));
        Util.setShort(buf, (short) 2, (short) p);
        Util.setShort(buf, (short) 4, (short) (total >> 16));
        Util.setShort(buf, (short) 6, (short) total);
        Util.setShort(buf, (short) 8, (short) (last >> 16));
        Util.setShort(buf, (short) 10, (short) last);
        Util.setShort(buf, (short) 12, (short) (sum >> 16));
        Util.setShort(buf, (short) 14, (short) sum);
        Util.setShort(buf, (short) 16, big);
        Util.setShort(buf, (short) 18, sw);
        Util.setShort(buf, (short) 20, (short) (square(a) >> 16));
        apdu.setOutgoingAndSend((short) 0, (short) 22);
    }
}
"#;

/// What the Ints applet answers for a (a, b, p1) command, by Java's int semantics.
fn ints_expected(total: &mut i32, history: &mut [i32; 4], a: i16, b: i16, p1: u8) -> Vec<u8> {
    let (a, b) = (i32::from(a), i32::from(b));
    let p = a.wrapping_mul(b);
    *total = total.wrapping_add(p);
    let last = p >> 3;
    history[usize::from(p1 & 3)] = p;
    let sum: i32 = history.iter().map(|h| h / 7).fold(0, i32::wrapping_add);
    let big: i16 = if p > 70000 { 1 } else { 0 };
    let sw: i16 = match p {
        100000 => 1,
        -6 => 2,
        _ => 3,
    };
    let mut out = Vec::new();
    for v in [
        ((p as u32) >> 16) as i16,
        p as i16,
        (*total >> 16) as i16,
        *total as i16,
        (last >> 16) as i16,
        last as i16,
        (sum >> 16) as i16,
        sum as i16,
        big,
        sw,
        (a.wrapping_mul(a) >> 16) as i16,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&[0x90, 0x00]);
    out
}

#[test]
fn int_programs_convert_with_the_int_option_and_compute_like_java() {
    let Some(javac) = common::javac("convert::int_programs") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let classes = compile(&javac, dir.path(), &[("demo/ints/Ints.java", INTS)]);
    let mut opts = options(&classes, "demo.ints");
    opts.applets = vec![(
        vec![0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x7E, 0x01],
        "Ints".into(),
    )];
    let e = convert(&opts).expect_err("int needs the option");
    assert!(e.to_string().contains("--int"), "{e}");
    opts.int = true;
    let conv = convert(&opts).expect("converts with --int");
    assert_eq!(conv.cap.header.flags & 0x01, 0x01, "ACC_INT");
    let imports = jcos_vm::verify::ImportSet::builtin().expect("API");
    jcos_vm::verify::verify(&conv.cap, &imports).expect("verifies");

    let mut vm = Vm::new().expect("VM");
    let mut rt = common::session::TestRuntime::default();
    vm.load_bytes(&conv.cap_jar().expect("jar")).expect("loads");
    let aid = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x7E, 0x01];
    vm.install(&aid, &aid, &[], &mut rt).expect("installs");
    let applet = vm.applet_by_aid(&aid).expect("applet");
    let mut select = vec![0x00, 0xA4, 0x04, 0x00, 0x07];
    select.extend_from_slice(&aid);
    rt.set_command(&select);
    assert_eq!(
        vm.select(applet, &mut rt),
        jcos_vm::Outcome::Completed(true)
    );
    rt.selecting = true;
    assert_eq!(vm.process(applet, &mut rt).status_word(), 0x9000);
    let (mut total, mut history) = (100000i32, [0i32; 4]);
    for (a, b, p1) in [
        (400i16, 250i16, 0u8),
        (300, 300, 1),
        (-3, 2, 2),
        (-32768, -32768, 3),
        (12345, -7, 5),
    ] {
        let mut cmd = vec![0x80, 0x10, p1, 0x00, 0x04];
        cmd.extend_from_slice(&a.to_be_bytes());
        cmd.extend_from_slice(&b.to_be_bytes());
        rt.set_command(&cmd);
        let sw = vm.process(applet, &mut rt).status_word();
        let mut got = rt.response.clone();
        got.extend_from_slice(&sw.to_be_bytes());
        assert_eq!(
            got,
            ints_expected(&mut total, &mut history, a, b, p1),
            "a={a} b={b}"
        );
    }
}

#[test]
fn output_is_deterministic() {
    let Some(javac) = common::javac("convert::deterministic") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let classes = compile(&javac, dir.path(), &[("demo/ints/Ints.java", INTS)]);
    let mut opts = options(&classes, "demo.ints");
    opts.int = true;
    opts.applets = vec![(
        vec![0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x7E, 0x01],
        "Ints".into(),
    )];
    let a = convert(&opts).expect("converts");
    let b = convert(&opts).expect("converts");
    assert_eq!(a.cap_jar().expect("jar"), b.cap_jar().expect("jar"));
    assert_eq!(
        a.export_bytes().expect("exp"),
        b.export_bytes().expect("exp")
    );
    assert_eq!(a.listing, b.listing);
}

const LIB_V1: &str = "package demo.lib;\npublic class Tools {\n    public static short twice(short v) { return (short) (v * 2); }\n    public short scale(short v) { return (short) (v * 3); }\n    public static final short LIMIT = 12;\n}\n";
const LIB_V2: &str = "package demo.lib;\npublic class Tools {\n    public static short half(short v) { return (short) (v / 2); }\n    public short shift(short v) { return (short) (v << 1); }\n    public static short twice(short v) { return (short) (v * 2); }\n    public short scale(short v) { return (short) (v * 3); }\n    public static final short LIMIT = 12;\n}\n";

#[test]
fn an_export_map_keeps_a_library_binary_compatible() {
    let Some(javac) = common::javac("convert::export_map") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let v1 = compile(
        &javac,
        &dir.path().join("v1"),
        &[("demo/lib/Tools.java", LIB_V1)],
    );
    let conv1 = convert(&options(&v1, "demo.lib")).expect("v1");
    let exp1 = dir.path().join("v1.exp");
    std::fs::write(&exp1, conv1.export_bytes().expect("exp")).expect("write");
    let view1 = conv1.export.package().expect("view");
    assert!(view1.is_library);
    let tools1 = view1.class_by_name("demo/lib/Tools").expect("Tools");
    assert_eq!(view1.constant("demo/lib/Tools", "LIMIT"), Some(12));
    let _ = tools1;

    let v2 = compile(
        &javac,
        &dir.path().join("v2"),
        &[("demo/lib/Tools.java", LIB_V2)],
    );
    let token = |v: &jcos_vm::export::PackageView, name: &str| {
        v.class_by_name("demo/lib/Tools")
            .and_then(|c| c.methods.iter().find(|m| m.name == name))
            .map(|m| m.token)
    };
    // Without the map, the new methods declared first take the old tokens.
    let plain = convert(&options(&v2, "demo.lib"))
        .expect("v2")
        .export
        .package()
        .expect("view");
    assert_ne!(token(&plain, "twice"), token(&view1, "twice"));
    // With it, old members keep their tokens and new ones come after.
    let mut opts = options(&v2, "demo.lib");
    opts.export_map = Some(exp1);
    let mapped = convert(&opts)
        .expect("v2 mapped")
        .export
        .package()
        .expect("view");
    for m in ["twice", "scale", "<init>"] {
        assert_eq!(token(&mapped, m), token(&view1, m), "{m}");
    }
    assert_eq!(
        token(&mapped, "half"),
        Some(2),
        "after <init> (0) and twice (1)"
    );
    assert_eq!(
        token(&mapped, "shift"),
        Some(token(&view1, "scale").expect("scale") + 1)
    );
}
