//! Secure Channel Protocol '02' (GP Card Specification 2.3.1 Appendix E), host side: session
//! keys, cryptograms, C-MAC (retail MAC chained over the commands, its ICV encrypted when the
//! `i` parameter asks), C-DECRYPTION and R-MAC.

use crate::gp::crypto::{self, BlockCipher};
use crate::gp::keys::StaticKeys;
use crate::gp::GpError;

/// Derivation constants (GP 2.3.1 §E.4.1).
const CONST_CMAC: [u8; 2] = [0x01, 0x01];
const CONST_RMAC: [u8; 2] = [0x01, 0x02];
const CONST_ENC: [u8; 2] = [0x01, 0x82];
const CONST_DEK: [u8; 2] = [0x01, 0x81];

/// `i` bit: three secure channel keys (rather than one base key).
pub const I_THREE_KEYS: u8 = 0x01;
/// `i` bit: the C-MAC is computed on the unmodified APDU.
pub const I_CMAC_UNMODIFIED: u8 = 0x02;
/// `i` bit: explicit initiation (INITIALIZE UPDATE).
pub const I_EXPLICIT: u8 = 0x04;
/// `i` bit: the ICV of each C-MAC after the first is encrypted.
pub const I_ICV_ENCRYPTION: u8 = 0x10;
/// `i` bit: R-MAC support.
pub const I_RMAC: u8 = 0x20;

/// The SCP02 session keys.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKeys {
    /// S-ENC: cryptograms and command encryption.
    pub enc: [u8; 16],
    /// C-MAC session key.
    pub cmac: [u8; 16],
    /// R-MAC session key.
    pub rmac: [u8; 16],
    /// Session DEK: sensitive data (PUT KEY) encryption.
    pub dek: [u8; 16],
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys { .. }")
    }
}

fn derive(key: &[u8], constant: [u8; 2], sequence: [u8; 2]) -> Result<[u8; 16], GpError> {
    let mut data = [0u8; 16];
    data[..2].copy_from_slice(&constant);
    data[2..4].copy_from_slice(&sequence);
    let out = crypto::cbc_encrypt(BlockCipher::Tdes2, key, &[0u8; 8], &data)?;
    <[u8; 16]>::try_from(out.as_slice())
        .map_err(|_| GpError::Crypto("SCP02 session key derivation".into()))
}

impl SessionKeys {
    /// Derives the session keys from the static keys and the card's sequence counter
    /// (GP 2.3.1 §E.4.1: triple-DES CBC of constant, counter and twelve zero bytes).
    pub fn derive(keys: &StaticKeys, sequence: [u8; 2]) -> Result<SessionKeys, GpError> {
        Ok(SessionKeys {
            enc: derive(&keys.enc, CONST_ENC, sequence)?,
            cmac: derive(&keys.mac, CONST_CMAC, sequence)?,
            rmac: derive(&keys.mac, CONST_RMAC, sequence)?,
            dek: derive(&keys.dek, CONST_DEK, sequence)?,
        })
    }

    /// The card cryptogram (GP 2.3.1 §E.4.2.1): MAC of host challenge, sequence counter and
    /// card challenge.
    pub fn card_cryptogram(
        &self,
        host_challenge: &[u8; 8],
        sequence: [u8; 2],
        card_challenge: &[u8; 6],
    ) -> Result<[u8; 8], GpError> {
        let mut data = Vec::with_capacity(16);
        data.extend_from_slice(host_challenge);
        data.extend_from_slice(&sequence);
        data.extend_from_slice(card_challenge);
        crypto::tdes_cbc_mac(&self.enc, &data)
    }

    /// The host cryptogram (GP 2.3.1 §E.4.2.2): MAC of sequence counter, card challenge and
    /// host challenge.
    pub fn host_cryptogram(
        &self,
        host_challenge: &[u8; 8],
        sequence: [u8; 2],
        card_challenge: &[u8; 6],
    ) -> Result<[u8; 8], GpError> {
        let mut data = Vec::with_capacity(16);
        data.extend_from_slice(&sequence);
        data.extend_from_slice(card_challenge);
        data.extend_from_slice(host_challenge);
        crypto::tdes_cbc_mac(&self.enc, &data)
    }

