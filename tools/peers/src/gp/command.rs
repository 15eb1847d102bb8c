//! The card content management commands (GP 2.3.1 chapter 11), built plain: the secure
//! channel protects them afterwards.

use crate::gp::status::{Format, Scope};
use crate::gp::GpError;
use jcos_apdu::CommandApdu;

/// The GlobalPlatform proprietary class byte on the basic channel.
pub const CLA_GP: u8 = 0x80;

fn apdu(
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: Vec<u8>,
    ne: Option<usize>,
) -> Result<CommandApdu, GpError> {
    CommandApdu::new(cla, ins, p1, p2, data, ne).map_err(|e| GpError::Invalid(e.to_string()))
}

/// Appends `bytes` with a one-byte length.
fn lv(out: &mut Vec<u8>, bytes: &[u8], what: &str) -> Result<(), GpError> {
    let len = u8::try_from(bytes.len())
        .map_err(|_| GpError::Invalid(format!("{what} of {} bytes is too long", bytes.len())))?;
    out.push(len);
    out.extend_from_slice(bytes);
    Ok(())
}

/// Checks an AID's length (ISO 7816-5: 5 to 16 bytes).
pub fn check_aid(aid: &[u8], what: &str) -> Result<(), GpError> {
    if (5..=16).contains(&aid.len()) {
        Ok(())
    } else {
        Err(GpError::Invalid(format!(
            "{what} has {} bytes; an AID has 5 to 16",
            aid.len()
        )))
    }
}

/// SELECT by DF name, first or only occurrence, FCI returned (ISO 7816-4 §11.2.2).
pub fn select(aid: &[u8]) -> Result<CommandApdu, GpError> {
    apdu(0x00, 0xA4, 0x04, 0x00, aid.to_vec(), Some(256))
}

/// GET DATA for `tag` (one or two bytes, GP 2.3.1 §11.3): `66` card data, `E0` key
/// information, `9F7F` CPLC, `CF` key diversification data, `C1` sequence counter.
pub fn get_data(tag: u16) -> Result<CommandApdu, GpError> {
    let [p1, p2] = tag.to_be_bytes();
    // CPLC and card data are fetched with CLA 80 like the other GP data objects.
    apdu(CLA_GP, 0xCA, p1, p2, Vec::new(), Some(256))
}

/// GET STATUS (GP 2.3.1 §11.4) of `scope` in `format`, every entry (search criteria `4F 00`);
/// `next` asks for the entries after a `6310` answer.
pub fn get_status(scope: Scope, format: Format, next: bool) -> Result<CommandApdu, GpError> {
    let p2 = format.p2() | u8::from(next);
    apdu(CLA_GP, 0xF2, scope.p1(), p2, vec![0x4F, 0x00], Some(256))
}

/// The hash algorithm of a load file data block hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-1 (GP 2.2).
    Sha1,
    /// SHA-256 (GP 2.3).
    Sha256,
}

impl HashAlg {
    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => {
                use sha1::Digest;
                sha1::Sha1::digest(data).to_vec()
            }
            HashAlg::Sha256 => {
                use sha2_011::Digest;
                sha2_011::Sha256::digest(data).to_vec()
            }
        }
    }
}

/// INSTALL [for load] (GP 2.3.1 §11.5.2.3.1): the load file AID, the security domain that will
/// own it (empty: the one the command goes to), the load file data block hash (may be empty)
/// and load parameters (may be empty).
pub fn install_for_load(
    load_file: &[u8],
    security_domain: &[u8],
    hash: &[u8],
    load_parameters: &[u8],
) -> Result<CommandApdu, GpError> {
    let mut data = Vec::new();
    lv(&mut data, load_file, "load file AID")?;
    lv(&mut data, security_domain, "security domain AID")?;
    lv(&mut data, hash, "load file data block hash")?;
    lv(&mut data, load_parameters, "load parameters")?;
    data.push(0); // no load token
    apdu(CLA_GP, 0xE6, 0x02, 0x00, data, Some(256))
}

