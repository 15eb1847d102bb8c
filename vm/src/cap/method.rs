//! The Method component (§6.9). Methods are not self-delimiting: the component is kept as its
//! exception handler table plus the raw `method_info` area, and single methods are read at the
//! offsets the Class and Descriptor components give.

use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;
use std::fmt;

/// Method header flag: the header is an `extended_method_header_info`.
pub const ACC_EXTENDED: u8 = 0x8;
/// Method header flag: the method is abstract (no bytecodes).
pub const ACC_ABSTRACT: u8 = 0x4;

/// `exception_handler_info`. Offsets are into the Method component's `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExceptionHandlerInfo {
    /// First byte of the protected range.
    pub start_offset: u16,
    /// Set on the last handler protecting a given range (the end of a try block's list).
    pub stop_bit: bool,
    /// Length of the protected range (15 bits).
    pub active_length: u16,
    /// First byte of the handler code.
    pub handler_offset: u16,
    /// Constant pool index of the caught class, or 0 for any exception (`finally`).
    pub catch_type_index: u16,
}

impl ExceptionHandlerInfo {
    /// Encoded size in bytes.
    pub const SIZE: usize = 8;

    /// One past the last protected byte.
    pub fn end_offset(&self) -> u32 {
        u32::from(self.start_offset).saturating_add(u32::from(self.active_length))
    }
}

/// A method header, compact (`method_header_info`) or extended
/// (`extended_method_header_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodHeaderInfo {
    /// `ACC_EXTENDED`, `ACC_ABSTRACT` (the flag nibble).
    pub flags: u8,
    /// Maximum operand stack depth in 16-bit cells.
    pub max_stack: u8,
    /// Parameter cells, `this` included.
    pub nargs: u8,
    /// Local variable cells beyond the parameters.
    pub max_locals: u8,
}

impl MethodHeaderInfo {
    /// Whether this is the four-byte extended form.
    pub fn is_extended(&self) -> bool {
        self.flags & ACC_EXTENDED != 0
    }

    /// Whether the method is abstract.
    pub fn is_abstract(&self) -> bool {
        self.flags & ACC_ABSTRACT != 0
    }

    /// Header size in bytes: 2 compact, 4 extended.
    pub fn size(&self) -> u16 {
        if self.is_extended() {
            4
        } else {
            2
        }
    }
}

impl fmt::Display for MethodHeaderInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}max_stack {} nargs {} max_locals {}",
            match (self.is_extended(), self.is_abstract()) {
                (true, true) => "extended abstract ",
                (true, false) => "extended ",
                (false, true) => "abstract ",
                (false, false) => "",
            },
            self.max_stack,
            self.nargs,
            self.max_locals
        )
    }
}

/// One method read from the component: its header and bytecodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo<'a> {
    /// Offset of the `method_info` (its header) in the component.
    pub offset: u16,
    /// The header.
    pub header: MethodHeaderInfo,
    /// Offset of the first bytecode in the component.
    pub bytecode_offset: u16,
    /// The bytecodes.
    pub bytecodes: &'a [u8],
}

/// `method_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodComponent {
    /// The package's exception handlers, in the order the interpreter searches them.
    pub exception_handlers: Vec<ExceptionHandlerInfo>,
    /// The `methods` area (every `method_info`) exactly as stored.
    pub methods: Vec<u8>,
}

impl MethodComponent {
    /// Offset in the component of the first `method_info` (after the handler table).
    pub fn methods_offset(&self) -> usize {
        self.exception_handlers
            .len()
            .saturating_mul(ExceptionHandlerInfo::SIZE)
            .saturating_add(1)
    }

    /// Size of the component's `info`.
    pub fn info_len(&self) -> usize {
        self.methods_offset().saturating_add(self.methods.len())
    }

    /// `len` bytes of the methods area at component offset `offset`.
    pub fn bytes_at(&self, offset: usize, len: usize) -> Option<&[u8]> {
        let start = offset.checked_sub(self.methods_offset())?;
        self.methods.get(start..start.checked_add(len)?)
    }

    fn bad(&self, offset: usize, what: String) -> CapError {
        CapError::invalid(ComponentTag::METHOD, offset, what)
    }

    /// The method header at component offset `offset`.
    pub fn header_at(&self, offset: u16) -> Result<MethodHeaderInfo, CapError> {
        let at = usize::from(offset);
        let first = self.bytes_at(at, 2).ok_or_else(|| {
            self.bad(
                at,
                format!(
                    "method header at {offset:#06x} outside the methods area {:#06x}..{:#06x}",
                    self.methods_offset(),
                    self.info_len()
                ),
            )
        })?;
        let (b0, b1) = match first {
            [b0, b1] => (*b0, *b1),
            _ => return Err(self.bad(at, "method header cut short".into())),
        };
        let flags = b0 >> 4;
        if flags & ACC_EXTENDED == 0 {
            return Ok(MethodHeaderInfo {
                flags,
                max_stack: b0 & 0x0F,
                nargs: b1 >> 4,
                max_locals: b1 & 0x0F,
            });
        }
        match self.bytes_at(at, 4) {
            Some([_, s, n, l]) => Ok(MethodHeaderInfo {
                flags,
                max_stack: *s,
                nargs: *n,
                max_locals: *l,
            }),
            _ => Err(self.bad(
                at,
                format!("extended method header at {offset:#06x} runs past the component"),
            )),
        }
    }

