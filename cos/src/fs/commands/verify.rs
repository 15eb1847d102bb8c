//! VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (ISO/IEC 7816-4:2005 clauses
//! 7.5.6-7.5.10) over PINs held in internal EFs.
//!
//! P2 names the reference data: b8 = 0 global (held in the MF), 1 specific (held in the
//! current DF or the nearest DF above it), b5-b1 the reference number. A wrong value costs a
//! try and answers `63Cx` with the tries left; at zero the PIN is blocked (`6983`). The
//! decremented counter is one of the command's writes, committed before the answer leaves.
//! VERIFY without data asks the status: `9000` verified, `63Cx` not, `6983` blocked.
//! VERIFY with P1 = FF and no data forgets a verification (ISO/IEC 7816-4:2013 clause 11.5.6).

use super::{reference, retries_sw, Outcome};
use crate::fs::access::Operation;
use crate::fs::error::FsError;
use crate::fs::model::{EfBody, FileSystem, FsWrite, NodeId, Secret, SecretKind};
use crate::fs::security::ChannelContext;
use jcos_apdu::CommandApdu;

/// Shortest and longest PIN jcos accepts as new reference data.
const PIN_LENGTHS: std::ops::RangeInclusive<usize> = 4..=16;

fn write(id: NodeId, secret: Secret) -> FsWrite {
    FsWrite::SetBody {
        id,
        body: EfBody::Secret(secret),
    }
}

/// The secret `id`, checked for use (or `op`), not blocked, with a value.
fn usable<'a>(
    fs: &'a FileSystem,
    ctx: &ChannelContext,
    id: NodeId,
    op: Operation,
) -> Result<&'a Secret, FsError> {
    ctx.check(fs, id, op)?;
    let secret = fs.secret(id).ok_or(FsError::ReferencedDataNotFound)?;
    if secret.is_blocked() {
        return Err(FsError::Blocked);
    }
    if secret.value.is_none() {
        return Err(FsError::ReferenceDataNotUsable);
    }
    Ok(secret)
}

/// Compares `given` with the secret's value: on success the counter is reset and the
/// secret verified; on failure a try is spent.
fn compare(
    ctx: &mut ChannelContext,
    id: NodeId,
    secret: &Secret,
    given: &[u8],
) -> Result<Vec<FsWrite>, Outcome> {
    let right = secret.value.as_deref() == Some(given);
    if right {
        ctx.verified.insert(id);
        if secret.remaining == secret.max_retries {
            return Ok(Vec::new());
        }
        let mut next = secret.clone();
        next.remaining = next.max_retries;
        return Ok(vec![write(id, next)]);
    }
    ctx.verified.remove(&id);
    let mut next = secret.clone();
    next.remaining = next.remaining.saturating_sub(1);
    let sw = retries_sw(next.max_retries, next.remaining);
    let writes = if secret.max_retries == 0 {
        Vec::new()
    } else {
        vec![write(id, next)]
    };
    Err(Outcome {
        data: Vec::new(),
        sw,
        writes,
    })
}

/// VERIFY.
pub(super) fn verify(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let p1 = command.p1();
    if p1 != 0x00 && p1 != 0xFF {
        return Err(FsError::IncorrectP1P2);
    }
    let id = reference(fs, ctx, command.p2(), false)?;
    if p1 == 0xFF {
        if command.nc() != 0 {
            return Err(FsError::WrongLength);
        }
        ctx.verified.remove(&id);
        return Ok(Outcome::ok());
    }
    if command.nc() == 0 {
        let secret = fs.secret(id).ok_or(FsError::ReferencedDataNotFound)?;
        if ctx.verified.contains(&id) {
            return Ok(Outcome::ok());
        }
        if secret.is_blocked() {
            return Err(FsError::Blocked);
        }
        return Ok(Outcome::ok().with_sw(retries_sw(secret.max_retries, secret.remaining)));
    }
    let secret = usable(fs, ctx, id, Operation::Read)?;
    Ok(match compare(ctx, id, secret, command.data()) {
        Ok(writes) => Outcome::writes(writes),
        Err(failed) => failed,
    })
}

