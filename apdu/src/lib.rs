//! ISO 7816-3/4 command and response APDUs, class bytes, status words and BER-TLV for jcos.
//!
//! Every parser here takes untrusted bytes and answers with a typed error; nothing panics.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

mod cla;
mod command;
mod error;
pub mod hex;
mod response;
mod sw;
pub mod tlv;

pub use cla::{Cla, ClassKind, SecureMessaging};
pub use command::{ApduCase, CommandApdu};
pub use error::ApduError;
pub use response::ResponseApdu;
pub use sw::StatusWord;
