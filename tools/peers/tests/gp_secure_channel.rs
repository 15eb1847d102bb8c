//! An application's own secure channel through its security domain (GP Card API 1.6
//! `org.globalplatform.SecureChannel`, handed out by `GPSystem.getSecureChannel()`): the
//! gp-sc test applet (`cos/tests/applets/gp-sc`, Java source beside its CAP file, built with
//! `jcos build`) forwards INITIALIZE UPDATE and EXTERNAL AUTHENTICATE to the issuer security
//! domain's `processSecurity` and unwraps and wraps its own commands. The host side of `jcos
//! gp` opens SCP03 and SCP02 sessions to it with the ISD's keys and checks every protected
//! response (R-MAC, R-ENCRYPTION) itself. The ISD's own sessions, one per logical channel
//! (GP CS 2.3.1 §10.2.2), are opened on channels 0 and 1 at once.

use cipher::{BlockCipherEncrypt, KeyInit};
use jcos_apdu::{CommandApdu, StatusWord};
use jcos_cos::{Card, CardConfig, InstallRequest};
use jcos_peers::gp::session::Handshake;
use jcos_peers::gp::{GpClient, OpenOptions, ScpChoice, SecureChannel, SecurityLevel, DEFAULT_KEY};

/// The gp-sc applet class, also its instance's AID.
const APP: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0xFF, 0x04, 0x01];
/// GP Card API `SecureChannel.AUTHENTICATED`.
const AUTHENTICATED: u8 = 0x80;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A card with the issuer security domain and the gp-sc applet associated with it.
fn card() -> Card {
    let mut card = Card::new(CardConfig::default());
    card.install_isd(&read("applets/isd/isd.cap")).unwrap();
    card.load_package(&read("cos/tests/applets/gp-sc/gp-sc.cap"))
        .unwrap();
    card.install_applet(&InstallRequest::new(&APP, &APP, &[]))
        .unwrap();
    card.power_on();
    card
}

fn cmd(ins: u8, data: &[u8]) -> CommandApdu {
    CommandApdu::new(0x80, ins, 0, 0, data.to_vec(), Some(256)).unwrap()
}

fn scp03(level: SecurityLevel) -> OpenOptions {
    OpenOptions {
        kvn: 0x30,
        scp: ScpChoice::Scp03,
        level,
        ..OpenOptions::default()
    }
}

#[test]
fn an_application_runs_its_commands_in_an_scp03_session_of_its_own() {
    let mut card = card();
    let mut gp = GpClient::new(&mut card);
    gp.select(&APP).unwrap();
    // Without a session: no security level, and the echo needs one.
    let r = gp.send_plain("LEVEL", &cmd(0x12, &[])).unwrap();
    assert_eq!((r.data, r.sw), (vec![0x00], StatusWord(0x9000)));
    let r = gp.send_plain("ECHO", &cmd(0x10, b"abc")).unwrap();
    assert_eq!(r.sw, StatusWord(0x6982));

    let info = gp
        .open_secure_channel(scp03(SecurityLevel::MAC_ENC_RMAC_RENC))
        .unwrap();
    assert_eq!(info.kvn, 0x30);
    // The host checks the R-MAC and decrypts: the answer is the plain data.
    let data = b"a command of the application, 33 b".to_vec();
    let r = gp.send("ECHO", &cmd(0x10, &data)).unwrap();
    assert_eq!((r.data, r.sw), (data, StatusWord(0x9000)));
    let r = gp.send("LEVEL", &cmd(0x12, &[])).unwrap();
    assert_eq!(
        (r.data, r.sw),
        (vec![AUTHENTICATED | 0x33], StatusWord(0x9000))
    );
    // A warning carries the R-MAC too (Amendment D §6.2.5), which the host verifies.
    let r = gp.send("WARNING", &cmd(0x1A, &[])).unwrap();
    assert_eq!((r.data, r.sw), (vec![], StatusWord(0x6283)));
    let r = gp.send("ECHO", &cmd(0x10, &[1, 2, 3])).unwrap();
    assert_eq!((r.data, r.sw), (vec![1, 2, 3], StatusWord(0x9000)));
    // A command without secure messaging is not unwrapped; the applet refuses it.
    let r = gp.send_plain("ECHO", &cmd(0x10, b"abc")).unwrap();
    assert_eq!(r.sw, StatusWord(0x6982));
}

