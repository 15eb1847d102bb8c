//! The ISO/IEC 7816-4 file system, a card OS service.
//!
//! - [`model`]: the tree (MF, DFs, EFs of every structure, internal EFs holding PINs and
//!   keys) and the persistent writes that change it, committed all or nothing;
//! - [`access`]: access conditions and their compact (`8C`), expanded (`AB`) and proprietary
//!   (`86`) encodings;
//! - [`arr`]: access rules kept in EF.ARR records and referenced by `8B`;
//! - [`lifecycle`]: the LCS byte;
//! - [`fcp`]: file control parameters (SELECT's FCP/FCI/FMD, CREATE FILE's input);
//! - [`security`]: each logical channel's current files and security status;
//! - [`commands`]: the interindustry commands, each a function of (file system, channel
//!   context, command) to (response, writes);
//! - [`profile`]: personalisation from a TOML card profile;
//! - [`api`]: the calls card services and natives use (open by path, read, update, check).

pub mod access;
pub mod api;
pub mod arr;
pub mod commands;
pub mod crypto;
pub mod error;
pub mod fcp;
pub mod lifecycle;
pub mod model;
pub mod profile;
pub mod security;
pub mod tree;

pub use access::{AccessRules, Condition, Operation, RulesForm};
pub use api::Caller;
pub use arr::ArrReference;
pub use commands::{handles, process, Outcome};
pub use error::FsError;
pub use lifecycle::LifeCycle;
pub use model::{Commit, FileSystem, FsWrite, NodeId};
pub use profile::{Profile, ProfileError};
pub use security::ChannelContext;

/// The file-system state of every logical channel of one power session, and an armed tear.
#[derive(Debug, Clone, Default)]
pub struct FsSession {
    channels: std::collections::BTreeMap<u8, ChannelContext>,
    /// The card's armed tear, counting heap and file-system writes in one sequence.
    tear: Option<Tear>,
    /// Whether an armed tear cut the power during a command.
    power_lost: bool,
}

/// A tear armed on the card ([`crate::Card::arm_tear`]). The heap counts its own persistent
/// writes and the file system its own; the tear counts both in the order they happen, so the
/// power is cut during the n-th persistent write of the card whichever part makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tear {
    /// Writes that may still complete before the power is cut, as of `heap_mark`.
    left: u64,
    /// The heap's count of persistent writes when `left` was last brought up to date.
    heap_mark: u64,
}

/// Persistent writes a file-system command with `writes` changes makes: each change, then
/// the commit record that makes them take effect together (none for a command that changes
/// nothing).
pub fn persistent_writes(writes: &[FsWrite]) -> u64 {
    match writes.len() {
        0 => 0,
        n => u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1),
    }
}

/// Brings an armed tear up to date with the heap's persistent writes since it was last
/// looked at, and arms the VM with what is left, so that the heap and the file system count
/// their writes in one sequence. The card calls it before and after each command.
pub fn sync_tear(session: Option<&mut FsSession>, vm: Option<&mut jcos_vm::Vm>) {
    let heap = vm.as_ref().map_or(0, |vm| vm.heap().persistent_writes());
    let Some(session) = session else {
        return;
    };
    if session.power_lost {
        // The file system's write was cut: the heap must make no more.
        if let Some(vm) = vm {
            vm.disarm_tear();
        }
        return;
    }
    if let (Some(left), Some(vm)) = (session.sync_heap(heap), vm) {
        vm.arm_tear(left);
    }
}

impl FsSession {
    /// The context of `channel`, made (with the MF current) on first use.
    pub fn channel(&mut self, channel: u8) -> &mut ChannelContext {
        self.channels.entry(channel).or_default()
    }

    /// Forgets `channel`'s context, as when MANAGE CHANNEL closes it.
    pub fn close(&mut self, channel: u8) {
        self.channels.remove(&channel);
    }

