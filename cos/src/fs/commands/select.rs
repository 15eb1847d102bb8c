//! SELECT (ISO/IEC 7816-4:2005 clause 7.1.1, Tables 39 and 40) over the file tree.
//!
//! P1: 00 by file identifier (3F00 or empty: the MF; else the current DF, a file in it, its
//! parent or a file in its parent), 01 child DF, 02 EF of the current DF, 03 parent DF, 04 by
//! DF name (b2-b1 of P2: first, last, next, previous occurrence), 08 path from the MF, 09 path
//! from the current DF. P2 b4-b3: 00 FCI, 01 FCP, 10 FMD, 11 no response data.
//! A deactivated file answers `6283`, a terminated one `6285`, with its data.

use super::Outcome;
use crate::fs::error::FsError;
use crate::fs::fcp;
use crate::fs::lifecycle::LifeCycle;
use crate::fs::model::{FileSystem, NodeId, MF_FID};
use crate::fs::security::ChannelContext;
use jcos_apdu::{CommandApdu, StatusWord};

fn fid(data: &[u8]) -> Result<u16, FsError> {
    match data {
        [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
        _ => Err(FsError::WrongLength),
    }
}

fn path(data: &[u8]) -> Result<Vec<u16>, FsError> {
    if data.is_empty() || data.len().checked_rem(2) != Some(0) {
        return Err(FsError::WrongLength);
    }
    Ok(data
        .chunks_exact(2)
        .map(|c| {
            u16::from_be_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect())
}

/// Finds the file P1 and the data name, without selecting it. Shared with the life cycle
/// commands, which address files the same way.
pub(super) fn resolve(
    fs: &FileSystem,
    ctx: &ChannelContext,
    p1: u8,
    occurrence: u8,
    data: &[u8],
) -> Result<NodeId, FsError> {
    let current = ctx.current_df;
    match p1 {
        0x00 => {
            if data.is_empty() {
                return Ok(NodeId::MF);
            }
            let fid = fid(data)?;
            if fid == MF_FID {
                return Ok(NodeId::MF);
            }
            let parent = fs.parent(current);
            let own = |id: NodeId| fs.node(id).is_some_and(|n| n.fid == Some(fid));
            if own(current) {
                return Ok(current);
            }
            if let Some(found) = fs.child_by_fid(current, fid) {
                return Ok(found);
            }
            if let Some(p) = parent {
                if own(p) {
                    return Ok(p);
                }
                if let Some(found) = fs.child_by_fid(p, fid) {
                    return Ok(found);
                }
            }
            Err(FsError::FileNotFound)
        }
        0x01 | 0x02 => {
            let found = fs
                .child_by_fid(current, fid(data)?)
                .ok_or(FsError::FileNotFound)?;
            if fs.is_df(found) == (p1 == 0x01) {
                Ok(found)
            } else {
                Err(FsError::FileNotFound)
            }
        }
        0x03 => {
            if !data.is_empty() {
                return Err(FsError::WrongLength);
            }
            fs.parent(current).ok_or(FsError::FileNotFound)
        }
        0x04 => {
            if data.is_empty() || data.len() > crate::fs::model::MAX_DF_NAME {
                return Err(FsError::WrongLength);
            }
            let matches = fs.dfs_named(data);
            let position = matches.iter().position(|m| *m == current);
            let pick = match (occurrence, position) {
                (0, _) => matches.first(),
                (1, _) => matches.last(),
                (2, Some(i)) => matches.get(i.saturating_add(1)),
                (2, None) => matches.first(),
                (_, Some(i)) => i.checked_sub(1).and_then(|j| matches.get(j)),
                (_, None) => matches.last(),
            };
            pick.copied().ok_or(FsError::FileNotFound)
        }
        0x08 => {
            let mut steps = path(data)?;
            if steps.first() == Some(&MF_FID) {
                steps.remove(0);
            }
            fs.resolve_path(NodeId::MF, &steps)
        }
        0x09 => fs.resolve_path(current, &path(data)?),
        _ => Err(FsError::IncorrectP1P2),
    }
}

/// Answers SELECT.
pub(super) fn select(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    if p2 & 0xF0 != 0 || !matches!(p1, 0x00..=0x04 | 0x08 | 0x09) {
        return Err(FsError::IncorrectP1P2);
    }
    let occurrence = p2 & 0x03;
    if occurrence != 0 && p1 != 0x04 {
        return Err(FsError::IncorrectP1P2);
    }
    let target = resolve(fs, ctx, p1, occurrence, command.data())?;
    if fs.is_df(target) {
        ctx.enter_df(fs, target);
    } else {
        ctx.enter_ef(fs, target);
    }
    let data = match p2 & 0x0C {
        0x00 => fcp::fci(fs, target),
        0x04 => fcp::fcp(fs, target),
        0x08 => fcp::fmd(fs, target),
        _ => Vec::new(),
    };
    let sw = match fs.effective_lcs(target) {
        LifeCycle::Deactivated => StatusWord::SELECTED_FILE_DEACTIVATED,
        LifeCycle::Terminated => StatusWord::SELECTED_FILE_TERMINATED,
        _ => StatusWord::OK,
    };
    Ok(Outcome::data(data).with_sw(sw))
}
