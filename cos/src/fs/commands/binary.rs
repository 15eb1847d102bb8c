//! READ, UPDATE, WRITE and ERASE BINARY (ISO/IEC 7816-4:2005 clauses 7.2.3-7.2.7) on
//! transparent EFs.
//!
//! Even INS: P1 b8 = 1 names the EF by SFI in b5-b1 (b7-b6 zero) with the offset in P2;
//! otherwise P1-P2 is a 15-bit offset into the current EF. Odd INS: P1-P2 names the EF
//! (`0000` the current EF, `00` + SFI in P2 b5-b1, else a file identifier in the current DF)
//! and the data field carries the offset data object `54` and, for UPDATE and WRITE, the data
//! in a discretionary data object `53`; ERASE takes a second `54` as the end offset. READ
//! BINARY odd answers with a `53` object.

use super::{ne_is_maximum, need_le, no_data, select_sfi, Outcome};
use crate::fs::access::Operation;
use crate::fs::error::FsError;
use crate::fs::model::{EfBody, FileSystem, FsWrite, NodeId, WriteFunction};
use crate::fs::security::ChannelContext;
use jcos_apdu::tlv::{self, Tag, Tlv};
use jcos_apdu::{CommandApdu, StatusWord};

/// What a binary command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Read,
    Update,
    Write,
    Erase,
}

fn action(ins: u8) -> Action {
    match ins & 0xFE {
        0xB0 => Action::Read,
        0xD6 => Action::Update,
        0xD0 => Action::Write,
        _ => Action::Erase,
    }
}

/// The transparent EF `id` with its bytes and data coding byte, checked for `action`.
fn transparent<'a>(
    fs: &'a FileSystem,
    ctx: &ChannelContext,
    id: NodeId,
    action: Action,
) -> Result<(&'a [u8], u8), FsError> {
    let ef = fs.ef(id).ok_or(FsError::IncompatibleStructure)?;
    if ef.internal {
        // Internal EFs are the card's own: no binary command reaches them from outside.
        return Err(FsError::SecurityNotSatisfied);
    }
    let EfBody::Transparent { data, coding } = &ef.body else {
        return Err(FsError::IncompatibleStructure);
    };
    let op = match action {
        Action::Read => Operation::Read,
        Action::Update | Action::Erase => Operation::Update,
        Action::Write => Operation::Write,
    };
    ctx.check(fs, id, op)?;
    Ok((data, *coding))
}

/// Even INS.
pub(super) fn even(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    let (id, offset) = if p1 & 0x80 != 0 {
        if p1 & 0x60 != 0 {
            return Err(FsError::IncorrectP1P2);
        }
        (select_sfi(fs, ctx, p1 & 0x1F)?, usize::from(p2))
    } else {
        let id = ctx.current_ef.ok_or(FsError::NoCurrentEf)?;
        (id, usize::from(u16::from_be_bytes([p1, p2])))
    };
    let act = action(command.ins());
    let end = match act {
        Action::Read => {
            no_data(command)?;
            None
        }
        Action::Erase => match command.data() {
            [] => None,
            [hi, lo] => Some(usize::from(u16::from_be_bytes([*hi, *lo]))),
            _ => return Err(FsError::WrongLength),
        },
        Action::Update | Action::Write => None,
    };
    run(
        fs,
        ctx,
        command,
        id,
        act,
        offset,
        command.data(),
        end,
        false,
    )
}

/// Reads an offset data object `54` (1-3 bytes, big-endian).
fn offset_do(object: &Tlv) -> Result<usize, FsError> {
    match object.bytes() {
        Some(b) if !b.is_empty() && b.len() <= 3 => {
            Ok(b.iter().fold(0usize, |n, x| (n << 8) | usize::from(*x)))
        }
        _ => Err(FsError::WrongData),
    }
}

