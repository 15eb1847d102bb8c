//! `jcos bench`: performance figures, printed, never asserted.

use super::bench_transport::{self, Measured};
use crate::args::{BenchArgs, BenchKind};
use crate::Outcome;
use anyhow::{bail, Context};
use jcos_cos::{Card, CardConfig, Durability, InstallRequest};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The command both benchmarks send: SELECT of an AID no applet has (answered 6A82).
const SELECT_UNKNOWN: [u8; 10] = [0x00, 0xA4, 0x04, 0x00, 0x05, 0xF0, 0x00, 0x00, 0x00, 0x01];
/// Runs of `jcos send` the cold-start figure is taken over.
const COLD_RUNS: usize = 20;
/// The counter applet (`applets/counter`), the trivial applet of the durable benchmark.
const COUNTER_CAP: &[u8] = include_bytes!("../../../../applets/counter/counter.cap");
/// Its applet class AID, also used as the instance AID.
const COUNTER_AID: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x02, 0x01, 0x01];
/// The interpreter benchmark applet, built from `applets/bench/` by `jcos build`.
const BENCH_CAP: &[u8] = include_bytes!("../../../../applets/bench/bench.cap");
/// The bench applet's class AID, also used as its instance AID.
const BENCH_AID: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x02, 0x02, 0x01];
/// Counter INCREMENT and RESET: each changes the persistent counter (one field write).
const COUNTER_WRITES: [[u8; 5]; 2] = [
    [0x80, 0x02, 0x00, 0x00, 0x02],
    [0x80, 0x03, 0x00, 0x00, 0x02],
];

#[derive(Debug, Serialize)]
struct ApduFigure {
    command: &'static str,
    apdus: u64,
    seconds: f64,
    apdus_per_second: f64,
}

#[derive(Debug, Serialize)]
struct ColdStartFigure {
    command: String,
    runs: usize,
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    peak_memory_kib: Option<u64>,
}

#[derive(Debug, Serialize)]
struct VmFigure {
    kernel: &'static str,
    bytecodes: u64,
    seconds: f64,
    bytecodes_per_second: f64,
}

#[derive(Debug, Serialize)]
struct DurableFigure {
    command: &'static str,
    durability: &'static str,
    directory: String,
    apdus: u64,
    seconds: f64,
    apdus_per_second: f64,
}

#[derive(Debug, Default, Serialize)]
struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    apdu: Option<ApduFigure>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    durable: Vec<DurableFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cold_start: Option<ColdStartFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vm: Option<VmFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pcsc: Option<Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp: Option<Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applet: Option<Result<super::bench_applet::AppletFigure, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cold_start_applet: Option<Result<super::bench_applet::ColdStartAppletFigure, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    crypto: Option<Vec<super::bench_crypto::CryptoFigure>>,
}

