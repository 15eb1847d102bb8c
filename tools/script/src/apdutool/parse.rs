//! The apdutool script grammar of the Java Card SDK (also read by jCardSim's APDUScriptTool).
//!
//! A script is a sequence of statements, each ended by `;`, with `//` comments to the end of
//! the line. Statements are the commands `powerup`, `powerdown`, `contacted`, `contactless`,
//! `echo "text"`, `delay <ms>`, `output on|off`, `extended on|off` (case-insensitive), and
//! command APDUs written as numbers `<CLA> <INS> <P1> <P2> <LC> [<byte 0> … <byte LC-1>] <LE>`
//! that may span lines. A number is decimal, or hex with a `0x` prefix.

use jcos_apdu::CommandApdu;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while1};
use nom::character::complete::{char, multispace1, not_line_ending};
use nom::combinator::value;
use nom::multi::many0;
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// Longest `delay` jcos accepts, so a typo cannot stall a conformance run.
pub const MAX_DELAY_MS: u64 = 60_000;

/// A parsed apdutool script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The statements in order.
    pub statements: Vec<Statement>,
}

/// One statement and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Line of its first token (1-based).
    pub line: usize,
    /// Column of its first token (1-based).
    pub column: usize,
    /// What it does.
    pub command: Command,
}

/// An apdutool statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `powerup;`: power the card and read its ATR.
    PowerUp,
    /// `powerdown;`: remove power.
    PowerDown,
    /// `contacted;`: use the contacted interface (the only one jcos has).
    Contacted,
    /// `contactless;`: use the contactless interface.
    Contactless,
    /// `echo "text";`: print the text.
    Echo(String),
    /// `delay <ms>;`: pause.
    Delay(u64),
    /// `output on;` / `output off;`: print or suppress the APDU lines.
    Output(bool),
    /// `extended on;` / `extended off;`: allow extended lengths.
    Extended(bool),
    /// A command APDU.
    Apdu(ScriptApdu),
}

/// A command APDU as the script writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptApdu {
    /// The APDU to send.
    pub apdu: CommandApdu,
    /// The LE value written in the script (0 means no response data expected).
    pub le: usize,
}

/// A syntax or range error, with its place.
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

/// White space and `//` comments.
fn trivia(input: &str) -> Res<'_, ()> {
    value(
        (),
        many0(alt((
            value((), multispace1),
            value((), preceded(tag("//"), not_line_ending)),
        ))),
    )
    .parse(input)
}

/// A keyword or number token.
fn word(input: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '_').parse(input)
}

/// A double-quoted string without escapes.
fn quoted(input: &str) -> Res<'_, &str> {
    let (rest, _) = char('"').parse(input)?;
    let (rest, text) = take_till(|c| c == '"').parse(rest)?;
    let (rest, _) = char('"').parse(rest)?;
    Ok((rest, text))
}

/// Maps byte offsets in the source to line and column.
struct Source<'a> {
    text: &'a str,
}

