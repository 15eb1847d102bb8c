//! Card profiles: a TOML description of a file tree with contents, access conditions, PINs
//! and keys, from which personalisation builds a [`FileSystem`].
//!
//! ```toml
//! capacity = 32768                       # optional, bytes
//! [mf]
//! access = { create-df = "key 1", default = "always" }
//!
//! [[file]]
//! path = "5000"                          # FIDs from the MF, '/'-separated
//! type = "df"
//! name = "F04A434F530001"                # DF name, hex
//!
//! [[file]]
//! path = "5000/5001"
//! type = "transparent"                   # linear-fixed, linear-variable, cyclic, ber-tlv,
//! size = 32                              # internal, pin, key
//! data = "00112233"
//! sfi = 1
//! access = { read = "always", update = "pin 1" }
//! ```
//!
//! Files are listed parents first. Access modes left out take the table's `default`, else
//! `always` for DFs and working EFs and `never` for internal EFs (whose `use` defaults to
//! `always`). Files start activated unless `lifecycle` says otherwise. `access-format =
//! "proprietary"` makes the FCP give the rules as `86`; `arr = "2F06 3"` (instead of
//! `access`) keeps them in record 3 of EF.ARR `2F06` (`8B`).

use super::access::{AccessRules, Condition, DF_MODE_NAMES, EF_MODE_NAMES, SECRET_MODE_NAMES};
use super::arr::ArrReference;
use super::lifecycle::LifeCycle;
use super::model::{
    DataObject, Df, Ef, EfBody, FileSystem, FsWrite, KeyAlgorithm, Node, NodeId, NodeKind,
    RecordKind, Secret, SecretKind, DEFAULT_CODING, MAX_DF_NAME, MF_FID,
};
use jcos_apdu::hex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Why a profile could not be read or built; names the file entry at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ProfileError {
    /// The profile file (or `profile` for text).
    pub source_name: String,
    /// What is wrong and where.
    pub message: String,
}

/// A parsed card profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Bytes the file system may occupy.
    #[serde(default)]
    pub capacity: Option<usize>,
    /// The MF's settings.
    #[serde(default)]
    pub mf: MfEntry,
    /// The files, parents first.
    #[serde(default, rename = "file")]
    pub files: Vec<FileEntry>,
}

/// The MF's entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfEntry {
    /// DF name of the MF, hex.
    #[serde(default)]
    pub name: Option<String>,
    /// Access conditions by mode name.
    #[serde(default)]
    pub access: BTreeMap<String, String>,
}

/// One file of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileEntry {
    /// FIDs from the MF, `/`-separated hex (`3F00/` in front is allowed).
    pub path: String,
    /// `df`, `transparent`, `linear-fixed`, `linear-variable`, `cyclic`, `ber-tlv`,
    /// `internal`, `pin` or `key`.
    #[serde(rename = "type")]
    pub kind: String,
    /// DF name, hex.
    #[serde(default)]
    pub name: Option<String>,
    /// Short EF identifier.
    #[serde(default)]
    pub sfi: Option<u8>,
    /// Size in bytes (transparent, internal, ber-tlv).
    #[serde(default)]
    pub size: Option<usize>,
    /// Contents, hex (transparent, internal) or the PIN/key value (hex).
    #[serde(default)]
    pub data: Option<String>,
    /// A PIN value as text.
    #[serde(default)]
    pub text: Option<String>,
    /// Record size (largest for linear variable).
    #[serde(default)]
    pub record_size: Option<usize>,
    /// Most records.
    #[serde(default)]
    pub max_records: Option<usize>,
    /// Records, hex, record 1 first.
    #[serde(default)]
    pub records: Vec<String>,
    /// Data objects of a BER-TLV EF: tag (hex) to value (hex).
    #[serde(default)]
    pub objects: BTreeMap<String, String>,
    /// Data coding byte.
    #[serde(default)]
    pub coding: Option<u8>,
    /// PIN or key reference number.
    #[serde(default)]
    pub reference: Option<u8>,
    /// Key algorithm: `aes` or `3des`.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// Tries allowed (0 or absent: no limit).
    #[serde(default)]
    pub tries: Option<u8>,
    /// Reference of the resetting code of a PIN.
    #[serde(default)]
    pub unblock: Option<u8>,
    /// Life cycle state.
    #[serde(default)]
    pub lifecycle: Option<String>,
    /// Access conditions by mode name.
    #[serde(default)]
    pub access: BTreeMap<String, String>,
    /// The rules are in an EF.ARR record instead (`8B`): `"2F06 3"`, `"3"` (implicit EF.ARR)
    /// or `"2F06 se1:3"`.
    #[serde(default)]
    pub arr: Option<String>,
    /// `proprietary`: the FCP gives the rules in the jcos proprietary format (`86`).
    #[serde(default)]
    pub access_format: Option<String>,
}

