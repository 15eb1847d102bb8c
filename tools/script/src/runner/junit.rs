//! JUnit XML, the report format CI systems read.
//!
//! Written by hand: the document has one fixed shape (`testsuites` / `testsuite` /
//! `testcase` with `failure` or `skipped`) and needs only attribute and text escaping, which
//! is smaller and easier to audit than a dependency on an XML library.

use super::{CaseStatus, Summary};
use std::io::{self, Write};

/// Escapes text for XML attribute values and character data. Characters XML 1.0 forbids
/// (control characters other than tab, newline and carriage return) are written as `\u{..}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes the summary as JUnit XML.
pub fn write_junit(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let total_time: f64 = summary
        .suites
        .iter()
        .flat_map(|s| &s.results)
        .map(|r| r.duration.as_secs_f64())
        .sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="jcos conformance" tests="{}" failures="{}" errors="0" skipped="{}" time="{:.3}">"#,
        summary.passed() + summary.failed() + summary.skipped(),
        summary.failed(),
        summary.skipped(),
        total_time
    )?;
    for suite in &summary.suites {
        let time: f64 = suite.results.iter().map(|r| r.duration.as_secs_f64()).sum();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}" time="{:.3}">"#,
            escape(&suite.name),
            suite.results.len(),
            suite.failed(),
            suite.skipped(),
            time
        )?;
        for r in &suite.results {
            let open = format!(
                r#"    <testcase name="{}" classname="{}" file="{}" time="{:.3}""#,
                escape(&r.name),
                escape(&suite.name),
                escape(&r.file.display().to_string()),
                r.duration.as_secs_f64()
            );
            let message = r.message.as_deref().unwrap_or("");
            let first_line = message.lines().next().unwrap_or("");
            match r.status {
                CaseStatus::Passed => writeln!(out, "{open}/>")?,
                CaseStatus::Failed => {
                    writeln!(out, "{open}>")?;
                    writeln!(
                        out,
                        r#"      <failure message="{}">{}</failure>"#,
                        escape(first_line),
                        escape(message)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
                CaseStatus::Skipped => {
                    writeln!(out, "{open}>")?;
                    writeln!(out, r#"      <skipped message="{}"/>"#, escape(message))?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\\u{1}\n"
        );
    }
}
