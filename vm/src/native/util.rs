//! `javacard.framework.Util`: array copy, fill and compare, and big-endian shorts.

use super::{Args, NativeId, NativeRet};
use crate::heap::ContextId;
use crate::interp::{Env, Fault, VmException};

fn short_ret(v: i32) -> NativeRet {
    NativeRet::Word(i32::from(v as i16))
}

/// Runs a `Util` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: NativeId,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use NativeId as N;
    match id {
        N::UtilArrayCompare => {
            let src = a.obj(0)?;
            let src_off = i32::from(a.short(1)?);
            let dst = a.obj(2)?;
            let dst_off = i32::from(a.short(3)?);
            let len = i32::from(a.short(4)?);
            let x = env.heap.read_bytes(src, src_off, len, ctx)?;
            let y = env.heap.read_bytes(dst, dst_off, len, ctx)?;
            // Bytes compare as Java's signed bytes.
            let r = match x.cmp(&y) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            };
            Ok(NativeRet::Word(r))
        }
        N::UtilArrayCopy | N::UtilArrayCopyNonAtomic => {
            let src = a.obj(0)?;
            let src_off = i32::from(a.short(1)?);
            let dst = a.obj(2)?;
            let dst_off = i32::from(a.short(3)?);
            let len = i32::from(a.short(4)?);
            if len < 0 {
                return Err(VmException::ArrayIndexOutOfBounds.into());
            }
            env.heap.copy_bytes(
                (src, src_off),
                (dst, dst_off),
                len,
                ctx,
                id == N::UtilArrayCopy,
            )?;
            Ok(short_ret(dst_off + len))
        }
        N::UtilArrayFill | N::UtilArrayFillNonAtomic => {
            let arr = a.obj(0)?;
            let off = i32::from(a.short(1)?);
            let len = i32::from(a.short(2)?);
            let value = a.byte(3)?;
            if len < 0 {
                return Err(VmException::ArrayIndexOutOfBounds.into());
            }
            env.heap
                .fill_bytes(arr, off, len, value, ctx, id == N::UtilArrayFill)?;
            Ok(short_ret(off + len))
        }
        N::UtilGetShort => {
            let arr = a.obj(0)?;
            let off = i32::from(a.short(1)?);
            let b = env.heap.read_bytes(arr, off, 2, ctx)?;
            let hi = b.first().copied().unwrap_or(0);
            let lo = b.get(1).copied().unwrap_or(0);
            Ok(short_ret(i32::from(i16::from_be_bytes([
                hi as u8, lo as u8,
            ]))))
        }
        N::UtilMakeShort => {
            let hi = a.byte(0)?;
            let lo = a.byte(1)?;
            Ok(short_ret(i32::from(i16::from_be_bytes([
                hi as u8, lo as u8,
            ]))))
        }
        N::UtilSetShort => {
            let arr = a.obj(0)?;
            let off = i32::from(a.short(1)?);
            let v = a.short(2)?.to_be_bytes();
            env.heap
                .write_bytes(arr, off, &[v[0] as i8, v[1] as i8], ctx, true)?;
            Ok(short_ret(off + 2))
        }
        _ => Err(VmException::Security.into()),
    }
}