    /// Encrypts a key for PUT KEY with the session DEK (GP 2.3.1 §E.4.7: triple-DES ECB).
    pub fn encrypt_key(&self, key: &[u8]) -> Result<Vec<u8>, GpError> {
        crypto::ecb_encrypt(BlockCipher::Tdes2, &self.dek, key)
    }
}

/// The host end of an open SCP02 session: wraps commands and unwraps responses.
#[derive(Debug, Clone)]
pub struct Scp02Wrapper {
    keys: SessionKeys,
    i: u8,
    c_mac: bool,
    c_dec: bool,
    r_mac: bool,
    /// The last C-MAC (the next command's ICV before any encryption).
    last_mac: [u8; 8],
    /// The R-MAC chaining value.
    r_icv: [u8; 8],
    /// The command part of the R-MAC input of the command in flight.
    r_mac_command: Vec<u8>,
}

/// A command as the wrappers see it: header, data and Le.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// CLA INS P1 P2.
    pub header: [u8; 4],
    /// The command data.
    pub data: Vec<u8>,
    /// Ne, when a response is expected.
    pub ne: Option<usize>,
}

/// The CLA byte with the secure messaging indication set (ISO 7816-4 §5.4.1: bit 3 for the
/// first interindustry and proprietary classes, bit 6 for the further interindustry ones).
pub fn secure_cla(cla: u8) -> u8 {
    if cla & 0x40 != 0 {
        cla | 0x20
    } else {
        cla | 0x04
    }
}

impl Scp02Wrapper {
    /// The session after EXTERNAL AUTHENTICATE: `ext_auth_mac` is that command's C-MAC.
    pub fn new(keys: SessionKeys, i: u8, level: u8, ext_auth_mac: [u8; 8]) -> Scp02Wrapper {
        Scp02Wrapper {
            keys,
            i,
            c_mac: level & 0x01 != 0,
            c_dec: level & 0x02 != 0,
            r_mac: level & 0x10 != 0,
            last_mac: ext_auth_mac,
            // GP 2.3.1 §E.4.5: the R-MAC chain of a session opened with R-MAC starts from
            // the C-MAC of EXTERNAL AUTHENTICATE.
            r_icv: ext_auth_mac,
            r_mac_command: Vec::new(),
        }
    }

    /// The `i` parameter the session runs with.
    pub fn i(&self) -> u8 {
        self.i
    }

    /// The session keys.
    pub fn keys(&self) -> &SessionKeys {
        &self.keys
    }

    /// The C-MAC of EXTERNAL AUTHENTICATE (`header` with secure CLA, Lc 10, and the host
    /// cryptogram), computed from a zero ICV.
    pub fn external_authenticate_mac(
        keys: &SessionKeys,
        i: u8,
        header: [u8; 4],
        host_cryptogram: &[u8; 8],
    ) -> Result<[u8; 8], GpError> {
        let mut input = Vec::with_capacity(13);
        if i & I_CMAC_UNMODIFIED != 0 {
            input.extend_from_slice(&header);
            input.push(8);
        } else {
            input.extend_from_slice(&[secure_cla(header[0]), header[1], header[2], header[3]]);
            input.push(16);
        }
        input.extend_from_slice(host_cryptogram);
        crypto::retail_mac(&keys.cmac, &[0u8; 8], &input)
    }

    fn next_icv(&self) -> Result<[u8; 8], GpError> {
        if self.i & I_ICV_ENCRYPTION != 0 {
            let key = self.keys.cmac.get(..8).unwrap_or_default();
            crypto::to_array8(&crypto::ecb_encrypt(BlockCipher::Des, key, &self.last_mac)?)
        } else {
            Ok(self.last_mac)
        }
    }

