//! Class byte decoding against ISO 7816-4 tables 2 and 3.

use jcos_apdu::{Cla, ClassKind, SecureMessaging};

#[test]
fn decodes_the_iso_7816_4_class_tables() {
    use ClassKind::*;
    use SecureMessaging::{HeaderAuthenticated as Auth, NoHeaderAuth as Sm, Proprietary as Prop};
    // (CLA, kind, channel, chaining, secure messaging), read off ISO 7816-4 tables 2 and 3:
    // first interindustry 000c ssnn, further interindustry 01sc nnnn (channel nnnn + 4).
    let table = [
        (
            0x00,
            FirstInterindustry,
            Some(0),
            false,
            SecureMessaging::None,
        ),
        (
            0x01,
            FirstInterindustry,
            Some(1),
            false,
            SecureMessaging::None,
        ),
        (
            0x03,
            FirstInterindustry,
            Some(3),
            false,
            SecureMessaging::None,
        ),
        (0x04, FirstInterindustry, Some(0), false, Prop),
        (0x08, FirstInterindustry, Some(0), false, Sm),
        (0x0C, FirstInterindustry, Some(0), false, Auth),
        (0x0D, FirstInterindustry, Some(1), false, Auth),
        (
            0x10,
            FirstInterindustry,
            Some(0),
            true,
            SecureMessaging::None,
        ),
        (0x1F, FirstInterindustry, Some(3), true, Auth),
        (0x20, Reserved, None, false, SecureMessaging::None),
        (0x3F, Reserved, None, false, SecureMessaging::None),
        (
            0x40,
            FurtherInterindustry,
            Some(4),
            false,
            SecureMessaging::None,
        ),
        (
            0x4F,
            FurtherInterindustry,
            Some(19),
            false,
            SecureMessaging::None,
        ),
        (
            0x50,
            FurtherInterindustry,
            Some(4),
            true,
            SecureMessaging::None,
        ),
        (0x60, FurtherInterindustry, Some(4), false, Sm),
        (0x6B, FurtherInterindustry, Some(15), false, Sm),
        (0x7F, FurtherInterindustry, Some(19), true, Sm),
        // Proprietary classes reuse the interindustry layout (GlobalPlatform: 80, 84, E0..).
        (0x80, Proprietary, Some(0), false, SecureMessaging::None),
        (0x84, Proprietary, Some(0), false, Prop),
        (0x90, Proprietary, Some(0), true, SecureMessaging::None),
        (0xC0, Proprietary, Some(4), false, SecureMessaging::None),
        (0xE3, Proprietary, Some(7), false, Sm),
        (0xFE, Proprietary, Some(18), true, Sm),
        (0xFF, Invalid, None, false, SecureMessaging::None),
    ];
    for (byte, kind, channel, chaining, sm) in table {
        let cla = Cla(byte);
        assert_eq!(cla.kind(), kind, "{byte:02X}");
        assert_eq!(cla.channel(), channel, "{byte:02X}");
        assert_eq!(cla.is_chaining(), chaining, "{byte:02X}");
        assert_eq!(cla.secure_messaging(), sm, "{byte:02X}");
        assert_eq!(cla.is_secure_messaging(), sm != SecureMessaging::None);
    }
}

#[test]
fn every_class_byte_decodes() {
    for byte in 0..=u8::MAX {
        let cla = Cla(byte);
        let kind = cla.kind();
        let expected_kind = match byte {
            0x00..=0x1F => ClassKind::FirstInterindustry,
            0x20..=0x3F => ClassKind::Reserved,
            0x40..=0x7F => ClassKind::FurtherInterindustry,
            0xFF => ClassKind::Invalid,
            _ => ClassKind::Proprietary,
        };
        assert_eq!(kind, expected_kind, "{byte:02X}");
        assert_eq!(
            cla.is_interindustry(),
            byte < 0x80 && kind != ClassKind::Reserved
        );
        match cla.channel() {
            Some(channel) => {
                assert!(channel <= 19, "{byte:02X}");
                // Re-encoding the channel a class byte names gives back that class byte, except
                // for proprietary 101x xxxx, whose b6 has no meaning in the first structure.
                if !(0xA0..=0xBF).contains(&byte) {
                    assert_eq!(cla.with_channel(channel), Some(cla), "{byte:02X}");
                }
            }
            None => assert!(matches!(kind, ClassKind::Reserved | ClassKind::Invalid)),
        }
        // The further structure has no proprietary SM and no header authentication indication.
        if byte & 0x40 != 0 && kind != ClassKind::Invalid {
            assert!(matches!(
                cla.secure_messaging(),
                SecureMessaging::None | SecureMessaging::NoHeaderAuth
            ));
        }
        for channel in 0..=19 {
            let moved = cla.with_channel(channel);
            if kind != ClassKind::Reserved && kind != ClassKind::Invalid {
                let Some(moved) = moved else {
                    // Only proprietary + SM + chaining on channel 19 would be the invalid FF.
                    assert!(byte >= 0x80 && cla.is_chaining() && cla.is_secure_messaging());
                    assert_eq!(channel, 19);
                    continue;
                };
                assert_eq!(moved.channel(), Some(channel));
                assert_eq!(moved.is_chaining(), cla.is_chaining());
                assert_eq!(moved.is_secure_messaging(), cla.is_secure_messaging());
                assert_eq!(moved.0 & 0x80, byte & 0x80);
            }
        }
        assert_eq!(cla.with_channel(20), None);
    }
}
