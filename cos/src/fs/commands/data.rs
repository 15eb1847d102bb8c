//! GET DATA and PUT DATA (ISO/IEC 7816-4:2005 clauses 7.4.2, 7.4.3) on BER-TLV structured EFs.
//!
//! Even INS: P1-P2 is the tag of a data object in the current EF; GET DATA answers its value
//! field, PUT DATA replaces (or adds) it, and an empty value removes it. Odd INS: P1-P2 names
//! the EF (`0000` the current EF, `00` + SFI, else a file identifier in the current DF);
//! GET DATA takes a tag list `5C` (absent or empty: every object) and answers the whole data
//! objects found; PUT DATA takes the data objects to store.

use super::{need_le, select_sfi, Outcome};
use crate::fs::access::Operation;
use crate::fs::error::FsError;
use crate::fs::model::{DataObject, EfBody, FileSystem, FsWrite, NodeId};
use crate::fs::security::ChannelContext;
use jcos_apdu::tlv::{self, Tag, Tlv};
use jcos_apdu::CommandApdu;

fn target(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<NodeId, FsError> {
    if command.ins() & 1 == 0 {
        return ctx.current_ef.ok_or(FsError::NoCurrentEf);
    }
    match (command.p1(), command.p2()) {
        (0x00, 0x00) => ctx.current_ef.ok_or(FsError::NoCurrentEf),
        (0x00, sfi) if sfi & 0xE0 == 0 => select_sfi(fs, ctx, sfi),
        (p1, p2) => {
            let id = fs
                .child_by_fid(ctx.current_df, u16::from_be_bytes([p1, p2]))
                .ok_or(FsError::FileNotFound)?;
            if fs.is_df(id) {
                return Err(FsError::IncompatibleStructure);
            }
            ctx.enter_ef(fs, id);
            Ok(id)
        }
    }
}

fn objects<'a>(
    fs: &'a FileSystem,
    ctx: &ChannelContext,
    id: NodeId,
    op: Operation,
) -> Result<(usize, &'a [DataObject]), FsError> {
    let ef = fs.ef(id).ok_or(FsError::IncompatibleStructure)?;
    if ef.internal {
        return Err(FsError::SecurityNotSatisfied);
    }
    let EfBody::BerTlv { max_size, objects } = &ef.body else {
        return Err(FsError::IncompatibleStructure);
    };
    ctx.check(fs, id, op)?;
    Ok((*max_size, objects))
}

fn tag_of_p1p2(command: &CommandApdu) -> Result<u32, FsError> {
    let value = u32::from(u16::from_be_bytes([command.p1(), command.p2()]));
    // One-byte tags sit in P2 with P1 = 00; two-byte tags fill P1-P2.
    let tag = if command.p1() == 0 {
        value & 0xFF
    } else {
        value
    };
    Tag::new(tag)
        .map(|t| t.0)
        .map_err(|_| FsError::IncorrectP1P2)
}

fn encoded(object: &DataObject) -> Vec<u8> {
    Tlv::primitive(Tag(object.tag), object.value.clone()).encode()
}

/// GET DATA.
pub(super) fn get(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let even = command.ins() & 1 == 0;
    let wanted = if even {
        Some(tag_of_p1p2(command)?)
    } else {
        None
    };
    let id = target(fs, ctx, command)?;
    let (_, list) = objects(fs, ctx, id, Operation::Read)?;
    need_le(command)?;
    if let Some(tag) = wanted {
        if command.nc() != 0 {
            return Err(FsError::WrongLength);
        }
        let found = list
            .iter()
            .find(|o| o.tag == tag)
            .ok_or(FsError::ReferencedDataNotFound)?;
        return Ok(Outcome::data(found.value.clone()));
    }
    let request = tlv::parse_all(command.data()).map_err(|_| FsError::WrongData)?;
    let tags: Option<Vec<u32>> = match tlv::find(&request, Tag(0x5C)) {
        None if request.is_empty() => None,
        None => return Err(FsError::WrongData),
        Some(list) => {
            let mut bytes = list.bytes().ok_or(FsError::WrongData)?;
            let mut tags = Vec::new();
            while !bytes.is_empty() {
                let (tag, used) = Tag::parse(bytes).map_err(|_| FsError::WrongData)?;
                tags.push(tag.0);
                bytes = bytes.get(used..).unwrap_or_default();
            }
            (!tags.is_empty()).then_some(tags)
        }
    };
    let data: Vec<u8> = match tags {
        None => list.iter().flat_map(encoded).collect(),
        Some(tags) => tags
            .iter()
            .filter_map(|t| list.iter().find(|o| o.tag == *t))
            .flat_map(encoded)
            .collect(),
    };
    if data.is_empty() {
        return Err(FsError::ReferencedDataNotFound);
    }
    Ok(Outcome::data(data))
}

/// PUT DATA.
pub(super) fn put(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let even = command.ins() & 1 == 0;
    let incoming: Vec<DataObject> = if even {
        vec![DataObject {
            tag: tag_of_p1p2(command)?,
            value: command.data().to_vec(),
        }]
    } else {
        let parsed = tlv::parse_all(command.data()).map_err(|_| FsError::WrongData)?;
        if parsed.is_empty() {
            return Err(FsError::WrongLength);
        }
        parsed
            .into_iter()
            .map(|t| {
                let mut value = Vec::new();
                match &t.value {
                    tlv::Value::Primitive(b) => value.extend_from_slice(b),
                    tlv::Value::Constructed(children) => value.extend(tlv::encode_all(children)),
                }
                DataObject {
                    tag: t.tag.0,
                    value,
                }
            })
            .collect()
    };
    let id = target(fs, ctx, command)?;
    let (max_size, list) = objects(fs, ctx, id, Operation::Update)?;
    let mut next = list.to_vec();
    for object in incoming {
        next.retain(|o| o.tag != object.tag);
        if !object.value.is_empty() {
            next.push(object);
        }
    }
    let size: usize = next.iter().map(|o| encoded(o).len()).sum();
    if size > max_size {
        return Err(FsError::NotEnoughMemory);
    }
    Ok(Outcome::writes(vec![FsWrite::SetBody {
        id,
        body: EfBody::BerTlv {
            max_size,
            objects: next,
        },
    }]))
}
