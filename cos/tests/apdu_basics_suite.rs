//! Runs the `conformance/apdu-basics` session files against the card, each on a fresh card of
//! the protocol `suite.toml` gives it, so the crate checks the suite it is specified by.

use jcos_cos::{Card, CardConfig, Protocol};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Suite {
    #[serde(default)]
    card: CardSection,
    #[serde(default, rename = "override")]
    overrides: Vec<Override>,
}

#[derive(Deserialize, Default)]
struct CardSection {
    protocol: Option<String>,
}

#[derive(Deserialize)]
struct Override {
    glob: String,
    protocol: Option<String>,
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/apdu-basics")
}

fn protocol(name: &str) -> Protocol {
    match name {
        "t0" => Protocol::T0,
        "t1" => Protocol::T1,
        other => panic!("suite.toml: unknown protocol {other:?}"),
    }
}

/// Shell-style matching with `*` (any run) and `?` (any one character).
fn glob_matches(pattern: &[char], text: &[char]) -> bool {
    match (pattern.split_first(), text.split_first()) {
        (None, None) => true,
        (Some(('*', rest)), _) => {
            glob_matches(rest, text) || (!text.is_empty() && glob_matches(pattern, &text[1..]))
        }
        (Some(('?', rest)), Some((_, text_rest))) => glob_matches(rest, text_rest),
        (Some((p, rest)), Some((t, text_rest))) => p == t && glob_matches(rest, text_rest),
        _ => false,
    }
}

fn protocol_for(suite: &Suite, file_name: &str) -> Protocol {
    let name: Vec<char> = file_name.chars().collect();
    let mut chosen = protocol(suite.card.protocol.as_deref().unwrap_or("t1"));
    for o in &suite.overrides {
        let pattern: Vec<char> = o.glob.chars().collect();
        if glob_matches(&pattern, &name) {
            if let Some(p) = &o.protocol {
                chosen = protocol(p);
            }
        }
    }
    chosen
}

/// One directive of a session file, with its line number.
enum Step {
    Send(usize, Vec<u8>),
    Expect(usize, Vec<Option<u8>>),
    Reset,
}

fn decode_hex(text: &str, line: usize, masks: bool) -> Result<Vec<Option<u8>>, String> {
    let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(format!("line {line}: odd number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s: String = pair.iter().collect();
            if masks && s.eq_ignore_ascii_case("XX") {
                Ok(None)
            } else {
                u8::from_str_radix(&s, 16)
                    .map(Some)
                    .map_err(|_| format!("line {line}: {s:?} is not a hex byte"))
            }
        })
        .collect()
}

fn parse_session(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        if let Some(hex) = content.strip_prefix(">>") {
            let bytes = decode_hex(hex, line, false)?
                .into_iter()
                .flatten()
                .collect();
            steps.push(Step::Send(line, bytes));
        } else if let Some(hex) = content.strip_prefix("<<") {
            steps.push(Step::Expect(line, decode_hex(hex, line, true)?));
        } else if content == "reset" {
            steps.push(Step::Reset);
        } else {
            return Err(format!("line {line}: unsupported directive {content:?}"));
        }
    }
    Ok(steps)
}

fn show(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn show_expected(bytes: &[Option<u8>]) -> String {
    bytes
        .iter()
        .map(|b| b.map_or_else(|| "XX".to_string(), |b| format!("{b:02X}")))
        .collect()
}

/// Runs one session; returns the first mismatch as text.
fn run_session(steps: &[Step], protocol: Protocol) -> Result<usize, String> {
    let mut card = Card::new(CardConfig { protocol });
    card.power_on();
    let mut last: Option<(usize, Vec<u8>, Vec<u8>)> = None;
    let mut checked = 0;
    for step in steps {
        match step {
            Step::Send(line, apdu) => {
                let response = card.transmit(apdu);
                last = Some((*line, apdu.clone(), response));
            }
            Step::Expect(line, expected) => {
                let Some((sent_line, apdu, actual)) = last.take() else {
                    return Err(format!("line {line}: `<<` without a preceding `>>`"));
                };
                let matches = expected.len() == actual.len()
                    && expected
                        .iter()
                        .zip(&actual)
                        .all(|(e, a)| e.is_none_or(|e| e == *a));
                if !matches {
                    return Err(format!(
                        "line {sent_line}: >> {}\n  expected (line {line}): {}\n  actual: {}",
                        show(&apdu),
                        show_expected(expected),
                        show(&actual)
                    ));
                }
                checked += 1;
            }
            Step::Reset => {
                card.reset();
            }
        }
    }
    Ok(checked)
}

#[test]
fn apdu_basics_suite_passes() {
    let dir = suite_dir();
    let suite: Suite = toml::from_str(&std::fs::read_to_string(dir.join("suite.toml")).unwrap())
        .expect("suite.toml parses");
    let mut sessions: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "session"))
        .collect();
    sessions.sort();
    assert!(
        sessions.len() >= 36,
        "only {} session files",
        sessions.len()
    );

    let mut failures = Vec::new();
    for path in &sessions {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.starts_with('#'),
            "{name}: must open with a comment saying what it checks"
        );
        let protocol = protocol_for(&suite, &name);
        if name.starts_with("t0-") {
            assert_eq!(protocol, Protocol::T0, "{name} must run on a T=0 card");
        }
        match parse_session(&text).and_then(|steps| run_session(&steps, protocol)) {
            Ok(0) => failures.push(format!("{name}: checks nothing")),
            Ok(_) => {}
            Err(e) => failures.push(format!("{name} ({protocol:?}) {e}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn glob_matching() {
    let m = |p: &str, t: &str| {
        glob_matches(
            &p.chars().collect::<Vec<_>>(),
            &t.chars().collect::<Vec<_>>(),
        )
    };
    assert!(m("t0-*", "t0-get-response.session"));
    assert!(!m("t0-*", "case1.session"));
    assert!(m("*.session", "a.session"));
    assert!(m("t?-*", "t1-x"));
    assert!(!m("t0-*", "xt0-a"));
}

#[test]
fn a_wrong_expectation_is_reported_with_both_values() {
    let steps = parse_session(">> 00CA5F5200\n<< 9000\n").unwrap();
    let err = run_session(&steps, Protocol::T1).unwrap_err();
    assert!(err.contains("expected (line 2): 9000"), "{err}");
    assert!(err.contains("actual: 80546A636F73"), "{err}");
}
