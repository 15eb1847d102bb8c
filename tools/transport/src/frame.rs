//! The wire format shared by vpcd and the jcos TCP server: each message is a 2-byte big-endian
//! length followed by that many bytes. A 1-byte message is a control code; a longer one is a
//! command APDU (towards the card) or a response APDU / ATR (from the card).
//!
//! The length prefix bounds every frame to 65 535 bytes, so a peer can never make us allocate
//! more. Reads tolerate socket timeouts without losing bytes: a [`FrameReader`] keeps a partly
//! received frame across timeouts, which lets a server poll a shutdown flag between reads.

use std::io::{self, ErrorKind, Read, Write};

/// The largest payload a frame can carry.
pub const MAX_FRAME: usize = u16::MAX as usize;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The connection failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The peer closed the connection inside a frame.
    #[error("connection closed inside a frame ({received} of {expected} bytes received)")]
    Truncated {
        /// Bytes the frame announced, header included.
        expected: usize,
        /// Bytes that arrived.
        received: usize,
    },
    /// A frame announced an empty payload, which neither side ever sends.
    #[error("empty frame (length prefix 0000)")]
    Empty,
    /// A payload longer than the 2-byte length prefix can announce.
    #[error("{len} bytes do not fit in one frame (at most {MAX_FRAME})")]
    TooLong {
        /// The payload length.
        len: usize,
    },
}

/// Power and status requests, sent as 1-byte frames (the codes of vsmartcard's vpcd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Remove power from the card; no answer.
    PowerOff,
    /// Power the card on; no answer.
    PowerOn,
    /// Warm reset; no answer.
    Reset,
    /// Ask for the ATR; answered with the ATR (vpcd also uses this to poll card presence).
    GetAtr,
}

impl Control {
    /// The byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            Control::PowerOff => 0,
            Control::PowerOn => 1,
            Control::Reset => 2,
            Control::GetAtr => 4,
        }
    }

    /// The control for a wire byte, if it is one.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Control::PowerOff),
            1 => Some(Control::PowerOn),
            2 => Some(Control::Reset),
            4 => Some(Control::GetAtr),
            _ => None,
        }
    }
}

/// A frame sent towards the card, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A control code.
    Control(Control),
    /// A command APDU (two bytes or more).
    Apdu(Vec<u8>),
}

/// Why a frame towards the card was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown control code {0:#04x} (known: 00 power off, 01 power on, 02 reset, 04 get ATR)")]
pub struct UnknownControl(pub u8);

impl Request {
    /// Decodes a frame's payload (never empty: [`FrameReader`] refuses empty frames).
    pub fn decode(payload: Vec<u8>) -> Result<Self, UnknownControl> {
        match payload.as_slice() {
            [code] => Control::from_code(*code)
                .map(Request::Control)
                .ok_or(UnknownControl(*code)),
            _ => Ok(Request::Apdu(payload)),
        }
    }
}

/// Writes one frame as a single buffer, so it leaves in one segment even with Nagle off.
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> Result<(), FrameError> {
    let len =
        u16::try_from(payload.len()).map_err(|_| FrameError::TooLong { len: payload.len() })?;
    if len == 0 {
        return Err(FrameError::Empty);
    }
    let mut bytes = Vec::with_capacity(payload.len().saturating_add(2));
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(payload);
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

/// Reads frames from a byte stream, keeping a partial frame across read timeouts.
#[derive(Debug, Default)]
pub struct FrameReader {
    /// Bytes of the current frame received so far, header included.
    buf: Vec<u8>,
}

/// What one [`FrameReader::poll`] produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Polled {
    /// A complete frame's payload.
    Frame(Vec<u8>),
    /// The peer closed the connection between frames.
    Closed,
    /// The read timed out; [`FrameReader::in_frame`] tells whether a frame is partly read.
    Idle,
}

impl FrameReader {
    /// A reader at a frame boundary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether part of a frame has been received.
    pub fn in_frame(&self) -> bool {
        !self.buf.is_empty()
    }

    /// The number of bytes this frame needs in total, once its header is known.
    fn needed(&self) -> Result<usize, FrameError> {
        match self.buf.as_slice() {
            [hi, lo, ..] => match usize::from(u16::from_be_bytes([*hi, *lo])) {
                0 => Err(FrameError::Empty),
                len => Ok(len.saturating_add(2)),
            },
            _ => Ok(2),
        }
    }

    /// Reads until a frame is complete, the peer closes, or the stream's read timeout expires.
    pub fn poll(&mut self, input: &mut impl Read) -> Result<Polled, FrameError> {
        loop {
            let needed = self.needed()?;
            if self.buf.len() >= needed && needed > 2 {
                let payload = self.buf.split_off(2);
                self.buf.clear();
                return Ok(Polled::Frame(payload));
            }
            let have = self.buf.len();
            self.buf.resize(needed, 0);
            let result = input.read(self.buf.get_mut(have..).unwrap_or_default());
            match result {
                Ok(0) => {
                    self.buf.truncate(have);
                    return if have == 0 {
                        Ok(Polled::Closed)
                    } else {
                        Err(FrameError::Truncated {
                            expected: needed,
                            received: have,
                        })
                    };
                }
                Ok(n) => self.buf.truncate(have.saturating_add(n)),
                Err(e) => {
                    self.buf.truncate(have);
                    match e.kind() {
                        ErrorKind::WouldBlock | ErrorKind::TimedOut => return Ok(Polled::Idle),
                        ErrorKind::Interrupted => {}
                        _ => return Err(e.into()),
                    }
                }
            }
        }
    }

