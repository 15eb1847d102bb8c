//! Cards in PC/SC readers, through the system's PC/SC service (pcscd and libpcsclite on
//! Linux): real readers, and jcos cards served to pcscd through vpcd.

use crate::{Transport, TransportError};
use pcsc::{Context, Disposition, Protocols, Scope, ShareMode, MAX_BUFFER_SIZE_EXTENDED};
use std::ffi::CString;

/// A card in one PC/SC reader. Powering off disconnects and unpowers the card; powering on
/// connects again.
pub struct PcscTransport {
    context: Context,
    reader: CString,
    card: Option<pcsc::Card>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("connected", &self.card.is_some())
            .finish_non_exhaustive()
    }
}

fn pcsc_error(operation: &'static str) -> impl Fn(pcsc::Error) -> TransportError {
    move |e| TransportError::Pcsc {
        operation,
        reason: e.to_string(),
    }
}

impl PcscTransport {
    /// Opens the reader named `name`: its full name, or a part matching one reader only.
    /// The card is not connected until [`Transport::power_on`] or the first APDU.
    pub fn connect(name: &str) -> Result<Self, TransportError> {
        let context = Context::establish(Scope::User).map_err(|e| TransportError::Connect {
            target: format!("reader {name:?}"),
            reason: format!("cannot reach the PC/SC service (is pcscd running?): {e}"),
        })?;
        let readers: Vec<String> = match context.list_readers_owned() {
            Ok(readers) => readers
                .iter()
                .map(|r| r.to_string_lossy().into_owned())
                .collect(),
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(pcsc_error("list readers")(e)),
        };
        let chosen = if readers.iter().any(|r| r == name) {
            name.to_string()
        } else {
            let matches: Vec<String> = readers
                .iter()
                .filter(|r| r.contains(name))
                .cloned()
                .collect();
            match matches.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(TransportError::NoSuchReader {
                        name: name.to_string(),
                        available: readers,
                    })
                }
                _ => {
                    return Err(TransportError::AmbiguousReader {
                        name: name.to_string(),
                        matches,
                    })
                }
            }
        };
        let reader = CString::new(chosen).map_err(|_| TransportError::NoSuchReader {
            name: name.to_string(),
            available: readers.clone(),
        })?;
        Ok(Self {
            context,
            reader,
            card: None,
        })
    }

    /// The reader's full name.
    pub fn reader(&self) -> String {
        self.reader.to_string_lossy().into_owned()
    }

    fn card(&mut self) -> Result<&pcsc::Card, TransportError> {
        if self.card.is_none() {
            let card = self
                .context
                .connect(&self.reader, ShareMode::Shared, Protocols::ANY)
                .map_err(pcsc_error("connect"))?;
            self.card = Some(card);
        }
        self.card
            .as_ref()
            .ok_or_else(|| TransportError::Protocol("PC/SC card handle lost".to_string()))
    }

    fn atr(&mut self) -> Result<Vec<u8>, TransportError> {
        let status = self.card()?.status2_owned().map_err(pcsc_error("status"))?;
        Ok(status.atr().to_vec())
    }
}

impl Transport for PcscTransport {
    fn power_on(&mut self) -> Result<Vec<u8>, TransportError> {
        self.power_off()?;
        let card = self
            .context
            .connect(&self.reader, ShareMode::Shared, Protocols::ANY)
            .map_err(pcsc_error("connect"))?;
        self.card = Some(card);
        self.atr()
    }

    fn power_off(&mut self) -> Result<(), TransportError> {
        if let Some(card) = self.card.take() {
            card.disconnect(Disposition::UnpowerCard)
                .map_err(|(_, e)| pcsc_error("disconnect")(e))?;
        }
        Ok(())
    }

    fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
        self.card()?;
        if let Some(card) = self.card.as_mut() {
            card.reconnect(ShareMode::Shared, Protocols::ANY, Disposition::ResetCard)
                .map_err(pcsc_error("reset"))?;
        }
        self.atr()
    }

    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buffer = vec![0u8; MAX_BUFFER_SIZE_EXTENDED];
        let card = self.card()?;
        let response = card
            .transmit(apdu, &mut buffer)
            .map_err(pcsc_error("transmit"))?;
        Ok(response.to_vec())
    }
}
