use thiserror::Error;

/// Why a byte string is not a well-formed command APDU (ISO 7816-3 clause 12.1).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ApduError {
    /// Fewer than the four header bytes.
    #[error("APDU has {len} bytes; a command APDU needs at least the 4 header bytes")]
    TooShort {
        /// Bytes received.
        len: usize,
    },
    /// The length fields do not account for the bytes present.
    #[error("Lc at offset {offset} announces {lc} data bytes, but the APDU body does not match any case (body is {body} bytes)")]
    LengthMismatch {
        /// Offset of the Lc field.
        offset: usize,
        /// Value of Lc.
        lc: usize,
        /// Bytes after the header.
        body: usize,
    },
    /// An extended Lc field of 0000, which ISO 7816-3 forbids.
    #[error("extended Lc at offset 5 is 0000, which is not allowed")]
    ZeroExtendedLc,
    /// A body that starts like an extended length but is too short for one.
    #[error("body of {body} bytes starting with 00 is neither a short nor an extended length")]
    Ambiguous {
        /// Bytes after the header.
        body: usize,
    },
    /// Data too long for any encoding (more than 65535 bytes) or for the chosen short form.
    #[error("command data of {len} bytes does not fit the {form} length form")]
    DataTooLong {
        /// Data length.
        len: usize,
        /// "short" or "extended".
        form: &'static str,
    },
    /// Ne outside 1..=256 (short) or 1..=65536 (extended).
    #[error("Ne of {ne} does not fit the {form} length form")]
    NeOutOfRange {
        /// Requested Ne.
        ne: usize,
        /// "short" or "extended".
        form: &'static str,
    },
    /// A response APDU shorter than its status word.
    #[error("response APDU has {len} bytes; it needs at least SW1 SW2")]
    ResponseTooShort {
        /// Bytes received.
        len: usize,
    },
}
