//! The TCP server and client, and the vpcd client against a stand-in vpcd, over real sockets
//! on the loopback interface.

use jcos_cos::{Card, CardConfig, Durability, Protocol};
use jcos_transport::{
    lock, Log, ServedCard, Shutdown, TcpServer, TcpTransport, Transport, TransportError, VpcdClient,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// jcos's T=1 ATR: 3B, T0 = 8D (TD1 present, 13 historical bytes), TD1 81, TD2 31, TA3 FE,
/// TB3 45, historical bytes 80 54 6A 63 6F 73 73 80 01 5F 82 90 00 (category 80, "jcos",
/// capabilities, status 9000), TCK F8.
const ATR_T1: &str = "3B8D8131FE4580546A636F737380015F829000F8";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// A log sink tests can read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct Served {
    addr: String,
    shutdown: Shutdown,
    thread: Option<JoinHandle<()>>,
    log: Captured,
}

impl Served {
    fn start(card: ServedCard, trace: bool) -> Served {
        let server = TcpServer::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap().to_string();
        let shutdown = Shutdown::new();
        let log = Captured::default();
        let card = card.shared();
        let thread = {
            let shutdown = shutdown.clone();
            let log = Log::new(Box::new(log.clone()), trace);
            std::thread::spawn(move || server.run(card, shutdown, log))
        };
        Served {
            addr,
            shutdown,
            thread: Some(thread),
            log,
        }
    }

    fn bare() -> Served {
        Served::start(
            ServedCard::in_memory(Card::new(CardConfig::default()), "test"),
            false,
        )
    }

