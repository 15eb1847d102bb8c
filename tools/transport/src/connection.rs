//! One connection's request loop, shared by the vpcd client and the TCP server: read a frame,
//! let the card answer, write the answer, until the peer closes or a stop is requested.

use crate::frame::{write_frame, FrameError, FrameReader, Polled, Request, UnknownControl};
use crate::log::Log;
use crate::served::{lock, SharedCard};
use crate::shutdown::{Shutdown, POLL};
use std::net::TcpStream;

/// How a connection ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The peer closed it between frames.
    Closed,
    /// A stop was requested; the request in flight, if any, was answered first.
    Stopped,
    /// The card gave no answer (it lost power during the command).
    NoAnswer,
}

/// Why a connection was dropped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectionError {
    /// Bad framing or a failed socket.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A 1-byte frame that is no known control code.
    #[error(transparent)]
    Control(#[from] UnknownControl),
}

/// Serves `card` to the peer on `stream` until it closes, breaks the protocol, or `shutdown`
/// is requested. A frame being received when the stop comes is dropped unanswered; a request
/// already received is carried out and answered first.
pub(crate) fn serve(
    stream: &mut TcpStream,
    card: &SharedCard,
    via: &str,
    shutdown: &Shutdown,
    log: &Log,
) -> Result<End, ConnectionError> {
    stream
        .set_read_timeout(Some(POLL))
        .map_err(FrameError::Io)?;
    // Answers are small and latency-bound: never hold them back for coalescing.
    stream.set_nodelay(true).map_err(FrameError::Io)?;
    let mut reader = FrameReader::new();
    loop {
        acknowledge_at_once(stream);
        match reader.poll(stream)? {
            Polled::Frame(payload) => {
                let request = Request::decode(payload)?;
                let answer = lock(card).handle(&request, via, log);
                match answer {
                    // A card that lost power mid-command answers nothing; vpcd takes a
                    // connection that ends instead of answering for a removed card.
                    Some(answer) if answer.is_empty() => return Ok(End::NoAnswer),
                    Some(answer) => write_frame(stream, &answer)?,
                    None => {}
                }
            }
            Polled::Closed => return Ok(End::Closed),
            Polled::Idle => {
                if shutdown.is_requested() {
                    return Ok(End::Stopped);
                }
            }
        }
    }
}

/// Asks the kernel to acknowledge the next segments at once instead of delaying the ACK.
///
/// vpcd writes a frame's 2-byte length and its body with two `send` calls. With Nagle's
/// algorithm on its socket, the body waits for the ACK of the length, and a receiver that
/// delays ACKs (Linux: up to 40 ms) until it has something to send back never has anything to
/// send before the body arrives: every APDU would take 40 ms. Quick-ACK mode is not sticky, so
/// it is asked for again before every read.
fn acknowledge_at_once(stream: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // Best effort: without it the connection still works, only slower.
        let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = stream;
}
