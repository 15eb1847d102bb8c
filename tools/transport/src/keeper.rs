//! Keeps a served card's image file in step with the card: after every APDU that changed the
//! card's persistent state, the image is replaced atomically (the card's own `save_image`
//! writes a temporary file, syncs it and renames it over the image), so a server stopped at
//! any moment leaves the image of the last completed APDU.
//!
//! The card gives no signal when its persistent state changes, and a synced save costs about
//! a millisecond on a disk, which would cap a server near 1 000 APDUs/s. So after each APDU
//! the card is encoded to a scratch image on a RAM file system (`/dev/shm` where present),
//! which costs microseconds, and the real image is written only when those bytes differ from
//! the last ones saved.

use jcos_cos::{Card, ImageError};
use std::path::{Path, PathBuf};

/// Why a card image could not be kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeepError {
    /// The card could not be written to its image or to the scratch image.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The scratch directory or scratch image failed.
    #[error("scratch image {path}: {source}", path = path.display())]
    Scratch {
        /// The scratch file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The image file of one served card and the bytes last written to it.
#[derive(Debug)]
pub struct ImageKeeper {
    path: PathBuf,
    scratch: tempfile::TempDir,
    saved: Vec<u8>,
}

impl ImageKeeper {
    /// Keeps `card`, which was just opened from (or saved to) `path`.
    pub fn new(path: &Path, card: &Card) -> Result<Self, KeepError> {
        let shm = Path::new("/dev/shm");
        let mut builder = tempfile::Builder::new();
        builder.prefix("jcos-serve-");
        let scratch = if shm.is_dir() {
            builder.tempdir_in(shm).or_else(|_| builder.tempdir())
        } else {
            builder.tempdir()
        }
        .map_err(|source| KeepError::Scratch {
            path: std::env::temp_dir(),
            source,
        })?;
        let mut keeper = Self {
            path: path.to_path_buf(),
            scratch,
            saved: Vec::new(),
        };
        keeper.saved = keeper.encode(card)?;
        Ok(keeper)
    }

    /// The image file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The card's image as bytes, through the scratch file.
    fn encode(&self, card: &Card) -> Result<Vec<u8>, KeepError> {
        let scratch = self.scratch.path().join("card.img");
        card.save_image(&scratch)?;
        std::fs::read(&scratch).map_err(|source| KeepError::Scratch {
            path: scratch,
            source,
        })
    }

    /// Saves the card to its image if its persistent state changed since the last save;
    /// returns whether it wrote.
    pub fn checkpoint(&mut self, card: &Card) -> Result<bool, KeepError> {
        let now = self.encode(card)?;
        if now == self.saved {
            return Ok(false);
        }
        card.save_image(&self.path)?;
        self.saved = now;
        Ok(true)
    }

    /// Writes the image whether or not it changed (used when a server stops).
    pub fn save(&mut self, card: &Card) -> Result<(), KeepError> {
        card.save_image(&self.path)?;
        self.saved = self.encode(card)?;
        Ok(())
    }
}
