//! The file system as card services and natives use it: open a file by path, check an
//! access condition, read and update contents. Applets reach these calls through the
//! `jcos.framework` natives; the card OS itself (secure messaging, issuance) calls them as
//! [`Caller::CardOs`], the only caller that may read internal EFs.
//!
//! Reads return data; updates return the writes to commit with [`FileSystem::commit`], so a
//! native's change goes through the same journal as a command's.

use super::access::Operation;
use super::error::FsError;
use super::model::{EfBody, FileSystem, FsWrite, NodeId, MF_FID};
use super::security::ChannelContext;
use super::{Commit, FsSession};
use jcos_apdu::StatusWord;
use jcos_vm::runtime::{self, Sw, Written};

/// Who asks.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// An applet or a terminal command, holding a channel's security status: access
    /// conditions apply and internal EFs are closed.
    Channel(&'a ChannelContext),
    /// The card OS itself: no access condition, internal EFs open.
    CardOs,
}

impl FileSystem {
    /// The file at `path` (FIDs from the MF; a leading 3F00 is allowed).
    pub fn open(&self, path: &[u16]) -> Result<NodeId, FsError> {
        let steps = match path.split_first() {
            Some((&MF_FID, rest)) => rest,
            _ => path,
        };
        self.resolve_path(NodeId::MF, steps)
    }

    /// Checks that `caller` may do `op` on file `id`.
    pub fn check_access(
        &self,
        caller: Caller<'_>,
        id: NodeId,
        op: Operation,
    ) -> Result<(), FsError> {
        match caller {
            Caller::CardOs => self.node(id).map(|_| ()).ok_or(FsError::FileNotFound),
            Caller::Channel(ctx) => {
                if self.ef(id).is_some_and(|ef| ef.internal) && op == Operation::Read {
                    return Err(FsError::SecurityNotSatisfied);
                }
                ctx.check(self, id, op)
            }
        }
    }

    /// Reads `len` bytes at `offset` of transparent EF `id` (fewer at the end of the file).
    pub fn read_binary(
        &self,
        caller: Caller<'_>,
        id: NodeId,
        offset: usize,
        len: usize,
    ) -> Result<Vec<u8>, FsError> {
        self.check_access(caller, id, Operation::Read)?;
        match self.ef(id).map(|ef| &ef.body) {
            Some(EfBody::Transparent { data, .. }) => {
                if offset > data.len() {
                    return Err(FsError::OffsetOutsideEf);
                }
                let end = offset.saturating_add(len).min(data.len());
                Ok(data.get(offset..end).unwrap_or_default().to_vec())
            }
            _ => Err(FsError::IncompatibleStructure),
        }
    }

    /// The writes that put `bytes` at `offset` of transparent EF `id`.
    pub fn update_binary(
        &self,
        caller: Caller<'_>,
        id: NodeId,
        offset: usize,
        bytes: &[u8],
    ) -> Result<Vec<FsWrite>, FsError> {
        self.check_access(caller, id, Operation::Update)?;
        match self.ef(id).map(|ef| &ef.body) {
            Some(EfBody::Transparent { data, coding }) => {
                if offset > data.len() {
                    return Err(FsError::OffsetOutsideEf);
                }
                let end = offset
                    .checked_add(bytes.len())
                    .ok_or(FsError::WrongLength)?;
                let mut next = data.clone();
                next.get_mut(offset..end)
                    .ok_or(FsError::NotEnoughMemory)?
                    .copy_from_slice(bytes);
                Ok(vec![FsWrite::SetBody {
                    id,
                    body: EfBody::Transparent {
                        data: next,
                        coding: *coding,
                    },
                }])
            }
            _ => Err(FsError::IncompatibleStructure),
        }
    }

    /// Record `number` (from 1) of record EF `id`.
    pub fn read_record(
        &self,
        caller: Caller<'_>,
        id: NodeId,
        number: usize,
    ) -> Result<Vec<u8>, FsError> {
        self.check_access(caller, id, Operation::Read)?;
        match self.ef(id).map(|ef| &ef.body) {
            Some(EfBody::Records { records, .. }) => number
                .checked_sub(1)
                .and_then(|i| records.get(i))
                .cloned()
                .ok_or(FsError::RecordNotFound),
            _ => Err(FsError::IncompatibleStructure),
        }
    }