    /// The method at `offset` whose bytecode is `bytecode_count` bytes long (the Descriptor
    /// component's `method_offset` and `bytecode_count`).
    pub fn method_at(&self, offset: u16, bytecode_count: u16) -> Result<MethodInfo<'_>, CapError> {
        let header = self.header_at(offset)?;
        let start = usize::from(offset).saturating_add(usize::from(header.size()));
        let bytecodes = self
            .bytes_at(start, usize::from(bytecode_count))
            .ok_or_else(|| {
                self.bad(
                    usize::from(offset),
                    format!(
                        "method at {offset:#06x}: {bytecode_count} bytecode bytes run past component size {:#06x}",
                        self.info_len()
                    ),
                )
            })?;
        let bytecode_offset = u16::try_from(start)
            .map_err(|_| self.bad(usize::from(offset), "bytecode offset beyond 0xFFFF".into()))?;
        Ok(MethodInfo {
            offset,
            header,
            bytecode_offset,
            bytecodes,
        })
    }

    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::METHOD, info);
        let count = r.u1("handler_count")?;
        r.check_table(
            usize::from(count),
            ExceptionHandlerInfo::SIZE,
            "exception_handlers",
        )?;
        let methods_offset = usize::from(count)
            .saturating_mul(ExceptionHandlerInfo::SIZE)
            .saturating_add(1);
        let size = info.len();
        let mut exception_handlers = Vec::with_capacity(usize::from(count));
        for i in 0..count {
            let at = r.offset();
            let start_offset = r.u2("start_offset")?;
            let bitfield = r.u2("active_length")?;
            let handler_offset = r.u2("handler_offset")?;
            let catch_type_index = r.u2("catch_type_index")?;
            let h = ExceptionHandlerInfo {
                start_offset,
                stop_bit: bitfield & 0x8000 != 0,
                active_length: bitfield & 0x7FFF,
                handler_offset,
                catch_type_index,
            };
            let end = h.end_offset();
            if usize::from(start_offset) < methods_offset {
                return Err(r.error_at(
                    at,
                    format!(
                        "exception handler {i} start {start_offset:#06x} inside the handler table"
                    ),
                ));
            }
            if end > u32::try_from(size).unwrap_or(u32::MAX) {
                return Err(r.error_at(
                    at,
                    format!(
                        "exception handler {i} end {end:#06x} beyond component size {size:#06x}"
                    ),
                ));
            }
            if usize::from(handler_offset) < methods_offset || usize::from(handler_offset) >= size {
                return Err(r.error_at(
                    at,
                    format!(
                        "exception handler {i} handler_offset {handler_offset:#06x} outside the methods area {methods_offset:#06x}..{size:#06x}"
                    ),
                ));
            }
            exception_handlers.push(h);
        }
        let methods = r.bytes(r.remaining(), "methods")?.to_vec();
        r.finish()?;
        Ok(MethodComponent {
            exception_handlers,
            methods,
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::METHOD);
        w.count_u1(self.exception_handlers.len(), u8::MAX, "handler_count");
        for h in &self.exception_handlers {
            w.u2(h.start_offset);
            if h.active_length > 0x7FFF {
                w.fail(format!(
                    "active_length {:#06x} needs more than 15 bits",
                    h.active_length
                ));
            }
            w.u2((h.active_length & 0x7FFF) | if h.stop_bit { 0x8000 } else { 0 });
            w.u2(h.handler_offset);
            w.u2(h.catch_type_index);
        }
        w.bytes(&self.methods);
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_extended_headers() {
        // handler_count 0; a compact header (max_stack 5, nargs 1, max_locals 0) with one
        // bytecode (return, 0x7A); then an extended header (flags ACC_EXTENDED, max_stack 20,
        // nargs 17, max_locals 18) with two bytecodes.
        let info = [0x00, 0x05, 0x10, 0x7A, 0x80, 0x14, 0x11, 0x12, 0x03, 0x78];
        let m = MethodComponent::parse(&info).unwrap();
        let a = m.method_at(1, 1).unwrap();
        assert_eq!(
            (a.header.max_stack, a.header.nargs, a.header.max_locals),
            (5, 1, 0)
        );
        assert_eq!(a.bytecodes, &[0x7A]);
        assert_eq!(a.bytecode_offset, 3);
        let b = m.method_at(4, 2).unwrap();
        assert!(b.header.is_extended());
        assert_eq!(
            (b.header.max_stack, b.header.nargs, b.header.max_locals),
            (20, 17, 18)
        );
        assert_eq!(b.bytecodes, &[0x03, 0x78]);
        assert!(m.method_at(4, 3).is_err(), "bytecodes past the end");
        assert!(m.method_at(0, 0).is_err(), "offset 0 is the handler count");
        assert!(m.method_at(9, 0).is_err(), "extended header cut short");
        assert_eq!(m.info_bytes().unwrap(), info);
    }

    #[test]
    fn handler_stop_bit_and_length() {
        // One handler: start 0x0009, stop bit + length 0x0003, handler 0x000B, catch 0.
        let info = [
            0x01, 0x00, 0x09, 0x80, 0x03, 0x00, 0x0B, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x7A,
        ];
        let m = MethodComponent::parse(&info).unwrap();
        let h = m.exception_handlers[0];
        assert!(h.stop_bit);
        assert_eq!(
            (h.start_offset, h.active_length, h.end_offset()),
            (9, 3, 12)
        );
        assert_eq!(m.info_bytes().unwrap(), info);
        let inside = [0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x7A];
        let e = MethodComponent::parse(&inside).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Method component, offset 0x1: exception handler 0 start 0x0002 inside the handler table"
        );
    }
}
