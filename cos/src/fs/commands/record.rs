//! READ, UPDATE, WRITE, APPEND and SEARCH RECORD (ISO/IEC 7816-4:2005 clauses 7.3.3-7.3.7).
//!
//! P2 b8-b4 names the EF by SFI (00000: the current EF); b3-b1 say how P1 addresses records:
//! `100` record number P1 (00: the current record), `101` from P1 to the last, `110` from the
//! last to P1 (READ only), and with P1 = 00: `000` first, `001` last, `010` next, `011`
//! previous, which move the current record. Addressing by number leaves it where it is.
//! Record identifiers (P1 other than 00 with b3-b1 < 100) are not supported: `6A81`.
//!
//! A cyclic EF numbers its newest record 1; APPEND RECORD (and UPDATE RECORD "previous")
//! writes over the oldest one once the file is full.

use super::{need_le, no_data, select_sfi, Outcome};
use crate::fs::access::Operation;
use crate::fs::error::FsError;
use crate::fs::model::{EfBody, FileSystem, FsWrite, NodeId, RecordKind, WriteFunction};
use crate::fs::security::ChannelContext;
use jcos_apdu::CommandApdu;

/// The record EF a command addresses by P2 b8-b4, made current when named by SFI.
fn target(fs: &FileSystem, ctx: &mut ChannelContext, p2: u8) -> Result<NodeId, FsError> {
    match p2 >> 3 {
        0 => ctx.current_ef.ok_or(FsError::NoCurrentEf),
        31 => Err(FsError::IncorrectP1P2),
        sfi => select_sfi(fs, ctx, sfi),
    }
}

/// The records of EF `id`, checked for `op`.
struct RecordEf<'a> {
    kind: RecordKind,
    record_len: usize,
    max_records: usize,
    records: &'a [Vec<u8>],
    coding: u8,
}

fn records<'a>(
    fs: &'a FileSystem,
    ctx: &ChannelContext,
    id: NodeId,
    op: Operation,
) -> Result<RecordEf<'a>, FsError> {
    let ef = fs.ef(id).ok_or(FsError::IncompatibleStructure)?;
    if ef.internal {
        return Err(FsError::SecurityNotSatisfied);
    }
    let EfBody::Records {
        kind,
        record_len,
        max_records,
        records,
        coding,
    } = &ef.body
    else {
        return Err(FsError::IncompatibleStructure);
    };
    ctx.check(fs, id, op)?;
    Ok(RecordEf {
        kind: *kind,
        record_len: *record_len,
        max_records: *max_records,
        records,
        coding: *coding,
    })
}

/// The 0-based record index P1 and mode select, and whether it moves the current record.
fn index(ctx: &ChannelContext, p1: u8, mode: u8, count: usize) -> Result<(usize, bool), FsError> {
    let last = count.checked_sub(1).ok_or(FsError::RecordNotFound)?;
    match (mode, p1) {
        (0b100, 0) => ctx
            .current_record
            .filter(|i| *i <= last)
            .map(|i| (i, false))
            .ok_or(FsError::RecordNotFound),
        (0b100, n) => {
            let i = usize::from(n).saturating_sub(1);
            if n == 0xFF || i > last {
                Err(FsError::RecordNotFound)
            } else {
                Ok((i, false))
            }
        }
        (0b000, 0) => Ok((0, true)),
        (0b001, 0) => Ok((last, true)),
        (0b010, 0) => match ctx.current_record {
            None => Ok((0, true)),
            Some(i) if i < last => Ok((i.saturating_add(1), true)),
            Some(_) => Err(FsError::RecordNotFound),
        },
        (0b011, 0) => match ctx.current_record {
            None => Ok((last, true)),
            Some(i) if i > 0 && i <= last => Ok((i.saturating_sub(1), true)),
            Some(_) => Err(FsError::RecordNotFound),
        },
        (0b000..=0b011, _) => Err(FsError::FuncNotSupported),
        _ => Err(FsError::IncorrectP1P2),
    }
}

/// READ RECORD(S).
pub(super) fn read(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    let mode = p2 & 0x07;
    if mode == 0b111 {
        return Err(FsError::IncorrectP1P2);
    }
    let id = target(fs, ctx, p2)?;
    let ef = records(fs, ctx, id, Operation::Read)?;
    no_data(command)?;
    need_le(command)?;
    let count = ef.records.len();
    if mode == 0b101 || mode == 0b110 {
        let first = if p1 == 0 {
            ctx.current_record.ok_or(FsError::RecordNotFound)?
        } else {
            usize::from(p1).saturating_sub(1)
        };
        if first >= count {
            return Err(FsError::RecordNotFound);
        }
        let chosen = ef.records.get(first..).unwrap_or_default();
        let data: Vec<u8> = if mode == 0b101 {
            chosen.iter().flatten().copied().collect()
        } else {
            chosen.iter().rev().flatten().copied().collect()
        };
        return Ok(Outcome::data(data));
    }
    let (i, moves) = index(ctx, p1, mode, count)?;
    if moves {
        ctx.current_record = Some(i);
    }
    Ok(Outcome::data(
        ef.records.get(i).cloned().unwrap_or_default(),
    ))
}

fn check_len(ef: &RecordEf<'_>, len: usize) -> Result<(), FsError> {
    let ok = match ef.kind {
        RecordKind::LinearVariable => (1..=ef.record_len).contains(&len),
        RecordKind::LinearFixed | RecordKind::Cyclic => len == ef.record_len,
    };
    if ok {
        Ok(())
    } else {
        Err(FsError::WrongLength)
    }
}