    /// Stops the server and says how long its thread took to end.
    fn stop(&mut self) -> Duration {
        let start = Instant::now();
        self.shutdown.request();
        self.thread.take().unwrap().join().unwrap();
        start.elapsed()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}

#[test]
fn a_tcp_session_powers_selects_opens_a_channel_and_gets_a_challenge() {
    let served = Served::bare();
    let mut card = TcpTransport::connect(&served.addr).unwrap();
    assert_eq!(card.power_on().unwrap(), hex(ATR_T1));
    // ISO 7816-4: SELECT by DF name of an absent application: 6A82.
    assert_eq!(
        card.transmit(&hex("00A4040008A000000151000000")).unwrap(),
        hex("6A82")
    );
    // MANAGE CHANNEL open, card-assigned: the first free channel, 01.
    assert_eq!(card.transmit(&hex("0070000001")).unwrap(), hex("019000"));
    let challenge = card.transmit(&hex("0084000008")).unwrap();
    assert_eq!(challenge.len(), 10);
    assert_eq!(&challenge[8..], &[0x90, 0x00]);
    // A reset closes the channel: opening one again gives 01 again.
    assert_eq!(card.reset().unwrap(), hex(ATR_T1));
    assert_eq!(card.transmit(&hex("0070000001")).unwrap(), hex("019000"));
    card.power_off().unwrap();
}

#[test]
fn the_tcp_client_refuses_what_the_framing_cannot_carry() {
    let served = Served::bare();
    let mut card = TcpTransport::connect(&served.addr).unwrap();
    assert!(matches!(
        card.transmit(&[0x00]),
        Err(TransportError::Unframeable { len: 1 })
    ));
    assert!(matches!(
        card.transmit(&[]),
        Err(TransportError::Unframeable { len: 0 })
    ));
    // The connection is still good.
    assert_eq!(
        card.transmit(&hex("00A4040005F000000001")).unwrap(),
        hex("6A82")
    );
}

/// Sends raw bytes and says whether the server closed the connection without answering.
fn closed_after(addr: &str, bytes: &[u8]) -> bool {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut buf = [0u8; 16];
    matches!(stream.read(&mut buf), Ok(0) | Err(_))
}

#[test]
fn broken_frames_close_that_connection_and_the_server_goes_on() {
    let served = Served::bare();
    // Control code 03 does not exist in vpcd's protocol.
    assert!(closed_after(&served.addr, &[0x00, 0x01, 0x03]));
    // A zero-length frame.
    assert!(closed_after(&served.addr, &[0x00, 0x00]));
    // A frame announcing 65535 bytes, cut after 3: the peer closes its side.
    {
        let mut stream = TcpStream::connect(&served.addr).unwrap();
        stream.write_all(&[0xFF, 0xFF, 0x00, 0xA4, 0x04]).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.read_to_end(&mut rest);
        assert!(rest.is_empty());
    }
    // The card still answers a well-behaved client.
    let mut card = TcpTransport::connect(&served.addr).unwrap();
    assert_eq!(card.power_on().unwrap(), hex(ATR_T1));
    assert_eq!(
        card.transmit(&hex("00A4040005F000000001")).unwrap(),
        hex("6A82")
    );
}

#[test]
fn a_second_client_waits_until_the_first_disconnects() {
    let served = Served::bare();
    let mut first = TcpTransport::connect(&served.addr).unwrap();
    first.power_on().unwrap();
    // The second client is accepted by the kernel but not served yet.
    let mut second = TcpStream::connect(&served.addr).unwrap();
    second.write_all(&[0x00, 0x01, 0x04]).unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(
        second.read(&mut buf).is_err(),
        "the second client was served early"
    );
    assert_eq!(first.transmit(&hex("0070000001")).unwrap(), hex("019000"));
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = vec![0u8; 2 + ATR_T1.len() / 2];
    second.read_exact(&mut answer).unwrap();
    assert_eq!(&answer[..2], &[0x00, 0x14]);
    assert_eq!(&answer[2..], hex(ATR_T1).as_slice());
    // The first client's channel was closed when it disconnected (power off).
    second
        .write_all(&[0x00, 0x05, 0x00, 0x70, 0x00, 0x00, 0x01])
        .unwrap();
    let mut answer = [0u8; 5];
    second.read_exact(&mut answer).unwrap();
    assert_eq!(answer, [0x00, 0x03, 0x01, 0x90, 0x00]);
}

#[test]
fn a_stop_ends_the_server_even_with_an_idle_client() {
    let mut served = Served::bare();
    let mut client = TcpTransport::connect(&served.addr).unwrap();
    client.power_on().unwrap();
    let took = served.stop();
    assert!(took < Duration::from_secs(2), "stop took {took:?}");
}

#[test]
fn trace_logs_each_apdu_and_response_with_timing() {
    let served = Served::start(
        ServedCard::in_memory(Card::new(CardConfig::default()), "traced"),
        true,
    );
    let mut card = TcpTransport::connect(&served.addr).unwrap();
    card.power_on().unwrap();
    card.transmit(&hex("00A4040005F000000001")).unwrap();
    drop(card);
    std::thread::sleep(Duration::from_millis(200));
    let log = served.log.text();
    assert!(log.contains("power on"), "{log}");
    assert!(log.contains("] >> 00A4040005F000000001"), "{log}");
    let response = log
        .lines()
        .find(|l| l.contains("] << 6A82"))
        .unwrap_or_default();
    assert!(response.contains(" µs)"), "{log}");
    assert!(
        !log.contains("get ATR"),
        "presence polls stay out of the trace: {log}"
    );
}

#[test]
fn only_loopback_addresses_are_served() {
    let err = TcpServer::bind("0.0.0.0:0").unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
}

#[test]
fn a_served_image_is_durable_and_folded_back_when_the_server_stops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.img");
    Card::create_image(&path, CardConfig::default()).unwrap();
    let served = ServedCard::open(&path, Durability::Os).unwrap();
    assert_eq!(served.label(), "c.img");
    let shared = served.shared();
    let server = TcpServer::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let shutdown = Shutdown::new();
    let thread = {
        let (card, shutdown) = (shared.clone(), shutdown.clone());
        std::thread::spawn(move || {
            server.run(card, shutdown, Log::new(Box::new(std::io::sink()), false))
        })
    };
    let mut card = TcpTransport::connect(&addr).unwrap();
    card.power_on().unwrap();
    assert_eq!(card.transmit(&hex("0070000001")).unwrap(), hex("019000"));
    assert_eq!(
        card.transmit(&hex("00A4040005F000000001")).unwrap(),
        hex("6A82")
    );
    drop(card);
    shutdown.request();
    thread.join().unwrap();
    lock(&shared).save().unwrap();
    drop(shared);
    // The image opens as the same card.
    let reopened = Card::open_image(&path).unwrap();
    assert_eq!(reopened.config().protocol, Protocol::T1);
    assert_eq!(reopened.atr().0, hex(ATR_T1));
}

