//! Card answers are untrusted: the host's parsers and unwrapping take any bytes without
//! panicking, and answer with an error or a value.

use jcos_peers::gp::scp02::{self, Scp02Wrapper};
use jcos_peers::gp::scp03::{self, Scp03Wrapper};
use jcos_peers::gp::session::{Handshake, InitUpdateResponse, OpenOptions};
use jcos_peers::gp::status::{self, Format, Scope};
use jcos_peers::gp::StaticKeys;
use proptest::prelude::*;

fn scopes() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::Isd),
        Just(Scope::Applications),
        Just(Scope::LoadFiles),
        Just(Scope::LoadFilesAndModules)
    ]
}

proptest! {
    #[test]
    fn initialize_update_answers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = InitUpdateResponse::parse(&data);
        let handshake = Handshake::new(OpenOptions::default(), 0).unwrap();
        let _ = handshake.card_answered(&data);
    }

    #[test]
    fn get_status_answers_never_panic(
        scope in scopes(),
        tagged in any::<bool>(),
        data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let format = if tagged { Format::Tagged } else { Format::Legacy };
        if let Ok(entries) = status::parse(scope, format, &data) {
            for e in entries {
                let _ = (e.life_cycle_name(), e.privilege_names());
            }
        }
    }

    #[test]
    fn tagged_get_status_with_e3_prefix_never_panics(body in proptest::collection::vec(any::<u8>(), 0..120)) {
        let mut data = vec![0xE3, body.len().min(127) as u8];
        data.extend_from_slice(&body);
        let _ = status::parse(Scope::Applications, Format::Tagged, &data);
    }

    #[test]
    fn protected_responses_never_panic(
        level in prop_oneof![Just(0x11u8), Just(0x13), Just(0x33)],
        response in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let keys = StaticKeys::default();
        let s3 = scp03::SessionKeys::derive(&keys, &[0; 8], &[1; 8]).unwrap();
        let mut w3 = Scp03Wrapper::new(s3, level, [0; 16]);
        let _ = w3.unwrap("X", response.clone());
        let s2 = scp02::SessionKeys::derive(&keys, [0, 1]).unwrap();
        let mut w2 = Scp02Wrapper::new(s2, 0x55, level & 0x13, [0; 8]);
        let _ = w2.unwrap("X", response);
    }
}
