//! The file tree (ISO/IEC 7816-4:2005 clause 5.3): the MF, DFs to any depth, and EFs of every
//! structure, working or internal.
//!
//! Nodes live in an arena indexed by [`NodeId`]; the MF is node 0. The tree only changes
//! through [`FsWrite`]s applied by [`FileSystem::commit`], all of one command or none.

use super::access::AccessRules;
use super::error::FsError;
use super::lifecycle::LifeCycle;
use serde::{Deserialize, Serialize};

/// File identifier of the MF.
pub const MF_FID: u16 = 0x3F00;
/// Reserved file identifier naming the current DF in paths.
pub const CURRENT_DF_FID: u16 = 0x3FFF;
/// Longest DF name (ISO/IEC 7816-4:2005 clause 5.3.1.3: up to 16 bytes).
pub const MAX_DF_NAME: usize = 16;
/// Bytes of memory every file costs besides its contents, counted against the capacity.
pub const FILE_OVERHEAD: usize = 32;
/// Default number of bytes the file system may occupy.
pub const DEFAULT_CAPACITY: usize = 64 * 1024;

/// A node of the file tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The MF.
    pub const MF: NodeId = NodeId(0);

    fn index(self) -> usize {
        self.0 as usize
    }
}

/// One file: an MF, DF or EF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The DF holding it; `None` only for the MF.
    pub parent: Option<NodeId>,
    /// Its file identifier; a DF known only by name may have none.
    pub fid: Option<u16>,
    /// Its life cycle state.
    pub lcs: LifeCycle,
    /// Its access conditions.
    pub rules: AccessRules,
    /// DF or EF.
    pub kind: NodeKind,
}

/// Whether a node is a dedicated or an elementary file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    /// A DF (or the MF).
    Df(Df),
    /// An EF.
    Ef(Ef),
}

/// A dedicated file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Df {
    /// Its DF name (an AID, 1-16 bytes), unique on the card.
    pub name: Option<Vec<u8>>,
    /// Its files, in creation order.
    pub children: Vec<NodeId>,
    /// Bytes reserved for everything in it when it was created (flow D's folder size): its
    /// files must fit, and the card counts the reservation, not what is used of it.
    pub reserved: Option<usize>,
}

/// An elementary file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ef {
    /// Short EF identifier 1-30.
    pub sfi: Option<u8>,
    /// Internal EFs hold data only the card uses; no command reads them.
    pub internal: bool,
    /// The contents.
    pub body: EfBody,
}

/// How records are organised (ISO/IEC 7816-4:2005 clause 5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordKind {
    /// Records of one fixed size, numbered in creation order.
    LinearFixed,
    /// Records of any size up to a maximum, numbered in creation order.
    LinearVariable,
    /// Records of one size in a ring: record 1 is the newest; when full the oldest goes.
    Cyclic,
}

/// A PIN or key held in an internal EF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    /// The reference number VERIFY and the authentication commands name in P2 (1-31).
    pub reference: u8,
    /// PIN (compared) or key (used for cryptograms).
    pub kind: SecretKind,
    /// The reference data; `None` until set.
    pub value: Option<Vec<u8>>,
    /// Tries allowed after a success; 0 means no limit.
    pub max_retries: u8,
    /// Tries left.
    pub remaining: u8,
    /// Reference of the resetting code (a PIN in the same DF chain) for RESET RETRY COUNTER.
    pub unblock: Option<u8>,
}

impl Secret {
    /// Whether no try is left.
    pub fn is_blocked(&self) -> bool {
        self.max_retries != 0 && self.remaining == 0
    }
}

/// What a secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretKind {
    /// Verification data compared with a value from outside (VERIFY).
    Pin,
    /// A symmetric key for EXTERNAL, INTERNAL and MUTUAL AUTHENTICATE.
    Key(KeyAlgorithm),
}

/// Block cipher of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyAlgorithm {
    /// AES with a 16, 24 or 32 byte key.
    Aes,
    /// Triple DES with a 16 (two-key) or 24 (three-key) byte key.
    Des3,
}

