//! The virtual card side of vsmartcard's vpcd: jcos connects to the vpcd driver loaded in
//! pcscd, which then shows the card in a PC/SC reader to every program on the machine.
//!
//! The vpcd driver listens on one TCP port per slot (reader.conf `CHANNELID`, then
//! `CHANNELID + 1`, ...: 35963 and 35964 with Debian's configuration) and speaks the framing
//! of [`crate::frame`]: it sends power controls, ATR requests (also to poll whether a card is
//! present) and command APDUs, and waits for the ATR or the response APDU. When pcscd stops,
//! the connection ends and jcos reconnects with a growing delay until pcscd is back.

use crate::connection::{self, End};
use crate::log::Log;
use crate::served::{lock, SharedCard};
use crate::shutdown::Shutdown;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// First delay before reconnecting.
const BACKOFF_START: Duration = Duration::from_millis(100);
/// Longest delay between reconnection attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects one card to one vpcd slot and keeps it connected until a stop is requested.
#[derive(Debug)]
pub struct VpcdClient {
    addr: String,
    card: SharedCard,
    shutdown: Shutdown,
    log: Log,
}

impl VpcdClient {
    /// A client for the vpcd slot at `addr` (`HOST:PORT`).
    pub fn new(addr: impl Into<String>, card: SharedCard, shutdown: Shutdown, log: Log) -> Self {
        Self {
            addr: addr.into(),
            card,
            shutdown,
            log,
        }
    }

    /// Serves until a stop is requested: connect, serve, and on any loss reconnect with a
    /// delay doubling from 100 ms to 2 s.
    pub fn run(self) {
        let label = lock(&self.card).label().to_string();
        let via = format!("vpcd {}", self.addr);
        let mut backoff = BACKOFF_START;
        let mut reported_down = false;
        while !self.shutdown.is_requested() {
            let stream = match connect(&self.addr) {
                Ok(stream) => stream,
                Err(e) => {
                    if !reported_down {
                        self.log.line(format_args!(
                            "[{label} {via}] cannot reach vpcd ({e}); retrying until pcscd listens"
                        ));
                        reported_down = true;
                    }
                    if self.shutdown.sleep(backoff) {
                        break;
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            };
            reported_down = false;
            backoff = BACKOFF_START;
            self.log.line(format_args!("[{label} {via}] connected"));
            let mut stream = stream;
            let result =
                connection::serve(&mut stream, &self.card, &via, &self.shutdown, &self.log);
            // However the connection ended, the card left the reader.
            lock(&self.card).power_off();
            match result {
                Ok(End::Stopped) => break,
                Ok(End::NoAnswer) => self.log.line(format_args!(
                    "[{label} {via}] the card answered nothing (power lost); reconnecting"
                )),
                Ok(End::Closed) => self.log.line(format_args!(
                    "[{label} {via}] vpcd closed the connection (pcscd stopped?); reconnecting"
                )),
                Err(e) => self.log.line(format_args!(
                    "[{label} {via}] connection dropped: {e}; reconnecting"
                )),
            }
        }
    }
}

fn connect(addr: &str) -> std::io::Result<TcpStream> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    let mut last = std::io::Error::new(
        std::io::ErrorKind::AddrNotAvailable,
        format!("{addr} resolves to no address"),
    );
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}
