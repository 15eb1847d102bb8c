//! The data fields of INSTALL and DELETE as a security domain hands them to the card
//! (GlobalPlatform Card Specification 2.3.1 §11.5.2.3 Tables 11-48 to 11-51, §11.2.2.3).
//!
//! Every field is length-prefixed; the load and install parameter fields may use the BER
//! forms `81 xx` and `82 xx xx` for longer values. A field that runs past the data, bytes
//! left over after the token, or an AID outside 5 to 16 bytes make the data malformed.

use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u8};
use nom::IResult;

/// Data that do not parse (the card answers `6A80`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

type Res<'a, T> = IResult<&'a [u8], T>;

/// One length byte and the field.
fn field(input: &[u8]) -> Res<'_, &[u8]> {
    let (input, len) = be_u8(input)?;
    take(len)(input)
}

/// A field whose length may use the BER forms `81 xx` and `82 xx xx`.
fn long_field(input: &[u8]) -> Res<'_, &[u8]> {
    let (input, first) = be_u8(input)?;
    let (input, len) = match first {
        0x81 => {
            let (input, n) = be_u8(input)?;
            (input, usize::from(n))
        }
        0x82 => {
            let (input, n) = be_u16(input)?;
            (input, usize::from(n))
        }
        n => (input, usize::from(n)),
    };
    take(len)(input)
}

/// The token field, which some clients leave out when it is empty.
fn token(input: &[u8]) -> Res<'_, &[u8]> {
    if input.is_empty() {
        Ok((input, input))
    } else {
        field(input)
    }
}

fn aid_ok(aid: &[u8]) -> bool {
    (5..=16).contains(&aid.len())
}

/// INSTALL [for load] (Table 11-48).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForLoad {
    /// The load file's AID.
    pub(crate) load_file_aid: Vec<u8>,
    /// The security domain to associate it with (empty: the one doing the load).
    pub(crate) sd_aid: Vec<u8>,
    /// The Load File Data Block Hash (empty: none).
    pub(crate) hash: Vec<u8>,
}

impl ForLoad {
    /// Parses the data field.
    pub(crate) fn parse(data: &[u8]) -> Result<ForLoad, Malformed> {
        let parsed: Res<'_, _> = (|input| {
            let (input, load_file_aid) = field(input)?;
            let (input, sd_aid) = field(input)?;
            let (input, hash) = field(input)?;
            let (input, _params) = long_field(input)?;
            let (input, _token) = token(input)?;
            Ok((input, (load_file_aid, sd_aid, hash)))
        })(data);
        let (rest, (load_file_aid, sd_aid, hash)) = parsed.map_err(|_| Malformed)?;
        let hash_ok = matches!(hash.len(), 0 | 20 | 32);
        if !rest.is_empty()
            || !aid_ok(load_file_aid)
            || !(sd_aid.is_empty() || aid_ok(sd_aid))
            || !hash_ok
        {
            return Err(Malformed);
        }
        Ok(ForLoad {
            load_file_aid: load_file_aid.to_vec(),
            sd_aid: sd_aid.to_vec(),
            hash: hash.to_vec(),
        })
    }
}

/// INSTALL [for install] and/or [for make selectable] (Tables 11-49 and 11-51).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForInstall {
    /// The load file's AID (empty for [for make selectable] alone).
    pub(crate) load_file_aid: Vec<u8>,
    /// The executable module's AID, the applet class (empty for [for make selectable]).
    pub(crate) module_aid: Vec<u8>,
    /// The application's (instance) AID.
    pub(crate) app_aid: Vec<u8>,
    /// The privileges, one or three bytes.
    pub(crate) privileges: Vec<u8>,
    /// The value of the `C9` application specific parameters.
    pub(crate) application: Vec<u8>,
}

impl ForInstall {
    /// Parses the data field.
    pub(crate) fn parse(data: &[u8]) -> Result<ForInstall, Malformed> {
        let parsed: Res<'_, _> = (|input| {
            let (input, load_file_aid) = field(input)?;
            let (input, module_aid) = field(input)?;
            let (input, app_aid) = field(input)?;
            let (input, privileges) = field(input)?;
            let (input, params) = long_field(input)?;
            let (input, _token) = token(input)?;
            Ok((
                input,
                (load_file_aid, module_aid, app_aid, privileges, params),
            ))
        })(data);
        let (rest, (load_file_aid, module_aid, app_aid, privileges, params)) =
            parsed.map_err(|_| Malformed)?;
        if !rest.is_empty() || !aid_ok(app_aid) || !matches!(privileges.len(), 1 | 3) {
            return Err(Malformed);
        }
        let optional_aid = |a: &[u8]| a.is_empty() || aid_ok(a);
        if !optional_aid(load_file_aid) || !optional_aid(module_aid) {
            return Err(Malformed);
        }
        Ok(ForInstall {
            load_file_aid: load_file_aid.to_vec(),
            module_aid: module_aid.to_vec(),
            app_aid: app_aid.to_vec(),
            privileges: privileges.to_vec(),
            application: c9(params)?,
        })
    }
}

