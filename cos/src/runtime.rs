//! The card services the Java Card VM calls while an applet runs ([`jcos_vm::runtime::Runtime`]):
//! the command being processed, the response data, the selection flags, the logical
//! channel and protocol, random bytes, registry look-ups, and for security domains the
//! GlobalPlatform content management of [`crate::gp`].

use crate::atr::Protocol;
use crate::channel::LogicalChannels;
use crate::gp::{self, Slots};
use crate::registry::Registry;
use jcos_vm::runtime::{CardManager, Command, Runtime, Sw};
use rand::rngs::StdRng;
use rand::Rng;

/// `APDU.PROTOCOL_T0`.
const PROTOCOL_T0: u8 = 0;
/// `APDU.PROTOCOL_T1`.
const PROTOCOL_T1: u8 = 1;

/// One call into the VM: the command it sees and where its output goes.
pub(crate) struct CardRuntime<'a> {
    /// The command APDU (an empty one outside APDU processing, e.g. during install).
    pub(crate) command: Command<'a>,
    /// Response data the applet sent.
    pub(crate) response: Vec<u8>,
    /// `Applet.selectingApplet()`.
    pub(crate) selecting: bool,
    /// `Applet.reSelectingApplet()`.
    pub(crate) reselecting: bool,
    /// The logical channel the command came on.
    pub(crate) channel: u8,
    /// The transmission protocol.
    pub(crate) protocol: Protocol,
    /// The card's random source.
    pub(crate) rng: &'a mut StdRng,
    /// The registry, for AID look-ups and the security domains' changes.
    pub(crate) registry: &'a mut Registry,
    /// The channels, for `isAppletActive`.
    pub(crate) channels: Option<&'a LogicalChannels>,
    /// What security domains may work on, where the card lets them (applet code run by the
    /// dispatcher); `None` refuses `CardManager` to everyone.
    pub(crate) gp: Option<Slots<'a>>,
    /// The file system, for `jcos.framework.FileSystem` (applet code run by the
    /// dispatcher on a card that has one).
    pub(crate) fs: Option<crate::fs::api::AppletFiles<'a>>,
}

/// A command with no bytes: what the VM sees when it runs outside APDU processing.
pub(crate) const NO_COMMAND: Command<'static> = Command {
    header: [0; 4],
    data: &[],
    ne: 0,
    extended: false,
};

impl<'a> CardRuntime<'a> {
    /// A runtime for work outside APDU processing (install, delete, selection at reset).
    pub(crate) fn idle(
        protocol: Protocol,
        rng: &'a mut StdRng,
        registry: &'a mut Registry,
        channels: Option<&'a LogicalChannels>,
    ) -> Self {
        Self {
            command: NO_COMMAND,
            response: Vec::new(),
            selecting: false,
            reselecting: false,
            channel: 0,
            protocol,
            rng,
            registry,
            channels,
            gp: None,
            fs: None,
        }
    }

    /// The requests a security domain queued, leaving none.
    pub(crate) fn take_requests(&mut self) -> Vec<gp::Request> {
        self.gp
            .as_mut()
            .map(|g| std::mem::take(&mut g.queue))
            .unwrap_or_default()
    }
}

impl Runtime for CardRuntime<'_> {
    fn command(&self) -> Command<'_> {
        self.command
    }

    fn send(&mut self, data: &[u8]) {
        self.response.extend_from_slice(data);
    }

    fn selecting_applet(&self) -> bool {
        self.selecting
    }

    fn reselecting_applet(&self) -> bool {
        self.reselecting
    }

    fn channel(&self) -> u8 {
        self.channel
    }

    fn protocol(&self) -> u8 {
        match self.protocol {
            Protocol::T0 => PROTOCOL_T0,
            Protocol::T1 => PROTOCOL_T1,
        }
    }

    fn random(&mut self, dst: &mut [u8]) {
        self.rng.fill_bytes(dst);
    }

    fn applet_active(&self, aid: &[u8]) -> bool {
        let (Some(channels), Some(record)) = (self.channels, self.registry.applet(aid)) else {
            return false;
        };
        channels
            .active_applets(u8::MAX)
            .any(|a| a.0 == record.vm_applet)
    }

    fn aid_in_use(&self, aid: &[u8]) -> bool {
        self.registry.aid_in_use(aid)
    }

    fn file_system(&mut self) -> Option<&mut dyn jcos_vm::runtime::FileSystem> {
        self.fs
            .as_mut()
            .map(|f| f as &mut dyn jcos_vm::runtime::FileSystem)
    }

    fn gp_registry(&mut self) -> Option<&mut dyn jcos_vm::runtime::GpRegistry> {
        Some(self.registry)
    }

    fn card_manager(&mut self, caller: &[u8]) -> Option<&mut dyn CardManager> {
        if !gp::is_security_domain(self.registry, caller) {
            return None;
        }
        let slots = self.gp.as_mut()?;
        slots.caller = caller.to_vec();
        Some(self)
    }
}

impl CardManager for CardRuntime<'_> {
    fn status_entry(&self, kind: u8, index: usize) -> Option<Vec<u8>> {
        gp::status::entry(self.registry, kind, index)
    }

    fn card_state(&self) -> u8 {
        self.registry.card_life_cycle().0
    }

    fn set_card_state(&mut self, state: u8) -> Result<(), Sw> {
        gp::set_card_state(self.registry, state)
    }

    fn application_state(&self, aid: &[u8]) -> Result<u8, Sw> {
        gp::application_state(self.registry, aid)
    }

    fn set_application_state(&mut self, aid: &[u8], state: u8) -> Result<(), Sw> {
        gp::set_application_state(self.registry, aid, state)
    }

    fn install_for_load(&mut self, data: &[u8]) -> Result<(), Sw> {
        let slots = self.gp.as_mut().ok_or(NO_SLOTS)?;
        gp::install_for_load(self.registry, slots, data)
    }

    fn load(&mut self, data: &[u8], block: u8, last: bool) -> Result<(), Sw> {
        let slots = self.gp.as_mut().ok_or(NO_SLOTS)?;
        gp::load(slots, data, block, last)
    }

    fn install(&mut self, data: &[u8], p1: u8) -> Result<(), Sw> {
        let slots = self.gp.as_mut().ok_or(NO_SLOTS)?;
        gp::install(self.registry, slots, data, p1)
    }

    fn delete(&mut self, data: &[u8], related: bool) -> Result<(), Sw> {
        let slots = self.gp.as_mut().ok_or(NO_SLOTS)?;
        gp::delete(self.registry, slots, data, related)
    }
}

/// `6985`: content management outside the dispatcher's calls (never reached: the card
/// hands out its content management only with the slots).
const NO_SLOTS: Sw = jcos_apdu::StatusWord::CONDITIONS_NOT_SATISFIED.0;
