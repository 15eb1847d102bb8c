//! The file-system commands, one module per ISO/IEC 7816-4 command group.
//!
//! Every handler is a function of the persistent file system (read only), the channel's
//! context (current files, security status: transient, changed in place) and the command; it
//! returns the response and the list of persistent writes the command makes, which the card
//! commits all or nothing ([`FileSystem::commit`]). A refusal makes no write.

mod auth;
mod binary;
mod data;
mod manage;
mod record;
mod select;
mod verify;

use super::error::FsError;
use super::model::{FileSystem, FsWrite, NodeId};
use super::security::ChannelContext;
use jcos_apdu::{CommandApdu, StatusWord};
use rand::Rng;

/// What a command produced: response data, status word and the writes to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word (`9000`, or a warning or `63Cx` that still carries writes).
    pub sw: StatusWord,
    /// Persistent changes, in order.
    pub writes: Vec<FsWrite>,
}

impl Outcome {
    /// Success with `data` and no write.
    pub fn data(data: Vec<u8>) -> Self {
        Self {
            data,
            sw: StatusWord::OK,
            writes: Vec::new(),
        }
    }

    /// Success without data or write.
    pub fn ok() -> Self {
        Self::data(Vec::new())
    }

    /// Success without data, with `writes`.
    pub fn writes(writes: Vec<FsWrite>) -> Self {
        Self {
            data: Vec::new(),
            sw: StatusWord::OK,
            writes,
        }
    }

    /// The same outcome with another status word.
    pub fn with_sw(mut self, sw: StatusWord) -> Self {
        self.sw = sw;
        self
    }
}

/// SELECT.
pub const INS_SELECT: u8 = 0xA4;
/// READ BINARY, even and odd.
pub const INS_READ_BINARY: u8 = 0xB0;
/// UPDATE BINARY, even and odd.
pub const INS_UPDATE_BINARY: u8 = 0xD6;
/// WRITE BINARY, even and odd.
pub const INS_WRITE_BINARY: u8 = 0xD0;
/// ERASE BINARY, even and odd.
pub const INS_ERASE_BINARY: u8 = 0x0E;
/// READ RECORD.
pub const INS_READ_RECORD: u8 = 0xB2;
/// UPDATE RECORD.
pub const INS_UPDATE_RECORD: u8 = 0xDC;
/// WRITE RECORD.
pub const INS_WRITE_RECORD: u8 = 0xD2;
/// APPEND RECORD.
pub const INS_APPEND_RECORD: u8 = 0xE2;
/// SEARCH RECORD.
pub const INS_SEARCH_RECORD: u8 = 0xA2;
/// CREATE FILE.
pub const INS_CREATE_FILE: u8 = 0xE0;
/// DELETE FILE.
pub const INS_DELETE_FILE: u8 = 0xE4;
/// ACTIVATE FILE.
pub const INS_ACTIVATE_FILE: u8 = 0x44;
/// DEACTIVATE FILE.
pub const INS_DEACTIVATE_FILE: u8 = 0x04;
/// TERMINATE DF.
pub const INS_TERMINATE_DF: u8 = 0xE6;
/// TERMINATE EF.
pub const INS_TERMINATE_EF: u8 = 0xE8;
/// VERIFY.
pub const INS_VERIFY: u8 = 0x20;
/// CHANGE REFERENCE DATA.
pub const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;
/// RESET RETRY COUNTER.
pub const INS_RESET_RETRY_COUNTER: u8 = 0x2C;
/// GET CHALLENGE.
pub const INS_GET_CHALLENGE: u8 = 0x84;
/// EXTERNAL AUTHENTICATE and MUTUAL AUTHENTICATE.
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
/// INTERNAL AUTHENTICATE.
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;
/// GET DATA, even and odd.
pub const INS_GET_DATA: u8 = 0xCA;
/// PUT DATA, even and odd.
pub const INS_PUT_DATA: u8 = 0xDA;

/// Whether the file system answers `command` on a channel in `ctx`. Even-INS GET DATA is the
/// file system's only when the current EF is a BER-TLV EF; otherwise the card-level data
/// objects answer it.
pub fn handles(fs: &FileSystem, ctx: &ChannelContext, command: &CommandApdu) -> bool {
    match command.ins() {
        INS_GET_DATA => ctx
            .current_ef
            .and_then(|ef| fs.ef(ef))
            .is_some_and(|ef| matches!(ef.body, super::model::EfBody::BerTlv { .. })),
        ins => {
            matches!(
                ins & 0xFE,
                INS_SELECT
                    | INS_READ_BINARY
                    | INS_UPDATE_BINARY
                    | INS_WRITE_BINARY
                    | INS_ERASE_BINARY
                    | INS_GET_DATA
                    | INS_PUT_DATA
            ) || matches!(
                ins,
                INS_READ_RECORD
                    | INS_UPDATE_RECORD
                    | INS_WRITE_RECORD
                    | INS_APPEND_RECORD
                    | INS_SEARCH_RECORD
                    | INS_CREATE_FILE
                    | INS_DELETE_FILE
                    | INS_ACTIVATE_FILE
                    | INS_DEACTIVATE_FILE
                    | INS_TERMINATE_DF
                    | INS_TERMINATE_EF
                    | INS_VERIFY
                    | INS_CHANGE_REFERENCE_DATA
                    | INS_RESET_RETRY_COUNTER
                    | INS_GET_CHALLENGE
                    | INS_EXTERNAL_AUTHENTICATE
                    | INS_INTERNAL_AUTHENTICATE
            )
        }
    }
}

