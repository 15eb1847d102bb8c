use crate::cla::Cla;
use crate::error::ApduError;
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, u8 as byte};
use nom::IResult;
use std::fmt;

/// The seven command APDU cases of ISO 7816-3 clause 12.1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApduCase {
    /// No data, no response data.
    Case1,
    /// No data, Le in one byte.
    Case2Short,
    /// Lc and data in short form, no Le.
    Case3Short,
    /// Lc, data and Le in short form.
    Case4Short,
    /// No data, Le in three bytes (00 + two bytes).
    Case2Extended,
    /// Lc in three bytes and data, no Le.
    Case3Extended,
    /// Lc in three bytes, data and Le in two bytes.
    Case4Extended,
}

/// A command APDU: header, command data (Nc bytes) and the expected response length Ne.
///
/// The length form (short or extended) is part of the value, so that writing a parsed APDU
/// reproduces its bytes exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommandApdu {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: Vec<u8>,
    ne: Option<usize>,
    extended: bool,
}

/// Largest Ne of a short APDU (Le = 00).
pub const MAX_SHORT_NE: usize = 256;
/// Largest Ne of an extended APDU (Le = 0000).
pub const MAX_EXTENDED_NE: usize = 65536;

impl CommandApdu {
    /// Builds an APDU in the shortest length form that holds `data` and `ne`.
    pub fn new(
        cla: u8,
        ins: u8,
        p1: u8,
        p2: u8,
        data: impl Into<Vec<u8>>,
        ne: Option<usize>,
    ) -> Result<Self, ApduError> {
        let data = data.into();
        let extended = data.len() > 255 || ne.is_some_and(|n| n > MAX_SHORT_NE);
        Self::with_form(cla, ins, p1, p2, data, ne, extended)
    }

    /// Builds an APDU in the given length form, checking that data and Ne fit it.
    pub fn with_form(
        cla: u8,
        ins: u8,
        p1: u8,
        p2: u8,
        data: impl Into<Vec<u8>>,
        ne: Option<usize>,
        extended: bool,
    ) -> Result<Self, ApduError> {
        let data = data.into();
        let (max_nc, max_ne, form) = if extended {
            (65535, MAX_EXTENDED_NE, "extended")
        } else {
            (255, MAX_SHORT_NE, "short")
        };
        if data.len() > max_nc {
            return Err(ApduError::DataTooLong {
                len: data.len(),
                form,
            });
        }
        if let Some(n) = ne {
            if n == 0 || n > max_ne {
                return Err(ApduError::NeOutOfRange { ne: n, form });
            }
        }
        if extended && data.is_empty() && ne.is_none() {
            // Case 1 has no length field, so it has no extended form.
            return Self::with_form(cla, ins, p1, p2, data, ne, false);
        }
        Ok(Self {
            cla,
            ins,
            p1,
            p2,
            data,
            ne,
            extended,
        })
    }

    /// Parses a command APDU; every byte of `bytes` must belong to it.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let (body, (cla, ins, p1, p2)) =
            header(bytes).map_err(|_| ApduError::TooShort { len: bytes.len() })?;
        let (data, ne, extended) = body_fields(body)?;
        Ok(Self {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            ne,
            extended,
        })
    }

    /// Appends the encoded APDU to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        // Lengths were range-checked on construction, so the truncating casts below are exact.
        if self.extended {
            out.push(0);
            if !self.data.is_empty() {
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                let le = if ne == MAX_EXTENDED_NE { 0 } else { ne as u16 };
                out.extend_from_slice(&le.to_be_bytes());
            }
        } else {
            if !self.data.is_empty() {
                out.push(self.data.len() as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                out.push(if ne == MAX_SHORT_NE { 0 } else { ne as u8 });
            }
        }
    }

    /// The encoded APDU.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len().saturating_add(9));
        self.write_to(&mut out);
        out
    }

    /// The class byte.
    pub fn cla(&self) -> u8 {
        self.cla
    }
    /// The class byte, decoded.
    pub fn class(&self) -> Cla {
        Cla(self.cla)
    }
    /// The instruction byte.
    pub fn ins(&self) -> u8 {
        self.ins
    }
    /// Parameter 1.
    pub fn p1(&self) -> u8 {
        self.p1
    }
    /// Parameter 2.
    pub fn p2(&self) -> u8 {
        self.p2
    }
    /// The command data field.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// Nc, the length of the command data field.
    pub fn nc(&self) -> usize {
        self.data.len()
    }
    /// Ne, the maximum number of response data bytes expected, if Le is present.
    pub fn ne(&self) -> Option<usize> {
        self.ne
    }
    /// Whether the APDU uses the extended length form.
    pub fn is_extended(&self) -> bool {
        self.extended
    }
    /// The ISO 7816-3 case of this APDU.
    pub fn case(&self) -> ApduCase {
        match (self.data.is_empty(), self.ne.is_some(), self.extended) {
            (true, false, _) => ApduCase::Case1,
            (true, true, false) => ApduCase::Case2Short,
            (false, false, false) => ApduCase::Case3Short,
            (false, true, false) => ApduCase::Case4Short,
            (true, true, true) => ApduCase::Case2Extended,
            (false, false, true) => ApduCase::Case3Extended,
            (false, true, true) => ApduCase::Case4Extended,
        }
    }
}

/// The encoded APDU as upper-case hex without separators, e.g. `00A4040000`.
impl fmt::Display for CommandApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_bytes()
            .iter()
            .try_for_each(|b| write!(f, "{b:02X}"))
    }
}

