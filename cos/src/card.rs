//! The card: persistent state, the Java Card VM, power, and the entry point for command
//! APDUs.

use crate::atr::{Atr, Protocol};
use crate::content::{self, ContentError, InstallRequest, LoadedPackage};
use crate::fs::FileSystem;
use crate::image::{self, ImageError, WriteMode};
use crate::persist::{self, Durability, Durable, Parts};
use crate::registry::Registry;
use crate::router::Router;
use crate::session::Session;
use crate::state::CardState;
use jcos_vm::{Vm, VmConfig, VmError};
use rand::rngs::StdRng;
use std::path::Path;

/// How a new card is built.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardConfig {
    /// Transmission protocol announced in the ATR and used for response handling.
    pub protocol: Protocol,
}

impl Default for CardConfig {
    fn default() -> Self {
        Self {
            protocol: Protocol::T1,
        }
    }
}

/// One emulated card. A card is a plain value with no global state.
///
/// Its persistent state (the configuration, the registry of packages and applets, and the
/// VM's heap) outlives power cycles and is what a card image file stores. Its transient
/// state (open logical channels and the applets active on them, pending response data)
/// exists only while the card is powered: [`Card::power_off`], [`Card::reset`] and a new
/// [`Card::power_on`] discard it. A card opened from an image starts powered off, so each
/// `jcos` invocation on the same image starts a new power session: channels opened by one
/// invocation are closed in the next.
pub struct Card {
    /// The configuration (what card images store today).
    state: CardState,
    /// Packages and applet instances: persistent, stored in a card image together with the
    /// VM's image ([`Vm::snapshot`]).
    registry: Registry,
    /// The Java Card VM (packages, heap, JCRE objects); created with the first content.
    vm: Option<Vm>,
    /// `Some` while powered.
    session: Option<Session>,
    rng: StdRng,
    /// Whether the development installer answers (see [`Card::enable_installer`]).
    installer: bool,
    /// The image this card keeps durable after every command ([`Card::open_durable`]).
    durable: Option<Durable>,
    /// Whether an armed tear cut the power during a file-system command (the VM keeps its
    /// own flag).
    fs_power_lost: bool,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The random generator's state and the VM's heap stay out of debug output.
        f.debug_struct("Card")
            .field("state", &self.state)
            .field("session", &self.session)
            .field("installer", &self.installer)
            .finish_non_exhaustive()
    }
}

impl Card {
    /// A new card, powered off, with no content.
    pub fn new(config: CardConfig) -> Self {
        Self::from_state(CardState::new(config))
    }

    /// A new card, powered off, with the issuer security domain of `applets/isd` installed
    /// ([`Card::install_isd`]): default selected, the card SECURED.
    pub fn with_isd(config: CardConfig) -> Result<Self, ContentError> {
        let mut card = Card::new(config);
        card.install_isd(crate::gp::ISD_CAP)?;
        Ok(card)
    }

    /// A new card, powered off, personalised with the file system `fs` (see
    /// [`Profile`](crate::Profile)); the file system answers when it is the selected target.
    pub fn with_file_system(config: CardConfig, fs: FileSystem) -> Self {
        let mut state = CardState::new(config);
        state.fs = Some(fs);
        Self::from_state(state)
    }

    fn from_state(state: CardState) -> Self {
        Self {
            state,
            registry: Registry::default(),
            vm: None,
            session: None,
            rng: rand::make_rng(),
            installer: false,
            durable: None,
            fs_power_lost: false,
        }
    }

    /// Makes a new card and writes it to a new image file at `path`; an existing file is
    /// refused with [`ImageError::Exists`] and left alone.
    pub fn create_image(path: impl AsRef<Path>, config: CardConfig) -> Result<Card, ImageError> {
        let card = Card::new(config);
        image::write(path.as_ref(), &card.state, WriteMode::CreateNew)?;
        Ok(card)
    }