fn body(ef: &RecordEf<'_>, records: Vec<Vec<u8>>) -> EfBody {
    EfBody::Records {
        kind: ef.kind,
        record_len: ef.record_len,
        max_records: ef.max_records,
        records,
        coding: ef.coding,
    }
}

/// UPDATE RECORD and WRITE RECORD.
pub(super) fn update(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    let mode = p2 & 0x07;
    if mode > 0b100 {
        return Err(FsError::IncorrectP1P2);
    }
    let write = command.ins() == super::INS_WRITE_RECORD;
    let op = if write {
        Operation::Write
    } else {
        Operation::Update
    };
    let id = target(fs, ctx, p2)?;
    let ef = records(fs, ctx, id, op)?;
    let data = command.data();
    check_len(&ef, data.len())?;
    let mut list = ef.records.to_vec();
    if ef.kind == RecordKind::Cyclic && mode == 0b011 && p1 == 0 && !write {
        // "Previous" on a cyclic EF: the oldest record is rewritten and becomes record 1.
        if list.is_empty() {
            return Err(FsError::RecordNotFound);
        }
        list.pop();
        list.insert(0, data.to_vec());
        ctx.current_record = Some(0);
        return Ok(Outcome::writes(vec![FsWrite::SetBody {
            id,
            body: body(&ef, list),
        }]));
    }
    let (i, moves) = index(ctx, p1, mode, list.len())?;
    let slot = list.get_mut(i).ok_or(FsError::RecordNotFound)?;
    let new = if write {
        if ef.kind == RecordKind::LinearVariable && slot.len() != data.len() {
            return Err(FsError::WrongLength);
        }
        WriteFunction::from_coding(ef.coding)
            .apply(slot, data)
            .ok_or(FsError::ConditionsNotSatisfied)?
    } else {
        data.to_vec()
    };
    *slot = new;
    if moves {
        ctx.current_record = Some(i);
    }
    Ok(Outcome::writes(vec![FsWrite::SetBody {
        id,
        body: body(&ef, list),
    }]))
}

/// APPEND RECORD: P1 = 00, P2 = SFI and `000`.
pub(super) fn append(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    if p1 != 0 || p2 & 0x07 != 0 {
        return Err(FsError::IncorrectP1P2);
    }
    let id = target(fs, ctx, p2)?;
    let ef = records(fs, ctx, id, Operation::Write)?;
    check_len(&ef, command.data().len())?;
    let mut list = ef.records.to_vec();
    let data = command.data().to_vec();
    let index = if ef.kind == RecordKind::Cyclic {
        if list.len() >= ef.max_records {
            list.pop();
        }
        list.insert(0, data);
        0
    } else {
        if list.len() >= ef.max_records {
            return Err(FsError::NotEnoughMemory);
        }
        list.push(data);
        list.len().saturating_sub(1)
    };
    ctx.current_record = Some(index);
    Ok(Outcome::writes(vec![FsWrite::SetBody {
        id,
        body: body(&ef, list),
    }]))
}

/// SEARCH RECORD: `100` forward from record P1 (00: the first), `101` backward from record
/// P1 (00: the last), both matching the data anywhere in a record; `110` enhanced search,
/// whose first data byte gives the direction in b3-b1 (`100` forward, `101` backward from
/// P1) and with b4 = 0 a second byte with the offset in the record where the string must
/// start. Answers the numbers of the matching records; the first becomes current.
pub(super) fn search(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    let mode = p2 & 0x07;
    if !matches!(mode, 0b100..=0b110) {
        return Err(FsError::IncorrectP1P2);
    }
    let id = target(fs, ctx, p2)?;
    let ef = records(fs, ctx, id, Operation::Read)?;
    let data = command.data();
    let (backward, at, needle) = if mode == 0b110 {
        match data {
            [indicator, offset, needle @ ..] if indicator & 0xF8 == 0 && !needle.is_empty() => {
                match indicator & 0x07 {
                    0b100 => (false, Some(usize::from(*offset)), needle),
                    0b101 => (true, Some(usize::from(*offset)), needle),
                    _ => return Err(FsError::FuncNotSupported),
                }
            }
            _ => return Err(FsError::WrongData),
        }
    } else {
        (mode == 0b101, None, data)
    };
    if needle.is_empty() {
        return Err(FsError::WrongLength);
    }
    let count = ef.records.len();
    if count == 0 {
        return Err(FsError::RecordNotFound);
    }
    let start = match p1 {
        0 if backward => count.saturating_sub(1),
        0 => 0,
        n => usize::from(n).saturating_sub(1),
    };
    if start >= count {
        return Err(FsError::RecordNotFound);
    }
    let order: Vec<usize> = if backward {
        (0..=start).rev().collect()
    } else {
        (start..count).collect()
    };
    let found: Vec<usize> = order
        .into_iter()
        .filter(|i| {
            ef.records.get(*i).is_some_and(|r| match at {
                Some(o) => r.get(o..).is_some_and(|tail| tail.starts_with(needle)),
                None => r.windows(needle.len()).any(|w| w == needle),
            })
        })
        .collect();
    let first = *found.first().ok_or(FsError::RecordNotFound)?;
    ctx.current_record = Some(first);
    Ok(Outcome::data(
        found
            .into_iter()
            .map(|i| u8::try_from(i.saturating_add(1)).unwrap_or(u8::MAX))
            .collect(),
    ))
}
