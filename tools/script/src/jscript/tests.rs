use super::*;
use crate::testing::ScriptedCard;
use std::path::PathBuf;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run_text(text: &str, card: &mut ScriptedCard) -> (Result<(), Failure>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "case.rhai", text);
    let mut out = Vec::new();
    let result = run(&file, card, &mut out, Limits::default());
    (result, String::from_utf8(out).unwrap())
}

const SELECT: &str = "00A4040005F000000001";

#[test]
fn sends_and_checks_responses() {
    let mut card = ScriptedCard::with(&[(SELECT, "6A82"), ("80CA9F7F00", "0102039000")]);
    let (result, out) = run_text(
        r#"
let r = send("00A4 0400 05 F000000001");
expect_sw(r, 0x6A82);
if r.sw1 != 0x6A || r.sw2 != 0x82 || r.len != 0 { throw "sw bytes"; }
let d = send_expect("80CA9F7F00", "01XX03 9000");
if d.data != "010203" || d.bytes.len() != 3 || len(d) != 3 { throw "data"; }
expect(SELECT_AGAIN, "6A82");
expect_match(unhex("80CA9F7F00"), "^01.*9000$");
print(`atr ${power_on()}`);
"#
        .replace("SELECT_AGAIN", &format!("\"{SELECT}\""))
        .as_str(),
        &mut card,
    );
    assert_eq!(result, Ok(()), "{out}");
    assert!(out.contains(">> 00A4040005F000000001\n<< 6A82 ("), "{out}");
    assert!(out.contains("atr 3B00"), "{out}");
    assert_eq!(card.sent.len(), 4);
}

#[test]
fn a_failed_expect_names_file_line_expected_and_actual() {
    let mut card = ScriptedCard::with(&[(SELECT, "6A82")]);
    let (result, _) = run_text(
        "let aid = \"F000000001\";\n\nlet r = send(\"00A40400\" + lc(aid) + aid);\nexpect(r, \"9000\");\nprint(\"not reached\");\n",
        &mut card,
    );
    let failure = result.unwrap_err();
    let at = failure.location.clone().unwrap();
    assert!(at.file.ends_with("case.rhai"));
    assert_eq!((at.line, at.column), (4, Some(1)));
    assert!(
        failure
            .message
            .starts_with("response to >> 00A4040005F000000001 does not match"),
        "{failure}"
    );
    assert!(
        failure.message.contains("expected: 90 00\nactual:   6A 82"),
        "{failure}"
    );
}

#[test]
fn expect_sw_and_expect_match_explain_themselves() {
    let mut card = ScriptedCard::default();
    let (result, _) = run_text("expect_sw(\"00B0000000\", 0x9000);", &mut card);
    let message = result.unwrap_err().message;
    assert!(message.contains("expected SW 9000"), "{message}");
    assert!(message.contains("got 6D00"), "{message}");
    let (result, _) = run_text("\n\nexpect_match(\"00B0000000\", \"^90\");", &mut card);
    let failure = result.unwrap_err();
    assert_eq!(failure.location.unwrap().line, 3);
    assert!(
        failure.message.contains("matching /^90/\nactual:   6D00"),
        "{}",
        failure.message
    );
}

#[test]
fn failures_in_included_functions_name_the_library_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    write(
        dir.path(),
        "lib/_helpers.rhai",
        "// helpers\nconst OK = 0x9000;\nfn select(aid) {\n    let r = send(\"00A40400\" + lc(aid) + aid);\n    expect_sw(r, 0x9000);\n    r\n}\n",
    );
    let main = write(
        dir.path(),
        "main.rhai",
        "include(\"lib/_helpers.rhai\");\nlet ok = OK;\n\nselect(\"F000000001\");\n",
    );
    let mut card = ScriptedCard::default();
    let failure = run(&main, &mut card, &mut Vec::new(), Limits::default()).unwrap_err();
    let at = failure.location.clone().unwrap();
    assert!(at.file.ends_with("lib/_helpers.rhai"), "{failure}");
    assert_eq!(at.line, 5, "{failure}");
    assert!(failure.message.contains("expected SW 9000"), "{failure}");
    assert!(
        failure.message.contains("in select(), called at"),
        "{failure}"
    );
    assert!(failure.message.contains("main.rhai:4"), "{failure}");
}

#[test]
fn includes_share_variables_both_ways_and_run_in_place() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "_a.rhai",
        "let from_a = before + 1;\nfn twice(x) { x * 2 }\n",
    );
    let main = write(
        dir.path(),
        "main.rhai",
        "let before = 20;\ninclude(\"_a.rhai\");\nif twice(from_a) != 42 { throw \"shared\"; }\nprint(\"ok\");\n",
    );
    let mut out = Vec::new();
    run(
        &main,
        &mut ScriptedCard::default(),
        &mut out,
        Limits::default(),
    )
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "ok\n");
}

#[test]
fn include_cycles_and_misplaced_includes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "_a.rhai", "include(\"_b.rhai\");\n");
    write(dir.path(), "_b.rhai", "\ninclude(\"_a.rhai\");\n");
    let main = write(dir.path(), "main.rhai", "include(\"_a.rhai\");\n");
    let failure = check(&main).unwrap_err();
    assert!(failure.message.starts_with("include cycle: "), "{failure}");
    assert!(failure.message.contains("_a.rhai -> "), "{failure}");
    let at = failure.location.unwrap();
    assert!(at.file.ends_with("_b.rhai"));
    assert_eq!(at.line, 2);

    let nested = write(
        dir.path(),
        "nested.rhai",
        "let c = 1;\nif c > 0 {\n  include(\"_a.rhai\");\n}\n",
    );
    let failure = run(
        &nested,
        &mut ScriptedCard::default(),
        &mut Vec::new(),
        Limits::default(),
    )
    .unwrap_err();
    assert_eq!(failure.location.unwrap().line, 3);
    assert!(failure.message.contains("top level"), "{}", failure.message);

    let missing = write(dir.path(), "missing.rhai", "\n\ninclude(\"nope.rhai\");\n");
    let failure = check(&missing).unwrap_err();
    assert_eq!(failure.location.unwrap().line, 3);
    assert!(failure.message.contains("nope.rhai"), "{}", failure.message);
}

