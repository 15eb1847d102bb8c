//! How responses are shown to people and to programs.

use jcos_apdu::{hex, ResponseApdu, StatusWord};
use serde::Serialize;

/// One command/response exchange, as printed by `send` and `shell`.
#[derive(Debug, Serialize)]
pub struct Exchange {
    /// The command APDU in hex.
    pub command: String,
    /// The whole response APDU in hex.
    pub response: String,
    /// The response data in hex.
    pub data: String,
    /// The status word, four hex digits.
    pub sw: String,
    /// What ISO 7816-4 says the status word means.
    pub meaning: String,
}

impl Exchange {
    /// Builds the record of one exchange; a response shorter than a status word is shown as is.
    pub fn new(command: &[u8], response: &[u8]) -> Self {
        let (data, sw, meaning) = match ResponseApdu::parse(response) {
            Ok(r) => (
                hex::encode(&r.data),
                r.sw.to_string(),
                r.sw.meaning().to_string(),
            ),
            Err(e) => (hex::encode(response), String::new(), e.to_string()),
        };
        Self {
            command: hex::encode(command),
            response: hex::encode(response),
            data,
            sw,
            meaning,
        }
    }

    /// The two-line text form: `>> command` then `<< data SW (meaning)`.
    pub fn to_text(&self) -> String {
        let mut out = format!(">> {}\n<< ", spaced(&self.command));
        if !self.data.is_empty() {
            out.push_str(&spaced(&self.data));
            out.push(' ');
        }
        out.push_str(&self.sw);
        if !self.meaning.is_empty() {
            out.push_str(&format!("  ({})", self.meaning));
        }
        out
    }
}

/// Hex grouped in blocks of 4 digits for reading, e.g. `00A4 0400 08F0 ...`.
fn spaced(hex: &str) -> String {
    let mut out = String::with_capacity(hex.len() + hex.len() / 4);
    for (i, ch) in hex.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// Status word from a response, for callers that only want the SW.
#[allow(dead_code)]
pub fn status_of(response: &[u8]) -> Option<StatusWord> {
    ResponseApdu::parse(response).ok().map(|r| r.sw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shows_data_sw_and_meaning() {
        let e = Exchange::new(&[0, 0xA4, 4, 0], &[0x01, 0x02, 0x90, 0x00]);
        assert_eq!(e.data, "0102");
        assert_eq!(e.sw, "9000");
        assert!(e.to_text().starts_with(">> 00A4 0400\n<< 0102 9000"));
    }
}
