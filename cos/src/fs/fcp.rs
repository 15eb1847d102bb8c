//! File control parameters (ISO/IEC 7816-4:2005 clause 5.3.3, Table 12): the FCP template
//! `62` that SELECT returns and CREATE FILE takes, the FMD template `64` and the FCI `6F`.
//!
//! | tag | content                                                                 |
//! |-----|-------------------------------------------------------------------------|
//! | 80  | bytes the file reserves (transparent size, records x size, TLV maximum) |
//! | 81  | a DF's reservation for its files, when it has one                       |
//! | 82  | file descriptor byte, data coding byte, max record size (2), records (1)|
//! | 83  | file identifier                                                         |
//! | 84  | DF name                                                                 |
//! | 88  | short EF identifier in b8-b4 (empty: the EF has none)                   |
//! | 8A  | life cycle status byte                                                  |
//! | 8C / AB / 86 / 8B | security attributes: compact, expanded, proprietary, EF.ARR reference |
//! | A5  | jcos proprietary: for a PIN or key EF, 80 kind, 81 reference, 82 tries, 83 resetting code |
//!
//! File descriptor bytes (Table 14): `38` DF; EFs `0s00 0ttt` with s = 1 for an internal EF and
//! ttt = 001 transparent, 010 linear fixed, 100 linear variable, 110 cyclic; `39` BER-TLV.

use super::access::AccessRules;
use super::error::FsError;
use super::lifecycle::LifeCycle;
use super::model::{
    Df, Ef, EfBody, FileSystem, KeyAlgorithm, Node, NodeId, NodeKind, RecordKind, Secret,
    SecretKind, DEFAULT_CODING, MAX_DF_NAME,
};
use jcos_apdu::tlv::{self, Tag, Tlv};

/// File descriptor byte of a DF.
pub const FDB_DF: u8 = 0x38;
/// File descriptor byte of a BER-TLV structured EF.
pub const FDB_BER_TLV: u8 = 0x39;
/// The internal-EF bit of the file descriptor byte.
pub const FDB_INTERNAL: u8 = 0x08;

/// Secret kind codes inside the proprietary template.
const KIND_PIN: u8 = 0x01;
const KIND_AES: u8 = 0x02;
const KIND_DES3: u8 = 0x03;

fn be16(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes()
}

/// The file descriptor DO value of an EF.
fn descriptor(ef: &Ef) -> Vec<u8> {
    let internal = if ef.internal { FDB_INTERNAL } else { 0 };
    match &ef.body {
        EfBody::Transparent { coding, .. } => vec![internal | 0x01, *coding],
        EfBody::Secret(_) => vec![internal | 0x01, DEFAULT_CODING],
        EfBody::BerTlv { .. } => vec![FDB_BER_TLV],
        EfBody::Records {
            kind,
            record_len,
            max_records,
            coding,
            ..
        } => {
            let structure = match kind {
                RecordKind::LinearFixed => 0x02,
                RecordKind::LinearVariable => 0x04,
                RecordKind::Cyclic => 0x06,
            };
            let [hi, lo] = be16(*record_len);
            vec![
                internal | structure,
                *coding,
                hi,
                lo,
                u8::try_from(*max_records).unwrap_or(u8::MAX),
            ]
        }
    }
}

