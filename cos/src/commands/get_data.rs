//! GET DATA with even INS (ISO/IEC 7816-4:2005 clause 7.4.2) for the card-level data objects.
//!
//! P1-P2 in '4000'..'FFFF' is a two-byte BER-TLV tag; the response data field is the value
//! field of that data object. The card answers two interindustry objects on its own:
//!
//! - `5F52` historical bytes (clause 8.1.1), the same bytes as in the ATR;
//! - `7F66` extended length information (ISO/IEC 7816-4:2013 clause 12.7.1): two INTEGER data
//!   objects (tag `02`), the largest command APDU and the largest response APDU the card
//!   accepts and produces, counted in bytes of the whole APDU.

use crate::atr::{Atr, Protocol};
use crate::error::CommandError;
use jcos_apdu::{CommandApdu, ResponseApdu, StatusWord};

/// Tag of the historical bytes data object.
pub(crate) const TAG_HISTORICAL_BYTES: u16 = 0x5F52;
/// Tag of the extended length information template.
pub(crate) const TAG_EXTENDED_LENGTH_INFO: u16 = 0x7F66;

/// Largest command APDU in bytes: header, 3-byte Lc, 65535 data bytes, 2-byte Le.
const MAX_EXTENDED_COMMAND: u32 = 4 + 3 + 65_535 + 2;
/// Largest response APDU in bytes: 65536 data bytes and SW1-SW2.
const MAX_EXTENDED_RESPONSE: u32 = 65_536 + 2;
/// Largest short command APDU in bytes: header, Lc, 255 data bytes, Le.
const MAX_SHORT_COMMAND: u32 = 4 + 1 + 255 + 1;
/// Largest short response APDU in bytes: 256 data bytes and SW1-SW2.
const MAX_SHORT_RESPONSE: u32 = 256 + 2;

/// Answers GET DATA: P1-P2 names the data object, no command data, Le present.
pub(crate) fn process(
    command: &CommandApdu,
    protocol: Protocol,
) -> Result<ResponseApdu, CommandError> {
    let tag = u16::from_be_bytes([command.p1(), command.p2()]);
    let value = match tag {
        TAG_HISTORICAL_BYTES => Atr::for_protocol(protocol).historical_bytes().to_vec(),
        TAG_EXTENDED_LENGTH_INFO => extended_length_info(protocol),
        _ => return Err(CommandError::ReferencedDataNotFound),
    };
    if command.nc() != 0 || command.ne().is_none() {
        return Err(CommandError::WrongLength);
    }
    Ok(ResponseApdu::new(value, StatusWord::OK))
}

/// The value of `7F66`: T=1 carries extended APDUs, T=0 only short ones (ISO/IEC 7816-3:2006
/// clause 12.2 has no extended form for T=0).
fn extended_length_info(protocol: Protocol) -> Vec<u8> {
    let (command, response) = match protocol {
        Protocol::T1 => (MAX_EXTENDED_COMMAND, MAX_EXTENDED_RESPONSE),
        Protocol::T0 => (MAX_SHORT_COMMAND, MAX_SHORT_RESPONSE),
    };
    let mut value = integer_do(command);
    value.extend(integer_do(response));
    value
}

/// A BER-TLV INTEGER data object (tag `02`) holding a non-negative number in the fewest
/// bytes, with a leading zero byte where the top bit would otherwise read as a sign.
fn integer_do(n: u32) -> Vec<u8> {
    let mut content: Vec<u8> = n
        .to_be_bytes()
        .into_iter()
        .skip_while(|&b| b == 0)
        .collect();
    // Zero has no significant byte but still needs one; a set top bit needs a sign byte.
    if content.first().is_none_or(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    let mut object = vec![0x02, content.len() as u8];
    object.extend(content);
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8], protocol: Protocol) -> Result<ResponseApdu, CommandError> {
        process(&CommandApdu::parse(bytes).unwrap(), protocol)
    }

    #[test]
    fn historical_bytes_match_the_atr() {
        let r = run(&[0, 0xCA, 0x5F, 0x52, 0x00], Protocol::T1).unwrap();
        assert_eq!(
            r.data,
            vec![0x80, 0x54, 0x6A, 0x63, 0x6F, 0x73, 0x73, 0x80, 0x01, 0x5F, 0x82, 0x90, 0x00]
        );
        let r = run(&[0, 0xCA, 0x5F, 0x52, 0x00], Protocol::T0).unwrap();
        assert_eq!(r.data[9], 0x1F);
    }

    #[test]
    fn extended_length_info_is_two_integers() {
        // 65544 = 0x010008, 65538 = 0x010002.
        let r = run(&[0, 0xCA, 0x7F, 0x66, 0x00], Protocol::T1).unwrap();
        assert_eq!(
            r.data,
            vec![0x02, 0x03, 0x01, 0x00, 0x08, 0x02, 0x03, 0x01, 0x00, 0x02]
        );
        // 261 = 0x0105, 258 = 0x0102.
        let r = run(&[0, 0xCA, 0x7F, 0x66, 0x00], Protocol::T0).unwrap();
        assert_eq!(r.data, vec![0x02, 0x02, 0x01, 0x05, 0x02, 0x02, 0x01, 0x02]);
    }

    #[test]
    fn integers_are_minimal_and_unsigned() {
        assert_eq!(integer_do(0), vec![0x02, 0x01, 0x00]);
        assert_eq!(integer_do(0x7F), vec![0x02, 0x01, 0x7F]);
        assert_eq!(integer_do(0x80), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer_do(0x0800), vec![0x02, 0x02, 0x08, 0x00]);
    }

    #[test]
    fn other_tags_and_bad_lengths_are_refused() {
        for tag in [
            [0x00, 0x00],
            [0x5F, 0x51],
            [0x7F, 0x67],
            [0x00, 0x66],
            [0xFF, 0xFF],
        ] {
            assert_eq!(
                run(&[0, 0xCA, tag[0], tag[1], 0], Protocol::T1),
                Err(CommandError::ReferencedDataNotFound)
            );
        }
        assert_eq!(
            run(&[0, 0xCA, 0x5F, 0x52], Protocol::T1),
            Err(CommandError::WrongLength)
        );
        assert_eq!(
            run(&[0, 0xCA, 0x5F, 0x52, 1, 0xAA, 0], Protocol::T1),
            Err(CommandError::WrongLength)
        );
    }
}