    /// Protects a command at the session's level: `(header, data)` to send (Le unchanged).
    pub fn wrap(&mut self, cmd: &Plain) -> Result<([u8; 4], Vec<u8>), GpError> {
        let [cla, ins, p1, p2] = cmd.header;
        if self.r_mac {
            // GP 2.3.1 §E.4.5: the R-MAC covers the command as the application sees it
            // (before C-MAC and encryption), then the response.
            self.r_mac_command.clear();
            self.r_mac_command.extend_from_slice(&cmd.header);
            self.r_mac_command.push(byte_len(cmd.data.len())?);
            self.r_mac_command.extend_from_slice(&cmd.data);
        }
        if !self.c_mac {
            return Ok((cmd.header, cmd.data.clone()));
        }
        let icv = self.next_icv()?;
        let sm_cla = secure_cla(cla);
        let mut input = Vec::with_capacity(cmd.data.len() + 5);
        if self.i & I_CMAC_UNMODIFIED != 0 {
            input.extend_from_slice(&cmd.header);
            input.push(byte_len(cmd.data.len())?);
        } else {
            input.extend_from_slice(&[sm_cla, ins, p1, p2]);
            input.push(byte_len(cmd.data.len() + 8)?);
        }
        input.extend_from_slice(&cmd.data);
        let mac = crypto::retail_mac(&self.keys.cmac, &icv, &input)?;
        self.last_mac = mac;
        let mut data = if self.c_dec && !cmd.data.is_empty() {
            crypto::cbc_encrypt(
                BlockCipher::Tdes2,
                &self.keys.enc,
                &[0u8; 8],
                &crypto::pad80(&cmd.data, 8),
            )?
        } else {
            cmd.data.clone()
        };
        data.extend_from_slice(&mac);
        byte_len(data.len())?;
        Ok(([sm_cla, ins, p1, p2], data))
    }

    /// Checks and strips the R-MAC of a response (`data || SW`); without R-MAC the response
    /// is returned as it is.
    pub fn unwrap(&mut self, command: &str, response: Vec<u8>) -> Result<Vec<u8>, GpError> {
        if !self.r_mac || response.len() < 10 {
            // An error status comes without R-MAC.
            return Ok(response);
        }
        let split = response.len() - 10;
        let (body, tail) = response.split_at(split);
        let (mac, sw) = tail.split_at(8);
        let mut input = self.r_mac_command.clone();
        input.push(byte_len(body.len())?);
        input.extend_from_slice(body);
        input.extend_from_slice(sw);
        let expected = crypto::retail_mac(&self.keys.rmac, &self.r_icv, &input)?;
        if !crypto::ct_eq(&expected, mac) {
            return Err(GpError::ResponseMac {
                command: command.to_string(),
            });
        }
        self.r_icv = expected;
        let mut out = body.to_vec();
        out.extend_from_slice(sw);
        Ok(out)
    }
}

