//! The jcos card operating system: power, ATR, APDU router, logical channels and card images.
#![forbid(unsafe_code)]

mod atr;
mod card;
mod channel;
mod image;

pub use atr::{Atr, Protocol};
pub use card::{Card, CardConfig};
pub use image::ImageError;
