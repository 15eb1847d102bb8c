//! Interpreter tests on hand-built instruction sequences. Expected values follow Java
//! semantics (JLS §15.17, §15.19: int arithmetic, then the narrowing cast to short).

use super::*;
use crate::heap::Heap;
use crate::native::Jcre;
use crate::program::{ArrayType, ClassId, Cond, Handler, Insn, Method, PackageId, Switch};
use crate::runtime::Command;

struct Quiet;

impl Runtime for Quiet {
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

fn method(nargs: u8, max_locals: u8, code: Vec<Insn>) -> Method {
    Method {
        name: "test".into(),
        package: PackageId(0),
        nargs,
        max_locals,
        max_stack: 8,
        offset: 0,
        pcs: (0..code.len() as u16).collect(),
        code,
        switches: Vec::new(),
        handlers: Vec::new(),
    }
}

struct Harness {
    program: Program,
    heap: Heap,
    jcre: Jcre,
    machine: Machine,
}

impl Harness {
    fn new(methods: Vec<Method>) -> Harness {
        Harness::with_limits(methods, Limits::default())
    }

    fn with_limits(methods: Vec<Method>, limits: Limits) -> Harness {
        let api = crate::api::builtin().expect("API tables");
        let mut program = crate::native::builtin::program(api.views()).expect("builtin program");
        program.methods = methods;
        let mut heap = Heap::new();
        let jcre = Jcre::new(&program, &mut heap, 261).expect("JCRE");
        Harness {
            program,
            heap,
            jcre,
            machine: Machine::new(limits),
        }
    }

    fn call(&mut self, m: u16, args: &[i32]) -> Result<Completion, Trap> {
        let mut rt = Quiet;
        let mut env = Env {
            program: &self.program,
            heap: &mut self.heap,
            jcre: &mut self.jcre,
            runtime: &mut rt,
        };
        self.machine.invoke(
            &mut env,
            MethodTarget::Bytecode(MethodId(m)),
            args,
            ContextId(1),
        )
    }

