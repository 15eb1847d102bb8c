//! Returning response data within Ne: direct delivery, `61xx` with the rest kept for GET
//! RESPONSE, and the T=0 rules for Le (ISO/IEC 7816-4:2005 clause 5.1.3; ISO/IEC 7816-3:2006
//! clause 12.2, transport of APDUs by T=0).

use crate::atr::Protocol;
use crate::error::CommandError;
use crate::session::PendingResponse;
use jcos_apdu::{CommandApdu, ResponseApdu, StatusWord};

/// What goes back to the terminal now, and what stays for GET RESPONSE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outgoing {
    /// The response APDU sent now.
    pub(crate) response: ResponseApdu,
    /// Data left for GET RESPONSE, if any.
    pub(crate) pending: Option<PendingResponse>,
}

/// Fits a handler's `reply` to the command's Ne under `protocol`.
///
/// - T=1: up to Ne bytes go back directly; more data than Ne (Ne = 0 when Le is absent)
///   leaves the rest pending behind `61xx`.
/// - T=0: a command with a data field (case 3 or 4) never carries Le over T=0, so all of its
///   response data waits behind `61xx` (clause 12.2.4). A case 2 command whose Le asks for more
///   than the card has is answered `6Cxx` with the exact count, and the terminal re-issues it
///   (clause 12.2.2); a smaller Le gets Ne bytes and `61xx`.
pub(crate) fn deliver(
    protocol: Protocol,
    command: &CommandApdu,
    channel: u8,
    reply: ResponseApdu,
) -> Result<Outgoing, CommandError> {
    if reply.data.is_empty() {
        return Ok(Outgoing {
            response: reply,
            pending: None,
        });
    }
    let ne = match (protocol, command.nc(), command.ne()) {
        (Protocol::T1, _, ne) => ne.unwrap_or(0),
        (Protocol::T0, 0, Some(ne)) => {
            if ne > reply.data.len() {
                return Err(CommandError::CorrectLength(sw2_count(reply.data.len())));
            }
            ne
        }
        (Protocol::T0, _, _) => 0,
    };
    Ok(split(reply.data, reply.sw, ne, channel))
}

/// Fits an applet's `reply` to Ne: as [`deliver`], except that under T=1 a command without
/// Le accepts as much as its length form can carry (256 bytes short, 65536 extended), which
/// is what `APDU.setOutgoing` told the applet.
pub(crate) fn deliver_applet(
    protocol: Protocol,
    command: &CommandApdu,
    channel: u8,
    reply: ResponseApdu,
) -> Result<Outgoing, CommandError> {
    if protocol == Protocol::T1 && command.ne().is_none() {
        let ne = applet_ne(command);
        return Ok(split(reply.data, reply.sw, ne, channel));
    }
    deliver(protocol, command, channel, reply)
}

/// The Ne an applet works with: Le when present, else the most the length form can carry.
pub(crate) fn applet_ne(command: &CommandApdu) -> usize {
    match command.ne() {
        Some(ne) => ne,
        None if command.is_extended() => 65_536,
        None => 256,
    }
}

/// Returns the first `ne` bytes of `data` now; the rest, if any, becomes pending behind
/// `61xx`, and `sw` is kept for the last chunk.
pub(crate) fn split(mut data: Vec<u8>, sw: StatusWord, ne: usize, channel: u8) -> Outgoing {
    if data.len() <= ne {
        return Outgoing {
            response: ResponseApdu::new(data, sw),
            pending: None,
        };
    }
    let rest = data.split_off(ne);
    Outgoing {
        response: ResponseApdu::new(data, bytes_available(rest.len())),
        pending: Some(PendingResponse {
            channel,
            data: rest,
            sw,
        }),
    }
}

/// `61xx`: xx more bytes available, `00` meaning 256 or more.
pub(crate) fn bytes_available(count: usize) -> StatusWord {
    StatusWord::from_bytes(0x61, sw2_count(count))
}

