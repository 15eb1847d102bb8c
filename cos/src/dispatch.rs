//! The JCRE dispatcher: applet selection and deselection on logical channels and the calls
//! into an applet's `process` (Java Card 3.0.5 Runtime Environment Specification chapter 3
//! and §4.1–§4.7).
//!
//! - Selection with SELECT FILE by DF name (§4.5.2): the AID in the command may be partial;
//!   a SELECT without an AID selects the issuer security domain (GlobalPlatform 2.3.1
//!   §11.9.2.3; on a card without one it stays an error of the card's own SELECT);
//!   only SELECTABLE instances match (GlobalPlatform 2.3.1 §5.3: an INSTALLED or LOCKED
//!   application is answered as absent, `6A82`, as is every applet but the issuer security
//!   domain on a CARD_LOCKED or TERMINATED card);
//!   P2's occurrence bits pick the first, last, next or previous matching instance in install
//!   order. No match sends the SELECT to the applet already active on the channel, or is
//!   answered `6A82` when there is none. A candidate that is not `MultiSelectable` while its
//!   context is active on another channel is refused with `6985`. The applet active on the
//!   channel is deselected, then the candidate's `select()` (or
//!   `MultiSelectable.select(appInstAlreadyActive)`) runs; refusing or throwing leaves no
//!   applet active and answers `6999`. Otherwise the SELECT goes to `process` with
//!   `selectingApplet()` true.
//! - Selection with MANAGE CHANNEL OPEN (§4.5.1): the new channel gets the card's default
//!   applet when opened from the basic channel, else the applet active on the origin
//!   channel; a refusal closes the new channel again.
//! - Deselection (§4.6): `MultiSelectable.deselect(appInstStillActive)` while the applet's
//!   context stays active on another channel, else `deselect()` followed by clearing the
//!   context's CLEAR_ON_DESELECT memory. Deselection always succeeds.
//! - Dispatch (§4.7): `process(APDU)`; an `ISOException` gives its reason as the status
//!   word, anything else that escapes gives `6F00`. An extended length command reaches only
//!   an applet implementing `javacardx.apdu.ExtendedLength`; others get `6700`.

use crate::atr::Protocol;
use crate::channel::Selected;
use crate::error::CommandError;
use crate::installer;
use crate::router::Router;
use crate::runtime::{CardRuntime, NO_COMMAND};
use jcos_apdu::{CommandApdu, ResponseApdu, StatusWord};
use jcos_vm::runtime::Command;
use jcos_vm::{AppletId, Outcome};

/// The occurrence asked for by P2 b2–b1 of SELECT (ISO/IEC 7816-4:2005 Table 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occurrence {
    First,
    Last,
    Next,
    Previous,
}

impl Occurrence {
    fn from_p2(p2: u8) -> Self {
        match p2 & 0x03 {
            0 => Occurrence::First,
            1 => Occurrence::Last,
            2 => Occurrence::Next,
            _ => Occurrence::Previous,
        }
    }
}

/// The command as the VM sees it. Without Le the applet is told the most the length form
/// can carry; under T=0 a command with data never carries Le, so it is told 256.
fn vm_command<'c>(protocol: Protocol, command: &'c CommandApdu) -> Command<'c> {
    let ne = match protocol {
        Protocol::T0 if command.nc() > 0 => 256,
        _ => crate::outgoing::applet_ne(command),
    };
    Command {
        header: [command.cla(), command.ins(), command.p1(), command.p2()],
        data: command.data(),
        ne,
        extended: command.is_extended(),
    }
}

