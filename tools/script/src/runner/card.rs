//! The fresh card each case starts from, and how content gets onto it. Every runner card is
//! made here, so richer cards (preloaded packages, an issuer security domain) need only this
//! module to change.

use crate::loader::{ContentLoader, InstallerLoader};
use jcos_cos::{Card, CardConfig, FileSystem};

/// A new in-process card built from `config`, with the development installer enabled so
/// that sessions can load and install content.
pub fn new_card(config: &CardConfig) -> Card {
    new_card_with(config, None)
}

/// Like [`new_card`], personalised with the file system `fs` when there is one.
pub fn new_card_with(config: &CardConfig, fs: Option<&FileSystem>) -> Card {
    let mut card = match fs {
        Some(fs) => Card::with_file_system(config.clone(), fs.clone()),
        None => Card::new(config.clone()),
    };
    card.enable_installer();
    card
}

/// Like [`new_card_with`], with the issuer security domain installed when `isd` (as
/// `jcos card new` makes cards); `Err` says why it could not be installed.
pub fn new_case_card(
    config: &CardConfig,
    fs: Option<&FileSystem>,
    isd: bool,
) -> Result<Card, String> {
    let mut card = new_card_with(config, fs);
    if isd {
        card.install_isd(jcos_cos::gp::ISD_CAP)
            .map_err(|e| format!("cannot install the issuer security domain: {e}"))?;
    }
    Ok(card)
}

/// The content loader of cases whose options name none: the development installer's.
pub fn new_loader() -> Box<dyn ContentLoader> {
    Box::new(InstallerLoader)
}
