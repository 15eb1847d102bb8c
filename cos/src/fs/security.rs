//! The per-channel side of the file system: current DF, EF and record, and the security
//! status (ISO/IEC 7816-4:2005 clauses 5.3.1 and 5.4).
//!
//! Each logical channel has its own [`ChannelContext`]; it is transient and lives only while
//! the card is powered. The security status is the set of PINs verified and keys
//! authenticated on the channel. A credential belongs to the DF holding it: it stays valid
//! while the current DF is that DF or one below it, and is forgotten when a selection leaves
//! it (a global credential in the MF therefore lasts until reset).

use super::access::{Credential, Operation};
use super::error::FsError;
use super::lifecycle::LifeCycle;
use super::model::{FileSystem, NodeId};
use std::collections::BTreeSet;

/// One logical channel's view of the file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelContext {
    /// The current DF.
    pub current_df: NodeId,
    /// The current EF, if any.
    pub current_ef: Option<NodeId>,
    /// The current record of the current EF (0-based index), if any.
    pub current_record: Option<usize>,
    /// The secrets (PIN or key EFs) verified or authenticated on this channel.
    pub verified: BTreeSet<NodeId>,
    /// The last challenge GET CHALLENGE gave, consumed by one authentication.
    pub challenge: Option<Vec<u8>>,
    /// Whether the command being processed came under secure messaging.
    pub secure_messaging: bool,
}

impl Default for ChannelContext {
    /// The MF current, nothing verified.
    fn default() -> Self {
        Self {
            current_df: NodeId::MF,
            current_ef: None,
            current_record: None,
            verified: BTreeSet::new(),
            challenge: None,
            secure_messaging: false,
        }
    }
}

impl ChannelContext {
    /// Drops references to files that no longer exist (another channel may have deleted
    /// them): the current DF falls back to the nearest surviving ancestor, else the MF.
    pub fn revalidate(&mut self, fs: &FileSystem) {
        if !fs.is_df(self.current_df) {
            self.current_df = NodeId::MF;
            self.current_ef = None;
            self.current_record = None;
        }
        if self
            .current_ef
            .is_some_and(|ef| fs.ef(ef).is_none() || fs.parent(ef) != Some(self.current_df))
        {
            self.current_ef = None;
            self.current_record = None;
        }
        self.verified.retain(|s| fs.secret(*s).is_some());
    }

    /// Makes `df` the current DF with no current EF, forgetting credentials of DFs left.
    pub fn enter_df(&mut self, fs: &FileSystem, df: NodeId) {
        if df != self.current_df {
            self.verified.retain(|secret| {
                let home = fs.parent(*secret).unwrap_or(NodeId::MF);
                fs.is_ancestor_or_self(home, df)
            });
        }
        self.current_df = df;
        self.current_ef = None;
        self.current_record = None;
    }

    /// Makes `ef` current, its parent the current DF.
    pub fn enter_ef(&mut self, fs: &FileSystem, ef: NodeId) {
        let df = fs.parent(ef).unwrap_or(NodeId::MF);
        self.enter_df(fs, df);
        self.current_ef = Some(ef);
    }

    /// The current file: the current EF, else the current DF.
    pub fn current_file(&self) -> NodeId {
        self.current_ef.unwrap_or(self.current_df)
    }

    /// Whether `credential` holds for a file whose conditions resolve from DF `home`.
    pub fn holds(&self, fs: &FileSystem, home: NodeId, credential: Credential) -> bool {
        let (reference, want_key) = match credential {
            Credential::SecureMessaging => return self.secure_messaging,
            Credential::Pin(n) => (n, false),
            Credential::Key(n) => (n, true),
        };
        fs.secret_from(home, reference, want_key)
            .is_some_and(|s| self.verified.contains(&s))
    }

    /// Checks the access condition of `op` on file `id`: its life cycle first, then the
    /// condition. Files in the creation state are being built and have none enforced.
    pub fn check(&self, fs: &FileSystem, id: NodeId, op: Operation) -> Result<(), FsError> {
        let node = fs.node(id).ok_or(FsError::FileNotFound)?;
        let lcs = fs.effective_lcs(id);
        let allowed_when_unusable = matches!(
            op,
            Operation::Activate
                | Operation::DeleteSelf
                | Operation::DeleteChild
                | Operation::Terminate
        );
        match lcs {
            LifeCycle::Terminated
                if op != Operation::DeleteSelf && op != Operation::DeleteChild =>
            {
                return Err(FsError::ConditionsNotSatisfied)
            }
            LifeCycle::Deactivated if !allowed_when_unusable => {
                return Err(FsError::ConditionsNotSatisfied)
            }
            _ => {}
        }
        if node.lcs == LifeCycle::Creation {
            return Ok(());
        }
        let home = fs.home_df(id);
        if fs
            .condition(id, op)
            .is_met(&mut |c| self.holds(fs, home, c))
        {
            Ok(())
        } else {
            Err(FsError::SecurityNotSatisfied)
        }
    }
}
