use crate::error::ApduError;
use crate::sw::StatusWord;
use std::fmt;

/// A response APDU: optional data followed by the status word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseApdu {
    /// The response data field.
    pub data: Vec<u8>,
    /// The trailer.
    pub sw: StatusWord,
}

impl ResponseApdu {
    /// A response with data.
    pub fn new(data: impl Into<Vec<u8>>, sw: StatusWord) -> Self {
        Self {
            data: data.into(),
            sw,
        }
    }
    /// A response with only a status word.
    pub fn status(sw: StatusWord) -> Self {
        Self::new(Vec::new(), sw)
    }
    /// Splits response bytes into data and status word.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        match bytes {
            [data @ .., sw1, sw2] => Ok(Self::new(data, StatusWord::from_bytes(*sw1, *sw2))),
            _ => Err(ApduError::ResponseTooShort { len: bytes.len() }),
        }
    }
    /// Data followed by SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len().saturating_add(2));
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

/// Upper-case hex: the data, a space, then the status word (`6F0A 9000`); only the status
/// word when there is no data.
impl fmt::Display for ResponseApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.data {
            write!(f, "{b:02X}")?;
        }
        if !self.data.is_empty() {
            f.write_str(" ")?;
        }
        write!(f, "{}", self.sw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_data_and_trailer() {
        let r = ResponseApdu::parse(&[0x01, 0x02, 0x90, 0x00]).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert_eq!(r.sw, StatusWord::OK);
        assert_eq!(r.to_bytes(), vec![1, 2, 0x90, 0x00]);
        assert_eq!(
            ResponseApdu::parse(&[0x90]),
            Err(ApduError::ResponseTooShort { len: 1 })
        );
    }

    #[test]
    fn displays_data_then_status_word() {
        assert_eq!(
            ResponseApdu::new(vec![0x6F, 0x0a], StatusWord::OK).to_string(),
            "6F0A 9000"
        );
        assert_eq!(
            ResponseApdu::status(StatusWord::FILE_NOT_FOUND).to_string(),
            "6A82"
        );
    }
}
