//! Comparing apdutool output with an SDK `.scr.expected.out` file.
//!
//! The SDK tool prints lines that depend on the environment it ran in rather than on the
//! card's answers; those are left out of the comparison on both sides:
//!
//! - its banner: a line starting `Java Card` that contains `APDU Tool`, and `Copyright` lines;
//! - its connection messages: lines starting `Opening connection to` and the line `Connected.`;
//! - the answer to reset: lines starting `Received ATR` (each card and simulator has its own).
//!
//! Lines are also compared without trailing white space or carriage returns, and blank lines
//! at the end are ignored.

use crate::diff::line_diff;

/// Whether a line of apdutool output depends on the environment and is not compared.
pub fn is_environment_line(line: &str) -> bool {
    let line = line.trim();
    (line.starts_with("Java Card") && line.contains("APDU Tool"))
        || line.starts_with("Copyright")
        || line.starts_with("Opening connection to")
        || line == "Connected."
        || line.starts_with("Received ATR")
}

fn comparable<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut kept: Vec<&str> = lines
        .map(|l| l.trim_end_matches(['\r', ' ', '\t']))
        .filter(|l| !is_environment_line(l))
        .collect();
    while kept.last().is_some_and(|l| l.is_empty()) {
        kept.pop();
    }
    kept
}

/// Compares actual output lines with the text of an expected-output file; `Err` holds a line
/// diff (`-` expected, `+` actual).
pub fn compare_expected(expected: &str, actual: &[String]) -> Result<(), String> {
    let e = comparable(expected.lines());
    let a = comparable(actual.iter().map(String::as_str));
    let diff = line_diff(&e, &a);
    if diff.is_empty() {
        Ok(())
    } else {
        Err(diff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_banner_connection_and_atr() {
        let expected = "Java Card 3.0.5 APDU Tool, Version 1.0\r\nCopyright (c) 2015 Oracle\nOpening connection to localhost on port 9025.\nConnected.\nReceived ATR = 0x3b 0xf0 0x11 0x00 0xff 0x00 \nCLA: 00, INS: a4, P1: 04, P2: 00, Lc: 00, Le: 00, SW1: 6a, SW2: 82\n\n";
        let actual = vec![
            "Received ATR = 0x3b 0x00".to_string(),
            "CLA: 00, INS: a4, P1: 04, P2: 00, Lc: 00, Le: 00, SW1: 6a, SW2: 82".to_string(),
        ];
        assert_eq!(compare_expected(expected, &actual), Ok(()));
    }

    #[test]
    fn reports_a_diff() {
        let err = compare_expected(
            "CLA: 00, SW1: 90, SW2: 00\n",
            &["CLA: 00, SW1: 6a, SW2: 82".into()],
        )
        .unwrap_err();
        assert!(err.contains("- CLA: 00, SW1: 90, SW2: 00"), "{err}");
        assert!(err.contains("+ CLA: 00, SW1: 6a, SW2: 82"), "{err}");
    }
}
