//! GET CHALLENGE (ISO/IEC 7816-4:2005 clause 7.5.3): Ne random bytes for use in a security
//! related procedure.

use crate::error::CommandError;
use jcos_apdu::{CommandApdu, ResponseApdu, StatusWord};
use rand::{Rng, RngExt};

/// Answers GET CHALLENGE: P1-P2 = 0000 (no algorithm reference), no data, Le present.
pub(crate) fn process<R: Rng + ?Sized>(
    command: &CommandApdu,
    rng: &mut R,
) -> Result<ResponseApdu, CommandError> {
    if (command.p1(), command.p2()) != (0x00, 0x00) {
        return Err(CommandError::IncorrectP1P2);
    }
    if command.nc() != 0 {
        return Err(CommandError::WrongLength);
    }
    // Case 2: the challenge length is Ne, so without Le there is nothing to return.
    let Some(ne) = command.ne() else {
        return Err(CommandError::WrongLength);
    };
    let mut challenge = vec![0u8; ne];
    rng.fill(&mut challenge[..]);
    Ok(ResponseApdu::new(challenge, StatusWord::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> Result<ResponseApdu, CommandError> {
        process(&CommandApdu::parse(bytes).unwrap(), &mut rand::rng())
    }

    #[test]
    fn returns_ne_random_bytes() {
        let a = run(&[0, 0x84, 0, 0, 0x08]).unwrap();
        assert_eq!(a.data.len(), 8);
        assert_eq!(a.sw, StatusWord::OK);
        assert_eq!(run(&[0, 0x84, 0, 0, 0x00]).unwrap().data.len(), 256);
        assert_eq!(
            run(&[0, 0x84, 0, 0, 0, 0x01, 0x00]).unwrap().data.len(),
            256
        );
        // Two 32-byte challenges colliding has probability 2^-256.
        let b = run(&[0, 0x84, 0, 0, 0x20]).unwrap();
        let c = run(&[0, 0x84, 0, 0, 0x20]).unwrap();
        assert_ne!(b.data, c.data);
    }

    #[test]
    fn refuses_bad_parameters_and_lengths() {
        assert_eq!(run(&[0, 0x84, 1, 0, 8]), Err(CommandError::IncorrectP1P2));
        assert_eq!(run(&[0, 0x84, 0, 1, 8]), Err(CommandError::IncorrectP1P2));
        assert_eq!(run(&[0, 0x84, 0, 0]), Err(CommandError::WrongLength));
        assert_eq!(
            run(&[0, 0x84, 0, 0, 1, 0xAA]),
            Err(CommandError::WrongLength)
        );
        assert_eq!(
            run(&[0, 0x84, 0, 0, 1, 0xAA, 8]),
            Err(CommandError::WrongLength)
        );
    }
}
