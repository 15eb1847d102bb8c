//! Transient card state: what exists only while the card is powered.
//!
//! A power loss, a power-off or a reset drops the whole [`Session`], so open logical
//! channels and pending response data never survive one (JCRE 3.0.5 §4: "at card reset, the
//! basic channel is open, all other channels are closed").

use crate::channel::LogicalChannels;
use jcos_apdu::StatusWord;

/// Everything the card keeps between commands of one power session.
#[derive(Debug, Default)]
pub(crate) struct Session {
    /// Which logical channels are open.
    pub(crate) channels: LogicalChannels,
    /// Response data still to be fetched with GET RESPONSE.
    pub(crate) pending: Option<PendingResponse>,
    /// A CAP file being uploaded to the development installer.
    pub(crate) upload: Option<crate::installer::Upload>,
    /// Each channel's current files and security status in the file system.
    pub(crate) fs: crate::fs::FsSession,
    /// A security domain's GlobalPlatform load in progress.
    pub(crate) gp_load: Option<crate::gp::load_file::LoadSession>,
}

/// Response bytes the terminal has not fetched yet (ISO/IEC 7816-4:2005 clause 5.1.3, `61xx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingResponse {
    /// The logical channel of the command that produced the data.
    pub(crate) channel: u8,
    /// The bytes not yet returned.
    pub(crate) data: Vec<u8>,
    /// The status word to give with the last chunk.
    pub(crate) sw: StatusWord,
}
