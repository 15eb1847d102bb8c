//! The jcos TCP protocol: one card per listening socket on a loopback address, with the
//! framing and control codes of vpcd ([`crate::frame`]), so a client plays the reader's part.
//!
//! A client sends 1-byte control frames (00 power off, 01 power on, 02 reset: no answer;
//! 04 get ATR: answered with the ATR) and command APDUs (answered with the response APDU).
//! A card serves one connection at a time: further clients are accepted by the kernel and
//! wait, their requests unread, until the current client disconnects. When a client
//! disconnects the card is powered off, so each connection starts a new power session.

use crate::connection::{self, End};
use crate::frame::{write_frame, Control, FrameError, FrameReader, Polled, MAX_FRAME};
use crate::log::Log;
use crate::served::{lock, SharedCard};
use crate::shutdown::{Shutdown, POLL};
use crate::{Transport, TransportError};
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Why a TCP server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    /// The address does not resolve.
    #[error("{addr}: {source}")]
    Resolve {
        /// The address as given.
        addr: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// Only loopback addresses are served: the protocol has no authentication.
    #[error("{addr}: jcos serves TCP on loopback addresses only (127.0.0.0/8 or ::1); the protocol has no authentication")]
    NotLoopback {
        /// The address as given.
        addr: String,
    },
    /// The socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address as given.
        addr: String,
        /// The socket error.
        source: std::io::Error,
    },
}

/// A listening socket for one card.
#[derive(Debug)]
pub struct TcpServer {
    listener: TcpListener,
}

impl TcpServer {
    /// Listens on `addr` (`HOST:PORT`; port 0 picks a free port), which must be loopback.
    pub fn bind(addr: &str) -> Result<Self, BindError> {
        let addrs: Vec<SocketAddr> = addr
            .to_socket_addrs()
            .map_err(|source| BindError::Resolve {
                addr: addr.to_string(),
                source,
            })?
            .collect();
        if addrs.is_empty() || !addrs.iter().all(|a| a.ip().is_loopback()) {
            return Err(BindError::NotLoopback {
                addr: addr.to_string(),
            });
        }
        let listener = TcpListener::bind(addrs.as_slice()).map_err(|source| BindError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        Ok(Self { listener })
    }

    /// The address actually bound (with the port chosen for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves clients one after the other until a stop is requested.
    pub fn run(self, card: SharedCard, shutdown: Shutdown, log: Log) {
        let label = lock(&card).label().to_string();
        let local = self
            .listener
            .local_addr()
            .map_or_else(|_| "tcp".to_string(), |a| format!("tcp {a}"));
        if let Err(e) = self.listener.set_nonblocking(true) {
            log.line(format_args!(
                "[{label} {local}] cannot poll the listener: {e}"
            ));
            return;
        }
        while !shutdown.is_requested() {
            let (mut stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    std::thread::sleep(POLL);
                    continue;
                }
                Err(e) => {
                    log.line(format_args!("[{label} {local}] accept failed: {e}"));
                    std::thread::sleep(POLL);
                    continue;
                }
            };
            if let Err(e) = stream.set_nonblocking(false) {
                log.line(format_args!("[{label} {local}] {peer}: {e}"));
                continue;
            }
            let via = format!("tcp {peer}");
            log.line(format_args!("[{label} {via}] connected"));
            let result = connection::serve(&mut stream, &card, &via, &shutdown, &log);
            lock(&card).power_off();
            match result {
                Ok(End::Closed) => log.line(format_args!("[{label} {via}] disconnected")),
                Ok(End::Stopped) => break,
                Ok(End::NoAnswer) => log.line(format_args!(
                    "[{label} {via}] the card answered nothing (power lost); connection closed"
                )),
                Err(e) => log.line(format_args!("[{label} {via}] connection closed: {e}")),
            }
        }
    }
}

/// How long a client waits for an answer before giving up.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// A card served by `jcos serve --tcp`, reached over TCP.
#[derive(Debug)]
pub struct TcpTransport {
    stream: TcpStream,
    reader: FrameReader,
    peer: String,
}

impl TcpTransport {
    /// Connects to the card served at `addr` (`HOST:PORT`).
    pub fn connect(addr: &str) -> Result<Self, TransportError> {
        let failed = |e: std::io::Error| TransportError::Connect {
            target: format!("tcp {addr}"),
            reason: e.to_string(),
        };
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(failed)?.collect();
        let mut last = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, Duration::from_secs(5)) {
                Ok(stream) => {
                    stream.set_nodelay(true).map_err(failed)?;
                    stream.set_read_timeout(Some(POLL)).map_err(failed)?;
                    return Ok(Self {
                        stream,
                        reader: FrameReader::new(),
                        peer: addr.to_string(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(failed(last.unwrap_or_else(|| {
            std::io::Error::new(ErrorKind::AddrNotAvailable, "resolves to no address")
        })))
    }

    fn send(&mut self, payload: &[u8]) -> Result<(), TransportError> {
        write_frame(&mut self.stream, payload).map_err(|e| self.frame_error(e))
    }

    fn receive(&mut self) -> Result<Vec<u8>, TransportError> {
        let start = Instant::now();
        loop {
            match self.reader.poll(&mut self.stream) {
                Ok(Polled::Frame(payload)) => return Ok(payload),
                Ok(Polled::Closed) => {
                    return Err(TransportError::Protocol(format!(
                        "{} closed the connection before answering",
                        self.peer
                    )))
                }
                Ok(Polled::Idle) if start.elapsed() >= ANSWER_TIMEOUT => {
                    return Err(TransportError::Protocol(format!(
                        "{} sent no answer within {} s",
                        self.peer,
                        ANSWER_TIMEOUT.as_secs()
                    )))
                }
                Ok(Polled::Idle) => {}
                Err(e) => return Err(self.frame_error(e)),
            }
        }
    }

    fn frame_error(&self, e: FrameError) -> TransportError {
        match e {
            FrameError::Io(io) => TransportError::Io(io),
            other => TransportError::Protocol(format!("{}: {other}", self.peer)),
        }
    }

    fn atr(&mut self) -> Result<Vec<u8>, TransportError> {
        self.send(&[Control::GetAtr.code()])?;
        self.receive()
    }
}

impl Transport for TcpTransport {
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError> {
        self.send(&[Control::PowerOn.code()])?;
        self.atr()
    }

    fn power_off(&mut self) -> Result<(), TransportError> {
        self.send(&[Control::PowerOff.code()])
    }

    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        self.send(&[Control::Reset.code()])?;
        self.atr()
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        // One byte would read as a control code; the framing cannot carry it (nor nothing).
        if apdu.len() < 2 || apdu.len() > MAX_FRAME {
            return Err(TransportError::Unframeable { len: apdu.len() });
        }
        self.send(apdu)?;
        self.receive()
    }
}
