//! Command APDU parsing (ISO 7816-3 clause 12.1.3): never panics, and a parsed APDU writes back
//! to exactly the bytes it was parsed from. The same bytes read as a response must split and
//! rejoin unchanged.
#![no_main]

use jcos_apdu::{hex, CommandApdu, ResponseApdu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(apdu) = CommandApdu::parse(data) {
        assert_eq!(apdu.to_bytes(), data, "write(parse(b)) != b");
        assert_eq!(apdu.to_string(), hex::encode(data));
        let class = apdu.class();
        if let Some(channel) = class.channel() {
            assert!(channel <= 19);
        }
        let _ = class.secure_messaging();
        let _ = apdu.case();
    }
    if let Ok(response) = ResponseApdu::parse(data) {
        assert_eq!(response.to_bytes(), data);
        assert!(!response.sw.meaning().is_empty());
    }
});
