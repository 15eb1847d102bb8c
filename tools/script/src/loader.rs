//! The seam through which fixture sessions put content on a card.
//!
//! Loading and installing are done over the card connection (as a GlobalPlatform client does
//! through the issuer security domain), so a loader is handed the transport for each call
//! rather than owning the card: the session runner keeps using the same transport for the
//! APDUs around the `load` and `install` lines.

use jcos_apdu::{Cla, StatusWord};
use jcos_cos::installer;
use jcos_transport::Transport;
use std::path::Path;

/// Puts CAP files and applet instances on a card.
pub trait ContentLoader {
    /// Loads the package in the CAP file `cap` onto the card behind `card`.
    fn load_cap(&mut self, card: &mut dyn Transport, cap: &Path) -> Result<(), String>;
    /// Creates an applet instance of class `class_aid` with AID `instance_aid`, handing
    /// `params` (the application-specific parameters, C9 data) to its `install` method.
    fn install(
        &mut self,
        card: &mut dyn Transport,
        class_aid: &[u8],
        instance_aid: &[u8],
        params: &[u8],
    ) -> Result<(), String>;
}

/// A loader speaking to a jcos card's development installer ([`jcos_cos::installer`]).
///
/// Each operation selects the installer on logical channel 19 (an applet SELECT opens a
/// closed channel without selecting a default applet), sends its commands there and closes
/// the channel again, so the selection on the channels a session uses is left alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct InstallerLoader;

/// The logical channel the installer is used on.
const CHANNEL: u8 = 19;
/// Command data bytes per component data command (a short APDU, as T=0 requires).
const CHUNK: usize = 255;

impl InstallerLoader {
    /// Sends one command and checks for 9000; `what` names it in errors.
    fn send(card: &mut dyn Transport, apdu: &[u8], what: &str) -> Result<(), String> {
        let response = card
            .transmit(apdu)
            .map_err(|e| format!("{what}: transport: {e}"))?;
        let sw = match response.as_slice() {
            [.., sw1, sw2] => StatusWord::from_bytes(*sw1, *sw2),
            _ => {
                return Err(format!(
                    "{what}: the card answered {} bytes",
                    response.len()
                ))
            }
        };
        if sw == StatusWord::OK {
            Ok(())
        } else {
            Err(format!("{what}: the card answered {:04X}", sw.0))
        }
    }

    /// An installer command on the installer's channel.
    fn command(ins: u8, p1: u8, data: &[u8]) -> Result<Vec<u8>, String> {
        let cla = Cla(0x80)
            .with_channel(CHANNEL)
            .ok_or("no class byte for the installer channel")?;
        let lc = u8::try_from(data.len()).map_err(|_| "installer command data too long")?;
        let mut apdu = vec![cla.0, ins, p1, 0x00];
        if !data.is_empty() {
            apdu.push(lc);
            apdu.extend_from_slice(data);
        }
        Ok(apdu)
    }

    /// Selects the installer, runs `work`, and closes the channel whatever happened.
    fn session(
        card: &mut dyn Transport,
        work: impl FnOnce(&mut dyn Transport) -> Result<(), String>,
    ) -> Result<(), String> {
        let select_cla = Cla(0x00)
            .with_channel(CHANNEL)
            .ok_or("no class byte for the installer channel")?;
        let mut select = vec![select_cla.0, 0xA4, 0x04, 0x00, installer::AID.len() as u8];
        select.extend_from_slice(&installer::AID);
        Self::send(card, &select, "SELECT of the card's installer").map_err(|e| {
            format!("{e} (the card has no development installer, so it cannot load content)")
        })?;
        let result = work(card);
        let close = [0x00, 0x70, 0x80, CHANNEL];
        let closed = Self::send(card, &close, "MANAGE CHANNEL CLOSE");
        result.and(closed)
    }
}

/// `length || bytes` for the create-applet command; AIDs and parameters are short.
fn field(out: &mut Vec<u8>, bytes: &[u8], what: &str) -> Result<(), String> {
    out.push(u8::try_from(bytes.len()).map_err(|_| format!("{what} longer than 255 bytes"))?);
    out.extend_from_slice(bytes);
    Ok(())
}

impl ContentLoader for InstallerLoader {
    fn load_cap(&mut self, card: &mut dyn Transport, cap: &Path) -> Result<(), String> {
        let bytes =
            std::fs::read(cap).map_err(|e| format!("cannot read {}: {e}", cap.display()))?;
        Self::session(card, |card| {
            Self::send(
                card,
                &Self::command(installer::INS_CAP_BEGIN, 0, &[])?,
                "CAP begin",
            )?;
            Self::send(
                card,
                &Self::command(installer::INS_COMPONENT_BEGIN, 0, &[])?,
                "component begin",
            )?;
            for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
                let what = format!("component data at offset {}", i * CHUNK);
                Self::send(
                    card,
                    &Self::command(installer::INS_COMPONENT_DATA, 0, chunk)?,
                    &what,
                )?;
            }
            Self::send(
                card,
                &Self::command(installer::INS_COMPONENT_END, 0, &[])?,
                "component end",
            )?;
            Self::send(
                card,
                &Self::command(installer::INS_CAP_END, 0, &[])?,
                "CAP end (the card loads the package)",
            )
        })
    }

    fn install(
        &mut self,
        card: &mut dyn Transport,
        class_aid: &[u8],
        instance_aid: &[u8],
        params: &[u8],
    ) -> Result<(), String> {
        let mut data = Vec::new();
        field(&mut data, class_aid, "class AID")?;
        field(&mut data, params, "install parameters")?;
        field(&mut data, instance_aid, "instance AID")?;
        Self::session(card, |card| {
            Self::send(
                card,
                &Self::command(installer::INS_CREATE_APPLET, 0, &data)?,
                "create applet",
            )
        })
    }
}
