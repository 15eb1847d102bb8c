//! CAP loading (parse + verify + link) on the raw component form: never panics; whatever parses
//! writes back to bytes that parse to the same model; what verifies either links into a fresh
//! VM or is refused with a typed error, and a refused package leaves the VM able to load again.
#![no_main]

use jcos_vm::cap::CapFile;
use jcos_vm::verify::{self, ImportSet};
use jcos_vm::Vm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(cap) = CapFile::from_ijc_bytes(data) else {
        return;
    };
    if let Ok(bytes) = cap.to_ijc_bytes() {
        let again = CapFile::from_ijc_bytes(&bytes).expect("a written CAP parses");
        assert_eq!(again, cap, "write then parse changed the model");
    }
    let imports = ImportSet::builtin().expect("built-in API tables");
    if verify::verify(&cap, &imports).is_err() {
        return;
    }
    let mut vm = Vm::new().expect("a fresh VM");
    if vm.load(&cap).is_err() {
        // A refused package changes nothing: the same VM still answers a second load the same way.
        assert!(vm.load(&cap).is_err(), "a refused CAP loaded on the second try");
    }
});