impl Router<'_> {
    /// A runtime for one call into the VM, borrowing everything but the VM itself.
    fn runtime<'r>(&'r mut self, command: Command<'r>, channel: u8) -> CardRuntime<'r> {
        CardRuntime {
            command,
            response: Vec::new(),
            selecting: false,
            reselecting: false,
            channel,
            protocol: self.protocol,
            rng: &mut *self.rng,
            registry: &mut *self.registry,
            channels: Some(&self.session.channels),
            gp: Some(crate::gp::Slots {
                load: &mut self.session.gp_load,
                queue: Vec::new(),
                caller: Vec::new(),
            }),
            fs: self
                .fs
                .as_deref_mut()
                .map(|fs| crate::fs::api::AppletFiles {
                    fs,
                    session: &mut self.session.fs,
                    channel,
                }),
        }
    }

    /// The package of an applet, which decides whether its context is active.
    fn package_of(&self, applet: AppletId) -> Option<u16> {
        self.vm
            .as_deref()
            .and_then(|vm| vm.applet_package(applet))
            .map(|p| p.0)
    }

    /// Whether `applet` is active on a channel other than `channel`.
    fn active_elsewhere(&self, applet: AppletId, channel: u8) -> bool {
        self.session
            .channels
            .channels_of(applet, channel)
            .next()
            .is_some()
    }

    /// Whether `applet`'s context (its package) is active on a channel other than `channel`.
    fn context_active_elsewhere(&self, applet: AppletId, channel: u8) -> bool {
        let package = self.package_of(applet);
        self.session.channels.active_applets(channel).any(|other| {
            other == applet || (package.is_some() && self.package_of(other) == package)
        })
    }

    fn is_multiselectable(&self, selected: Selected) -> bool {
        match selected {
            Selected::Applet(a) => self
                .vm
                .as_deref()
                .is_some_and(|vm| vm.is_multiselectable(a)),
            Selected::Installer => false,
        }
    }

    /// Whether `selected` may become active on `channel` (JCRE 3.0.5 §4.5.2 step 5).
    fn may_select(&self, selected: Selected, channel: u8) -> bool {
        match selected {
            Selected::Applet(a) => {
                self.is_multiselectable(selected) || !self.context_active_elsewhere(a, channel)
            }
            Selected::Installer => (0..crate::channel::CHANNEL_COUNT as u8)
                .filter(|c| *c != channel)
                .all(|c| self.session.channels.selected(c) != Some(Selected::Installer)),
        }
    }

    /// The candidate of an applet SELECT (§4.5.2 step 4), by partial AID and occurrence.
    fn candidate(&self, command: &CommandApdu, channel: u8) -> Option<Selected> {
        // A SELECT without a name is for the issuer security domain (GP CS 2.3.1 §11.9.2.3).
        let partial = match (command.nc(), self.registry.isd()) {
            (0, Some(isd)) => isd.aid.as_slice(),
            _ => command.data(),
        };
        let mut found: Vec<Selected> = self
            .registry
            .matching(partial)
            .map(|a| Selected::Applet(AppletId(a.vm_applet)))
            .collect();
        let card_open = !self.registry.card_life_cycle().only_isd();
        if self.installer && card_open && installer::AID.starts_with(partial) {
            found.push(Selected::Installer);
        }
        let current = self.session.channels.selected(channel);
        let position = current.and_then(|c| found.iter().position(|f| *f == c));
        match Occurrence::from_p2(command.p2()) {
            Occurrence::First => found.first().copied(),
            Occurrence::Last => found.last().copied(),
            Occurrence::Next => match position {
                Some(i) => found.get(i.saturating_add(1)).copied(),
                None => found.first().copied(),
            },
            Occurrence::Previous => match position {
                Some(i) => i.checked_sub(1).and_then(|p| found.get(p)).copied(),
                None => found.last().copied(),
            },
        }
    }

    /// SELECT FILE by DF name (JCRE 3.0.5 §4.5.2).
    pub(crate) fn applet_select(
        &mut self,
        command: &CommandApdu,
        channel: u8,
    ) -> Result<ResponseApdu, CommandError> {
        // Step 3: a closed channel is opened with no applet active on it.
        self.session.channels.open(channel);
        let current = self.session.channels.selected(channel);
        let Some(candidate) = self.candidate(command, channel) else {
            // Step 4: no match goes to the active applet, or is the card's own SELECT.
            return match current {
                Some(Selected::Applet(applet)) if self.may_run(applet) => {
                    self.dispatch(command, channel, applet, None)
                }
                Some(Selected::Applet(_)) => self.card_select(command, channel),
                Some(Selected::Installer) => self.installer_command(command, channel),
                None => self.card_select(command, channel),
            };
        };
        // Step 5.
        if !self.may_select(candidate, channel) {
            return Err(CommandError::ConditionsNotSatisfied);
        }
        // Step 6.
        self.deselect(channel);
        // Step 7.
        if !self.call_select(candidate, channel) {
            return Err(CommandError::AppletSelectFailed);
        }
        self.session.channels.set_selected(channel, Some(candidate));
        // Step 8.
        match candidate {
            Selected::Applet(applet) => {
                self.dispatch(command, channel, applet, Some(current == Some(candidate)))
            }
            Selected::Installer => Ok(ResponseApdu::status(StatusWord::OK)),
        }
    }

    /// The card's own answer to a SELECT no applet takes.
    fn card_select(
        &mut self,
        command: &CommandApdu,
        channel: u8,
    ) -> Result<ResponseApdu, CommandError> {
        if command.class().is_chaining() {
            return Err(CommandError::ChainingNotSupported);
        }
        // On a card with a file system, a name no applet carries may be a DF's.
        if let Some(fs) = self.fs.as_deref_mut() {
            let reply = crate::fs::transmit(fs, &mut self.session.fs, channel, command, self.rng);
            return self.deliver(command, channel, reply);
        }
        let reply = crate::commands::select::process(command)?;
        self.deliver(command, channel, reply)
    }

    /// Calls the candidate's `select()` or `MultiSelectable.select(appInstAlreadyActive)`
    /// (§4.5.2 step 7); true when it accepted.
    fn call_select(&mut self, candidate: Selected, channel: u8) -> bool {
        let Selected::Applet(applet) = candidate else {
            return true;
        };
        let multi =
            self.context_active_elsewhere(applet, channel) && self.is_multiselectable(candidate);
        let already_active = self.active_elsewhere(applet, channel);
        let Some(vm) = self.vm.take() else {
            return false;
        };
        let mut rt = self.runtime(NO_COMMAND, channel);
        rt.selecting = true;
        let outcome = if multi {
            vm.select_multi(applet, already_active, &mut rt)
                .unwrap_or_else(|| vm.select(applet, &mut rt))
        } else {
            vm.select(applet, &mut rt)
        };
        self.vm = Some(vm);
        outcome == Outcome::Completed(true)
    }

    /// Deselects whatever is active on `channel` (§4.6); the channel then has no applet.
    pub(crate) fn deselect(&mut self, channel: u8) {
        let Some(selected) = self.session.channels.selected(channel) else {
            return;
        };
        self.session.channels.set_selected(channel, None);
        let Selected::Applet(applet) = selected else {
            return;
        };
        let still_active = self.active_elsewhere(applet, channel);
        let multi =
            self.context_active_elsewhere(applet, channel) && self.is_multiselectable(selected);
        let Some(vm) = self.vm.take() else {
            return;
        };
        let mut rt = self.runtime(NO_COMMAND, channel);
        if multi {
            let _ = vm
                .deselect_multi(applet, still_active, &mut rt)
                .unwrap_or_else(|| vm.deselect(applet, &mut rt));
        } else {
            let _ = vm.deselect(applet, &mut rt);
        }
        self.vm = Some(vm);
    }

    /// MANAGE CHANNEL OPEN's selection on the new `channel` (§4.5.1): the default applet
    /// from the basic channel, the origin's applet otherwise. A refusal closes the channel.
    pub(crate) fn select_on_open(&mut self, origin: u8, channel: u8) -> Result<(), CommandError> {
        let candidate = if origin == 0 {
            self.registry
                .default_applet()
                .map(|a| Selected::Applet(AppletId(a.vm_applet)))
        } else {
            self.session.channels.selected(origin)
        };
        let Some(candidate) = candidate else {
            return Ok(());
        };
        let refusal = if !self.may_select(candidate, channel) {
            Some(CommandError::ConditionsNotSatisfied)
        } else if !self.call_select(candidate, channel) {
            Some(CommandError::AppletSelectFailed)
        } else {
            None
        };
        match refusal {
            Some(error) => {
                self.session.channels.close(channel);
                Err(error)
            }
            None => {
                self.session.channels.set_selected(channel, Some(candidate));
                Ok(())
            }
        }
    }

    /// Selects the card's default applet on the basic channel after a reset (JCRE 3.0.5
    /// §4.1); nothing is active when there is none or it refuses.
    pub(crate) fn select_default(&mut self) {
        let Some(default) = self
            .registry
            .default_applet()
            .map(|a| AppletId(a.vm_applet))
        else {
            return;
        };
        let candidate = Selected::Applet(default);
        if self.call_select(candidate, 0) {
            self.session.channels.set_selected(0, Some(candidate));
        }
    }

    /// Runs `process(APDU)` of `applet` for `command` and fits its response to Ne (§4.7).
    /// `selection` is `None` for an ordinary command, `Some(reselecting)` for the SELECT
    /// that has just selected the applet (`selectingApplet()` is then true).
    pub(crate) fn dispatch(
        &mut self,
        command: &CommandApdu,
        channel: u8,
        applet: AppletId,
        selection: Option<bool>,
    ) -> Result<ResponseApdu, CommandError> {
        let Some(vm) = self.vm.take() else {
            return Err(CommandError::AppletSelectFailed);
        };
        if command.is_extended() && !vm.is_extended_length_aware(applet) {
            self.vm = Some(vm);
            return Err(CommandError::WrongLength);
        }
        let protocol = self.protocol;
        let mut rt = self.runtime(vm_command(protocol, command), channel);
        rt.selecting = selection.is_some();
        rt.reselecting = selection == Some(true);
        let outcome = vm.process(applet, &mut rt);
        let data = std::mem::take(&mut rt.response);
        let requests = rt.take_requests();
        self.vm = Some(vm);
        let mut reply = ResponseApdu::new(data, StatusWord(outcome.status_word()));
        // A security domain's content changes happen once its process() has returned
        // normally (an ISOException with 9000 answers the same to the terminal), and are
        // dropped when it threw.
        let normal = matches!(outcome, Outcome::Completed(_) | Outcome::Iso(0x9000));
        if normal && !requests.is_empty() {
            if let Err(sw) = self.carry_out(requests, channel) {
                reply = ResponseApdu::status(sw);
            }
        }
        let out = crate::outgoing::deliver_applet(self.protocol, command, channel, reply)?;
        self.session.pending = out.pending;
        Ok(out.response)
    }

    /// A command for the development installer.
    pub(crate) fn installer_command(
        &mut self,
        command: &CommandApdu,
        channel: u8,
    ) -> Result<ResponseApdu, CommandError> {
        let reply = installer::process(self, command, channel);
        self.deliver(command, channel, reply)
    }
}
