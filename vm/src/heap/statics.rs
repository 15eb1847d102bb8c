//! A package's static field image (JCVM 3.0.5 §6.10): reference fields first, then the
//! primitive fields as big-endian bytes at the offsets the CAP file's constant pool uses.

use serde::{Deserialize, Serialize};

use crate::interp::VmException;

/// The static fields of one package.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticImage {
    /// Reference fields, indexed by byte offset / 2.
    pub refs: Vec<i32>,
    /// The whole image as bytes; the reference part is unused here (see `refs`).
    pub bytes: Vec<u8>,
}

impl StaticImage {
    /// Reads reference field `index`.
    #[inline]
    pub fn get_ref(&self, index: u16) -> Result<i32, VmException> {
        self.refs
            .get(usize::from(index))
            .copied()
            .ok_or(VmException::Security)
    }

    /// Writes reference field `index`, returning the old value.
    pub fn set_ref(&mut self, index: u16, value: i32) -> Result<i32, VmException> {
        let c = self
            .refs
            .get_mut(usize::from(index))
            .ok_or(VmException::Security)?;
        Ok(std::mem::replace(c, value))
    }

    fn field<const N: usize>(&self, off: u16) -> Result<[u8; N], VmException> {
        let start = usize::from(off);
        self.bytes
            .get(start..start + N)
            .and_then(|s| <[u8; N]>::try_from(s).ok())
            .ok_or(VmException::Security)
    }

    /// Reads a byte or boolean field, sign-extended.
    #[inline]
    pub fn get_byte(&self, off: u16) -> Result<i32, VmException> {
        Ok(i32::from(self.field::<1>(off)?[0] as i8))
    }

    /// Reads a short field.
    #[inline]
    pub fn get_short(&self, off: u16) -> Result<i32, VmException> {
        Ok(i32::from(i16::from_be_bytes(self.field::<2>(off)?)))
    }

    /// Reads an int field.
    #[inline]
    pub fn get_int(&self, off: u16) -> Result<i32, VmException> {
        Ok(i32::from_be_bytes(self.field::<4>(off)?))
    }

    /// Checks that `len` bytes at `off` are inside the image.
    pub fn check_bytes(&self, off: u16, len: usize) -> Result<(), VmException> {
        let start = usize::from(off);
        match start.checked_add(len) {
            Some(end) if end <= self.bytes.len() => Ok(()),
            _ => Err(VmException::Security),
        }
    }

    /// Writes `value` at `off`, returning the old bytes.
    pub fn set_bytes(&mut self, off: u16, value: &[u8]) -> Result<Vec<u8>, VmException> {
        let start = usize::from(off);
        let end = start
            .checked_add(value.len())
            .ok_or(VmException::Security)?;
        let dst = self
            .bytes
            .get_mut(start..end)
            .ok_or(VmException::Security)?;
        let old = dst.to_vec();
        dst.copy_from_slice(value);
        Ok(old)
    }
}
