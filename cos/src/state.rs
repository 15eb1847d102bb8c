//! The card's persistent state: everything that survives power loss and lives in the card
//! image file.

use crate::card::CardConfig;
use crate::fs::FileSystem;
use serde::{Deserialize, Serialize};

/// Version of [`CardState`]'s layout and of the content stored after it; an image holding
/// another version is refused. 3: the registry keeps GlobalPlatform life cycles,
/// privileges, associated security domains and the card life cycle, and the VM's built-in
/// classes include `jcos.framework` (so the class numbers of loaded packages moved).
pub(crate) const STATE_VERSION: u32 = 3;

/// Everything a card keeps across power cycles and `jcos` invocations.
///
/// Later parts of the card (the applet registry, the heap, the file system) are added here as
/// fields; a layout change bumps [`STATE_VERSION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CardState {
    /// The layout version, first so that a reader can check it before anything else.
    pub(crate) version: u32,
    /// How the card was built.
    pub(crate) config: CardConfig,
    /// The ISO/IEC 7816-4 file system, on a card personalised with one.
    pub(crate) fs: Option<FileSystem>,
}

impl CardState {
    /// The state of a newly made card.
    pub(crate) fn new(config: CardConfig) -> Self {
        Self {
            version: STATE_VERSION,
            config,
            fs: None,
        }
    }
}