#[test]
fn decrypt_data_uses_the_static_dek_under_scp03() {
    let mut card = card();
    let mut gp = GpClient::new(&mut card);
    gp.select(&APP).unwrap();
    gp.open_secure_channel(scp03(SecurityLevel::MAC)).unwrap();
    // Sensitive data encrypted by the host with the key set's DEK in AES CBC, ICV zero: for
    // one block, the block cipher alone.
    let plain: [u8; 16] = *b"sixteen byte msg";
    let mut block = plain.into();
    aes::Aes128::new(&DEFAULT_KEY.into()).encrypt_block(&mut block);
    let block: [u8; 16] = block.into();
    let r = gp.send("DECRYPT", &cmd(0x14, &block)).unwrap();
    assert_eq!((r.data, r.sw), (plain.to_vec(), StatusWord(0x9000)));
    let r = gp.send("ENCRYPT", &cmd(0x16, &plain)).unwrap();
    assert_eq!((r.data, r.sw), (block.to_vec(), StatusWord(0x9000)));
    // Whole blocks only.
    let r = gp.send("DECRYPT", &cmd(0x14, &[0; 15])).unwrap();
    assert_eq!(r.sw, StatusWord(0x6700));
}

#[test]
fn an_application_runs_an_scp02_session_with_the_des_key_set() {
    let mut card = card();
    let mut gp = GpClient::new(&mut card);
    gp.select(&APP).unwrap();
    gp.open_secure_channel(OpenOptions {
        kvn: 0x20,
        scp: ScpChoice::Scp02 { i: 0x55 },
        level: SecurityLevel::MAC_ENC,
        ..OpenOptions::default()
    })
    .unwrap();
    let data = b"through SCP02 with C-DECRYPTION".to_vec();
    let r = gp.send("ECHO", &cmd(0x10, &data)).unwrap();
    assert_eq!((r.data, r.sw), (data, StatusWord(0x9000)));
    let r = gp.send("LEVEL", &cmd(0x12, &[])).unwrap();
    assert_eq!(
        (r.data, r.sw),
        (vec![AUTHENTICATED | 0x03], StatusWord(0x9000))
    );
}

#[test]
fn the_session_ends_with_reset_security_and_with_deselection() {
    let mut card = card();
    let mut gp = GpClient::new(&mut card);
    gp.select(&APP).unwrap();
    // C-MAC only: the answer to RESET comes after the session ended, without an R-MAC.
    gp.open_secure_channel(scp03(SecurityLevel::MAC)).unwrap();
    let r = gp.send("RESET", &cmd(0x18, &[])).unwrap();
    assert_eq!(r.sw, StatusWord(0x9000));
    let r = gp.send_plain("LEVEL", &cmd(0x12, &[])).unwrap();
    assert_eq!((r.data, r.sw), (vec![0x00], StatusWord(0x9000)));

    gp.open_secure_channel(scp03(SecurityLevel::MAC)).unwrap();
    let r = gp.send("ECHO", &cmd(0x10, &[7])).unwrap();
    assert_eq!((r.data, r.sw), (vec![7], StatusWord(0x9000)));
    // The applet resets its session when deselected; the issuer security domain's own
    // session is another one.
    gp.select(&[0xA0, 0, 0, 0x01, 0x51, 0, 0, 0]).unwrap();
    let r = gp
        .send_plain(
            "GET DATA",
            &CommandApdu::new(0x80, 0xCA, 0, 0xD3, vec![], Some(256)).unwrap(),
        )
        .unwrap();
    assert_eq!((r.data, r.sw), (vec![0xD3, 0x01, 0x00], StatusWord(0x9000)));
    gp.select(&APP).unwrap();
    let r = gp.send_plain("LEVEL", &cmd(0x12, &[])).unwrap();
    assert_eq!((r.data, r.sw), (vec![0x00], StatusWord(0x9000)));
}

#[test]
fn an_answer_without_its_r_mac_ends_the_host_session() {
    // At C-MAC + R-MAC, the applet's RESET ends the card's session before its answer is
    // wrapped: the 9000 arrives without an R-MAC, which the host cannot tell from a stripped
    // one. The command fails and the host drops its session too.
    let mut card = card();
    let mut gp = GpClient::new(&mut card);
    gp.select(&APP).unwrap();
    gp.open_secure_channel(scp03(SecurityLevel::MAC_RMAC))
        .unwrap();
    assert!(gp.send("RESET", &cmd(0x18, &[])).is_err());
    assert!(gp.session().is_none());
    let r = gp.send("LEVEL", &cmd(0x12, &[])).unwrap();
    assert_eq!((r.data, r.sw), (vec![0x00], StatusWord(0x9000)));
}

