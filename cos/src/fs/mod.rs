//! The ISO/IEC 7816-4 file system, a card OS service.
//!
//! - [`model`]: the tree (MF, DFs, EFs of every structure, internal EFs holding PINs and
//!   keys) and the persistent writes that change it, committed all or nothing;
//! - [`access`]: access conditions and their compact (`8C`) and expanded (`AB`) encodings;
//! - [`lifecycle`]: the LCS byte;
//! - [`fcp`]: file control parameters (SELECT's FCP/FCI/FMD, CREATE FILE's input);
//! - [`security`]: each logical channel's current files and security status;
//! - [`commands`]: the interindustry commands, each a function of (file system, channel
//!   context, command) to (response, writes);
//! - [`profile`]: personalisation from a TOML card profile;
//! - [`api`]: the calls card services and natives use (open by path, read, update, check).

pub mod access;
pub mod api;
pub mod commands;
pub mod crypto;
pub mod error;
pub mod fcp;
pub mod lifecycle;
pub mod model;
pub mod profile;
pub mod security;
pub mod tree;

pub use access::{AccessRules, Condition, Operation};
pub use api::Caller;
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
    /// Persistent writes still to complete before the power is cut.
    tear: Option<usize>,
    /// Whether an armed tear cut the power during a command.
    power_lost: bool,
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

    /// Arms a tear: after `writes` more persistent writes of the file system complete, the
    /// power is cut during the next one. The command stops there, its writes are rolled back
    /// (the journal never saw its commit), and [`FsSession::power_lost`] turns true.
    pub fn arm_tear(&mut self, writes: usize) {
        self.tear = Some(writes);
        self.power_lost = false;
    }

    /// Whether an armed tear cut the power.
    pub fn power_lost(&self) -> bool {
        self.power_lost
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
        Ok(outcome) => {
            let count = outcome.writes.len();
            // A tear armed beyond this command's writes lets them all through and waits.
            let tear = session.tear.filter(|t| *t < count);
            session.tear = session.tear.map(|t| t.saturating_sub(count));
            match fs.commit(&outcome.writes, tear) {
                Ok(Commit::Torn(_)) => {
                    session.tear = None;
                    session.power_lost = true;
                    jcos_apdu::ResponseApdu::status(jcos_apdu::StatusWord::MEMORY_FAILURE)
                }
                Ok(Commit::Done) => jcos_apdu::ResponseApdu::new(outcome.data, outcome.sw),
                Err(e) => jcos_apdu::ResponseApdu::status(e.into()),
            }
        }
        Err(e) => jcos_apdu::ResponseApdu::status(e.into()),
    }
}
