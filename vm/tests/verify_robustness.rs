//! Random single-bit flips of the golden CAPs go through parse and verify without a panic.

mod verify_common;

use jcos_vm::cap::CapFile;
use jcos_vm::verify::verify;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// splitmix64, so every run flips the same bits.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Flips `count` random bits, one at a time, of `bytes`; returns (parsed, verified).
fn flip_all(name: &str, bytes: &[u8], count: usize, rng: &mut SplitMix) -> (usize, usize) {
    let imports = verify_common::imports();
    let (mut parsed, mut verified) = (0, 0);
    for i in 0..count {
        let bit = (rng.next() % (bytes.len() as u64 * 8)) as usize;
        let mut b = bytes.to_vec();
        b[bit / 8] ^= 1 << (bit % 8);
        let outcome = catch_unwind(AssertUnwindSafe(|| match CapFile::from_bytes(&b) {
            Ok(cap) => (true, verify(&cap, &imports).is_ok()),
            Err(_) => (false, false),
        }));
        match outcome {
            Ok((p, v)) => {
                parsed += usize::from(p);
                verified += usize::from(v);
            }
            Err(_) => panic!("{name}: flip {i} of bit {bit} panicked"),
        }
    }
    (parsed, verified)
}

#[test]
fn four_hundred_bit_flips_per_golden_cap_never_panic() {
    let Some(golden) = verify_common::golden() else {
        return;
    };
    let mut rng = SplitMix(0x7665_7269_6679_0001);
    for g in &golden {
        // The raw component form: most flips still parse, so the verifier sees them.
        let raw = g.cap.to_ijc_bytes().unwrap();
        let (p, v) = flip_all(&g.fixture, &raw, 400, &mut rng);
        println!(
            "{}: 400 flips of the raw form: {p} parsed, {v} verified",
            g.fixture
        );
        // The JAR form as shipped.
        let (p, v) = flip_all(&g.fixture, &g.bytes, 400, &mut rng);
        println!(
            "{}: 400 flips of the JAR form: {p} parsed, {v} verified",
            g.fixture
        );
    }
}

#[test]
fn methods_cut_short_are_rejected_without_panic() {
    let Some(golden) = verify_common::golden() else {
        return;
    };
    let imports = verify_common::imports();
    // Each method of ops with its Descriptor bytecode_count cut by 1 to 8 bytes: the code
    // then ends inside an instruction, or with one that falls off the end, or it leaves a
    // branch or handler target outside the code.
    let g = golden.iter().find(|g| g.fixture == "ops").unwrap();
    let methods: Vec<(usize, usize)> = g
        .cap
        .descriptor
        .classes
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| (0..c.methods.len()).map(move |mi| (ci, mi)))
        .collect();
    let (mut tried, mut rejected) = (0, 0);
    for (ci, mi) in methods {
        let count = g.cap.descriptor.classes[ci].methods[mi].bytecode_count;
        for cut in 1..=count.min(8) {
            let mut cap = g.cap.clone();
            cap.descriptor.classes[ci].methods[mi].bytecode_count = count - cut;
            tried += 1;
            if verify(&cap, &imports).is_err() {
                rejected += 1;
            }
        }
    }
    println!("{rejected} of {tried} shortened methods rejected");
    assert_eq!(rejected, tried);
}