/// A byte count as SW2: the count itself below 256, `00` for 256 and more (as Le codes 256).
pub(crate) fn sw2_count(count: usize) -> u8 {
    u8::try_from(count).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(bytes: &[u8]) -> CommandApdu {
        CommandApdu::parse(bytes).unwrap()
    }

    fn reply(n: usize) -> ResponseApdu {
        ResponseApdu::new((0..n).map(|i| i as u8).collect::<Vec<u8>>(), StatusWord::OK)
    }

    #[test]
    fn t1_returns_up_to_ne_directly() {
        let out = deliver(Protocol::T1, &cmd(&[0, 0xCA, 0, 0, 0x10]), 0, reply(4)).unwrap();
        assert_eq!(out.response.to_bytes(), vec![0, 1, 2, 3, 0x90, 0x00]);
        assert_eq!(out.pending, None);
        let out = deliver(Protocol::T1, &cmd(&[0, 0xCA, 0, 0, 0x04]), 0, reply(4)).unwrap();
        assert_eq!(out.response.to_bytes(), vec![0, 1, 2, 3, 0x90, 0x00]);
    }

    #[test]
    fn t1_more_than_ne_leaves_the_rest_behind_61xx() {
        let out = deliver(Protocol::T1, &cmd(&[0, 0xCA, 0, 0, 0x02]), 3, reply(5)).unwrap();
        assert_eq!(out.response.to_bytes(), vec![0, 1, 0x61, 0x03]);
        let pending = out.pending.unwrap();
        assert_eq!(pending.channel, 3);
        assert_eq!(pending.data, vec![2, 3, 4]);
        assert_eq!(pending.sw, StatusWord::OK);
    }

    #[test]
    fn t1_case_3_with_data_keeps_all_of_it_pending() {
        let out = deliver(Protocol::T1, &cmd(&[0, 0x01, 0, 0, 1, 0xAA]), 0, reply(300)).unwrap();
        assert_eq!(
            out.response.to_bytes(),
            vec![0x61, 0x00],
            "300 bytes: 61 00"
        );
        assert_eq!(out.pending.unwrap().data.len(), 300);
    }

    #[test]
    fn t0_case_4_answers_61xx_with_everything_pending() {
        let out = deliver(
            Protocol::T0,
            &cmd(&[0, 0x01, 0, 0, 1, 0xAA, 0x00]),
            0,
            reply(20),
        )
        .unwrap();
        assert_eq!(out.response.to_bytes(), vec![0x61, 0x14]);
        assert_eq!(out.pending.unwrap().data.len(), 20);
        let out = deliver(
            Protocol::T0,
            &cmd(&[0, 0x01, 0, 0, 1, 0xAA, 0x00]),
            0,
            reply(256),
        )
        .unwrap();
        assert_eq!(
            out.response.to_bytes(),
            vec![0x61, 0x00],
            "256 or more: 61 00"
        );
    }

    #[test]
    fn t0_case_2_with_too_large_le_gets_6cxx() {
        let err = deliver(Protocol::T0, &cmd(&[0, 0xCA, 0, 0, 0x00]), 0, reply(13)).unwrap_err();
        assert_eq!(StatusWord::from(err), StatusWord(0x6C0D));
        let out = deliver(Protocol::T0, &cmd(&[0, 0xCA, 0, 0, 0x0D]), 0, reply(13)).unwrap();
        assert_eq!(out.response.sw, StatusWord::OK);
        assert_eq!(out.response.data.len(), 13);
    }

    #[test]
    fn t0_case_2_with_smaller_le_gets_61xx() {
        let out = deliver(Protocol::T0, &cmd(&[0, 0xCA, 0, 0, 0x04]), 0, reply(13)).unwrap();
        assert_eq!(out.response.to_bytes(), vec![0, 1, 2, 3, 0x61, 0x09]);
    }

    #[test]
    fn empty_replies_pass_through() {
        let r = ResponseApdu::status(StatusWord::FILE_NOT_FOUND);
        for p in [Protocol::T0, Protocol::T1] {
            let out = deliver(p, &cmd(&[0, 0xA4, 4, 0, 1, 0xAA]), 0, r.clone()).unwrap();
            assert_eq!(out.response, r);
            assert_eq!(out.pending, None);
        }
    }
}