/// What INSTALL [for install] creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRequest {
    /// Executable load file (package) AID.
    pub load_file: Vec<u8>,
    /// Executable module (applet class) AID.
    pub module: Vec<u8>,
    /// The new application's AID.
    pub application: Vec<u8>,
    /// Privileges, 1 or 3 bytes.
    pub privileges: Vec<u8>,
    /// Application specific parameters (the value of tag `C9`).
    pub parameters: Vec<u8>,
    /// Also make it selectable (P1 `0C` rather than `04`).
    pub make_selectable: bool,
}

/// The install parameters field: `C9` with the application specific parameters.
fn install_parameters(params: &[u8]) -> Result<Vec<u8>, GpError> {
    let mut out = vec![0xC9];
    jcos_apdu::tlv::write_length(params.len(), &mut out);
    out.extend_from_slice(params);
    if out.len() > 255 {
        return Err(GpError::Invalid(format!(
            "{} bytes of install parameters do not fit",
            params.len()
        )));
    }
    Ok(out)
}

/// INSTALL [for install] or [for install and make selectable] (GP 2.3.1 §11.5.2.3.2).
pub fn install_for_install(req: &InstallRequest) -> Result<CommandApdu, GpError> {
    if !matches!(req.privileges.len(), 1 | 3) {
        return Err(GpError::Invalid(format!(
            "privileges have 1 or 3 bytes, not {}",
            req.privileges.len()
        )));
    }
    let mut data = Vec::new();
    lv(&mut data, &req.load_file, "load file AID")?;
    lv(&mut data, &req.module, "module AID")?;
    lv(&mut data, &req.application, "application AID")?;
    lv(&mut data, &req.privileges, "privileges")?;
    lv(
        &mut data,
        &install_parameters(&req.parameters)?,
        "install parameters",
    )?;
    data.push(0); // no install token
    let p1 = if req.make_selectable { 0x0C } else { 0x04 };
    apdu(CLA_GP, 0xE6, p1, 0x00, data, Some(256))
}

/// INSTALL [for make selectable] (GP 2.3.1 §11.5.2.3.3).
pub fn install_for_make_selectable(
    application: &[u8],
    privileges: &[u8],
) -> Result<CommandApdu, GpError> {
    let mut data = vec![0, 0];
    lv(&mut data, application, "application AID")?;
    lv(&mut data, privileges, "privileges")?;
    data.extend_from_slice(&[0, 0]);
    apdu(CLA_GP, 0xE6, 0x08, 0x00, data, Some(256))
}

/// INSTALL [for personalization] (GP 2.3.1 §11.5.2.3.5): STORE DATA that follows goes to
/// `application`.
pub fn install_for_personalization(application: &[u8]) -> Result<CommandApdu, GpError> {
    let mut data = vec![0, 0];
    lv(&mut data, application, "application AID")?;
    data.extend_from_slice(&[0, 0, 0]);
    apdu(CLA_GP, 0xE6, 0x20, 0x00, data, Some(256))
}

/// LOAD block `number` (GP 2.3.1 §11.6); `last` marks the final block.
pub fn load(number: u8, last: bool, block: &[u8]) -> Result<CommandApdu, GpError> {
    let p1 = if last { 0x80 } else { 0x00 };
    apdu(CLA_GP, 0xE8, p1, number, block.to_vec(), Some(256))
}

/// DELETE (GP 2.3.1 §11.2) of the object `aid`; `related` also deletes what depends on it
/// (P2 `80`: a load file with its applications).
pub fn delete(aid: &[u8], related: bool) -> Result<CommandApdu, GpError> {
    let mut data = vec![0x4F];
    lv(&mut data, aid, "AID")?;
    let p2 = if related { 0x80 } else { 0x00 };
    apdu(CLA_GP, 0xE4, 0x00, p2, data, Some(256))
}

/// SET STATUS (GP 2.3.1 §11.10): `p1` the status type (`80` issuer security domain / card,
/// `40` application or security domain, `60` security domain and its applications), `state`
/// the new state, `aid` the target (empty for the card).
pub fn set_status(p1: u8, state: u8, aid: &[u8]) -> Result<CommandApdu, GpError> {
    apdu(CLA_GP, 0xF0, p1, state, aid.to_vec(), None)
}

