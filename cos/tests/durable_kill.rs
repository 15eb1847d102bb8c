//! Killing processes that write to a durable image at random instants (SIGKILL, seeded
//! and bounded): the image always opens, and holds exactly the commands the killed
//! process acknowledged, plus possibly the one it was processing.
//!
//! The writer is this test binary started again with [`CHILD_ENV`] set: it opens the image
//! for durable use and sends the golden `store` applet an endless command sequence,
//! printing `ack <i>` after the response to command `i` came back. Command `i` is INS 20
//! (counter + 1, one field write) for even `i` and INS 21 P2=0 for odd `i` (a committed
//! transaction writing the two bytes of `i` into the data array, counter + 100 and
//! shorts[1] + 1), so the state after `n` commands is known from the applet's source.

use jcos_cos::{Card, CardConfig, Durability, InstallRequest};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CHILD_ENV: &str = "JCOS_DURABLE_KILL_CHILD";
const STORE_CLASS: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x02, 0x00];
const STORE_INSTANCE: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x02, 0x01];
const ROUNDS: usize = 60;

fn select() -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x00, 0x08];
    apdu.extend(STORE_INSTANCE);
    apdu
}

fn command(i: u64) -> Vec<u8> {
    if i % 2 == 0 {
        vec![0x80, 0x20, 0x00, 0x00, 0x00]
    } else {
        let [hi, lo] = (i as u16).to_be_bytes();
        vec![0x80, 0x21, 0x00, 0x00, 0x02, hi, lo]
    }
}

/// The INS 22 answer after the first `n` commands of the sequence.
fn state_after(n: u64) -> Vec<u8> {
    let odd = n / 2;
    let even = n - odd;
    let counter = (even as i16).wrapping_add((odd as i16).wrapping_mul(100));
    let mut r = vec![0; 16];
    if odd > 0 {
        let last = 2 * odd - 1;
        r[..2].copy_from_slice(&(last as u16).to_be_bytes());
    }
    r.extend(counter.to_be_bytes());
    r.extend(0i16.to_be_bytes());
    r.extend((odd as i16).to_be_bytes());
    r.extend([0x90, 0x00]);
    r
}

fn read_back(path: &Path) -> Vec<u8> {
    let mut card = Card::open_image(path).expect("the image opens after a kill");
    assert_eq!(card.transmit(&select()), [0x90, 0x00]);
    card.transmit(&[0x80, 0x22, 0x00, 0x00, 0x00])
}

/// The writer process (does nothing in an ordinary test run).
#[test]
fn writer_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (image, start) = spec.split_once('|').expect("image|start");
    let start: u64 = start.parse().expect("start");
    let mut card = Card::open_durable(image, Durability::Os).expect("open");
    // Small checkpoints, so that kills also land while the image is rewritten.
    card.set_checkpoint_bytes(16 * 1024);
    assert_eq!(card.transmit(&select()), [0x90, 0x00]);
    println!("ready");
    for i in start.. {
        let response = card.transmit(&command(i));
        if response.ends_with(&[0x90, 0x00]) {
            println!("ack {i}");
        } else {
            println!("bad {i} {response:02X?}");
            return;
        }
    }
}

#[test]
fn killed_writers_leave_an_image_with_an_acknowledged_prefix() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let cap_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/jcvm-golden/store/store.cap");
    let Ok(cap) = std::fs::read(&cap_path) else {
        println!("skipped: {} not present", cap_path.display());
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let image: PathBuf = dir.path().join("card.img");
    let mut card = Card::create_image(&image, CardConfig::default()).unwrap();
    card.load_package(&cap).unwrap();
    card.install_applet(&InstallRequest::new(&STORE_CLASS, &STORE_INSTANCE, &[]))
        .unwrap();
    card.save_image(&image).unwrap();
    drop(card);

    let exe = std::env::current_exe().unwrap();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut done: u64 = 0;
    let mut in_flight_kept = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, format!("{}|{done}", image.display()))
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
        let mut lines = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the writer starts");
            // The test harness may print `test writer_child ... ` in front of it.
            let ready = line.ends_with("ready");
            lines.push(line);
            if ready {
                break;
            }
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 40_000));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        assert!(
            !lines.iter().any(|l| l.starts_with("bad")),
            "round {round}: {lines:?}"
        );
        let acked = lines
            .iter()
            .filter_map(|l| l.strip_prefix("ack "))
            .map(|i| i.parse::<u64>().unwrap())
            .max()
            .map_or(done, |last| last + 1);
        let on_disk = read_back(&image);
        if on_disk == state_after(acked) {
            done = acked;
        } else if on_disk == state_after(acked + 1) {
            done = acked + 1;
            in_flight_kept += 1;
        } else {
            panic!(
                "round {round}: {acked} commands acknowledged, image holds {on_disk:02X?}, \
                 expected {:02X?} or {:02X?}",
                state_after(acked),
                state_after(acked + 1)
            );
        }
    }
    assert!(
        done > ROUNDS as u64,
        "the writers made progress: {done} commands"
    );
    println!(
        "{ROUNDS} kills, {done} commands in the image, {in_flight_kept} times the command in flight was kept"
    );
}