    /// The value of the PIN or key in internal EF `id`, for the card OS only (secure
    /// messaging keys, issuance keys).
    pub fn secret_value(&self, caller: Caller<'_>, id: NodeId) -> Result<&[u8], FsError> {
        if !matches!(caller, Caller::CardOs) {
            return Err(FsError::SecurityNotSatisfied);
        }
        self.secret(id)
            .and_then(|s| s.value.as_deref())
            .ok_or(FsError::ReferencedDataNotFound)
    }
}

/// The file system as the applet running on one logical channel reaches it through the
/// `jcos.framework.FileSystem` natives ([`jcos_vm::runtime::FileSystem`]): held to that
/// channel's security status, never reading internal EFs, its updates committed through the
/// power session's tear like a command's.
pub struct AppletFiles<'a> {
    /// The card's file system.
    pub fs: &'a mut FileSystem,
    /// The power session's channel contexts and armed tear.
    pub session: &'a mut FsSession,
    /// The logical channel of the command the applet is processing.
    pub channel: u8,
}

fn sw(error: FsError) -> Sw {
    StatusWord::from(error).0
}

impl AppletFiles<'_> {
    /// The EF at `path` (FIDs from the MF), `6981` for a DF.
    fn ef(&self, path: &[u16]) -> Result<NodeId, Sw> {
        let id = self.fs.open(path).map_err(sw)?;
        if self.fs.ef(id).is_none() {
            return Err(sw(FsError::IncompatibleStructure));
        }
        Ok(id)
    }
}

impl runtime::FileSystem for AppletFiles<'_> {
    fn check_access(&self, path: &[u16], op: u8) -> Result<bool, Sw> {
        let id = self.ef(path)?;
        let op = match op {
            1 => Operation::Read,
            2 => Operation::Update,
            3 => Operation::Write,
            _ => return Err(sw(FsError::WrongData)),
        };
        let ctx = self.session.context(self.channel);
        match self.fs.check_access(Caller::Channel(&ctx), id, op) {
            Ok(()) => Ok(true),
            Err(FsError::SecurityNotSatisfied | FsError::ConditionsNotSatisfied) => Ok(false),
            Err(e) => Err(sw(e)),
        }
    }

    fn read_binary(&self, path: &[u16], offset: usize, len: usize) -> Result<Vec<u8>, Sw> {
        let id = self.ef(path)?;
        let ctx = self.session.context(self.channel);
        self.fs
            .read_binary(Caller::Channel(&ctx), id, offset, len)
            .map_err(sw)
    }

    fn read_record(&self, path: &[u16], number: u8) -> Result<Vec<u8>, Sw> {
        let id = self.ef(path)?;
        let ctx = self.session.context(self.channel);
        self.fs
            .read_record(Caller::Channel(&ctx), id, usize::from(number))
            .map_err(sw)
    }

    fn file_size(&self, path: &[u16]) -> Result<usize, Sw> {
        let id = self.ef(path)?;
        match self.fs.ef(id) {
            Some(ef) if ef.internal => Err(sw(FsError::SecurityNotSatisfied)),
            Some(ef) => Ok(ef.body.allocated()),
            None => Err(sw(FsError::IncompatibleStructure)),
        }
    }

    fn update_binary(
        &mut self,
        path: &[u16],
        offset: usize,
        data: &[u8],
        heap_writes: u64,
    ) -> Result<Written, Sw> {
        let id = self.ef(path)?;
        let writes = {
            let ctx = self.session.context(self.channel);
            self.fs
                .update_binary(Caller::Channel(&ctx), id, offset, data)
                .map_err(sw)?
        };
        // The heap's writes so far in this command come before these in the tear's count.
        self.session.sync_heap(heap_writes);
        match self.session.commit(self.fs, &writes).map_err(sw)? {
            Commit::Torn(_) => Ok(Written::PowerLost),
            Commit::Done => Ok(Written::Done {
                tear_left: self.session.sync_heap(heap_writes),
            }),
        }
    }
}
