//! Transports between jcos cards and host programs, all behind one [`Transport`] trait:
//!
//! - in process: a [`Card`] is its own transport;
//! - TCP: [`TcpServer`] serves a card on a loopback port, [`TcpTransport`] talks to it;
//! - vpcd: [`VpcdClient`] connects a card to vsmartcard's vpcd driver inside pcscd, so every
//!   PC/SC program on the machine sees it in a reader;
//! - PC/SC: `PcscTransport` (cargo feature `pcsc`, links libpcsclite) talks to a card in any
//!   PC/SC reader, real or virtual;
//! - [`pcscd`]: a private pcscd with vpcd readers, for tests and benchmarks.
//!
//! The TCP and vpcd wire format (2-byte big-endian length, 1-byte control codes) is in
//! [`frame`]. Frames from the network are untrusted: lengths are bounded by the prefix, and a
//! broken frame closes that connection, never the server.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod connection;
pub mod frame;
mod log;
#[cfg(feature = "pcsc")]
mod pcsc;
pub mod pcscd;
mod served;
mod shutdown;
mod tcp;
mod vpcd;

pub use log::Log;
#[cfg(feature = "pcsc")]
pub use pcsc::PcscTransport;
pub use served::{lock, ServedCard, SharedCard};
pub use shutdown::Shutdown;
pub use tcp::{BindError, TcpServer, TcpTransport};
pub use vpcd::VpcdClient;

use jcos_cos::Card;

/// Whether this build can reach PC/SC readers (cargo feature `pcsc`).
pub const PCSC_SUPPORTED: bool = cfg!(feature = "pcsc");

/// Why an exchange with a card failed at the transport level (not an ISO status word).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection or device failed.
    #[error("transport I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The other side broke the framing.
    #[error("transport protocol: {0}")]
    Protocol(String),
    /// The card could not be reached.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// What was being reached (`tcp HOST:PORT`, `reader NAME`).
        target: String,
        /// Why not.
        reason: String,
    },
    /// No PC/SC reader has the name asked for.
    #[error("no PC/SC reader named {name:?}; readers present: {}", list(available))]
    NoSuchReader {
        /// The name asked for.
        name: String,
        /// The readers pcscd knows.
        available: Vec<String>,
    },
    /// A part of the reader name matches several readers.
    #[error(
        "{name:?} matches several PC/SC readers: {}; give the full name",
        list(matches)
    )]
    AmbiguousReader {
        /// The name asked for.
        name: String,
        /// The readers it matches.
        matches: Vec<String>,
    },
    /// The PC/SC service refused an operation.
    #[error("PC/SC {operation}: {reason}")]
    Pcsc {
        /// What was being done.
        operation: &'static str,
        /// The PC/SC error.
        reason: String,
    },
    /// This jcos was built without the transport asked for.
    #[error("{0}")]
    Unsupported(String),
    /// An APDU of this length cannot be framed (TCP and vpcd carry 2 to 65 535 bytes).
    #[error("an APDU of {len} bytes cannot be sent over this transport (2 to 65535 bytes)")]
    Unframeable {
        /// The APDU's length.
        len: usize,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A connection to one card: power control and APDU exchange.
pub trait Transport {
    /// Powers the card on (cold reset) and returns the ATR.
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError>;
    /// Removes power from the card.
    fn power_off(&mut self) -> Result<(), TransportError>;
    /// Resets the card and returns the ATR.
    fn reset(&mut self) -> Result<Vec<u8>, TransportError>;
    /// Sends one command APDU and returns the response APDU (data + SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
    /// Arms a tear: the card loses power after `writes` more persistent writes (see
    /// `Card::arm_tear`). Only a card in this process can be torn.
    fn arm_tear(&mut self, writes: u64) -> Result<(), TransportError> {
        let _ = writes;
        Err(TransportError::Unsupported(
            "this transport cannot cut the card's power at a chosen write".into(),
        ))
    }
}

/// A card in this process is its own transport.
impl Transport for Card {
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(Card::power_on(self).0)
    }
    fn power_off(&mut self) -> Result<(), TransportError> {
        Card::power_off(self);
        Ok(())
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(Card::reset(self).0)
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(Card::transmit(self, apdu))
    }
    fn arm_tear(&mut self, writes: u64) -> Result<(), TransportError> {
        Card::arm_tear(self, writes);
        Ok(())
    }
}

/// A boxed transport is a transport, so callers can pick one at run time.
impl<T: Transport + ?Sized> Transport for Box<T> {
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError> {
        (**self).power_on()
    }
    fn power_off(&mut self) -> Result<(), TransportError> {
        (**self).power_off()
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        (**self).reset()
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn arm_tear(&mut self, writes: u64) -> Result<(), TransportError> {
        (**self).arm_tear(writes)
    }
}

/// Connects to the card in the PC/SC reader `name` (the full name, or a part of it that
/// matches one reader only).
#[cfg(feature = "pcsc")]
pub fn connect_reader(name: &str) -> Result<Box<dyn Transport>, TransportError> {
    Ok(Box::new(PcscTransport::connect(name)?))
}

/// Connects to the card in a PC/SC reader: this build has no PC/SC support.
#[cfg(not(feature = "pcsc"))]
pub fn connect_reader(name: &str) -> Result<Box<dyn Transport>, TransportError> {
    Err(TransportError::Unsupported(format!(
        "cannot open PC/SC reader {name:?}: this jcos was built without PC/SC support \
         (build it with `cargo build --features pcsc`, which needs libpcsclite-dev)"
    )))
}
