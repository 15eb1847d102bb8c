//! A private pcscd with vpcd readers, started as a child process for tests and benchmarks.
//!
//! pcscd runs in the foreground (`pcscd -f`, no systemd needed) with its own reader.conf.d
//! directory (`-c`) that declares vsmartcard's vpcd driver on free ports, so it does not
//! depend on the machine's configuration. Each vpcd entry gives two slots, listening on
//! `CHANNELID` and `CHANNELID + 1`; slot `i` of a [`PrivatePcscd`] listens on
//! `base_port + i` and shows up as reader `jcos vpcd NN 00`/`... 01` style names.
//!
//! pcsc-lite 1.9 always uses `/run/pcscd/pcscd.comm` as its socket (the server does not
//! read `PCSCLITE_CSOCK_NAME`), so only one pcscd runs on a machine at a time: starting one
//! while another runs fails with [`PcscdError::AlreadyRunning`].

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pid file pcsc-lite keeps while a pcscd runs.
const PID_FILE: &str = "/run/pcscd/pcscd.pid";
/// Where Debian's vsmartcard-vpcd package (and upstream's default install) puts the driver.
const VPCD_DRIVERS: [&str; 2] = [
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
    "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so",
];
/// How long pcscd may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// The friendly name of the readers (pcscd appends reader and slot numbers).
pub const READER_PREFIX: &str = "jcos vpcd";

/// Why a private pcscd could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PcscdError {
    /// A program or driver is not installed.
    #[error("{what} not found ({hint})")]
    NotInstalled {
        /// What is missing.
        what: String,
        /// The Debian package that provides it.
        hint: String,
    },
    /// Another pcscd runs on this machine.
    #[error(
        "another pcscd is running (pid {pid}, see {PID_FILE}); pcsc-lite allows one per machine"
    )]
    AlreadyRunning {
        /// Its process id.
        pid: u32,
    },
    /// pcscd exited or never said it was ready.
    #[error("pcscd did not start: {reason}; its log:\n{log}")]
    Start {
        /// What happened.
        reason: String,
        /// pcscd's output.
        log: String,
    },
    /// A file or process operation failed.
    #[error("private pcscd: {0}")]
    Io(#[from] std::io::Error),
}

/// Finds an executable on `PATH` or in the system directories pcscd lives in.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The vpcd driver library, if installed.
pub fn vpcd_driver() -> Option<PathBuf> {
    VPCD_DRIVERS.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// A Python PC/SC client that sends one APDU in a loop for a given time and prints
/// `{"apdus": N, "seconds": S, "unexpected": U}`; arguments: reader, seconds, APDU, expected SW.
pub const PYSCARD_APDU_LOOP: &str = include_str!("../scripts/apdu_loop.py");

/// A Python 3 that can import pyscard (Debian's python3-pyscard installs it for
/// `/usr/bin/python3`, which a `python3` earlier on `PATH` may not be).
pub fn python_with_pyscard() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("/usr/bin/python3")];
    candidates.extend(find_program("python3"));
    candidates.into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import smartcard.scard"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

/// The process id of a running pcscd, from its pid file.
pub fn running_pcscd() -> Option<u32> {
    let text = fs::read_to_string(PID_FILE).ok()?;
    // pcscd writes the number followed by a NUL byte.
    let pid: u32 = text
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .parse()
        .ok()?;
    Path::new("/proc")
        .join(pid.to_string())
        .exists()
        .then_some(pid)
}

/// A pcscd child process with `slots` vpcd slots, stopped when dropped.
#[derive(Debug)]
pub struct PrivatePcscd {
    child: Option<Child>,
    dir: tempfile::TempDir,
    program: PathBuf,
    base_port: u16,
    slots: u16,
}