    /// Like [`Card::create_image`] for a card personalised with the file system `fs`.
    pub fn create_image_with_file_system(
        path: impl AsRef<Path>,
        config: CardConfig,
        fs: FileSystem,
    ) -> Result<Card, ImageError> {
        let card = Card::with_file_system(config, fs);
        image::write(path.as_ref(), &card.state, WriteMode::CreateNew)?;
        Ok(card)
    }

    /// Opens the card stored in the image at `path` (with the changes its journal holds),
    /// powered off. A foreign or corrupt file is refused with an [`ImageError`] naming it,
    /// and is not modified.
    pub fn open_image(path: impl AsRef<Path>) -> Result<Card, ImageError> {
        let path = path.as_ref();
        let (state, content, _) = persist::open(path)?.into_parts();
        Card::from_stored(path, state, content)
    }

    /// Opens the card stored in the image at `path` for durable use: from now on, every
    /// command's persistent effects are written to the image (its journal) before
    /// [`Card::transmit`] returns the response — handed to the operating system, and with
    /// [`Durability::Device`] synced to the device. A killed process loses nothing it
    /// acknowledged; [`Card::checkpoint`] folds the journal into the image.
    pub fn open_durable(
        path: impl AsRef<Path>,
        durability: Durability,
    ) -> Result<Card, ImageError> {
        let path = path.as_ref();
        let (state, content, tail) = persist::open(path)?.into_parts();
        let mut card = Card::from_stored(path, state, content)?;
        let durable = Durable::attach(path, &tail, card.parts(), durability)?;
        card.durable = Some(durable);
        Ok(card)
    }

    /// A card from an image's state and content; the VM is linked again from the CAP files.
    fn from_stored(
        path: &Path,
        state: CardState,
        content: Option<image::Content>,
    ) -> Result<Card, ImageError> {
        let mut card = Card::from_state(state);
        if let Some(content) = content {
            let vm =
                Vm::restore(content.vm, VmConfig::default()).map_err(|e| ImageError::Content {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                })?;
            card.registry = content.registry;
            card.vm = Some(vm);
        }
        Ok(card)
    }