fn header(input: &[u8]) -> IResult<&[u8], (u8, u8, u8, u8)> {
    let (input, cla) = byte(input)?;
    let (input, ins) = byte(input)?;
    let (input, p1) = byte(input)?;
    let (input, p2) = byte(input)?;
    Ok((input, (cla, ins, p1, p2)))
}

fn short_ne(le: u8) -> usize {
    if le == 0 {
        MAX_SHORT_NE
    } else {
        usize::from(le)
    }
}

fn extended_ne(le: u16) -> usize {
    if le == 0 {
        MAX_EXTENDED_NE
    } else {
        usize::from(le)
    }
}

type Body<'a> = (&'a [u8], Option<usize>, bool);

/// Decodes the body after the header following ISO 7816-3 clause 12.1.3.
fn body_fields(body: &[u8]) -> Result<Body<'_>, ApduError> {
    let mismatch = |lc: usize, offset: usize| ApduError::LengthMismatch {
        offset,
        lc,
        body: body.len(),
    };
    let Some((&first, rest)) = body.split_first() else {
        return Ok((&[], None, false));
    };
    if rest.is_empty() {
        return Ok((&[], Some(short_ne(first)), false));
    }
    if first != 0 {
        let lc = usize::from(first);
        let (rest, data) = take_exact(rest, lc).ok_or_else(|| mismatch(lc, 4))?;
        return match rest {
            [] => Ok((data, None, false)),
            [le] => Ok((data, Some(short_ne(*le)), false)),
            _ => Err(mismatch(lc, 4)),
        };
    }
    // First body byte 00 with more bytes: extended length.
    let (rest, len) = be_u16::<_, nom::error::Error<&[u8]>>(rest)
        .map_err(|_| ApduError::Ambiguous { body: body.len() })?;
    if rest.is_empty() {
        return Ok((&[], Some(extended_ne(len)), true));
    }
    if len == 0 {
        return Err(ApduError::ZeroExtendedLc);
    }
    let lc = usize::from(len);
    let (rest, data) = take_exact(rest, lc).ok_or_else(|| mismatch(lc, 5))?;
    match rest {
        [] => Ok((data, None, true)),
        [hi, lo] => Ok((
            data,
            Some(extended_ne(u16::from_be_bytes([*hi, *lo]))),
            true,
        )),
        _ => Err(mismatch(lc, 5)),
    }
}

fn take_exact(input: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    take::<_, _, nom::error::Error<&[u8]>>(n)(input).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn parses_every_case() {
        let cases = [
            ("00A40400", ApduCase::Case1, 0, None),
            ("00B0000000", ApduCase::Case2Short, 0, Some(256)),
            ("00B0000010", ApduCase::Case2Short, 0, Some(16)),
            ("00D6000002AABB", ApduCase::Case3Short, 2, None),
            ("00A4040002AABB00", ApduCase::Case4Short, 2, Some(256)),
            ("00B00000000000", ApduCase::Case2Extended, 0, Some(65536)),
            ("00B0000000012C", ApduCase::Case2Extended, 0, Some(300)),
            ("00D60000000002AABB", ApduCase::Case3Extended, 2, None),
            (
                "00D60000000002AABB0100",
                ApduCase::Case4Extended,
                2,
                Some(256),
            ),
        ];
        for (h, case, nc, ne) in cases {
            let apdu = CommandApdu::parse(&hex(h)).unwrap();
            assert_eq!(apdu.case(), case, "{h}");
            assert_eq!(apdu.nc(), nc, "{h}");
            assert_eq!(apdu.ne(), ne, "{h}");
            assert_eq!(apdu.to_bytes(), hex(h), "{h}");
        }
    }

    #[test]
    fn rejects_malformed_lengths() {
        for h in [
            "",
            "00",
            "00A404",
            "00A4040000",
            "00A404000000000000",
            "00A4040003AABB",
            "00A4040002AABB0000",
            "00A4040000000001",
            "00A404000000",
            "00A4040000000102AABB00",
        ] {
            let bytes = hex(h);
            if bytes.len() == 5 {
                // A 5-byte APDU is always a valid case 2S.
                assert!(CommandApdu::parse(&bytes).is_ok());
                continue;
            }
            assert!(
                CommandApdu::parse(&bytes).is_err(),
                "{h} should be rejected"
            );
        }
        assert_eq!(
            CommandApdu::parse(&hex("00A40400000000AA")),
            Err(ApduError::ZeroExtendedLc)
        );
    }

    #[test]
    fn displays_as_upper_case_hex() {
        let a = CommandApdu::new(0, 0xA4, 4, 0, vec![0xa0, 0x00], Some(256)).unwrap();
        assert_eq!(a.to_string(), "00A4040002A00000");
    }

    #[test]
    fn new_picks_the_shortest_form() {
        let a = CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(256)).unwrap();
        assert_eq!(a.to_bytes(), hex("00B0000000"));
        let a = CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(257)).unwrap();
        assert_eq!(a.to_bytes(), hex("00B00000000101"));
        let a = CommandApdu::new(0, 0xD6, 0, 0, vec![1; 256], None).unwrap();
        assert_eq!(a.case(), ApduCase::Case3Extended);
        assert!(CommandApdu::new(0, 0xD6, 0, 0, vec![1; 65536], None).is_err());
        assert!(CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(0)).is_err());
    }
}
