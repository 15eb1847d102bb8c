//! Damaged CAP files never panic the VM: single-bit flips of the golden `ops` CAP are parsed,
//! linked and, when they still load, installed and run through the session's commands under a
//! small instruction budget.

mod common;

use common::session::fixture_dir;
use common::{hex, TestRuntime};
use jcos_vm::interp::Limits;
use jcos_vm::{Vm, VmConfig};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn bit_flipped_ops_caps_never_panic() {
    let dir = fixture_dir("ops");
    let (Ok(cap), Ok(session)) = (
        std::fs::read(dir.join("ops.cap")),
        std::fs::read_to_string(dir.join("session")),
    ) else {
        println!("skipped: ../shared not present");
        return;
    };
    // Flips go into the raw component form: in the JAR form the zip checksums reject most.
    let raw = jcos_vm::cap::CapFile::from_bytes(&cap)
        .and_then(|c| c.to_ijc_bytes())
        .expect("golden CAP converts to the raw form");
    let commands: Vec<Vec<u8>> = session
        .lines()
        .filter_map(|l| l.trim().strip_prefix(">>"))
        .map(|c| hex(c.trim()))
        .collect();
    let config = VmConfig {
        limits: Limits {
            stack_words: 1024,
            max_frames: 64,
            budget: 200_000,
        },
        ..VmConfig::default()
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut loaded = 0;
    let mut ran = 0;
    for _ in 0..300 {
        let mut bytes = raw.clone();
        let bit = (rng.next() % (bytes.len() as u64 * 8)) as usize;
        bytes[bit / 8] ^= 1 << (bit % 8);
        let mut vm = Vm::with_config(config).expect("VM");
        let Ok(pkg) = vm.load_bytes(&bytes) else {
            continue;
        };
        loaded += 1;
        let applets = vm.program().packages[usize::from(pkg.0)].applets.clone();
        let mut rt = TestRuntime::default();
        for a in applets {
            let Ok(applet) = vm.install(&a.aid, &a.aid, &[], &mut rt) else {
                continue;
            };
            ran += 1;
            let _ = vm.select(applet, &mut rt);
            for c in &commands {
                rt.set_command(c);
                let _ = vm.process(applet, &mut rt);
            }
        }
    }
    // Most flips land in data that still links (bytecode operands, constants).
    assert!(loaded > 0 && ran > 0, "loaded {loaded}, ran {ran}");
    println!("{loaded} of 300 damaged CAPs loaded, {ran} installed and ran");
}
