//! The card side of GlobalPlatform content management (GlobalPlatform Card Specification
//! 2.3.1 chapters 9 and 11), as security domains reach it through
//! `jcos.framework.CardManager` (ARCHITECTURE decision 6: the issuer security domain is an
//! applet; the card operating system keeps the registry and does the loading).
//!
//! A security domain's call is checked at once against the registry — privilege, AIDs,
//! life cycles, block numbers, the load file's hash — and the answer is immediate for
//! queries and life-cycle changes. Content changes need the VM, which is busy running the
//! security domain, so they are queued as [`Request`]s: the dispatcher carries them out
//! ([`apply`]) after the security domain's `process()` returns normally, in call order, and
//! drops them when it throws. A request that fails then replaces the response with its
//! status word (`6A80` a CAP file or an `install()` that fails, `6A84` no memory).
//!
//! - [`data`]: the INSTALL and DELETE data fields;
//! - [`load_file`]: the load session (LOAD blocks, the `C4` load file, its hash);
//! - [`status`]: GET STATUS records;
//! - [`apply`]: carrying out the queued requests;
//! - [`api`]: the registry as the `org.globalplatform` API for applets reads and changes it.

pub(crate) mod api;
pub(crate) mod apply;
pub(crate) mod data;
pub(crate) mod load_file;
pub(crate) mod status;

use crate::registry::{CardLifeCycle, LifeCycle, Privileges, Registry};
use data::{ForInstall, ForLoad};
use jcos_apdu::StatusWord;
use jcos_vm::runtime::Sw;
use load_file::{LoadRefusal, LoadSession};

/// The issuer security domain applet (`applets/isd`, package `jcos.isd`) as its committed,
/// reproducible CAP file: what [`crate::Card::with_isd`] installs.
pub const ISD_CAP: &[u8] = include_bytes!("../../../applets/isd/isd.cap");

/// The issuer security domain's AID (GlobalPlatform's `A0 00 00 01 51 00 00 00`).
pub const ISD_AID: [u8; 8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00];

/// INSTALL P1 b3: [for install].
const P1_FOR_INSTALL: u8 = 0x04;
/// INSTALL P1 b4: [for make selectable].
const P1_FOR_MAKE_SELECTABLE: u8 = 0x08;
/// INSTALL P1 b8: more INSTALL commands follow.
const P1_MORE: u8 = 0x80;

const WRONG_DATA: Sw = StatusWord::WRONG_DATA.0;
const CONDITIONS: Sw = StatusWord::CONDITIONS_NOT_SATISFIED.0;
const NOT_FOUND: Sw = StatusWord::REFERENCED_DATA_NOT_FOUND.0;
const P1P2: Sw = StatusWord::INCORRECT_P1P2.0;
const NO_MEMORY: Sw = StatusWord::FILE_FULL.0;
/// `6A89`: the AID is already in use.
const ALREADY_EXISTS: Sw = StatusWord::FILE_ALREADY_EXISTS.0;

/// A content change a security domain asked for, carried out after its `process()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    /// Load the CAP file of a completed load session.
    Load {
        /// The Load File Data Block: the CAP file in component form.
        block: Vec<u8>,
        /// The load file AID INSTALL [for load] announced.
        load_file_aid: Vec<u8>,
        /// The security domain it is associated with.
        sd_aid: Vec<u8>,
    },
    /// Install an application and/or make it selectable.
    Install {
        /// Create the instance (INSTALL [for install]).
        install: bool,
        /// Make it SELECTABLE (INSTALL [for make selectable]).
        make_selectable: bool,
        /// The executable module (applet class) AID.
        module_aid: Vec<u8>,
        /// The application AID.
        app_aid: Vec<u8>,
        /// The privileges as INSTALL gave them (the control information of `install()`).
        privilege_bytes: Vec<u8>,
        /// The privileges.
        privileges: Privileges,
        /// The `C9` parameters.
        application: Vec<u8>,
        /// The security domain it is associated with.
        sd_aid: Vec<u8>,
    },
    /// Delete an application, or a load file (with its applications when `related`).
    Delete {
        /// The AID.
        aid: Vec<u8>,
        /// Delete the load file's applications too.
        related: bool,
    },
}

/// What a security domain's calls work on besides the registry: the power session's load
/// session and the requests of the current `process()` call.
#[derive(Debug)]
pub(crate) struct Slots<'a> {
    /// The load session (transient).
    pub(crate) load: &'a mut Option<LoadSession>,
    /// Requests queued by the current call.
    pub(crate) queue: Vec<Request>,
    /// The security domain calling.
    pub(crate) caller: Vec<u8>,
}

/// Whether the applet instance `aid` holds the Security Domain privilege.
pub(crate) fn is_security_domain(registry: &Registry, aid: &[u8]) -> bool {
    registry
        .applet(aid)
        .is_some_and(|a| a.privileges.is_security_domain())
}

/// `CardManager.setCardState`.
pub(crate) fn set_card_state(registry: &mut Registry, state: u8) -> Result<(), Sw> {
    let state = CardLifeCycle::from_byte(state).ok_or(WRONG_DATA)?;
    registry.set_card_life_cycle(state);
    Ok(())
}

/// `CardManager.getApplicationState`.
pub(crate) fn application_state(registry: &Registry, aid: &[u8]) -> Result<u8, Sw> {
    registry
        .applet(aid)
        .map(|a| a.life_cycle.0)
        .ok_or(NOT_FOUND)
}

