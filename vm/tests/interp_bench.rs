//! The interpreter benchmark kernel: its bytecode count and result are checked against a
//! direct Rust rendering of the Java source, and the rate is printed (run with `--release
//! -- --nocapture` for the figure).

use jcos_vm::interp::bench::{
    bench_loop, KERNEL_ITERATIONS, KERNEL_PER_ITERATION, KERNEL_SETUP, KERNEL_TAIL,
};

/// The kernel's Java source evaluated with Java's int-then-narrow semantics.
fn kernel_in_rust(n: i16) -> i16 {
    let mut buf = [0i8; 32];
    let mut acc: i16 = 1;
    let mut i: i16 = 0;
    loop {
        let a = i32::from(acc);
        acc = ((a ^ (a << 3)) + i32::from(i)) as i16;
        buf[(i & 31) as usize] = acc as i8;
        acc = (i32::from(acc) + i32::from(buf[((i32::from(i) + 7) & 31) as usize])) as i16;
        let a = i32::from(acc);
        acc = ((a >> 1) + (a & 7) + 1) as i16;
        i += 1;
        if i >= n {
            return acc;
        }
    }
}

#[test]
fn kernel_counts_every_bytecode_and_computes_the_java_result() {
    let report = bench_loop(1).expect("kernel runs");
    assert_eq!(report.calls, 1);
    let per_call = KERNEL_SETUP
        + u64::try_from(KERNEL_ITERATIONS).unwrap() * KERNEL_PER_ITERATION
        + KERNEL_TAIL;
    assert_eq!(report.executed, per_call);
    assert_eq!(report.result, i32::from(kernel_in_rust(KERNEL_ITERATIONS)));
}

#[test]
fn kernel_rate() {
    let min = if cfg!(debug_assertions) {
        2_000_000
    } else {
        300_000_000
    };
    let report = bench_loop(min).expect("kernel runs");
    println!(
        "interpreter: {} bytecodes in {:?}: {:.1} M bytecodes/s",
        report.executed,
        report.elapsed,
        report.bytecodes_per_second() / 1e6
    );
    assert!(report.executed >= min);
}
