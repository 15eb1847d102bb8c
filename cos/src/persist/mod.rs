//! Durable card images (ARCHITECTURE decision 4c): a card opened for durable use
//! ([`crate::Card::open_durable`]) makes each command's persistent effects reach the
//! operating system — and with [`Durability::Device`] the storage device — before its
//! response is returned, so a process killed at any instant loses nothing it acknowledged
//! and leaves an image that opens with all or none of the command in flight.
//!
//! The design is a write-ahead journal beside a base image:
//!
//! - the base image ([`crate::image`]) is written whole, copy-on-write (temporary file,
//!   fsync, rename, directory fsync), at creation, at a checkpoint and on a clean close;
//! - after each command that changed something, one record with the command's changes —
//!   the card state and registry when they changed, the VM's changed objects
//!   ([`jcos_vm::snapshot::VmDelta`]) — is appended to the journal ([`journal`]) with a
//!   single write, and synced in [`Durability::Device`] mode;
//! - opening an image replays its journal; a torn last record is ignored (that command was
//!   never acknowledged); when the journal grows past a threshold the card is
//!   checkpointed into a new base image and the journal starts over.

pub(crate) mod journal;

use crate::image::{self, Content, ContentRef, ImageError, WriteMode};
use crate::registry::Registry;
use crate::state::CardState;
use jcos_vm::snapshot::{DeltaBase, VmImage};
use jcos_vm::Vm;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How far a command's persistent effects have travelled when its response is returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Handed to the operating system (written to the image journal): they survive the
    /// `jcos` process being killed at any instant, not a crash of the operating system.
    #[default]
    Os,
    /// Also synced to the storage device (`fdatasync` of the journal): they survive an
    /// operating system crash or a power cut, at the device's sync latency per command.
    Device,
}

/// Journal size after which a command's record triggers a checkpoint.
pub(crate) const CHECKPOINT_BYTES: u64 = 4 << 20;

/// An image as stored: base image plus journal, replayed.
#[derive(Debug)]
pub(crate) struct Opened {
    /// The card state.
    pub(crate) state: CardState,
    /// The registry and VM image, on a card with content.
    pub(crate) content: Option<Content>,
    /// The journal as found, for a writer to continue.
    tail: Tail,
}

/// Where a journal writer resumes.
#[derive(Debug, Clone)]
struct Tail {
    /// Checksum of the base image.
    base: [u8; 32],
    /// Good journal bytes (0: no journal for this base).
    valid_len: u64,
    /// Records in the journal.
    records: u64,
}

/// Reads the image at `path` and replays its journal. Never writes.
pub(crate) fn open(path: &Path) -> Result<Opened, ImageError> {
    let stored = image::read_card(path)?;
    let journal_path = journal::path_for(path);
    let replay = journal::read(&journal_path, &stored.checksum)?;
    let mut state = stored.state;
    let mut content = stored.content;
    let at = |detail: String| ImageError::Journal {
        path: journal_path.clone(),
        offset: 0,
        detail,
    };
    let records = replay.records.len() as u64;
    for record in replay.records {
        let seq = record.seq;
        if let Some(bytes) = record.state {
            let (decoded, rest) = image::decode_state(&journal_path, &bytes)?;
            if !rest.is_empty() {
                return Err(at(format!("record {seq}: bytes after the card state")));
            }
            state = decoded;
        }
        if record.registry.is_some() || record.vm.is_some() {
            let Some(content) = content.as_mut() else {
                return Err(at(format!(
                    "record {seq} changes content the image does not have"
                )));
            };
            if let Some(bytes) = record.registry {
                content.registry = postcard::from_bytes(&bytes)
                    .map_err(|e| at(format!("record {seq}: registry: {e}")))?;
            }
            if let Some(delta) = record.vm {
                content
                    .vm
                    .apply_delta(delta)
                    .map_err(|e| at(format!("record {seq}: {e}")))?;
            }
        }
    }
    Ok(Opened {
        state,
        content,
        tail: Tail {
            base: stored.checksum,
            valid_len: if replay.continues_image {
                replay.valid_len
            } else {
                0
            },
            records,
        },
    })
}

/// The persistent parts of a card, lent to the writer after each command.
pub(crate) struct Parts<'a> {
    /// The card state.
    pub(crate) state: &'a CardState,
    /// The registry and the VM, on a card with content.
    pub(crate) content: Option<(&'a Registry, &'a mut Vm)>,
}

