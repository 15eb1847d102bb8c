//! Expected responses written as hex where `XX` matches any byte, and readable reports of
//! how an actual response differs from one.

use std::fmt::Write as _;

/// One byte of an expected response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternByte {
    /// Exactly this value.
    Exact(u8),
    /// Any value (`XX`).
    Any,
}

/// An expected response: data then SW1 SW2, each byte exact or `XX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HexPattern {
    bytes: Vec<PatternByte>,
}

/// Why text is not a hex pattern; `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct PatternError {
    /// Column of the offending character (1-based).
    pub column: usize,
    /// What is wrong there.
    pub message: String,
}

impl HexPattern {
    /// Parses hex digits and `XX` masks; white space is ignored and case does not matter.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let mut bytes = Vec::new();
        let mut pending: Option<(usize, char)> = None;
        for (index, ch) in text.chars().enumerate() {
            let column = index + 1;
            if ch.is_whitespace() {
                if let Some((at, _)) = pending {
                    return Err(PatternError {
                        column: at,
                        message: "a byte needs two hex digits; white space splits this one".into(),
                    });
                }
                continue;
            }
            let is_mask = ch == 'X' || ch == 'x';
            if !is_mask && !ch.is_ascii_hexdigit() {
                return Err(PatternError {
                    column,
                    message: format!("'{ch}' is neither a hex digit nor part of an XX mask"),
                });
            }
            match pending.take() {
                None => pending = Some((column, ch)),
                Some((at, first)) => {
                    let first_mask = first == 'X' || first == 'x';
                    if first_mask != is_mask {
                        return Err(PatternError {
                            column: at,
                            message: format!(
                                "'{first}{ch}' mixes a mask and a digit; write XX or two hex digits"
                            ),
                        });
                    }
                    if is_mask {
                        bytes.push(PatternByte::Any);
                    } else {
                        let hi = first.to_digit(16).unwrap_or(0);
                        let lo = ch.to_digit(16).unwrap_or(0);
                        // Both digits are below 16, so the value fits a byte.
                        bytes.push(PatternByte::Exact(((hi << 4) | lo) as u8));
                    }
                }
            }
        }
        if let Some((at, _)) = pending {
            return Err(PatternError {
                column: at,
                message: "odd number of hex digits; every byte needs two".into(),
            });
        }
        Ok(Self { bytes })
    }

    /// A pattern matching exactly these bytes.
    pub fn exact(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.iter().map(|&b| PatternByte::Exact(b)).collect(),
        }
    }

    /// The pattern's bytes.
    pub fn bytes(&self) -> &[PatternByte] {
        &self.bytes
    }

    /// Whether `actual` has the same length and matches every exact byte.
    pub fn matches(&self, actual: &[u8]) -> bool {
        self.bytes.len() == actual.len()
            && self
                .bytes
                .iter()
                .zip(actual)
                .all(|(p, a)| matches!(p, PatternByte::Any) || *p == PatternByte::Exact(*a))
    }

    /// The pattern as upper-case hex with `XX` masks.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(self.bytes.len() * 2);
        for b in &self.bytes {
            match b {
                PatternByte::Exact(v) => {
                    let _ = write!(s, "{v:02X}");
                }
                PatternByte::Any => s.push_str("XX"),
            }
        }
        s
    }

    /// Explains how `actual` differs: both responses as hex with the differing bytes marked,
    /// and the first differing offset. Long responses are shown around the first difference.
    pub fn explain_mismatch(&self, actual: &[u8]) -> String {
        let differs = |i: usize| -> bool {
            match (self.bytes.get(i), actual.get(i)) {
                (Some(PatternByte::Any), Some(_)) => false,
                (Some(PatternByte::Exact(e)), Some(a)) => e != a,
                (None, None) => false,
                _ => true,
            }
        };
        let longest = self.bytes.len().max(actual.len());
        let first = (0..longest).find(|&i| differs(i));
        let mut out = String::new();
        let (start, end) = window(first.unwrap_or(0), longest);
        let prefix = if start > 0 { "… " } else { "" };
        let suffix = if end < longest { " …" } else { "" };
        let mut exp_line = String::from(prefix);
        let mut act_line = String::from(prefix);
        let mut mark_line = " ".repeat(prefix.chars().count());
        for i in start..end {
            let e = match self.bytes.get(i) {
                Some(PatternByte::Exact(v)) => format!("{v:02X}"),
                Some(PatternByte::Any) => "XX".to_string(),
                None => "  ".to_string(),
            };
            let a = match actual.get(i) {
                Some(v) => format!("{v:02X}"),
                None => "  ".to_string(),
            };
            if i > start {
                exp_line.push(' ');
                act_line.push(' ');
                mark_line.push(' ');
            }
            exp_line.push_str(&e);
            act_line.push_str(&a);
            mark_line.push_str(if differs(i) { "^^" } else { "  " });
        }
        exp_line.push_str(suffix);
        act_line.push_str(suffix);
        let _ = writeln!(out, "expected: {}", exp_line.trim_end());
        let _ = writeln!(out, "actual:   {}", act_line.trim_end());
        let _ = write!(out, "          {}", mark_line.trim_end());
        if let Some(i) = first {
            let _ = write!(out, "\nfirst difference at byte {i}");
            if self.bytes.len() != actual.len() {
                let _ = write!(
                    out,
                    "; expected {} bytes, got {}",
                    self.bytes.len(),
                    actual.len()
                );
            } else {
                let _ = write!(out, " of {}", actual.len());
            }
        }
        out
    }
}

