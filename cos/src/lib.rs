//! The jcos card operating system: power, ATR, APDU router, logical channels, the Java Card
//! runtime environment (registry, applet selection and dispatch) and card images.
//!
//! A [`Card`] takes command APDUs through [`Card::transmit`] and always answers with a
//! response APDU; nothing a terminal sends can make it panic. Packages and applets reach it
//! through [`Card::load_package`] and [`Card::install_applet`] (or the development
//! installer over APDUs). Its persistent state lives in a card image file
//! ([`Card::create_image`], [`Card::open_image`], [`Card::save_image`]). A card built from a
//! profile ([`Card::with_file_system`]) has an ISO/IEC 7816-4 file system ([`fs`]).
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
mod content;
mod dispatch;
mod error;
pub mod fs;
pub mod gp;
mod image;
pub mod installer;
mod outgoing;
mod persist;
mod registry;
mod router;
mod runtime;
mod session;
mod state;
mod verification;

pub use atr::{Atr, Protocol};
pub use card::{Card, CardConfig};
pub use content::{ContentError, InstallRequest, LoadedPackage};
pub use fs::{FileSystem, Profile, ProfileError};
pub use image::ImageError;
pub use persist::Durability;
pub use registry::{AppletRecord, CardLifeCycle, LifeCycle, PackageRecord, Privileges, Registry};
