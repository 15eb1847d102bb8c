//! jcos cards seen by real PC/SC programs: a private pcscd (started here, in the foreground)
//! loads vsmartcard's vpcd driver, jcos cards connect to it as virtual cards, and opensc-tool,
//! pcsc_scan and a pyscard session talk to them as to cards in readers.
//!
//! Needs the Debian packages pcscd, vsmartcard-vpcd, opensc, pcsc-tools and python3-pyscard.
//! Without them the tests say so and pass, except under CI (`CI=true`), where a missing
//! package is a failure. Only one pcscd can run on a machine, so these tests run one at a time.

use jcos_cos::{Card, CardConfig, Protocol};
use jcos_transport::pcscd::{find_program, python_with_pyscard, PcscdError, PrivatePcscd};
use jcos_transport::{Log, ServedCard, SharedCard, Shutdown, VpcdClient};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// jcos's T=1 ATR as opensc-tool prints it.
const ATR_T1: &str = "3b:8d:81:31:fe:45:80:54:6a:63:6f:73:73:80:01:5f:82:90:00:f8";
/// jcos's T=0 ATR: 3B, T0 = 0D (no interface bytes, 13 historical bytes), historical bytes
/// 80 54 6A 63 6F 73 73 80 01 1F 82 90 00 (no extended length under T=0), no TCK.
const ATR_T0: &str = "3b:0d:80:54:6a:63:6f:73:73:80:01:1f:82:90:00";

/// One pcscd per machine: the tests of this binary take turns.
static PCSCD: Mutex<()> = Mutex::new(());

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips (outside CI) or fails (under CI) when something the test needs is missing.
fn unavailable(what: &str) -> bool {
    if under_ci() {
        panic!("CI=true but {what}: .ci/run installs pcscd vsmartcard-vpcd opensc pcsc-tools python3-pyscard");
    }
    eprintln!(
        "SKIPPED: {what} (apt-get install pcscd vsmartcard-vpcd opensc pcsc-tools python3-pyscard)"
    );
    true
}

/// The programs, or `None` after reporting what is missing.
fn programs(names: &[&str]) -> Option<Vec<PathBuf>> {
    let mut found = Vec::new();
    for name in names {
        match find_program(name) {
            Some(path) => found.push(path),
            None => {
                unavailable(&format!("{name} is not installed"));
                return None;
            }
        }
    }
    Some(found)
}