impl Profile {
    /// Parses profile text; `source_name` names it in errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Profile, ProfileError> {
        toml::from_str(text).map_err(|e| ProfileError {
            source_name: source_name.to_string(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// Reads and parses a profile file.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError {
            source_name: name.clone(),
            message: e.to_string(),
        })?;
        Profile::from_toml(&text, &name)
    }

    /// Reads, parses and builds a profile file.
    pub fn load_file_system(path: &Path) -> Result<FileSystem, ProfileError> {
        let name = path.display().to_string();
        Profile::load(path)?.build(&name)
    }

    /// Builds the file system the profile describes.
    pub fn build(&self, source_name: &str) -> Result<FileSystem, ProfileError> {
        let fail = |what: &str, message: String| ProfileError {
            source_name: source_name.to_string(),
            message: format!("{what}: {message}"),
        };
        let mf_rules = rules(&self.mf.access, &DF_MODE_NAMES, Condition::Always, None)
            .map_err(|m| fail("[mf]", m))?;
        let mut fs = FileSystem::new(mf_rules);
        if let Some(capacity) = self.capacity {
            fs.set_capacity(capacity);
        }
        if let Some(name) = &self.mf.name {
            let name = df_name(name).map_err(|m| fail("[mf]", m))?;
            fs.set_mf_name(name);
        }
        for (i, entry) in self.files.iter().enumerate() {
            let what = format!("file {} (path {})", i.saturating_add(1), entry.path);
            let (parent, fid) = place(&fs, &entry.path).map_err(|m| fail(&what, m))?;
            let node = entry.node(parent, fid).map_err(|m| fail(&what, m))?;
            check_unique(&fs, parent, &node).map_err(|m| fail(&what, m))?;
            let id = fs.next_free();
            fs.commit(
                &[FsWrite::Insert {
                    id,
                    node: Box::new(node),
                }],
                None,
            )
            .map_err(|e| fail(&what, e.to_string()))?;
        }
        for df in fs.dfs_in_order() {
            if let Some(reserved) = fs.df(df).and_then(|d| d.reserved) {
                if fs.contents_used(df) > reserved {
                    let fid = fs.node(df).and_then(|n| n.fid).unwrap_or(0);
                    return Err(fail(
                        &format!("DF {fid:04X}"),
                        format!(
                            "its files need {} bytes, more than the {reserved} its size reserves",
                            fs.contents_used(df)
                        ),
                    ));
                }
            }
        }
        if fs.used() > fs.capacity() {
            return Err(fail(
                "capacity",
                format!(
                    "the files need {} bytes, more than the {} allowed",
                    fs.used(),
                    fs.capacity()
                ),
            ));
        }
        Ok(fs)
    }
}

fn df_name(text: &str) -> Result<Vec<u8>, String> {
    let name = hex::decode(text).map_err(|e| format!("name: {e}"))?;
    if name.is_empty() || name.len() > MAX_DF_NAME {
        return Err(format!(
            "name: a DF name has 1 to {MAX_DF_NAME} bytes, not {}",
            name.len()
        ));
    }
    Ok(name)
}

/// The parent DF and FID a profile path names.
fn place(fs: &FileSystem, path: &str) -> Result<(NodeId, u16), String> {
    let mut fids = Vec::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let bytes = hex::decode(part).map_err(|e| format!("path: {e}"))?;
        match bytes.as_slice() {
            [hi, lo] => fids.push(u16::from_be_bytes([*hi, *lo])),
            _ => return Err(format!("path: '{part}' is not a 4-digit file identifier")),
        }
    }
    if fids.first() == Some(&MF_FID) {
        fids.remove(0);
    }
    let (&fid, parents) = fids.split_last().ok_or("path: empty")?;
    if matches!(fid, 0x3F00 | 0x3FFF | 0xFFFF) {
        return Err(format!("path: {fid:04X} is reserved"));
    }
    let parent = fs
        .resolve_path(NodeId::MF, parents)
        .map_err(|_| "path: the parent DF is not (yet) in the profile".to_string())?;
    if !fs.is_df(parent) {
        return Err("path: the parent is an EF".into());
    }
    Ok((parent, fid))
}

