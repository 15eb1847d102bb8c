//! Hex text as people type it: `00A4 0400`, `0x00 0xA4`, upper or lower case.

use thiserror::Error;

/// Why a string is not hex.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HexError {
    /// A character that is not a hex digit, with its character offset in the input.
    #[error("'{ch}' at position {pos} is not a hex digit")]
    BadDigit {
        /// The offending character.
        ch: char,
        /// Its position (in characters) in the input.
        pos: usize,
    },
    /// An odd number of hex digits.
    #[error("odd number of hex digits ({digits}); every byte needs two")]
    OddLength {
        /// Digits counted.
        digits: usize,
    },
}

/// Decodes hex, ignoring white space, `:` separators and `0x` prefixes before each byte group.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let mut digits = Vec::with_capacity(text.len());
    let mut chars = text.chars().enumerate().peekable();
    let mut after_separator = true;
    while let Some((pos, ch)) = chars.next() {
        if ch.is_whitespace() || ch == ':' {
            after_separator = true;
            continue;
        }
        let starts_group = after_separator;
        after_separator = false;
        if starts_group && ch == '0' && matches!(chars.peek(), Some((_, 'x' | 'X'))) {
            chars.next();
            continue;
        }
        let value = ch.to_digit(16).ok_or(HexError::BadDigit { ch, pos })?;
        // to_digit(16) is below 16, so the cast is exact.
        digits.push(value as u8);
    }
    if digits.len() % 2 != 0 {
        return Err(HexError::OddLength {
            digits: digits.len(),
        });
    }
    Ok(digits
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => (hi << 4) | lo,
            _ => 0, // chunks_exact(2) yields only pairs
        })
        .collect())
}

/// Encodes bytes as upper-case hex without separators.
pub fn encode(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_spellings() {
        assert_eq!(decode("00A4 0400").unwrap(), vec![0, 0xA4, 4, 0]);
        assert_eq!(decode("0x00 0xa4").unwrap(), vec![0, 0xA4]);
        assert_eq!(decode("de:ad:BE:EF").unwrap(), vec![0xDE, 0xAD, 0xBE, 0xEF]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn rejects_bad_hex_with_position() {
        assert_eq!(decode("zz"), Err(HexError::BadDigit { ch: 'z', pos: 0 }));
        assert_eq!(decode("00 0g"), Err(HexError::BadDigit { ch: 'g', pos: 4 }));
        assert_eq!(decode("abc"), Err(HexError::OddLength { digits: 3 }));
        assert_eq!(decode("10x0"), Err(HexError::BadDigit { ch: 'x', pos: 2 }));
    }

    #[test]
    fn encodes_upper_case() {
        assert_eq!(encode(&[0x6A, 0x82]), "6A82");
    }
}
