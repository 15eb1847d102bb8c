//! Card content management: loading packages, installing applet instances and deleting
//! both (JCRE 3.0.5 chapter 11), the operations behind [`crate::Card::load_package`] and
//! friends and the development installer.
//!
//! Each operation checks everything it can before changing anything, so a refused request
//! leaves the registry and the VM as they were.

use crate::atr::Protocol;
use crate::channel::LogicalChannels;
use crate::registry::{AppletRecord, LifeCycle, PackageRecord, Privileges, Registry};
use crate::runtime::CardRuntime;
use jcos_apdu::StatusWord;
use jcos_vm::cap::{CapError, CapFile};
use jcos_vm::link::{LoadError, LoadErrorKind};
use jcos_vm::verify::VerifyError;
use jcos_vm::{AppletId, DeleteError, InstallError, InstallParams, Vm};
use rand::rngs::StdRng;

/// Why content could not be loaded, installed or deleted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContentError {
    /// The CAP file does not parse.
    #[error("CAP file: {0}")]
    Cap(#[from] CapError),
    /// The CAP file failed bytecode verification.
    #[error("CAP file failed verification: {0}")]
    Verify(#[from] VerifyError),
    /// The package does not link against the card's packages.
    #[error("{0}")]
    Link(LoadError),
    /// A package with this AID is already on the card.
    #[error("package {aid} is already loaded")]
    AlreadyLoaded {
        /// The package AID, in hex.
        aid: String,
    },
    /// A package or applet instance already uses this AID.
    #[error("AID {aid} is already used by a package or an applet instance")]
    AidInUse {
        /// The AID, in hex.
        aid: String,
    },
    /// An AID is not 5 to 16 bytes long (ISO/IEC 7816-5).
    #[error("AID {aid} is {len} bytes long; an AID has 5 to 16 bytes")]
    BadAid {
        /// The AID, in hex.
        aid: String,
        /// Its length.
        len: usize,
    },
    /// No package with this AID.
    #[error("no package with AID {aid} is loaded")]
    UnknownPackage {
        /// The AID, in hex.
        aid: String,
    },
    /// No applet instance with this AID.
    #[error("no applet instance with AID {aid} is installed")]
    UnknownApplet {
        /// The AID, in hex.
        aid: String,
    },
    /// No loaded package defines an applet class with this AID.
    #[error("no loaded package defines an applet class with AID {aid}")]
    UnknownClass {
        /// The AID, in hex.
        aid: String,
    },
    /// The install parameter block would exceed 127 bytes.
    #[error("install parameters too long: the block (AID, control data, parameters) must fit in 127 bytes")]
    Parameters,
    /// The applet's `install` method threw or trapped.
    #[error("the install method of applet class {class} failed with status word {sw:04X}")]
    InstallFailed {
        /// The applet class AID, in hex.
        class: String,
        /// The status word its outcome maps to.
        sw: u16,
    },
    /// The applet's `install` method returned without registering an instance.
    #[error("the install method of applet class {class} did not register an instance")]
    NotRegistered {
        /// The applet class AID, in hex.
        class: String,
    },
    /// The package still has applet instances.
    #[error("package {aid} still has applet instances ({instances}); delete them first")]
    HasInstances {
        /// The package AID, in hex.
        aid: String,
        /// Their AIDs, in hex.
        instances: String,
    },
    /// Other packages import the package.
    #[error("package {aid} is imported by {importers}; delete them first")]
    Imported {
        /// The package AID, in hex.
        aid: String,
        /// The importing packages' AIDs, in hex.
        importers: String,
    },
    /// The applet instance is active on a logical channel.
    #[error("applet {aid} is active on a logical channel")]
    Active {
        /// The AID, in hex.
        aid: String,
    },
    /// Objects of the instance are referenced from other applets' objects.
    #[error("objects of applet {aid} are referenced from other applets or packages")]
    Referenced {
        /// The AID, in hex.
        aid: String,
    },
    /// The Java Card VM could not be created.
    #[error("the Java Card VM could not be created: {0}")]
    Vm(#[from] jcos_vm::VmError),
}

impl ContentError {
    /// The status word a card answers for this refusal (ISO/IEC 7816-4:2005 Table 6,
    /// GlobalPlatform 2.3 §11.1.3 where it is more precise).
    pub fn status_word(&self) -> StatusWord {
        match self {
            ContentError::Cap(_)
            | ContentError::Verify(_)
            | ContentError::Link(_)
            | ContentError::BadAid { .. }
            | ContentError::Parameters => StatusWord::WRONG_DATA,
            ContentError::AlreadyLoaded { .. } | ContentError::AidInUse { .. } => {
                StatusWord::FILE_ALREADY_EXISTS
            }
            ContentError::UnknownPackage { .. }
            | ContentError::UnknownApplet { .. }
            | ContentError::UnknownClass { .. } => StatusWord::REFERENCED_DATA_NOT_FOUND,
            ContentError::InstallFailed { .. } | ContentError::NotRegistered { .. } => {
                StatusWord::CONDITIONS_NOT_SATISFIED
            }
            ContentError::HasInstances { .. }
            | ContentError::Imported { .. }
            | ContentError::Active { .. }
            | ContentError::Referenced { .. } => StatusWord::CONDITIONS_NOT_SATISFIED,
            ContentError::Vm(_) => StatusWord::UNKNOWN,
        }
    }
}

/// A package as loaded: what [`crate::Card::load_package`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedPackage {
    /// The package AID.
    pub aid: Vec<u8>,
    /// The package name, when the CAP file records it.
    pub name: String,
    /// Its applet classes' AIDs.
    pub applet_classes: Vec<Vec<u8>>,
}

/// What to install: an instance of an applet class with its install parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallRequest<'a> {
    /// The applet class AID.
    pub class_aid: &'a [u8],
    /// The instance AID; empty means the class AID.
    pub instance_aid: &'a [u8],
    /// Control information for the install parameter block.
    pub control: &'a [u8],
    /// Application parameters (the C9 data).
    pub application: &'a [u8],
    /// Its GlobalPlatform privileges; Card Reset makes it the card's default applet.
    pub privileges: Privileges,
    /// Its life cycle state after install: SELECTABLE, or INSTALLED for a GlobalPlatform
    /// INSTALL [for install] without [for make selectable].
    pub life_cycle: LifeCycle,
    /// The security domain it is associated with (empty on a card without one).
    pub associated_sd: &'a [u8],
}

