//! Card-level interindustry commands, one module per ISO/IEC 7816-4 command group.
//!
//! Each handler validates P1-P2 first, then the command case (Nc, Ne), and returns either the
//! reply data with its status word or a [`CommandError`](crate::error::CommandError); the
//! router fits the reply to Ne and turns errors into status words.

pub(crate) mod get_challenge;
pub(crate) mod get_data;
pub(crate) mod get_response;
pub(crate) mod manage_channel;
pub(crate) mod select;

/// SELECT (ISO/IEC 7816-4:2005 clause 7.1.1).
pub(crate) const INS_SELECT: u8 = 0xA4;
/// MANAGE CHANNEL (clause 7.1.2).
pub(crate) const INS_MANAGE_CHANNEL: u8 = 0x70;
/// GET DATA, even INS (clause 7.4.2).
pub(crate) const INS_GET_DATA: u8 = 0xCA;
/// GET CHALLENGE (clause 7.5.3).
pub(crate) const INS_GET_CHALLENGE: u8 = 0x84;
/// GET RESPONSE (clause 7.6.1).
pub(crate) const INS_GET_RESPONSE: u8 = 0xC0;