/// Odd INS.
pub(super) fn odd(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    let id = match (p1, p2) {
        (0x00, 0x00) => ctx.current_ef.ok_or(FsError::NoCurrentEf)?,
        (0x00, sfi) if sfi & 0xE0 == 0 => select_sfi(fs, ctx, sfi)?,
        _ => {
            let fid = u16::from_be_bytes([p1, p2]);
            let id = fs
                .child_by_fid(ctx.current_df, fid)
                .ok_or(FsError::FileNotFound)?;
            if fs.is_df(id) {
                return Err(FsError::IncompatibleStructure);
            }
            ctx.enter_ef(fs, id);
            id
        }
    };
    let objects = tlv::parse_all(command.data()).map_err(|_| FsError::WrongData)?;
    let offsets: Vec<&Tlv> = objects.iter().filter(|o| o.tag == Tag(0x54)).collect();
    let offset = offsets
        .first()
        .map(|o| offset_do(o))
        .transpose()?
        .ok_or(FsError::WrongData)?;
    let act = action(command.ins());
    let payload = tlv::find(&objects, Tag(0x53)).and_then(Tlv::bytes);
    let (data, end): (&[u8], Option<usize>) = match act {
        Action::Read => (&[], None),
        Action::Update | Action::Write => (payload.ok_or(FsError::WrongData)?, None),
        Action::Erase => (&[], offsets.get(1).map(|o| offset_do(o)).transpose()?),
    };
    run(fs, ctx, command, id, act, offset, data, end, true)
}

#[allow(clippy::too_many_arguments)]
fn run(
    fs: &FileSystem,
    ctx: &ChannelContext,
    command: &CommandApdu,
    id: NodeId,
    act: Action,
    offset: usize,
    data: &[u8],
    end: Option<usize>,
    wrap: bool,
) -> Result<Outcome, FsError> {
    let (content, coding) = transparent(fs, ctx, id, act)?;
    let size = content.len();
    if offset > size || (offset == size && act == Action::Read) {
        return Err(FsError::OffsetOutsideEf);
    }
    match act {
        Action::Read => {
            let ne = need_le(command)?;
            let available = size.saturating_sub(offset);
            // Odd INS: Ne covers the whole 53 object, its tag and length field included.
            let room = if wrap {
                ne.saturating_sub(wrapper_len(ne))
            } else {
                ne
            };
            let n = room.min(available);
            let bytes = content
                .get(offset..offset.saturating_add(n))
                .unwrap_or_default()
                .to_vec();
            let sw = if n < room && !ne_is_maximum(ne) {
                StatusWord::END_OF_FILE
            } else {
                StatusWord::OK
            };
            let data = if wrap {
                Tlv::primitive(Tag(0x53), bytes).encode()
            } else {
                bytes
            };
            Ok(Outcome::data(data).with_sw(sw))
        }
        Action::Update | Action::Write => {
            if data.is_empty() {
                return Err(FsError::WrongLength);
            }
            let stop = offset.checked_add(data.len()).ok_or(FsError::WrongLength)?;
            if stop > size {
                return Err(FsError::NotEnoughMemory);
            }
            let old = content.get(offset..stop).unwrap_or_default();
            let new = if act == Action::Update {
                data.to_vec()
            } else {
                WriteFunction::from_coding(coding)
                    .apply(old, data)
                    .ok_or(FsError::ConditionsNotSatisfied)?
            };
            let mut body = content.to_vec();
            if let Some(slot) = body.get_mut(offset..stop) {
                slot.copy_from_slice(&new);
            }
            Ok(Outcome::writes(vec![FsWrite::SetBody {
                id,
                body: EfBody::Transparent { data: body, coding },
            }]))
        }
        Action::Erase => {
            let stop = end.unwrap_or(size);
            if stop > size || stop < offset {
                return Err(FsError::OffsetOutsideEf);
            }
            let mut body = content.to_vec();
            if let Some(slot) = body.get_mut(offset..stop) {
                slot.fill(0);
            }
            Ok(Outcome::writes(vec![FsWrite::SetBody {
                id,
                body: EfBody::Transparent { data: body, coding },
            }]))
        }
    }
}

/// Bytes of tag and length of a `53` object whose encoding fits `ne` bytes.
fn wrapper_len(ne: usize) -> usize {
    match ne {
        0..=129 => 2,
        130..=258 => 3,
        _ => 4,
    }
}
