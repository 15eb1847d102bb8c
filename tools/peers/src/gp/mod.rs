//! The GlobalPlatform client: secure channels SCP02 and SCP03 (GP Card Specification 2.3.1
//! Appendix E, Amendment D), the card content management commands, and the answers' parsers.

pub mod crypto;
mod error;
pub mod keys;
pub mod scp02;
pub mod scp03;

pub use error::GpError;