impl KeyAlgorithm {
    /// Cipher block size in bytes.
    pub fn block_len(self) -> usize {
        match self {
            KeyAlgorithm::Aes => 16,
            KeyAlgorithm::Des3 => 8,
        }
    }

    /// Whether `len` is a key length of the algorithm.
    pub fn accepts_key_len(self, len: usize) -> bool {
        match self {
            KeyAlgorithm::Aes => matches!(len, 16 | 24 | 32),
            KeyAlgorithm::Des3 => matches!(len, 16 | 24),
        }
    }
}

/// A data object of a BER-TLV structured EF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataObject {
    /// Its tag, as the `Tag` of `jcos_apdu::tlv` numbers it.
    pub tag: u32,
    /// Its value field.
    pub value: Vec<u8>,
}

/// The contents of an EF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EfBody {
    /// A transparent EF: a fixed-size string of bytes.
    Transparent {
        /// The bytes; the length is the file size.
        data: Vec<u8>,
        /// Data coding byte; b7-b6 give WRITE's function.
        coding: u8,
    },
    /// A record EF.
    Records {
        /// Linear fixed, linear variable or cyclic.
        kind: RecordKind,
        /// Record size (fixed, cyclic) or largest record size (variable).
        record_len: usize,
        /// Most records the file holds.
        max_records: usize,
        /// The records; index 0 is record 1.
        records: Vec<Vec<u8>>,
        /// Data coding byte.
        coding: u8,
    },
    /// A BER-TLV structured EF: data objects addressed by tag.
    BerTlv {
        /// Most bytes the encoded objects may take.
        max_size: usize,
        /// The objects.
        objects: Vec<DataObject>,
    },
    /// A PIN or key (internal EFs only).
    Secret(Secret),
}

impl EfBody {
    /// Bytes the body reserves.
    pub fn allocated(&self) -> usize {
        match self {
            EfBody::Transparent { data, .. } => data.len(),
            EfBody::Records {
                record_len,
                max_records,
                ..
            } => record_len.saturating_mul(*max_records),
            EfBody::BerTlv { max_size, .. } => *max_size,
            EfBody::Secret(s) => s.value.as_ref().map_or(0, Vec::len),
        }
    }
}

/// The write function of WRITE BINARY/RECORD from the data coding byte, b7-b6 (ISO/IEC
/// 7816-4:2005 Table 86).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFunction {
    /// `00`: each data unit may be written once, from the erased state.
    OneTime,
    /// `01`: proprietary; jcos overwrites, as UPDATE does.
    Overwrite,
    /// `10`: logical OR with the present data.
    Or,
    /// `11`: logical AND with the present data.
    And,
}

impl WriteFunction {
    /// The function coded in a data coding byte.
    pub fn from_coding(coding: u8) -> WriteFunction {
        match (coding >> 5) & 0x03 {
            0 => WriteFunction::OneTime,
            1 => WriteFunction::Overwrite,
            2 => WriteFunction::Or,
            _ => WriteFunction::And,
        }
    }

    /// Writes `new` over `old`; `None` when a one-time write meets written data.
    pub fn apply(self, old: &[u8], new: &[u8]) -> Option<Vec<u8>> {
        let pairs = old.iter().zip(new);
        match self {
            WriteFunction::Overwrite => Some(new.to_vec()),
            WriteFunction::Or => Some(pairs.map(|(o, n)| o | n).collect()),
            WriteFunction::And => Some(pairs.map(|(o, n)| o & n).collect()),
            WriteFunction::OneTime => {
                if old.iter().any(|b| *b != 0) {
                    None
                } else {
                    Some(new.to_vec())
                }
            }
        }
    }
}

/// Default data coding byte: proprietary write function (overwrite), one-byte data units.
pub const DEFAULT_CODING: u8 = 0x21;

/// A change to the persistent file system; a command yields the list of its changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FsWrite {
    /// Puts a new node at `id` and links it into its parent DF.
    Insert {
        /// The free slot the node takes.
        id: NodeId,
        /// The node.
        node: Box<Node>,
    },
    /// Removes a node and everything below it.
    Remove {
        /// The node.
        id: NodeId,
    },
    /// Replaces an EF's body.
    SetBody {
        /// The EF.
        id: NodeId,
        /// The new contents.
        body: EfBody,
    },
    /// Changes a file's life cycle state.
    SetLifeCycle {
        /// The file.
        id: NodeId,
        /// The new state.
        lcs: LifeCycle,
    },
}

