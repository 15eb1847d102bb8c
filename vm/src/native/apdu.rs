//! `javacard.framework.APDU`: the APDU object's state machine (Java Card 3.0.5 API, APDU
//! states `STATE_INITIAL` .. `STATE_FULL_OUTGOING`) over the command and response bytes the
//! runtime supplies. The APDU buffer is the JCRE's global array; the header is placed at
//! offsets 0..5 (0..7 for extended length) before `process` runs.

use super::{bool_ret, Args, Jcre, NativeId, NativeRet};
use crate::heap::{ContextId, Heap};
use crate::interp::{Env, Fault, VmException};
use crate::program::ClassId;
use crate::runtime::Command;

/// `APDU.STATE_INITIAL`.
pub const STATE_INITIAL: i8 = 0;
/// `APDU.STATE_PARTIAL_INCOMING`.
pub const STATE_PARTIAL_INCOMING: i8 = 1;
/// `APDU.STATE_FULL_INCOMING`.
pub const STATE_FULL_INCOMING: i8 = 2;
/// `APDU.STATE_OUTGOING`.
pub const STATE_OUTGOING: i8 = 3;
/// `APDU.STATE_OUTGOING_LENGTH_KNOWN`.
pub const STATE_OUTGOING_LENGTH_KNOWN: i8 = 4;
/// `APDU.STATE_PARTIAL_OUTGOING`.
pub const STATE_PARTIAL_OUTGOING: i8 = 5;
/// `APDU.STATE_FULL_OUTGOING`.
pub const STATE_FULL_OUTGOING: i8 = 6;

/// `APDUException.ILLEGAL_USE`.
pub const APDU_ILLEGAL_USE: i16 = 1;
/// `APDUException.BUFFER_BOUNDS`.
pub const APDU_BUFFER_BOUNDS: i16 = 2;
/// `APDUException.BAD_LENGTH`.
pub const APDU_BAD_LENGTH: i16 = 3;

/// Largest outgoing length of a short APDU response.
const SHORT_MAX_OUT: usize = 256;
/// The information field size of the card under T=1 (ISO/IEC 7816-3:2006 clause 11.4.2:
/// 254 is the largest IFSC), the incoming block size.
const IFSC: usize = 254;
/// The information field size of the terminal under T=1 assumed for outgoing blocks.
const IFSD: usize = 254;
/// Outgoing block size under T=0: 256 data bytes and the two status bytes.
const T0_OUT_BLOCK: usize = 258;
/// Largest outgoing length of an extended APDU response the API can express.
const EXTENDED_MAX_OUT: usize = 32767;

/// The state of the APDU object for the command being processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApduState {
    /// One of the `STATE_*` values.
    pub state: i8,
    /// Command data length Nc.
    pub nc: usize,
    /// Command data bytes received into the buffer so far.
    pub received: usize,
    /// Expected response length Ne.
    pub ne: usize,
    /// Extended length command.
    pub extended: bool,
    /// Declared outgoing length.
    pub out_len: usize,
    /// Response bytes sent so far.
    pub sent: usize,
    /// The CLA byte.
    pub cla: u8,
    /// The applet processing the command implements `javacardx.apdu.ExtendedLength`, so
    /// it may send more than 256 bytes; worked out when first needed.
    pub extended_aware: Option<bool>,
    /// The class of the applet processing the command and the `ExtendedLength` interface,
    /// from which `extended_aware` is worked out.
    pub extended_probe: Option<(ClassId, ClassId)>,
    /// `setOutgoingNoChaining` was used.
    pub no_chaining: bool,
    /// An applet's `process` is running for this command (`getCurrentAPDU` is allowed).
    pub active: bool,
    /// The context of the applet processing the command.
    pub context: ContextId,
}

impl Default for ApduState {
    fn default() -> Self {
        ApduState {
            state: STATE_INITIAL,
            nc: 0,
            received: 0,
            ne: 0,
            extended: false,
            out_len: 0,
            sent: 0,
            cla: 0,
            extended_aware: None,
            extended_probe: None,
            no_chaining: false,
            active: false,
            context: ContextId::JCRE,
        }
    }
}

