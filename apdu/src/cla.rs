/// A class byte, decoded per ISO 7816-4 clause 5.4.1.
///
/// Proprietary classes (b8 = 1) are decoded with the interindustry structure, as the Java Card
/// runtime does for `APDU.getCLAChannel` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cla(pub u8);

/// Which family of class byte this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClassKind {
    /// `000x xxxx`: channels 0–3, two SM bits.
    FirstInterindustry,
    /// `01xx xxxx`: channels 4–19, one SM bit.
    FurtherInterindustry,
    /// `001x xxxx`: reserved for future use by ISO.
    Reserved,
    /// `1xxx xxxx` except FF.
    Proprietary,
    /// `FF`: invalid (reserved for PPS).
    Invalid,
}

/// The secure-messaging indication of a class byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecureMessaging {
    /// No SM or no SM indication.
    None,
    /// Proprietary SM format.
    Proprietary,
    /// SM per ISO 7816-4 clause 6, command header not processed.
    NoHeaderAuth,
    /// SM per ISO 7816-4 clause 6, command header authenticated.
    HeaderAuthenticated,
}

impl Cla {
    /// The family of this class byte.
    pub fn kind(self) -> ClassKind {
        match self.0 {
            0xFF => ClassKind::Invalid,
            0x00..=0x1F => ClassKind::FirstInterindustry,
            0x20..=0x3F => ClassKind::Reserved,
            0x40..=0x7F => ClassKind::FurtherInterindustry,
            _ => ClassKind::Proprietary,
        }
    }

    /// Whether b8 is 0 and the class is defined by ISO (first or further interindustry).
    pub fn is_interindustry(self) -> bool {
        matches!(
            self.kind(),
            ClassKind::FirstInterindustry | ClassKind::FurtherInterindustry
        )
    }

    /// Whether the class uses the further (channels 4–19) structure, in either b8 half.
    fn is_further(self) -> bool {
        self.0 & 0x40 != 0
    }

    /// The logical channel number 0–19, or `None` for reserved and invalid classes.
    pub fn channel(self) -> Option<u8> {
        match self.kind() {
            ClassKind::Reserved | ClassKind::Invalid => None,
            _ if self.is_further() => Some((self.0 & 0x0F).saturating_add(4)),
            _ => Some(self.0 & 0x03),
        }
    }

    /// Whether the command-chaining bit (b5) is set.
    pub fn is_chaining(self) -> bool {
        match self.kind() {
            ClassKind::Reserved | ClassKind::Invalid => false,
            _ => self.0 & 0x10 != 0,
        }
    }

    /// The secure-messaging indication.
    pub fn secure_messaging(self) -> SecureMessaging {
        match self.kind() {
            ClassKind::Reserved | ClassKind::Invalid => SecureMessaging::None,
            _ if self.is_further() => {
                if self.0 & 0x20 != 0 {
                    SecureMessaging::NoHeaderAuth
                } else {
                    SecureMessaging::None
                }
            }
            _ => match (self.0 >> 2) & 0x03 {
                0 => SecureMessaging::None,
                1 => SecureMessaging::Proprietary,
                2 => SecureMessaging::NoHeaderAuth,
                _ => SecureMessaging::HeaderAuthenticated,
            },
        }
    }

    /// Whether any secure-messaging indication is present.
    pub fn is_secure_messaging(self) -> bool {
        self.secure_messaging() != SecureMessaging::None
    }

    /// The same class with its channel number replaced, switching between the first and
    /// further structure as the channel requires; `None` for channels above 19, and for the one
    /// combination that would give the invalid class FF (proprietary, SM and chaining on channel 19).
    pub fn with_channel(self, channel: u8) -> Option<Cla> {
        let proprietary = self.0 & 0x80;
        let chaining = if self.is_chaining() { 0x10 } else { 0 };
        match channel {
            0..=3 => {
                let sm = match self.secure_messaging() {
                    SecureMessaging::None => 0,
                    SecureMessaging::Proprietary => 0x04,
                    SecureMessaging::NoHeaderAuth => 0x08,
                    SecureMessaging::HeaderAuthenticated => 0x0C,
                };
                Some(Cla(proprietary | chaining | sm | channel))
            }
            4..=19 => {
                let sm = if self.is_secure_messaging() { 0x20 } else { 0 };
                match proprietary | 0x40 | sm | chaining | channel.saturating_sub(4) {
                    0xFF => None,
                    byte => Some(Cla(byte)),
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_channels() {
        assert_eq!(Cla(0x00).channel(), Some(0));
        assert_eq!(Cla(0x03).channel(), Some(3));
        assert_eq!(Cla(0x40).channel(), Some(4));
        assert_eq!(Cla(0x4F).channel(), Some(19));
        assert_eq!(Cla(0x81).channel(), Some(1));
        assert_eq!(Cla(0xC5).channel(), Some(9));
        assert_eq!(Cla(0x20).channel(), None);
        assert_eq!(Cla(0xFF).channel(), None);
    }

    #[test]
    fn decodes_chaining_and_sm() {
        assert!(Cla(0x10).is_chaining());
        assert!(Cla(0x90).is_chaining());
        assert!(Cla(0x50).is_chaining());
        assert!(!Cla(0x00).is_chaining());
        assert_eq!(
            Cla(0x0C).secure_messaging(),
            SecureMessaging::HeaderAuthenticated
        );
        assert_eq!(Cla(0x04).secure_messaging(), SecureMessaging::Proprietary);
        assert_eq!(Cla(0x84).secure_messaging(), SecureMessaging::Proprietary);
        assert_eq!(Cla(0x60).secure_messaging(), SecureMessaging::NoHeaderAuth);
        assert!(!Cla(0x80).is_secure_messaging());
    }

    #[test]
    fn with_channel_round_trips() {
        for cla in [0x00u8, 0x0C, 0x10, 0x80, 0x84, 0x90] {
            for ch in 0..20 {
                let c = Cla(cla).with_channel(ch).unwrap();
                assert_eq!(c.channel(), Some(ch));
                assert_eq!(c.is_chaining(), Cla(cla).is_chaining());
                assert_eq!(c.is_secure_messaging(), Cla(cla).is_secure_messaging());
                assert_eq!(c.0 & 0x80, cla & 0x80);
            }
        }
        assert_eq!(Cla(0).with_channel(20), None);
    }
}