#[test]
fn wrong_keys_open_no_session() {
    let mut card = card();
    let mut gp = GpClient::new(&mut card);
    gp.select(&APP).unwrap();
    let wrong = OpenOptions {
        keys: jcos_peers::gp::StaticKeys::single(&[0x11; 16]),
        ..scp03(SecurityLevel::MAC)
    };
    assert!(gp.open_secure_channel(wrong).is_err());
    let r = gp.send_plain("LEVEL", &cmd(0x12, &[])).unwrap();
    assert_eq!((r.data, r.sw), (vec![0x00], StatusWord(0x9000)));
}

/// The issuer security domain's instance AID.
const ISD: [u8; 8] = [0xA0, 0, 0, 0x01, 0x51, 0, 0, 0];

/// Opens SCP03 with key set 30 on `channel` of `card`, the ISD being selected there.
fn open_on(card: &mut Card, channel: u8, level: SecurityLevel) -> SecureChannel {
    let handshake = Handshake::new(scp03(level), channel).unwrap();
    let iu = handshake.initialize_update().unwrap();
    let answer = card.transmit(&iu.to_bytes());
    let (data, sw) = answer.split_at(answer.len() - 2);
    assert_eq!(sw, [0x90, 0x00], "INITIALIZE UPDATE on channel {channel}");
    let (ea, channel_state) = handshake
        .card_answered(data)
        .unwrap()
        .external_authenticate()
        .unwrap();
    assert_eq!(card.transmit(&ea.to_bytes()), [0x90, 0x00]);
    channel_state
}

/// Sends `cmd` through `sc`; the checked, decrypted response with its status word.
fn send_on(card: &mut Card, sc: &mut SecureChannel, cmd: &CommandApdu) -> Vec<u8> {
    let wire = sc.wrap(cmd).unwrap();
    sc.unwrap("command", card.transmit(&wire.to_bytes()))
        .unwrap()
}

#[test]
fn the_issuer_security_domain_keeps_one_session_per_logical_channel() {
    let mut card = card();
    let select_isd = CommandApdu::new(0x00, 0xA4, 0x04, 0x00, ISD.to_vec(), Some(256)).unwrap();
    assert!(card
        .transmit(&select_isd.to_bytes())
        .ends_with(&[0x90, 0x00]));
    let mut zero = open_on(&mut card, 0, SecurityLevel::MAC_RMAC);
    // MANAGE CHANNEL OPEN from the basic channel selects the ISD on channel 1 too.
    assert_eq!(
        card.transmit(&[0x00, 0x70, 0x00, 0x00, 0x01]),
        [0x01, 0x90, 0x00]
    );
    let get_level = |cla: u8| CommandApdu::new(cla, 0xCA, 0x00, 0xD3, vec![], Some(256)).unwrap();
    assert_eq!(
        card.transmit(&get_level(0x81).to_bytes()),
        [0xD3, 0x01, 0x00, 0x90, 0x00]
    );
    let mut one = open_on(&mut card, 1, SecurityLevel::MAC_ENC_RMAC_RENC);
    // Each channel answers with its own session's level, protected by its own keys.
    assert_eq!(
        send_on(&mut card, &mut one, &get_level(0x81)),
        [0xD3, 0x01, 0x33, 0x90, 0x00]
    );
    assert_eq!(
        send_on(&mut card, &mut zero, &get_level(0x80)),
        [0xD3, 0x01, 0x11, 0x90, 0x00]
    );
    let status = CommandApdu::new(0x81, 0xF2, 0x80, 0x02, vec![0x4F, 0x00], Some(256)).unwrap();
    assert!(send_on(&mut card, &mut one, &status).starts_with(&[0xE3, 0x13, 0x4F, 0x08]));
    // Closing channel 1 leaves channel 0's session open.
    assert_eq!(card.transmit(&[0x00, 0x70, 0x80, 0x01, 0x00]), [0x90, 0x00]);
    assert_eq!(
        send_on(&mut card, &mut zero, &get_level(0x80)),
        [0xD3, 0x01, 0x11, 0x90, 0x00]
    );
}
