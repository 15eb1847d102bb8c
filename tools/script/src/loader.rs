//! The seam through which fixture sessions put content on a card.
//!
//! Loading and installing are done over the card connection (as a GlobalPlatform client does
//! through the issuer security domain), so a loader is handed the transport for each call
//! rather than owning the card: the session runner keeps using the same transport for the
//! APDUs around the `load` and `install` lines.

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
