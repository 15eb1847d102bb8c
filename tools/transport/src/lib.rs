//! Transports between jcos cards and host programs: in-process today; TCP, vpcd and PC/SC
//! readers behind the same [`Transport`] trait.
#![forbid(unsafe_code)]

use jcos_cos::Card;

/// Why an exchange with a card failed at the transport level (not an ISO status word).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection or device failed.
    #[error("transport I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The other side broke the framing.
    #[error("transport protocol: {0}")]
    Protocol(String),
}

/// A connection to one card: power control and APDU exchange.
pub trait Transport {
    /// Powers the card on (cold reset) and returns the ATR.
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError>;
    /// Removes power from the card.
    fn power_off(&mut self) -> Result<(), TransportError>;
    /// Resets the card and returns the ATR.
    fn reset(&mut self) -> Result<Vec<u8>, TransportError>;
    /// Sends one command APDU and returns the response APDU (data + SW1 SW2).
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// A card in this process is its own transport.
impl Transport for Card {
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(Card::power_on(self).0)
    }
    fn power_off(&mut self) -> Result<(), TransportError> {
        Card::power_off(self);
        Ok(())
    }
    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(Card::reset(self).0)
    }
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(Card::transmit(self, apdu))
    }
}