/// The FCP objects of file `id`, in tag order.
pub fn fcp_objects(fs: &FileSystem, id: NodeId) -> Vec<Tlv> {
    let Some(node) = fs.node(id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match &node.kind {
        NodeKind::Ef(ef) => {
            out.push(Tlv::primitive(Tag(0x80), be16(ef.body.allocated())));
            out.push(Tlv::primitive(Tag(0x82), descriptor(ef)));
        }
        NodeKind::Df(df) => {
            if let Some(reserved) = df.reserved {
                out.push(Tlv::primitive(Tag(0x81), be16(reserved)));
            }
            out.push(Tlv::primitive(Tag(0x82), [FDB_DF]));
        }
    }
    if let Some(fid) = node.fid {
        out.push(Tlv::primitive(Tag(0x83), fid.to_be_bytes()));
    }
    if let NodeKind::Df(Df {
        name: Some(name), ..
    }) = &node.kind
    {
        out.push(Tlv::primitive(Tag(0x84), name.clone()));
    }
    if let NodeKind::Ef(ef) = &node.kind {
        let sfi: Vec<u8> = ef.sfi.map(|s| s << 3).into_iter().collect();
        out.push(Tlv::primitive(Tag(0x88), sfi));
    }
    out.push(Tlv::primitive(Tag(0x8A), [node.lcs.byte()]));
    out.push(node.rules.to_fcp());
    if let Some(secret) = fs.secret(id) {
        let kind = match secret.kind {
            SecretKind::Pin => KIND_PIN,
            SecretKind::Key(KeyAlgorithm::Aes) => KIND_AES,
            SecretKind::Key(KeyAlgorithm::Des3) => KIND_DES3,
        };
        let mut template = vec![
            Tlv::primitive(Tag(0x80), [kind]),
            Tlv::primitive(Tag(0x81), [secret.reference]),
            Tlv::primitive(Tag(0x82), [secret.max_retries]),
        ];
        if let Some(unblock) = secret.unblock {
            template.push(Tlv::primitive(Tag(0x83), [unblock]));
        }
        out.push(Tlv::constructed(Tag(0xA5), template));
    }
    out
}

/// The FCP template `62`.
pub fn fcp(fs: &FileSystem, id: NodeId) -> Vec<u8> {
    Tlv::constructed(Tag(0x62), fcp_objects(fs, id)).encode()
}

/// The FMD objects: the DF name of a named DF, nothing else.
fn fmd_objects(fs: &FileSystem, id: NodeId) -> Vec<Tlv> {
    match fs.df(id).and_then(|df| df.name.clone()) {
        Some(name) => vec![Tlv::primitive(Tag(0x84), name)],
        None => Vec::new(),
    }
}

/// The FMD template `64`.
pub fn fmd(fs: &FileSystem, id: NodeId) -> Vec<u8> {
    Tlv::constructed(Tag(0x64), fmd_objects(fs, id)).encode()
}

/// The FCI template `6F`: the FCP objects and the FMD objects (clause 5.3.3: "the FCI is
/// the union of FCP and FMD"), the DF name once.
pub fn fci(fs: &FileSystem, id: NodeId) -> Vec<u8> {
    let mut objects = fcp_objects(fs, id);
    for o in fmd_objects(fs, id) {
        if !objects.contains(&o) {
            objects.push(o);
        }
    }
    Tlv::constructed(Tag(0x6F), objects).encode()
}

/// A file described by a CREATE FILE FCP, not yet placed in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// The node, its parent still unset.
    pub node: Node,
}

fn one_byte(object: &Tlv) -> Result<u8, FsError> {
    match object.bytes() {
        Some([b]) => Ok(*b),
        _ => Err(FsError::WrongData),
    }
}

fn number(object: &Tlv) -> Result<usize, FsError> {
    let bytes = object.bytes().ok_or(FsError::WrongData)?;
    if bytes.is_empty() || bytes.len() > 3 {
        return Err(FsError::WrongData);
    }
    Ok(bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)))
}

