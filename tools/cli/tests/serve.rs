//! `jcos serve` as a process: over TCP with `jcos send`/`jcos run --tcp`, stopped by SIGTERM
//! and SIGINT with its image saved; through a private pcscd + vpcd with opensc-tool; and the
//! `--reader` option of a jcos built without PC/SC support.

use jcos_transport::pcscd::{find_program, PcscdError, PrivatePcscd};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// jcos's T=1 ATR as opensc-tool prints it.
const ATR_T1: &str = "3b:8d:81:31:fe:45:80:54:6a:63:6f:73:73:80:01:5f:82:90:00:f8";

/// One pcscd per machine: the tests of this binary that start one take turns.
static PCSCD: Mutex<()> = Mutex::new(());

fn jcos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jcos"))
        .args(args)
        .output()
        .expect("jcos runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn new_card(dir: &Path, name: &str) -> PathBuf {
    let image = dir.join(name);
    let out = jcos(&["card", "new", image.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    image
}

/// A running `jcos serve` and the endpoints it printed.
struct Server {
    child: Child,
    endpoints: Vec<String>,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(args: &[&str], endpoints: usize) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jcos"))
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        for _ in 0..endpoints {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            assert!(line.starts_with("jcos serve: "), "{line:?}");
            lines.push(line.trim_end().to_string());
        }
        Server {
            child,
            endpoints: lines,
            _stdout: stdout,
        }
    }

    /// The address after "on tcp " in the `n`th endpoint line.
    fn tcp(&self, n: usize) -> String {
        let line = &self.endpoints[n];
        line.split(" on tcp ").nth(1).unwrap().to_string()
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).unwrap();
    }

    /// Waits for the exit; status code and standard error.
    fn wait(mut self) -> (Option<i32>, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut err)
                    .unwrap();
                return (status.code(), err);
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "jcos serve did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn send_and_run_reach_a_served_card_over_tcp_and_sigterm_saves_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let a = new_card(dir.path(), "a.img");
    let b = new_card(dir.path(), "b.img");
    let server = Server::start(
        &[
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--tcp",
            "127.0.0.1:0",
            "--trace",
        ],
        2,
    );
    assert!(server.endpoints[0].starts_with("jcos serve: a.img on tcp 127.0.0.1:"));
    assert!(server.endpoints[1].starts_with("jcos serve: b.img on tcp 127.0.0.1:"));
    assert_ne!(server.tcp(0), server.tcp(1));

    let out = jcos(&[
        "send",
        "--tcp",
        &server.tcp(0),
        "00A4040005F000000001",
        "0070000001",
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("<< 6A82"), "{said}");
    assert!(said.contains("<< 01 9000"), "{said}");

    let script = dir.path().join("session.scr");
    std::fs::write(
        &script,
        "powerup;\n0x00 0xA4 0x04 0x00 0x05 0xF0 0x00 0x00 0x00 0x01 0x7F;\npowerdown;\n",
    )
    .unwrap();
    let out = jcos(&["run", script.to_str().unwrap(), "--tcp", &server.tcp(1)]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("SW1: 6a, SW2: 82"), "{said}");

    server.signal(nix::sys::signal::Signal::SIGTERM);
    let (code, err) = server.wait();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("SIGTERM: stopping"), "{err}");
    assert!(
        err.contains("a.img saved") && err.contains("b.img saved"),
        "{err}"
    );
    assert!(err.contains(">> 00A4040005F000000001"), "{err}");
    // The images are intact.
    let out = jcos(&["card", "info", a.to_str().unwrap()]);
    assert!(
        text(&out).contains("3B8D8131FE4580546A636F737380015F829000F8"),
        "{}",
        text(&out)
    );
}

/// A card whose file system has one transparent EF (SFI 1, 4 bytes) anyone may update.
fn card_with_a_writable_file(dir: &Path) -> PathBuf {
    let profile = r#"
[mf]
access = { default = "always" }

[[file]]
path = "3F00/0101"
type = "transparent"
sfi = 1
data = "00000000"
access = { read = "always", update = "always" }
"#;
    let fs = jcos_cos::Profile::from_toml(profile, "test profile")
        .unwrap()
        .build("test profile")
        .unwrap();
    let image = dir.join("fs.img");
    jcos_cos::Card::with_file_system(jcos_cos::CardConfig::default(), fs)
        .save_image(&image)
        .unwrap();
    image
}

#[test]
fn an_answered_update_survives_sigkill_of_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let image = card_with_a_writable_file(dir.path());
    let path = image.to_str().unwrap();
    let server = Server::start(&[path, "--tcp", "127.0.0.1:0"], 1);
    // ISO 7816-4 UPDATE BINARY by short EF identifier (P1 = 80 | SFI).
    let out = jcos(&[
        "send",
        "--tcp",
        &server.tcp(0),
        "00D6810004CAFEBABE",
        "00B0810004",
    ]);
    let said = text(&out);
    assert!(said.contains("<< CAFE BABE 9000"), "{said}");
    // Killed at once: no clean stop, no final save.
    server.signal(nix::sys::signal::Signal::SIGKILL);
    let (code, _) = server.wait();
    assert_eq!(code, None);
    let out = jcos(&["send", path, "00B0810004"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("<< CAFE BABE 9000"), "{said}");
}

