//! GET CHALLENGE, EXTERNAL / MUTUAL AUTHENTICATE and INTERNAL AUTHENTICATE (ISO/IEC
//! 7816-4:2005 clauses 7.5.2-7.5.4) with AES and triple DES keys held in internal EFs.
//!
//! The card's challenge is the last GET CHALLENGE on the channel; it must be one cipher
//! block long (16 bytes for AES, 8 for triple DES) and serves one authentication. All
//! cryptograms are CBC with a zero IV, no padding:
//!
//! - EXTERNAL AUTHENTICATE (`00 82 00 P2`, data `E(K, RND.ICC)`): the key P2 names is
//!   authenticated when the cryptogram matches;
//! - MUTUAL AUTHENTICATE (`00 82 00 P2`, data `E(K, RND.ICC || RND.IFD)`, two blocks): as
//!   above, and the card answers `E(K, RND.IFD || RND.ICC)`;
//! - INTERNAL AUTHENTICATE (`00 88 00 P2`, data: the terminal's challenge, whole blocks): the
//!   card answers `E(K, challenge)`.
//!
//! A failed authentication forgets the key's authentication and, for a key with a retry
//! limit, spends a try (`63Cx`, then `6983`); without a limit it answers `6300`.

use super::{need_le, no_data, reference, retries_sw, Outcome};
use crate::fs::access::Operation;
use crate::fs::crypto;
use crate::fs::error::FsError;
use crate::fs::model::{EfBody, FileSystem, FsWrite, KeyAlgorithm, NodeId, Secret, SecretKind};
use crate::fs::security::ChannelContext;
use jcos_apdu::CommandApdu;
use rand::{Rng, RngExt};

/// GET CHALLENGE: P1-P2 = 0000, Ne random bytes, kept as the channel's challenge.
pub(super) fn get_challenge<R: Rng + ?Sized>(
    ctx: &mut ChannelContext,
    command: &CommandApdu,
    rng: &mut R,
) -> Result<Outcome, FsError> {
    if (command.p1(), command.p2()) != (0, 0) {
        return Err(FsError::IncorrectP1P2);
    }
    no_data(command)?;
    let ne = need_le(command)?;
    let mut challenge = vec![0u8; ne];
    rng.fill(&mut challenge[..]);
    ctx.challenge = Some(challenge.clone());
    Ok(Outcome::data(challenge))
}

/// The key P2 names, usable, with its algorithm and value.
fn key<'a>(
    fs: &'a FileSystem,
    ctx: &ChannelContext,
    command: &CommandApdu,
) -> Result<(NodeId, &'a Secret, KeyAlgorithm, &'a [u8]), FsError> {
    if command.p1() != 0 {
        return Err(FsError::IncorrectP1P2);
    }
    let id = reference(fs, ctx, command.p2(), true)?;
    ctx.check(fs, id, Operation::Read)?;
    let secret = fs.secret(id).ok_or(FsError::ReferencedDataNotFound)?;
    let SecretKind::Key(algorithm) = secret.kind else {
        return Err(FsError::ReferencedDataNotFound);
    };
    if secret.is_blocked() {
        return Err(FsError::Blocked);
    }
    let value = secret
        .value
        .as_deref()
        .ok_or(FsError::ReferenceDataNotUsable)?;
    Ok((id, secret, algorithm, value))
}

fn failed(ctx: &mut ChannelContext, id: NodeId, secret: &Secret) -> Outcome {
    ctx.verified.remove(&id);
    let mut next = secret.clone();
    next.remaining = next.remaining.saturating_sub(1);
    let sw = retries_sw(next.max_retries, next.remaining);
    let writes = if secret.max_retries == 0 {
        Vec::new()
    } else {
        vec![FsWrite::SetBody {
            id,
            body: EfBody::Secret(next),
        }]
    };
    Outcome {
        data: Vec::new(),
        sw,
        writes,
    }
}

fn succeeded(ctx: &mut ChannelContext, id: NodeId, secret: &Secret, data: Vec<u8>) -> Outcome {
    ctx.verified.insert(id);
    let mut outcome = Outcome::data(data);
    if secret.remaining != secret.max_retries {
        let mut next = secret.clone();
        next.remaining = next.max_retries;
        outcome.writes.push(FsWrite::SetBody {
            id,
            body: EfBody::Secret(next),
        });
    }
    outcome
}

/// EXTERNAL AUTHENTICATE and MUTUAL AUTHENTICATE, told apart by the data length.
pub(super) fn external(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (id, secret, algorithm, value) = key(fs, ctx, command)?;
    let block = algorithm.block_len();
    let data = command.data();
    let mutual = data.len() == block.saturating_mul(2);
    if data.len() != block && !mutual {
        return Err(FsError::WrongLength);
    }
    let challenge = ctx
        .challenge
        .take()
        .filter(|c| c.len() == block)
        .ok_or(FsError::ConditionsNotSatisfied)?;
    if !mutual {
        let expected = crypto::encrypt(algorithm, value, &challenge)?;
        return Ok(if expected == data {
            succeeded(ctx, id, secret, Vec::new())
        } else {
            failed(ctx, id, secret)
        });
    }
    let plain = crypto::decrypt(algorithm, value, data)?;
    let (rnd_icc, rnd_ifd) = plain.split_at(block.min(plain.len()));
    if rnd_icc != challenge.as_slice() {
        return Ok(failed(ctx, id, secret));
    }
    let mut answer = rnd_ifd.to_vec();
    answer.extend_from_slice(&challenge);
    let cryptogram = crypto::encrypt(algorithm, value, &answer)?;
    Ok(succeeded(ctx, id, secret, cryptogram))
}

/// INTERNAL AUTHENTICATE.
pub(super) fn internal(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
) -> Result<Outcome, FsError> {
    let (_, _, algorithm, value) = key(fs, ctx, command)?;
    let data = command.data();
    if data.is_empty() || data.len().checked_rem(algorithm.block_len()) != Some(0) {
        return Err(FsError::WrongLength);
    }
    Ok(Outcome::data(crypto::encrypt(algorithm, value, data)?))
}