impl PrivatePcscd {
    /// Starts pcscd with `slots` vpcd slots (rounded up to even) on free ports.
    pub fn start(slots: u16) -> Result<Self, PcscdError> {
        let program = find_program("pcscd").ok_or_else(|| PcscdError::NotInstalled {
            what: "pcscd".to_string(),
            hint: "apt-get install pcscd".to_string(),
        })?;
        let driver = vpcd_driver().ok_or_else(|| PcscdError::NotInstalled {
            what: "the vpcd driver (libifdvpcd.so)".to_string(),
            hint: "apt-get install vsmartcard-vpcd".to_string(),
        })?;
        let slots = slots.max(1).saturating_add(1) / 2 * 2;
        let base_port = free_ports(slots)?;
        let dir = tempfile::Builder::new().prefix("jcos-pcscd-").tempdir()?;
        let conf = dir.path().join("reader.conf.d");
        fs::create_dir(&conf)?;
        let mut text = String::new();
        for entry in 0..slots / 2 {
            let port = base_port.saturating_add(entry.saturating_mul(2));
            text.push_str(&format!(
                "FRIENDLYNAME \"{READER_PREFIX} {entry}\"\nDEVICENAME   /dev/null:{port}\n\
                 LIBPATH      {}\nCHANNELID    {port}\n\n",
                driver.display()
            ));
        }
        fs::write(conf.join("jcos-vpcd"), text)?;
        let mut pcscd = Self {
            child: None,
            dir,
            program,
            base_port,
            slots,
        };
        pcscd.spawn()?;
        Ok(pcscd)
    }

    /// The `HOST:PORT` a card connects to for slot `slot`.
    pub fn vpcd_addr(&self, slot: u16) -> String {
        format!("127.0.0.1:{}", self.base_port.saturating_add(slot))
    }

    /// The PC/SC name of the reader of slot `slot`.
    pub fn reader_name(&self, slot: u16) -> String {
        format!("{READER_PREFIX} {} 00 {:02X}", slot / 2, slot % 2)
    }

    /// The number of vpcd slots (readers).
    pub fn slots(&self) -> u16 {
        self.slots
    }

    /// The log file pcscd writes.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("pcscd.log")
    }

    /// What pcscd has logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn spawn(&mut self) -> Result<(), PcscdError> {
        if let Some(pid) = running_pcscd() {
            return Err(PcscdError::AlreadyRunning { pid });
        }
        let log = fs::File::create(self.log_path())?;
        let child = Command::new(&self.program)
            .args(["--foreground", "--info", "--config"])
            .arg(self.dir.path().join("reader.conf.d"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        let start = Instant::now();
        loop {
            if self.log().contains("daemon ready") {
                return Ok(());
            }
            let exited = match self.child.as_mut() {
                Some(child) => child.try_wait()?,
                None => None,
            };
            if let Some(status) = exited {
                self.child = None;
                let log = self.log();
                if log.contains("Another pcscd") {
                    return Err(PcscdError::AlreadyRunning {
                        pid: running_pcscd().unwrap_or_default(),
                    });
                }
                return Err(PcscdError::Start {
                    reason: format!("it exited with {status}"),
                    log,
                });
            }
            if start.elapsed() > START_TIMEOUT {
                self.stop();
                return Err(PcscdError::Start {
                    reason: format!("not ready after {} s", START_TIMEOUT.as_secs()),
                    log: self.log(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops pcscd (SIGTERM, then SIGKILL after 5 s) and starts it again, as a restart of
    /// the service would; served cards see their connection drop.
    pub fn restart(&mut self) -> Result<(), PcscdError> {
        self.stop();
        self.spawn()
    }

    /// Stops pcscd; it removes its socket and pid file when it gets SIGTERM.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        terminate(&child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// pcscd's standard output so far, for diagnostics.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.log_path()) {
            let _ = f.read_to_string(&mut text);
        }
        let all: Vec<&str> = text.lines().collect();
        let skip = all.len().saturating_sub(lines);
        all.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
    }
}

impl Drop for PrivatePcscd {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(unix)]
fn terminate(child: &Child) {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
}

#[cfg(not(unix))]
fn terminate(_child: &Child) {}

/// A base port such that it and the next `count - 1` ports are free on all interfaces (vpcd
/// binds the wildcard address).
fn free_ports(count: u16) -> Result<u16, PcscdError> {
    for _ in 0..50 {
        let probe = TcpListener::bind("0.0.0.0:0")?;
        let base = probe.local_addr()?.port();
        drop(probe);
        let Some(last) = base.checked_add(count) else {
            continue;
        };
        let held: Vec<_> = (base..last)
            .map_while(|p| TcpListener::bind(("0.0.0.0", p)).ok())
            .collect();
        if held.len() == usize::from(count) {
            return Ok(base);
        }
    }
    Err(PcscdError::Io(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "no run of free ports found for the vpcd slots",
    )))
}
