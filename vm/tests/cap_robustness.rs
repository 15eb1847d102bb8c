//! Damaged CAP files never panic the parser: single-bit flips in the raw and JAR forms, and
//! truncation at every offset of every component.

mod cap_common;

use cap_common::{golden_caps, jar_components};
use jcos_vm::cap::{CapFile, ComponentTag};
use std::io::Write;

/// splitmix64 (Steele, Lea, Flood 2014): a tiny deterministic generator.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FLIPS: usize = 400;

fn flip(bytes: &mut [u8], rng: &mut SplitMix64) {
    let bit = rng.below(bytes.len() * 8);
    bytes[bit / 8] ^= 1 << (bit % 8);
}

/// Everything a caller may do with a parsed CAP, to show none of it panics on odd input.
fn exercise(cap: &CapFile) {
    let _ = cap.to_ijc_bytes();
    let _ = cap.to_jar_bytes("x/y");
    let _ = cap.methods();
    let _ = cap.to_string();
    for tag in cap.tags() {
        let _ = cap.component_bytes(tag);
    }
    for m in &cap.descriptor.classes {
        for d in &m.methods {
            let _ = cap.method_at(d.method_offset);
        }
    }
}

fn jar_of(components: &[(ComponentTag, Vec<u8>)]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zw.start_file("META-INF/MANIFEST.MF", opts).unwrap();
    zw.write_all(b"Manifest-Version: 1.0\r\n\r\n").unwrap();
    for (tag, bytes) in components {
        zw.start_file(format!("p/q/javacard/{}", tag.file_name().unwrap()), opts)
            .unwrap();
        zw.write_all(bytes).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

/// Splits a raw stream into its components by their tag and size items.
fn frames(mut raw: &[u8]) -> Vec<(ComponentTag, Vec<u8>)> {
    let mut out = Vec::new();
    while raw.len() >= 3 {
        let len = 3 + usize::from(u16::from_be_bytes([raw[1], raw[2]]));
        out.push((ComponentTag(raw[0]), raw[..len].to_vec()));
        raw = &raw[len..];
    }
    out
}

#[test]
fn bit_flips_in_the_raw_form_never_panic() {
    let Some(caps) = golden_caps() else { return };
    let mut rng = SplitMix64(0x6A63_6F73_0000_0001);
    let mut parsed = 0;
    for (_, bytes) in &caps {
        let ijc: Vec<u8> = jar_components(bytes)
            .into_iter()
            .flat_map(|(_, b)| b)
            .collect();
        for _ in 0..FLIPS {
            let mut m = ijc.clone();
            flip(&mut m, &mut rng);
            if let Ok(cap) = CapFile::from_ijc_bytes(&m) {
                parsed += 1;
                exercise(&cap);
                // Whatever is accepted is written back unchanged, component by component.
                for (tag, bytes) in frames(&m) {
                    assert_eq!(cap.component_bytes(tag).unwrap(), bytes);
                }
            }
            let _ = CapFile::from_bytes(&m);
        }
    }
    println!("{parsed} of {} flipped raw CAPs parsed", caps.len() * FLIPS);
    // Some flips land in bytes no structural check covers (bytecode, values): those parse.
    assert!(parsed > 0, "no flipped CAP parsed at all");
}

#[test]
fn bit_flips_in_jar_components_never_panic() {
    let Some(caps) = golden_caps() else { return };
    let mut rng = SplitMix64(0x6A63_6F73_0000_0002);
    for (_, bytes) in &caps {
        let comps = jar_components(bytes);
        assert_eq!(
            CapFile::from_jar_bytes(&jar_of(&comps)).map(|c| c.to_ijc_bytes().unwrap()),
            CapFile::from_jar_bytes(bytes).map(|c| c.to_ijc_bytes().unwrap()),
            "the rebuilt JAR is the same CAP"
        );
        let total: usize = comps.iter().map(|(_, b)| b.len()).sum();
        for _ in 0..FLIPS {
            let mut m = comps.clone();
            let mut at = rng.below(total);
            for (_, b) in m.iter_mut() {
                if at < b.len() {
                    b[at] ^= 1 << rng.below(8);
                    break;
                }
                at -= b.len();
            }
            if let Ok(cap) = CapFile::from_jar_bytes(&jar_of(&m)) {
                exercise(&cap);
            }
        }
    }
}

#[test]
fn bit_flips_in_jar_files_never_panic() {
    let Some(caps) = golden_caps() else { return };
    let mut rng = SplitMix64(0x6A63_6F73_0000_0003);
    for (_, bytes) in &caps {
        for _ in 0..FLIPS {
            let mut m = bytes.clone();
            flip(&mut m, &mut rng);
            if let Ok(cap) = CapFile::from_bytes(&m) {
                exercise(&cap);
            }
        }
    }
}

#[test]
fn truncated_components_are_rejected() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let comps = jar_components(bytes);
        for (i, (tag, full)) in comps.iter().enumerate() {
            let info = &full[3..];
            for len in 0..info.len() {
                // A shorter component with a consistent size item.
                let mut cut = vec![tag.0];
                cut.extend_from_slice(&(len as u16).to_be_bytes());
                cut.extend_from_slice(&info[..len]);
                let mut ijc = Vec::new();
                for (j, (_, b)) in comps.iter().enumerate() {
                    ijc.extend_from_slice(if i == j { &cut } else { b });
                }
                let r = CapFile::from_ijc_bytes(&ijc);
                assert!(
                    r.is_err(),
                    "{}: {tag} cut to {len} bytes parsed",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn truncated_raw_streams_are_rejected() {
    let Some(caps) = golden_caps() else { return };
    for (path, bytes) in &caps {
        let ijc = CapFile::from_jar_bytes(bytes)
            .unwrap()
            .to_ijc_bytes()
            .unwrap();
        for len in 0..ijc.len() {
            let r = CapFile::from_ijc_bytes(&ijc[..len]);
            assert!(
                r.is_err(),
                "{}: prefix of {len} bytes parsed",
                path.display()
            );
        }
    }
}