/// The outcome of [`FileSystem::commit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Every write took effect.
    Done,
    /// Power was lost after this many writes; the journal rolled them back.
    Torn(usize),
}

/// The whole file system of a card: the persistent part, saved in the card image. Reading
/// one back checks its invariants ([`FileSystem::check_invariants`]), so a damaged image is
/// refused rather than loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredFileSystem")]
pub struct FileSystem {
    nodes: Vec<Option<Node>>,
    capacity: usize,
}

/// [`FileSystem`] as stored, before its invariants are checked (same fields, same order).
#[derive(Deserialize)]
struct StoredFileSystem {
    nodes: Vec<Option<Node>>,
    capacity: usize,
}

impl TryFrom<StoredFileSystem> for FileSystem {
    type Error = String;

    fn try_from(stored: StoredFileSystem) -> Result<Self, Self::Error> {
        let fs = FileSystem {
            nodes: stored.nodes,
            capacity: stored.capacity,
        };
        fs.check_invariants()
            .map(|()| fs)
            .map_err(|e| format!("file system: {e}"))
    }
}

impl FileSystem {
    /// A file system holding only the MF, with `rules`, activated.
    pub fn new(rules: AccessRules) -> Self {
        Self {
            nodes: vec![Some(Node {
                parent: None,
                fid: Some(MF_FID),
                lcs: LifeCycle::Activated,
                rules,
                kind: NodeKind::Df(Df::default()),
            })],
            capacity: DEFAULT_CAPACITY,
        }
    }

