//! The card services the Java Card VM calls while an applet runs ([`jcos_vm::runtime::Runtime`]):
//! the command being processed, the response data, the selection flags, the logical
//! channel and protocol, random bytes, and registry look-ups.

use crate::atr::Protocol;
use crate::channel::LogicalChannels;
use crate::registry::Registry;
use jcos_vm::runtime::{Command, Runtime};
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
    /// The registry, for AID look-ups.
    pub(crate) registry: &'a Registry,
    /// The channels, for `isAppletActive`.
    pub(crate) channels: Option<&'a LogicalChannels>,
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
        registry: &'a Registry,
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
        }
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
}
