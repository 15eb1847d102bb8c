//! `jcos bench crypto`: the crypto API's throughput as an applet sees it. The crypto-kat applet
//! (`applets/crypto-kat`, built by `jcos build`) runs on an in-memory card; each BENCH command
//! loops over one operation inside the applet, so the figures include the interpreter and the
//! native call path, not only the RustCrypto primitive.

use anyhow::{bail, Context};
use jcos_cos::{Card, CardConfig, InstallRequest};
use serde::Serialize;
use std::time::{Duration, Instant};

/// The crypto-kat applet.
const KAT_CAP: &[u8] = include_bytes!("../../../../applets/crypto-kat/crypto-kat.cap");
/// Its applet class AID, also used as the instance AID.
const KAT_AID: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x02, 0x03, 0x01];
/// How long each figure is measured for.
const BUDGET: Duration = Duration::from_millis(1500);
/// Bytes each symmetric operation and digest works on (15 AES blocks: one short APDU).
const BULK: usize = 240;

/// One figure.
#[derive(Debug, Serialize)]
pub struct CryptoFigure {
    /// What was measured.
    pub operation: &'static str,
    /// Operations performed.
    pub operations: u64,
    /// Bytes processed, for the bulk operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Seconds taken.
    pub seconds: f64,
    /// Operations per second.
    pub per_second: f64,
    /// Megabytes (10^6 bytes) per second, for the bulk operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mb_per_second: Option<f64>,
}

impl CryptoFigure {
    /// The figure as one line of text.
    pub fn to_text(&self) -> String {
        match self.mb_per_second {
            Some(mb) => format!(
                "crypto      {}: {mb:.1} MB/s ({} operations of {BULK} bytes in {:.2} s)",
                self.operation, self.operations, self.seconds
            ),
            None => format!(
                "crypto      {}: {:.0} /s ({} operations in {:.2} s)",
                self.operation, self.per_second, self.operations, self.seconds
            ),
        }
    }
}

/// Key slots and instructions of the crypto-kat applet (see CryptoKat.java).
const INS_APPEND: u8 = 0x02;
const INS_KEY: u8 = 0x10;
const INS_SIGN: u8 = 0x30;
const INS_GEN_PAIR: u8 = 0x56;
const INS_BENCH: u8 = 0x70;
const SLOT_AES: u8 = 1;
const SLOT_RSA_PUBLIC: u8 = 4;
const SLOT_RSA_CRT: u8 = 6;
const SLOT_EC_PRIVATE: u8 = 7;
/// `Signature.ALG_RSA_SHA_256_PKCS1`.
const ALG_RSA_SHA_256_PKCS1: u8 = 40;
/// `KeyPair.ALG_RSA_CRT` and `KeyPair.ALG_EC_FP`.
const KP_RSA_CRT: u8 = 2;
const KP_EC_FP: u8 = 5;

/// The crypto-kat applet on a powered card, selected.
struct Kat {
    card: Card,
}

impl Kat {
    fn new() -> anyhow::Result<Self> {
        let mut card = Card::new(CardConfig::default());
        card.load_package(KAT_CAP)
            .context("cannot load the crypto-kat applet")?;
        card.install_applet(&InstallRequest::new(&KAT_AID, &KAT_AID, &[]))
            .context("cannot install the crypto-kat applet")?;
        card.power_on();
        let mut kat = Kat { card };
        let mut select = vec![0x00, 0xA4, 0x04, 0x00, 0x08];
        select.extend(KAT_AID);
        kat.exchange(&select)?;
        Ok(kat)
    }

    /// Sends `apdu` and returns the response data, failing unless it ends in 9000.
    fn exchange(&mut self, apdu: &[u8]) -> anyhow::Result<Vec<u8>> {
        let response = self.card.transmit(apdu);
        match response.split_last_chunk::<2>() {
            Some((data, [0x90, 0x00])) => Ok(data.to_vec()),
            _ => bail!(
                "crypto-kat answered {} to {}",
                jcos_apdu::hex::encode(&response),
                jcos_apdu::hex::encode(apdu)
            ),
        }
    }

