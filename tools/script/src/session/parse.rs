//! The session format of `shared/fixtures/README.md`: one directive a line, `#` comments,
//! case-insensitive hex with spaces ignored.
//!
//! ```text
//! load <fixture>
//! install <class-AID> <instance-AID> [<hex>]
//! >> <command APDU>
//! << <response, XX matching any byte>
//! reset
//! tear <N> <command APDU>
//! ```

use crate::hexpat::HexPattern;
use jcos_apdu::hex;
use nom::bytes::complete::{take_till, take_while1};
use nom::character::complete::space0;
use nom::{IResult, Parser};

/// A parsed session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The directives in order.
    pub lines: Vec<Line>,
}

/// One directive and its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Line (1-based) where the directive starts.
    pub number: usize,
    /// The directive.
    pub directive: Directive,
}

/// A session directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// Load the CAP file of a fixture.
    Load(String),
    /// Create an applet instance.
    Install {
        /// Class AID.
        class_aid: Vec<u8>,
        /// Instance AID.
        instance_aid: Vec<u8>,
        /// Application parameters (C9 data).
        params: Vec<u8>,
    },
    /// A command APDU and its expected response.
    Exchange(Exchange),
    /// Power-cycle the card.
    Reset,
    /// Arm a tear after `writes` more persistent writes, send `command`, and require that
    /// the power was cut (no response); the card is then off, as after a power loss.
    Tear {
        /// Persistent writes that complete before the power is cut.
        writes: u64,
        /// The command torn.
        command: Vec<u8>,
    },
}

/// A `>>` line with the `<<` line that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The command APDU.
    pub command: Vec<u8>,
    /// The expected response (data, SW1, SW2).
    pub expected: HexPattern,
    /// Line of the `<<`.
    pub expected_line: usize,
}

/// A malformed session line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// Line (1-based).
    pub line: usize,
    /// Column (1-based, in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

type Res<'a, T> = IResult<&'a str, T>;

fn keyword(input: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphabetic() || c == '>' || c == '<').parse(input)
}

fn field(input: &str) -> Res<'_, &str> {
    let (rest, _) = space0.parse(input)?;
    take_till(|c: char| c.is_whitespace()).parse(rest)
}

/// A directive read from one line, before `>>`/`<<` pairing.
enum Raw {
    Send(Vec<u8>),
    Expect(HexPattern),
    Other(Directive),
}

/// Parses a whole session.
pub fn parse(text: &str) -> Result<Session, ParseError> {
    let mut lines = Vec::new();
    let mut pending: Option<(usize, Vec<u8>)> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let number = index + 1;
        let content = raw_line.split('#').next().unwrap_or("");
        let trimmed_start = content.trim_start();
        if trimmed_start.trim_end().is_empty() {
            continue;
        }
        let indent = content.len() - trimmed_start.len();
        let raw = parse_line(trimmed_start.trim_end()).map_err(|(offset, message)| {
            let col_bytes = indent + offset;
            let column = content.get(..col_bytes).map_or(0, |s| s.chars().count()) + 1;
            ParseError {
                line: number,
                column,
                message,
            }
        })?;
        let directive = match raw {
            Raw::Send(command) => {
                if let Some((at, _)) = pending {
                    return Err(ParseError {
                        line: at,
                        column: 1,
                        message: "'>>' is not followed by its '<<' expected response".into(),
                    });
                }
                pending = Some((number, command));
                continue;
            }
            Raw::Expect(expected) => match pending.take() {
                Some((at, command)) => {
                    lines.push(Line {
                        number: at,
                        directive: Directive::Exchange(Exchange {
                            command,
                            expected,
                            expected_line: number,
                        }),
                    });
                    continue;
                }
                None => {
                    return Err(ParseError {
                        line: number,
                        column: indent + 1,
                        message: "'<<' without a '>>' command before it".into(),
                    })
                }
            },
            Raw::Other(directive) => directive,
        };
        if let Some((at, _)) = pending {
            return Err(ParseError {
                line: at,
                column: 1,
                message: "'>>' is not followed by its '<<' expected response".into(),
            });
        }
        lines.push(Line { number, directive });
    }
    if let Some((at, _)) = pending {
        return Err(ParseError {
            line: at,
            column: 1,
            message: "'>>' is not followed by its '<<' expected response".into(),
        });
    }
    Ok(Session { lines })
}