impl<'a> Source<'a> {
    fn position(&self, rest: &str) -> (usize, usize) {
        let offset = self.text.len().saturating_sub(rest.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }

    fn error(&self, at: &str, message: impl Into<String>) -> ParseError {
        let (line, column) = self.position(at);
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// Parses a whole script.
pub fn parse(text: &str) -> Result<Script, ParseError> {
    let src = Source { text };
    let mut rest = text;
    let mut statements = Vec::new();
    let mut extended = false;
    loop {
        rest = skip_trivia(rest);
        if rest.is_empty() {
            break;
        }
        let start = rest;
        let (after, first) = word(rest).map_err(|_| {
            let ch = rest.chars().next().unwrap_or(' ');
            src.error(
                rest,
                format!("unexpected '{ch}'; expected a command or an APDU"),
            )
        })?;
        let (line, column) = src.position(start);
        let (after, command) = if first.starts_with(|c: char| c.is_ascii_digit()) {
            parse_apdu(&src, start, after, extended)?
        } else {
            parse_command(&src, start, first, after)?
        };
        if let Command::Extended(on) = command {
            extended = on;
        }
        statements.push(Statement {
            line,
            column,
            command,
        });
        rest = after;
    }
    Ok(Script { statements })
}

fn skip_trivia(input: &str) -> &str {
    match trivia(input) {
        Ok((rest, ())) => rest,
        Err(_) => input,
    }
}

/// Expects the `;` that ends a statement.
fn end<'a>(src: &Source<'_>, input: &'a str, what: &str) -> Result<&'a str, ParseError> {
    let rest = skip_trivia(input);
    match char::<&str, nom::error::Error<&str>>(';').parse(rest) {
        Ok((rest, _)) => Ok(rest),
        Err(_) => Err(src.error(rest, format!("expected ';' to end {what}"))),
    }
}

fn parse_command<'a>(
    src: &Source<'_>,
    start: &'a str,
    keyword: &str,
    after: &'a str,
) -> Result<(&'a str, Command), ParseError> {
    let lower = keyword.to_ascii_lowercase();
    let simple = match lower.as_str() {
        "powerup" => Some(Command::PowerUp),
        "powerdown" => Some(Command::PowerDown),
        "contacted" => Some(Command::Contacted),
        "contactless" => Some(Command::Contactless),
        _ => None,
    };
    if let Some(command) = simple {
        return Ok((end(src, after, &lower)?, command));
    }
    match lower.as_str() {
        "echo" => {
            let at = skip_trivia(after);
            let (rest, text) =
                quoted(at).map_err(|_| src.error(at, "echo needs a double-quoted string"))?;
            Ok((end(src, rest, "echo")?, Command::Echo(text.to_string())))
        }
        "delay" => {
            let at = skip_trivia(after);
            let (rest, token) =
                word(at).map_err(|_| src.error(at, "delay needs a number of milliseconds"))?;
            let ms = number(token).map_err(|m| src.error(at, m))?;
            if ms > MAX_DELAY_MS {
                return Err(src.error(
                    at,
                    format!("delay of {ms} ms is longer than the {MAX_DELAY_MS} ms allowed"),
                ));
            }
            Ok((end(src, rest, "delay")?, Command::Delay(ms)))
        }
        "output" | "extended" => {
            let at = skip_trivia(after);
            let (rest, token) = word(at).unwrap_or((at, ""));
            let on = match token.to_ascii_lowercase().as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(src.error(at, format!("{lower} needs 'on' or 'off'"))),
            };
            let command = if lower == "output" {
                Command::Output(on)
            } else {
                Command::Extended(on)
            };
            Ok((end(src, rest, &lower)?, command))
        }
        _ => Err(src.error(
            start,
            format!(
                "unknown command '{keyword}' (known: powerup, powerdown, contacted, \
                 contactless, echo, delay, output, extended, or an APDU)"
            ),
        )),
    }
}

/// Value of a decimal or `0x` hex token.
fn number(token: &str) -> Result<u64, String> {
    let parsed = match token
        .strip_prefix("0x")
        .or_else(|| token.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => token.parse::<u64>(),
    };
    parsed.map_err(|_| format!("'{token}' is not a number (decimal, or hex with 0x)"))
}

fn parse_apdu<'a>(
    src: &Source<'_>,
    start: &'a str,
    mut rest: &'a str,
    extended: bool,
) -> Result<(&'a str, Command), ParseError> {
    // Every token with where it starts, for precise range errors.
    let first_len = start.len().saturating_sub(rest.len());
    let mut tokens: Vec<(&'a str, &'a str)> = vec![(start, start.get(..first_len).unwrap_or(""))];
    loop {
        rest = skip_trivia(rest);
        if let Ok((after, _)) = char::<&str, nom::error::Error<&str>>(';').parse(rest) {
            rest = after;
            break;
        }
        if rest.is_empty() {
            return Err(src.error(rest, "the APDU is not ended by ';'"));
        }
        match word(rest) {
            Ok((after, token)) => {
                tokens.push((rest, token));
                rest = after;
            }
            Err(_) => {
                let ch = rest.chars().next().unwrap_or(' ');
                return Err(src.error(rest, format!("unexpected '{ch}' in an APDU")));
            }
        }
    }
    let mut values = Vec::with_capacity(tokens.len());
    for (at, token) in &tokens {
        values.push((*at, number(token).map_err(|m| src.error(at, m))?));
    }
    if values.len() < 6 {
        return Err(src.error(
            start,
            format!(
                "an APDU needs at least CLA INS P1 P2 LC LE (6 numbers), found {}",
                values.len()
            ),
        ));
    }
    let byte_at = |index: usize, name: &str| -> Result<u8, ParseError> {
        let (at, v) = values.get(index).copied().unwrap_or((start, 0));
        u8::try_from(v).map_err(|_| src.error(at, format!("{name} {v:#x} does not fit in a byte")))
    };
    let cla = byte_at(0, "CLA")?;
    let ins = byte_at(1, "INS")?;
    let p1 = byte_at(2, "P1")?;
    let p2 = byte_at(3, "P2")?;
    let (lc_at, lc) = values.get(4).copied().unwrap_or((start, 0));
    let (max_lc, max_le) = if extended {
        (65_535u64, 65_536u64)
    } else {
        (255, 256)
    };
    if lc > max_lc {
        return Err(src.error(
            lc_at,
            format!(
                "LC {lc} is larger than {max_lc}{}",
                if extended {
                    ""
                } else {
                    " (use 'extended on;' for longer data)"
                }
            ),
        ));
    }
    // LC fits in 16 bits here, so it is a valid count.
    let nc = lc as usize;
    let expected_tokens = nc.saturating_add(6);
    if values.len() != expected_tokens {
        return Err(src.error(
            lc_at,
            format!(
                "LC is {nc}, so the APDU needs {nc} data bytes and LE ({expected_tokens} numbers \
                 in all), but it has {} numbers",
                values.len()
            ),
        ));
    }
    let mut data = Vec::with_capacity(nc);
    for index in 5..5 + nc {
        data.push(byte_at(index, "data byte")?);
    }
    let (le_at, le) = values.last().copied().unwrap_or((start, 0));
    if le > max_le {
        return Err(src.error(le_at, format!("LE {le} is larger than {max_le}")));
    }
    let le = le as usize;
    let ne = if le == 0 { None } else { Some(le) };
    let apdu = if extended {
        CommandApdu::with_form(cla, ins, p1, p2, data, ne, true)
    } else {
        CommandApdu::new(cla, ins, p1, p2, data, ne)
    }
    .map_err(|e| src.error(start, format!("not a valid APDU: {e}")))?;
    Ok((rest, Command::Apdu(ScriptApdu { apdu, le })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apdu_bytes(script: &Script, index: usize) -> Vec<u8> {
        match &script.statements[index].command {
            Command::Apdu(a) => a.apdu.to_bytes(),
            other => panic!("not an APDU: {other:?}"),
        }
    }

    #[test]
    fn parses_commands_comments_and_multiline_apdus() {
        let s = parse(
            "// select\npowerup;\nECHO \"hi there\";\n0x80 0x10 0x01 0x02\n  0x02 0x0A 11 // two bytes\n 0x7F;\ndelay 10;output off; output ON;\nextended off;\ncontacted;contactless;\npowerdown;\n",
        )
        .unwrap();
        let commands: Vec<_> = s.statements.iter().map(|s| s.command.clone()).collect();
        assert_eq!(commands[0], Command::PowerUp);
        assert_eq!(commands[1], Command::Echo("hi there".into()));
        assert_eq!(
            apdu_bytes(&s, 2),
            vec![0x80, 0x10, 1, 2, 2, 0x0A, 0x0B, 0x7F]
        );
        assert_eq!((s.statements[2].line, s.statements[2].column), (4, 1));
        assert_eq!(commands[3], Command::Delay(10));
        assert_eq!(commands[4], Command::Output(false));
        assert_eq!(commands[5], Command::Output(true));
        assert_eq!(commands[6], Command::Extended(false));
        assert_eq!(commands[7], Command::Contacted);
        assert_eq!(commands[8], Command::Contactless);
        assert_eq!(commands[9], Command::PowerDown);
    }

    #[test]
    fn encodes_each_case_like_the_sdk() {
        // LC 0, LE 0: case 1. LC 0, LE n: case 2. LC n, LE 0: case 3. Both: case 4.
        let s = parse("0 0xA4 4 0 0 0;0 0xB0 0 0 0 0x10;0 0xD6 0 0 1 0xAA 0;0 1 2 3 1 5 0x7F;")
            .unwrap();
        assert_eq!(apdu_bytes(&s, 0), vec![0, 0xA4, 4, 0]);
        assert_eq!(apdu_bytes(&s, 1), vec![0, 0xB0, 0, 0, 0x10]);
        assert_eq!(apdu_bytes(&s, 2), vec![0, 0xD6, 0, 0, 1, 0xAA]);
        assert_eq!(apdu_bytes(&s, 3), vec![0, 1, 2, 3, 1, 5, 0x7F]);
    }

    #[test]
    fn extended_mode_allows_long_fields() {
        let s = parse("extended on;\n0x80 0x02 0 0 0 0x0800;").unwrap();
        assert_eq!(apdu_bytes(&s, 1), vec![0x80, 2, 0, 0, 0, 0x08, 0x00]);
        let err = parse("0x80 0x02 0 0 0 0x0800;").unwrap_err();
        assert_eq!((err.line, err.column), (1, 17));
        assert!(err.message.contains("LE 2048 is larger than 256"), "{err}");
    }

    #[test]
    fn reports_malformed_input_with_line_and_column() {
        let cases: &[(&str, usize, usize, &str)] = &[
            (
                "powerup;\n0x00 0xA4 0x04 0x00;",
                2,
                1,
                "at least CLA INS P1 P2 LC LE",
            ),
            (
                "powerup;\n0x00 0xA4 0x04 0x00 0x02 0x01 0x7F;",
                2,
                21,
                "LC is 2",
            ),
            ("powerup\n0x00;", 2, 1, "expected ';' to end powerup"),
            (
                "\n  0x00 0xA4 0x04 0x00 0x00 0xGG;",
                2,
                28,
                "'0xGG' is not a number",
            ),
            ("0x100 0 0 0 0 0;", 1, 1, "CLA 0x100 does not fit"),
            ("0 0 0 0 1 300 0;", 1, 11, "data byte 0x12c does not fit"),
            ("reboot;", 1, 1, "unknown command 'reboot'"),
            ("echo hi;", 1, 6, "double-quoted string"),
            ("output maybe;", 1, 8, "'on' or 'off'"),
            ("delay 600000;", 1, 7, "longer than"),
            ("0 0 0 0 0 0", 1, 12, "not ended by ';'"),
            ("0 0 0 0 0 0 $;", 1, 13, "unexpected '$'"),
            ("powerup;\n\n   ;", 3, 4, "unexpected ';'"),
        ];
        for (text, line, column, needle) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!((err.line, err.column), (*line, *column), "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn arbitrary_text_never_panics() {
        for text in [
            "",
            ";",
            "\"",
            "0x",
            "echo \"",
            "//",
            "é;0x80",
            "0 0 0 0 0xFFFFFFFFFFFFFFFFFF 0;",
        ] {
            let _ = parse(text);
        }
    }
}