fn check_unique(fs: &FileSystem, parent: NodeId, node: &Node) -> Result<(), String> {
    if node
        .fid
        .is_some_and(|f| fs.child_by_fid(parent, f).is_some())
    {
        return Err("the file identifier is already used in this DF".into());
    }
    if let NodeKind::Ef(Ef { sfi: Some(sfi), .. }) = &node.kind {
        if fs.child_by_sfi(parent, *sfi).is_some() {
            return Err(format!("SFI {sfi} is already used in this DF"));
        }
    }
    if let NodeKind::Df(Df {
        name: Some(name), ..
    }) = &node.kind
    {
        if fs
            .dfs_named(name)
            .into_iter()
            .any(|d| fs.df(d).and_then(|x| x.name.as_ref()) == Some(name))
        {
            return Err("the DF name is already used on the card".into());
        }
    }
    Ok(())
}

/// Access rules from a profile table over `names`, with `fallback` for modes left out and
/// `first` overriding the fallback of b1.
fn rules(
    table: &BTreeMap<String, String>,
    names: &[&str; 7],
    fallback: Condition,
    first: Option<Condition>,
) -> Result<AccessRules, String> {
    let default = match table.get("default") {
        Some(text) => Condition::parse(text)?,
        None => fallback,
    };
    let mut rules = AccessRules::uniform(default.clone());
    if table.get("default").is_none() {
        if let Some(c) = first {
            rules.set_index(0, c);
        }
    }
    for (key, text) in table {
        if key == "default" {
            continue;
        }
        let index = names.iter().position(|n| n == key).ok_or_else(|| {
            format!(
                "access: unknown mode '{key}' (modes here: {})",
                names.join(", ")
            )
        })?;
        rules.set_index(index, Condition::parse(text)?);
    }
    Ok(rules)
}