#[test]
fn syntax_errors_give_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.rhai", "let x = 1;\nlet = 2;\n");
    let failure = check(&file).unwrap_err();
    let at = failure.location.unwrap();
    assert_eq!((at.line, at.column), (2, Some(5)));
    assert!(
        failure.message.starts_with("syntax error"),
        "{}",
        failure.message
    );
}

#[test]
fn endless_loops_and_recursion_fail_cleanly() {
    let limits = Limits {
        max_operations: 100_000,
        max_call_levels: 16,
    };
    let dir = tempfile::tempdir().unwrap();
    let looping = write(dir.path(), "loop.rhai", "let i = 0;\nloop { i += 1; }\n");
    let failure = run(
        &looping,
        &mut ScriptedCard::default(),
        &mut Vec::new(),
        limits,
    )
    .unwrap_err();
    assert!(
        failure.message.contains("more than 100000 operations"),
        "{failure}"
    );
    let recursive = write(dir.path(), "rec.rhai", "fn f(n) { f(n + 1) }\nf(0);\n");
    let failure = run(
        &recursive,
        &mut ScriptedCard::default(),
        &mut Vec::new(),
        limits,
    )
    .unwrap_err();
    assert!(failure.message.contains("nest too deeply"), "{failure}");
}

#[test]
fn caught_assertions_still_fail_the_script() {
    let (result, _) = run_text(
        "try { expect_sw(\"00B0000000\", 0x9000); } catch (e) { print(\"caught\"); }",
        &mut ScriptedCard::default(),
    );
    let message = result.unwrap_err().message;
    assert!(message.contains("caught the error"), "{message}");
    assert!(message.contains("expected SW 9000"), "{message}");
}

#[test]
fn hex_helpers() {
    let (result, out) = run_text(
        r#"
print(hex(unhex("0a 0B")));
print(concat("00A4", "0400"));
print(hex(concat(unhex("01"), unhex("02"))));
print(xor("0F0F", "FF00"));
print(hex(xor(unhex("01"), unhex("03"))));
print(u8(127) + u16be(258));
print(lc("A0000000"));
print(hex_len("A0 00 00"));
print(sw_meaning(0x6A82));
"#,
        &mut ScriptedCard::default(),
    );
    assert_eq!(result, Ok(()));
    assert_eq!(
        out,
        "0A0B\n00A40400\n0102\nF00F\n02\n7F0102\n04\n3\nfile or application not found\n"
    );
    for bad in [
        "unhex(\"0G\")",
        "xor(\"01\", \"0102\")",
        "u8(256)",
        "u16be(-1)",
        "lc(\"\")",
        "send(\"\")",
        "send(5)",
    ] {
        let (result, _) = run_text(bad, &mut ScriptedCard::default());
        let failure = result.unwrap_err();
        assert_eq!(
            failure.location.as_ref().map(|l| l.line),
            Some(1),
            "{bad}: {failure}"
        );
    }
}

#[test]
fn power_functions_reach_the_card() {
    let mut card = ScriptedCard::default();
    let (result, out) = run_text("power_off();\nprint(reset());\n", &mut card);
    assert_eq!(result, Ok(()));
    assert_eq!(out, "3B00\n");
    assert_eq!(card.resets, 1);
}

#[test]
fn tear_after_cuts_the_power_during_a_write_and_the_card_recovers() {
    let aid = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x02, 0x01, 0x01];
    let mut card = jcos_cos::Card::new(jcos_cos::CardConfig::default());
    card.load_package(include_bytes!("../../../../applets/counter/counter.cap"))
        .unwrap();
    card.install_applet(&jcos_cos::InstallRequest::new(&aid, &aid, &[]))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let select = "00A4040008F04A434F53020101";
    // The counter's INCREMENT makes one persistent write: torn, it does not happen.
    let file = write(
        dir.path(),
        "tear.rhai",
        &format!(
            "send_expect(\"{select}\", \"9000\");\n\
             send_expect(\"8002000002\", \"0001 9000\");\n\
             tear_after(0, \"8002000002\");\n\
             send_expect(\"{select}\", \"9000\");\n\
             send_expect(\"8001000002\", \"0001 9000\");\n\
             tear_after(0, \"8001000002\");\n"
        ),
    );
    let mut out = Vec::new();
    let result = run(&file, &mut card, &mut out, Limits::default());
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("tear 0 8002000002\n<< (power lost)"), "{out}");
    // GET writes nothing, so it answers before any tear: the last line fails.
    let failure = result.unwrap_err();
    assert_eq!(
        failure.location.as_ref().map(|l| l.line),
        Some(6),
        "{failure}"
    );
    assert!(
        failure.to_string().contains("answered 00019000"),
        "{failure}"
    );
    // A card of another process cannot be torn.
    let mut scripted = ScriptedCard::with(&[]);
    let (result, _) = run_text("tear_after(1, \"8002000002\");", &mut scripted);
    assert!(result.unwrap_err().to_string().contains("tear failed"));
}
