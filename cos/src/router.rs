//! The APDU router: from command bytes to a response APDU.
//!
//! The checks run in the order the specifications give them, each refusal becoming a status
//! word in one place ([`CommandError`] → `StatusWord`):
//!
//! 1. the bytes must be a command APDU of some case (ISO/IEC 7816-3:2006 clause 12.1) and,
//!    under T=0, a short one (clause 12.2 has no extended form) — else `6700`;
//! 2. the class must be interindustry or proprietary (ISO/IEC 7816-4:2005 clause 5.1.1;
//!    `001x xxxx` is reserved, `FF` invalid) — else `6E00`;
//! 3. INS `6X` and `9X` are invalid (ISO/IEC 7816-4:2005 clause 5.1.2) — `6D00`;
//! 4. MANAGE CHANNEL (JCRE 3.0.5 §4.5.1, §4.6.1) and applet SELECT (§4.5.2) are the JCRE's
//!    own commands on every channel: they open, close and select (see [`crate::dispatch`]);
//! 5. any other command on a closed channel — `6881` (JCRE 3.0.5 §4.7);
//! 6. on a channel with an active applet, every other command goes to the applet's
//!    `process` (JCRE 3.0.5 §4.7), except GET RESPONSE while the card holds response data
//!    for the channel; an applet LOCKED since its selection, or any applet but the issuer
//!    security domain on a CARD_LOCKED or TERMINATED card (GlobalPlatform 2.3.1 §5.1.1),
//!    gets nothing and the command `6999` as with no active applet;
//! 7. with no active applet, a proprietary class gets `6999` (JCRE 3.0.5 §4.7: "If there is
//!    no active applet instance on the logical channel to be used for dispatching the
//!    command, the Java Card RE shall respond to the APDU with status code 0x6999");
//! 8. interindustry commands the card handles itself: secure messaging (`6882`) and command
//!    chaining (`6884`) are not supported; on a card with a file system, the file-system
//!    commands go to it ([`crate::fs::handles`]: SELECT, the binary, record, data, file
//!    management and security commands); then SELECT, GET DATA, GET CHALLENGE, GET RESPONSE,
//!    and `6D00` for any other instruction.
//!
//! Response data is fitted to Ne by [`outgoing::deliver`]; data left over waits for GET
//! RESPONSE, and any command other than GET RESPONSE discards it.

use crate::atr::Protocol;
use crate::channel::Selected;
use crate::commands::{
    get_challenge, get_data, get_response, manage_channel, select, INS_GET_CHALLENGE, INS_GET_DATA,
    INS_GET_RESPONSE, INS_MANAGE_CHANNEL, INS_SELECT,
};
use crate::error::CommandError;
use crate::fs::FileSystem;
use crate::outgoing;
use crate::registry::Registry;
use crate::session::Session;
use jcos_apdu::{CommandApdu, ResponseApdu};
use jcos_vm::Vm;
use rand::rngs::StdRng;

/// One command's view of the card: its protocol, its content, its transient state and its
/// randomness.
pub(crate) struct Router<'a> {
    /// The transmission protocol, which decides how response data is returned.
    pub(crate) protocol: Protocol,
    /// The power session the command runs in.
    pub(crate) session: &'a mut Session,
    /// Source of GET CHALLENGE bytes and of the applets' random data.
    pub(crate) rng: &'a mut StdRng,
    /// The Java Card VM; absent on a card that never had content.
    pub(crate) vm: Option<&'a mut Vm>,
    /// Packages and applet instances.
    pub(crate) registry: &'a mut Registry,
    /// Whether the development installer answers its AID.
    pub(crate) installer: bool,
    /// The card's file system, if it has one.
    pub(crate) fs: Option<&'a mut FileSystem>,
}