#[test]
fn sigint_during_a_session_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path(), "c.img");
    let server = Server::start(&[image.to_str().unwrap(), "--tcp", "127.0.0.1:0"], 1);
    let mut client = jcos_transport::TcpTransport::connect(&server.tcp(0)).unwrap();
    use jcos_transport::Transport;
    client.power_on().unwrap();
    server.signal(nix::sys::signal::Signal::SIGINT);
    let (code, err) = server.wait();
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("SIGINT: stopping") && err.contains("c.img saved"),
        "{err}"
    );
    assert!(jcos(&["card", "info", image.to_str().unwrap()])
        .status
        .success());
}

#[test]
fn serve_refuses_bad_requests_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path(), "c.img");
    let path = image.to_str().unwrap();
    let out = jcos(&["serve", path, "--tcp", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("loopback addresses only"),
        "{}",
        text(&out)
    );
    let out = jcos(&["serve", path, path, "--tcp", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("given twice"), "{}", text(&out));
    // Neither --vpcd nor --tcp.
    let out = jcos(&["serve", path]);
    assert_eq!(out.status.code(), Some(2));
    let out = jcos(&[
        "serve",
        dir.path().join("missing.img").to_str().unwrap(),
        "--tcp",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("missing.img"), "{}", text(&out));
}

#[test]
fn send_without_a_card_or_to_a_closed_port_fails_with_exit_2() {
    let out = jcos(&["send", "--tcp", "127.0.0.1:1", "00A4040000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("cannot connect to tcp 127.0.0.1:1"),
        "{}",
        text(&out)
    );
    let out = jcos(&["send", "00A4040000"]);
    assert_eq!(out.status.code(), Some(2));
    let out = jcos(&[
        "send",
        "--tcp",
        "127.0.0.1:1",
        "--reader",
        "x",
        "00A4040000",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(not(feature = "pcsc"))]
#[test]
fn reader_needs_a_jcos_built_with_pcsc() {
    let out = jcos(&["send", "--reader", "Virtual PCD 00 00", "00A4040000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("built without PC/SC support"),
        "{}",
        text(&out)
    );
}

/// Skips outside CI, fails under CI (`CI=true`), when a PC/SC package is missing.
fn unavailable(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {what}: .ci/run installs pcscd vsmartcard-vpcd opensc");
    }
    eprintln!("SKIPPED: {what} (apt-get install pcscd vsmartcard-vpcd opensc)");
}

fn wait_for(opensc_tool: &Path, args: &[&str], pcscd: &PrivatePcscd) -> String {
    let start = Instant::now();
    loop {
        let out = Command::new(opensc_tool).args(args).output().unwrap();
        if out.status.success() {
            return text(&out);
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{}\n{}",
            text(&out),
            pcscd.log_tail(30)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn opensc_tool_sees_the_card_jcos_serve_connects_to_vpcd() {
    let _turn = PCSCD.lock().unwrap_or_else(|p| p.into_inner());
    let Some(opensc_tool) = find_program("opensc-tool") else {
        return unavailable("opensc-tool is not installed");
    };
    let pcscd = match PrivatePcscd::start(2) {
        Ok(pcscd) => pcscd,
        Err(e @ (PcscdError::NotInstalled { .. } | PcscdError::AlreadyRunning { .. })) => {
            return unavailable(&e.to_string())
        }
        Err(e) => panic!("{e}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let image = new_card(dir.path(), "c.img");
    let vpcd = pcscd.vpcd_addr(0);
    let server = Server::start(&[image.to_str().unwrap(), "--vpcd", &vpcd, "--trace"], 1);
    assert_eq!(
        server.endpoints[0],
        format!("jcos serve: c.img on vpcd {vpcd}")
    );

    let atr = wait_for(&opensc_tool, &["-r", "0", "-a"], &pcscd);
    assert!(atr.contains(ATR_T1), "{atr}");
    let said = wait_for(
        &opensc_tool,
        &["-r", "0", "-s", "00A4040008A000000151000000"],
        &pcscd,
    );
    // A bare card has no application with the GlobalPlatform ISD AID (6A82); a card created
    // with its issuer security domain selects it (9000). Either way the card answered.
    assert!(
        said.contains("Received (SW1=0x6A, SW2=0x82)")
            || said.contains("Received (SW1=0x90, SW2=0x00)"),
        "{said}"
    );

    #[cfg(feature = "pcsc")]
    {
        let out = jcos(&["send", "--reader", &pcscd.reader_name(0), "0070000001"]);
        assert!(text(&out).contains("<< 01 9000"), "{}", text(&out));
    }

    server.signal(nix::sys::signal::Signal::SIGTERM);
    let (code, err) = server.wait();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("connected"), "{err}");
    assert!(err.contains(">> 00A4040008A000000151000000"), "{err}");
    assert!(err.contains("c.img saved"), "{err}");
}
