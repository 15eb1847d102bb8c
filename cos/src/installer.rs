//! The development installer: loading, installing and deleting over APDUs on a card without
//! an issuer security domain.
//!
//! It answers the AID of the Java Card development kit's on-card installer
//! (`A0 00 00 00 62 03 01 08 01`) and follows the layout of that installer's APDUs, so that
//! CAP files reach the card the way `scriptgen` and `apdutool` send them. It is a native
//! application of the card, not multiselectable, and exists only on cards that enable it
//! ([`crate::Card::enable_installer`]): it performs no authentication, so it is meant for
//! test and development cards.
//!
//! The class is proprietary (`80`, or `80` with the channel bits of the channel the
//! installer is active on).
//!
//! | INS | command | data |
//! |---|---|---|
//! | `B0` | CAP begin | none: starts a new upload |
//! | `B2` | component begin (P1 = tag) | none |
//! | `B4` | component data (P1 = tag) | bytes of the CAP file |
//! | `BC` | component end (P1 = tag) | none |
//! | `BA` | CAP end | none: the bytes received since CAP begin are loaded as one CAP file |
//! | `BE` | abort | none: drops the upload |
//! | `B8` | create applet | class AID length, class AID, parameter length, parameters, and optionally instance AID length, instance AID |
//! | `C4` | delete applets | AID length, AID, repeated |
//! | `C0` | delete package | AID length, AID |
//!
//! The bytes of the component data commands are concatenated: the component form that
//! `scriptgen` sends (each component with its tag and size) and a whole CAP file in JAR form
//! split over several commands both load. Status words: `9000` done; `6985` a command out of
//! sequence; `6A80` malformed data or a CAP file that does not load; `6A84` an upload larger
//! than [`MAX_UPLOAD`]; `6A88` an unknown AID; `6A89` an AID already in use; `6985` a
//! refused install or deletion; `6D00` another instruction; `6E00` another class.

use crate::content::{self, InstallRequest};
use crate::router::Router;
use jcos_apdu::{CommandApdu, ResponseApdu, StatusWord};

/// The installer's AID.
pub const AID: [u8; 9] = [0xA0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x08, 0x01];
/// The largest CAP file the installer accepts, in bytes.
pub const MAX_UPLOAD: usize = 1 << 20;

/// CAP begin.
pub const INS_CAP_BEGIN: u8 = 0xB0;
/// Component begin.
pub const INS_COMPONENT_BEGIN: u8 = 0xB2;
/// Component data.
pub const INS_COMPONENT_DATA: u8 = 0xB4;
/// Component end.
pub const INS_COMPONENT_END: u8 = 0xBC;
/// CAP end.
pub const INS_CAP_END: u8 = 0xBA;
/// Abort.
pub const INS_ABORT: u8 = 0xBE;
/// Create applet.
pub const INS_CREATE_APPLET: u8 = 0xB8;
/// Delete applets.
pub const INS_DELETE_APPLETS: u8 = 0xC4;
/// Delete package.
pub const INS_DELETE_PACKAGE: u8 = 0xC0;

/// An upload in progress (transient: a reset drops it).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    bytes: Vec<u8>,
}

/// Splits `data` into length-prefixed fields.
fn fields(mut data: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = data.split_first() {
        let len = usize::from(len);
        if rest.len() < len {
            return None;
        }
        let (field, rest) = rest.split_at(len);
        out.push(field);
        data = rest;
    }
    Some(out)
}

fn status(sw: StatusWord) -> ResponseApdu {
    ResponseApdu::status(sw)
}

