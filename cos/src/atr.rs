//! The answer to reset (ISO/IEC 7816-3:2006 clause 8) and the historical bytes that identify a
//! jcos card (ISO/IEC 7816-4:2005 clause 8.1.1).

/// The transmission protocol of a card (ISO 7816-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Protocol {
    /// Character protocol: responses through 61xx / GET RESPONSE, 6Cxx.
    T0,
    /// Block protocol.
    T1,
}

/// An answer to reset.
///
/// jcos answers in the direct convention (TS = `3B`) with the default transmission factors
/// (no TA1), so a reader needs no PPS. The two forms are:
///
/// ```text
/// T=1:  3B 8D 81 31 FE 45 <13 historical bytes> TCK
///       T0  = 8D  TD1 present, K = 13 historical bytes
///       TD1 = 81  TD2 present; protocol T=1 offered
///       TD2 = 31  TA3 and TB3 present; they are the T=1 parameters (clause 11.4)
///       TA3 = FE  IFSC = 254 bytes
///       TB3 = 45  BWI = 4, CWI = 5
///       TCK       XOR of T0 .. last historical byte (present because T=1 is offered, 8.2.5)
///
/// T=0:  3B 0D <13 historical bytes>
///       no TD1, so only T=0 is offered and TCK is absent (8.2.5)
/// ```
///
/// The historical bytes start with the category indicator `80`, so COMPACT-TLV data objects
/// follow, the last being a status indicator (ISO/IEC 7816-4:2005 clause 8.1.1):
///
/// ```text
/// 80                 category indicator: COMPACT-TLV objects, status indicator last
/// 54 6A 63 6F 73     tag 5 card issuer's data, 4 bytes: "jcos"
/// 73 80 01 xx        tag 7 card capabilities, 3 bytes (clause 8.1.1.2.7):
///                      80  selection by full DF name
///                      01  data coding: one-byte data units
///                      5F  (T=1) extended Lc/Le; card- and IFD-assigned logical channels;
///                          eight or more logical channels
///                      1F  (T=0) the same without extended Lc/Le, which T=0 cannot carry
/// 82 90 00           tag 8 status indicator, 2 bytes: SW1-SW2 = 9000
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atr(pub Vec<u8>);

/// TS in the direct convention.
const TS_DIRECT: u8 = 0x3B;
/// T=1 interface bytes: TD1, TD2, TA3 (IFSC) and TB3 (BWI, CWI).
const T1_INTERFACE: [u8; 4] = [0x81, 0x31, 0xFE, 0x45];

impl Atr {
    /// The ATR jcos gives for a protocol.
    pub fn for_protocol(protocol: Protocol) -> Self {
        Self::with_historical_bytes(protocol, None)
    }

    /// The ATR for a protocol with the given historical bytes (at most 15; more are cut), or
    /// jcos's own when `None`.
    pub fn with_historical_bytes(protocol: Protocol, historical: Option<&[u8]>) -> Self {
        let historical = match historical {
            Some(h) => h.get(..h.len().min(15)).unwrap_or_default().to_vec(),
            None => historical_bytes(protocol),
        };
        let k = historical.len() as u8 & 0x0F;
        let mut bytes = vec![TS_DIRECT];
        match protocol {
            Protocol::T0 => bytes.push(k),
            Protocol::T1 => {
                bytes.push(0x80 | k);
                bytes.extend_from_slice(&T1_INTERFACE);
            }
        }
        bytes.extend_from_slice(&historical);
        if protocol == Protocol::T1 {
            let tck = bytes.iter().skip(1).fold(0u8, |acc, b| acc ^ b);
            bytes.push(tck);
        }
        Atr(bytes)
    }

    /// The ATR bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The historical bytes, located by walking the interface-byte indicators (Y and T
    /// nibbles of T0 and TDi); empty when the bytes are not a well-formed ATR.
    pub fn historical_bytes(&self) -> &[u8] {
        self.locate_historical()
            .and_then(|(start, len)| self.0.get(start..start.checked_add(len)?))
            .unwrap_or(&[])
    }

    /// Start and length of the historical bytes, if the ATR is long enough to hold them.
    fn locate_historical(&self) -> Option<(usize, usize)> {
        let t0 = *self.0.get(1)?;
        let k = usize::from(t0 & 0x0F);
        let mut indicator = t0 >> 4;
        let mut pos = 2usize;
        loop {
            // TAi, TBi, TCi are present for bits 1..3 of the indicator nibble, TDi for bit 4.
            pos = pos.checked_add((indicator & 0x07).count_ones() as usize)?;
            if indicator & 0x08 == 0 {
                break;
            }
            let td = *self.0.get(pos)?;
            pos = pos.checked_add(1)?;
            indicator = td >> 4;
        }
        Some((pos, k))
    }
}