/// Checks a new value for the kind of secret.
fn check_new(secret: &Secret, value: &[u8]) -> Result<(), FsError> {
    let ok = match secret.kind {
        SecretKind::Pin => PIN_LENGTHS.contains(&value.len()),
        SecretKind::Key(alg) => alg.accepts_key_len(value.len()),
    };
    if ok {
        Ok(())
    } else {
        Err(FsError::WrongData)
    }
}

/// CHANGE REFERENCE DATA: P1 = 00, data = old value and new value; P1 = 01, data = new value
/// only, under the secret's change condition (also the way keys are set at issuance). P2
/// names a PIN, or a key when no PIN has the reference.
pub(super) fn change(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let p1 = command.p1();
    if p1 > 0x01 {
        return Err(FsError::IncorrectP1P2);
    }
    let id = match reference(fs, ctx, command.p2(), false) {
        Err(FsError::ReferencedDataNotFound) => reference(fs, ctx, command.p2(), true)?,
        other => other?,
    };
    let data = command.data();
    if data.is_empty() {
        return Err(FsError::WrongLength);
    }
    if p1 == 0x01 {
        ctx.check(fs, id, Operation::Update)?;
        let secret = fs.secret(id).ok_or(FsError::ReferencedDataNotFound)?;
        check_new(secret, data)?;
        let mut next = secret.clone();
        next.value = Some(data.to_vec());
        next.remaining = next.max_retries;
        ctx.verified.remove(&id);
        return Ok(Outcome::writes(vec![write(id, next)]));
    }
    let secret = usable(fs, ctx, id, Operation::Read)?;
    let old_len = secret.value.as_ref().map_or(0, Vec::len);
    if data.len() <= old_len {
        return Err(FsError::WrongLength);
    }
    let (old, new) = data.split_at(old_len);
    check_new(secret, new)?;
    match compare(ctx, id, secret, old) {
        Err(failed) => Ok(failed),
        Ok(_) => {
            let mut next = secret.clone();
            next.value = Some(new.to_vec());
            next.remaining = next.max_retries;
            Ok(Outcome::writes(vec![write(id, next)]))
        }
    }
}

/// RESET RETRY COUNTER: P1 = 00 resetting code and new PIN, 01 resetting code only, 02 new
/// PIN only, 03 nothing. The resetting code is the PIN the target names as its unblocking
/// reference; without one (P1 02, 03) the target's change condition must hold.
pub(super) fn reset_retry_counter(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let p1 = command.p1();
    if p1 > 0x03 {
        return Err(FsError::IncorrectP1P2);
    }
    let id = reference(fs, ctx, command.p2(), false)?;
    let target = fs.secret(id).ok_or(FsError::ReferencedDataNotFound)?;
    let data = command.data();
    if (p1 == 0x03) != data.is_empty() {
        return Err(FsError::WrongLength);
    }
    let mut writes = Vec::new();
    let new = match p1 {
        0x00 | 0x01 => {
            let unblock = target.unblock.ok_or(FsError::ReferencedDataNotFound)?;
            let home = fs.parent(id).unwrap_or(NodeId::MF);
            let puk_id = fs
                .secret_from(home, unblock, false)
                .ok_or(FsError::ReferencedDataNotFound)?;
            let puk = usable(fs, ctx, puk_id, Operation::Read)?;
            let puk_len = puk.value.as_ref().map_or(0, Vec::len);
            let (code, new) = if p1 == 0x01 {
                (data, None)
            } else {
                if data.len() <= puk_len {
                    return Err(FsError::WrongLength);
                }
                let (code, new) = data.split_at(puk_len);
                (code, Some(new))
            };
            if let Some(new) = new {
                check_new(target, new)?;
            }
            match compare(ctx, puk_id, puk, code) {
                Err(failed) => return Ok(failed),
                Ok(w) => writes.extend(w),
            }
            // The resetting code served this command only.
            ctx.verified.remove(&puk_id);
            new
        }
        _ => {
            ctx.check(fs, id, Operation::Update)?;
            (p1 == 0x02).then_some(data)
        }
    };
    let mut next = target.clone();
    next.remaining = next.max_retries;
    if let Some(new) = new {
        check_new(target, new)?;
        next.value = Some(new.to_vec());
    }
    ctx.verified.remove(&id);
    writes.push(write(id, next));
    Ok(Outcome::writes(writes))
}
