//! `jcos run` SIGKILLed at random instants (seeded, bounded) while its script increments the
//! counter applet (`applets/counter`) on a card image: after every kill the image opens and
//! holds the value of the last increment the script saw answered, or of the one after it
//! (the command in flight), never anything else.

use jcos_cos::Card;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const ROUNDS: usize = 25;
const COUNTER: &str = "F04A434F53020101";

fn jcos() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jcos"))
}

/// The counter's value in the image (GET, INS 01), read by a fresh in-process card.
fn value_in(image: &Path) -> u16 {
    let mut card = Card::open_image(image).expect("the image opens after a kill");
    let select = jcos_apdu::hex::decode(&format!("00A4040008{COUNTER}")).unwrap();
    assert_eq!(card.transmit(&select), [0x90, 0x00]);
    let r = card.transmit(&[0x80, 0x01, 0x00, 0x00, 0x02]);
    assert_eq!(r.len(), 4, "{r:02X?}");
    assert_eq!(r[2..], [0x90, 0x00]);
    u16::from_be_bytes([r[0], r[1]])
}

#[test]
fn killed_jcos_run_leaves_an_image_with_an_acknowledged_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("card.img");
    let cap = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../applets/counter/counter.cap");
    let status = jcos()
        .args(["card", "new"])
        .arg(&image)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let status = jcos()
        .arg("load")
        .arg(&image)
        .arg(&cap)
        .args(["--install", COUNTER])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let script = dir.path().join("increment.rhai");
    std::fs::write(
        &script,
        format!(
            "send_expect(\"00A4040008{COUNTER}\", \"9000\");\n\
             print(\"ready\");\n\
             loop {{\n    let r = send_expect(\"8002000002\", \"XXXX 9000\");\n    \
             print(\"ack \" + r.data);\n}}\n"
        ),
    )
    .unwrap();

    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut value = 0u16;
    let mut kept_in_flight = 0;
    for round in 0..ROUNDS {
        let mut child = jcos()
            .arg("run")
            .arg(&script)
            .arg("--card")
            .arg(&image)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the script starts");
            if line == "ready" {
                break;
            }
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 50_000));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        let acked = rx
            .try_iter()
            .filter_map(|l| l.strip_prefix("ack ").map(str::to_string))
            .map(|v| u16::from_str_radix(&v, 16).unwrap())
            .last()
            .unwrap_or(value);
        let on_disk = value_in(&image);
        assert!(
            on_disk == acked || on_disk == acked + 1,
            "round {round}: last answered increment gave {acked:04X}, image holds {on_disk:04X}"
        );
        kept_in_flight += usize::from(on_disk != acked);
        value = on_disk;
    }
    assert!(value > ROUNDS as u16, "the scripts made progress: {value}");
    println!("{ROUNDS} kills, counter at {value}, {kept_in_flight} in-flight increments kept");
}