    fn class(&self, name: &str) -> ClassId {
        self.program.class_by_name(name).expect("API class")
    }
}

/// Runs a one-instruction short operation on two shorts.
fn short_op(op: Insn, a: i16, b: i16) -> Result<Completion, Trap> {
    let code = vec![Insn::Load(0), Insn::Load(1), op, Insn::Return1];
    Harness::new(vec![method(2, 0, code)]).call(0, &[i32::from(a), i32::from(b)])
}

fn short_result(op: Insn, a: i16, b: i16) -> i32 {
    match short_op(op, a, b) {
        Ok(Completion::Return(v)) => v,
        other => panic!("{op:?} {a} {b}: {other:?}"),
    }
}

#[test]
fn short_arithmetic_wraps_like_java() {
    assert_eq!(short_result(Insn::Sadd, 0x7FFF, 1), -32768);
    assert_eq!(short_result(Insn::Ssub, -32768, 1), 32767);
    assert_eq!(short_result(Insn::Smul, 300, 300), 24464); // (short) 90000
    assert_eq!(short_result(Insn::Sdiv, -32768, -1), -32768); // (short) 32768
    assert_eq!(short_result(Insn::Srem, -32768, -1), 0);
    assert_eq!(short_result(Insn::Sdiv, -7, 2), -3);
    assert_eq!(short_result(Insn::Srem, -7, 2), -1);
    assert_eq!(short_result(Insn::Sand, -1, 0x0F0F), 0x0F0F);
    assert_eq!(short_result(Insn::Sor, 0x00F0, 0x0F00), 0x0FF0);
    assert_eq!(short_result(Insn::Sxor, -1, 0x00FF), -256);
}

#[test]
fn short_shifts_sign_extend_first() {
    assert_eq!(short_result(Insn::Sshl, 1, 15), -32768);
    assert_eq!(short_result(Insn::Sshl, 1, 16), 0); // (short)(1 << 16)
    assert_eq!(short_result(Insn::Sshl, 1, 33), 2); // count masked to 5 bits
    assert_eq!(short_result(Insn::Sshr, -32768, 15), -1);
    assert_eq!(short_result(Insn::Sushr, -1, 3), -1); // (short)(0xFFFFFFFF >>> 3)
    assert_eq!(short_result(Insn::Sushr, -32768, 1), -16384); // (short) 0x7FFFC000
    assert_eq!(short_result(Insn::Sushr, 0x4000, 14), 1);
}

#[test]
fn short_division_by_zero_throws_arithmetic_exception() {
    assert_eq!(
        short_op(Insn::Sdiv, 1, 0),
        Ok(Completion::Threw(Thrown::Vm(VmException::Arithmetic)))
    );
    assert_eq!(
        short_op(Insn::Srem, 1, 0),
        Ok(Completion::Threw(Thrown::Vm(VmException::Arithmetic)))
    );
}

#[test]
fn negation_and_narrowing() {
    let code = vec![Insn::Load(0), Insn::Sneg, Insn::Return1];
    let mut h = Harness::new(vec![method(1, 0, code)]);
    assert_eq!(h.call(0, &[-32768]), Ok(Completion::Return(-32768)));
    let code = vec![Insn::Load(0), Insn::S2b, Insn::Return1];
    let mut h = Harness::new(vec![method(1, 0, code)]);
    assert_eq!(h.call(0, &[0x1234]), Ok(Completion::Return(0x34)));
    assert_eq!(h.call(0, &[0x00FF]), Ok(Completion::Return(-1)));
}

/// Runs `a op b` on ints passed as two-word arguments.
fn int_result(op: Insn, a: i32, b: i32) -> Result<Completion, Trap> {
    let code = vec![Insn::Load2(0), Insn::Load2(2), op, Insn::Return2];
    Harness::new(vec![method(4, 0, code)]).call(0, &[a, 0, b, 0])
}

#[test]
fn int_arithmetic_wraps_like_java() {
    let ok = |v| Ok(Completion::Return(v));
    assert_eq!(int_result(Insn::Iadd, i32::MAX, 1), ok(i32::MIN));
    assert_eq!(int_result(Insn::Imul, 0x10000, 0x10000), ok(0));
    assert_eq!(int_result(Insn::Idiv, i32::MIN, -1), ok(i32::MIN));
    assert_eq!(int_result(Insn::Irem, i32::MIN, -1), ok(0));
    assert_eq!(int_result(Insn::Iushr, -1, 28), ok(15));
    assert_eq!(int_result(Insn::Ishr, -16, 2), ok(-4));
    assert_eq!(int_result(Insn::Ishl, 1, 31), ok(i32::MIN));
    assert_eq!(
        int_result(Insn::Idiv, 5, 0),
        Ok(Completion::Threw(Thrown::Vm(VmException::Arithmetic)))
    );
}

#[test]
fn int_compare_and_conversions() {
    let code = vec![Insn::Load2(0), Insn::Load2(2), Insn::Icmp, Insn::Return1];
    let mut h = Harness::new(vec![method(4, 0, code)]);
    assert_eq!(h.call(0, &[-5, 0, 3, 0]), Ok(Completion::Return(-1)));
    assert_eq!(h.call(0, &[7, 0, 7, 0]), Ok(Completion::Return(0)));
    assert_eq!(
        h.call(0, &[i32::MAX, 0, i32::MIN, 0]),
        Ok(Completion::Return(1))
    );
    // (short) 0x12348765 and (byte) of it; s2i of a negative short.
    let code = vec![Insn::Iconst(0x1234_8765), Insn::I2s, Insn::Return1];
    assert_eq!(
        Harness::new(vec![method(0, 0, code)]).call(0, &[]),
        Ok(Completion::Return(-30875))
    );
    let code = vec![Insn::Iconst(0x1234_8765), Insn::I2b, Insn::Return1];
    assert_eq!(
        Harness::new(vec![method(0, 0, code)]).call(0, &[]),
        Ok(Completion::Return(0x65))
    );
    let code = vec![
        Insn::Sconst(-2),
        Insn::S2i,
        Insn::Iconst(1),
        Insn::Iadd,
        Insn::Return2,
    ];
    assert_eq!(
        Harness::new(vec![method(0, 0, code)]).call(0, &[]),
        Ok(Completion::Return(-1))
    );
}

#[test]
fn loops_and_branches() {
    // short sum = 0; for (short i = 1; i <= n; i++) sum += i; return sum;
    let code = vec![
        Insn::Sconst(0),            // 0
        Insn::Store(2),             // 1 sum
        Insn::Sconst(1),            // 2
        Insn::Store(1),             // 3 i
        Insn::Load(1),              // 4
        Insn::Load(0),              // 5
        Insn::IfScmp(Cond::Gt, 12), // 6
        Insn::Load(2),              // 7
        Insn::Load(1),              // 8
        Insn::Sadd,                 // 9
        Insn::Store(2),             // 10
        Insn::Sinc(1, 1),           // 11 (falls into the goto below)
        Insn::Goto(14),             // 12 -> exit path when reached from 6
        Insn::Nop,                  // 13
        Insn::Load(1),              // 14
        Insn::Load(0),              // 15
        Insn::IfScmp(Cond::Le, 7),  // 16 loop while i <= n
        Insn::Load(2),              // 17
        Insn::Return1,              // 18
    ];
    let mut h = Harness::new(vec![method(1, 2, code)]);
    assert_eq!(h.call(0, &[10]), Ok(Completion::Return(55)));
    assert_eq!(h.call(0, &[0]), Ok(Completion::Return(0)));
    // 1 + ... + 300 = 45150 wraps to (short) -20386.
    assert_eq!(h.call(0, &[300]), Ok(Completion::Return(-20386)));
}

#[test]
fn dense_and_sparse_switches() {
    let mut m = method(
        1,
        0,
        vec![
            Insn::Load(0),
            Insn::Stableswitch(0),
            Insn::Sconst(10),
            Insn::Return1,
            Insn::Sconst(11),
            Insn::Return1,
            Insn::Sconst(-1),
            Insn::Return1,
        ],
    );
    m.switches.push(Switch::Table {
        default: 6,
        low: 3,
        targets: vec![2, 4],
    });
    let mut l = method(
        1,
        0,
        vec![
            Insn::Load(0),
            Insn::Slookupswitch(0),
            Insn::Sconst(1),
            Insn::Return1,
            Insn::Sconst(2),
            Insn::Return1,
            Insn::Sconst(99),
            Insn::Return1,
        ],
    );
    l.switches.push(Switch::Lookup {
        default: 6,
        pairs: vec![(-12800, 2), (500, 4)],
    });
    let mut h = Harness::new(vec![m, l]);
    assert_eq!(h.call(0, &[3]), Ok(Completion::Return(10)));
    assert_eq!(h.call(0, &[4]), Ok(Completion::Return(11)));
    assert_eq!(h.call(0, &[5]), Ok(Completion::Return(-1)));
    assert_eq!(h.call(0, &[-32768]), Ok(Completion::Return(-1)));
    assert_eq!(h.call(1, &[-12800]), Ok(Completion::Return(1)));
    assert_eq!(h.call(1, &[500]), Ok(Completion::Return(2)));
    assert_eq!(h.call(1, &[0]), Ok(Completion::Return(99)));
}

#[test]
fn exceptions_unwind_across_frames_to_the_matching_handler() {
    // m0: try { return m1(n); } catch (NullPointerException) { return 1; }
    //     catch (ArithmeticException) { return 2; }
    // m1: return m2(n);  m2: return 100 / n;
    let mut h = Harness::new(Vec::new());
    let npe = h.class("java/lang/NullPointerException");
    let arith = h.class("java/lang/ArithmeticException");
    let mut m0 = method(
        1,
        0,
        vec![
            Insn::Load(0),
            Insn::InvokeStatic(MethodId(1)),
            Insn::Return1,
            Insn::Pop,
            Insn::Sconst(1),
            Insn::Return1,
            Insn::Pop,
            Insn::Sconst(2),
            Insn::Return1,
        ],
    );
    m0.handlers = vec![
        Handler {
            start: 0,
            end: 3,
            handler: 3,
            catch: Some(npe),
        },
        Handler {
            start: 0,
            end: 3,
            handler: 6,
            catch: Some(arith),
        },
    ];
    let m1 = method(
        1,
        0,
        vec![
            Insn::Load(0),
            Insn::InvokeStatic(MethodId(2)),
            Insn::Return1,
        ],
    );
    let m2 = method(
        1,
        0,
        vec![Insn::Sconst(100), Insn::Load(0), Insn::Sdiv, Insn::Return1],
    );
    h.program.methods = vec![m0, m1, m2];
    assert_eq!(h.call(0, &[4]), Ok(Completion::Return(25)));
    assert_eq!(h.call(0, &[0]), Ok(Completion::Return(2)));
    // The caught exception is the JCRE's ArithmeticException singleton.
    let mut m3 = method(
        0,
        0,
        vec![
            Insn::Sconst(1),
            Insn::Sconst(0),
            Insn::Sdiv,
            Insn::Return1,
            Insn::Return1,
        ],
    );
    m3.handlers = vec![Handler {
        start: 0,
        end: 4,
        handler: 4,
        catch: None,
    }];
    h.program.methods.push(m3);
    let Ok(Completion::Return(r)) = h.call(3, &[]) else {
        panic!("finally handler returns the exception");
    };
    let obj = crate::heap::ObjRef::from_word(r).expect("exception object");
    assert!(crate::firewall::is_entry_point(
        h.heap.get(obj).expect("object")
    ));
}

#[test]
fn uncaught_exception_reaches_the_caller_of_the_vm() {
    let mut h = Harness::new(Vec::new());
    let npe = h.class("java/lang/NullPointerException");
    let mut m0 = method(
        0,
        0,
        vec![Insn::InvokeStatic(MethodId(1)), Insn::Return, Insn::Return],
    );
    m0.handlers = vec![Handler {
        start: 0,
        end: 1,
        handler: 2,
        catch: Some(npe),
    }];
    let m1 = method(
        0,
        0,
        vec![
            Insn::Sconst(5),
            Insn::Newarray(ArrayType::Byte),
            Insn::Sconst(5),
            Insn::Baload,
            Insn::Return1,
        ],
    );
    h.program.methods = vec![m0, m1];
    assert_eq!(
        h.call(0, &[]),
        Ok(Completion::Threw(Thrown::Vm(
            VmException::ArrayIndexOutOfBounds
        )))
    );
}

#[test]
fn arrays_check_null_bounds_and_size() {
    let code = vec![
        Insn::Load(0),
        Insn::Newarray(ArrayType::Short),
        Insn::Dup,
        Insn::Sconst(2),
        Insn::Sconst(-7),
        Insn::Sastore,
        Insn::Sconst(2),
        Insn::Saload,
        Insn::Return1,
    ];
    let mut h = Harness::new(vec![method(1, 0, code)]);
    assert_eq!(h.call(0, &[3]), Ok(Completion::Return(-7)));
    assert_eq!(
        h.call(0, &[2]),
        Ok(Completion::Threw(Thrown::Vm(
            VmException::ArrayIndexOutOfBounds
        )))
    );
    assert_eq!(
        h.call(0, &[-1]),
        Ok(Completion::Threw(Thrown::Vm(
            VmException::NegativeArraySize
        )))
    );
    let code = vec![Insn::AconstNull, Insn::Arraylength, Insn::Return1];
    assert_eq!(
        Harness::new(vec![method(0, 0, code)]).call(0, &[]),
        Ok(Completion::Threw(Thrown::Vm(VmException::NullPointer)))
    );
}

#[test]
fn stack_words_dup_x_swap_x_jsr_ret() {
    // 1 2 3, dup_x m=1 n=2 -> 1 3 2 3; then sub/add to observe order: ((3 - 2) + 3) * 1... as
    // 1 3 2 3 -> ssub -> 1 3 -1 -> sadd -> 1 2 -> smul -> 2.
    let code = vec![
        Insn::Sconst(1),
        Insn::Sconst(2),
        Insn::Sconst(3),
        Insn::DupX { m: 1, n: 2 },
        Insn::Ssub,
        Insn::Sadd,
        Insn::Smul,
        Insn::Return1,
    ];
    assert_eq!(
        Harness::new(vec![method(0, 0, code)]).call(0, &[]),
        Ok(Completion::Return(2))
    );
    // 5 9, swap_x 1,1 -> 9 5, ssub -> 4.
    let code = vec![
        Insn::Sconst(5),
        Insn::Sconst(9),
        Insn::SwapX { m: 1, n: 1 },
        Insn::Ssub,
        Insn::Return1,
    ];
    assert_eq!(
        Harness::new(vec![method(0, 0, code)]).call(0, &[]),
        Ok(Completion::Return(4))
    );
    // jsr to a subroutine that adds 40 to local 0 and returns through ret.
    let code = vec![
        Insn::Sconst(2),
        Insn::Store(0),
        Insn::Jsr(5),
        Insn::Load(0),
        Insn::Return1,
        Insn::Store(1),
        Insn::Sinc(0, 40),
        Insn::Ret(1),
    ];
    assert_eq!(
        Harness::new(vec![method(0, 2, code)]).call(0, &[]),
        Ok(Completion::Return(42))
    );
}

#[test]
fn stack_exhaustion_traps_and_the_machine_stays_usable() {
    let recurse = method(
        1,
        0,
        vec![
            Insn::Load(0),
            Insn::InvokeStatic(MethodId(0)),
            Insn::Return1,
        ],
    );
    let simple = method(0, 0, vec![Insn::Sconst(7), Insn::Return1]);
    let mut h = Harness::with_limits(
        vec![recurse, simple],
        Limits {
            stack_words: 4096,
            max_frames: 64,
            budget: 1_000_000,
        },
    );
    assert_eq!(h.call(0, &[1]), Err(Trap::StackOverflow));
    assert_eq!(h.call(1, &[]), Ok(Completion::Return(7)));
    // The word stack runs out before the frame limit with big frames.
    let mut big = method(0, 250, vec![Insn::InvokeStatic(MethodId(0)), Insn::Return]);
    big.max_stack = 4;
    let mut h = Harness::with_limits(
        vec![big],
        Limits {
            stack_words: 1024,
            max_frames: 1000,
            budget: 1_000_000,
        },
    );
    assert_eq!(h.call(0, &[]), Err(Trap::StackOverflow));
}

#[test]
fn budget_exhaustion_traps_a_looping_method() {
    let spin = method(0, 0, vec![Insn::Nop, Insn::Goto(0)]);
    let mut h = Harness::with_limits(
        vec![spin],
        Limits {
            stack_words: 256,
            max_frames: 8,
            budget: 1000,
        },
    );
    assert_eq!(h.call(0, &[]), Err(Trap::BudgetExhausted));
    assert_eq!(h.machine.executed(), 1000);
}

#[test]
fn malformed_code_throws_security_exception_instead_of_panicking() {
    // Popping an empty operand stack into negative territory, a local far out of range, and
    // running off the end of the code.
    for code in [
        vec![Insn::Pop, Insn::Pop, Insn::Pop, Insn::Return],
        vec![Insn::Load(60000), Insn::Return1],
        vec![Insn::Nop],
    ] {
        let r = Harness::new(vec![method(0, 0, code)]).call(0, &[]);
        assert_eq!(r, Ok(Completion::Threw(Thrown::Vm(VmException::Security))));
    }
}