/// Processes one installer command on `channel`.
pub(crate) fn process(router: &mut Router<'_>, command: &CommandApdu, channel: u8) -> ResponseApdu {
    let cla = command.class();
    if cla.is_interindustry() || cla.is_secure_messaging() || cla.is_chaining() {
        return status(StatusWord::CLA_NOT_SUPPORTED);
    }
    match command.ins() {
        INS_CAP_BEGIN => {
            router.session.upload = Some(Upload::default());
            status(StatusWord::OK)
        }
        INS_COMPONENT_BEGIN | INS_COMPONENT_END => match router.session.upload {
            Some(_) => status(StatusWord::OK),
            None => status(StatusWord::CONDITIONS_NOT_SATISFIED),
        },
        INS_COMPONENT_DATA => {
            let Some(upload) = router.session.upload.as_mut() else {
                return status(StatusWord::CONDITIONS_NOT_SATISFIED);
            };
            if upload.bytes.len().saturating_add(command.nc()) > MAX_UPLOAD {
                router.session.upload = None;
                return status(StatusWord::FILE_FULL);
            }
            upload.bytes.extend_from_slice(command.data());
            status(StatusWord::OK)
        }
        INS_ABORT => {
            router.session.upload = None;
            status(StatusWord::OK)
        }
        INS_CAP_END => {
            let Some(upload) = router.session.upload.take() else {
                return status(StatusWord::CONDITIONS_NOT_SATISFIED);
            };
            match router.load(&upload.bytes) {
                Ok(()) => status(StatusWord::OK),
                Err(e) => status(e.status_word()),
            }
        }
        INS_CREATE_APPLET => {
            let Some(parts) = fields(command.data()) else {
                return status(StatusWord::WRONG_DATA);
            };
            let (class_aid, params, instance_aid) = match parts.as_slice() {
                [class, params] => (*class, *params, *class),
                [class, params, instance] => (*class, *params, *instance),
                _ => return status(StatusWord::WRONG_DATA),
            };
            let request = InstallRequest::new(class_aid, instance_aid, params);
            match router.content_install(&request, channel) {
                Ok(()) => status(StatusWord::OK),
                Err(e) => status(e.status_word()),
            }
        }
        INS_DELETE_APPLETS => {
            let Some(aids) = fields(command.data()).filter(|a| !a.is_empty()) else {
                return status(StatusWord::WRONG_DATA);
            };
            for aid in aids {
                if let Err(e) = router.content_delete_applet(aid, channel) {
                    return status(e.status_word());
                }
            }
            status(StatusWord::OK)
        }
        INS_DELETE_PACKAGE => {
            let Some(parts) = fields(command.data()) else {
                return status(StatusWord::WRONG_DATA);
            };
            let [aid] = parts.as_slice() else {
                return status(StatusWord::WRONG_DATA);
            };
            match router.delete_package(aid) {
                Ok(()) => status(StatusWord::OK),
                Err(e) => status(e.status_word()),
            }
        }
        _ => status(StatusWord::INS_NOT_SUPPORTED),
    }
}

impl Router<'_> {
    fn load(&mut self, bytes: &[u8]) -> Result<(), content::ContentError> {
        let vm = self.vm.as_deref_mut().ok_or_else(no_vm)?;
        content::load(vm, self.registry, bytes, &[]).map(|_| ())
    }

    /// Installs an applet instance, with the VM running `install()` for `channel`.
    pub(crate) fn content_install(
        &mut self,
        request: &InstallRequest<'_>,
        channel: u8,
    ) -> Result<(), content::ContentError> {
        let vm = self.vm.take().ok_or_else(no_vm)?;
        let registry = &mut *self.registry;
        let context = content::Context {
            protocol: self.protocol,
            rng: &mut *self.rng,
            channels: Some(&self.session.channels),
            channel,
        };
        let result = content::install(vm, registry, request, context);
        self.vm = Some(vm);
        result
    }

    /// Deletes an applet instance, with the VM running its uninstall for `channel`.
    pub(crate) fn content_delete_applet(
        &mut self,
        aid: &[u8],
        channel: u8,
    ) -> Result<(), content::ContentError> {
        let vm = self.vm.take().ok_or_else(no_vm)?;
        let registry = &mut *self.registry;
        let context = content::Context {
            protocol: self.protocol,
            rng: &mut *self.rng,
            channels: Some(&self.session.channels),
            channel,
        };
        let result = content::delete_applet(vm, registry, aid, context);
        self.vm = Some(vm);
        result
    }

    fn delete_package(&mut self, aid: &[u8]) -> Result<(), content::ContentError> {
        let vm = self.vm.as_deref_mut().ok_or_else(no_vm)?;
        content::delete_package(vm, self.registry, aid)
    }
}

fn no_vm() -> content::ContentError {
    content::ContentError::Vm(jcos_vm::VmError::Api("the card has no Java Card VM".into()))
}