impl ApduState {
    /// Offset of the command data in the APDU buffer (`APDU.getOffsetCdata`).
    pub fn offset_cdata(&self) -> usize {
        if self.extended {
            7
        } else {
            5
        }
    }
}

/// Starts a command: resets the APDU state and writes the header into the APDU buffer.
pub fn begin(jcre: &mut Jcre, heap: &mut Heap, cmd: Command<'_>) -> Result<(), VmException> {
    let nc = cmd.data.len();
    let [cla, ins, p1, p2] = cmd.header;
    let mut header = [cla as i8, ins as i8, p1 as i8, p2 as i8, 0, 0, 0];
    let header_len = if cmd.extended {
        let len = if nc > 0 { nc } else { cmd.ne };
        let [hi, lo] = u16::try_from(len.min(0xFFFF)).unwrap_or(0).to_be_bytes();
        header[5] = hi as i8;
        header[6] = lo as i8;
        7
    } else {
        // Lc, or Le with 256 coded 00.
        header[4] = if nc > 0 {
            nc as u8 as i8
        } else {
            cmd.ne as u8 as i8
        };
        5
    };
    // The API requires a zeroed buffer for every new command (APDU class description): the
    // header and zeros go in with one write, from a scratch copy that stays zeroed between
    // commands.
    let scratch = &mut jcre.apdu_scratch;
    scratch.resize(jcre.apdu_buffer_size, 0);
    let head = header.get(..header_len).unwrap_or_default();
    if let Some(dst) = scratch.get_mut(..header_len) {
        dst.copy_from_slice(head);
    }
    let written = heap.write_bytes(jcre.apdu_buffer, 0, scratch, ContextId::JCRE, false);
    if let Some(dst) = scratch.get_mut(..header_len) {
        dst.fill(0);
    }
    written?;
    jcre.apdu_state = ApduState {
        nc,
        ne: cmd.ne,
        extended: cmd.extended,
        cla,
        ..ApduState::default()
    };
    Ok(())
}

fn apdu_err(reason: i16) -> Fault {
    VmException::Apdu(reason).into()
}

fn word(v: usize) -> NativeRet {
    NativeRet::Word(i32::try_from(v.min(32767)).unwrap_or(32767))
}

/// The incoming block size (`APDU.getInBlockSize`): 1 under T=0, IFSC under T=1.
fn in_block_size(env: &Env<'_>) -> usize {
    if env.runtime.protocol() & 0x0F == 0 {
        1
    } else {
        IFSC
    }
}

/// Copies the next command data bytes into the buffer at `off`: as many as are left, up to
/// the space left in the buffer. The buffer must have room for one incoming block of what
/// is left (`BUFFER_BOUNDS` otherwise).
fn receive(env: &mut Env<'_>, off: usize) -> Result<usize, Fault> {
    let st = &env.jcre.apdu_state;
    let room = env.jcre.apdu_buffer_size.saturating_sub(off);
    let remaining = st.nc.saturating_sub(st.received);
    if room < remaining.min(in_block_size(env)) {
        return Err(apdu_err(APDU_BUFFER_BOUNDS));
    }
    let n = remaining.min(room);
    let start = st.received;
    let chunk: Vec<i8> = env
        .runtime
        .command()
        .data
        .get(start..start.saturating_add(n))
        .ok_or(VmException::Security)?
        .iter()
        .map(|b| *b as i8)
        .collect();
    let buffer = env.jcre.apdu_buffer;
    env.heap
        .write_bytes(buffer, off as i32, &chunk, ContextId::JCRE, false)?;
    let st = &mut env.jcre.apdu_state;
    st.received += n;
    st.state = if st.received >= st.nc {
        STATE_FULL_INCOMING
    } else {
        STATE_PARTIAL_INCOMING
    };
    Ok(n)
}

fn set_outgoing(env: &mut Env<'_>, no_chaining: bool) -> Result<NativeRet, Fault> {
    let st = &mut env.jcre.apdu_state;
    if st.state >= STATE_OUTGOING || st.state < 0 {
        return Err(apdu_err(APDU_ILLEGAL_USE));
    }
    st.state = STATE_OUTGOING;
    st.no_chaining = no_chaining;
    Ok(word(st.ne))
}

