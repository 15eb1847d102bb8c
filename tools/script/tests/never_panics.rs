//! Script parsers take untrusted text: whatever it is, they answer with a value or an error.

use jcos_script::hexpat::HexPattern;
use jcos_script::{apdutool, session};
use proptest::prelude::*;

/// Text made of the pieces the grammars care about, so the parsers get deep into their rules.
fn script_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "powerup",
        "powerdown",
        "echo",
        "delay",
        "output",
        "extended",
        "on",
        "off",
        ";",
        " ",
        "\n",
        "//",
        "\"",
        "0x",
        "0xFF",
        "0x100",
        "7",
        "00",
        "A4",
        "XX",
        ">>",
        "<<",
        "load",
        "install",
        "reset",
        "#",
        "F04A434F5310",
        "é",
        "\r",
        "\t",
        "99999999999999999999",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn apdutool_parser_never_panics(text in script_like()) {
        let _ = apdutool::parse(&text);
    }

    #[test]
    fn session_parser_never_panics(text in script_like()) {
        let _ = session::parse(&text);
    }

    #[test]
    fn pattern_parser_never_panics(text in "\\PC{0,40}") {
        if let Ok(p) = HexPattern::parse(&text) {
            let _ = p.explain_mismatch(text.as_bytes());
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        let _ = apdutool::parse(&text);
        let _ = session::parse(&text);
    }
}
