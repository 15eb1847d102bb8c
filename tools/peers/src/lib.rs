//! Host-side parties of the jcos protocol flows.
//!
//! - [`gp`]: the GlobalPlatform client (card management through an issuer security domain over
//!   SCP02 or SCP03).
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

pub mod gp;
