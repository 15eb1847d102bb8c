//! The GlobalPlatform client: secure channels SCP02 and SCP03 (GP Card Specification 2.3.1
//! Appendix E, Amendment D), the card content management commands, and the answers' parsers.
//!
//! - [`scp02`], [`scp03`]: the protocols' cryptography, host side;
//! - [`session`]: opening a channel (INITIALIZE UPDATE, EXTERNAL AUTHENTICATE) and the open
//!   channel;
//! - [`command`]: the commands, built plain; [`status`]: GET STATUS answers; [`load`]: CAP
//!   files as load files;
//! - [`client`]: all of it over a transport.

pub mod client;
pub mod command;
pub mod crypto;
mod error;
pub mod keys;
pub mod load;
pub mod scp02;
pub mod scp03;
pub mod session;
pub mod status;

pub use client::{GpClient, LoadOptions, Response, ISD_AID};
pub use error::GpError;
pub use keys::{Diversification, KeyKind, StaticKeys, DEFAULT_KEY};
pub use session::{OpenOptions, ScpChoice, SecureChannel, SecurityLevel, SessionInfo};
