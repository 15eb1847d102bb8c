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

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_vm::runtime::FileSystem as _;

    fn card_fs() -> FileSystem {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../conformance/iso7816-fs/profile.toml");
        crate::fs::Profile::load_file_system(&path).unwrap()
    }

    #[test]
    fn applets_see_the_channel_s_rights_and_never_internal_efs() {
        let mut fs = card_fs();
        let mut session = FsSession::default();
        let files = AppletFiles {
            fs: &mut fs,
            session: &mut session,
            channel: 0,
        };
        // 2F01 always; 2F02 read PIN 1; 2F07 internal; 5000 a DF; 2FFF absent.
        assert_eq!(files.check_access(&[0x2F01], 1), Ok(true));
        assert_eq!(files.check_access(&[0x2F02], 1), Ok(false));
        assert_eq!(files.check_access(&[0x2F07], 1), Ok(false));
        assert_eq!(files.check_access(&[0x2F01], 9), Err(0x6A80));
        assert_eq!(files.check_access(&[0x5000], 1), Err(0x6981));
        assert_eq!(files.check_access(&[0x2FFF], 1), Err(0x6A82));
        assert_eq!(files.read_binary(&[0x2F07], 0, 4), Err(0x6982));
        assert_eq!(files.file_size(&[0x2F07]), Err(0x6982));
        // Transparent: its size; linear fixed 4 x 3: what it reserves.
        assert_eq!(files.file_size(&[0x2F01]), Ok(16));
        assert_eq!(files.file_size(&[0x2F03]), Ok(12));
        assert_eq!(files.read_binary(&[0x2F01], 16, 4), Ok(Vec::new()));
        assert_eq!(files.read_binary(&[0x2F01], 17, 4), Err(0x6B00));
        assert_eq!(files.read_record(&[0x2F03], 2), Ok(vec![2, 2, 2, 2]));
        assert_eq!(files.read_record(&[0x2F03], 3), Err(0x6A83));
        assert_eq!(files.read_record(&[0x2F01], 1), Err(0x6981));
        // A PIN verified on the channel opens 2F02.
        let pin = fs.open(&[0x0001]).unwrap();
        session.channel(0).verified.insert(pin);
        let files = AppletFiles {
            fs: &mut fs,
            session: &mut session,
            channel: 0,
        };
        assert_eq!(files.check_access(&[0x2F02], 1), Ok(true));
    }

    #[test]
    fn applet_updates_count_in_the_card_s_tear_sequence() {
        let mut fs = card_fs();
        let before = fs.clone();
        let mut session = FsSession::default();
        let mut files = AppletFiles {
            fs: &mut fs,
            session: &mut session,
            channel: 0,
        };
        assert_eq!(
            files.update_binary(&[0x2F01], 15, &[1, 2], 0),
            Err(0x6A84),
            "past the end"
        );
        assert_eq!(files.update_binary(&[0x2F01], 17, &[1], 0), Err(0x6B00));
        // Armed with 2 writes when the heap had made 3; it has made 4 now: 1 left, so the
        // update (body, commit record) is cut at its commit record.
        files.session.arm_tear(2, 3);
        assert_eq!(
            files.update_binary(&[0x2F01], 0, &[0xAA], 4),
            Ok(Written::PowerLost)
        );
        assert!(files.session.power_lost());
        assert_eq!(*files.fs, before);
        // With 5 left the update is done and 3 remain for the heap.
        files.session.arm_tear(5, 10);
        assert_eq!(
            files.update_binary(&[0x2F01], 0, &[0xAA], 10),
            Ok(Written::Done { tear_left: Some(3) })
        );
        assert_eq!(files.read_binary(&[0x2F01], 0, 2), Ok(vec![0xAA, 0x02]));
    }
}
