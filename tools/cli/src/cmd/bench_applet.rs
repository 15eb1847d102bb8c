//! `jcos bench applet` and `jcos bench cold-start-applet`: the card runtime's figures with
//! an applet from the golden fixtures (`shared/fixtures/jcvm-golden/apdu`, the reference
//! converter's CAP file). Without the shared directory they are reported as not available.

use anyhow::{bail, Context};
use jcos_cos::{Card, CardConfig, InstallRequest};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The golden applet the figures use: `golden.apdu.Cases`, whose INS 01 returns at once.
const CASES_AID: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x05, 0x01];
/// SELECT of the Cases applet.
const SELECT_CASES: [u8; 13] = [
    0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x05, 0x01,
];
/// The trivial applet command: case 1, `process` returns without touching the APDU (9000).
const TRIVIAL: [u8; 4] = [0x80, 0x01, 0x00, 0x00];
/// Runs of `jcos send` the cold-start figure is taken over.
const COLD_RUNS: usize = 20;

/// In-process APDUs per second through an applet.
#[derive(Debug, Serialize)]
pub struct AppletFigure {
    /// What was sent.
    pub command: String,
    /// APDUs processed.
    pub apdus: u64,
    /// Seconds taken.
    pub seconds: f64,
    /// The rate.
    pub apdus_per_second: f64,
}

/// Time to the first response of `jcos send` on an image with an applet installed.
#[derive(Debug, Serialize)]
pub struct ColdStartAppletFigure {
    /// The command line measured.
    pub command: String,
    /// Runs measured.
    pub runs: usize,
    /// Median wall time, ms.
    pub median_ms: f64,
    /// Fastest run, ms.
    pub min_ms: f64,
    /// Slowest run, ms.
    pub max_ms: f64,
    /// Median processor time (user and system) of a run, ms: the wall time without the
    /// waits a loaded machine adds.
    pub median_cpu_ms: Option<f64>,
    /// Peak resident memory of the `jcos send` processes, KiB.
    pub peak_memory_kib: Option<u64>,
}

/// The golden `apdu` fixture's CAP file, if the shared directory is there.
fn golden_cap() -> Result<Vec<u8>, String> {
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let shared = jcos_script::runner::find_shared(None, &here)?;
    let path = shared.join("fixtures/jcvm-golden/apdu/apdu.cap");
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A powered card with the Cases applet installed and selected.
fn card_with_applet(cap: &[u8]) -> anyhow::Result<Card> {
    let mut card = Card::new(CardConfig::default());
    card.load_package(cap)
        .context("loading the golden apdu CAP")?;
    card.install_applet(&InstallRequest::new(&CASES_AID, &CASES_AID, &[]))
        .context("installing golden.apdu.Cases")?;
    card.power_on();
    let answer = card.transmit(&SELECT_CASES);
    if answer != [0x90, 0x00] {
        bail!("SELECT of golden.apdu.Cases answered {answer:02X?}");
    }
    Ok(card)
}

/// APDUs per second of [`TRIVIAL`] on an in-memory card, for about a second; `Ok(None)`
/// without the golden fixtures.
pub fn throughput() -> anyhow::Result<Result<AppletFigure, String>> {
    let cap = match golden_cap() {
        Ok(cap) => cap,
        Err(why) => return Ok(Err(why)),
    };
    let mut card = card_with_applet(&cap)?;
    let budget = Duration::from_secs(1);
    let start = Instant::now();
    let mut apdus: u64 = 0;
    while start.elapsed() < budget {
        // Check the clock every 1024 APDUs so timing does not dominate.
        for _ in 0..1024 {
            std::hint::black_box(card.transmit(std::hint::black_box(&TRIVIAL)));
        }
        apdus += 1024;
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(Ok(AppletFigure {
        command: "80010000 to golden.apdu.Cases (process returns, 9000)".into(),
        apdus,
        seconds,
        apdus_per_second: apdus as f64 / seconds,
    }))
}

/// Wall time and peak memory of `jcos send IMAGE <SELECT> <TRIVIAL>` on an image holding
/// the Cases applet, as separate processes.
pub fn cold_start() -> anyhow::Result<Result<ColdStartAppletFigure, String>> {
    let cap = match golden_cap() {
        Ok(cap) => cap,
        Err(why) => return Ok(Err(why)),
    };
    let exe = std::env::current_exe().context("cannot find the jcos executable")?;
    let dir = std::env::temp_dir().join(format!("jcos-bench-applet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = measure(&exe, &dir, &cap);
    let _ = std::fs::remove_dir_all(&dir);
    result.map(Ok)
}

fn measure(exe: &Path, dir: &Path, cap: &[u8]) -> anyhow::Result<ColdStartAppletFigure> {
    let image = dir.join("applet.img");
    let mut card = Card::create_image(&image, CardConfig::default())?;
    card.load_package(cap)
        .context("loading the golden apdu CAP")?;
    card.install_applet(&InstallRequest::new(&CASES_AID, &CASES_AID, &[]))
        .context("installing golden.apdu.Cases")?;
    card.save_image(&image)?;
    let select = jcos_apdu::hex::encode(&SELECT_CASES);
    let trivial = jcos_apdu::hex::encode(&TRIVIAL);
    let mut times = Vec::with_capacity(COLD_RUNS);
    let mut cpu = Vec::with_capacity(COLD_RUNS);
    for _ in 0..COLD_RUNS {
        let cpu_before = children_cpu_ms();
        let start = Instant::now();
        let status = Command::new(exe)
            .arg("send")
            .arg(&image)
            .args([&select, &trivial])
            .stdout(std::process::Stdio::null())
            .status()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if let (Some(before), Some(after)) = (cpu_before, children_cpu_ms()) {
            cpu.push(after - before);
        }
        if !status.success() {
            bail!("jcos send failed with {status}");
        }
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    Ok(ColdStartAppletFigure {
        command: format!("jcos send IMAGE {select} {trivial}"),
        runs: COLD_RUNS,
        median_ms: times.get(COLD_RUNS / 2).copied().unwrap_or_default(),
        min_ms: times.first().copied().unwrap_or_default(),
        max_ms: times.last().copied().unwrap_or_default(),
        median_cpu_ms: cpu.get(cpu.len() / 2).copied(),
        peak_memory_kib: super::bench::children_peak_rss_kib(),
    })
}

/// Processor time (user and system) of the child processes waited for so far, ms.
#[cfg(unix)]
fn children_cpu_ms() -> Option<f64> {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
    let ms = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 * 1000.0 + t.tv_usec() as f64 / 1000.0;
    Some(ms(usage.user_time()) + ms(usage.system_time()))
}

#[cfg(not(unix))]
fn children_cpu_ms() -> Option<f64> {
    None
}
