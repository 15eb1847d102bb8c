//! `jcos.framework.FileSystem`: the card's ISO/IEC 7816-4 file system for applets, forwarded
//! to the card through [`crate::runtime::FileSystem`].
//!
//! A path is `pathLen` bytes of the caller's array: FIDs of two bytes each, from the MF and
//! without `3F00` (an empty path is the MF). Byte arrays are read and written with the
//! caller's context, so the firewall applies as to any API method; what the applet may do to
//! a file is decided by the card against the security status of the applet's logical channel.
//! A refusal of the card becomes an `ISOException` with its status word. Writes into the
//! caller's array are non-atomic, as `Util.arrayCopyNonAtomic`.

use super::{Args, JcosNative, NativeRet};
use crate::heap::ContextId;
use crate::interp::{Env, Fault, Trap, VmException};
use crate::runtime::{FileSystem, Sw, Written};

/// `ISO7816.SW_FILE_NOT_FOUND`: a card without a file system, or a path naming no file.
const SW_FILE_NOT_FOUND: Sw = 0x6A82;
/// `ISO7816.SW_WRONG_DATA`: an operation code the API does not define.
const SW_WRONG_DATA: Sw = 0x6A80;

/// The `ISOException` for a card refusal.
fn refused(sw: Sw) -> Fault {
    VmException::Iso(sw as i16).into()
}

/// The card's file system, or `ISOException` 6A82 on a card without one.
fn files<'e>(env: &'e mut Env<'_>) -> Result<&'e mut dyn FileSystem, Fault> {
    env.runtime
        .file_system()
        .ok_or_else(|| refused(SW_FILE_NOT_FOUND))
}

/// The path in the caller's array `a[arr]` from offset `a[off]`, `a[len]` bytes; an odd
/// length names no file.
fn path(
    env: &Env<'_>,
    a: &Args<'_>,
    (arr, off, len): (usize, usize, usize),
    ctx: ContextId,
) -> Result<Vec<u16>, Fault> {
    let r = a.obj(arr)?;
    let off = i32::from(a.short(off)?);
    let len = i32::from(a.byte(len)?);
    let bytes = env.heap.read_bytes(r, off, len, ctx)?;
    if bytes.len() % 2 != 0 {
        return Err(refused(SW_FILE_NOT_FOUND));
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|p| match p {
            [hi, lo] => u16::from_be_bytes([*hi as u8, *lo as u8]),
            _ => 0,
        })
        .collect())
}

/// A non-negative short argument.
fn count(a: &Args<'_>, i: usize) -> Result<usize, Fault> {
    usize::try_from(a.short(i)?).map_err(|_| VmException::ArrayIndexOutOfBounds.into())
}

/// Writes `bytes` into the caller's array `a[arr]` at `a[off]`; their length as a short.
fn give(
    env: &mut Env<'_>,
    a: &Args<'_>,
    (arr, off): (usize, usize),
    bytes: &[u8],
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    let dst = a.obj(arr)?;
    let off = i32::from(a.short(off)?);
    let len = i16::try_from(bytes.len()).map_err(|_| VmException::ArrayIndexOutOfBounds)?;
    let signed: Vec<i8> = bytes.iter().map(|b| *b as i8).collect();
    env.heap.write_bytes(dst, off, &signed, ctx, false)?;
    Ok(NativeRet::Word(i32::from(len)))
}

/// Runs a `FileSystem` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: JcosNative,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use JcosNative as N;
    match id {
        N::FsCheckAccess => {
            let path = path(env, a, (0, 1, 2), ctx)?;
            let op = a.byte(3)? as u8;
            if !(1..=3).contains(&op) {
                return Err(refused(SW_WRONG_DATA));
            }
            let allowed = files(env)?.check_access(&path, op).map_err(refused)?;
            Ok(NativeRet::Word(i32::from(allowed)))
        }
        N::FsReadBinary => {
            let path = path(env, a, (0, 1, 2), ctx)?;
            let offset = count(a, 3)?;
            let len = count(a, 6)?;
            let data = files(env)?
                .read_binary(&path, offset, len)
                .map_err(refused)?;
            give(env, a, (4, 5), &data, ctx)
        }
        N::FsUpdateBinary => {
            let path = path(env, a, (0, 1, 2), ctx)?;
            let offset = count(a, 3)?;
            let src = a.obj(4)?;
            let data: Vec<u8> =
                env.heap
                    .read_u8s(src, i32::from(a.short(5)?), i32::from(a.short(6)?), ctx)?;
            let heap_writes = env.heap.persistent_writes();
            match files(env)?
                .update_binary(&path, offset, &data, heap_writes)
                .map_err(refused)?
            {
                Written::Done { tear_left } => {
                    // The file system's writes came out of the tear's budget: the heap's
                    // next writes count after them.
                    if let Some(left) = tear_left {
                        env.heap.arm_tear(left);
                    }
                    Ok(NativeRet::Void)
                }
                Written::PowerLost => Err(Trap::PowerLoss.into()),
            }
        }
        N::FsReadRecord => {
            let path = path(env, a, (0, 1, 2), ctx)?;
            let number = a.byte(3)? as u8;
            let record = files(env)?.read_record(&path, number).map_err(refused)?;
            give(env, a, (4, 5), &record, ctx)
        }
        N::FsGetFileSize => {
            let path = path(env, a, (0, 1, 2), ctx)?;
            let size = files(env)?.file_size(&path).map_err(refused)?;
            let size = i16::try_from(size).unwrap_or(i16::MAX);
            Ok(NativeRet::Word(i32::from(size)))
        }
        _ => Err(VmException::Security.into()),
    }
}