/// Reads the FCP of CREATE FILE (the whole `62` template). Without security attributes a
/// file gets none (every mode always); without `8A` it starts in the creation state.
pub fn parse_create(data: &[u8]) -> Result<NewFile, FsError> {
    let template = tlv::parse_single(data).map_err(|_| FsError::WrongData)?;
    if template.tag != Tag::FCP_TEMPLATE {
        return Err(FsError::WrongData);
    }
    let objects = template.children();
    for o in objects {
        if !matches!(
            o.tag.0,
            0x80 | 0x81
                | 0x82
                | 0x83
                | 0x84
                | 0x85
                | 0x86
                | 0x88
                | 0x8A
                | 0x8B
                | 0x8C
                | 0xAB
                | 0xA5
                | 0xC6
        ) {
            return Err(FsError::WrongData);
        }
    }
    let find = |tag: u32| tlv::find(objects, Tag(tag));
    let descriptor = find(0x82).and_then(Tlv::bytes).ok_or(FsError::WrongData)?;
    let (&fdb, rest) = descriptor.split_first().ok_or(FsError::WrongData)?;
    let coding = rest.first().copied().unwrap_or(DEFAULT_CODING);
    let fid = match find(0x83) {
        Some(o) => match o.bytes() {
            Some([hi, lo]) => Some(u16::from_be_bytes([*hi, *lo])),
            _ => return Err(FsError::WrongData),
        },
        None => None,
    };
    if matches!(fid, Some(0x3F00 | 0x3FFF | 0xFFFF)) {
        return Err(FsError::WrongData);
    }
    let lcs = match find(0x8A) {
        Some(o) => match LifeCycle::from_byte(one_byte(o)?) {
            Some(l @ (LifeCycle::Creation | LifeCycle::Initialisation | LifeCycle::Activated)) => l,
            _ => return Err(FsError::WrongData),
        },
        None => LifeCycle::Creation,
    };
    let rules = AccessRules::from_fcp(objects)?.unwrap_or_default();
    let size = find(0x80).map(number).transpose()?;

    // b7 (shareable) does not change what jcos builds.
    let fdb = fdb & !0x40;
    let kind = if fdb == FDB_DF {
        let name = match find(0x84).and_then(Tlv::bytes) {
            Some(n) if n.is_empty() || n.len() > MAX_DF_NAME => return Err(FsError::WrongData),
            Some(n) => Some(n.to_vec()),
            None => None,
        };
        if fid.is_none() && name.is_none() {
            return Err(FsError::WrongData);
        }
        // 81 on a DF: the bytes reserved for its files.
        let reserved = find(0x81).map(number).transpose()?;
        NodeKind::Df(Df {
            name,
            children: Vec::new(),
            reserved,
        })
    } else {
        let fid = fid.ok_or(FsError::WrongData)?;
        if find(0x84).is_some() {
            return Err(FsError::WrongData);
        }
        let sfi = match find(0x88) {
            None => {
                // No 88: the SFI is b5-b1 of the file identifier (clause 5.3.1.1).
                let low = (fid & 0x1F) as u8;
                (1..=30).contains(&low).then_some(low)
            }
            Some(o) => match o.bytes() {
                Some([]) => None,
                Some([b]) if b & 0x07 == 0 && (1..=30).contains(&(b >> 3)) => Some(b >> 3),
                _ => return Err(FsError::WrongData),
            },
        };
        let internal = fdb != FDB_BER_TLV && fdb & FDB_INTERNAL != 0;
        let structure = if fdb == FDB_BER_TLV {
            fdb
        } else {
            fdb & !FDB_INTERNAL
        };
        let body = match structure {
            0x01 => match tlv::find(objects, Tag(0xA5)) {
                Some(template) if internal => EfBody::Secret(parse_secret(template)?),
                Some(_) => return Err(FsError::WrongData),
                None => EfBody::Transparent {
                    data: vec![0; size.ok_or(FsError::WrongData)?],
                    coding,
                },
            },
            0x02 | 0x04 | 0x06 => {
                let (record_len, max_records) = match rest {
                    [_, len, n] => (usize::from(*len), usize::from(*n)),
                    [_, hi, lo, n] => {
                        (usize::from(u16::from_be_bytes([*hi, *lo])), usize::from(*n))
                    }
                    [_, hi, lo, nh, nl] => (
                        usize::from(u16::from_be_bytes([*hi, *lo])),
                        usize::from(u16::from_be_bytes([*nh, *nl])),
                    ),
                    _ => return Err(FsError::WrongData),
                };
                if record_len == 0 || max_records == 0 || max_records > 254 {
                    return Err(FsError::WrongData);
                }
                let kind = match fdb & 0x07 {
                    0x02 => RecordKind::LinearFixed,
                    0x04 => RecordKind::LinearVariable,
                    _ => RecordKind::Cyclic,
                };
                EfBody::Records {
                    kind,
                    record_len,
                    max_records,
                    records: Vec::new(),
                    coding,
                }
            }
            FDB_BER_TLV => EfBody::BerTlv {
                max_size: size.ok_or(FsError::WrongData)?,
                objects: Vec::new(),
            },
            _ => return Err(FsError::WrongData),
        };
        NodeKind::Ef(Ef {
            sfi,
            internal,
            body,
        })
    };
    Ok(NewFile {
        node: Node {
            parent: None,
            fid,
            lcs,
            rules,
            kind,
        },
    })
}

/// Reads the proprietary template `A5` of a PIN or key EF.
fn parse_secret(template: &Tlv) -> Result<Secret, FsError> {
    let get = |tag: u32| template.find(Tag(tag)).map(one_byte).transpose();
    let kind = match get(0x80)?.ok_or(FsError::WrongData)? {
        KIND_PIN => SecretKind::Pin,
        KIND_AES => SecretKind::Key(KeyAlgorithm::Aes),
        KIND_DES3 => SecretKind::Key(KeyAlgorithm::Des3),
        _ => return Err(FsError::WrongData),
    };
    let reference = get(0x81)?.ok_or(FsError::WrongData)?;
    if !(1..=31).contains(&reference) {
        return Err(FsError::WrongData);
    }
    let max_retries = get(0x82)?.unwrap_or(0);
    if max_retries > 15 {
        return Err(FsError::WrongData);
    }
    Ok(Secret {
        reference,
        kind,
        value: None,
        max_retries,
        remaining: max_retries,
        unblock: get(0x83)?,
    })
}
