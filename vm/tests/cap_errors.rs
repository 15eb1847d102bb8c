//! Malformed CAP files are rejected with an error naming the component, the offset and the
//! problem. The inputs are small CAP files assembled here byte by byte from the layouts in
//! JCVM 3.0.5 chapter 6.

use jcos_vm::cap::{CapError, CapFile, CapFormat, ComponentTag, Problem};
use std::io::Write;

/// One component: tag, size, info.
fn comp(tag: u8, info: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend_from_slice(&(info.len() as u16).to_be_bytes());
    v.extend_from_slice(info);
    v
}

/// The components of a minimal package with one empty public interface, as (tag, info).
/// Format 2.1 unless `v22`, which adds the package name, the Debug size, an empty signature
/// pool and a Debug component.
fn minimal(v22: bool) -> Vec<(u8, Vec<u8>)> {
    let mut header = vec![0xDE, 0xCA, 0xFF, 0xED, if v22 { 2 } else { 1 }, 2, 0x00];
    header.extend_from_slice(&[0x00, 0x01, 0x05, 0xA0, 0x00, 0x00, 0x00, 0x01]);
    if v22 {
        header.extend_from_slice(&[0x01, b'p']);
    }
    let import = vec![0x00];
    let cp = vec![0x00, 0x00];
    let mut class = if v22 { vec![0x00, 0x00] } else { vec![] };
    class.push(0x80); // interface_info: ACC_INTERFACE, no superinterfaces
    let method = vec![0x00];
    let static_field = vec![0u8; 10];
    let ref_loc = vec![0u8; 4];
    // class_descriptor_info: token 0, public interface abstract, this_class_ref 0, no members;
    // then type_descriptor_info with no constant pool entries and no types.
    // Offsets into the Class component count from its info item, so in 2.2 the interface
    // sits after the two-byte signature_pool_length.
    let at = if v22 { 2 } else { 0 };
    let descriptor = vec![
        0x01, 0x00, 0xC1, 0x00, at, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let debug = [
        &[0x00, 0x02, 0x00, 0x01, b'p', 0x00, 0x01, b'I'][..],
        &[0x00, 0x00, 0x00, 0x01],
        // class_debug_info: name 1, ACC_PUBLIC|ACC_INTERFACE, location 2, super 0, source 0,
        // no interfaces, fields or methods.
        &[
            0x00, 0x01, 0x02, 0x01, 0x00, at, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ],
    ]
    .concat();
    let n_sizes = if v22 { 12 } else { 11 };
    let dir_len = n_sizes * 2 + 6 + 3;
    let sizes: Vec<usize> = vec![
        header.len(),
        dir_len,
        0,
        import.len(),
        cp.len(),
        class.len(),
        method.len(),
        static_field.len(),
        ref_loc.len(),
        0,
        descriptor.len(),
        if v22 { debug.len() } else { 0 },
    ];
    let mut directory = Vec::new();
    for s in &sizes[..n_sizes] {
        directory.extend_from_slice(&(*s as u16).to_be_bytes());
    }
    directory.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(directory.len(), dir_len);
    // In the §6.2 load order, which is how the raw form is written.
    let mut out = vec![
        (1, header),
        (2, directory),
        (4, import),
        (6, class),
        (7, method),
        (8, static_field),
        (5, cp),
        (9, ref_loc),
        (11, descriptor),
    ];
    if v22 {
        out.push((12, debug));
    }
    out
}

fn ijc(parts: &[(u8, Vec<u8>)]) -> Vec<u8> {
    parts.iter().flat_map(|(t, i)| comp(*t, i)).collect()
}

fn with(parts: &[(u8, Vec<u8>)], tag: u8, info: Vec<u8>) -> Vec<(u8, Vec<u8>)> {
    parts
        .iter()
        .map(|(t, i)| (*t, if *t == tag { info.clone() } else { i.clone() }))
        .collect()
}

fn info_of(parts: &[(u8, Vec<u8>)], tag: u8) -> Vec<u8> {
    parts.iter().find(|(t, _)| *t == tag).unwrap().1.clone()
}

fn err(bytes: &[u8]) -> CapError {
    CapFile::from_bytes(bytes).expect_err("must be rejected")
}

#[test]
fn minimal_package_parses_and_writes_back() {
    for v22 in [false, true] {
        let parts = minimal(v22);
        let bytes = ijc(&parts);
        let cap = CapFile::from_ijc_bytes(&bytes).expect("minimal CAP parses");
        assert_eq!(cap.to_ijc_bytes().unwrap(), bytes);
        assert_eq!(cap.package_aid().as_bytes(), &[0xA0, 0, 0, 0, 1]);
        assert_eq!(cap.class.interfaces.len(), 1);
        assert!(cap.class.classes.is_empty());
        if v22 {
            assert_eq!(cap.format(), Some(CapFormat::V2_2));
            assert_eq!(cap.package_name().as_deref(), Some("p"));
            let d = cap.debug.as_ref().expect("debug");
            assert_eq!(d.string(d.package_name_index).as_deref(), Some("p"));
            assert_eq!(d.classes[0].access_flags, 0x0201);
            assert_eq!(cap.class.signature_pool.as_deref(), Some(&[][..]));
            assert_eq!(cap.directory.component_sizes.len(), 12);
        } else {
            assert_eq!(cap.format(), Some(CapFormat::V2_1));
            assert_eq!(cap.package_name(), None);
            assert_eq!(cap.directory.component_sizes.len(), 11);
        }
    }
}

#[test]
fn bad_magic() {
    let parts = minimal(false);
    let mut h = info_of(&parts, 1);
    h[3] = 0xEE;
    let e = err(&ijc(&with(&parts, 1, h)));
    assert_eq!(
        e.to_string(),
        "Header component, offset 0x0: magic 0xdecaffee is not 0xDECAFFED"
    );
}

#[test]
fn unsupported_format_versions() {
    for (major, minor) in [(2u8, 3u8), (2, 0), (3, 1)] {
        let parts = minimal(false);
        let mut h = info_of(&parts, 1);
        h[4] = minor;
        h[5] = major;
        let e = err(&ijc(&with(&parts, 1, h)));
        assert_eq!(
            e.to_string(),
            format!(
                "Header component, offset 0x4: CAP format {major}.{minor} not supported (2.1 and 2.2 are)"
            )
        );
    }
}

#[test]
fn trailing_bytes_in_a_component() {
    let parts = minimal(false);
    let e = err(&ijc(&with(&parts, 4, vec![0x00, 0x55])));
    assert_eq!(
        e,
        CapError::Component {
            component: ComponentTag::IMPORT,
            offset: 1,
            problem: Problem::Trailing { count: 1 }
        }
    );
    assert_eq!(
        e.to_string(),
        "Import component, offset 0x1: 1 trailing bytes after the last item"
    );
}

#[test]
fn truncated_item_names_what_was_cut() {
    let parts = minimal(false);
    // An Import component announcing one package but holding only its versions.
    let e = err(&ijc(&with(&parts, 4, vec![0x01, 0x00, 0x01])));
    assert_eq!(
        e.to_string(),
        "Import component, offset 0x1: packages truncated: needs 7 bytes, 2 left"
    );
}

#[test]
fn directory_size_mismatch() {
    let parts = minimal(false);
    let mut d = info_of(&parts, 2);
    d[7] = 2; // component_sizes[3], the Import component, claims 2 bytes
    let e = err(&ijc(&with(&parts, 2, d)));
    assert_eq!(
        e.to_string(),
        "Directory component, offset 0x6: component_sizes[3] (Import) is 0x0002 but the Import component has 0x0001 bytes"
    );
}

#[test]
fn exception_handler_beyond_the_component() {
    let parts = minimal(false);
    // One handler whose range 0x0009+0x0040 ends past a 10-byte component.
    let method = vec![0x01, 0x00, 0x09, 0x00, 0x40, 0x00, 0x09, 0x00, 0x00, 0x7A];
    let e = err(&ijc(&with(&parts, 7, method)));
    assert_eq!(
        e.to_string(),
        "Method component, offset 0x1: exception handler 0 end 0x0049 beyond component size 0x000a"
    );
}

#[test]
fn header_flags_must_match_optional_components() {
    let parts = minimal(false);
    let mut h = info_of(&parts, 1);
    h[6] = 0x04; // ACC_APPLET without an Applet component
    let e = err(&ijc(&with(&parts, 1, h)));
    assert_eq!(
        e.to_string(),
        "Header component, offset 0x6: ACC_APPLET is set but the Applet component is absent"
    );
}

#[test]
fn constant_pool_reference_into_nothing() {
    let parts = minimal(false);
    // A Classref to offset 0x0005 of the Class component, where no class starts; the
    // Descriptor's constant_pool_types grows to match.
    let cp = vec![0x00, 0x01, 0x01, 0x00, 0x05, 0x00];
    let mut d = info_of(&parts, 11);
    d.truncate(10);
    d.extend_from_slice(&[0x00, 0x01, 0xFF, 0xFF]);
    let mut fixed = with(&with(&parts, 5, cp), 11, d);
    let sizes: Vec<usize> = (1..=11u8)
        .map(|t| {
            fixed
                .iter()
                .find(|(x, _)| *x == t)
                .map_or(0, |(_, i)| i.len())
        })
        .collect();
    let mut dir = Vec::new();
    for s in sizes {
        dir.extend_from_slice(&(s as u16).to_be_bytes());
    }
    dir.extend_from_slice(&[0; 9]);
    fixed = with(&fixed, 2, dir);
    let e = err(&ijc(&fixed));
    assert_eq!(
        e.to_string(),
        "ConstantPool component, offset 0x2: entry 0 (Classref): 0x0005 is not the offset of a class or interface"
    );
}

#[test]
fn debug_component_needs_format_2_2() {
    let mut parts = minimal(false);
    parts.push((12, info_of(&minimal(true), 12)));
    assert_eq!(
        err(&ijc(&parts)).to_string(),
        "Debug component, offset 0x0: the Debug component needs CAP format 2.2"
    );
}

#[test]
fn debug_string_index_out_of_range() {
    let parts = minimal(true);
    let mut d = info_of(&parts, 12);
    d[13] = 7; // the class name_index
    assert_eq!(
        err(&ijc(&with(&parts, 12, d))).to_string(),
        "Debug component, offset 0xc: string index 7 beyond string_count 2"
    );
}

#[test]
fn stream_errors() {
    let parts = minimal(false);
    let bytes = ijc(&parts);
    let mut dup = bytes.clone();
    dup.extend_from_slice(&comp(4, &[0x00]));
    assert_eq!(err(&dup), CapError::Duplicate(ComponentTag::IMPORT));

    let without_descriptor = ijc(&parts
        .iter()
        .filter(|(t, _)| *t != 11)
        .cloned()
        .collect::<Vec<_>>());
    assert_eq!(
        err(&without_descriptor),
        CapError::Missing(ComponentTag::DESCRIPTOR)
    );

    let mut reserved = bytes.clone();
    reserved.extend_from_slice(&comp(13, &[0x00]));
    assert_eq!(
        err(&reserved).to_string(),
        format!(
            "raw CAP stream, offset {:#x}: reserved component tag 13",
            bytes.len()
        )
    );

    let cut = &bytes[..bytes.len() - 1];
    assert!(matches!(
        err(cut),
        CapError::Stream {
            problem: Problem::Truncated {
                item: "component info",
                ..
            },
            ..
        }
    ));
    assert!(matches!(err(&[]), CapError::Stream { offset: 0, .. }));
}

#[test]
fn custom_components_are_kept_and_checked_against_the_directory() {
    let parts = minimal(false);
    let mut d = info_of(&parts, 2);
    let last = d.len() - 1;
    d[last] = 1; // custom_count
    d.extend_from_slice(&[0x80, 0x00, 0x03, 0x05, 0xA0, 0x00, 0x00, 0x00, 0x01]);
    let d_len = d.len() as u16;
    d[2..4].copy_from_slice(&d_len.to_be_bytes());
    let mut with_custom = with(&parts, 2, d);
    with_custom.push((0x80, vec![1, 2, 3]));
    let bytes = ijc(&with_custom);
    let cap = CapFile::from_ijc_bytes(&bytes).expect("custom component accepted");
    assert_eq!(cap.custom.len(), 1);
    assert_eq!(cap.custom[0].info, vec![1, 2, 3]);
    assert_eq!(
        cap.component_bytes(ComponentTag(0x80)).unwrap(),
        comp(0x80, &[1, 2, 3])
    );
    assert_eq!(cap.to_ijc_bytes().unwrap(), bytes);

    // Through the JAR form and back.
    let jar = cap.to_jar_bytes("a/b").unwrap();
    let back = CapFile::from_jar_bytes(&jar).expect("JAR with a custom component");
    assert_eq!(back.custom[0].file_name.as_deref(), Some("Custom80.cap"));
    assert_eq!(back.to_ijc_bytes().unwrap(), bytes);

    let mut wrong = with_custom.clone();
    wrong.last_mut().unwrap().1 = vec![1, 2];
    assert_eq!(
        err(&ijc(&wrong)).to_string(),
        "Directory component, offset 0x1e: custom component 0x80 size 0x0003 but it has 0x0002 bytes"
    );
}

#[test]
fn models_that_do_not_fit_their_items_are_not_written() {
    let cap = CapFile::from_ijc_bytes(&ijc(&minimal(false))).unwrap();
    let mut big = cap.clone();
    let p = jcos_vm::cap::PackageInfo {
        minor_version: 0,
        major_version: 1,
        aid: jcos_vm::cap::Aid::new(&[0xA0, 0, 0, 0, 0x62]).unwrap(),
    };
    big.import.packages = vec![p; 129];
    assert_eq!(
        big.component_bytes(ComponentTag::IMPORT)
            .unwrap_err()
            .to_string(),
        "Import component cannot be written: count is 129, more than 128"
    );
    assert_eq!(
        cap.component_bytes(ComponentTag::APPLET),
        Err(CapError::NotPresent(ComponentTag::APPLET))
    );
    assert!(cap.to_jar_bytes("../evil").is_err());
    assert!(cap.to_jar_bytes("").is_err());
}

fn zip_of(entries: &[(&str, Vec<u8>, zip::CompressionMethod)]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, method) in entries {
        let opts = zip::write::SimpleFileOptions::default().compression_method(*method);
        zw.start_file(*name, opts).unwrap();
        zw.write_all(data).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

fn jar_entries(parts: &[(u8, Vec<u8>)], dir: &str) -> Vec<(String, Vec<u8>)> {
    parts
        .iter()
        .map(|(t, i)| {
            let name = ComponentTag(*t).file_name().unwrap();
            (format!("{dir}/javacard/{name}"), comp(*t, i))
        })
        .collect()
}

#[test]
fn jar_form_tolerates_other_entries_and_case() {
    let parts = minimal(false);
    let stored = zip::CompressionMethod::Stored;
    let mut entries: Vec<(String, Vec<u8>, zip::CompressionMethod)> = vec![
        (
            "META-INF/MANIFEST.MF".into(),
            b"Manifest-Version: 1.0\r\n".to_vec(),
            stored,
        ),
        (
            "APPLET-INF/classes/a/b/I.class".into(),
            vec![0xCA, 0xFE],
            stored,
        ),
        ("other/javacard/Notes.cap".into(), b"hello".to_vec(), stored),
        // A file with a custom-looking tag outside the package's directory is not ours.
        (
            "other/javacard/Blob.cap".into(),
            vec![0xF0, 0x00, 0x00],
            stored,
        ),
    ];
    for (n, d) in jar_entries(&parts, "a/b") {
        entries.push((
            n.replace("Header.cap", "header.CAP"),
            d,
            zip::CompressionMethod::Deflated,
        ));
    }
    let refs: Vec<(&str, Vec<u8>, zip::CompressionMethod)> = entries
        .iter()
        .map(|(n, d, m)| (n.as_str(), d.clone(), *m))
        .collect();
    let cap = CapFile::from_bytes(&zip_of(&refs)).expect("JAR parses");
    assert_eq!(cap.jar_package_path.as_deref(), Some("a/b"));
    assert_eq!(cap.package_name().as_deref(), Some("a.b"));
    assert_eq!(cap.to_ijc_bytes().unwrap(), ijc(&parts));
}

#[test]
fn jar_form_errors() {
    let parts = minimal(false);
    let stored = zip::CompressionMethod::Stored;
    let base: Vec<(String, Vec<u8>)> = jar_entries(&parts, "a/b");
    let build = |extra: Vec<(String, Vec<u8>, zip::CompressionMethod)>, skip: Option<&str>| {
        let mut all: Vec<(String, Vec<u8>, zip::CompressionMethod)> = base
            .iter()
            .filter(|(n, _)| skip.is_none_or(|s| !n.ends_with(s)))
            .map(|(n, d)| (n.clone(), d.clone(), stored))
            .collect();
        all.extend(extra);
        let refs: Vec<(&str, Vec<u8>, zip::CompressionMethod)> = all
            .iter()
            .map(|(n, d, m)| (n.as_str(), d.clone(), *m))
            .collect();
        zip_of(&refs)
    };
    // The same component twice, under two packages.
    let two = build(
        vec![("c/javacard/Import.cap".into(), comp(4, &[0]), stored)],
        None,
    );
    assert_eq!(
        CapFile::from_jar_bytes(&two).unwrap_err(),
        CapError::Jar("c/javacard/Import.cap: components of two packages (a/b and c)".into())
    );
    // A required component missing.
    let missing = build(vec![], Some("Method.cap"));
    assert_eq!(
        CapFile::from_jar_bytes(&missing).unwrap_err(),
        CapError::Missing(ComponentTag::METHOD)
    );
    // A component file whose tag is not its name's.
    let wrong = build(
        vec![("a/b/javacard/Export.cap".into(), comp(4, &[0]), stored)],
        None,
    );
    assert_eq!(
        CapFile::from_jar_bytes(&wrong).unwrap_err().to_string(),
        "CAP JAR: a/b/javacard/Export.cap: tag 4 where the Export component's tag 10 belongs"
    );
    // A highly compressible entry that inflates past any component's size.
    let bomb = build(
        vec![(
            "a/b/javacard/Applet.cap".into(),
            vec![3u8; 1 << 20],
            zip::CompressionMethod::Deflated,
        )],
        None,
    );
    assert!(bomb.len() < 1 << 16, "the bomb is small on disk");
    let e = CapFile::from_jar_bytes(&bomb).unwrap_err().to_string();
    assert!(e.contains("more than a component can hold"), "{e}");
    // Not a zip at all, and no components.
    assert!(matches!(
        CapFile::from_jar_bytes(b"PK\x03\x04junk"),
        Err(CapError::Jar(_))
    ));
    let empty = zip_of(&[("META-INF/MANIFEST.MF", vec![], stored)]);
    assert_eq!(
        CapFile::from_jar_bytes(&empty).unwrap_err(),
        CapError::Missing(ComponentTag::HEADER)
    );
}
