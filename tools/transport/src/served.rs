//! A card as servers see it: the card, its image file, and what one request does to it.

use crate::frame::{Control, Request};
use crate::keeper::{ImageKeeper, KeepError};
use crate::log::Log;
use jcos_cos::Card;
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
#[derive(Debug)]
pub struct ServedCard {
    card: Card,
    label: String,
    keeper: Option<ImageKeeper>,
}

impl ServedCard {
    /// A card with no image file: its state ends with the server.
    pub fn in_memory(card: Card, label: impl Into<String>) -> Self {
        Self {
            card,
            label: label.into(),
            keeper: None,
        }
    }

    /// The card stored in the image at `path`, kept in step with it from now on.
    pub fn open(path: &Path) -> Result<Self, KeepError> {
        let card = Card::open_image(path)?;
        let keeper = ImageKeeper::new(path, &card)?;
        let label = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self {
            card,
            label,
            keeper: Some(keeper),
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

    /// Writes the image now (when the server stops); a card without image has nothing to do.
    pub fn save(&mut self) -> Result<(), KeepError> {
        match &mut self.keeper {
            Some(keeper) => keeper.save(&self.card),
            None => Ok(()),
        }
    }

    /// Carries out one request from `via` (a name for logs) and returns the answer to send,
    /// if the request has one. The image is saved before the answer leaves, so an answered
    /// APDU is on disk.
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
                let processed = start.elapsed();
                let saved = self.checkpoint(via, log);
                if log.tracing() {
                    log.line(format_args!("[{} {via}] >> {}", self.label, hex(apdu)));
                    let note = if saved { ", image saved" } else { "" };
                    log.line(format_args!(
                        "[{} {via}] << {}  ({} µs{note})",
                        self.label,
                        hex(&response),
                        processed.as_micros()
                    ));
                }
                Some(response)
            }
        }
    }

    /// Saves the image if the APDU changed it; a failure is logged and the card goes on (the
    /// image still holds an earlier complete state, and the next APDU tries again).
    fn checkpoint(&mut self, via: &str, log: &Log) -> bool {
        let Some(keeper) = &mut self.keeper else {
            return false;
        };
        match keeper.checkpoint(&self.card) {
            Ok(saved) => saved,
            Err(e) => {
                log.line(format_args!(
                    "[{} {via}] cannot save the card image: {e}",
                    self.label
                ));
                false
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
