//! Runs the `conformance/iso7816-fs` session files, each on a fresh card personalised with the
//! profile `suite.toml` gives it, so the crate checks the suite that specifies its file system.

use jcos_cos::{Card, CardConfig, Profile, Protocol};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Suite {
    card: CardSection,
    #[serde(default, rename = "override")]
    overrides: Vec<Override>,
    load: Option<LoadSection>,
}

#[derive(Deserialize)]
struct LoadSection {
    dir: String,
}

#[derive(Deserialize)]
struct CardSection {
    protocol: Option<String>,
    profile: String,
}

#[derive(Deserialize)]
struct Override {
    glob: String,
    protocol: Option<String>,
    profile: Option<String>,
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/iso7816-fs")
}

/// `prefix*` globs are all this suite uses.
fn matches(glob: &str, name: &str) -> bool {
    match glob.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => glob == name,
    }
}

fn card_for(suite: &Suite, name: &str) -> Card {
    let mut protocol = suite.card.protocol.clone();
    let mut profile = suite.card.profile.clone();
    for o in suite.overrides.iter().filter(|o| matches(&o.glob, name)) {
        if let Some(p) = &o.protocol {
            protocol = Some(p.clone());
        }
        if let Some(p) = &o.profile {
            profile = p.clone();
        }
    }
    let protocol = match protocol.as_deref() {
        Some("t0") => Protocol::T0,
        _ => Protocol::T1,
    };
    let fs = Profile::load_file_system(&suite_dir().join(profile)).unwrap();
    Card::with_file_system(CardConfig { protocol }, fs)
}

enum Step {
    Send(usize, Vec<u8>),
    Expect(usize, Vec<Option<u8>>),
    Reset,
    /// Arm a tear after N writes, send the command, require that the power was cut.
    Tear(usize, u64, Vec<u8>),
    /// Load the one CAP file of `[load] dir`/NAME.
    Load(usize, String),
    /// Install class AID as instance AID.
    Install(usize, Vec<u8>, Vec<u8>),
}

fn hex(text: &str, line: usize) -> Result<Vec<Option<u8>>, String> {
    let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(format!("line {line}: odd number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|p| {
            let s: String = p.iter().collect();
            if s.eq_ignore_ascii_case("XX") {
                Ok(None)
            } else {
                u8::from_str_radix(&s, 16)
                    .map(Some)
                    .map_err(|_| format!("line {line}: {s:?} is not hex"))
            }
        })
        .collect()
}

fn parse(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        if let Some(h) = content.strip_prefix(">>") {
            steps.push(Step::Send(
                line,
                hex(h, line)?.into_iter().flatten().collect(),
            ));
        } else if let Some(h) = content.strip_prefix("<<") {
            steps.push(Step::Expect(line, hex(h, line)?));
        } else if let Some(rest) = content.strip_prefix("tear ") {
            let (count, apdu) = rest
                .trim()
                .split_once(' ')
                .ok_or(format!("line {line}: tear needs a count and a command"))?;
            let count = count
                .parse()
                .map_err(|_| format!("line {line}: bad tear count"))?;
            let apdu = hex(apdu, line)?.into_iter().flatten().collect();
            steps.push(Step::Tear(line, count, apdu));
        } else if let Some(name) = content.strip_prefix("load ") {
            steps.push(Step::Load(line, name.trim().to_string()));
        } else if let Some(rest) = content.strip_prefix("install ") {
            let aids: Vec<Vec<u8>> = rest
                .split_whitespace()
                .map(|a| hex(a, line).map(|b| b.into_iter().flatten().collect()))
                .collect::<Result<_, _>>()?;
            match aids.as_slice() {
                [class, instance] => {
                    steps.push(Step::Install(line, class.clone(), instance.clone()))
                }
                _ => {
                    return Err(format!(
                        "line {line}: install needs a class and an instance AID"
                    ))
                }
            }
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

fn run(card: &mut Card, steps: &[Step], load_dir: Option<&Path>) -> Result<usize, String> {
    card.power_on();
    let mut last: Option<(usize, Vec<u8>, Vec<u8>)> = None;
    let mut checked = 0;
    for step in steps {
        match step {
            Step::Send(line, apdu) => last = Some((*line, apdu.clone(), card.transmit(apdu))),
            Step::Expect(line, expected) => {
                let (sent, apdu, actual) =
                    last.take().ok_or(format!("line {line}: << without >>"))?;
                let ok = expected.len() == actual.len()
                    && expected
                        .iter()
                        .zip(&actual)
                        .all(|(e, a)| e.is_none_or(|e| e == *a));
                if !ok {
                    let want: String = expected
                        .iter()
                        .map(|b| b.map_or("XX".into(), |b| format!("{b:02X}")))
                        .collect();
                    return Err(format!(
                        "line {sent}: >> {}\n  expected: {want}\n  actual:   {}",
                        show(&apdu),
                        show(&actual)
                    ));
                }
                checked += 1;
            }
            Step::Reset => {
                card.reset();
            }
            Step::Load(line, name) => {
                let dir = load_dir
                    .ok_or(format!("line {line}: load without [load] dir"))?
                    .join(name);
                let cap = std::fs::read_dir(&dir)
                    .map_err(|e| format!("line {line}: {}: {e}", dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .find(|p| p.extension().is_some_and(|e| e == "cap"))
                    .ok_or(format!("line {line}: no CAP file in {}", dir.display()))?;
                let bytes = std::fs::read(&cap).map_err(|e| format!("line {line}: {e}"))?;
                card.load_package(&bytes)
                    .map_err(|e| format!("line {line}: load {name}: {e}"))?;
            }
            Step::Install(line, class, instance) => {
                card.install_applet(&jcos_cos::InstallRequest::new(class, instance, &[]))
                    .map_err(|e| format!("line {line}: install: {e}"))?;
            }
            Step::Tear(line, count, apdu) => {
                card.arm_tear(*count);
                let response = card.transmit(apdu);
                if !response.is_empty() || !card.power_lost() {
                    return Err(format!(
                        "line {line}: tear {count} {}: answered {} instead of losing power",
                        show(apdu),
                        show(&response)
                    ));
                }
                checked += 1;
            }
        }
    }
    Ok(checked)
}

#[test]
fn iso7816_fs_suite_passes() {
    let dir = suite_dir();
    let suite: Suite =
        toml::from_str(&std::fs::read_to_string(dir.join("suite.toml")).unwrap()).unwrap();
    let mut sessions: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "session"))
        .collect();
    sessions.sort();
    assert!(sessions.len() >= 80, "only {} sessions", sessions.len());
    let mut failures = Vec::new();
    for path in &sessions {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.starts_with('#'), "{name}: must open with a comment");
        let mut card = card_for(&suite, &name);
        let load_dir = suite.load.as_ref().map(|l| dir.join(&l.dir));
        match parse(&text).and_then(|steps| run(&mut card, &steps, load_dir.as_deref())) {
            Ok(0) => failures.push(format!("{name}: checks nothing")),
            Ok(_) => {}
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
