//! The card: persistent state, power, and the entry point for command APDUs.

use crate::atr::{Atr, Protocol};
use crate::image::{self, ImageError, WriteMode};
use crate::router::Router;
use crate::session::Session;
use crate::state::CardState;
use rand::rngs::StdRng;
use std::path::Path;

/// How a new card is built.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardConfig {
    /// Transmission protocol announced in the ATR and used for response handling.
    pub protocol: Protocol,
}

impl Default for CardConfig {
    fn default() -> Self {
        Self {
            protocol: Protocol::T1,
        }
    }
}

/// One emulated card. A card is a plain value with no global state.
///
/// Its persistent state (today the configuration) outlives power cycles and is what a card
/// image file stores. Its transient state (open logical channels, pending response data)
/// exists only while the card is powered: [`Card::power_off`], [`Card::reset`] and a new
/// [`Card::power_on`] discard it. A card opened from an image starts powered off, so each
/// `jcos` invocation on the same image starts a new power session: channels opened by one
/// invocation are closed in the next.
pub struct Card {
    state: CardState,
    /// `Some` while powered.
    session: Option<Session>,
    rng: StdRng,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The random generator's state stays out of debug output.
        f.debug_struct("Card")
            .field("state", &self.state)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Card {
    /// A new card, powered off.
    pub fn new(config: CardConfig) -> Self {
        Self::from_state(CardState::new(config))
    }

    fn from_state(state: CardState) -> Self {
        Self {
            state,
            session: None,
            rng: rand::make_rng(),
        }
    }

    /// Makes a new card and writes it to a new image file at `path`; an existing file is
    /// refused with [`ImageError::Exists`] and left alone.
    pub fn create_image(path: impl AsRef<Path>, config: CardConfig) -> Result<Card, ImageError> {
        let card = Card::new(config);
        image::write(path.as_ref(), &card.state, WriteMode::CreateNew)?;
        Ok(card)
    }

    /// Opens the card stored in the image at `path`, powered off. A foreign or corrupt file
    /// is refused with an [`ImageError`] naming it, and is not modified.
    pub fn open_image(path: impl AsRef<Path>) -> Result<Card, ImageError> {
        image::read(path.as_ref()).map(Card::from_state)
    }

    /// Writes the card's persistent state to `path`, atomically replacing any image there.
    pub fn save_image(&self, path: impl AsRef<Path>) -> Result<(), ImageError> {
        image::write(path.as_ref(), &self.state, WriteMode::Replace)
    }

    /// The card's configuration.
    pub fn config(&self) -> &CardConfig {
        &self.state.config
    }

    /// The answer to reset this card gives.
    pub fn atr(&self) -> Atr {
        Atr::for_protocol(self.state.config.protocol)
    }

    /// Powers the card on (cold reset) and returns its ATR; a powered card is reset.
    pub fn power_on(&mut self) -> Atr {
        self.session = Some(Session::default());
        self.atr()
    }

    /// Removes power; transient state is lost.
    pub fn power_off(&mut self) {
        self.session = None;
    }

    /// Resets the card and returns the ATR; transient state is lost as on power loss.
    pub fn reset(&mut self) -> Atr {
        self.power_off();
        self.power_on()
    }

    /// Whether the card is powered.
    pub fn is_powered(&self) -> bool {
        self.session.is_some()
    }

    /// Processes one command APDU and returns the response APDU (data + SW1 SW2).
    /// A card that is off is powered on first, as a reader would.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let session = self.session.get_or_insert_with(Session::default);
        Router {
            protocol: self.state.config.protocol,
            session,
            rng: &mut self.rng,
        }
        .process(apdu)
        .to_bytes()
    }
}