/// Parses one non-empty line without its comment; errors carry a byte offset into `line`.
fn parse_line(line: &str) -> Result<Raw, (usize, String)> {
    let offset_of = |rest: &str| line.len() - rest.len();
    let (rest, word) = keyword(line).map_err(|_| {
        (
            0,
            "expected a directive: load, install, >>, <<, reset or tear".to_string(),
        )
    })?;
    match word.to_ascii_lowercase().as_str() {
        ">>" => {
            let body = rest.trim_start();
            let bytes = hex::decode(body).map_err(|e| {
                (
                    offset_of(body) + hex_error_offset(body, &e),
                    format!("APDU: {e}"),
                )
            })?;
            // Short and malformed commands are allowed: conformance sessions send them on
            // purpose to check the card's answer.
            if bytes.is_empty() {
                return Err((
                    offset_of(body),
                    "'>>' needs the bytes of a command".to_string(),
                ));
            }
            Ok(Raw::Send(bytes))
        }
        "<<" => {
            let body = rest.trim_start();
            let pattern = HexPattern::parse(body).map_err(|e| {
                (
                    offset_of(body) + e.column.saturating_sub(1),
                    format!("expected response: {}", e.message),
                )
            })?;
            if pattern.bytes().len() < 2 {
                return Err((
                    offset_of(body),
                    "an expected response needs at least SW1 SW2".to_string(),
                ));
            }
            Ok(Raw::Expect(pattern))
        }
        "reset" => {
            if !rest.trim().is_empty() {
                return Err((
                    offset_of(rest.trim_start()),
                    "reset takes no argument".into(),
                ));
            }
            Ok(Raw::Other(Directive::Reset))
        }
        "tear" => {
            let (after, count) = field(rest)
                .map_err(|_| (offset_of(rest), "tear needs a write count".to_string()))?;
            let writes = count.parse::<u64>().map_err(|_| {
                (
                    offset_of(after).saturating_sub(count.len()),
                    format!("tear: '{count}' is not a write count"),
                )
            })?;
            let body = after.trim_start();
            let command = hex::decode(body).map_err(|e| {
                (
                    offset_of(body) + hex_error_offset(body, &e),
                    format!("APDU: {e}"),
                )
            })?;
            if command.is_empty() {
                return Err((
                    offset_of(body),
                    "tear needs the bytes of the command to tear".to_string(),
                ));
            }
            Ok(Raw::Other(Directive::Tear { writes, command }))
        }
        "load" => {
            let (after, name) = field(rest)
                .map_err(|_| (offset_of(rest), "load needs a fixture name".to_string()))?;
            if name.is_empty() {
                return Err((offset_of(rest), "load needs a fixture name".into()));
            }
            if name.contains(['/', '\\']) || name == ".." || name == "." {
                return Err((
                    offset_of(after).saturating_sub(name.len()),
                    format!("'{name}' is not a fixture name"),
                ));
            }
            if !after.trim().is_empty() {
                return Err((
                    offset_of(after.trim_start()),
                    "load takes one fixture name".into(),
                ));
            }
            Ok(Raw::Other(Directive::Load(name.to_string())))
        }
        "install" => {
            let mut fields = Vec::new();
            let mut rest = rest;
            while let Ok((after, f)) = field(rest) {
                if f.is_empty() {
                    break;
                }
                fields.push((offset_of(after).saturating_sub(f.len()), f));
                rest = after;
            }
            if fields.len() < 2 || fields.len() > 3 {
                return Err((
                    offset_of(rest),
                    format!(
                        "install needs <class-AID> <instance-AID> [<hex>], found {} field(s)",
                        fields.len()
                    ),
                ));
            }
            let mut decoded = Vec::new();
            for (i, (at, f)) in fields.iter().enumerate() {
                let bytes =
                    hex::decode(f).map_err(|e| (*at + hex_error_offset(f, &e), e.to_string()))?;
                if i < 2 && !(5..=16).contains(&bytes.len()) {
                    return Err((
                        *at,
                        format!("an AID has 5 to 16 bytes, this has {}", bytes.len()),
                    ));
                }
                decoded.push(bytes);
            }
            let mut decoded = decoded.into_iter();
            Ok(Raw::Other(Directive::Install {
                class_aid: decoded.next().unwrap_or_default(),
                instance_aid: decoded.next().unwrap_or_default(),
                params: decoded.next().unwrap_or_default(),
            }))
        }
        _ => Err((
            0,
            format!("unknown directive '{word}' (expected load, install, >>, << or reset)"),
        )),
    }
}

