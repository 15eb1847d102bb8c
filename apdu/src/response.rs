use crate::error::ApduError;
use crate::sw::StatusWord;

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
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}
