//! A bounds-checked cursor over one component's `info` item, built on `nom`'s byte parsers.
//! Every read names the item it reads so a short component reports what was cut off and where.

use super::error::{CapError, Problem};
use super::tag::ComponentTag;
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u8};
use nom::IResult;

type NomError<'a> = nom::error::Error<&'a [u8]>;

/// Cursor over the `info` bytes of one component.
pub(crate) struct Reader<'a> {
    info: &'a [u8],
    rest: &'a [u8],
    tag: ComponentTag,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `info`.
    pub(crate) fn new(tag: ComponentTag, info: &'a [u8]) -> Self {
        Reader {
            info,
            rest: info,
            tag,
        }
    }

    /// Offset of the next byte inside `info`.
    pub(crate) fn offset(&self) -> usize {
        self.info.len().saturating_sub(self.rest.len())
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Size of the whole `info` item.
    pub(crate) fn info_len(&self) -> usize {
        self.info.len()
    }

    /// Whether every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn truncated(&self, item: &'static str, needed: usize) -> CapError {
        CapError::Component {
            component: self.tag,
            offset: self.offset(),
            problem: Problem::Truncated {
                item,
                needed,
                available: self.rest.len(),
            },
        }
    }

    /// One `u1` item.
    pub(crate) fn u1(&mut self, item: &'static str) -> Result<u8, CapError> {
        let r: IResult<&'a [u8], u8, NomError<'a>> = be_u8(self.rest);
        match r {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(self.truncated(item, 1)),
        }
    }

    /// One big-endian `u2` item.
    pub(crate) fn u2(&mut self, item: &'static str) -> Result<u16, CapError> {
        let r: IResult<&'a [u8], u16, NomError<'a>> = be_u16(self.rest);
        match r {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(self.truncated(item, 2)),
        }
    }

    /// `n` raw bytes.
    pub(crate) fn bytes(&mut self, n: usize, item: &'static str) -> Result<&'a [u8], CapError> {
        let r: IResult<&'a [u8], &'a [u8], NomError<'a>> = take(n)(self.rest);
        match r {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(self.truncated(item, n)),
        }
    }

    /// Checks that a table of `count` entries of at least `min_entry` bytes each can fit in what
    /// is left, so a forged count cannot make the parser reserve memory it will never fill.
    pub(crate) fn check_table(
        &self,
        count: usize,
        min_entry: usize,
        item: &'static str,
    ) -> Result<(), CapError> {
        match count.checked_mul(min_entry) {
            Some(n) if n <= self.rest.len() => Ok(()),
            _ => Err(self.truncated(item, count.saturating_mul(min_entry))),
        }
    }

    /// An `Invalid` error at `offset`.
    pub(crate) fn error_at(&self, offset: usize, what: impl Into<String>) -> CapError {
        CapError::invalid(self.tag, offset, what)
    }

    /// Fails if bytes are left over after the last item.
    pub(crate) fn finish(&self) -> Result<(), CapError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(CapError::Component {
                component: self.tag,
                offset: self.offset(),
                problem: Problem::Trailing {
                    count: self.rest.len(),
                },
            })
        }
    }
}
