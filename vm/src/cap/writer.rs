//! Encoder for one component's `info` item. Counts and lengths that do not fit their item are
//! remembered as the first error and reported by [`Writer::finish`], so encoders stay linear.

use super::error::CapError;
use super::tag::ComponentTag;

/// Growing buffer for one component's `info` item.
pub(crate) struct Writer {
    buf: Vec<u8>,
    tag: ComponentTag,
    error: Option<CapError>,
}

impl Writer {
    /// An empty writer for component `tag`.
    pub(crate) fn new(tag: ComponentTag) -> Self {
        Writer {
            buf: Vec::new(),
            tag,
            error: None,
        }
    }

    /// One `u1` item.
    pub(crate) fn u1(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// One big-endian `u2` item.
    pub(crate) fn u2(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Raw bytes.
    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// Records that `what` cannot be encoded.
    pub(crate) fn fail(&mut self, what: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(CapError::Write {
                component: self.tag,
                what: what.into(),
            });
        }
    }

    /// A count or length stored in a `u1` item (at most `max`).
    pub(crate) fn count_u1(&mut self, n: usize, max: u8, item: &str) {
        match u8::try_from(n) {
            Ok(v) if v <= max => self.u1(v),
            _ => {
                self.fail(format!("{item} is {n}, more than {max}"));
                self.u1(0);
            }
        }
    }

    /// A count or length stored in a `u2` item.
    pub(crate) fn count_u2(&mut self, n: usize, item: &str) {
        match u16::try_from(n) {
            Ok(v) => self.u2(v),
            Err(_) => {
                self.fail(format!("{item} is {n}, more than 65535"));
                self.u2(0);
            }
        }
    }

    /// The encoded `info` item, or the first encoding error.
    pub(crate) fn finish(self) -> Result<Vec<u8>, CapError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.buf),
        }
    }
}
