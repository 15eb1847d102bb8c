//! BER-TLV parsing (ISO 7816-4 clause 6): never panics; whatever parses re-encodes to bytes that
//! parse to the same objects, and to the input itself when the input was minimal (no padding,
//! shortest length forms), since each departure from minimal makes the re-encoding shorter.
#![no_main]

use jcos_apdu::tlv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = tlv::parse_all(data) {
        let again = tlv::encode_all(&parsed);
        assert_eq!(tlv::parse_all(&again).as_deref(), Ok(&parsed[..]));
        assert!(again.len() <= data.len(), "re-encoding grew");
        if again.len() == data.len() {
            assert_eq!(again, data, "minimal input did not re-encode to itself");
        }
    }
    if let Ok((one, used)) = tlv::parse_one(data) {
        assert!(used <= data.len());
        assert_eq!(tlv::parse_single(&one.encode()), Ok(one));
    }
});
