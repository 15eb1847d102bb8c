//! The interpreter benchmark behind `jcos bench vm`: a compute kernel typical of applet code
//! (short arithmetic and shifts, byte array loads and stores, a static call per iteration,
//! a counted loop) run through the real dispatch loop, counting executed bytecodes with the
//! instruction budget's counter.

use std::time::{Duration, Instant};

use super::{Completion, Env, Limits, Machine, Trap};
use crate::heap::{ContextId, Heap};
use crate::native::Jcre;
use crate::program::{ArrayType, Cond, Insn, Method, MethodId, MethodTarget, PackageId};
use crate::runtime::{Command, Runtime};

/// Iterations of the kernel's loop per call (a short loop counter).
pub const KERNEL_ITERATIONS: i16 = 10_000;
/// Instructions before the loop (array creation and local initialisation).
pub const KERNEL_SETUP: u64 = 7;
/// Instructions per loop iteration, the callee included.
pub const KERNEL_PER_ITERATION: u64 = 40;
/// Instructions after the loop.
pub const KERNEL_TAIL: u64 = 2;

/// What a benchmark run measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchReport {
    /// Bytecodes executed.
    pub executed: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Kernel calls made.
    pub calls: u64,
    /// The last call's result (keeps the work observable).
    pub result: i32,
}

impl BenchReport {
    /// Executed bytecodes per second.
    pub fn bytecodes_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.executed as f64 / secs
        } else {
            0.0
        }
    }
}

/// Why the benchmark could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BenchError {
    /// The API tables or JCRE objects could not be set up.
    #[error("setup: {0}")]
    Setup(String),
    /// The kernel trapped.
    #[error("kernel trapped: {0}")]
    Trap(#[from] Trap),
    /// The kernel threw.
    #[error("kernel threw {0:?}")]
    Threw(super::Thrown),
}

struct NoServices;

impl Runtime for NoServices {
    fn command(&self) -> Command<'_> {
        Command {
            header: [0; 4],
            data: &[],
            ne: 0,
            extended: false,
        }
    }
    fn send(&mut self, _: &[u8]) {}
    fn selecting_applet(&self) -> bool {
        false
    }
    fn random(&mut self, dst: &mut [u8]) {
        dst.fill(0);
    }
}

/// The kernel: `kernel(short n)` and its callee `mix(short a)`.
///
/// ```text
/// short kernel(short n) {
///     byte[] buf = new byte[32]; short acc = 1; short i = 0;
///     do {
///         acc = (short) ((acc ^ (acc << 3)) + i);
///         buf[i & 31] = (byte) acc;
///         acc += buf[(i + 7) & 31];
///         acc = mix(acc);
///         i++;
///     } while (i < n);
///     return acc;
/// }
/// static short mix(short a) { return (short) ((a >> 1) + (a & 7) + 1); }
/// ```
pub fn kernel_methods() -> Vec<Method> {
    let kernel = vec![
        // setup: 7
        Insn::Sconst(32),
        Insn::Newarray(ArrayType::Byte),
        Insn::Store(3),
        Insn::Sconst(1),
        Insn::Store(2),
        Insn::Sconst(0),
        Insn::Store(1),
        // loop body (index 7): 30 here + 10 in mix = 40
        Insn::Load(2),
        Insn::Load(2),
        Insn::Sconst(3),
        Insn::Sshl,
        Insn::Sxor,
        Insn::Load(1),
        Insn::Sadd,
        Insn::Store(2),
        Insn::Load(3),
        Insn::Load(1),
        Insn::Sconst(31),
        Insn::Sand,
        Insn::Load(2),
        Insn::S2b,
        Insn::Bastore,
        Insn::Load(2),
        Insn::Load(3),
        Insn::Load(1),
        Insn::Sconst(7),
        Insn::Sadd,
        Insn::Sconst(31),
        Insn::Sand,
        Insn::Baload,
        Insn::Sadd,
        Insn::InvokeStatic(MethodId(1)),
        Insn::Store(2),
        Insn::Sinc(1, 1),
        Insn::Load(1),
        Insn::Load(0),
        Insn::IfScmp(Cond::Lt, 7),
        // tail: 2
        Insn::Load(2),
        Insn::Return1,
    ];
    let mix = vec![
        Insn::Load(0),
        Insn::Sconst(1),
        Insn::Sshr,
        Insn::Load(0),
        Insn::Sconst(7),
        Insn::Sand,
        Insn::Sadd,
        Insn::Sconst(1),
        Insn::Sadd,
        Insn::Return1,
    ];
    let method = |nargs, max_locals, code: Vec<Insn>| Method {
        name: "bench".into(),
        package: PackageId(0),
        nargs,
        max_locals,
        max_stack: 8,
        offset: 0,
        pcs: (0..code.len() as u16).collect(),
        code,
        switches: Vec::new(),
        handlers: Vec::new(),
    };
    vec![method(1, 3, kernel), method(1, 0, mix)]
}

/// Runs the kernel until at least `min_bytecodes` bytecodes have executed.
pub fn bench_loop(min_bytecodes: u64) -> Result<BenchReport, BenchError> {
    let api = crate::api::builtin().map_err(|e| BenchError::Setup(e.to_string()))?;
    let mut program = crate::native::builtin::program(api.views())
        .map_err(|e| BenchError::Setup(e.to_string()))?;
    program.methods = kernel_methods();
    let mut heap = Heap::new();
    let mut jcre =
        Jcre::new(&program, &mut heap, 261).map_err(|e| BenchError::Setup(e.to_string()))?;
    let mut machine = Machine::new(Limits::default());
    let mut rt = NoServices;
    let start = Instant::now();
    let mut calls = 0u64;
    let mut result = 0;
    while machine.executed() < min_bytecodes {
        let mut env = Env {
            program: &program,
            heap: &mut heap,
            jcre: &mut jcre,
            runtime: &mut rt,
        };
        match machine.invoke(
            &mut env,
            MethodTarget::Bytecode(MethodId(0)),
            &[i32::from(KERNEL_ITERATIONS)],
            ContextId(1),
        )? {
            Completion::Return(v) => result = v,
            Completion::Threw(t) => return Err(BenchError::Threw(t)),
        }
        calls += 1;
        // Each call allocates a 32-byte array; start over before the heap fills.
        if heap.persistent_available() < 4096 {
            heap = Heap::new();
            jcre = Jcre::new(&program, &mut heap, 261)
                .map_err(|e| BenchError::Setup(e.to_string()))?;
        }
    }
    Ok(BenchReport {
        executed: machine.executed(),
        elapsed: start.elapsed(),
        calls,
        result,
    })
}