/// A stand-in for the vpcd driver: listens where the card connects and plays pcscd's part.
struct FakeVpcd {
    listener: TcpListener,
}

impl FakeVpcd {
    fn accept(&self) -> TcpStream {
        self.listener.set_nonblocking(false).unwrap();
        let (stream, _) = self.listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }
}

fn exchange(stream: &mut TcpStream, payload: &[u8]) -> Vec<u8> {
    send(stream, payload);
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).unwrap();
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut answer).unwrap();
    answer
}

fn send(stream: &mut TcpStream, payload: &[u8]) {
    let mut frame = (payload.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    stream.write_all(&frame).unwrap();
}

#[test]
fn the_vpcd_client_answers_vpcd_and_reconnects_after_it_goes_away() {
    let vpcd = FakeVpcd {
        listener: TcpListener::bind("127.0.0.1:0").unwrap(),
    };
    let addr = vpcd.listener.local_addr().unwrap().to_string();
    let card = ServedCard::in_memory(Card::new(CardConfig::default()), "vicc").shared();
    let shutdown = Shutdown::new();
    let log = Captured::default();
    let client = VpcdClient::new(
        addr,
        card.clone(),
        shutdown.clone(),
        Log::new(Box::new(log.clone()), false),
    );
    let thread = std::thread::spawn(move || client.run());

    let mut stream = vpcd.accept();
    // Presence poll: VPCD_CTRL_ATR (4) is answered with the ATR.
    assert_eq!(exchange(&mut stream, &[4]), hex(ATR_T1));
    // VPCD_CTRL_ON (1) has no answer; the next frame's answer is the APDU's.
    send(&mut stream, &[1]);
    assert_eq!(exchange(&mut stream, &hex("0070000001")), hex("019000"));
    assert!(lock(&card).card().is_powered());
    // pcscd goes away: the card is taken out of the reader and the client reconnects.
    drop(stream);
    let mut stream = vpcd.accept();
    assert!(!lock(&card).card().is_powered());
    send(&mut stream, &[1]);
    // The channel opened before the loss is gone: the new session gets channel 01 again.
    assert_eq!(exchange(&mut stream, &hex("0070000001")), hex("019000"));
    send(&mut stream, &[2]);
    assert_eq!(exchange(&mut stream, &hex("0070000001")), hex("019000"));
    send(&mut stream, &[0]);
    assert_eq!(exchange(&mut stream, &[4]), hex(ATR_T1));

    let start = Instant::now();
    shutdown.request();
    thread.join().unwrap();
    assert!(start.elapsed() < Duration::from_secs(2));
    let text = log.text();
    assert!(text.contains("reconnecting"), "{text}");
}

#[test]
fn the_vpcd_client_keeps_trying_until_vpcd_listens() {
    // Reserve a port, then free it: nothing listens there until the listener below.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let card = ServedCard::in_memory(Card::new(CardConfig::default()), "vicc").shared();
    let shutdown = Shutdown::new();
    let log = Captured::default();
    let client = VpcdClient::new(
        format!("127.0.0.1:{port}"),
        card,
        shutdown.clone(),
        Log::new(Box::new(log.clone()), false),
    );
    let thread = std::thread::spawn(move || client.run());
    std::thread::sleep(Duration::from_millis(400));
    assert!(log.text().contains("cannot reach vpcd"), "{}", log.text());
    let vpcd = FakeVpcd {
        listener: TcpListener::bind(("127.0.0.1", port)).unwrap(),
    };
    let mut stream = vpcd.accept();
    assert_eq!(exchange(&mut stream, &[4]), hex(ATR_T1));
    shutdown.request();
    thread.join().unwrap();
}