fn set_outgoing_length(env: &mut Env<'_>, len: i16) -> Result<(), Fault> {
    let protocol = env.runtime.protocol();
    let aware = extended_aware(env);
    let st = &mut env.jcre.apdu_state;
    if st.state != STATE_OUTGOING {
        return Err(apdu_err(APDU_ILLEGAL_USE));
    }
    let max = if aware {
        EXTENDED_MAX_OUT
    } else {
        SHORT_MAX_OUT
    };
    let len = usize::try_from(len).map_err(|_| apdu_err(APDU_BAD_LENGTH))?;
    // Without block chaining under T=1 the response must fit one block: IFSD less the two
    // status bytes.
    let unchained_t1 = st.no_chaining && protocol & 0x0F == 1;
    if len > max || (unchained_t1 && len > IFSD.saturating_sub(2)) {
        return Err(apdu_err(APDU_BAD_LENGTH));
    }
    st.out_len = len;
    st.state = STATE_OUTGOING_LENGTH_KNOWN;
    Ok(())
}

/// Whether the applet processing the command implements `javacardx.apdu.ExtendedLength`.
fn extended_aware(env: &mut Env<'_>) -> bool {
    let st = &mut env.jcre.apdu_state;
    if let Some(known) = st.extended_aware {
        return known;
    }
    let aware = st.extended_probe.is_some_and(|(class, iface)| {
        env.program
            .class(class)
            .is_some_and(|c| c.interfaces.contains(&iface))
    });
    st.extended_aware = Some(aware);
    aware
}

/// Sends `bytes` as the next part of the declared response.
fn send(env: &mut Env<'_>, bytes: &[i8]) -> Result<(), Fault> {
    let st = &mut env.jcre.apdu_state;
    if st.state != STATE_OUTGOING_LENGTH_KNOWN && st.state != STATE_PARTIAL_OUTGOING {
        return Err(apdu_err(APDU_ILLEGAL_USE));
    }
    if st.sent + bytes.len() > st.out_len {
        return Err(apdu_err(APDU_ILLEGAL_USE));
    }
    st.sent += bytes.len();
    st.state = if st.sent == st.out_len {
        STATE_FULL_OUTGOING
    } else {
        STATE_PARTIAL_OUTGOING
    };
    let out: Vec<u8> = bytes.iter().map(|b| *b as u8).collect();
    env.runtime.send(&out);
    Ok(())
}

/// Reads `len` bytes of the APDU buffer from `off` for sending, with `BUFFER_BOUNDS` checks.
fn buffer_range(env: &Env<'_>, off: i16, len: i16) -> Result<Vec<i8>, Fault> {
    if off < 0 || len < 0 || (off as usize) + (len as usize) > env.jcre.apdu_buffer_size {
        return Err(apdu_err(APDU_BUFFER_BOUNDS));
    }
    Ok(env.heap.read_bytes(
        env.jcre.apdu_buffer,
        i32::from(off),
        i32::from(len),
        ContextId::JCRE,
    )?)
}

