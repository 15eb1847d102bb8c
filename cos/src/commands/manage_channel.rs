//! MANAGE CHANNEL (ISO/IEC 7816-4:2005 clause 7.1.2), with the status words of the Java Card
//! 3.0.5 Runtime Environment Specification: §4.5.1 (MANAGE CHANNEL OPEN) and §4.6.1 (MANAGE
//! CHANNEL CLOSE).

use crate::channel::{LogicalChannels, CHANNEL_COUNT};
use crate::error::CommandError;
use jcos_apdu::{CommandApdu, ResponseApdu, StatusWord};

/// P1 of MANAGE CHANNEL OPEN.
const P1_OPEN: u8 = 0x00;
/// P1 of MANAGE CHANNEL CLOSE.
const P1_CLOSE: u8 = 0x80;

/// What a valid MANAGE CHANNEL asks of the dispatcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Managed {
    /// `channel` is now open, with no applet yet; `reply` is the answer once the applet
    /// selection on it (JCRE 3.0.5 §4.5.1 step 6) has succeeded.
    Opened {
        /// The new channel.
        channel: u8,
        /// The answer to MANAGE CHANNEL OPEN.
        reply: ResponseApdu,
    },
    /// `channel` is open and is to be closed once its applet is deselected (§4.6.1 step 5).
    Close {
        /// The channel to close.
        channel: u8,
    },
}

/// Checks a MANAGE CHANNEL received on `origin`; opens the new channel for OPEN.
pub(crate) fn process(
    command: &CommandApdu,
    origin: u8,
    channels: &mut LogicalChannels,
) -> Result<Managed, CommandError> {
    let cla = command.class();
    // §4.5.1 / §4.6.1 step 1: SM bits in CLA -> 6882; P1 other than 00 or 80 -> 6A81.
    if cla.is_secure_messaging() {
        return Err(CommandError::SecureMessagingNotSupported);
    }
    if cla.is_chaining() {
        return Err(CommandError::ChainingNotSupported);
    }
    match command.p1() {
        P1_OPEN => open(command, origin, channels),
        P1_CLOSE => close(command, origin, channels),
        _ => Err(CommandError::FuncNotSupported),
    }
}

/// MANAGE CHANNEL OPEN, JCRE 3.0.5 §4.5.1.
fn open(
    command: &CommandApdu,
    origin: u8,
    channels: &mut LogicalChannels,
) -> Result<Managed, CommandError> {
    let requested = command.p2();
    // Step 1: P2 above 19 -> 6A81.
    if usize::from(requested) >= CHANNEL_COUNT {
        return Err(CommandError::FuncNotSupported);
    }
    // The command has no data field (ISO/IEC 7816-4:2005 Table 71).
    if command.nc() != 0 {
        return Err(CommandError::WrongLength);
    }
    // Step 2: origin channel not open -> 6881.
    if !channels.is_open(origin) {
        return Err(CommandError::LogicalChannelNotSupported);
    }
    if requested == 0 {
        // Step 4: the card assigns the channel and returns its number in one byte, so Le must
        // be 01 (else 6C01); no free channel -> 6A81.
        if command.ne() != Some(1) {
            return Err(CommandError::CorrectLength(1));
        }
        let channel = channels
            .lowest_free()
            .ok_or(CommandError::FuncNotSupported)?;
        channels.open(channel);
        return Ok(Managed::Opened {
            channel,
            reply: ResponseApdu::new(vec![channel], StatusWord::OK),
        });
    }
    // Step 5: the requested channel is already open -> 6A86.
    if !channels.open(requested) {
        return Err(CommandError::IncorrectP1P2);
    }
    Ok(Managed::Opened {
        channel: requested,
        reply: ResponseApdu::status(StatusWord::OK),
    })
}