/// STORE DATA block `number` (GP 2.3.1 §11.11); `p1` carries the last-block bit (`80`) and
/// the data structure and encryption bits.
pub fn store_data(p1: u8, number: u8, data: &[u8]) -> Result<CommandApdu, GpError> {
    apdu(CLA_GP, 0xE2, p1, number, data.to_vec(), Some(256))
}

/// One key of a PUT KEY command, already encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyData {
    /// Key type (`80` DES, `88` AES).
    pub key_type: u8,
    /// The key encrypted with the DEK.
    pub encrypted: Vec<u8>,
    /// The clear key's length (AES key data carries it).
    pub clear_len: usize,
    /// The key check value.
    pub kcv: [u8; 3],
}

/// PUT KEY (GP 2.3.1 §11.8) of several keys from key identifier `first_id` in key set
/// `new_kvn`, replacing key set `old_kvn` (00: adding a new key set).
pub fn put_key(
    old_kvn: u8,
    first_id: u8,
    new_kvn: u8,
    keys: &[KeyData],
) -> Result<CommandApdu, GpError> {
    let mut data = vec![new_kvn];
    for k in keys {
        data.push(k.key_type);
        if k.key_type == 0x88 {
            // Amendment D §7.2 (Table 7-7): AES key data is its length, then the key.
            let mut block = Vec::with_capacity(k.encrypted.len() + 1);
            block.push(
                u8::try_from(k.clear_len).map_err(|_| GpError::Invalid("key length".into()))?,
            );
            block.extend_from_slice(&k.encrypted);
            lv(&mut data, &block, "key data")?;
        } else {
            lv(&mut data, &k.encrypted, "key data")?;
        }
        lv(&mut data, &k.kcv, "key check value")?;
    }
    let p2 = if keys.len() > 1 {
        first_id | 0x80
    } else {
        first_id
    };
    apdu(CLA_GP, 0xD8, old_kvn, p2, data, Some(256))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_apdu::hex;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn commands_have_the_layouts_of_the_specification() {
        assert_eq!(
            get_status(Scope::Applications, Format::Tagged, false)
                .unwrap()
                .to_bytes(),
            h("80F24002024F0000")
        );
        assert_eq!(
            get_status(Scope::Isd, Format::Legacy, true)
                .unwrap()
                .to_bytes(),
            h("80F28001024F0000")
        );
        assert_eq!(
            install_for_load(&h("A000000062010101"), &[], &[], &[])
                .unwrap()
                .to_bytes(),
            h("80E602000D08A0000000620101010000000000")
        );
        let req = InstallRequest {
            load_file: h("A0000000620101"),
            module: h("A000000062010101"),
            application: h("A000000062010101"),
            privileges: vec![0],
            parameters: Vec::new(),
            make_selectable: true,
        };
        assert_eq!(
            install_for_install(&req).unwrap().to_bytes(),
            h(
                "80E60C002007A000000062010108A00000006201010108A0000000620101010100 02C900 00 00"
                    .replace(' ', "")
                    .as_str()
            )
        );
        assert_eq!(
            delete(&h("A0000000620101"), true).unwrap().to_bytes(),
            h("80E40080094F07A000000062010100")
        );
        assert_eq!(
            set_status(0x40, 0x80, &h("A0000000620101"))
                .unwrap()
                .to_bytes(),
            h("80F0408007A0000000620101")
        );
        assert_eq!(
            load(2, true, &[1, 2]).unwrap().to_bytes(),
            h("80E88002020102 00".replace(' ', "").as_str())
        );
    }

    #[test]
    fn put_key_layout() {
        let k = KeyData {
            key_type: 0x88,
            encrypted: vec![0xAA; 16],
            clear_len: 16,
            kcv: [1, 2, 3],
        };
        let cmd = put_key(0x30, 1, 0x31, &[k.clone(), k.clone(), k]).unwrap();
        let b = cmd.to_bytes();
        assert_eq!(&b[..5], &h("80D8308146")[..]);
        assert_eq!(&b[5..9], &h("31881110")[..]);
    }
}