    /// Bytes the file system may occupy.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Sets the bytes the file system may occupy.
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
    }

    /// Gives the MF a DF name.
    pub fn set_mf_name(&mut self, name: Vec<u8>) {
        if let Some(NodeKind::Df(df)) = self.node_mut(NodeId::MF).map(|n| &mut n.kind) {
            df.name = Some(name);
        }
    }

    /// Bytes in use on the card: each file's contents plus [`FILE_OVERHEAD`], a DF with a
    /// reservation counting as its reservation.
    pub fn used(&self) -> usize {
        self.footprint(NodeId::MF)
    }

    /// Bytes file `id` takes in its parent: a DF with a reservation takes the reservation,
    /// any other file its own size and, for a DF, its files'.
    pub fn footprint(&self, id: NodeId) -> usize {
        let Some(node) = self.node(id) else {
            return 0;
        };
        let own = match &node.kind {
            NodeKind::Ef(ef) => ef.body.allocated(),
            NodeKind::Df(df) => match df.reserved {
                Some(reserved) => {
                    return df
                        .name
                        .as_ref()
                        .map_or(0, Vec::len)
                        .saturating_add(reserved)
                        .saturating_add(FILE_OVERHEAD)
                }
                None => df.name.as_ref().map_or(0, Vec::len),
            },
        };
        own.saturating_add(FILE_OVERHEAD)
            .saturating_add(self.contents_used(id))
    }

    /// Bytes the files in DF `id` take (for a DF with a reservation: what is used of it).
    pub fn contents_used(&self, id: NodeId) -> usize {
        // The tree has no loops (checked when read back); the depth bound keeps a damaged
        // one from recursing without end all the same.
        if self.ancestors(id).len() > self.nodes.len() {
            return 0;
        }
        self.children(id)
            .iter()
            .map(|c| self.footprint(*c))
            .fold(0usize, usize::saturating_add)
    }

    /// Whether a new file costing `cost` bytes fits in DF `df`: within the nearest
    /// reservation above it, or else within the card's capacity.
    pub fn fits(&self, df: NodeId, cost: usize) -> bool {
        let reserving = self
            .ancestors(df)
            .into_iter()
            .find_map(|d| self.df(d).and_then(|x| x.reserved).map(|r| (d, r)));
        match reserving {
            Some((d, reserved)) => self.contents_used(d).saturating_add(cost) <= reserved,
            None => self.used().saturating_add(cost) <= self.capacity,
        }
    }

    /// The node `id`, if it exists.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index()).and_then(Option::as_ref)
    }

    fn node_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id.index()).and_then(Option::as_mut)
    }

    /// The DF `id`, if it exists and is a DF.
    pub fn df(&self, id: NodeId) -> Option<&Df> {
        match &self.node(id)?.kind {
            NodeKind::Df(df) => Some(df),
            NodeKind::Ef(_) => None,
        }
    }

    /// The EF `id`, if it exists and is an EF.
    pub fn ef(&self, id: NodeId) -> Option<&Ef> {
        match &self.node(id)?.kind {
            NodeKind::Ef(ef) => Some(ef),
            NodeKind::Df(_) => None,
        }
    }

    /// Whether `id` is an existing DF.
    pub fn is_df(&self, id: NodeId) -> bool {
        self.df(id).is_some()
    }

    /// The files in DF `id`.
    pub fn children(&self, id: NodeId) -> &[NodeId] {
        self.df(id).map_or(&[], |df| df.children.as_slice())
    }

    /// The DF holding `id`.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.node(id)?.parent
    }

    /// The DF a file's access conditions and references resolve from: a DF itself, an EF's
    /// parent.
    pub fn home_df(&self, id: NodeId) -> NodeId {
        if self.is_df(id) {
            id
        } else {
            self.parent(id).unwrap_or(NodeId::MF)
        }
    }

    /// `id` and the DFs above it, nearest first, up to the MF.
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut at = Some(id);
        while let Some(current) = at {
            if out.contains(&current) || out.len() > self.nodes.len() {
                break;
            }
            out.push(current);
            at = self.parent(current);
        }
        out
    }

    /// Whether `ancestor` is `id` or lies above it.
    pub fn is_ancestor_or_self(&self, ancestor: NodeId, id: NodeId) -> bool {
        self.ancestors(id).contains(&ancestor)
    }

    /// The file in DF `df` with identifier `fid`.
    pub fn child_by_fid(&self, df: NodeId, fid: u16) -> Option<NodeId> {
        self.children(df)
            .iter()
            .copied()
            .find(|c| self.node(*c).is_some_and(|n| n.fid == Some(fid)))
    }

    /// The EF in DF `df` with short identifier `sfi`.
    pub fn child_by_sfi(&self, df: NodeId, sfi: u8) -> Option<NodeId> {
        self.children(df)
            .iter()
            .copied()
            .find(|c| self.ef(*c).is_some_and(|ef| ef.sfi == Some(sfi)))
    }

    /// Every DF in tree order (depth first, children in creation order), the MF first.
    pub fn dfs_in_order(&self) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack = vec![NodeId::MF];
        while let Some(id) = stack.pop() {
            if !self.is_df(id) || out.contains(&id) {
                continue;
            }
            out.push(id);
            stack.extend(self.children(id).iter().rev().copied());
        }
        out
    }

    /// The DFs whose name starts with `prefix`, in tree order.
    pub fn dfs_named(&self, prefix: &[u8]) -> Vec<NodeId> {
        self.dfs_in_order()
            .into_iter()
            .filter(|id| {
                self.df(*id)
                    .and_then(|df| df.name.as_deref())
                    .is_some_and(|name| name.starts_with(prefix))
            })
            .collect()
    }

    /// Follows a path of file identifiers from DF `start`; every step but the last must be a
    /// DF. A leading `3FFF` stands for `start` itself.
    pub fn resolve_path(&self, start: NodeId, path: &[u16]) -> Result<NodeId, FsError> {
        let mut at = start;
        let steps = match path.split_first() {
            Some((&CURRENT_DF_FID, rest)) => rest,
            _ => path,
        };
        for fid in steps {
            if !self.is_df(at) {
                return Err(FsError::FileNotFound);
            }
            at = self.child_by_fid(at, *fid).ok_or(FsError::FileNotFound)?;
        }
        Ok(at)
    }

    /// The worst life cycle state on the way from the MF to `id`: a file in a deactivated or
    /// terminated DF is as unusable as the DF.
    pub fn effective_lcs(&self, id: NodeId) -> LifeCycle {
        let own = self.node(id).map_or(LifeCycle::Terminated, |n| n.lcs);
        self.ancestors(id)
            .into_iter()
            .skip(1)
            .filter_map(|a| self.node(a).map(|n| n.lcs))
            .filter(|l| matches!(l, LifeCycle::Deactivated | LifeCycle::Terminated))
            .fold(own, LifeCycle::max)
    }

    /// The secret in DF `df` (not below it) with `reference`, PIN or key as `want_key` says.
    pub fn secret_in(&self, df: NodeId, reference: u8, want_key: bool) -> Option<NodeId> {
        self.children(df).iter().copied().find(|c| {
            matches!(self.ef(*c), Some(Ef { body: EfBody::Secret(s), .. })
                if s.reference == reference && matches!(s.kind, SecretKind::Key(_)) == want_key)
        })
    }

    /// The nearest secret with `reference` from DF `df` upward to the MF.
    pub fn secret_from(&self, df: NodeId, reference: u8, want_key: bool) -> Option<NodeId> {
        self.ancestors(df)
            .into_iter()
            .find_map(|d| self.secret_in(d, reference, want_key))
    }

    /// The secret stored in EF `id`.
    pub fn secret(&self, id: NodeId) -> Option<&Secret> {
        match self.ef(id) {
            Some(Ef {
                body: EfBody::Secret(s),
                ..
            }) => Some(s),
            _ => None,
        }
    }

    /// The slot a new node would take.
    pub fn next_free(&self) -> NodeId {
        let index = self
            .nodes
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.nodes.len());
        NodeId(u32::try_from(index).unwrap_or(u32::MAX))
    }

    /// Every existing node id, in arena order.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.is_some())
            .filter_map(|(i, _)| u32::try_from(i).ok().map(NodeId))
    }

    /// Applies every write of one command, or none: the writes go to a copy that replaces
    /// the file system only when all are done. With `tear` = `Some(n)` power is lost after
    /// the n-th write and the copy is dropped, as the journal rolls an unfinished command
    /// back.
    pub fn commit(&mut self, writes: &[FsWrite], tear: Option<usize>) -> Result<Commit, FsError> {
        let mut next = self.clone();
        for (done, write) in writes.iter().enumerate() {
            if tear == Some(done) {
                return Ok(Commit::Torn(done));
            }
            next.apply(write)?;
        }
        if tear.is_some_and(|t| t >= writes.len()) && !writes.is_empty() {
            // Power lost after the last write but before the commit record.
            return Ok(Commit::Torn(writes.len()));
        }
        *self = next;
        Ok(Commit::Done)
    }

    fn apply(&mut self, write: &FsWrite) -> Result<(), FsError> {
        match write {
            FsWrite::Insert { id, node } => {
                let parent = node.parent.ok_or(FsError::WrongData)?;
                if self.node(*id).is_some() {
                    return Err(FsError::FileExists);
                }
                match self.node_mut(parent).map(|p| &mut p.kind) {
                    Some(NodeKind::Df(df)) => df.children.push(*id),
                    _ => return Err(FsError::FileNotFound),
                }
                let index = id.index();
                if index >= self.nodes.len() {
                    self.nodes.resize(index.saturating_add(1), None);
                }
                if let Some(slot) = self.nodes.get_mut(index) {
                    *slot = Some(node.as_ref().clone());
                }
            }
            FsWrite::Remove { id } => {
                if *id == NodeId::MF {
                    return Err(FsError::ConditionsNotSatisfied);
                }
                let parent = self.parent(*id).ok_or(FsError::FileNotFound)?;
                if let Some(NodeKind::Df(df)) = self.node_mut(parent).map(|p| &mut p.kind) {
                    df.children.retain(|c| c != id);
                }
                let mut stack = vec![*id];
                while let Some(gone) = stack.pop() {
                    stack.extend_from_slice(self.children(gone));
                    if let Some(slot) = self.nodes.get_mut(gone.index()) {
                        *slot = None;
                    }
                }
                while self.nodes.last().is_some_and(Option::is_none) {
                    self.nodes.pop();
                }
            }
            FsWrite::SetBody { id, body } => match self.node_mut(*id).map(|n| &mut n.kind) {
                Some(NodeKind::Ef(ef)) => ef.body = body.clone(),
                _ => return Err(FsError::FileNotFound),
            },
            FsWrite::SetLifeCycle { id, lcs } => {
                self.node_mut(*id).ok_or(FsError::FileNotFound)?.lcs = *lcs;
            }
        }
        Ok(())
    }

    /// Checks the tree's invariants: every non-MF node's parent is a DF that lists it, every
    /// listed child exists and names that parent, FIDs and SFIs are unique in a DF, DF names
    /// unique on the card.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mf = self.node(NodeId::MF).ok_or("no MF")?;
        if mf.parent.is_some() || !self.is_df(NodeId::MF) {
            return Err("node 0 is not a root DF".into());
        }
        let mut names = Vec::new();
        for id in self.ids() {
            let node = self.node(id).ok_or("vanished")?;
            if id != NodeId::MF {
                let parent = node.parent.ok_or(format!("{id:?} has no parent"))?;
                if !self.children(parent).contains(&id) {
                    return Err(format!("{id:?} not listed in its parent"));
                }
                if self.ancestors(id).last() != Some(&NodeId::MF) {
                    return Err(format!("{id:?} does not lead up to the MF"));
                }
            }
            if let NodeKind::Df(df) = &node.kind {
                let mut fids = Vec::new();
                let mut sfis = Vec::new();
                for c in &df.children {
                    let child = self.node(*c).ok_or(format!("{c:?} listed but missing"))?;
                    if child.parent != Some(id) {
                        return Err(format!("{c:?} names another parent"));
                    }
                    if let Some(fid) = child.fid {
                        if fids.contains(&fid) {
                            return Err(format!("FID {fid:04X} twice in {id:?}"));
                        }
                        fids.push(fid);
                    }
                    if let Some(sfi) = self.ef(*c).and_then(|e| e.sfi) {
                        if sfis.contains(&sfi) {
                            return Err(format!("SFI {sfi} twice in {id:?}"));
                        }
                        sfis.push(sfi);
                    }
                }
                if let Some(name) = &df.name {
                    if names.contains(name) {
                        return Err("DF name twice".into());
                    }
                    names.push(name.clone());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ef(parent: NodeId, fid: u16) -> Node {
        Node {
            parent: Some(parent),
            fid: Some(fid),
            lcs: LifeCycle::Activated,
            rules: AccessRules::default(),
            kind: NodeKind::Ef(Ef {
                sfi: None,
                internal: false,
                body: EfBody::Transparent {
                    data: vec![0; 4],
                    coding: DEFAULT_CODING,
                },
            }),
        }
    }

    /// Inserts `node` under a fresh id, committed; the id.
    fn insert(fs: &mut FileSystem, node: Node) -> NodeId {
        let id = fs.next_free();
        fs.commit(
            &[FsWrite::Insert {
                id,
                node: Box::new(node),
            }],
            None,
        )
        .unwrap();
        id
    }

    fn df(parent: NodeId, fid: u16) -> Node {
        Node {
            kind: NodeKind::Df(Df::default()),
            ..ef(parent, fid)
        }
    }

    #[test]
    fn inserts_resolves_and_removes_subtrees() {
        let mut fs = FileSystem::new(AccessRules::default());
        let a = insert(&mut fs, df(NodeId::MF, 0x5000));
        let b = insert(&mut fs, ef(a, 0x5001));
        assert_eq!(fs.resolve_path(NodeId::MF, &[0x5000, 0x5001]), Ok(b));
        assert_eq!(fs.resolve_path(a, &[0x3FFF, 0x5001]), Ok(b));
        assert_eq!(
            fs.resolve_path(NodeId::MF, &[0x5000, 0x5001, 0x1]),
            Err(FsError::FileNotFound)
        );
        assert_eq!(fs.ancestors(b), vec![b, a, NodeId::MF]);
        fs.check_invariants().unwrap();
        fs.commit(&[FsWrite::Remove { id: a }], None).unwrap();
        assert!(fs.node(b).is_none());
        assert_eq!(fs.children(NodeId::MF), &[]);
        fs.check_invariants().unwrap();
    }

    #[test]
    fn a_torn_commit_changes_nothing() {
        let mut fs = FileSystem::new(AccessRules::default());
        let before = fs.clone();
        let id = fs.next_free();
        let writes = [
            FsWrite::Insert {
                id,
                node: Box::new(ef(NodeId::MF, 0x0101)),
            },
            FsWrite::SetLifeCycle {
                id,
                lcs: LifeCycle::Deactivated,
            },
        ];
        for tear in 0..=2 {
            assert_eq!(fs.commit(&writes, Some(tear)), Ok(Commit::Torn(tear)));
            assert_eq!(fs, before);
        }
        assert_eq!(fs.commit(&writes, None), Ok(Commit::Done));
        assert_eq!(fs.node(id).unwrap().lcs, LifeCycle::Deactivated);
    }

    #[test]
    fn a_damaged_tree_is_refused_when_read_back() {
        let mut fs = FileSystem::new(AccessRules::default());
        let a = insert(&mut fs, df(NodeId::MF, 0x5000));
        let b = insert(&mut fs, df(a, 0x5100));
        let good = postcard::to_stdvec(&fs).unwrap();
        assert_eq!(postcard::from_bytes::<FileSystem>(&good).unwrap(), fs);
        // A and B each other's parent, cut off from the MF: a loop.
        let mut bad = fs.clone();
        if let Some(Some(node)) = bad.nodes.get_mut(a.0 as usize) {
            node.parent = Some(b);
            if let NodeKind::Df(d) = &mut node.kind {
                d.children.push(b);
            }
        }
        if let Some(Some(NodeKind::Df(mf))) = bad
            .nodes
            .first_mut()
            .map(|n| n.as_mut().map(|n| &mut n.kind))
        {
            mf.children.clear();
        }
        assert!(bad.check_invariants().is_err());
        let bytes = postcard::to_stdvec(&bad).unwrap();
        assert!(postcard::from_bytes::<FileSystem>(&bytes).is_err());
        assert!(crate::fs::tree::render(&bad).lines().count() <= 3);
    }

    #[test]
    fn write_functions_follow_the_data_coding_byte() {
        assert_eq!(WriteFunction::from_coding(0x01), WriteFunction::OneTime);
        assert_eq!(WriteFunction::from_coding(0x21), WriteFunction::Overwrite);
        assert_eq!(WriteFunction::from_coding(0x41), WriteFunction::Or);
        assert_eq!(WriteFunction::from_coding(0x61), WriteFunction::And);
        assert_eq!(
            WriteFunction::Or.apply(&[0x0F, 0x00], &[0xF0, 0x01]),
            Some(vec![0xFF, 0x01])
        );
        assert_eq!(
            WriteFunction::And.apply(&[0x0F, 0xFF], &[0xF3, 0x01]),
            Some(vec![0x03, 0x01])
        );
        assert_eq!(
            WriteFunction::OneTime.apply(&[0, 0], &[1, 2]),
            Some(vec![1, 2])
        );
        assert_eq!(WriteFunction::OneTime.apply(&[0, 1], &[1, 2]), None);
    }

    #[test]
    fn effective_state_takes_the_worst_ancestor() {
        let mut fs = FileSystem::new(AccessRules::default());
        let a = insert(&mut fs, df(NodeId::MF, 0x5000));
        let b = insert(&mut fs, ef(a, 0x5001));
        assert_eq!(fs.effective_lcs(b), LifeCycle::Activated);
        fs.commit(
            &[FsWrite::SetLifeCycle {
                id: a,
                lcs: LifeCycle::Deactivated,
            }],
            None,
        )
        .unwrap();
        assert_eq!(fs.effective_lcs(b), LifeCycle::Deactivated);
        fs.commit(
            &[FsWrite::SetLifeCycle {
                id: b,
                lcs: LifeCycle::Terminated,
            }],
            None,
        )
        .unwrap();
        assert_eq!(fs.effective_lcs(b), LifeCycle::Terminated);
    }
}