/// The writer of a card's image and journal.
#[derive(Debug)]
pub(crate) struct Durable {
    path: PathBuf,
    journal_path: PathBuf,
    durability: Durability,
    /// Checksum of the base image the journal continues.
    base: [u8; 32],
    /// The journal, open for appending, once it exists for this base.
    writer: Option<File>,
    /// Good journal bytes.
    len: u64,
    /// Records in the journal.
    seq: u64,
    /// The card state as the image has it (postcard).
    state: Vec<u8>,
    /// The registry as the image has it (postcard), on a card with content.
    registry: Option<Vec<u8>>,
    /// What the image holds of the VM, for its deltas.
    vm_base: Option<DeltaBase>,
    /// Journal size that triggers a checkpoint.
    checkpoint_bytes: u64,
    /// A write failed: the card's memory may be ahead of the image.
    failed: bool,
}

impl Durable {
    /// Takes over the image `path` as opened by [`open`], for a card whose VM was
    /// restored from its content: a torn journal tail is cut off, and the VM records its
    /// changes from here on.
    pub(crate) fn attach(
        path: &Path,
        opened_tail: &OpenedTail,
        parts: Parts<'_>,
        durability: Durability,
    ) -> Result<Durable, ImageError> {
        let tail = &opened_tail.0;
        let journal_path = journal::path_for(path);
        let mut durable = Durable {
            path: path.to_path_buf(),
            journal_path,
            durability,
            base: tail.base,
            writer: None,
            len: 0,
            seq: tail.records,
            state: Vec::new(),
            registry: None,
            vm_base: None,
            checkpoint_bytes: CHECKPOINT_BYTES,
            failed: false,
        };
        if tail.valid_len > 0 {
            let file = OpenOptions::new()
                .append(true)
                .open(&durable.journal_path)
                .map_err(|e| durable.io(e))?;
            file.set_len(tail.valid_len).map_err(|e| durable.io(e))?;
            if durability == Durability::Device {
                file.sync_data().map_err(|e| durable.io(e))?;
            }
            durable.writer = Some(file);
            durable.len = tail.valid_len;
        } else {
            durable.seq = 0;
        }
        let mut parts = parts;
        durable.remember(&mut parts)?;
        Ok(durable)
    }

    /// Records what the image now holds of `parts`.
    fn remember(&mut self, parts: &mut Parts<'_>) -> Result<(), ImageError> {
        self.state = self.encode(parts.state)?;
        match parts.content.as_mut() {
            Some((registry, vm)) => {
                self.registry = Some(self.encode(registry)?);
                self.vm_base = Some(vm.begin_deltas());
            }
            None => {
                self.registry = None;
                self.vm_base = None;
            }
        }
        Ok(())
    }

    fn encode<T: serde::Serialize>(&self, value: &T) -> Result<Vec<u8>, ImageError> {
        postcard::to_stdvec(value).map_err(|source| ImageError::Encode {
            path: self.path.clone(),
            source,
        })
    }

    fn io(&self, source: std::io::Error) -> ImageError {
        ImageError::Io {
            path: self.journal_path.clone(),
            source,
        }
    }

    /// The image file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether an earlier write failed.
    pub(crate) fn failed(&self) -> bool {
        self.failed
    }

    /// Sets the journal size that triggers a checkpoint.
    pub(crate) fn set_checkpoint_bytes(&mut self, bytes: u64) {
        self.checkpoint_bytes = bytes;
    }