/// Processes one file-system command; `rng` supplies GET CHALLENGE bytes.
pub fn process<R: Rng + ?Sized>(
    fs: &FileSystem,
    ctx: &mut ChannelContext,
    command: &CommandApdu,
    rng: &mut R,
) -> Result<Outcome, FsError> {
    ctx.revalidate(fs);
    ctx.secure_messaging = command.class().is_secure_messaging();
    let ins = command.ins();
    match ins {
        INS_SELECT => select::select(fs, ctx, command),
        0xB0 | 0xD6 | 0xD0 | 0x0E => binary::even(fs, ctx, command),
        0xB1 | 0xD7 | 0xD1 | 0x0F => binary::odd(fs, ctx, command),
        INS_READ_RECORD => record::read(fs, ctx, command),
        INS_UPDATE_RECORD | INS_WRITE_RECORD => record::update(fs, ctx, command),
        INS_APPEND_RECORD => record::append(fs, ctx, command),
        INS_SEARCH_RECORD => record::search(fs, ctx, command),
        INS_CREATE_FILE => manage::create(fs, ctx, command),
        INS_DELETE_FILE => manage::delete(fs, ctx, command),
        INS_ACTIVATE_FILE | INS_DEACTIVATE_FILE | INS_TERMINATE_DF | INS_TERMINATE_EF => {
            manage::life_cycle(fs, ctx, command)
        }
        INS_VERIFY => verify::verify(fs, ctx, command),
        INS_CHANGE_REFERENCE_DATA => verify::change(fs, ctx, command),
        INS_RESET_RETRY_COUNTER => verify::reset_retry_counter(fs, ctx, command),
        INS_GET_CHALLENGE => auth::get_challenge(ctx, command, rng),
        INS_EXTERNAL_AUTHENTICATE => auth::external(fs, ctx, command),
        INS_INTERNAL_AUTHENTICATE => auth::internal(fs, ctx, command),
        0xCA | 0xCB => data::get(fs, ctx, command),
        0xDA | 0xDB => data::put(fs, ctx, command),
        _ => Err(FsError::InsNotSupported),
    }
}

/// Refuses a data field where the command has none.
fn no_data(command: &CommandApdu) -> Result<(), FsError> {
    if command.nc() == 0 {
        Ok(())
    } else {
        Err(FsError::WrongLength)
    }
}

/// Ne of a command that must carry Le.
fn need_le(command: &CommandApdu) -> Result<usize, FsError> {
    command.ne().ok_or(FsError::WrongLength)
}

/// Whether Ne asks for "as many bytes as available" (Le = 00 or 0000).
fn ne_is_maximum(ne: usize) -> bool {
    ne == 256 || ne == 65_536
}

/// The EF with short identifier `sfi` in the current DF, made current.
fn select_sfi(fs: &FileSystem, ctx: &mut ChannelContext, sfi: u8) -> Result<NodeId, FsError> {
    if !(1..=30).contains(&sfi) {
        return Err(FsError::IncorrectP1P2);
    }
    let ef = fs
        .child_by_sfi(ctx.current_df, sfi)
        .ok_or(FsError::FileNotFound)?;
    ctx.enter_ef(fs, ef);
    Ok(ef)
}

/// The reference a P2 of VERIFY-like commands names: b8 = 0 global (in the MF), 1 specific
/// (from the current DF up); b7-b6 zero; b5-b1 the reference number 1-31.
fn reference(
    fs: &FileSystem,
    ctx: &ChannelContext,
    p2: u8,
    want_key: bool,
) -> Result<NodeId, FsError> {
    let n = p2 & 0x1F;
    if p2 & 0x60 != 0 || n == 0 {
        return Err(FsError::IncorrectP1P2);
    }
    let found = if p2 & 0x80 == 0 {
        fs.secret_in(NodeId::MF, n, want_key)
    } else {
        fs.secret_from(ctx.current_df, n, want_key)
    };
    found.ok_or(FsError::ReferencedDataNotFound)
}

/// Status word `63Cx` with the tries left, or `6300` for a secret without a limit.
fn retries_sw(max: u8, remaining: u8) -> StatusWord {
    if max == 0 {
        StatusWord(0x6300)
    } else {
        StatusWord::retries_left(remaining.min(15))
    }
}

#[cfg(test)]
mod tests;
