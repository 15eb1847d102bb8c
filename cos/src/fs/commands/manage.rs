//! CREATE FILE, DELETE FILE (ISO/IEC 7816-9:2004 clauses 7.1, 7.2) and the life cycle
//! commands ACTIVATE FILE, DEACTIVATE FILE, TERMINATE DF and TERMINATE EF (clauses 7.3-7.6).
//!
//! CREATE FILE takes P1-P2 = 0000 and an FCP template; the file goes into the current DF,
//! which must grant CREATE FILE (EF) or (DF), and becomes the current file. DELETE FILE takes
//! P1-P2 = 0000 and the file identifier of a file in the current DF, or no data for the
//! current file; both the file's own DELETE FILE (self) condition and its DF's DELETE FILE
//! (child) condition must hold, and a DF goes with everything in it. The life cycle commands
//! address their file as SELECT does (P1 00, 01, 02, 08, 09; no data: the current file),
//! with P2 = 00, and make it current.

use super::select::resolve;
use super::Outcome;
use crate::fs::access::Operation;
use crate::fs::error::FsError;
use crate::fs::fcp;
use crate::fs::lifecycle::LifeCycle;
use crate::fs::model::{FileSystem, FsWrite, NodeKind, FILE_OVERHEAD};
use crate::fs::security::ChannelContext;
use jcos_apdu::CommandApdu;

/// CREATE FILE.
pub(super) fn create(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    if (command.p1(), command.p2()) != (0, 0) {
        return Err(FsError::IncorrectP1P2);
    }
    if command.nc() == 0 {
        return Err(FsError::WrongLength);
    }
    let mut node = fcp::parse_create(command.data())?.node;
    let df = ctx.current_df;
    let is_df = matches!(node.kind, NodeKind::Df(_));
    ctx.check(
        fs,
        df,
        if is_df {
            Operation::CreateDf
        } else {
            Operation::CreateEf
        },
    )?;
    if let Some(fid) = node.fid {
        let own = fs.node(df).and_then(|n| n.fid) == Some(fid);
        if own || fs.child_by_fid(df, fid).is_some() {
            return Err(FsError::FileExists);
        }
    }
    if let NodeKind::Ef(ef) = &node.kind {
        if let Some(sfi) = ef.sfi {
            if fs.child_by_sfi(df, sfi).is_some() {
                return Err(FsError::FileExists);
            }
        }
    }
    if let NodeKind::Df(new_df) = &node.kind {
        if let Some(name) = &new_df.name {
            let taken = fs
                .dfs_in_order()
                .into_iter()
                .any(|d| fs.df(d).and_then(|x| x.name.as_ref()) == Some(name));
            if taken {
                return Err(FsError::DfNameExists);
            }
        }
    }
    let size = match &node.kind {
        NodeKind::Ef(ef) => ef.body.allocated(),
        NodeKind::Df(d) => d
            .name
            .as_ref()
            .map_or(0, Vec::len)
            .saturating_add(d.reserved.unwrap_or(0)),
    };
    if !fs.fits(df, size.saturating_add(FILE_OVERHEAD)) {
        return Err(FsError::NotEnoughMemory);
    }
    node.parent = Some(df);
    let id = fs.next_free();
    let outcome = Outcome::writes(vec![FsWrite::Insert {
        id,
        node: Box::new(node),
    }]);
    // The new file is current once the write is committed; a torn commit leaves the context
    // naming a missing file, which the next command's revalidation drops.
    ctx.current_df = if is_df { id } else { df };
    ctx.current_ef = (!is_df).then_some(id);
    ctx.current_record = None;
    Ok(outcome)
}

/// DELETE FILE.
pub(super) fn delete(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    if (command.p1(), command.p2()) != (0, 0) {
        return Err(FsError::IncorrectP1P2);
    }
    let target = match command.data() {
        [] => ctx.current_file(),
        [hi, lo] => fs
            .child_by_fid(ctx.current_df, u16::from_be_bytes([*hi, *lo]))
            .ok_or(FsError::FileNotFound)?,
        _ => return Err(FsError::WrongLength),
    };
    let parent = fs.parent(target).ok_or(FsError::ConditionsNotSatisfied)?;
    ctx.check(fs, target, Operation::DeleteSelf)?;
    ctx.check(fs, parent, Operation::DeleteChild)?;
    if fs.is_ancestor_or_self(target, ctx.current_df) {
        ctx.enter_df(fs, parent);
    } else if ctx.current_ef == Some(target) {
        ctx.current_ef = None;
        ctx.current_record = None;
    }
    Ok(Outcome::writes(vec![FsWrite::Remove { id: target }]))
}

/// ACTIVATE FILE, DEACTIVATE FILE, TERMINATE DF, TERMINATE EF.
pub(super) fn life_cycle(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (p1, p2) = (command.p1(), command.p2());
    if p2 != 0 || !matches!(p1, 0x00 | 0x01 | 0x02 | 0x08 | 0x09) {
        return Err(FsError::IncorrectP1P2);
    }
    let ins = command.ins();
    let target = if command.nc() == 0 {
        match ins {
            super::INS_TERMINATE_DF => ctx.current_df,
            super::INS_TERMINATE_EF => ctx.current_ef.ok_or(FsError::NoCurrentEf)?,
            _ => ctx.current_file(),
        }
    } else {
        resolve(fs, ctx, p1, 0, command.data())?
    };
    let is_df = fs.is_df(target);
    match ins {
        super::INS_TERMINATE_DF if !is_df => return Err(FsError::IncompatibleStructure),
        super::INS_TERMINATE_EF if is_df => return Err(FsError::IncompatibleStructure),
        _ => {}
    }
    if is_df {
        ctx.enter_df(fs, target);
    } else {
        ctx.enter_ef(fs, target);
    }
    let lcs = fs.node(target).ok_or(FsError::FileNotFound)?.lcs;
    let (op, next) = match ins {
        super::INS_ACTIVATE_FILE => (Operation::Activate, LifeCycle::Activated),
        super::INS_DEACTIVATE_FILE => (Operation::Deactivate, LifeCycle::Deactivated),
        _ => (Operation::Terminate, LifeCycle::Terminated),
    };
    ctx.check(fs, target, op)?;
    let allowed = match next {
        LifeCycle::Activated => lcs != LifeCycle::Terminated,
        LifeCycle::Deactivated => matches!(lcs, LifeCycle::Activated | LifeCycle::Deactivated),
        _ => lcs != LifeCycle::Terminated,
    };
    if !allowed {
        return Err(FsError::ConditionsNotSatisfied);
    }
    if lcs == next {
        return Ok(Outcome::ok());
    }
    Ok(Outcome::writes(vec![FsWrite::SetLifeCycle {
        id: target,
        lcs: next,
    }]))
}
