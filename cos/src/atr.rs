/// The transmission protocol of a card (ISO 7816-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Protocol {
    /// Character protocol: responses through 61xx / GET RESPONSE, 6Cxx.
    T0,
    /// Block protocol.
    T1,
}

/// An answer to reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atr(pub Vec<u8>);

impl Atr {
    /// The ATR jcos gives for a protocol.
    pub fn for_protocol(protocol: Protocol) -> Self {
        let _ = protocol;
        Atr(vec![0x3B, 0x00])
    }
    /// The ATR bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}
