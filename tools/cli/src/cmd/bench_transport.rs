//! `jcos bench pcsc` and `jcos bench tcp`: APDUs per second through the transports, with a
//! bare in-memory card answering SELECT of an unknown AID (6A82).
//!
//! pcsc: a private pcscd with the vpcd driver (started here, as for the tests), the card
//! connected to it in this process, and a Python client on pyscard's SCard layer sending the
//! APDU in a loop: every hop a PC/SC program pays. tcp: [`TcpTransport`] to a [`TcpServer`]
//! on loopback, both in this process.

use jcos_cos::{Card, CardConfig};
use jcos_transport::pcscd::{python_with_pyscard, PrivatePcscd, PYSCARD_APDU_LOOP};
use jcos_transport::{Log, ServedCard, Shutdown, TcpServer, TcpTransport, Transport, VpcdClient};
use serde::Serialize;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long the PC/SC client sends.
const PCSC_SECONDS: f64 = 2.0;
/// How long the TCP client sends.
const TCP_SECONDS: Duration = Duration::from_secs(1);

/// One transport's throughput.
#[derive(Debug, Serialize)]
pub struct TransportFigure {
    /// The hops an APDU takes.
    pub path: &'static str,
    /// The APDU and its answer.
    pub command: &'static str,
    /// APDUs answered.
    pub apdus: u64,
    /// Time they took.
    pub seconds: f64,
    /// The rate.
    pub apdus_per_second: f64,
}

/// A figure, or why it could not be taken on this machine.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Measured {
    /// The benchmark ran.
    Figure(TransportFigure),
    /// Something it needs is missing.
    Unavailable {
        /// What is missing.
        not_available: String,
    },
}

impl Measured {
    /// The line `jcos bench` prints.
    pub fn to_text(&self, name: &str) -> String {
        match self {
            Measured::Figure(f) => format!(
                "{name:<12}{}, bare card, {}: {:.0} APDUs/s ({} APDUs in {:.2} s)",
                f.path, f.command, f.apdus_per_second, f.apdus, f.seconds
            ),
            Measured::Unavailable { not_available } => {
                format!("{name:<12}not available: {not_available}")
            }
        }
    }
}

fn unavailable(why: impl Into<String>) -> Measured {
    Measured::Unavailable {
        not_available: why.into(),
    }
}

/// The APDU both figures use, in hex, and the status word expected.
const SELECT_UNKNOWN: (&str, &str) = ("00A4040005F000000001", "6A82");

/// APDUs/s from a pyscard client through pcscd and vpcd to a jcos card.
pub fn pcsc() -> anyhow::Result<Measured> {
    let Some(python) = python_with_pyscard() else {
        return Ok(unavailable(
            "python3 with pyscard not found (apt-get install python3-pyscard)",
        ));
    };
    let pcscd = match PrivatePcscd::start(2) {
        Ok(pcscd) => pcscd,
        Err(e) => return Ok(unavailable(e.to_string())),
    };
    let card = ServedCard::in_memory(Card::new(CardConfig::default()), "bench").shared();
    let shutdown = Shutdown::new();
    let client = VpcdClient::new(
        pcscd.vpcd_addr(0),
        card,
        shutdown.clone(),
        Log::new(Box::new(std::io::sink()), false),
    );
    let vicc = std::thread::spawn(move || client.run());
    let out = Command::new(&python)
        .args(["-c", PYSCARD_APDU_LOOP])
        .arg(pcscd.reader_name(0))
        .arg(PCSC_SECONDS.to_string())
        .args([SELECT_UNKNOWN.0, SELECT_UNKNOWN.1])
        .output();
    shutdown.request();
    let _ = vicc.join();
    let out = out.map_err(|e| anyhow::anyhow!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        anyhow::bail!(
            "the PC/SC client failed: {}\npcscd log:\n{}",
            String::from_utf8_lossy(&out.stderr).trim(),
            pcscd.log_tail(20)
        );
    }
    #[derive(serde::Deserialize)]
    struct Loop {
        apdus: u64,
        seconds: f64,
        unexpected: u64,
    }
    let result: Loop = serde_json::from_slice(&out.stdout).map_err(|e| {
        anyhow::anyhow!(
            "the PC/SC client printed {:?}: {e}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    if result.unexpected > 0 {
        anyhow::bail!(
            "{} of {} answers were not {}",
            result.unexpected,
            result.apdus,
            SELECT_UNKNOWN.1
        );
    }
    Ok(Measured::Figure(TransportFigure {
        path: "pyscard -> pcscd -> vpcd -> jcos",
        command: "SELECT unknown AID (6A82)",
        apdus: result.apdus,
        seconds: result.seconds,
        apdus_per_second: result.apdus as f64 / result.seconds,
    }))
}

/// APDUs/s over the loopback TCP protocol.
pub fn tcp() -> anyhow::Result<Measured> {
    let server = TcpServer::bind("127.0.0.1:0")?;
    let addr = server.local_addr()?.to_string();
    let card = ServedCard::in_memory(Card::new(CardConfig::default()), "bench").shared();
    let shutdown = Shutdown::new();
    let thread = {
        let shutdown = shutdown.clone();
        let log = Log::new(Box::new(std::io::sink()), false);
        std::thread::spawn(move || server.run(card, shutdown, log))
    };
    let measured = (|| -> anyhow::Result<(u64, Duration)> {
        let mut client = TcpTransport::connect(&addr)?;
        client.power_on()?;
        let apdu = jcos_apdu::hex::decode(SELECT_UNKNOWN.0)?;
        let start = Instant::now();
        let mut apdus = 0u64;
        while start.elapsed() < TCP_SECONDS {
            for _ in 0..100 {
                let response = client.transmit(&apdu)?;
                if response != [0x6A, 0x82] {
                    anyhow::bail!("unexpected answer {response:02X?}");
                }
            }
            apdus += 100;
        }
        Ok((apdus, start.elapsed()))
    })();
    shutdown.request();
    let _ = thread.join();
    let (apdus, elapsed) = measured?;
    Ok(Measured::Figure(TransportFigure {
        path: "TcpTransport -> loopback TCP -> jcos",
        command: "SELECT unknown AID (6A82)",
        apdus,
        seconds: elapsed.as_secs_f64(),
        apdus_per_second: apdus as f64 / elapsed.as_secs_f64(),
    }))
}