    /// Reads one whole frame, waiting through timeouts; `None` when the peer closed between
    /// frames.
    pub fn read_blocking(&mut self, input: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
        loop {
            match self.poll(input)? {
                Polled::Frame(payload) => return Ok(Some(payload)),
                Polled::Closed => return Ok(None),
                Polled::Idle => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its bytes in fixed pieces, with a timeout between pieces.
    struct Trickle {
        pieces: Vec<Vec<u8>>,
        timeout_next: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.timeout_next {
                self.timeout_next = false;
                return Err(ErrorKind::WouldBlock.into());
            }
            self.timeout_next = true;
            if self.pieces.is_empty() {
                return Ok(0);
            }
            let piece = self.pieces.remove(0);
            let n = piece.len().min(out.len());
            out[..n].copy_from_slice(&piece[..n]);
            if n < piece.len() {
                self.pieces.insert(0, piece[n..].to_vec());
            }
            Ok(n)
        }
    }

    #[test]
    fn control_codes_are_vpcds() {
        // vsmartcard vpcd.h: VPCD_CTRL_OFF 0, VPCD_CTRL_ON 1, VPCD_CTRL_RESET 2, VPCD_CTRL_ATR 4.
        assert_eq!(
            Request::decode(vec![0]),
            Ok(Request::Control(Control::PowerOff))
        );
        assert_eq!(
            Request::decode(vec![1]),
            Ok(Request::Control(Control::PowerOn))
        );
        assert_eq!(
            Request::decode(vec![2]),
            Ok(Request::Control(Control::Reset))
        );
        assert_eq!(
            Request::decode(vec![4]),
            Ok(Request::Control(Control::GetAtr))
        );
        assert_eq!(Request::decode(vec![3]), Err(UnknownControl(3)));
        assert_eq!(
            Request::decode(vec![0x00, 0x84]),
            Ok(Request::Apdu(vec![0x00, 0x84]))
        );
    }

    #[test]
    fn frames_survive_timeouts_and_split_reads() {
        let mut input = Trickle {
            pieces: vec![
                vec![0x00],
                vec![0x05, 0x00, 0xA4],
                vec![0x04, 0x00, 0x00, 0x00, 0x01, 0x01],
            ],
            timeout_next: false,
        };
        let mut reader = FrameReader::new();
        let mut frames = Vec::new();
        loop {
            match reader.poll(&mut input).unwrap() {
                Polled::Frame(f) => frames.push(f),
                Polled::Idle => {}
                Polled::Closed => break,
            }
        }
        assert_eq!(frames, vec![vec![0x00, 0xA4, 0x04, 0x00, 0x00], vec![0x01]]);
    }

    #[test]
    fn a_frame_cut_short_is_an_error() {
        let mut input: &[u8] = &[0x00, 0x05, 0x00, 0xA4];
        let err = FrameReader::new().read_blocking(&mut input).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::Truncated {
                    expected: 7,
                    received: 4
                }
            ),
            "{err}"
        );
        let mut cut_header: &[u8] = &[0x00];
        assert!(matches!(
            FrameReader::new().read_blocking(&mut cut_header),
            Err(FrameError::Truncated {
                expected: 2,
                received: 1
            })
        ));
    }

    #[test]
    fn an_empty_frame_is_refused() {
        let mut input: &[u8] = &[0x00, 0x00, 0x00, 0x01, 0x04];
        assert!(matches!(
            FrameReader::new().read_blocking(&mut input),
            Err(FrameError::Empty)
        ));
        assert!(matches!(
            write_frame(&mut Vec::new(), &[]),
            Err(FrameError::Empty)
        ));
    }

    #[test]
    fn writing_prefixes_the_big_endian_length() {
        let mut out = Vec::new();
        write_frame(&mut out, &[0x6A, 0x82]).unwrap();
        assert_eq!(out, [0x00, 0x02, 0x6A, 0x82]);
        let long = vec![0u8; 0x1234];
        out.clear();
        write_frame(&mut out, &long).unwrap();
        assert_eq!(&out[..2], &[0x12, 0x34]);
        assert!(matches!(
            write_frame(&mut out, &vec![0u8; MAX_FRAME + 1]),
            Err(FrameError::TooLong { len: 65536 })
        ));
    }

    #[test]
    fn a_full_size_frame_reads_back() {
        let payload: Vec<u8> = (0..MAX_FRAME).map(|i| i as u8).collect();
        let mut wire = Vec::new();
        write_frame(&mut wire, &payload).unwrap();
        let mut input = wire.as_slice();
        assert_eq!(
            FrameReader::new().read_blocking(&mut input).unwrap(),
            Some(payload)
        );
        assert_eq!(FrameReader::new().read_blocking(&mut input).unwrap(), None);
    }
}