impl<'a> InstallRequest<'a> {
    /// An instance of `class_aid` named `instance_aid`, with application parameters
    /// `params` and no control information or privileges.
    pub fn new(class_aid: &'a [u8], instance_aid: &'a [u8], params: &'a [u8]) -> Self {
        Self {
            class_aid,
            instance_aid,
            control: &[],
            application: params,
            privileges: Privileges::default(),
            life_cycle: LifeCycle::SELECTABLE,
            associated_sd: &[],
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    jcos_apdu::hex::encode(bytes)
}

fn check_aid(aid: &[u8]) -> Result<(), ContentError> {
    if (5..=16).contains(&aid.len()) {
        Ok(())
    } else {
        Err(ContentError::BadAid {
            aid: hex(aid),
            len: aid.len(),
        })
    }
}

/// Parses, checks and links a CAP file and records it in the registry, associated with the
/// security domain `associated_sd` (empty: none).
pub(crate) fn load(
    vm: &mut Vm,
    registry: &mut Registry,
    bytes: &[u8],
    associated_sd: &[u8],
) -> Result<LoadedPackage, ContentError> {
    let cap = CapFile::from_bytes(bytes)?;
    load_cap(vm, registry, &cap, associated_sd)
}

/// [`load`] for a parsed CAP file.
pub(crate) fn load_cap(
    vm: &mut Vm,
    registry: &mut Registry,
    cap: &CapFile,
    associated_sd: &[u8],
) -> Result<LoadedPackage, ContentError> {
    let aid = cap.package_aid().as_bytes().to_vec();
    if registry.package(&aid).is_some() {
        return Err(ContentError::AlreadyLoaded { aid: hex(&aid) });
    }
    let applet_classes: Vec<Vec<u8>> = cap
        .applet
        .iter()
        .flat_map(|a| a.applets.iter().map(|i| i.aid.as_bytes().to_vec()))
        .collect();
    if let Some(used) = std::iter::once(&aid)
        .chain(&applet_classes)
        .find(|a| registry.aid_in_use(a) || registry.defines_class(a))
    {
        return Err(ContentError::AidInUse { aid: hex(used) });
    }
    crate::verification::verify(cap, vm)?;
    let package = vm.load(cap).map_err(|e| match e.info().kind {
        LoadErrorKind::AlreadyLoaded => ContentError::AlreadyLoaded { aid: hex(&aid) },
        _ => ContentError::Link(e),
    })?;
    let name = cap.package_name().unwrap_or_default().replace('.', "/");
    registry.add_package(PackageRecord {
        aid: aid.clone(),
        name: name.clone(),
        version: (
            cap.header.package.major_version,
            cap.header.package.minor_version,
        ),
        imports: cap
            .import
            .packages
            .iter()
            .map(|p| p.aid.as_bytes().to_vec())
            .collect(),
        applet_classes: applet_classes.clone(),
        associated_sd: associated_sd.to_vec(),
        vm_package: package.0,
    });
    Ok(LoadedPackage {
        aid,
        name,
        applet_classes,
    })
}

/// What the VM needs of the card to run applet code outside APDU processing.
pub(crate) struct Context<'a> {
    /// The card's protocol.
    pub(crate) protocol: Protocol,
    /// The card's random source.
    pub(crate) rng: &'a mut StdRng,
    /// The channels, while the card is powered.
    pub(crate) channels: Option<&'a LogicalChannels>,
    /// The channel the request came on.
    pub(crate) channel: u8,
}

impl Context<'_> {
    fn runtime<'r>(&'r mut self, registry: &'r mut Registry) -> CardRuntime<'r> {
        let mut rt = CardRuntime::idle(self.protocol, &mut *self.rng, registry, self.channels);
        rt.channel = self.channel;
        rt
    }
}

