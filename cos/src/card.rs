use crate::atr::{Atr, Protocol};

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
#[derive(Debug)]
pub struct Card {
    config: CardConfig,
    powered: bool,
}

impl Card {
    /// A new card, powered off.
    pub fn new(config: CardConfig) -> Self {
        Self {
            config,
            powered: false,
        }
    }

    /// The card's configuration.
    pub fn config(&self) -> &CardConfig {
        &self.config
    }

    /// The answer to reset this card gives.
    pub fn atr(&self) -> Atr {
        Atr::for_protocol(self.config.protocol)
    }

    /// Powers the card on (cold reset) and returns its ATR.
    pub fn power_on(&mut self) -> Atr {
        self.powered = true;
        self.atr()
    }

    /// Removes power; transient state is lost.
    pub fn power_off(&mut self) {
        self.powered = false;
    }

    /// Warm reset: returns the ATR.
    pub fn reset(&mut self) -> Atr {
        self.power_off();
        self.power_on()
    }

    /// Whether the card is powered.
    pub fn is_powered(&self) -> bool {
        self.powered
    }

    /// Processes one command APDU and returns the response APDU (data + SW1 SW2).
    /// A card that is off is powered on first, as a reader would.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        if !self.powered {
            self.power_on();
        }
        let _ = apdu;
        vec![0x6D, 0x00]
    }
}
