//! GET RESPONSE (ISO/IEC 7816-4:2005 clause 7.6.1): fetches response data the card announced
//! with `61xx`, in chunks of at most Ne bytes.

use crate::atr::Protocol;
use crate::error::CommandError;
use crate::outgoing::{split, sw2_count};
use crate::session::PendingResponse;
use jcos_apdu::{CommandApdu, ResponseApdu};

/// Answers GET RESPONSE on `channel` from the data pending there.
///
/// With nothing pending the command is valid but out of sequence: `6985`, conditions of use
/// not satisfied (ISO/IEC 7816-4:2005 Table 6), as ISO 7816 and ETSI TS 102 221 cards answer.
/// Under T=0 an Le larger than what is pending gets `6Cxx` with the exact count and the data
/// stays pending for the re-issued command (ISO/IEC 7816-3:2006 clause 12.2.2); under T=1 the
/// card returns what it has.
pub(crate) fn process(
    protocol: Protocol,
    command: &CommandApdu,
    channel: u8,
    pending: &mut Option<PendingResponse>,
) -> Result<ResponseApdu, CommandError> {
    if (command.p1(), command.p2()) != (0x00, 0x00) {
        return Err(CommandError::IncorrectP1P2);
    }
    if command.nc() != 0 {
        return Err(CommandError::WrongLength);
    }
    let Some(ne) = command.ne() else {
        return Err(CommandError::WrongLength);
    };
    // Data produced on another channel is not this channel's to fetch; it is dropped, as a
    // GET RESPONSE sequence may not be interleaved with other channels' commands.
    let Some(data) = pending.take().filter(|p| p.channel == channel) else {
        return Err(CommandError::ConditionsNotSatisfied);
    };
    if protocol == Protocol::T0 && ne > data.data.len() {
        let exact = sw2_count(data.data.len());
        *pending = Some(data);
        return Err(CommandError::CorrectLength(exact));
    }
    let out = split(data.data, data.sw, ne, channel);
    *pending = out.pending;
    Ok(out.response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_apdu::StatusWord;

    fn pending(n: usize, channel: u8) -> Option<PendingResponse> {
        Some(PendingResponse {
            channel,
            data: (0..n).map(|i| i as u8).collect(),
            sw: StatusWord::OK,
        })
    }

    fn run(
        protocol: Protocol,
        bytes: &[u8],
        channel: u8,
        p: &mut Option<PendingResponse>,
    ) -> Result<ResponseApdu, CommandError> {
        process(protocol, &CommandApdu::parse(bytes).unwrap(), channel, p)
    }

    #[test]
    fn fetches_in_chunks() {
        let mut p = pending(10, 0);
        let r = run(Protocol::T0, &[0, 0xC0, 0, 0, 4], 0, &mut p).unwrap();
        assert_eq!(r.to_bytes(), vec![0, 1, 2, 3, 0x61, 0x06]);
        let r = run(Protocol::T0, &[0, 0xC0, 0, 0, 6], 0, &mut p).unwrap();
        assert_eq!(r.to_bytes(), vec![4, 5, 6, 7, 8, 9, 0x90, 0x00]);
        assert_eq!(p, None);
        assert_eq!(
            run(Protocol::T0, &[0, 0xC0, 0, 0, 6], 0, &mut p),
            Err(CommandError::ConditionsNotSatisfied)
        );
    }

    #[test]
    fn t0_le_too_large_gets_6cxx_and_keeps_the_data() {
        let mut p = pending(10, 0);
        assert_eq!(
            run(Protocol::T0, &[0, 0xC0, 0, 0, 0], 0, &mut p),
            Err(CommandError::CorrectLength(10))
        );
        assert_eq!(p, pending(10, 0));
    }

    #[test]
    fn t1_le_too_large_returns_what_is_pending() {
        let mut p = pending(10, 0);
        let r = run(Protocol::T1, &[0, 0xC0, 0, 0, 0], 0, &mut p).unwrap();
        assert_eq!(r.data.len(), 10);
        assert_eq!(r.sw, StatusWord::OK);
    }

    #[test]
    fn other_channels_data_is_not_returned() {
        let mut p = pending(10, 1);
        assert_eq!(
            run(Protocol::T1, &[0, 0xC0, 0, 0, 0], 0, &mut p),
            Err(CommandError::ConditionsNotSatisfied)
        );
    }

    #[test]
    fn refuses_bad_parameters_and_lengths() {
        let mut p = pending(10, 0);
        assert_eq!(
            run(Protocol::T1, &[0, 0xC0, 1, 0, 0], 0, &mut p),
            Err(CommandError::IncorrectP1P2)
        );
        assert_eq!(
            run(Protocol::T1, &[0, 0xC0, 0, 0], 0, &mut p),
            Err(CommandError::WrongLength)
        );
        assert_eq!(
            run(Protocol::T1, &[0, 0xC0, 0, 0, 1, 0xAA], 0, &mut p),
            Err(CommandError::WrongLength)
        );
        assert_eq!(p, pending(10, 0), "refused commands leave the data pending");
    }
}