/// Creates an applet instance and records it, SELECTABLE, in the registry.
pub(crate) fn install(
    vm: &mut Vm,
    registry: &mut Registry,
    request: &InstallRequest<'_>,
    mut context: Context<'_>,
) -> Result<(), ContentError> {
    let class = hex(request.class_aid);
    let instance_aid = if request.instance_aid.is_empty() {
        request.class_aid
    } else {
        request.instance_aid
    };
    check_aid(instance_aid)?;
    let package = registry
        .packages()
        .iter()
        .find(|p| p.applet_classes.iter().any(|c| c == request.class_aid))
        .map(|p| p.aid.clone())
        .ok_or_else(|| ContentError::UnknownClass { aid: class.clone() })?;
    // An instance may take its own class's AID (the usual single-instance case); any other
    // use of the AID is a clash.
    let taken = registry.aid_in_use(instance_aid)
        || (registry.defines_class(instance_aid) && instance_aid != request.class_aid);
    if taken {
        return Err(ContentError::AidInUse {
            aid: hex(instance_aid),
        });
    }
    let params = InstallParams {
        instance_aid,
        control: request.control,
        application: request.application,
    };
    let mut runtime = context.runtime(registry);
    let applet = vm
        .install_with(request.class_aid, params, &mut runtime)
        .map_err(|e| match e {
            InstallError::UnknownApplet(_) => ContentError::UnknownClass { aid: class.clone() },
            InstallError::NotRegistered => ContentError::NotRegistered {
                class: class.clone(),
            },
            InstallError::Failed(sw) => ContentError::InstallFailed {
                class: class.clone(),
                sw,
            },
            InstallError::Parameters => ContentError::Parameters,
        })?;
    // `register(byte[], short, byte)` may have chosen another AID than the requested one.
    let aid = vm.applet_aid(applet).unwrap_or(instance_aid).to_vec();
    registry.add_applet(AppletRecord {
        aid: aid.clone(),
        class_aid: request.class_aid.to_vec(),
        package_aid: package,
        life_cycle: request.life_cycle,
        privileges: request.privileges,
        associated_sd: request.associated_sd.to_vec(),
        vm_applet: applet.0,
    });
    if request.privileges.default_selected() {
        registry.set_default(Some(&aid));
    }
    Ok(())
}

/// Deletes an applet instance that is not active on any channel.
pub(crate) fn delete_applet(
    vm: &mut Vm,
    registry: &mut Registry,
    aid: &[u8],
    mut context: Context<'_>,
) -> Result<(), ContentError> {
    let record = registry
        .applet(aid)
        .ok_or_else(|| ContentError::UnknownApplet { aid: hex(aid) })?;
    let applet = AppletId(record.vm_applet);
    if context
        .channels
        .is_some_and(|c| c.channels_of(applet, u8::MAX).next().is_some())
    {
        return Err(ContentError::Active { aid: hex(aid) });
    }
    let mut runtime = context.runtime(registry);
    vm.delete_applet(applet, &mut runtime)
        .map_err(|e| match e {
            DeleteError::Referenced => ContentError::Referenced { aid: hex(aid) },
            DeleteError::Unknown => ContentError::UnknownApplet { aid: hex(aid) },
        })?;
    registry.remove_applet(aid);
    Ok(())
}

/// Deletes a package that has no instances and no importers.
pub(crate) fn delete_package(
    vm: &mut Vm,
    registry: &mut Registry,
    aid: &[u8],
) -> Result<(), ContentError> {
    let record = registry
        .package(aid)
        .ok_or_else(|| ContentError::UnknownPackage { aid: hex(aid) })?;
    let instances: Vec<String> = registry.instances_of(aid).map(|a| hex(&a.aid)).collect();
    if !instances.is_empty() {
        return Err(ContentError::HasInstances {
            aid: hex(aid),
            instances: instances.join(", "),
        });
    }
    let importers: Vec<String> = registry.importers(aid).map(|p| hex(&p.aid)).collect();
    if !importers.is_empty() {
        return Err(ContentError::Imported {
            aid: hex(aid),
            importers: importers.join(", "),
        });
    }
    let package = jcos_vm::program::PackageId(record.vm_package);
    vm.retire_package(package)
        .map_err(|_| ContentError::UnknownPackage { aid: hex(aid) })?;
    registry.remove_package(aid);
    Ok(())
}