    /// Sends command `ins` with `data` (staged with APPEND beyond one short APDU) and Le 00.
    fn command(&mut self, ins: u8, p1: u8, p2: u8, data: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut rest = data;
        while rest.len() > 255 {
            let (chunk, tail) = rest.split_at(255);
            let mut apdu = vec![0x80, INS_APPEND, 0, 0, 255];
            apdu.extend_from_slice(chunk);
            self.exchange(&apdu)?;
            rest = tail;
        }
        let mut apdu = vec![0x80, ins, p1, p2];
        if !rest.is_empty() {
            apdu.push(u8::try_from(rest.len()).unwrap_or(u8::MAX));
            apdu.extend_from_slice(rest);
        }
        apdu.push(0);
        self.exchange(&apdu)
    }

    /// Runs BENCH operation `op` `count` times per command for [`BUDGET`].
    fn time(
        &mut self,
        operation: &'static str,
        op: u8,
        slot: u8,
        count: u16,
        data: &[u8],
        bulk: bool,
    ) -> anyhow::Result<CryptoFigure> {
        let mut input = count.to_be_bytes().to_vec();
        input.extend_from_slice(data);
        // One untimed run: the first call pays for the key schedule and the engine's creation.
        self.command(INS_BENCH, op, slot, &input)?;
        let start = Instant::now();
        let mut operations: u64 = 0;
        while start.elapsed() < BUDGET {
            self.command(INS_BENCH, op, slot, &input)?;
            operations += u64::from(count);
        }
        let seconds = start.elapsed().as_secs_f64();
        let bytes = bulk.then(|| operations * data.len() as u64);
        Ok(CryptoFigure {
            operation,
            operations,
            bytes,
            seconds,
            per_second: operations as f64 / seconds,
            mb_per_second: bytes.map(|b| b as f64 / seconds / 1e6),
        })
    }
}

/// Measures every figure of `jcos bench crypto`.
pub fn run() -> anyhow::Result<Vec<CryptoFigure>> {
    let mut kat = Kat::new()?;
    let data: Vec<u8> = (0..BULK).map(|i| i as u8).collect();
    let message = b"jcos bench crypto: the message signed";
    // The SP 800-38A AES-128 key.
    let aes_key = [
        0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6, 0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F,
        0x3C,
    ];
    kat.command(INS_KEY, SLOT_AES, 0, &aes_key)?;
    let mut figures = vec![
        kat.time(
            "AES-128 CBC encryption (ALG_AES_BLOCK_128_CBC_NOPAD)",
            1,
            SLOT_AES,
            200,
            &data,
            true,
        )?,
        kat.time("SHA-256 (ALG_SHA_256)", 2, 0, 200, &data, true)?,
    ];
    // A fresh RSA-2048 CRT key pair from the card's own KeyPair generation.
    kat.command(INS_GEN_PAIR, KP_RSA_CRT, 0, &2048u16.to_be_bytes())?;
    figures.push(kat.time(
        "RSA-2048 sign, SHA-256 PKCS#1 v1.5, CRT key (ALG_RSA_SHA_256_PKCS1)",
        3,
        SLOT_RSA_CRT,
        4,
        message,
        false,
    )?);
    let signature = kat.command(INS_SIGN, ALG_RSA_SHA_256_PKCS1, SLOT_RSA_CRT, message)?;
    if signature.len() != 256 {
        bail!("an RSA-2048 signature of {} bytes", signature.len());
    }
    let mut signed = message.to_vec();
    signed.extend_from_slice(&signature);
    figures.push(kat.time(
        "RSA-2048 verify, SHA-256 PKCS#1 v1.5, e = 65537 (ALG_RSA_SHA_256_PKCS1)",
        4,
        SLOT_RSA_PUBLIC,
        50,
        &signed,
        false,
    )?);
    kat.command(INS_GEN_PAIR, KP_EC_FP, 0, &256u16.to_be_bytes())?;
    figures.push(kat.time(
        "ECDSA P-256 sign, SHA-256 (ALG_ECDSA_SHA_256)",
        5,
        SLOT_EC_PRIVATE,
        20,
        message,
        false,
    )?);
    Ok(figures)
}