    /// Makes the effects of the command just processed durable: appends one journal record
    /// with what changed (nothing when nothing did), and checkpoints when the journal is
    /// big. After a failure the card's memory may be ahead of its image, so every later
    /// call fails too.
    pub(crate) fn commit(&mut self, parts: Parts<'_>) -> Result<(), ImageError> {
        if self.failed {
            return Err(ImageError::Failed {
                path: self.path.clone(),
            });
        }
        let mut parts = parts;
        let result = self.commit_changes(&mut parts);
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn commit_changes(&mut self, parts: &mut Parts<'_>) -> Result<(), ImageError> {
        if parts.content.is_some() != self.registry.is_some() {
            // Content appeared: the image changes shape, so a new base image is written.
            return self.write_checkpoint(parts);
        }
        let state = self.encode(parts.state)?;
        let state = (state != self.state).then_some(state);
        let registry = match &parts.content {
            Some((registry, _)) => {
                let bytes = self.encode(*registry)?;
                (self.registry.as_ref() != Some(&bytes)).then_some(bytes)
            }
            None => None,
        };
        let delta = match (parts.content.as_mut(), self.vm_base.as_mut()) {
            (Some((_, vm)), Some(base)) => {
                let delta = vm.take_delta(base).map_err(|e| ImageError::Content {
                    path: self.path.clone(),
                    detail: e.to_string(),
                })?;
                (!delta.is_empty()).then_some(delta)
            }
            _ => None,
        };
        if state.is_none() && registry.is_none() && delta.is_none() {
            return Ok(());
        }
        let record = journal::Record {
            seq: self.seq.saturating_add(1),
            state,
            registry,
            vm: delta,
        };
        let frame = journal::frame(&self.journal_path, &record)?;
        self.append(&frame)?;
        self.seq = record.seq;
        if let Some(state) = record.state {
            self.state = state;
        }
        if let Some(registry) = record.registry {
            self.registry = Some(registry);
        }
        Ok(())
    }

    /// Whether the journal has grown enough for a checkpoint.
    pub(crate) fn wants_checkpoint(&self) -> bool {
        self.len >= self.checkpoint_bytes
    }

    /// Folds the journal into a new base image and removes it, after taking the changes
    /// not yet committed; an image without journal records is left as it is.
    pub(crate) fn checkpoint(&mut self, parts: Parts<'_>) -> Result<(), ImageError> {
        if self.failed {
            return Err(ImageError::Failed {
                path: self.path.clone(),
            });
        }
        let mut parts = parts;
        let result = self.commit_changes(&mut parts).and_then(|()| {
            if self.seq == 0 {
                Ok(())
            } else {
                self.write_checkpoint(&mut parts)
            }
        });
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn write_checkpoint(&mut self, parts: &mut Parts<'_>) -> Result<(), ImageError> {
        let snapshot = match &parts.content {
            Some((registry, vm)) => Some((*registry, snapshot(&self.path, vm)?)),
            None => None,
        };
        let content = snapshot
            .as_ref()
            .map(|(registry, vm)| ContentRef { registry, vm });
        self.base = image::write_card(&self.path, parts.state, content, WriteMode::Replace)?;
        // The journal continued the previous image; a crash before it is gone leaves it
        // stale, and stale journals are ignored.
        self.writer = None;
        self.len = 0;
        self.seq = 0;
        remove_journal(&self.journal_path)?;
        self.remember(parts)
    }

    /// Appends one framed record; on failure the journal is cut back so that no partial
    /// record stays in front of later ones.
    fn append(&mut self, frame: &[u8]) -> Result<(), ImageError> {
        if self.writer.is_none() {
            self.create_journal()?;
        }
        let Some(file) = self.writer.as_mut() else {
            return Err(ImageError::Failed {
                path: self.path.clone(),
            });
        };
        let written = file.write_all(frame).and_then(|()| {
            if self.durability == Durability::Device {
                file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            let _ = file.set_len(self.len);
            return Err(self.io(e));
        }
        self.len = self.len.saturating_add(frame.len() as u64);
        Ok(())
    }

    /// Starts the journal of the current base image, replacing a stale one.
    fn create_journal(&mut self) -> Result<(), ImageError> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.journal_path)
            .map_err(|e| self.io(e))?;
        file.set_len(0).map_err(|e| self.io(e))?;
        let header = journal::header(&self.base);
        file.write_all(&header).map_err(|e| self.io(e))?;
        if self.durability == Durability::Device {
            file.sync_all().map_err(|e| self.io(e))?;
            image::sync_dir(image::parent_dir(&self.path)).map_err(|e| self.io(e))?;
        }
        self.len = header.len() as u64;
        self.writer = Some(file);
        Ok(())
    }
}

/// The journal position of an opened image, handed from [`Opened`] to [`Durable::attach`].
#[derive(Debug, Clone)]
pub(crate) struct OpenedTail(Tail);

impl Opened {
    /// Splits off where a writer resumes.
    pub(crate) fn into_parts(self) -> (CardState, Option<Content>, OpenedTail) {
        (self.state, self.content, OpenedTail(self.tail))
    }
}

/// The VM's image, or a content error naming the image.
fn snapshot(path: &Path, vm: &Vm) -> Result<VmImage, ImageError> {
    vm.snapshot().map_err(|e| ImageError::Content {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// Removes the journal of an image that was just written whole.
pub(crate) fn remove_journal(journal_path: &Path) -> Result<(), ImageError> {
    match std::fs::remove_file(journal_path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ImageError::Io {
            path: journal_path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a whole image of a card to `path` (no journal) and removes a journal left there,
/// which continued the image being replaced.
pub(crate) fn save(
    path: &Path,
    state: &CardState,
    content: Option<(&Registry, &Vm)>,
    mode: WriteMode,
) -> Result<(), ImageError> {
    let snapshot = match content {
        Some((registry, vm)) => Some((registry, snapshot(path, vm)?)),
        None => None,
    };
    let content = snapshot
        .as_ref()
        .map(|(registry, vm)| ContentRef { registry, vm });
    image::write_card(path, state, content, mode)?;
    remove_journal(&journal::path_for(path))
}

#[cfg(test)]
mod tests;
