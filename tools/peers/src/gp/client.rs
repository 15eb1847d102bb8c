//! A GlobalPlatform client over any [`Transport`]: selects the issuer security domain, opens a
//! secure channel, and runs the card content management operations through it.

use crate::gp::command::{self, HashAlg, InstallRequest, KeyData};
use crate::gp::keys::{key_check_value, KeyKind, StaticKeys};
use crate::gp::load::LoadFile;
use crate::gp::session::{Handshake, OpenOptions, SecureChannel, SessionInfo};
use crate::gp::status::{self, Format, Registry, RegistryEntry, Scope};
use crate::gp::GpError;
use jcos_apdu::{hex, CommandApdu, StatusWord};
use jcos_transport::Transport;

/// The AID of the issuer security domain (GP 2.3.1 §H.1: the GlobalPlatform RID, `51`).
pub const ISD_AID: [u8; 8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00];

/// A response: data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data (R-MAC removed and decrypted when the session protects responses).
    pub data: Vec<u8>,
    /// The status word.
    pub sw: StatusWord,
}

/// Sees every APDU on the wire: command, then response.
pub type Trace<'a> = Box<dyn FnMut(&[u8], &[u8]) + 'a>;

/// How a CAP file is loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Add a load file data block hash to INSTALL [for load].
    pub hash: Option<HashAlg>,
    /// The security domain that will own the load file (empty: the selected one).
    pub security_domain: Vec<u8>,
    /// LOAD block length (default: the most a short APDU carries at the session's level).
    pub block_len: Option<usize>,
}

/// A GlobalPlatform client on one card.
pub struct GpClient<'t> {
    transport: &'t mut dyn Transport,
    channel: Option<SecureChannel>,
    trace: Option<Trace<'t>>,
}

impl std::fmt::Debug for GpClient<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpClient")
            .field("channel", &self.channel.as_ref().map(SecureChannel::info))
            .finish_non_exhaustive()
    }
}

