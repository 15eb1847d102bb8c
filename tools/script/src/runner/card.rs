//! The fresh card each case starts from. Every runner card is made here, so richer cards
//! (preloaded packages, an issuer security domain) need only this function to change.

use jcos_cos::{Card, CardConfig};

/// A new in-process card built from `config`.
pub fn new_card(config: &CardConfig) -> Card {
    Card::new(config.clone())
}