fn byte_len(len: usize) -> Result<u8, GpError> {
    u8::try_from(len).map_err(|_| {
        GpError::Invalid(format!(
            "{len} bytes of secured command data do not fit a short APDU"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_apdu::hex;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // A session with the card keys and trace of pySim's tests/unittests/test_globalplatform.py
    // (SCP02_Test): INITIALIZE UPDATE 8050200008 40A62C37FA6304F8, answer
    // 00000000000000000000 7002 0001 6B4524ABEE7C F32EA3838BC148F3.
    fn pysim_session() -> (SessionKeys, [u8; 8]) {
        let keys = StaticKeys {
            enc: h("100102030405060708090a0b0c0d0e0f"),
            mac: h("101102030405060708090a0b0c0d0e0f"),
            dek: h("102102030405060708090a0b0c0d0e0f"),
        };
        let session = SessionKeys::derive(&keys, [0x00, 0x01]).unwrap();
        (session, h("40A62C37FA6304F8").try_into().unwrap())
    }

    #[test]
    fn card_and_host_cryptograms_match_the_trace() {
        let (s, host) = pysim_session();
        let card_challenge: [u8; 6] = h("6B4524ABEE7C").try_into().unwrap();
        let card = s.card_cryptogram(&host, [0, 1], &card_challenge).unwrap();
        assert_eq!(card.to_vec(), h("F32EA3838BC148F3"));
        let host_cg = s.host_cryptogram(&host, [0, 1], &card_challenge).unwrap();
        // EXTERNAL AUTHENTICATE of the trace: 8482010010 BA6961667737C5BC EBECE14C7D6A4376.
        assert_eq!(host_cg.to_vec(), h("BA6961667737C5BC"));
        let mac =
            Scp02Wrapper::external_authenticate_mac(&s, 0x55, [0x80, 0x82, 0x01, 0x00], &host_cg)
                .unwrap();
        assert_eq!(mac.to_vec(), h("EBECE14C7D6A4376"));
    }

    #[test]
    fn c_mac_chain_with_icv_encryption_matches_the_trace() {
        let (s, _) = pysim_session();
        let mut w = Scp02Wrapper::new(s, 0x55, 0x01, h("EBECE14C7D6A4376").try_into().unwrap());
        let mut wrap = |apdu: &str, ne: Option<usize>| {
            let b = h(apdu);
            let cmd = Plain {
                header: b[..4].try_into().unwrap(),
                data: b.get(5..).map(<[u8]>::to_vec).unwrap_or_default(),
                ne,
            };
            let (hd, data) = w.wrap(&cmd).unwrap();
            let mut out = hd.to_vec();
            out.push(data.len() as u8);
            out.extend(data);
            hex::encode(&out)
        };
        // The four commands of the trace, in order (Le left aside).
        assert_eq!(wrap("80F22002", None), "84F220020814DB34FA4341DCA8");
        assert_eq!(wrap("80CA0066", Some(256)), "84CA00660855ED7C5FF069512B");
        assert_eq!(
            wrap("80F220020A4F0212345C054F9F70C5", None),
            "84F22002124F0212345C054F9F70C58FC1B380C4228AF8"
        );
        assert_eq!(
            wrap("80F28002024F00", Some(256)),
            "84F280020A4F003B95F09317DE6A4E"
        );
    }

    #[test]
    fn session_dek_encrypts_keys_as_in_the_trace() {
        // pySim PutKey_PSK_Test: the 16-byte key 303132..3F under the session DEK.
        let (s, _) = pysim_session();
        let enc = s
            .encrypt_key(&h("303132333435363738393a3b3c3d3e3f"))
            .unwrap();
        assert_eq!(enc, h("15abf1fe16ccc5aa13743394442942cd"));
    }

    #[test]
    fn session_keys_match_published_derivations() {
        // openjavacard-tools GPKeySetTest (testDeriveSCP02_*): the test keys 40..4F; ENC is
        // S-ENC (0182), MAC the C-MAC key (0101), KEK the DEK (0181).
        for (seq, enc, mac, dek) in [
            (
                [0x00, 0x01],
                "25c9794a1205ff244f5fa0378d2f8d59",
                "9bed98891580c3b245fe9ec58bfa8d2a",
                "0e51fdf196141f227a57bd154012fd39",
            ),
            (
                [0x00, 0x7F],
                "f463d35410fd6ed925c7b07b333cfaf9",
                "161c8aa468e658c45ae3eca8387dfb19",
                "369a67c04590b93101ca413613db706a",
            ),
            (
                [0xFF, 0xFF],
                "e75adaaf916de18a01ab9acc6ef84b8b",
                "66f6b778a1fafccc9de6c253233be33d",
                "3c750e0f60899ffc8f0d26d860ae6c95",
            ),
        ] {
            let s = SessionKeys::derive(&StaticKeys::default(), seq).unwrap();
            assert_eq!(s.enc.to_vec(), h(enc));
            assert_eq!(s.cmac.to_vec(), h(mac));
            assert_eq!(s.dek.to_vec(), h(dek));
        }
    }

    #[test]
    fn short_or_unmacced_responses_pass_through() {
        let (s, _) = pysim_session();
        let mut w = Scp02Wrapper::new(s, 0x55, 0x13, [0; 8]);
        assert_eq!(w.unwrap("X", vec![0x6A, 0x82]).unwrap(), vec![0x6A, 0x82]);
        let bad = vec![0u8; 12];
        assert!(w.unwrap("X", bad).is_err());
    }
}