    /// Starts the context of `channel`, just opened by MANAGE CHANNEL on `origin`: from the
    /// basic channel the MF is current; from another channel, that channel's current DF
    /// (ISO/IEC 7816-4:2005 clause 5.1.1.2). The security status is not shared.
    pub fn open_from(&mut self, origin: u8, channel: u8) {
        let current_df = match origin {
            0 => NodeId::MF,
            _ => self.channel(origin).current_df,
        };
        let ctx = self.channel(channel);
        *ctx = ChannelContext::default();
        ctx.current_df = current_df;
    }

    /// Arms a tear: after `writes` more persistent writes of the card complete (the heap's,
    /// which numbered `heap_writes` so far, and the file system's, see [`sync_tear`]), the
    /// power is cut during the next one. A file-system command cut there stops, its writes
    /// are rolled back (the journal never saw its commit record), and
    /// [`FsSession::power_lost`] turns true.
    pub fn arm_tear(&mut self, writes: u64, heap_writes: u64) {
        self.tear = Some(Tear {
            left: writes,
            heap_mark: heap_writes,
        });
        self.power_lost = false;
    }

    /// Whether an armed tear cut the power.
    pub fn power_lost(&self) -> bool {
        self.power_lost
    }

    /// Commits `writes` to `fs`, counting them against an armed tear: a tear armed beyond
    /// them lets them all through and waits; one among them rolls them back, and the power is
    /// lost.
    pub fn commit(&mut self, fs: &mut FileSystem, writes: &[FsWrite]) -> Result<Commit, FsError> {
        let count = persistent_writes(writes);
        let tear = self
            .tear
            .filter(|t| t.left < count)
            .and_then(|t| usize::try_from(t.left).ok());
        if let Some(t) = self.tear.as_mut() {
            t.left = t.left.saturating_sub(count);
        }
        let done = fs.commit(writes, tear)?;
        if let Commit::Torn(_) = done {
            self.tear = None;
            self.power_lost = true;
        }
        Ok(done)
    }

    /// Brings an armed tear up to date with the heap's count of persistent writes; the
    /// writes it still allows.
    pub fn sync_heap(&mut self, heap_writes: u64) -> Option<u64> {
        let tear = self.tear.as_mut()?;
        tear.left = tear
            .left
            .saturating_sub(heap_writes.saturating_sub(tear.heap_mark));
        tear.heap_mark = heap_writes;
        Some(tear.left)
    }

    /// The context of `channel` as it stands (a channel not used yet: the MF current,
    /// nothing verified).
    pub fn context(&self, channel: u8) -> std::borrow::Cow<'_, ChannelContext> {
        match self.channels.get(&channel) {
            Some(ctx) => std::borrow::Cow::Borrowed(ctx),
            None => std::borrow::Cow::Owned(ChannelContext::default()),
        }
    }

    /// Forgets the context of every channel `is_open` says is closed, so a channel opened
    /// again starts at the MF with nothing verified.
    pub fn forget_closed(&mut self, is_open: impl Fn(u8) -> bool) {
        self.channels.retain(|ch, _| is_open(*ch));
    }
}

/// Runs one file-system command on `channel` and commits its writes to `fs`: the whole
/// service as the router calls it. A refusal answers its status word and writes nothing.
pub fn transmit<R: rand::Rng + ?Sized>(
    fs: &mut FileSystem,
    session: &mut FsSession,
    channel: u8,
    command: &jcos_apdu::CommandApdu,
    rng: &mut R,
) -> jcos_apdu::ResponseApdu {
    let ctx = session.channel(channel);
    match process(fs, ctx, command, rng) {
        Ok(outcome) => match session.commit(fs, &outcome.writes) {
            Ok(Commit::Torn(_)) => {
                jcos_apdu::ResponseApdu::status(jcos_apdu::StatusWord::MEMORY_FAILURE)
            }
            Ok(Commit::Done) => jcos_apdu::ResponseApdu::new(outcome.data, outcome.sw),
            Err(e) => jcos_apdu::ResponseApdu::status(e.into()),
        },
        Err(e) => jcos_apdu::ResponseApdu::status(e.into()),
    }
}