/// `CardManager.setApplicationState`.
pub(crate) fn set_application_state(
    registry: &mut Registry,
    aid: &[u8],
    state: u8,
) -> Result<(), Sw> {
    if registry.applet(aid).is_none() {
        return Err(NOT_FOUND);
    }
    if registry.is_isd(aid) {
        return Err(CONDITIONS);
    }
    let state = LifeCycle(state);
    if !state.is_valid() {
        return Err(WRONG_DATA);
    }
    if let Some(record) = registry.applet_mut(aid) {
        record.life_cycle = state;
    }
    Ok(())
}

/// `CardManager.installForLoad`.
pub(crate) fn install_for_load(
    registry: &Registry,
    slots: &mut Slots<'_>,
    data: &[u8],
) -> Result<(), Sw> {
    let announced = ForLoad::parse(data).map_err(|_| WRONG_DATA)?;
    if registry.package(&announced.load_file_aid).is_some() {
        return Err(CONDITIONS);
    }
    let sd_aid = if announced.sd_aid.is_empty() {
        slots.caller.clone()
    } else if is_security_domain(registry, &announced.sd_aid) {
        announced.sd_aid.clone()
    } else {
        return Err(NOT_FOUND);
    };
    *slots.load = Some(LoadSession::new(announced, sd_aid));
    Ok(())
}

/// `CardManager.load`.
pub(crate) fn load(slots: &mut Slots<'_>, data: &[u8], block: u8, last: bool) -> Result<(), Sw> {
    let session = slots.load.as_mut().ok_or(CONDITIONS)?;
    match session.block(block, data) {
        Ok(()) => {}
        Err(LoadRefusal::BlockNumber) => return Err(P1P2),
        Err(refusal) => {
            *slots.load = None;
            return Err(refusal_sw(refusal));
        }
    }
    if !last {
        return Ok(());
    }
    let Some(session) = slots.load.take() else {
        return Err(CONDITIONS);
    };
    let block = session.finish().map_err(refusal_sw)?;
    slots.queue.push(Request::Load {
        block,
        load_file_aid: session.announced.load_file_aid,
        sd_aid: session.sd_aid,
    });
    Ok(())
}

fn refusal_sw(refusal: LoadRefusal) -> Sw {
    match refusal {
        LoadRefusal::BlockNumber => P1P2,
        LoadRefusal::TooLarge => NO_MEMORY,
        LoadRefusal::Data => WRONG_DATA,
    }
}

/// Whether `aid` is taken by content on the card or by an install queued before.
fn aid_taken(registry: &Registry, queue: &[Request], aid: &[u8], module: &[u8]) -> bool {
    registry.aid_in_use(aid)
        || (registry.defines_class(aid) && aid != module)
        || queue
            .iter()
            .any(|r| matches!(r, Request::Install { install: true, app_aid, .. } if app_aid == aid))
}

/// `CardManager.install`.
pub(crate) fn install(
    registry: &Registry,
    slots: &mut Slots<'_>,
    data: &[u8],
    p1: u8,
) -> Result<(), Sw> {
    let kind = p1 & !P1_MORE;
    let install = kind & P1_FOR_INSTALL != 0;
    let make_selectable = kind & P1_FOR_MAKE_SELECTABLE != 0;
    if kind & !(P1_FOR_INSTALL | P1_FOR_MAKE_SELECTABLE) != 0 || !(install || make_selectable) {
        return Err(P1P2);
    }
    let f = ForInstall::parse(data).map_err(|_| WRONG_DATA)?;
    let privileges = Privileges::from_bytes(&f.privileges).ok_or(WRONG_DATA)?;
    if install {
        let file = registry.package(&f.load_file_aid).ok_or(NOT_FOUND)?;
        if !file.applet_classes.contains(&f.module_aid) {
            return Err(NOT_FOUND);
        }
        if aid_taken(registry, &slots.queue, &f.app_aid, &f.module_aid) {
            return Err(ALREADY_EXISTS);
        }
    } else {
        let app = registry.applet(&f.app_aid).ok_or(NOT_FOUND)?;
        if app.life_cycle != LifeCycle::INSTALLED {
            return Err(CONDITIONS);
        }
    }
    slots.queue.push(Request::Install {
        install,
        make_selectable,
        module_aid: f.module_aid,
        app_aid: f.app_aid,
        privilege_bytes: f.privileges,
        privileges,
        application: f.application,
        sd_aid: slots.caller.clone(),
    });
    Ok(())
}

/// `CardManager.delete`.
pub(crate) fn delete(
    registry: &Registry,
    slots: &mut Slots<'_>,
    data: &[u8],
    related: bool,
) -> Result<(), Sw> {
    let aid = data::delete_aid(data).map_err(|_| WRONG_DATA)?;
    if registry.applet(&aid).is_some() {
        if registry.is_isd(&aid) {
            return Err(CONDITIONS);
        }
    } else if registry.package(&aid).is_some() {
        let holds_isd = registry.isd().is_some_and(|isd| isd.package_aid == aid);
        let has_instances = registry.instances_of(&aid).next().is_some();
        let imported = registry.importers(&aid).next().is_some();
        if holds_isd || imported || (has_instances && !related) {
            return Err(CONDITIONS);
        }
    } else {
        return Err(NOT_FOUND);
    }
    slots.queue.push(Request::Delete { aid, related });
    Ok(())
}