/// The byte range shown for a difference at `first` in responses up to `len` bytes long.
fn window(first: usize, len: usize) -> (usize, usize) {
    const WIDTH: usize = 32;
    if len <= WIDTH {
        return (0, len);
    }
    let start = first.saturating_sub(8);
    (start, start.saturating_add(WIDTH).min(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_masks_and_spaces() {
        let p = HexPattern::parse("01 xx 9000").unwrap();
        assert_eq!(
            p.bytes(),
            &[
                PatternByte::Exact(1),
                PatternByte::Any,
                PatternByte::Exact(0x90),
                PatternByte::Exact(0)
            ]
        );
        assert!(p.matches(&[1, 0x55, 0x90, 0]));
        assert!(!p.matches(&[2, 0x55, 0x90, 0]));
        assert!(!p.matches(&[1, 0x55, 0x90]));
        assert_eq!(p.to_hex(), "01XX9000");
    }

    #[test]
    fn rejects_bad_patterns_with_columns() {
        assert_eq!(HexPattern::parse("90 0").unwrap_err().column, 4);
        assert_eq!(HexPattern::parse("9g00").unwrap_err().column, 2);
        assert_eq!(HexPattern::parse("X0").unwrap_err().column, 1);
        assert_eq!(HexPattern::parse("9 000").unwrap_err().column, 1);
    }

    #[test]
    fn explains_the_differing_byte() {
        let p = HexPattern::parse("0102039000").unwrap();
        let text = p.explain_mismatch(&[1, 2, 4, 0x90, 0]);
        assert!(text.contains("expected: 01 02 03 90 00"), "{text}");
        assert!(text.contains("actual:   01 02 04 90 00"), "{text}");
        assert!(text.contains("                ^^"), "{text}");
        assert!(text.contains("first difference at byte 2 of 5"), "{text}");
    }

    #[test]
    fn explains_length_differences_and_long_responses() {
        let p = HexPattern::parse("6A82").unwrap();
        let text = p.explain_mismatch(&[1, 0x90, 0]);
        assert!(text.contains("expected 2 bytes, got 3"), "{text}");
        let long: Vec<u8> = (0..=255u8).collect();
        let mut wrong = long.clone();
        wrong[100] = 0;
        let text = HexPattern::exact(&long).explain_mismatch(&wrong);
        assert!(
            text.contains("first difference at byte 100 of 256"),
            "{text}"
        );
        assert!(text.starts_with("expected: … 5C"), "{text}");
    }
}