fn start_pcscd(slots: u16) -> Option<PrivatePcscd> {
    match PrivatePcscd::start(slots) {
        Ok(pcscd) => Some(pcscd),
        Err(e @ (PcscdError::NotInstalled { .. } | PcscdError::AlreadyRunning { .. })) => {
            unavailable(&e.to_string());
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// Cards connected to the slots of a pcscd, in this process.
struct Vicc {
    shutdown: Shutdown,
    threads: Vec<JoinHandle<()>>,
}

impl Vicc {
    fn connect(pcscd: &PrivatePcscd, cards: Vec<SharedCard>) -> Vicc {
        let shutdown = Shutdown::new();
        let threads = cards
            .into_iter()
            .enumerate()
            .map(|(slot, card)| {
                let client = VpcdClient::new(
                    pcscd.vpcd_addr(slot as u16),
                    card,
                    shutdown.clone(),
                    Log::stderr(false),
                );
                std::thread::spawn(move || client.run())
            })
            .collect();
        Vicc { shutdown, threads }
    }
}

impl Drop for Vicc {
    fn drop(&mut self) {
        self.shutdown.request();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn card(protocol: Protocol, label: &str) -> SharedCard {
    ServedCard::in_memory(Card::new(CardConfig { protocol }), label).shared()
}

/// Runs a program with a time limit; its output.
fn run(program: &Path, args: &[&str]) -> Output {
    let out = Command::new("timeout")
        .arg("20")
        .arg(program)
        .args(args)
        .output()
        .expect("the program starts");
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Polls `opensc-tool -r N -a` until the card shows up (pcscd polls presence about every
/// 400 ms); its output.
fn wait_for_atr(opensc_tool: &Path, reader: u16, pcscd: &PrivatePcscd) -> String {
    let start = Instant::now();
    loop {
        let out = run(opensc_tool, &["-r", &reader.to_string(), "-a"]);
        if out.status.success() {
            return text(&out);
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no card in reader {reader}: {}\npcscd log:\n{}",
            text(&out),
            pcscd.log_tail(30)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn opensc_tool_and_pcsc_scan_see_jcos_cards_in_two_readers() {
    let _turn = PCSCD.lock().unwrap_or_else(|p| p.into_inner());
    let Some(tools) = programs(&["opensc-tool", "pcsc_scan"]) else {
        return;
    };
    let (opensc_tool, pcsc_scan) = (&tools[0], &tools[1]);
    let Some(pcscd) = start_pcscd(2) else {
        return;
    };
    let _vicc = Vicc::connect(
        &pcscd,
        vec![card(Protocol::T1, "t1"), card(Protocol::T0, "t0")],
    );
    assert!(wait_for_atr(opensc_tool, 0, &pcscd).contains(ATR_T1));
    assert!(wait_for_atr(opensc_tool, 1, &pcscd).contains(ATR_T0));

    // The GlobalPlatform ISD AID: no applet on a bare card, so 6A82.
    let out = run(
        opensc_tool,
        &["-r", "0", "-s", "00A4040008A000000151000000"],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Received (SW1=0x6A, SW2=0x82)"), "{said}");
    // Several APDUs in one connection: open channel 1, then GET CHALLENGE on it.
    let out = run(
        opensc_tool,
        &["-r", "0", "-s", "0070000001", "-s", "0184000008"],
    );
    let said = text(&out);
    assert!(
        said.contains("Received (SW1=0x90, SW2=0x00):\n01"),
        "{said}"
    );
    assert_eq!(said.matches("SW1=0x90, SW2=0x00").count(), 2, "{said}");

    let out = run(opensc_tool, &["-l"]);
    let said = text(&out);
    assert!(said.contains(&pcscd.reader_name(0)), "{said}");
    assert!(said.contains(&pcscd.reader_name(1)), "{said}");

    // pcsc_scan -c lists the cards once and exits.
    let out = run(pcsc_scan, &["-c", "-n"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains(&pcscd.reader_name(0)), "{said}");
    assert!(
        said.contains("ATR: 3B 8D 81 31 FE 45 80 54 6A 63 6F 73 73 80 01 5F 82 90 00 F8"),
        "{said}"
    );
    assert!(
        said.contains("ATR: 3B 0D 80 54 6A 63 6F 73 73 80 01 1F 82 90 00"),
        "{said}"
    );
}

#[test]
fn a_pyscard_session_passes() {
    let _turn = PCSCD.lock().unwrap_or_else(|p| p.into_inner());
    let Some(python) = python_with_pyscard() else {
        unavailable("python3 with pyscard (python3-pyscard) is not installed");
        return;
    };
    let Some(pcscd) = start_pcscd(2) else {
        return;
    };
    // With the shared golden fixtures, the card also holds the `ops` applet, which the session
    // selects and drives; without them the session checks the card OS alone.
    let ops = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/jcvm-golden/ops/ops.cap");
    let mut served = Card::new(CardConfig::default());
    let with_ops = ops.is_file();
    if with_ops {
        served.load_package(&std::fs::read(&ops).unwrap()).unwrap();
        let aid = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x01, 0x01];
        served
            .install_applet(&jcos_cos::InstallRequest::new(&aid, &aid, &[]))
            .unwrap();
    } else {
        println!(
            "SKIPPED part: ../shared not present, the pyscard session runs without the ops applet"
        );
    }
    let _vicc = Vicc::connect(
        &pcscd,
        vec![ServedCard::in_memory(served, "pyscard").shared()],
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/pcsc/pyscard_session.py");
    let mut command = Command::new(python);
    command
        .arg(script)
        .arg(pcscd.reader_name(0))
        .arg(ATR_T1.replace(':', ""));
    if with_ops {
        command.arg("ops");
    }
    let out = command.output().unwrap();
    let said = text(&out);
    assert!(
        out.status.success(),
        "{said}\npcscd log:\n{}",
        pcscd.log_tail(30)
    );
    assert!(
        said.contains("pyscard session: all checks passed"),
        "{said}"
    );
    let checks = if with_ops { 9 } else { 6 };
    assert_eq!(said.matches("PASS ").count(), checks, "{said}");
}

#[test]
fn cards_come_back_when_pcscd_restarts() {
    let _turn = PCSCD.lock().unwrap_or_else(|p| p.into_inner());
    let Some(tools) = programs(&["opensc-tool"]) else {
        return;
    };
    let Some(mut pcscd) = start_pcscd(2) else {
        return;
    };
    let _vicc = Vicc::connect(&pcscd, vec![card(Protocol::T1, "restart")]);
    assert!(wait_for_atr(&tools[0], 0, &pcscd).contains(ATR_T1));
    pcscd.restart().unwrap();
    assert!(wait_for_atr(&tools[0], 0, &pcscd).contains(ATR_T1));
    let out = run(&tools[0], &["-r", "0", "-s", "00A4040005F000000001"]);
    assert!(text(&out).contains("SW1=0x6A, SW2=0x82"), "{}", text(&out));
}

/// The PC/SC client of jcos-transport against a jcos card behind pcscd.
#[cfg(feature = "pcsc")]
#[test]
fn the_pcsc_transport_talks_to_a_card_through_pcscd() {
    use jcos_transport::{PcscTransport, Transport, TransportError};
    let _turn = PCSCD.lock().unwrap_or_else(|p| p.into_inner());
    let Some(pcscd) = start_pcscd(2) else {
        return;
    };
    let _vicc = Vicc::connect(&pcscd, vec![card(Protocol::T1, "pcsc")]);
    let name = pcscd.reader_name(0);
    let start = Instant::now();
    let atr = loop {
        let attempt = PcscTransport::connect(&name).and_then(|mut t| t.power_on().map(|a| (t, a)));
        match attempt {
            Ok(ok) => break ok,
            Err(e) if start.elapsed() > Duration::from_secs(15) => panic!("{e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let (mut reader, atr) = atr;
    assert_eq!(atr, hex("3B8D8131FE4580546A636F737380015F829000F8"));
    assert_eq!(reader.reader(), name);
    assert_eq!(
        reader.transmit(&hex("00A4040005F000000001")).unwrap(),
        hex("6A82")
    );
    assert_eq!(reader.transmit(&hex("0070000001")).unwrap(), hex("019000"));
    assert_eq!(reader.reset().unwrap(), atr);
    // After the reset channel 1 is free again.
    assert_eq!(reader.transmit(&hex("0070000001")).unwrap(), hex("019000"));
    reader.power_off().unwrap();
    // A unique part of the name is enough; a part matching both readers is not.
    assert!(PcscTransport::connect("vpcd 0 00 00").is_ok());
    assert!(matches!(
        PcscTransport::connect("jcos vpcd"),
        Err(TransportError::AmbiguousReader { .. })
    ));
    assert!(matches!(
        PcscTransport::connect("no such reader"),
        Err(TransportError::NoSuchReader { .. })
    ));
}

#[cfg(feature = "pcsc")]
fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