/// Runs an `APDU` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: NativeId,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use NativeId as N;
    let cla = jcos_apdu::Cla(env.jcre.apdu_state.cla);
    match id {
        N::ApduGetBuffer => Ok(NativeRet::Word(env.jcre.apdu_buffer.word())),
        N::ApduGetCurrentApdu | N::ApduGetCurrentApduBuffer => {
            // Only the applet processing the command (or the JCRE) may reach the APDU, and
            // only while process() runs.
            let st = &env.jcre.apdu_state;
            if !st.active || (ctx != st.context && ctx != ContextId::JCRE) {
                return Err(VmException::Security.into());
            }
            Ok(NativeRet::Word(if id == N::ApduGetCurrentApdu {
                env.jcre.apdu.word()
            } else {
                env.jcre.apdu_buffer.word()
            }))
        }
        N::ApduGetNad => Ok(NativeRet::Word(0)),
        N::ApduSetIncomingAndReceive => {
            if env.jcre.apdu_state.state != STATE_INITIAL {
                return Err(apdu_err(APDU_ILLEGAL_USE));
            }
            let off = env.jcre.apdu_state.offset_cdata();
            let n = receive(env, off)?;
            Ok(word(n))
        }
        N::ApduReceiveBytes => {
            let off = a.short(1)?;
            let st = env.jcre.apdu_state.state;
            if st != STATE_PARTIAL_INCOMING && st != STATE_FULL_INCOMING {
                return Err(apdu_err(APDU_ILLEGAL_USE));
            }
            let off = usize::try_from(off).map_err(|_| apdu_err(APDU_BUFFER_BOUNDS))?;
            if off > env.jcre.apdu_buffer_size {
                return Err(apdu_err(APDU_BUFFER_BOUNDS));
            }
            let n = receive(env, off)?;
            Ok(word(n))
        }
        N::ApduGetIncomingLength => {
            let st = &env.jcre.apdu_state;
            if st.state != STATE_PARTIAL_INCOMING && st.state != STATE_FULL_INCOMING {
                return Err(apdu_err(APDU_ILLEGAL_USE));
            }
            Ok(word(st.nc))
        }
        N::ApduGetOffsetCdata => {
            let st = &env.jcre.apdu_state;
            if st.state != STATE_PARTIAL_INCOMING && st.state != STATE_FULL_INCOMING {
                return Err(apdu_err(APDU_ILLEGAL_USE));
            }
            Ok(word(st.offset_cdata()))
        }
        N::ApduSetOutgoing => set_outgoing(env, false),
        N::ApduSetOutgoingNoChaining => set_outgoing(env, true),
        N::ApduSetOutgoingLength => {
            set_outgoing_length(env, a.short(1)?)?;
            Ok(NativeRet::Void)
        }
        N::ApduSendBytes => {
            let bytes = buffer_range(env, a.short(1)?, a.short(2)?)?;
            send(env, &bytes)?;
            Ok(NativeRet::Void)
        }
        N::ApduSendBytesLong => {
            let arr = a.obj(1)?;
            let off = a.short(2)?;
            let len = a.short(3)?;
            if off < 0 || len < 0 {
                return Err(VmException::ArrayIndexOutOfBounds.into());
            }
            let bytes = env
                .heap
                .read_bytes(arr, i32::from(off), i32::from(len), ctx)?;
            send(env, &bytes)?;
            Ok(NativeRet::Void)
        }
        N::ApduSetOutgoingAndSend => {
            let off = a.short(1)?;
            let len = a.short(2)?;
            set_outgoing(env, false)?;
            set_outgoing_length(env, len)?;
            let bytes = buffer_range(env, off, len)?;
            send(env, &bytes)?;
            Ok(NativeRet::Void)
        }
        N::ApduGetCurrentState => Ok(NativeRet::Word(i32::from(env.jcre.apdu_state.state))),
        N::ApduIsCommandChainingCla => Ok(bool_ret(cla.is_chaining())),
        N::ApduIsSecureMessagingCla => Ok(bool_ret(cla.is_secure_messaging())),
        N::ApduIsIsoInterindustryCla => Ok(bool_ret(cla.is_interindustry())),
        N::ApduIsValidCla => Ok(bool_ret(cla.0 != 0xFF)),
        N::ApduGetInBlockSize => Ok(word(in_block_size(env))),
        N::ApduGetOutBlockSize => Ok(word(if env.runtime.protocol() & 0x0F == 0 {
            T0_OUT_BLOCK
        } else {
            IFSD
        })),
        N::ApduGetProtocol => Ok(NativeRet::Word(i32::from(env.runtime.protocol() as i8))),
        N::ApduGetClaChannel => Ok(NativeRet::Word(i32::from(env.runtime.channel() as i8))),
        N::ApduWaitExtension => {
            // The card answers each command at once, so there is no waiting time to extend;
            // the API still refuses the call after setOutgoingNoChaining.
            if env.jcre.apdu_state.no_chaining {
                return Err(apdu_err(APDU_ILLEGAL_USE));
            }
            Ok(NativeRet::Void)
        }
        _ => Err(VmException::Security.into()),
    }
}