    /// The persistent parts, for the image writer.
    fn parts(&mut self) -> Parts<'_> {
        Parts {
            state: &self.state,
            content: self.vm.as_mut().map(|vm| (&self.registry, vm)),
        }
    }

    /// Writes the card's persistent state to `path`, atomically replacing any image there
    /// (and the journal it had). A card open for durable use is saved with
    /// [`Card::checkpoint`] instead: writing its own image here is refused.
    pub fn save_image(&self, path: impl AsRef<Path>) -> Result<(), ImageError> {
        let path = path.as_ref();
        if let Some(durable) = &self.durable {
            if same_file(durable.path(), path) {
                return Err(ImageError::InUse {
                    path: path.to_path_buf(),
                });
            }
        }
        let content = self.vm.as_ref().map(|vm| (&self.registry, vm));
        persist::save(path, &self.state, content, WriteMode::Replace)
    }

    /// Folds the durable image's journal into the image and removes it (a clean close; it
    /// also happens by itself when the journal grows large). Changes not yet in the journal
    /// are taken first; an image whose journal is empty is not rewritten. A card not open
    /// for durable use has nothing to checkpoint.
    pub fn checkpoint(&mut self) -> Result<(), ImageError> {
        let Some(mut durable) = self.durable.take() else {
            return Ok(());
        };
        let result = durable.checkpoint(self.parts());
        self.durable = Some(durable);
        result
    }

    /// Sets the journal size (bytes) after which a card open for durable use checkpoints
    /// its image by itself; the default is 4 MiB.
    pub fn set_checkpoint_bytes(&mut self, bytes: u64) {
        if let Some(durable) = self.durable.as_mut() {
            durable.set_checkpoint_bytes(bytes);
        }
    }

    /// Arms a tear: after `writes` more persistent writes of the card complete, the power is
    /// cut during the next one, which does not happen. The heap's writes and the file
    /// system's count in one sequence (see [`crate::fs::sync_tear`]). The command in progress
    /// stops at once, the card answers nothing ([`Card::transmit`] returns no bytes), and
    /// what the NVM held at that instant is what the image keeps; the next power-up rolls
    /// back an interrupted transaction (JCRE 3.0.5 §7.6.2), and a torn file-system command
    /// leaves the file system as it was before it. The card is powered first, so that the
    /// power-up does not spend the tear.
    pub fn arm_tear(&mut self, writes: u64) {
        if self.session.is_none() {
            self.power_on();
        }
        let heap = self
            .vm
            .as_ref()
            .map_or(0, |vm| vm.heap().persistent_writes());
        if let Some(vm) = self.vm.as_mut() {
            vm.arm_tear(writes);
        }
        if let Some(session) = self.session.as_mut() {
            session.fs.arm_tear(writes, heap);
        }
    }

    /// Whether a tear cut the power during the last command.
    pub fn power_lost(&self) -> bool {
        self.vm.as_ref().is_some_and(Vm::power_lost)
            || self.fs_power_lost
            || self.session.as_ref().is_some_and(|s| s.fs.power_lost())
    }

    /// Whether the card's durable image failed to take a command's effects: the card then
    /// answers every command with `6581` (memory failure).
    pub fn storage_failed(&self) -> bool {
        self.durable.as_ref().is_some_and(Durable::failed)
    }

    /// The card's configuration.
    pub fn config(&self) -> &CardConfig {
        &self.state.config
    }

    /// The card's file system, if it was personalised with one.
    pub fn file_system(&self) -> Option<&FileSystem> {
        self.state.fs.as_ref()
    }

    /// The packages and applet instances on the card.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The card's Java Card VM, once the card has content.
    pub fn vm(&self) -> Option<&Vm> {
        self.vm.as_ref()
    }

    /// Lets the development installer answer its AID on this card: a CAP loader and
    /// applet installer over APDUs without authentication, for test and development cards
    /// (see the `installer` module documentation). Not a persistent setting.
    pub fn enable_installer(&mut self) {
        self.installer = true;
    }

    /// Whether the development installer answers on this card.
    pub fn installer_enabled(&self) -> bool {
        self.installer
    }

    /// The answer to reset this card gives at its next reset (with the historical bytes an
    /// application set through `GPSystem.setATRHistBytes`, if any).
    pub fn atr(&self) -> Atr {
        Atr::with_historical_bytes(self.state.config.protocol, self.registry.historical_bytes())
    }

    /// Powers the card on (cold reset) and returns its ATR; a powered card is reset. The
    /// VM's transient memory is cleared, an interrupted transaction rolled back, and the
    /// default applet, if any, selected on the basic channel (JCRE 3.0.5 §4.1).
    pub fn power_on(&mut self) -> Atr {
        self.session = Some(Session::default());
        self.fs_power_lost = false;
        if let Some(vm) = self.vm.as_mut() {
            vm.reset();
        }
        if self.registry.default_applet().is_some() {
            if let Some(mut router) = self.router() {
                router.select_default();
            }
        }
        self.atr()
    }

    /// Removes power; transient state is lost.
    pub fn power_off(&mut self) {
        self.session = None;
    }

    /// Resets the card and returns the ATR; transient state is lost as on power loss.
    pub fn reset(&mut self) -> Atr {
        self.power_off();
        self.power_on()
    }

    /// Whether the card is powered.
    pub fn is_powered(&self) -> bool {
        self.session.is_some()
    }

    /// Processes one command APDU and returns the response APDU (data + SW1 SW2).
    /// A card that is off is powered on first, as a reader would.
    ///
    /// On a card open for durable use the command's persistent effects are in the image
    /// when the response is returned; if they cannot be written the card answers `6581`
    /// (memory failure), then and for every later command. When an armed tear cuts the
    /// power ([`Card::arm_tear`]), the card answers nothing: the result is empty and the
    /// card is off.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        if self.storage_failed() {
            return SW_MEMORY_FAILURE.to_vec();
        }
        if self.session.is_none() {
            self.power_on();
        }
        if self.installer && self.vm.is_none() {
            // The installer loads into the VM; a VM that cannot be built leaves it unable
            // to load, which it reports per command.
            let _ = self.ensure_vm();
        }
        crate::fs::sync_tear(self.session.as_mut().map(|s| &mut s.fs), self.vm.as_mut());
        let response = match self.router() {
            Some(mut router) => router.process(apdu).to_bytes(),
            None => Vec::new(),
        };
        crate::fs::sync_tear(self.session.as_mut().map(|s| &mut s.fs), self.vm.as_mut());
        if self.power_lost() {
            // What the NVM held when the power failed is what the image keeps; the next
            // power-up recovers from it.
            self.fs_power_lost = self.session.as_ref().is_some_and(|s| s.fs.power_lost());
            self.session = None;
            let _ = self.persist();
            return Vec::new();
        }
        match self.persist() {
            Ok(()) => response,
            Err(_) => SW_MEMORY_FAILURE.to_vec(),
        }
    }

    /// Makes the last command's effects durable, when the card is open for durable use.
    fn persist(&mut self) -> Result<(), ImageError> {
        let Some(mut durable) = self.durable.take() else {
            return Ok(());
        };
        let mut result = durable.commit(self.parts());
        if result.is_ok() && durable.wants_checkpoint() {
            result = durable.checkpoint(self.parts());
        }
        self.durable = Some(durable);
        result
    }

    /// The router over the powered card's parts.
    fn router(&mut self) -> Option<Router<'_>> {
        let session = self.session.as_mut()?;
        Some(Router {
            protocol: self.state.config.protocol,
            session,
            rng: &mut self.rng,
            vm: self.vm.as_mut(),
            registry: &mut self.registry,
            installer: self.installer,
            fs: self.state.fs.as_mut(),
        })
    }

    fn ensure_vm(&mut self) -> Result<&mut Vm, VmError> {
        ensure_vm(&mut self.vm)
    }

    /// Loads a CAP file (JAR or component form): it is parsed, verified and linked against
    /// the packages on the card, then recorded in the registry (associated with the issuer
    /// security domain, on a card that has one). The direct, privileged path of `jcos load`,
    /// which bypasses the issuer security domain's GlobalPlatform content management.
    pub fn load_package(&mut self, cap: &[u8]) -> Result<LoadedPackage, ContentError> {
        let sd = self
            .registry
            .isd()
            .map(|a| a.aid.clone())
            .unwrap_or_default();
        let vm = ensure_vm(&mut self.vm)?;
        content::load(vm, &mut self.registry, cap, &sd)
    }

    /// Installs the issuer security domain from its CAP file (the `applets/isd` package):
    /// the package is loaded, its applet class instantiated as `A0 00 00 01 51 00 00 00`
    /// with privileges `9E 00 00` (Security Domain, Card Lock, Card Terminate, Card Reset,
    /// CVM Management), and the card life cycle set to SECURED. Refused on a card that
    /// already has an issuer security domain or content.
    pub fn install_isd(&mut self, cap: &[u8]) -> Result<(), ContentError> {
        if self.registry.isd().is_some() || !self.registry.packages().is_empty() {
            return Err(ContentError::AidInUse {
                aid: content::hex(&crate::gp::ISD_AID),
            });
        }
        let package = self.load_package(cap)?;
        let class =
            package
                .applet_classes
                .first()
                .cloned()
                .ok_or_else(|| ContentError::UnknownClass {
                    aid: content::hex(&package.aid),
                })?;
        let isd = crate::gp::ISD_AID;
        let mut request = InstallRequest::new(&class, &isd, &[]);
        request.privileges = crate::registry::Privileges::ISD;
        let control = request.privileges.0;
        request.control = &control;
        self.install_applet(&request)?;
        self.registry.set_isd(&isd);
        self.registry
            .set_card_life_cycle(crate::registry::CardLifeCycle::SECURED);
        if let Some(record) = self.registry.package_mut(&package.aid) {
            record.associated_sd = isd.to_vec();
        }
        Ok(())
    }

    /// Writes this card to a new image file at `path`; an existing file is refused with
    /// [`ImageError::Exists`] and left alone (for a card given content before its first
    /// image, such as the issuer security domain).
    pub fn write_new_image(&self, path: impl AsRef<Path>) -> Result<(), ImageError> {
        let content = self.vm.as_ref().map(|vm| (&self.registry, vm));
        persist::save(path.as_ref(), &self.state, content, WriteMode::CreateNew)
    }

    /// Creates an applet instance with the standard install parameter block (instance AID,
    /// control information, application parameters). The direct path of `jcos load
    /// --install`: the request's privileges, life cycle and associated security domain are
    /// recorded as given (an instance is associated with the issuer security domain, on a card
    /// that has one, when the request names none).
    pub fn install_applet(&mut self, request: &InstallRequest<'_>) -> Result<(), ContentError> {
        let isd = self
            .registry
            .isd()
            .map(|a| a.aid.clone())
            .unwrap_or_default();
        let mut request = *request;
        if request.associated_sd.is_empty() {
            request.associated_sd = &isd;
        }
        let request = &request;
        let vm = self.vm.as_mut().ok_or_else(|| ContentError::UnknownClass {
            aid: content::hex(request.class_aid),
        })?;
        let context = content::Context {
            protocol: self.state.config.protocol,
            rng: &mut self.rng,
            channels: self.session.as_ref().map(|s| &s.channels),
            channel: 0,
        };
        content::install(vm, &mut self.registry, request, context)
    }

    /// Deletes an applet instance (its `AppletEvent.uninstall` runs); refused while it is
    /// active on a logical channel or its objects are referenced from other applets.
    pub fn delete_applet(&mut self, aid: &[u8]) -> Result<(), ContentError> {
        let vm = self
            .vm
            .as_mut()
            .ok_or_else(|| ContentError::UnknownApplet {
                aid: content::hex(aid),
            })?;
        let context = content::Context {
            protocol: self.state.config.protocol,
            rng: &mut self.rng,
            channels: self.session.as_ref().map(|s| &s.channels),
            channel: 0,
        };
        content::delete_applet(vm, &mut self.registry, aid, context)
    }

    /// Deletes a package; refused while it has applet instances or other packages import
    /// it.
    pub fn delete_package(&mut self, aid: &[u8]) -> Result<(), ContentError> {
        let vm = self
            .vm
            .as_mut()
            .ok_or_else(|| ContentError::UnknownPackage {
                aid: content::hex(aid),
            })?;
        content::delete_package(vm, &mut self.registry, aid)
    }

    /// Makes the applet instance `aid` the card's default applet (`None`: no default
    /// applet). It takes effect at the next reset and for channels opened from the basic
    /// channel.
    pub fn set_default_applet(&mut self, aid: Option<&[u8]>) -> Result<(), ContentError> {
        if self.registry.set_default(aid) {
            Ok(())
        } else {
            Err(ContentError::UnknownApplet {
                aid: content::hex(aid.unwrap_or_default()),
            })
        }
    }
}

/// ISO/IEC 7816-4 `6581`: memory failure (the card's persistent storage failed).
const SW_MEMORY_FAILURE: [u8; 2] = [0x65, 0x81];

/// Whether two paths name the same file (an image being written over itself).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The VM in `slot`, created when there is none yet.
fn ensure_vm(slot: &mut Option<Vm>) -> Result<&mut Vm, VmError> {
    match slot {
        Some(vm) => Ok(vm),
        None => Ok(slot.insert(Vm::new()?)),
    }
}