/// Runs the chosen benchmarks and prints their figures.
pub fn run(args: &BenchArgs) -> anyhow::Result<Outcome> {
    let all = args.which.is_none();
    let mut report = Report::default();
    if all || args.which == Some(BenchKind::Apdu) {
        let figure = apdu_throughput();
        if !args.json {
            println!(
                "apdu        in-process, bare card, {}: {:.0} APDUs/s ({} APDUs in {:.2} s)",
                figure.command, figure.apdus_per_second, figure.apdus, figure.seconds
            );
        }
        report.apdu = Some(figure);
    }
    if all || args.which == Some(BenchKind::Durable) {
        for (durability, budget) in [
            (Durability::Os, Duration::from_secs(1)),
            (Durability::Device, Duration::from_secs(2)),
        ] {
            let figure = durable_throughput(durability, budget)?;
            if !args.json {
                println!(
                    "durable     {}, {}: {:.0} APDUs/s ({} APDUs in {:.2} s, image in {})",
                    figure.command,
                    figure.durability,
                    figure.apdus_per_second,
                    figure.apdus,
                    figure.seconds,
                    figure.directory
                );
            }
            report.durable.push(figure);
        }
    }
    if all || args.which == Some(BenchKind::ColdStart) {
        let figure = cold_start()?;
        if !args.json {
            let memory = figure.peak_memory_kib.map_or("unknown".to_string(), |kib| {
                format!("{:.1} MiB", kib as f64 / 1024.0)
            });
            println!(
                "cold-start  {}: median {:.2} ms, min {:.2} ms, max {:.2} ms over {} runs; peak memory {}",
                figure.command, figure.median_ms, figure.min_ms, figure.max_ms, figure.runs, memory
            );
        }
        report.cold_start = Some(figure);
    }
    if all || args.which == Some(BenchKind::Vm) {
        let figure = vm_throughput()?;
        if !args.json {
            println!(
                "vm          {}: {:.1} M bytecodes/s ({} bytecodes in {:.2} s)",
                figure.kernel,
                figure.bytecodes_per_second / 1e6,
                figure.bytecodes,
                figure.seconds
            );
        }
        report.vm = Some(figure);
    }
    if all || args.which == Some(BenchKind::Pcsc) {
        let figure = bench_transport::pcsc()?;
        if !args.json {
            println!("{}", figure.to_text("pcsc"));
        }
        report.pcsc = Some(figure);
    }
    if all || args.which == Some(BenchKind::Tcp) {
        let figure = bench_transport::tcp()?;
        if !args.json {
            println!("{}", figure.to_text("tcp"));
        }
        report.tcp = Some(figure);
    }
    if all || args.which == Some(BenchKind::Applet) {
        let figure = super::bench_applet::throughput()?;
        if !args.json {
            match &figure {
                Ok(f) => println!(
                    "applet      in-process, in-memory card, {}: {:.0} APDUs/s ({} APDUs in {:.2} s)",
                    f.command, f.apdus_per_second, f.apdus, f.seconds
                ),
                Err(why) => println!("applet      not available: {why}"),
            }
        }
        report.applet = Some(figure);
    }
    if all || args.which == Some(BenchKind::ColdStartApplet) {
        let figure = super::bench_applet::cold_start()?;
        if !args.json {
            match &figure {
                Ok(f) => println!(
                    "cold-start-applet  {}: median {:.2} ms (processor time {}), min {:.2} ms, max {:.2} ms over {} runs; peak memory {}",
                    f.command,
                    f.median_ms,
                    f.median_cpu_ms
                        .map_or("unknown".to_string(), |ms| format!("{ms:.2} ms")),
                    f.min_ms,
                    f.max_ms,
                    f.runs,
                    f.peak_memory_kib.map_or("unknown".to_string(), |kib| {
                        format!("{:.1} MiB", kib as f64 / 1024.0)
                    })
                ),
                Err(why) => println!("cold-start-applet  not available: {why}"),
            }
        }
        report.cold_start_applet = Some(figure);
    }
    if all || args.which == Some(BenchKind::Crypto) {
        let figures = super::bench_crypto::run()?;
        if !args.json {
            for f in &figures {
                println!("{}", f.to_text());
            }
        }
        report.crypto = Some(figures);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(Outcome::Pass)
}

/// APDUs per second through `Card::transmit`, measured for about one second.
fn apdu_throughput() -> ApduFigure {
    let mut card = Card::new(CardConfig::default());
    card.power_on();
    let budget = Duration::from_secs(1);
    let start = Instant::now();
    let mut apdus: u64 = 0;
    while start.elapsed() < budget {
        // Check the clock every 1024 APDUs so timing does not dominate.
        for _ in 0..1024 {
            std::hint::black_box(card.transmit(std::hint::black_box(&SELECT_UNKNOWN)));
        }
        apdus += 1024;
    }
    let seconds = start.elapsed().as_secs_f64();
    ApduFigure {
        command: "SELECT unknown AID (6A82)",
        apdus,
        seconds,
        apdus_per_second: apdus as f64 / seconds,
    }
}

/// APDUs per second on a card image opened for durable use, for a counter applet command
/// that changes persistent state, so every APDU appends a journal record before its answer.
fn durable_throughput(durability: Durability, budget: Duration) -> anyhow::Result<DurableFigure> {
    let dir = ScratchDir::new()?;
    let image = dir.path().join("durable.img");
    let mut card = Card::create_image(&image, CardConfig::default())?;
    card.load_package(COUNTER_CAP)
        .context("cannot load the counter applet")?;
    card.install_applet(&InstallRequest::new(&COUNTER_AID, &COUNTER_AID, &[]))
        .context("cannot install the counter applet")?;
    card.save_image(&image)?;
    drop(card);
    let mut card = Card::open_durable(&image, durability)?;
    let mut select = vec![0x00, 0xA4, 0x04, 0x00, 0x08];
    select.extend(COUNTER_AID);
    if card.transmit(&select) != [0x90, 0x00] {
        bail!("the counter applet does not answer SELECT");
    }
    for command in &COUNTER_WRITES {
        let response = card.transmit(command);
        if !response.ends_with(&[0x90, 0x00]) {
            bail!(
                "the counter applet answered {}",
                jcos_apdu::hex::encode(&response)
            );
        }
    }
    let start = Instant::now();
    let mut apdus: u64 = 0;
    while start.elapsed() < budget {
        for command in COUNTER_WRITES.iter().cycle().take(64) {
            std::hint::black_box(card.transmit(std::hint::black_box(command)));
        }
        apdus += 64;
    }
    let seconds = start.elapsed().as_secs_f64();
    card.checkpoint()?;
    Ok(DurableFigure {
        command: "counter INCREMENT/RESET (one persistent write each)",
        durability: match durability {
            Durability::Os => "journal handed to the OS",
            Durability::Device => "journal synced to the device (--fsync)",
        },
        directory: dir.path().display().to_string(),
        apdus,
        seconds,
        apdus_per_second: apdus as f64 / seconds,
    })
}

/// Bytecodes per second of the interpreter running the bench applet (loaded, verified and
/// linked from its CAP file like any applet) for about 1.5 s; the count is the VM's budget counter.
fn vm_throughput() -> anyhow::Result<VmFigure> {
    let mut card = Card::new(CardConfig::default());
    card.load_package(BENCH_CAP)
        .context("cannot load the bench applet")?;
    card.install_applet(&InstallRequest::new(&BENCH_AID, &BENCH_AID, &[]))
        .context("cannot install the bench applet")?;
    let mut select = vec![0x00, 0xA4, 0x04, 0x00, 0x08];
    select.extend(BENCH_AID);
    if card.transmit(&select) != [0x90, 0x00] {
        bail!("the bench applet does not answer SELECT");
    }
    let executed = |card: &Card| card.vm().map_or(0, |vm| vm.executed());
    // RUN with 0x7FFF iterations per command.
    let run = [0x80, 0x10, 0x7F, 0xFF, 0x02];
    let before = executed(&card);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        let response = card.transmit(&run);
        if !response.ends_with(&[0x90, 0x00]) {
            bail!(
                "the bench applet answered {}",
                jcos_apdu::hex::encode(&response)
            );
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let bytecodes = executed(&card).saturating_sub(before);
    Ok(VmFigure {
        kernel: "bench applet (applets/bench): short arithmetic, byte array loads and stores, a static call per iteration",
        bytecodes,
        seconds,
        bytecodes_per_second: bytecodes as f64 / seconds,
    })
}

/// Wall time and peak memory of `jcos send IMAGE <SELECT>` as separate processes.
fn cold_start() -> anyhow::Result<ColdStartFigure> {
    let exe = std::env::current_exe().context("cannot find the jcos executable")?;
    let dir = ScratchDir::new()?;
    let image = dir.path().join("bench.img");
    jcos(&exe, &["card", "new"], &image, &[])?;
    let apdu = jcos_apdu::hex::encode(&SELECT_UNKNOWN);
    let mut times = Vec::with_capacity(COLD_RUNS);
    for _ in 0..COLD_RUNS {
        let start = Instant::now();
        jcos(&exe, &["send"], &image, &[&apdu])?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let median_ms = times.get(COLD_RUNS / 2).copied().unwrap_or_default();
    Ok(ColdStartFigure {
        command: format!("jcos send IMAGE {apdu}"),
        runs: COLD_RUNS,
        median_ms,
        min_ms: times.first().copied().unwrap_or_default(),
        max_ms: times.last().copied().unwrap_or_default(),
        peak_memory_kib: children_peak_rss_kib(),
    })
}

fn jcos(exe: &Path, command: &[&str], image: &Path, rest: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(exe)
        .args(command)
        .arg(image)
        .args(rest)
        .stdout(std::process::Stdio::null())
        .status()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    if !status.success() {
        bail!("jcos {} failed with {status}", command.join(" "));
    }
    Ok(())
}

/// Largest resident set of any child process waited for so far.
#[cfg(unix)]
pub(super) fn children_peak_rss_kib() -> Option<u64> {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
    // Linux reports ru_maxrss in KiB.
    u64::try_from(usage.max_rss()).ok()
}

#[cfg(not(unix))]
pub(super) fn children_peak_rss_kib() -> Option<u64> {
    None
}

/// A temporary directory removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("jcos-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self(path))
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
