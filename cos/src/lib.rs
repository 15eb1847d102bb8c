//! The jcos card operating system: power, ATR, APDU router, logical channels and card images.
//!
//! A [`Card`] takes command APDUs through [`Card::transmit`] and always answers with a
//! response APDU; nothing a terminal sends can make it panic. Its persistent state lives in a
//! card image file ([`Card::create_image`], [`Card::open_image`], [`Card::save_image`]).
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

mod atr;
mod card;
mod channel;
mod commands;
mod error;
mod image;
mod outgoing;
mod router;
mod session;
mod state;

pub use atr::{Atr, Protocol};
pub use card::{Card, CardConfig};
pub use image::ImageError;
