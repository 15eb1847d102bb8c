//! Golden CAP files from the reference converter: parse, cross-check and write back byte for
//! byte, in both the JAR and the raw form.

mod cap_common;

use cap_common::{golden_caps, jar_components};
use jcos_vm::cap::{CapFile, ComponentTag};

/// The §6.2 reference load order, written out here from the specification's table 6-3.
const SPEC_LOAD_ORDER: [u8; 11] = [1, 2, 4, 3, 6, 7, 8, 10, 5, 9, 11];

#[test]
fn every_component_writes_back_its_exact_bytes() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let cap =
            CapFile::from_jar_bytes(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let originals = jar_components(bytes);
        assert!(originals.len() >= 9, "{}", path.display());
        for (tag, original) in &originals {
            let written = cap
                .component_bytes(*tag)
                .unwrap_or_else(|e| panic!("{}: {tag}: {e}", path.display()));
            assert_eq!(&written, original, "{}: {tag} differs", path.display());
        }
        assert_eq!(cap.tags().len(), originals.len(), "{}", path.display());
    }
}

#[test]
fn raw_form_is_the_components_in_load_order() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let cap = CapFile::from_jar_bytes(bytes).expect("golden parses");
        let originals = jar_components(bytes);
        let mut expected = Vec::new();
        for t in SPEC_LOAD_ORDER {
            if let Some((_, b)) = originals.iter().find(|(tag, _)| tag.0 == t) {
                expected.extend_from_slice(b);
            }
        }
        let ijc = cap.to_ijc_bytes().expect("writes");
        assert_eq!(ijc, expected, "{}", path.display());

        let again = CapFile::from_ijc_bytes(&ijc).expect("raw form parses");
        assert_eq!(again.jar_package_path, None);
        let mut cap_no_path = cap.clone();
        cap_no_path.jar_package_path = None;
        assert_eq!(again, cap_no_path, "{}", path.display());
        assert_eq!(CapFile::from_bytes(&ijc).expect("auto-detects raw"), again);
    }
}

#[test]
fn raw_form_in_tag_order_parses_too() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let tag_order: Vec<u8> = jar_components(bytes)
            .into_iter()
            .flat_map(|(_, b)| b)
            .collect();
        let a = CapFile::from_ijc_bytes(&tag_order).expect("tag order parses");
        let b = CapFile::from_jar_bytes(bytes).expect("jar parses");
        assert_eq!(
            a.to_ijc_bytes().unwrap(),
            b.to_ijc_bytes().unwrap(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn jar_form_round_trips_and_is_deterministic() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let cap = CapFile::from_bytes(bytes).expect("auto-detects the JAR");
        let pkg = cap.jar_package_path.clone().expect("JAR path kept");
        let jar = cap.to_jar_bytes(&pkg).expect("writes a JAR");
        assert_eq!(jar, cap.to_jar_bytes(&pkg).unwrap(), "deterministic");
        let again = CapFile::from_jar_bytes(&jar).expect("our JAR parses");
        assert_eq!(again, cap, "{}", path.display());
        // The component entries equal the reference converter's, byte for byte.
        assert_eq!(
            jar_components(&jar),
            jar_components(bytes),
            "{}",
            path.display()
        );
    }
}

#[test]
fn package_identity_matches_fixture_env() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let env = std::fs::read_to_string(path.with_file_name("fixture.env")).expect("env");
        let field = |k: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(|v| v.trim_matches('"').to_string())
                .unwrap_or_default()
        };
        let cap = CapFile::from_jar_bytes(bytes).unwrap();
        assert_eq!(cap.package_aid().to_string(), field("PKG_AID"));
        assert_eq!(cap.package_name().as_deref(), Some(field("PKG").as_str()));
        let p = &cap.header.package;
        assert_eq!(
            format!("{}.{}", p.major_version, p.minor_version),
            field("VERSION")
        );
        let applets: Vec<String> = field("APPLETS")
            .split_whitespace()
            .filter_map(|a| a.split(':').next().map(str::to_string))
            .collect();
        let ours: Vec<String> = cap
            .applet
            .as_ref()
            .map(|a| a.applets.iter().map(|x| x.aid.to_string()).collect())
            .unwrap_or_default();
        assert_eq!(ours, applets, "{}", path.display());
        assert_eq!(cap.format(), Some(jcos_vm::cap::CapFormat::V2_1));
        assert!(cap.has(ComponentTag::DESCRIPTOR));
    }
}
