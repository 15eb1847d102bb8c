//! The class file parser on javac output (values known from the Java source) and on damaged
//! input (errors, never panics).

mod common;

use jcos_convert::classfile::{self, Constant, ConstantValue, ACC_FINAL, ACC_PRIVATE, ACC_STATIC};
use proptest::prelude::*;

const SOURCE: &str = r#"package demo.pkg;

public class Sample implements Runnable {
    static final short LIMIT = 0x1234;
    private static byte[] table = { 1, 2, 3 };
    private int count;

    public void run() {
        try {
            count = count + LIMIT;
        } catch (RuntimeException e) {
            count = -1;
        }
    }

    class Inner {}
}
"#;

fn sample_bytes(release: &str) -> Option<Vec<u8>> {
    let javac = common::javac("classfile::sample")?;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("Sample.java");
    std::fs::write(&src, SOURCE).expect("write");
    let out = std::process::Command::new(javac.path())
        .args(["--release", release, "-g", "-Xlint:-options", "-d"])
        .arg(dir.path())
        .arg(&src)
        .output()
        .expect("javac runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(std::fs::read(dir.path().join("demo/pkg/Sample.class")).expect("class file"))
}

#[test]
fn parses_javac_output_for_release_7_and_17() {
    for (release, major) in [("7", 51), ("17", 61)] {
        let Some(bytes) = sample_bytes(release) else {
            return;
        };
        let c = classfile::parse(&bytes).expect("parses");
        assert_eq!(c.major_version, major);
        assert_eq!(c.this_class, "demo/pkg/Sample");
        assert_eq!(c.package_name(), "demo/pkg");
        assert_eq!(c.super_class.as_deref(), Some("java/lang/Object"));
        assert_eq!(c.interfaces, vec!["java/lang/Runnable".to_string()]);
        assert_eq!(c.source_file.as_deref(), Some("Sample.java"));
        assert!(c
            .inner_classes
            .iter()
            .any(|i| i.inner_class == "demo/pkg/Sample$Inner"
                && i.inner_name.as_deref() == Some("Inner")));

        let limit = c.field("LIMIT").expect("LIMIT");
        assert_eq!(limit.descriptor, "S");
        assert_eq!(
            limit.access_flags & (ACC_STATIC | ACC_FINAL),
            ACC_STATIC | ACC_FINAL
        );
        assert_eq!(limit.constant_value, Some(ConstantValue::Int(0x1234)));
        let table = c.field("table").expect("table");
        assert_eq!(table.descriptor, "[B");
        assert_eq!(table.access_flags & ACC_PRIVATE, ACC_PRIVATE);
        assert_eq!(table.constant_value, None);

        let clinit = c.method("<clinit>", "()V").expect("<clinit>");
        assert!(clinit.code.is_some());
        let run = c.method("run", "()V").expect("run");
        let code = run.code.as_ref().expect("code");
        assert_eq!(code.max_locals, 2, "this and e");
        assert_eq!(code.exception_table.len(), 1);
        let h = code.exception_table[0];
        assert_eq!(
            c.constant_pool.class_name(h.catch_type).unwrap(),
            "java/lang/RuntimeException"
        );
        // `count = count + LIMIT` is on line 10; the handler starts on the catch clause, line 11.
        assert_eq!(code.line_at(0), Some(10));
        assert_eq!(code.line_at(usize::from(h.handler_pc)), Some(11));
        assert!(code
            .local_variables
            .iter()
            .any(|v| v.name == "this" && v.index == 0));
        assert!(code
            .local_variables
            .iter()
            .any(|v| v.name == "e" && v.descriptor == "Ljava/lang/RuntimeException;"));
        assert!(
            code.stack_map_frames.is_some(),
            "javac 7+ writes a StackMapTable here"
        );
        // The Fieldref for `count` resolves through the constant pool.
        let found = c.constant_pool.entries.iter().enumerate().any(|(i, e)| {
            matches!(e, Constant::Fieldref { .. })
                && c.constant_pool
                    .member_ref(u16::try_from(i).unwrap())
                    .is_ok_and(|m| m.name == "count" && m.descriptor == "I")
        });
        assert!(found);
    }
}

/// A minimal class file: `public class T` with the constants given, no members.
fn minimal(extra_constants: &[u8], extra_count: u16) -> Vec<u8> {
    let mut b = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 55];
    b.extend_from_slice(&(5 + extra_count).to_be_bytes());
    b.extend_from_slice(&[1, 0, 1, b'T']); // #1 Utf8 T
    b.extend_from_slice(&[7, 0, 1]); // #2 Class T
    b.extend_from_slice(&[1, 0, 16]); // #3 Utf8 java/lang/Object
    b.extend_from_slice(b"java/lang/Object");
    b.extend_from_slice(&[7, 0, 3]); // #4 Class java/lang/Object
    b.extend_from_slice(extra_constants);
    b.extend_from_slice(&[0, 0x21, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    b
}

#[test]
fn newer_constant_kinds_parse() {
    // #5 NameAndType(#1,#1), #6 Dynamic(0,#5), #7 InvokeDynamic(0,#5), #8 Module(#1), #9 Package(#1)
    let extra = [
        12, 0, 1, 0, 1, 17, 0, 0, 0, 5, 18, 0, 0, 0, 5, 19, 0, 1, 20, 0, 1,
    ];
    let c = classfile::parse(&minimal(&extra, 5)).expect("parses");
    let kinds: Vec<&str> = c
        .constant_pool
        .entries
        .iter()
        .skip(5)
        .map(Constant::kind_name)
        .collect();
    assert_eq!(
        kinds,
        [
            "CONSTANT_NameAndType",
            "CONSTANT_Dynamic",
            "CONSTANT_InvokeDynamic",
            "CONSTANT_Module",
            "CONSTANT_Package"
        ]
    );
    assert_eq!(c.this_class, "T");
}

#[test]
fn errors_name_the_offset() {
    let mut b = minimal(&[], 0);
    b[0] = 0xCB;
    assert_eq!(
        classfile::parse(&b).unwrap_err().to_string(),
        "offset 0x0000: magic 0xcbfebabe is not 0xCAFEBABE"
    );
    // A Class constant naming a Class constant: offset of constant #2 is 14.
    let mut b = minimal(&[], 0);
    b[16] = 2;
    let e = classfile::parse(&b).unwrap_err();
    assert_eq!(e.offset, 14, "{e}");
    assert!(e.message.contains("constant pool entry 2"), "{e}");
    // An unknown tag.
    let e = classfile::parse(&minimal(&[2, 0, 0], 1)).unwrap_err();
    assert!(e.message.contains("unknown tag 2"), "{e}");
    // Trailing bytes.
    let mut b = minimal(&[], 0);
    b.push(0);
    assert!(classfile::parse(&b)
        .unwrap_err()
        .message
        .contains("left over"));
}

#[test]
fn every_truncation_is_an_error() {
    let Some(bytes) = sample_bytes("7") else {
        return;
    };
    for n in 0..bytes.len() {
        let e = classfile::parse(&bytes[..n]).expect_err("truncated");
        assert!(e.offset <= n, "offset {} beyond truncation {n}", e.offset);
    }
}

proptest! {
    #[test]
    fn damaged_class_files_never_panic(flips in proptest::collection::vec((0usize..400, any::<u8>()), 1..8)) {
        let mut b = minimal(&[12, 0, 1, 0, 1, 3, 0, 0, 0, 7], 2);
        for (at, v) in flips {
            if let Some(x) = b.get_mut(at % 60) {
                *x = v;
            }
        }
        let _ = classfile::parse(&b);
    }
}
