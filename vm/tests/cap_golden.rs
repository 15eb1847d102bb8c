//! Golden CAP files from the reference converter: parse, cross-check and write back byte for
//! byte, in both the JAR and the raw form.

mod cap_common;

use cap_common::{golden_caps, jar_components};
use jcos_vm::cap::CapFile;

#[test]
fn golden_caps_round_trip_component_by_component() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let cap =
            CapFile::from_jar_bytes(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let originals = jar_components(bytes);
        for (tag, original) in &originals {
            let written = cap
                .component_bytes(*tag)
                .unwrap_or_else(|e| panic!("{}: {tag}: {e}", path.display()));
            assert_eq!(&written, original, "{}: {tag} differs", path.display());
        }
        assert_eq!(cap.tags().len(), originals.len(), "{}", path.display());
    }
}