/// Byte offset in `text` of the character a hex error points at.
fn hex_error_offset(text: &str, error: &hex::HexError) -> usize {
    match error {
        hex::HexError::BadDigit { pos, .. } => text
            .char_indices()
            .nth(*pos)
            .map_or(text.len(), |(offset, _)| offset),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_directive() {
        let s = parse(
            "# header\nload apdu\n  install F04A434F53100101 F04A434F53100102 0100 # params\n>> 00A4 0400 08 F04A434F53100102\n# between\n<< 9000\nreset\n>> 80020000 10\n<< 0001XX03 9000\n",
        )
        .unwrap();
        assert_eq!(s.lines.len(), 5);
        assert_eq!(
            s.lines[0],
            Line {
                number: 2,
                directive: Directive::Load("apdu".into())
            }
        );
        assert_eq!(
            s.lines[1].directive,
            Directive::Install {
                class_aid: vec![0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x01, 0x01],
                instance_aid: vec![0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x01, 0x02],
                params: vec![1, 0],
            }
        );
        let Directive::Exchange(x) = &s.lines[2].directive else {
            panic!()
        };
        assert_eq!(s.lines[2].number, 4);
        assert_eq!(x.expected_line, 6);
        assert_eq!(x.command[..5], [0, 0xA4, 4, 0, 8]);
        assert_eq!(s.lines[3].directive, Directive::Reset);
        let Directive::Exchange(x) = &s.lines[4].directive else {
            panic!()
        };
        assert!(x.expected.matches(&[0, 1, 0x77, 3, 0x90, 0]));
    }

    #[test]
    fn reports_malformed_lines() {
        let cases: &[(&str, usize, usize, &str)] = &[
            (">>\n<< 9000", 1, 3, "needs the bytes"),
            (">> 00A40400\nreset", 1, 1, "not followed by its '<<'"),
            (">> 00A40400", 1, 1, "not followed by its '<<'"),
            ("\n  << 9000", 2, 3, "without a '>>'"),
            (">> 00A40400\n<< 90 0", 2, 7, "odd number"),
            (">> 00A4040Z\n<< 9000", 1, 11, "'Z'"),
            (">> 00A40400\n<< 90", 2, 4, "at least SW1 SW2"),
            ("load", 1, 5, "fixture name"),
            ("load ../etc", 1, 6, "not a fixture name"),
            ("install F04A434F53", 1, 19, "found 1 field"),
            ("install F04A F04A434F5310", 1, 9, "5 to 16 bytes"),
            ("reset now", 1, 7, "no argument"),
            ("select 00", 1, 1, "unknown directive 'select'"),
            ("é", 1, 1, "expected a directive"),
        ];
        for (text, line, column, needle) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!((err.line, err.column), (*line, *column), "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn parses_every_golden_session_shape() {
        // The shape of the shared fixtures' sessions: comments, loads, installs, pairs.
        let text = "# golden\nload ops\ninstall F04A434F53100101 F04A434F53100101\n>> 00A4040008F04A434F53100101\n<< 9000\n";
        assert_eq!(parse(text).unwrap().lines.len(), 3);
    }
}
