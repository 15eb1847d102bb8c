//! A card as servers see it: the card, its image file, and what one request does to it.

use crate::frame::{Control, Request};
use crate::log::Log;
use jcos_cos::{Card, Durability, ImageError};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// A served card shared by the servers that expose it (vpcd and TCP may serve the same card).
pub type SharedCard = Arc<Mutex<ServedCard>>;

/// Locks a shared card; a thread that panicked while holding it cannot have left the card
/// half-changed (the card answers every APDU completely), so the lock is taken anyway.
pub fn lock(card: &SharedCard) -> MutexGuard<'_, ServedCard> {
    match card.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// One card being served, with its image file if it has one.
///
/// A card from an image is opened for durable use ([`Card::open_durable`]): the card itself
/// writes each command's persistent effects to the image's journal before it answers, so a
/// server stopped at any moment, even killed, leaves an image holding every answered APDU.
/// Stopping cleanly folds the journal into the image ([`ServedCard::save`]).
#[derive(Debug)]
pub struct ServedCard {
    card: Card,
    label: String,
    durable: bool,
    storage_failure_reported: bool,
}

impl ServedCard {
    /// A card with no image file: its state ends with the server.
    pub fn in_memory(card: Card, label: impl Into<String>) -> Self {
        Self {
            card,
            label: label.into(),
            durable: false,
            storage_failure_reported: false,
        }
    }

    /// The card stored in the image at `path`, opened for durable use.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, ImageError> {
        let card = Card::open_durable(path, durability)?;
        let label = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self {
            card,
            label,
            durable: true,
            storage_failure_reported: false,
        })
    }

    /// Wraps the card for sharing between servers.
    pub fn shared(self) -> SharedCard {
        Arc::new(Mutex::new(self))
    }

    /// A short name for logs: the image's file name.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The card.
    pub fn card(&self) -> &Card {
        &self.card
    }

    /// Removes power, as pulling the card from a reader does.
    pub fn power_off(&mut self) {
        self.card.power_off();
    }

    /// Folds the journal into the image (when the server stops); a card without image has
    /// nothing to do.
    pub fn save(&mut self) -> Result<(), ImageError> {
        if self.durable {
            self.card.checkpoint()
        } else {
            Ok(())
        }
    }

    /// Carries out one request from `via` (a name for logs) and returns the answer to send,
    /// if the request has one. A durable card has written the APDU's effects to its image
    /// before the answer leaves.
    pub fn handle(&mut self, request: &Request, via: &str, log: &Log) -> Option<Vec<u8>> {
        match request {
            Request::Control(control) => {
                if log.tracing() && *control != Control::GetAtr {
                    // vpcd polls presence with GET ATR several times a second: those stay out.
                    log.line(format_args!(
                        "[{} {via}] {}",
                        self.label,
                        describe(*control)
                    ));
                }
                match control {
                    Control::PowerOff => self.card.power_off(),
                    Control::PowerOn => {
                        self.card.power_on();
                    }
                    Control::Reset => {
                        self.card.reset();
                    }
                    Control::GetAtr => return Some(self.card.atr().0),
                }
                None
            }
            Request::Apdu(apdu) => {
                let start = Instant::now();
                let response = self.card.transmit(apdu);
                let took = start.elapsed();
                if log.tracing() {
                    log.line(format_args!("[{} {via}] >> {}", self.label, hex(apdu)));
                    log.line(format_args!(
                        "[{} {via}] << {}  ({} µs)",
                        self.label,
                        hex(&response),
                        took.as_micros()
                    ));
                }
                if self.card.storage_failed() && !self.storage_failure_reported {
                    self.storage_failure_reported = true;
                    log.line(format_args!(
                        "[{} {via}] the card image could not take a command's changes: the card \
                         answers 6581 from now on; the image keeps the last complete state",
                        self.label
                    ));
                }
                Some(response)
            }
        }
    }
}

fn describe(control: Control) -> &'static str {
    match control {
        Control::PowerOff => "power off",
        Control::PowerOn => "power on",
        Control::Reset => "reset",
        Control::GetAtr => "get ATR",
    }
}

/// Upper-case hex without separators, as the rest of jcos prints APDUs.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(text, "{b:02X}");
    }
    text
}