/// The historical bytes jcos announces for a protocol (see [`Atr`] for the layout).
fn historical_bytes(protocol: Protocol) -> Vec<u8> {
    let capabilities = match protocol {
        Protocol::T0 => 0x1F,
        Protocol::T1 => 0x5F,
    };
    vec![
        0x80, // category indicator
        0x54,
        b'j',
        b'c',
        b'o',
        b's', // card issuer's data
        0x73,
        0x80,
        0x01,
        capabilities, // card capabilities
        0x82,
        0x90,
        0x00, // status indicator
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected ATRs, written out by hand from the layout in the doc comment.
    const T1_ATR: [u8; 20] = [
        0x3B, 0x8D, 0x81, 0x31, 0xFE, 0x45, 0x80, 0x54, 0x6A, 0x63, 0x6F, 0x73, 0x73, 0x80, 0x01,
        0x5F, 0x82, 0x90, 0x00, 0xF8,
    ];
    const T0_ATR: [u8; 15] = [
        0x3B, 0x0D, 0x80, 0x54, 0x6A, 0x63, 0x6F, 0x73, 0x73, 0x80, 0x01, 0x1F, 0x82, 0x90, 0x00,
    ];

    #[test]
    fn t1_atr_matches_the_hand_encoding() {
        assert_eq!(Atr::for_protocol(Protocol::T1).as_bytes(), &T1_ATR);
    }

    #[test]
    fn t0_atr_matches_the_hand_encoding() {
        assert_eq!(Atr::for_protocol(Protocol::T0).as_bytes(), &T0_ATR);
    }

    #[test]
    fn t1_tck_makes_the_xor_of_t0_to_tck_zero() {
        // ISO 7816-3 8.2.5: XOR of all bytes from T0 to TCK inclusive is null.
        let atr = Atr::for_protocol(Protocol::T1);
        let xor = atr.as_bytes()[1..].iter().fold(0u8, |a, b| a ^ b);
        assert_eq!(xor, 0);
    }

    #[test]
    fn t1_structure_decodes_by_hand() {
        let atr = Atr::for_protocol(Protocol::T1);
        let b = atr.as_bytes();
        assert_eq!(b[0], 0x3B, "TS direct convention");
        assert_eq!(b[1] >> 4, 0b1000, "T0: only TD1 follows");
        assert_eq!(usize::from(b[1] & 0x0F), 13, "K");
        assert_eq!(b[2] & 0x0F, 1, "TD1 offers T=1");
        assert_eq!(b[2] >> 4, 0b1000, "TD1: only TD2 follows");
        assert_eq!(b[3] & 0x0F, 1, "TD2 carries T=1 parameters");
        assert_eq!(b[3] >> 4, 0b0011, "TD2: TA3 and TB3 follow");
        assert_eq!(b[4], 254, "TA3 = IFSC");
        assert_eq!((b[5] >> 4, b[5] & 0x0F), (4, 5), "TB3 = BWI, CWI");
        assert_eq!(b.len(), 6 + 13 + 1, "header, historical bytes, TCK");
    }

    #[test]
    fn t0_has_no_tck_and_only_historical_bytes() {
        let atr = Atr::for_protocol(Protocol::T0);
        let b = atr.as_bytes();
        assert_eq!(b[1] >> 4, 0, "no interface bytes, so T=0 only");
        assert_eq!(b.len(), 2 + 13, "no TCK");
    }

    #[test]
    fn historical_bytes_are_compact_tlv_naming_jcos() {
        for protocol in [Protocol::T0, Protocol::T1] {
            let atr = Atr::for_protocol(protocol);
            let h = atr.historical_bytes();
            assert_eq!(h.len(), 13);
            assert_eq!(h[0], 0x80, "category indicator");
            assert_eq!(&h[1..6], b"\x54jcos");
            assert_eq!(&h[10..], &[0x82, 0x90, 0x00], "status indicator last");
        }
        assert_eq!(Atr::for_protocol(Protocol::T1).historical_bytes()[9], 0x5F);
        assert_eq!(Atr::for_protocol(Protocol::T0).historical_bytes()[9], 0x1F);
    }

    #[test]
    fn historical_bytes_of_malformed_atrs_are_empty() {
        for bytes in [
            vec![],
            vec![0x3B],
            vec![0x3B, 0x8F],
            vec![0x3B, 0x8F, 0x81],
            vec![0x3B, 0x05, 1, 2],
        ] {
            assert_eq!(Atr(bytes).historical_bytes(), &[] as &[u8]);
        }
        assert_eq!(Atr(vec![0x3B, 0x02, 7, 8]).historical_bytes(), &[7, 8]);
    }
}
