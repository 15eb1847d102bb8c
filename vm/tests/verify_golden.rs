//! Every golden CAP (made by the reference converter and accepted by the reference off-card
//! verifier) passes the verifier.

mod verify_common;

use jcos_vm::verify::verify;
use std::time::Instant;

#[test]
fn every_golden_cap_verifies() {
    let Some(golden) = verify_common::golden() else {
        return;
    };
    let imports = verify_common::imports();
    let start = Instant::now();
    let mut ok = 0;
    let mut failed = Vec::new();
    for g in &golden {
        match verify(&g.cap, &imports) {
            Ok(r) => {
                println!(
                    "{}: {} classes, {} methods, {} instructions",
                    g.fixture, r.classes, r.methods, r.instructions
                );
                ok += 1;
            }
            Err(e) => failed.push(format!("{}: {e}", g.fixture)),
        }
    }
    println!("verified {ok} golden CAPs in {:?}", start.elapsed());
    assert!(failed.is_empty(), "rejected:\n{}", failed.join("\n"));
    assert_eq!(ok, verify_common::GOLDEN_CAPS);
}

#[test]
fn golden_caps_verify_with_their_own_export_data_for_names() {
    let Some(golden) = verify_common::golden() else {
        return;
    };
    let imports = verify_common::imports_with_names();
    for g in &golden {
        let r = verify(&g.cap, &imports).unwrap_or_else(|e| panic!("{}: {e}", g.fixture));
        assert!(r.methods > 0 && r.instructions > r.methods, "{}", g.fixture);
    }
}