impl Router<'_> {
    /// Processes one command APDU; every outcome is a response APDU.
    pub(crate) fn process(&mut self, bytes: &[u8]) -> ResponseApdu {
        let command = CommandApdu::parse(bytes);
        let fetches_pending = command
            .as_ref()
            .is_ok_and(|c| c.class().is_interindustry() && c.ins() == INS_GET_RESPONSE);
        if !fetches_pending {
            self.session.pending = None;
        }
        let result = match command {
            Ok(command) => self.route(&command),
            Err(_) => Err(CommandError::WrongLength),
        };
        result.unwrap_or_else(|error| ResponseApdu::status(error.into()))
    }

    /// Steps 1–8 of the module documentation for a parsed command.
    fn route(&mut self, command: &CommandApdu) -> Result<ResponseApdu, CommandError> {
        if self.protocol == Protocol::T0 && command.is_extended() {
            return Err(CommandError::WrongLength);
        }
        let cla = command.class();
        let channel = cla.channel().ok_or(CommandError::ClassNotSupported)?;
        if matches!(command.ins() & 0xF0, 0x60 | 0x90) {
            return Err(CommandError::InsNotSupported);
        }
        if cla.is_interindustry() {
            if command.ins() == INS_MANAGE_CHANNEL {
                return self.manage_channel(command, channel);
            }
            if command.ins() == INS_SELECT
                && (select::is_applet_select(command)
                    || (select::is_isd_select(command) && self.registry.isd().is_some()))
            {
                return self.applet_select(command, channel);
            }
        }
        if !self.session.channels.is_open(channel) {
            return Err(CommandError::LogicalChannelNotSupported);
        }
        match self.session.channels.selected(channel) {
            Some(Selected::Applet(applet)) => {
                if self.has_pending(command, channel) {
                    return self.get_response(command, channel);
                }
                if !self.may_run(applet) {
                    // Locked since it was selected, or the card is: as for no applet.
                    return Err(CommandError::AppletSelectFailed);
                }
                self.dispatch(command, channel, applet, None)
            }
            Some(Selected::Installer) => {
                if self.has_pending(command, channel) {
                    return self.get_response(command, channel);
                }
                self.installer_command(command, channel)
            }
            None => self.card_command(command, channel),
        }
    }

    /// Whether the active `applet` may still receive commands: it is not LOCKED, and on a
    /// CARD_LOCKED or TERMINATED card it is the issuer security domain.
    pub(crate) fn may_run(&self, applet: jcos_vm::AppletId) -> bool {
        self.registry
            .applets()
            .iter()
            .find(|a| a.vm_applet == applet.0)
            .is_none_or(|record| self.registry.may_be_selected(record))
    }

    /// Whether `command` is a GET RESPONSE for data the card holds for `channel`.
    fn has_pending(&self, command: &CommandApdu, channel: u8) -> bool {
        command.class().is_interindustry()
            && command.ins() == INS_GET_RESPONSE
            && self
                .session
                .pending
                .as_ref()
                .is_some_and(|p| p.channel == channel)
    }

    fn get_response(
        &mut self,
        command: &CommandApdu,
        channel: u8,
    ) -> Result<ResponseApdu, CommandError> {
        get_response::process(self.protocol, command, channel, &mut self.session.pending)
    }

    /// The commands of a channel with no active applet (steps 7 and 8).
    fn card_command(
        &mut self,
        command: &CommandApdu,
        channel: u8,
    ) -> Result<ResponseApdu, CommandError> {
        let cla = command.class();
        if !cla.is_interindustry() {
            return Err(CommandError::AppletSelectFailed);
        }
        if cla.is_secure_messaging() {
            return Err(CommandError::SecureMessagingNotSupported);
        }
        if cla.is_chaining() {
            return Err(CommandError::ChainingNotSupported);
        }
        if let Some(fs) = self.fs.as_deref_mut() {
            if crate::fs::handles(fs, self.session.fs.channel(channel), command) {
                let reply =
                    crate::fs::transmit(fs, &mut self.session.fs, channel, command, self.rng);
                return self.deliver(command, channel, reply);
            }
        }
        let reply = match command.ins() {
            INS_SELECT => select::process(command)?,
            INS_GET_DATA => get_data::process(command, self.protocol)?,
            INS_GET_CHALLENGE => get_challenge::process(command, &mut *self.rng)?,
            INS_GET_RESPONSE => return self.get_response(command, channel),
            _ => return Err(CommandError::InsNotSupported),
        };
        self.deliver(command, channel, reply)
    }

    /// MANAGE CHANNEL: the channel bookkeeping of [`manage_channel`], then the selection
    /// on a new channel or the deselection on a closed one.
    fn manage_channel(
        &mut self,
        command: &CommandApdu,
        origin: u8,
    ) -> Result<ResponseApdu, CommandError> {
        let result = match manage_channel::process(command, origin, &mut self.session.channels)? {
            manage_channel::Managed::Opened { channel, reply } => {
                self.session.fs.open_from(origin, channel);
                self.select_on_open(origin, channel)
                    .and_then(|()| self.deliver(command, origin, reply))
            }
            manage_channel::Managed::Close { channel } => {
                self.deselect(channel);
                self.session.channels.close(channel);
                Ok(ResponseApdu::status(jcos_apdu::StatusWord::OK))
            }
        };
        let channels = &self.session.channels;
        self.session.fs.forget_closed(|ch| channels.is_open(ch));
        result
    }

    /// Fits `reply` to Ne and keeps what does not fit for GET RESPONSE.
    pub(crate) fn deliver(
        &mut self,
        command: &CommandApdu,
        channel: u8,
        reply: ResponseApdu,
    ) -> Result<ResponseApdu, CommandError> {
        let out = outgoing::deliver(self.protocol, command, channel, reply)?;
        self.session.pending = out.pending;
        Ok(out.response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::PendingResponse;
    use jcos_apdu::StatusWord;
    use rand::SeedableRng;

    fn sw(protocol: Protocol, session: &mut Session, bytes: &[u8]) -> StatusWord {
        Router {
            protocol,
            session,
            rng: &mut StdRng::seed_from_u64(1),
            vm: None,
            registry: &mut Registry::default(),
            installer: false,
            fs: None,
        }
        .process(bytes)
        .sw
    }

    #[test]
    fn checks_run_in_specification_order() {
        let mut s = Session::default();
        // Length before class: an extended APDU under T=0 with a reserved class.
        assert_eq!(
            sw(Protocol::T0, &mut s, &[0x20, 0xCA, 0, 0, 0, 0, 1]).0,
            0x6700
        );
        // Class before instruction: reserved class, invalid INS.
        assert_eq!(sw(Protocol::T1, &mut s, &[0x20, 0x60, 0, 0]).0, 0x6E00);
        // Invalid INS before channel: channel 1 is closed.
        assert_eq!(sw(Protocol::T1, &mut s, &[0x01, 0x90, 0, 0]).0, 0x6D00);
        // Closed channel before the missing applet.
        assert_eq!(sw(Protocol::T1, &mut s, &[0x81, 0x10, 0, 0]).0, 0x6881);
        assert_eq!(sw(Protocol::T1, &mut s, &[0x80, 0x10, 0, 0]).0, 0x6999);
        // Closed channel before secure messaging.
        assert_eq!(
            sw(Protocol::T1, &mut s, &[0x0D, 0xCA, 0x5F, 0x52, 0]).0,
            0x6881
        );
        assert_eq!(
            sw(Protocol::T1, &mut s, &[0x0C, 0xCA, 0x5F, 0x52, 0]).0,
            0x6882
        );
    }

    #[test]
    fn every_command_but_get_response_drops_pending_data() {
        let pending = PendingResponse {
            channel: 0,
            data: vec![1, 2, 3],
            sw: StatusWord::OK,
        };
        let mut s = Session {
            pending: Some(pending.clone()),
            ..Session::default()
        };
        assert_eq!(
            sw(Protocol::T1, &mut s, &[0x00, 0xC0, 0x01, 0x00, 0]).0,
            0x6A86
        );
        assert_eq!(s.pending, Some(pending), "a refused GET RESPONSE keeps it");
        assert_eq!(sw(Protocol::T1, &mut s, &[0x00]).0, 0x6700);
        assert_eq!(s.pending, None, "even unparsable bytes drop it");
    }
}
