use super::*;
use crate::testing::ScriptedCard;
use std::path::Path;

/// The example script and result published in jCardSim's quick start guide, whose output
/// it states matches the Java Card SDK's apdutool. The card's answers are those the result
/// shows; the test checks that jcos prints them in exactly that form.
#[test]
fn output_matches_the_published_apdutool_sample() {
    let script = "// CREATE APPLET CMD
0x80 0xb8 0x00 0x00 0x10 0x9 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x8 0x09 0x05 0x00 0x00 0x02 0xF 0xF 0x7f;
// SELECT APPLET CMD
0x00 0xa4 0x00 0x00 0x09 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x8 0x09 0x2;
// TEST NOP
0x01 0x02 0x00 0x00 0x00 0x2;
// test hello world from card
0x01 0x01 0x00 0x00 0x00 0x0d;
// test echo
0x01 0x01 0x01 0x00 0x0d 0x48 0x65 0x6c 0x6c 0x6f 0x20 0x77 0x6f 0x72 0x6c 0x64 0x20 0x21 0x0d;
";
    let published = "CLA: 80, INS: b8, P1: 00, P2: 00, Lc: 10, 09, 01, 02, 03, 04, 05, 06, 07, 08, 09, 05, 00, 00, 02, 0f, 0f, Le: 09, 01, 02, 03, 04, 05, 06, 07, 08, 09, SW1: 90, SW2: 00
CLA: 00, INS: a4, P1: 00, P2: 00, Lc: 09, 01, 02, 03, 04, 05, 06, 07, 08, 09, Le: 00, SW1: 90, SW2: 00
CLA: 01, INS: 02, P1: 00, P2: 00, Lc: 00, Le: 00, SW1: 90, SW2: 00
CLA: 01, INS: 01, P1: 00, P2: 00, Lc: 00, Le: 0d, 48, 65, 6c, 6c, 6f, 20, 77, 6f, 72, 6c, 64, 20, 21, SW1: 90, SW2: 00
CLA: 01, INS: 01, P1: 01, P2: 00, Lc: 0d, 48, 65, 6c, 6c, 6f, 20, 77, 6f, 72, 6c, 64, 20, 21, Le: 0d, 48, 65, 6c, 6c, 6f, 20, 77, 6f, 72, 6c, 64, 20, 21, SW1: 90, SW2: 00
";
    let hello = "48656C6C6F20776F726C642021";
    let mut card = ScriptedCard::with(&[
        (
            "80B8000010090102030405060708090500000 20F0F7F",
            "0102030405060708099000",
        ),
        ("00A4000009010203040506070809 02", "9000"),
        ("0102000002", "9000"),
        ("010100000D", &format!("{hello}9000")),
        (&format!("010101000D{hello}0D"), &format!("{hello}9000")),
    ]);
    let parsed = parse(script).unwrap();
    let mut out = Vec::new();
    let lines = run(&parsed, Path::new("hello.scr"), &mut card, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), published);
    assert_eq!(compare_expected(published, &lines), Ok(()));
    assert_eq!(card.sent.len(), 5);
}

/// The output of the SDK's own apdutool quoted in a user's report: SELECT of the installer
/// and of an applet that is not there.
#[test]
fn output_matches_an_sdk_transcript() {
    let script = "powerup;
// Select the installer applet
0x00 0xA4 0x04 0x00 0x09 0xa0 0x00 0x00 0x00 0x62 0x03 0x01 0x08 0x01 0x7F;
// Select digest applet
0x00 0xA4 0x04 0x00 0x0a 0xa0 0x00 0x00 0x00 0x62 0x03 0x01 0x0c 0x04 0x01 0x7F;
powerdown;
";
    let sdk_output = "Received ATR = 0x3b 0xf0 0x11 0x00 0xff 0x00
CLA: 00, INS: a4, P1: 04, P2: 00, Lc: 09, a0, 00, 00, 00, 62, 03, 01, 08, 01, Le: 00, SW1: 90, SW2: 00
CLA: 00, INS: a4, P1: 04, P2: 00, Lc: 0a, a0, 00, 00, 00, 62, 03, 01, 0c, 04, 01, Le: 00, SW1: 6d, SW2: 00
";
    let mut card = ScriptedCard::with(&[("00A4040009A00000006203010801 7F", "9000")]);
    let mut out = Vec::new();
    let lines = run(
        &parse(script).unwrap(),
        Path::new("s.scr"),
        &mut card,
        &mut out,
    )
    .unwrap();
    assert_eq!(lines[0], "Received ATR = 0x3b 0x00");
    assert_eq!(compare_expected(sdk_output, &lines), Ok(()));
    assert!(!card.powered);
}

#[test]
fn output_off_hides_exchanges_and_echo() {
    let script =
        "echo \"start\";output off;0 0xCA 0 0 0 0;echo \"hidden\";output on;0 0xCA 0 0 0 0;";
    let mut card = ScriptedCard::default();
    let mut out = Vec::new();
    let lines = run(
        &parse(script).unwrap(),
        Path::new("s.scr"),
        &mut card,
        &mut out,
    )
    .unwrap();
    assert_eq!(
        lines,
        vec![
            "start",
            "OUTPUT OFF;",
            "OUTPUT ON;",
            "CLA: 00, INS: ca, P1: 00, P2: 00, Lc: 00, Le: 00, SW1: 6d, SW2: 00"
        ]
    );
    assert_eq!(card.sent.len(), 2);
}

#[test]
fn a_wrong_expected_output_gives_a_line_diff() {
    let mut card = ScriptedCard::default();
    let lines = run(
        &parse("0 0xCA 0 0 0 0;").unwrap(),
        Path::new("s.scr"),
        &mut card,
        &mut Vec::new(),
    )
    .unwrap();
    let diff = compare_expected(
        "CLA: 00, INS: ca, P1: 00, P2: 00, Lc: 00, Le: 00, SW1: 90, SW2: 00\n",
        &lines,
    )
    .unwrap_err();
    assert_eq!(
        diff,
        "@@ expected line 1 @@\n- CLA: 00, INS: ca, P1: 00, P2: 00, Lc: 00, Le: 00, SW1: 90, SW2: 00\n+ CLA: 00, INS: ca, P1: 00, P2: 00, Lc: 00, Le: 00, SW1: 6d, SW2: 00\n"
    );
}