impl FileEntry {
    fn bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.data, &self.text) {
            (Some(_), Some(_)) => Err("give data or text, not both".into()),
            (Some(h), None) => hex::decode(h).map_err(|e| format!("data: {e}")),
            (None, Some(t)) => Ok(t.as_bytes().to_vec()),
            (None, None) => Ok(Vec::new()),
        }
    }

    fn node(&self, parent: NodeId, fid: u16) -> Result<Node, String> {
        let lcs = match &self.lifecycle {
            None => LifeCycle::Activated,
            Some(name) => LifeCycle::from_name(name)
                .ok_or_else(|| format!("lifecycle: '{name}' is not creation, initialisation, activated, deactivated or terminated"))?,
        };
        let coding = self.coding.unwrap_or(DEFAULT_CODING);
        if let Some(sfi) = self.sfi {
            if !(1..=30).contains(&sfi) {
                return Err(format!("sfi: {sfi} is not 1-30"));
            }
        }
        let working = |body: EfBody, internal: bool| {
            NodeKind::Ef(Ef {
                sfi: self.sfi,
                internal,
                body,
            })
        };
        let record_kind = match self.kind.as_str() {
            "linear-fixed" => Some(RecordKind::LinearFixed),
            "linear-variable" => Some(RecordKind::LinearVariable),
            "cyclic" => Some(RecordKind::Cyclic),
            _ => None,
        };
        let (kind, names, fallback, first): (NodeKind, &[&str; 7], Condition, Option<Condition>) =
            match self.kind.as_str() {
                "df" => {
                    let name = self.name.as_deref().map(df_name).transpose()?;
                    (
                        NodeKind::Df(Df {
                            name,
                            children: Vec::new(),
                            reserved: self.size,
                        }),
                        &DF_MODE_NAMES,
                        Condition::Always,
                        None,
                    )
                }
                "transparent" | "internal" => {
                    let mut data = self.bytes()?;
                    let size = self.size.unwrap_or(data.len());
                    if data.len() > size {
                        return Err(format!("data: {} bytes do not fit size {size}", data.len()));
                    }
                    data.resize(size, 0);
                    let internal = self.kind == "internal";
                    let fallback = if internal {
                        Condition::Never
                    } else {
                        Condition::Always
                    };
                    (
                        working(EfBody::Transparent { data, coding }, internal),
                        &EF_MODE_NAMES,
                        fallback,
                        None,
                    )
                }
                "ber-tlv" => {
                    let mut objects = Vec::new();
                    for (tag, value) in &self.objects {
                        let tag_bytes =
                            hex::decode(tag).map_err(|e| format!("objects: tag {tag}: {e}"))?;
                        let (parsed, used) = jcos_apdu::tlv::Tag::parse(&tag_bytes)
                            .map_err(|e| format!("objects: tag {tag}: {e}"))?;
                        if used != tag_bytes.len() {
                            return Err(format!("objects: '{tag}' is not one tag"));
                        }
                        let value =
                            hex::decode(value).map_err(|e| format!("objects: {tag}: {e}"))?;
                        objects.push(DataObject {
                            tag: parsed.0,
                            value,
                        });
                    }
                    let body = EfBody::BerTlv {
                        max_size: self.size.unwrap_or(256),
                        objects,
                    };
                    (
                        working(body, false),
                        &EF_MODE_NAMES,
                        Condition::Always,
                        None,
                    )
                }
                "pin" | "key" => {
                    let reference = self.reference.ok_or("reference: missing")?;
                    if !(1..=31).contains(&reference) {
                        return Err(format!("reference: {reference} is not 1-31"));
                    }
                    let kind = if self.kind == "pin" {
                        SecretKind::Pin
                    } else {
                        match self.algorithm.as_deref() {
                            Some("aes") => SecretKind::Key(KeyAlgorithm::Aes),
                            Some("3des") => SecretKind::Key(KeyAlgorithm::Des3),
                            other => {
                                return Err(format!(
                                    "algorithm: {other:?} is not \"aes\" or \"3des\""
                                ))
                            }
                        }
                    };
                    let value = self.bytes()?;
                    if let SecretKind::Key(alg) = kind {
                        if !value.is_empty() && !alg.accepts_key_len(value.len()) {
                            return Err(format!(
                                "data: {} bytes is not a key length of the algorithm",
                                value.len()
                            ));
                        }
                    }
                    let tries = self.tries.unwrap_or(0);
                    if tries > 15 {
                        return Err(format!("tries: {tries} is more than 15"));
                    }
                    let secret = Secret {
                        reference,
                        kind,
                        value: (!value.is_empty()).then_some(value),
                        max_retries: tries,
                        remaining: tries,
                        unblock: self.unblock,
                    };
                    (
                        working(EfBody::Secret(secret), true),
                        &SECRET_MODE_NAMES,
                        Condition::Never,
                        Some(Condition::Always),
                    )
                }
                _ if record_kind.is_some() => {
                    let kind = record_kind.unwrap_or(RecordKind::LinearFixed);
                    let record_len = self.record_size.ok_or("record-size: missing")?;
                    let max_records = self.max_records.unwrap_or(self.records.len().max(1));
                    if record_len == 0 || !(1..=254).contains(&max_records) {
                        return Err("record-size must be positive and max-records 1-254".into());
                    }
                    let mut records = Vec::new();
                    for r in &self.records {
                        let bytes = hex::decode(r).map_err(|e| format!("records: {e}"))?;
                        let ok = match kind {
                            RecordKind::LinearVariable => (1..=record_len).contains(&bytes.len()),
                            _ => bytes.len() == record_len,
                        };
                        if !ok {
                            return Err(format!(
                                "records: '{r}' does not fit record-size {record_len}"
                            ));
                        }
                        records.push(bytes);
                    }
                    if records.len() > max_records {
                        return Err("records: more than max-records".into());
                    }
                    let body = EfBody::Records {
                        kind,
                        record_len,
                        max_records,
                        records,
                        coding,
                    };
                    (
                        working(body, false),
                        &EF_MODE_NAMES,
                        Condition::Always,
                        None,
                    )
                }
                other => return Err(format!("type: unknown file type '{other}'")),
            };
        let mut rules = rules(&self.access, names, fallback, first)?;
        match self.access_format.as_deref() {
            None | Some("standard") => {}
            Some("proprietary") => {
                rules = AccessRules::from_proprietary(
                    &rules
                        .to_proprietary()
                        .ok_or("access: a condition has no proprietary code")?,
                )
                .map_err(|e| format!("access: {e}"))?;
            }
            Some(other) => {
                return Err(format!(
                    "access-format: '{other}' (expected standard or proprietary)"
                ))
            }
        }
        if let Some(text) = &self.arr {
            if !self.access.is_empty() || self.access_format.is_some() {
                return Err("arr: the rules are in EF.ARR; give no access or access-format".into());
            }
            rules = AccessRules::referenced(ArrReference::from_text(text)?);
        }
        Ok(Node {
            parent: Some(parent),
            fid: Some(fid),
            lcs,
            rules,
            kind,
        })
    }
}