impl<'t> GpClient<'t> {
    /// A client on `transport` (a powered card).
    pub fn new(transport: &'t mut dyn Transport) -> GpClient<'t> {
        GpClient {
            transport,
            channel: None,
            trace: None,
        }
    }

    /// Calls `trace` with every command and response on the wire.
    pub fn with_trace(mut self, trace: Trace<'t>) -> GpClient<'t> {
        self.trace = Some(trace);
        self
    }

    /// The open secure channel, if any.
    pub fn session(&self) -> Option<&SessionInfo> {
        self.channel.as_ref().map(SecureChannel::info)
    }

    fn raw(&mut self, apdu: &[u8]) -> Result<Vec<u8>, GpError> {
        let response = self.transport.transmit(apdu)?;
        if let Some(trace) = self.trace.as_mut() {
            trace(apdu, &response);
        }
        Ok(response)
    }

    /// One exchange, fetching the rest of a T=0 answer (`61xx`: GET RESPONSE; `6Cxx`: the
    /// command again with the right Le).
    fn exchange(&mut self, apdu: &[u8]) -> Result<Vec<u8>, GpError> {
        let mut response = self.raw(apdu)?;
        if let [.., 0x6C, le] = response.as_slice() {
            let mut again = apdu.to_vec();
            if let Some(last) = again.last_mut() {
                *last = *le;
                response = self.raw(&again)?;
            }
        }
        let mut data = Vec::new();
        let mut rounds = 0;
        while let [.., 0x61, more] = response.as_slice() {
            let more = *more;
            rounds += 1;
            if rounds > 256 {
                return Err(GpError::Malformed {
                    command: "GET RESPONSE".into(),
                    what: "the card keeps answering 61xx".into(),
                });
            }
            data.extend_from_slice(response.get(..response.len() - 2).unwrap_or_default());
            response = self.raw(&[apdu.first().copied().unwrap_or(0) & 0x03, 0xC0, 0, 0, more])?;
        }
        data.extend_from_slice(&response);
        Ok(data)
    }

    /// Sends a command, protected by the secure channel when one is open.
    pub fn send(&mut self, name: &str, cmd: &CommandApdu) -> Result<Response, GpError> {
        let wire = match self.channel.as_mut() {
            Some(channel) => channel.wrap(cmd)?,
            None => cmd.clone(),
        };
        let response = self.exchange(&wire.to_bytes())?;
        let response = match self.channel.as_mut() {
            Some(channel) => match channel.unwrap(name, response) {
                Ok(r) => r,
                Err(e) => {
                    // A response whose protection does not verify (a missing or wrong R-MAC,
                    // undecryptable data) cannot be told from a tampered one: the host ends
                    // the session, as the card does on a bad C-MAC (Amendment D §6.2.5).
                    self.channel = None;
                    return Err(e);
                }
            },
            None => response,
        };
        let resp = split(name, response)?;
        if self.channel.is_some() && resp.sw == StatusWord(0x6982) {
            // A card that cannot verify a command's protection ends the session (GP 2.3.1
            // §E.4.4, Amendment D §6.2.4).
            self.channel = None;
        }
        Ok(resp)
    }

    /// Sends a command unprotected, even with a channel open.
    pub fn send_plain(&mut self, name: &str, cmd: &CommandApdu) -> Result<Response, GpError> {
        let response = self.exchange(&cmd.to_bytes())?;
        split(name, response)
    }

    /// Sends a command and requires `9000`; returns the data.
    pub fn send_ok(&mut self, name: &str, cmd: &CommandApdu) -> Result<Vec<u8>, GpError> {
        let r = self.send(name, cmd)?;
        ok(name, r)
    }

    /// Selects an application by AID; the card closes any secure channel (GP 2.3.1 §10.2.3).
    pub fn select(&mut self, aid: &[u8]) -> Result<Vec<u8>, GpError> {
        self.channel = None;
        let r = self.send_plain("SELECT", &command::select(aid)?)?;
        ok("SELECT", r)
    }

    /// Opens a secure channel with the selected security domain.
    pub fn open_secure_channel(&mut self, options: OpenOptions) -> Result<SessionInfo, GpError> {
        self.channel = None;
        let handshake = Handshake::new(options, 0)?;
        let iu = handshake.initialize_update()?;
        let data = ok(
            "INITIALIZE UPDATE",
            self.send_plain("INITIALIZE UPDATE", &iu)?,
        )?;
        let authenticated = handshake.card_answered(&data)?;
        let (ea, channel) = authenticated.external_authenticate()?;
        ok(
            "EXTERNAL AUTHENTICATE",
            self.send_plain("EXTERNAL AUTHENTICATE", &ea)?,
        )?;
        let info = channel.info().clone();
        self.channel = Some(channel);
        Ok(info)
    }

    /// GET DATA of `tag`.
    pub fn get_data(&mut self, tag: u16) -> Result<Vec<u8>, GpError> {
        self.send_ok(&format!("GET DATA {tag:04X}"), &command::get_data(tag)?)
    }

    /// GET STATUS of `scope` in `format`, following `6310` answers to the end.
    pub fn get_status(
        &mut self,
        scope: Scope,
        format: Format,
    ) -> Result<Vec<RegistryEntry>, GpError> {
        let mut entries = Vec::new();
        let mut next = false;
        for _ in 0..256 {
            let r = self.send("GET STATUS", &command::get_status(scope, format, next)?)?;
            match r.sw.0 {
                0x9000 => {
                    entries.extend(status::parse(scope, format, &r.data)?);
                    return Ok(entries);
                }
                0x6310 => {
                    entries.extend(status::parse(scope, format, &r.data)?);
                    next = true;
                }
                // Referenced data not found: nothing of this kind on the card.
                0x6A88 if !next => return Ok(entries),
                _ => {
                    return Err(GpError::Refused {
                        command: "GET STATUS".into(),
                        sw: r.sw,
                    })
                }
            }
        }
        Err(GpError::Malformed {
            command: "GET STATUS".into(),
            what: "more than 256 answers of 6310".into(),
        })
    }

    /// The registry: the issuer security domain, applications, load files with their modules,
    /// in the tagged format, or the legacy one if the card does not answer that.
    pub fn registry(&mut self) -> Result<Registry, GpError> {
        let format = match self.get_status(Scope::Isd, Format::Tagged) {
            Ok(isd) => Some((Format::Tagged, isd)),
            Err(GpError::Refused { sw, .. })
                if matches!(sw.0, 0x6A86 | 0x6A80 | 0x6D00 | 0x6E00) =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        let (format, isd) = match format {
            Some(found) => found,
            None => (Format::Legacy, self.get_status(Scope::Isd, Format::Legacy)?),
        };
        let applications = self.get_status(Scope::Applications, format)?;
        let load_files = match self.get_status(Scope::LoadFilesAndModules, format) {
            Ok(files) => files,
            Err(GpError::Refused { .. }) => self.get_status(Scope::LoadFiles, format)?,
            Err(e) => return Err(e),
        };
        Ok(Registry {
            isd,
            applications,
            load_files,
        })
    }

    fn default_block_len(&self) -> usize {
        let level = self.channel.as_ref().map_or(0, |c| c.info().level.0);
        let mut len: usize = 255;
        if level & 0x01 != 0 {
            len -= 8;
        }
        if level & 0x02 != 0 {
            // The padding adds at least one byte and fills to whole 16-byte blocks.
            len = (len / 16) * 16 - 1;
        }
        len
    }

    /// Loads a load file: INSTALL [for load], then the LOAD blocks.
    pub fn load(&mut self, file: &LoadFile, options: &LoadOptions) -> Result<(), GpError> {
        let hash = options.hash.map(|h| file.hash(h)).unwrap_or_default();
        let cmd =
            command::install_for_load(&file.package_aid, &options.security_domain, &hash, &[])?;
        self.send_ok("INSTALL [for load]", &cmd)?;
        let block_len = options
            .block_len
            .unwrap_or_else(|| self.default_block_len());
        let blocks = file.blocks(block_len)?;
        let count = blocks.len();
        for (n, block) in blocks.iter().enumerate() {
            let number = u8::try_from(n).map_err(|_| GpError::Invalid("too many blocks".into()))?;
            let last = n + 1 == count;
            self.send_ok(
                &format!("LOAD block {n} of {count}"),
                &command::load(number, last, block)?,
            )?;
        }
        Ok(())
    }

    /// INSTALL [for install (and make selectable)].
    pub fn install(&mut self, request: &InstallRequest) -> Result<(), GpError> {
        self.send_ok(
            "INSTALL [for install]",
            &command::install_for_install(request)?,
        )?;
        Ok(())
    }

    /// INSTALL [for make selectable].
    pub fn make_selectable(&mut self, aid: &[u8], privileges: &[u8]) -> Result<(), GpError> {
        let cmd = command::install_for_make_selectable(aid, privileges)?;
        self.send_ok("INSTALL [for make selectable]", &cmd)?;
        Ok(())
    }

    /// DELETE of an application or load file (`related`: with what depends on it).
    pub fn delete(&mut self, aid: &[u8], related: bool) -> Result<(), GpError> {
        self.send_ok("DELETE", &command::delete(aid, related)?)?;
        Ok(())
    }

    /// SET STATUS.
    pub fn set_status(&mut self, p1: u8, state: u8, aid: &[u8]) -> Result<(), GpError> {
        self.send_ok("SET STATUS", &command::set_status(p1, state, aid)?)?;
        Ok(())
    }

    /// STORE DATA of `data` to the application INSTALL [for personalization] named (or the
    /// selected security domain), in blocks of at most `block_len` bytes; `p1` carries the
    /// data structure bits (the last-block bit is set here).
    pub fn store_data(
        &mut self,
        p1: u8,
        data: &[u8],
        block_len: usize,
    ) -> Result<Vec<u8>, GpError> {
        if block_len == 0 {
            return Err(GpError::Invalid(
                "a STORE DATA block holds at least one byte".into(),
            ));
        }
        let chunks: Vec<&[u8]> = if data.is_empty() {
            vec![&[]]
        } else {
            data.chunks(block_len).collect()
        };
        let count = chunks.len();
        let mut out = Vec::new();
        for (n, chunk) in chunks.iter().enumerate() {
            let number = u8::try_from(n).map_err(|_| GpError::Invalid("too many blocks".into()))?;
            let p1 = if n + 1 == count { p1 | 0x80 } else { p1 & 0x7F };
            out.extend(self.send_ok("STORE DATA", &command::store_data(p1, number, chunk)?)?);
        }
        Ok(out)
    }

    /// PUT KEY of a whole key set (ENC, MAC, DEK as key identifiers 1-3) of `kind` under
    /// version `new_kvn`, replacing `old_kvn` (00: add). The keys are encrypted with the
    /// session's DEK, and the card's key check values must match.
    pub fn put_key_set(
        &mut self,
        old_kvn: u8,
        new_kvn: u8,
        keys: &StaticKeys,
        kind: KeyKind,
    ) -> Result<(), GpError> {
        keys.check(kind)?;
        let Some(channel) = self.channel.as_ref() else {
            return Err(GpError::Invalid(
                "PUT KEY needs a secure channel: keys travel encrypted with its DEK".into(),
            ));
        };
        let mut data = Vec::new();
        let mut kcvs = Vec::new();
        for key in [&keys.enc, &keys.mac, &keys.dek] {
            let kcv = key_check_value(kind, key)?;
            kcvs.extend_from_slice(&kcv);
            data.push(KeyData {
                key_type: kind.key_type(),
                encrypted: channel.encrypt_key(key)?,
                clear_len: key.len(),
                kcv,
            });
        }
        let answer = self.send_ok("PUT KEY", &command::put_key(old_kvn, 1, new_kvn, &data)?)?;
        let mut expected = vec![new_kvn];
        expected.extend_from_slice(&kcvs);
        if answer != expected {
            return Err(GpError::KeyCheck {
                expected: hex::encode(&expected),
                received: hex::encode(&answer),
            });
        }
        Ok(())
    }
}

fn split(name: &str, mut response: Vec<u8>) -> Result<Response, GpError> {
    let Some(at) = response.len().checked_sub(2) else {
        return Err(GpError::Malformed {
            command: name.into(),
            what: format!("{} bytes: no status word", response.len()),
        });
    };
    let sw = match response.get(at..) {
        Some(&[sw1, sw2]) => StatusWord::from_bytes(sw1, sw2),
        _ => StatusWord(0),
    };
    response.truncate(at);
    Ok(Response { data: response, sw })
}

fn ok(name: &str, r: Response) -> Result<Vec<u8>, GpError> {
    if r.sw == StatusWord(0x9000) {
        Ok(r.data)
    } else {
        Err(GpError::Refused {
            command: name.into(),
            sw: r.sw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_transport::TransportError;
    use std::collections::VecDeque;

    /// A card that answers from a script and records what it was sent.
    struct Scripted {
        answers: VecDeque<Vec<u8>>,
        sent: Vec<Vec<u8>>,
    }

    impl Transport for Scripted {
        fn power_on(&mut self) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x3B, 0x00])
        }
        fn power_off(&mut self) -> Result<(), TransportError> {
            Ok(())
        }
        fn reset(&mut self) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x3B, 0x00])
        }
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(apdu.to_vec());
            Ok(self.answers.pop_front().unwrap_or_else(|| vec![0x6F, 0x00]))
        }
    }

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    fn scripted(answers: &[&str]) -> Scripted {
        Scripted {
            answers: answers.iter().map(|a| h(a)).collect(),
            sent: Vec::new(),
        }
    }

    #[test]
    fn get_status_follows_6310_to_the_end() {
        let mut card = scripted(&[
            "E30E4F05A0000000019F700107C5010063 10",
            "E30E4F05A0000000029F700107C50100 9000",
        ]);
        let entries = GpClient::new(&mut card)
            .get_status(Scope::Applications, Format::Tagged)
            .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].aid, "A000000002");
        assert_eq!(card.sent[0], h("80F24002024F0000"));
        assert_eq!(card.sent[1], h("80F24003024F0000"));
    }

    #[test]
    fn t0_answers_are_completed_with_get_response() {
        let mut card = scripted(&["6105", "0102030405 9000"]);
        let data = GpClient::new(&mut card).get_data(0x0066).unwrap();
        assert_eq!(data, h("0102030405"));
        assert_eq!(card.sent[1], h("00C0000005"));
    }

    #[test]
    fn refusals_and_broken_answers_are_errors() {
        let mut card = scripted(&["6A88", "90"]);
        let mut gp = GpClient::new(&mut card);
        let err = gp.get_data(0x00CF).unwrap_err();
        assert_eq!(err.status_word(), Some(StatusWord(0x6A88)));
        assert!(matches!(
            gp.get_data(0x0066),
            Err(GpError::Malformed { .. })
        ));
    }

    #[test]
    fn a_wrong_card_cryptogram_stops_before_external_authenticate() {
        // SCP03 INITIALIZE UPDATE answer for another key set: the test key gives another
        // cryptogram, so no EXTERNAL AUTHENTICATE is sent.
        let mut card =
            scripted(&["000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002 9000"]);
        let mut gp = GpClient::new(&mut card);
        let err = gp.open_secure_channel(OpenOptions::default()).unwrap_err();
        assert!(matches!(err, GpError::CardCryptogram { .. }), "{err}");
        assert!(gp.session().is_none());
        drop(gp);
        assert_eq!(card.sent.len(), 1);
    }

    #[test]
    fn put_key_needs_a_channel() {
        let mut card = scripted(&[]);
        let err = GpClient::new(&mut card)
            .put_key_set(0, 0x31, &StaticKeys::default(), KeyKind::Aes)
            .unwrap_err();
        assert!(matches!(err, GpError::Invalid(_)));
        assert!(card.sent.is_empty());
    }
}