/// A BER-TLV tag of one or two bytes and its value (lengths in the short, `81` and `82`
/// forms).
fn tlv(input: &[u8]) -> Res<'_, (u16, &[u8])> {
    let (input, first) = be_u8(input)?;
    let (input, tag) = if first & 0x1F == 0x1F {
        let (input, second) = be_u8(input)?;
        (input, u16::from_be_bytes([first, second]))
    } else {
        (input, u16::from(first))
    };
    let (input, value) = long_field(input)?;
    Ok((input, (tag, value)))
}

/// The value of the `C9` TLV among the install parameters (empty without one).
fn c9(mut params: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut found = Vec::new();
    while !params.is_empty() {
        let (rest, (tag, value)) = tlv(params).map_err(|_| Malformed)?;
        if tag == 0xC9 {
            found = value.to_vec();
        }
        params = rest;
    }
    Ok(found)
}

/// The AID a DELETE names (§11.2.2.3: `4F` AID, optionally followed by a control
/// reference template and a token).
pub(crate) fn delete_aid(mut data: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut aid = None;
    while !data.is_empty() {
        let (rest, (tag, value)) = tlv(data).map_err(|_| Malformed)?;
        if tag == 0x4F {
            if aid.is_some() || !aid_ok(value) {
                return Err(Malformed);
            }
            aid = Some(value.to_vec());
        }
        data = rest;
    }
    aid.ok_or(Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_for_load_fields() {
        // GlobalPlatform 2.3.1 Table 11-48: load file AID, SD AID, hash, parameters, token.
        let data = [
            5, 0xA0, 0, 0, 0, 1, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
            18, 19, 20, 0, 0,
        ];
        let f = ForLoad::parse(&data).unwrap();
        assert_eq!(f.load_file_aid, vec![0xA0, 0, 0, 0, 1]);
        assert!(f.sd_aid.is_empty());
        assert_eq!(f.hash.len(), 20);
        // A 19-byte hash is neither SHA-1 nor SHA-256.
        let mut bad = data.to_vec();
        bad[7] = 19;
        bad.remove(8);
        assert_eq!(ForLoad::parse(&bad), Err(Malformed));
        assert_eq!(ForLoad::parse(&data[..5]), Err(Malformed));
        let mut extra = data.to_vec();
        extra.push(0);
        assert_eq!(ForLoad::parse(&extra), Err(Malformed));
    }

    #[test]
    fn install_for_install_takes_the_c9_value() {
        let data = [
            5, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 1, 0x04, 6, 0xEF, 0,
            0xC9, 2, 0xAB, 0xCD, 0,
        ];
        let f = ForInstall::parse(&data).unwrap();
        assert_eq!(f.app_aid, vec![1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(f.privileges, vec![0x04]);
        assert_eq!(f.application, vec![0xAB, 0xCD]);
        // Two privilege bytes are neither of GlobalPlatform's forms.
        let mut bad = data.to_vec();
        bad[21] = 2;
        bad.insert(22, 0);
        assert_eq!(ForInstall::parse(&bad), Err(Malformed));
    }

    #[test]
    fn delete_names_one_aid() {
        assert_eq!(
            delete_aid(&[0x4F, 5, 1, 2, 3, 4, 5, 0x9E, 0]),
            Ok(vec![1, 2, 3, 4, 5])
        );
        assert_eq!(delete_aid(&[0x4F, 3, 1, 2, 3]), Err(Malformed));
        assert_eq!(delete_aid(&[]), Err(Malformed));
        assert_eq!(delete_aid(&[0x4F, 9, 1]), Err(Malformed));
    }
}

#[cfg(test)]
mod never_panics {
    use super::*;
    use crate::gp::load_file::LoadSession;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_data_field_parses_or_is_malformed(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = ForLoad::parse(&data);
            let _ = ForInstall::parse(&data);
            let _ = delete_aid(&data);
        }

        #[test]
        fn any_load_file_finishes_or_is_refused(
            blocks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..6),
            hash_len in prop_oneof![Just(0usize), Just(20), Just(32)],
        ) {
            let announced = ForLoad { load_file_aid: vec![1, 2, 3, 4, 5], sd_aid: Vec::new(), hash: vec![0; hash_len] };
            let mut session = LoadSession::new(announced, Vec::new());
            for (i, block) in blocks.iter().enumerate() {
                prop_assert!(session.block(u8::try_from(i).unwrap_or(u8::MAX), block).is_ok());
            }
            let _ = session.finish();
        }
    }
}