/// MANAGE CHANNEL CLOSE, JCRE 3.0.5 §4.6.1. P2 = 00 names the channel of CLA itself
/// (ISO/IEC 7816-4:2005 clause 7.1.2).
fn close(
    command: &CommandApdu,
    origin: u8,
    channels: &LogicalChannels,
) -> Result<Managed, CommandError> {
    if command.nc() != 0 {
        return Err(CommandError::WrongLength);
    }
    // Step 2: origin channel not open -> 6881.
    if !channels.is_open(origin) {
        return Err(CommandError::LogicalChannelNotSupported);
    }
    let target = match command.p2() {
        0 => origin,
        n => n,
    };
    // Step 4: the basic channel, or a number above 19 -> 6A81.
    if target == 0 || usize::from(target) >= CHANNEL_COUNT {
        return Err(CommandError::FuncNotSupported);
    }
    // Step 5: close an open channel -> 9000; otherwise the JCRE answers with a warning, 6200.
    if channels.is_open(target) {
        Ok(Managed::Close { channel: target })
    } else {
        Err(CommandError::StateUnchanged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the command as the router does: a valid CLOSE closes the channel.
    fn run(bytes: &[u8], channels: &mut LogicalChannels) -> Result<ResponseApdu, CommandError> {
        let command = CommandApdu::parse(bytes).unwrap();
        let origin = command.class().channel().unwrap();
        match process(&command, origin, channels)? {
            Managed::Opened { reply, .. } => Ok(reply),
            Managed::Close { channel } => {
                assert!(channels.close(channel));
                Ok(ResponseApdu::status(StatusWord::OK))
            }
        }
    }

    #[test]
    fn open_assigns_the_lowest_free_channel() {
        let mut ch = LogicalChannels::default();
        let r = run(&[0, 0x70, 0, 0, 1], &mut ch).unwrap();
        assert_eq!(r.to_bytes(), vec![0x01, 0x90, 0x00]);
        assert!(run(&[0, 0x70, 0, 2], &mut ch).is_ok());
        let r = run(&[0, 0x70, 0, 0, 1], &mut ch).unwrap();
        assert_eq!(r.data, vec![3]);
    }

    #[test]
    fn open_checks_le_and_runs_out() {
        let mut ch = LogicalChannels::default();
        assert_eq!(
            run(&[0, 0x70, 0, 0], &mut ch),
            Err(CommandError::CorrectLength(1))
        );
        assert_eq!(
            run(&[0, 0x70, 0, 0, 2], &mut ch),
            Err(CommandError::CorrectLength(1))
        );
        for _ in 1..=19 {
            run(&[0, 0x70, 0, 0, 1], &mut ch).unwrap();
        }
        assert_eq!(
            run(&[0, 0x70, 0, 0, 1], &mut ch),
            Err(CommandError::FuncNotSupported)
        );
    }

    #[test]
    fn open_of_a_given_channel() {
        let mut ch = LogicalChannels::default();
        assert!(run(&[0, 0x70, 0, 19], &mut ch).is_ok());
        assert!(ch.is_open(19));
        assert_eq!(
            run(&[0, 0x70, 0, 19], &mut ch),
            Err(CommandError::IncorrectP1P2)
        );
        assert_eq!(
            run(&[0, 0x70, 0, 20], &mut ch),
            Err(CommandError::FuncNotSupported)
        );
        assert_eq!(
            run(&[0, 0x70, 0, 5, 1, 0xAA], &mut ch),
            Err(CommandError::WrongLength)
        );
    }

    #[test]
    fn commands_from_a_closed_origin_are_refused() {
        let mut ch = LogicalChannels::default();
        assert_eq!(
            run(&[0x02, 0x70, 0, 0, 1], &mut ch),
            Err(CommandError::LogicalChannelNotSupported)
        );
        assert_eq!(
            run(&[0x45, 0x70, 0x80, 0x09], &mut ch),
            Err(CommandError::LogicalChannelNotSupported)
        );
    }

    #[test]
    fn close_rules() {
        let mut ch = LogicalChannels::default();
        run(&[0, 0x70, 0, 4], &mut ch).unwrap();
        assert!(run(&[0, 0x70, 0x80, 4], &mut ch).is_ok());
        assert!(!ch.is_open(4));
        assert_eq!(
            run(&[0, 0x70, 0x80, 4], &mut ch),
            Err(CommandError::StateUnchanged)
        );
        assert_eq!(
            run(&[0, 0x70, 0x80, 0], &mut ch),
            Err(CommandError::FuncNotSupported),
            "P2 00 on channel 0 names the basic channel"
        );
        assert_eq!(
            run(&[0, 0x70, 0x80, 20], &mut ch),
            Err(CommandError::FuncNotSupported)
        );
        // P2 = 00 closes the channel the command came on.
        run(&[0, 0x70, 0, 6], &mut ch).unwrap();
        assert!(run(&[0x42, 0x70, 0x80, 0x00], &mut ch).is_ok());
        assert!(!ch.is_open(6));
    }

    #[test]
    fn refuses_sm_chaining_and_bad_p1() {
        let mut ch = LogicalChannels::default();
        assert_eq!(
            run(&[0x0C, 0x70, 0, 0, 1], &mut ch),
            Err(CommandError::SecureMessagingNotSupported)
        );
        assert_eq!(
            run(&[0x10, 0x70, 0, 0, 1], &mut ch),
            Err(CommandError::ChainingNotSupported)
        );
        assert_eq!(
            run(&[0, 0x70, 0x01, 0], &mut ch),
            Err(CommandError::FuncNotSupported)
        );
    }
}
