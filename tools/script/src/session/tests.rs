use super::*;
use crate::loader::ContentLoader;
use crate::testing::ScriptedCard;
use jcos_transport::Transport;
use std::path::{Path, PathBuf};

fn session_in(dir: &Path, fixture: &str, text: &str) -> PathBuf {
    let fixture_dir = dir.join(fixture);
    std::fs::create_dir_all(&fixture_dir).unwrap();
    let path = fixture_dir.join("session");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn passes_when_every_response_matches() {
    let mut card =
        ScriptedCard::with(&[("00A4040005F000000001", "6A82"), ("0070000001", "019000")]);
    let text = "# c\n>> 00A4040005F000000001\n<< 6A82\nreset\n>> 00 70 00 00 01\n<< XX 9000\n";
    let mut out = Vec::new();
    run(
        &parse(text).unwrap(),
        Path::new("s.session"),
        None,
        &mut card,
        None,
        &mut out,
    )
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains(">> 00A4040005F000000001\n<< 6A82 (file or application not found)\nreset\n"),
        "{out}"
    );
    assert_eq!(card.resets, 0, "reset is a power cycle: off, then on");
    assert!(card.powered);
}

#[test]
fn a_mismatch_names_the_line_the_apdu_and_the_byte() {
    let mut card = ScriptedCard::with(&[("0070000001", "019000")]);
    let text = "\n\n>> 0070000001\n<< 02 9000\n";
    let failure = run(
        &parse(text).unwrap(),
        Path::new("s.session"),
        None,
        &mut card,
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(failure.location.as_ref().unwrap().line, 3);
    assert!(
        failure
            .message
            .starts_with("response to >> 0070000001 (expected on line 4) differs"),
        "{failure}"
    );
    assert!(
        failure
            .message
            .contains("expected: 02 90 00\nactual:   01 90 00\n          ^^"),
        "{failure}"
    );
}

#[test]
fn load_without_a_loader_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("apdu")).unwrap();
    std::fs::write(dir.path().join("apdu/apdu.cap"), b"PK").unwrap();
    let path = session_in(
        dir.path(),
        "client",
        "# x\nload apdu\n>> 00A40400\n<< 9000\n",
    );
    let session = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let failure = run(
        &session,
        &path,
        None,
        &mut ScriptedCard::default(),
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(failure.location.as_ref().unwrap().line, 2);
    assert!(
        failure
            .message
            .starts_with("this card cannot load CAP files"),
        "{failure}"
    );
    assert!(failure.message.contains("apdu.cap"), "{failure}");

    let install = parse("install F04A434F53100101 F04A434F53100101").unwrap();
    let failure = run(
        &install,
        &path,
        None,
        &mut ScriptedCard::default(),
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(
        failure
            .message
            .starts_with("this card cannot load CAP files"),
        "{failure}"
    );
}

#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
}

impl ContentLoader for Recorder {
    fn load_cap(&mut self, card: &mut dyn Transport, cap: &Path) -> Result<(), String> {
        card.transmit(&[0x80, 0xE6, 0x02, 0x00])
            .map_err(|e| e.to_string())?;
        self.calls.push(format!(
            "load {}",
            cap.file_name().unwrap().to_string_lossy()
        ));
        Ok(())
    }
    fn install(
        &mut self,
        _: &mut dyn Transport,
        class: &[u8],
        instance: &[u8],
        params: &[u8],
    ) -> Result<(), String> {
        self.calls.push(format!(
            "install {} {} {}",
            class.len(),
            instance.len(),
            params.len()
        ));
        if params.is_empty() {
            Ok(())
        } else {
            Err("no room".into())
        }
    }
}

#[test]
fn loads_and_installs_through_the_loader() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("store")).unwrap();
    std::fs::write(dir.path().join("store/store.cap"), b"PK").unwrap();
    let path = session_in(
        dir.path(),
        "store-session",
        "load store\ninstall F04A434F53100200 F04A434F53100201\ninstall F04A434F53100200 F04A434F53100202 0100\n",
    );
    let session = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut loader = Recorder::default();
    let mut card = ScriptedCard::default();
    let failure = run(
        &session,
        &path,
        None,
        &mut card,
        Some(&mut loader),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(
        loader.calls,
        vec!["load store.cap", "install 8 8 0", "install 8 8 2"]
    );
    assert_eq!(card.sent, vec![vec![0x80, 0xE6, 0x02, 0x00]]);
    assert_eq!(failure.location.unwrap().line, 3);
    assert_eq!(failure.message, "install failed: no room");

    let missing = parse("load nothing-here").unwrap();
    let failure = run(
        &missing,
        &path,
        None,
        &mut card,
        Some(&mut loader),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(
        failure.message.contains("fixture 'nothing-here'"),
        "{failure}"
    );
}

/// With a load directory, `load NAME` takes the `.cap` file in `DIR/NAME/` (whatever its file
/// name) and never the one in the fixture directory beside the session.
#[test]
fn a_load_directory_replaces_the_fixtures_beside_the_session() {
    let fixtures = tempfile::tempdir().unwrap();
    std::fs::create_dir(fixtures.path().join("server")).unwrap();
    std::fs::write(fixtures.path().join("server/server.cap"), b"PK").unwrap();
    let path = session_in(fixtures.path(), "client", "load server\nload client\n");
    std::fs::write(fixtures.path().join("client/client.cap"), b"PK").unwrap();
    let ours = tempfile::tempdir().unwrap();
    for (dir, cap) in [("server", "ours-server.cap"), ("client", "ours-client.cap")] {
        std::fs::create_dir(ours.path().join(dir)).unwrap();
        std::fs::write(ours.path().join(dir).join(cap), b"PK").unwrap();
    }
    let session = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut loader = Recorder::default();
    run(
        &session,
        &path,
        Some(ours.path()),
        &mut ScriptedCard::default(),
        Some(&mut loader),
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(
        loader.calls,
        vec!["load ours-server.cap", "load ours-client.cap"]
    );

    // A fixture the load directory lacks fails the line, naming the directory looked in.
    std::fs::remove_file(ours.path().join("client/ours-client.cap")).unwrap();
    let failure = run(
        &session,
        &path,
        Some(ours.path()),
        &mut ScriptedCard::default(),
        Some(&mut loader),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(failure.location.as_ref().unwrap().line, 2);
    let looked_in = ours.path().join("client");
    assert_eq!(
        failure.message,
        format!("fixture 'client': no .cap file in {}", looked_in.display())
    );
}

#[test]
fn tear_arms_the_card_and_expects_no_answer() {
    let s = parse("tear 2 00D6000001AA\n").unwrap();
    assert_eq!(
        s.lines[0].directive,
        Directive::Tear {
            writes: 2,
            command: vec![0x00, 0xD6, 0x00, 0x00, 0x01, 0xAA],
        }
    );
    for bad in ["tear\n", "tear x 00\n", "tear 1\n", "tear 1 0G\n"] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    // A transport that cannot tear fails the line; one whose command still answers too.
    let mut card = ScriptedCard::with(&[("00D6000001AA", "9000")]);
    let err = run(
        &s,
        Path::new("t.session"),
        None,
        &mut card,
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("t.session:1: tear failed"),
        "{err}"
    );
    let mut card = jcos_cos::Card::new(jcos_cos::CardConfig::default());
    let err = run(
        &s,
        Path::new("t.session"),
        None,
        &mut card,
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("finished before the tear"),
        "{err}"
    );
}
