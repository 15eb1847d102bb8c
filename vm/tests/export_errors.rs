//! Export files built byte by byte from the chapter 5 layout: formats 2.1 and 2.3, constants,
//! and every kind of malformation, each reported with its offset; never a panic.

use jcos_vm::export::{self, Attribute, ExportErrorKind, FormatVersion, MemberKind, NO_TOKEN};
use proptest::prelude::*;

/// Big-endian byte builder.
#[derive(Default)]
struct B(Vec<u8>);

impl B {
    fn u1(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    fn u2(mut self, v: u16) -> Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn u4(mut self, v: u32) -> Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn utf8(self, s: &str) -> Self {
        let mut b = self.u1(1).u2(s.len() as u16);
        b.0.extend(s.as_bytes());
        b
    }
    fn package(self, flags: u8, name: u16, minor: u8, major: u8, aid: &[u8]) -> Self {
        let mut b = self
            .u1(13)
            .u1(flags)
            .u2(name)
            .u1(minor)
            .u1(major)
            .u1(aid.len() as u8);
        b.0.extend(aid);
        b
    }
    fn header(self, minor: u8, cp_count: u16) -> Self {
        self.u4(0x00FA_CADE).u1(minor).u1(2).u2(cp_count)
    }
}

const AID: &[u8] = &[0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01];

/// A format 2.1 library package `p` with one class `p/C`: a constant `K = 0x6A82`
/// (ConstantValue attribute), a static field `s`, a static method `m()V` and a virtual
/// method `v(S)B`.
fn library_2_1() -> Vec<u8> {
    B::default()
        .header(1, 12)
        .utf8("p") // 0
        .package(0x01, 0, 6, 1, AID) // 1
        .utf8("p/C") // 2
        .u1(7)
        .u2(2) // 3: Classref p/C
        .utf8("K") // 4
        .utf8("S") // 5
        .utf8("ConstantValue") // 6
        .u1(3)
        .u4(0x6A82) // 7: Integer
        .utf8("m") // 8
        .utf8("()V") // 9
        .utf8("v") // 10
        .utf8("(S)B") // 11
        .u2(1) // this_package
        .u1(1) // export_class_count
        .u1(4) // token
        .u2(0x0001) // public
        .u2(3) // name_index
        .u2(0) // no supers
        .u1(0) // no interfaces
        .u2(2) // fields
        .u1(NO_TOKEN)
        .u2(0x0019)
        .u2(4)
        .u2(5)
        .u2(1) // one attribute
        .u2(6)
        .u4(2)
        .u2(7)
        .u1(0)
        .u2(0x0009)
        .u2(10)
        .u2(5)
        .u2(0) // static field "v" of type S, token 0, no attributes
        .u2(2) // methods
        .u1(0)
        .u2(0x0009)
        .u2(8)
        .u2(9)
        .u1(0)
        .u2(0x0001)
        .u2(10)
        .u2(11)
        .0
}

#[test]
fn format_2_1_library_parses_resolves_and_round_trips() {
    let bytes = library_2_1();
    let file = export::parse(&bytes).unwrap();
    assert_eq!(file.format, FormatVersion::V2_1);
    assert!(file.referenced_packages.is_empty());
    assert_eq!(export::write(&file).unwrap(), bytes);
    assert!(matches!(
        file.classes[0].fields[0].attributes[0],
        Attribute::ConstantValue {
            name_index: 6,
            value_index: 7
        }
    ));

    let view = file.package().unwrap();
    assert_eq!(view.name, "p");
    assert!(view.is_library);
    assert_eq!(view.version.to_string(), "1.6");
    assert_eq!(view.constant("p/C", "K"), Some(0x6A82));
    assert_eq!(view.constant("C", "K"), Some(0x6A82));
    assert_eq!(
        view.field(4, 0, MemberKind::Static).map(|f| &f.name[..]),
        Some("v")
    );
    assert!(view.field(3, 0, MemberKind::Static).is_none());
    let c = view.class_by_token(4).unwrap();
    assert_eq!(c.simple_name(), "C");
    assert!(c.field_by_token(NO_TOKEN, MemberKind::Static).is_none());
    assert_eq!(c.field_by_token(0, MemberKind::Static).unwrap().name, "v");
    assert!(c.field_by_token(0, MemberKind::Instance).is_none());
    assert_eq!(c.method_by_token(0, MemberKind::Static).unwrap().name, "m");
    assert_eq!(
        c.method_by_token(0, MemberKind::Instance).unwrap().name,
        "v"
    );
}

/// The 2.3 layout of the same package: referenced packages after this_package and one
/// CAP22 count byte closing each class.
#[test]
fn format_2_3_items_are_read_and_written() {
    let bytes = B::default()
        .header(3, 5)
        .utf8("q") // 0
        .package(0, 0, 0, 1, &[0xF0, 1, 2, 3, 4]) // 1
        .utf8("java/lang") // 2
        .package(0, 2, 0, 1, &[0xA0, 0, 0, 0, 0x62, 0, 1]) // 3
        .u1(7)
        .u2(0) // 4: Classref "q" (names need not look like classes here)
        .u2(1) // this_package
        .u1(1)
        .u2(3) // referenced_packages = [3]
        .u1(1) // one class
        .u1(0)
        .u2(0x0E01)
        .u2(4)
        .u2(0)
        .u1(0)
        .u2(0)
        .u2(0)
        .u1(7) // CAP22 count
        .0;
    let file = export::parse(&bytes).unwrap();
    assert_eq!(file.referenced_packages, vec![3]);
    assert_eq!(
        file.classes[0].cap22_inheritable_public_method_token_count,
        7
    );
    assert_eq!(export::write(&file).unwrap(), bytes);
    let view = file.package().unwrap();
    assert_eq!(view.referenced_packages[0].name, "java/lang");

    // The same model cannot be written as 2.1 without losing the 2.3 items.
    let mut old = file.clone();
    old.format = FormatVersion::V2_1;
    let e = export::write(&old).unwrap_err();
    assert!(
        matches!(e.kind, ExportErrorKind::NeedsFormat23 { .. }),
        "{e}"
    );
    assert_eq!(e.offset, None);
}

fn err(bytes: &[u8]) -> (Option<usize>, ExportErrorKind) {
    let e = export::parse(bytes).unwrap_err();
    assert!(!e.to_string().is_empty());
    (e.offset, e.kind)
}

#[test]
fn header_errors() {
    assert_eq!(
        err(&[]),
        (Some(0), ExportErrorKind::Truncated { what: "magic" })
    );
    assert_eq!(
        err(&[0xDE, 0xCA, 0xFF, 0xED, 1, 2]),
        (Some(0), ExportErrorKind::BadMagic(0xDECA_FFED))
    );
    assert_eq!(
        err(&B::default().header(0, 1).0[..8]),
        (
            Some(4),
            ExportErrorKind::UnsupportedFormat { major: 2, minor: 0 }
        )
    );
    assert_eq!(
        err(&B::default().u4(0x00FA_CADE).u1(1).u1(3).u2(1).0),
        (
            Some(4),
            ExportErrorKind::UnsupportedFormat { major: 3, minor: 1 }
        )
    );
    assert_eq!(
        err(&B::default().header(1, 0).0),
        (Some(6), ExportErrorKind::EmptyConstantPool)
    );
}

#[test]
fn constant_pool_errors_name_the_entry_and_offset() {
    assert_eq!(
        err(&B::default().header(1, 2).utf8("p").u1(9).0),
        (Some(12), ExportErrorKind::UnknownTag { index: 1, tag: 9 })
    );
    let bad_utf8 = B::default().header(1, 1).u1(1).u2(2).u1(0xC3).u1(0x28).0;
    assert_eq!(
        err(&bad_utf8),
        (Some(8), ExportErrorKind::InvalidUtf8 { index: 0 })
    );
    assert_eq!(
        err(&B::default()
            .header(1, 1)
            .package(0, 0, 0, 1, &[1, 2, 3, 4])
            .0),
        // tag 8, flags 9, name_index 10-11, minor 12, major 13, aid_length 14
        (Some(14), ExportErrorKind::BadAidLength { index: 0, len: 4 })
    );
    // Classref (entry 1 at offset 12) whose name_index 5 is past the 2-entry pool.
    assert_eq!(
        err(&B::default().header(1, 2).utf8("p").u1(7).u2(5).0),
        (
            Some(13),
            ExportErrorKind::IndexOutOfRange {
                what: "CONSTANT_Classref name_index",
                index: 5,
                count: 2
            }
        )
    );
    // Package (entry 0) named by an Integer.
    assert_eq!(
        err(&B::default()
            .header(1, 2)
            .package(0, 1, 0, 1, AID)
            .u1(3)
            .u4(0)
            .0),
        (
            Some(10),
            ExportErrorKind::WrongConstant {
                what: "CONSTANT_Package name_index",
                index: 1,
                expected: "CONSTANT_Utf8",
                found: "CONSTANT_Integer"
            }
        )
    );
}

#[test]
fn structure_errors_name_the_offset() {
    let good = library_2_1();
    // this_package (right after the pool) pointing at a Utf8.
    let mut bad = good.clone();
    let pos = find_this_package(&good);
    assert_eq!(&good[pos..pos + 2], &[0, 1]);
    bad[pos] = 0;
    bad[pos + 1] = 0;
    let (offset, kind) = err(&bad);
    assert_eq!(offset, Some(pos));
    assert!(
        matches!(
            kind,
            ExportErrorKind::WrongConstant {
                what: "this_package",
                index: 0,
                ..
            }
        ),
        "{kind}"
    );

    let mut trailing = good.clone();
    trailing.extend([0, 0, 0]);
    assert_eq!(
        err(&trailing),
        (Some(good.len()), ExportErrorKind::TrailingBytes(3))
    );

    // Every proper prefix is a truncation at or before its end.
    for n in 0..good.len() {
        let e = export::parse(&good[..n]).unwrap_err();
        assert!(
            matches!(e.kind, ExportErrorKind::Truncated { .. }),
            "prefix {n}: {e}"
        );
        assert!(e.offset.unwrap() <= n);
    }
}

/// Offset of this_package in [`library_2_1`]: after the 12 pool entries.
fn find_this_package(bytes: &[u8]) -> usize {
    let mut pos = 8;
    for _ in 0..12 {
        pos += match bytes[pos] {
            1 => 3 + usize::from(u16::from_be_bytes([bytes[pos + 1], bytes[pos + 2]])),
            3 => 5,
            7 => 3,
            13 => 7 + usize::from(bytes[pos + 6]),
            t => panic!("tag {t}"),
        };
    }
    pos
}

#[test]
fn constant_value_attribute_must_have_length_two() {
    let mut bytes = library_2_1();
    // The attribute_length u4 of K's ConstantValue follows its name index 6.
    let at = bytes
        .windows(6)
        .position(|w| w == [0, 6, 0, 0, 0, 2])
        .unwrap()
        + 2;
    bytes[at + 3] = 3;
    assert_eq!(
        err(&bytes),
        (Some(at), ExportErrorKind::BadConstantValueLength(3))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..200), minor in 1u8..=3) {
        let mut bytes = B::default().u4(0x00FA_CADE).u1(minor).u1(2).0;
        bytes.extend(tail);
        if let Ok(file) = export::parse(&bytes) {
            prop_assert_eq!(export::write(&file).unwrap(), bytes);
            let _ = file.package();
        }
    }

    #[test]
    fn bit_flips_never_panic_and_accepted_files_round_trip(bit in 0usize..(8 * 150)) {
        let mut bytes = library_2_1();
        let bit = bit % (8 * bytes.len());
        bytes[bit / 8] ^= 1 << (bit % 8);
        if let Ok(file) = export::parse(&bytes) {
            prop_assert_eq!(export::write(&file).unwrap(), bytes);
            prop_assert!(file.package().is_ok());
        }
    }
}
