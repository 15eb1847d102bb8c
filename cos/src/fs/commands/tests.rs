//! Unit tests of every file-system command on a small personalised tree. Expected values
//! come from ISO/IEC 7816-4 (status words, FCP layout) and the profile's contents.

use super::*;
use crate::fs::model::{Commit, EfBody};
use crate::fs::profile::Profile;
use jcos_apdu::hex::decode;

const PROFILE: &str = r#"
[mf]
access = { default = "always" }

[[file]]
path = "0001"
type = "pin"
reference = 1
text = "1234"
tries = 3
unblock = 2

[[file]]
path = "0002"
type = "pin"
reference = 2
text = "12345678"
tries = 10

[[file]]
path = "0003"
type = "key"
algorithm = "aes"
reference = 1
data = "000102030405060708090A0B0C0D0E0F"
tries = 3

[[file]]
path = "0004"
type = "key"
algorithm = "3des"
reference = 2
data = "133457799BBCDFF1133457799BBCDFF1"

[[file]]
path = "2F01"
type = "transparent"
sfi = 1
size = 16
data = "0102030405060708"

[[file]]
path = "2F02"
type = "transparent"
sfi = 2
size = 8
access = { read = "pin 1", update = "pin 1 and key 1", default = "never" }

[[file]]
path = "2F03"
type = "linear-fixed"
sfi = 3
record-size = 4
max-records = 3
records = ["01010101", "02020202"]

[[file]]
path = "2F04"
type = "linear-variable"
sfi = 4
record-size = 8
max-records = 4
records = ["AA", "BBBB", "CCCCCC"]

[[file]]
path = "2F05"
type = "cyclic"
sfi = 5
record-size = 2
max-records = 3
records = ["0002", "0001"]

[[file]]
path = "2F06"
type = "ber-tlv"
sfi = 6
size = 32
objects = { "5F20" = "4A4F484E", "42" = "0102" }

[[file]]
path = "2F07"
type = "internal"
sfi = 7
data = "DEADBEEF"

[[file]]
path = "5000"
type = "df"
name = "F04A434F530001"

[[file]]
path = "5000/0001"
type = "pin"
reference = 1
text = "9999"
tries = 2

[[file]]
path = "5000/5001"
type = "transparent"
size = 4
data = "CAFEBABE"
access = { read = "pin 1" }

[[file]]
path = "5000/5100"
type = "df"
name = "F04A434F53000101"
"#;

struct Card {
    fs: FileSystem,
    ctx: ChannelContext,
}

impl Card {
    fn new() -> Self {
        let fs = Profile::from_toml(PROFILE, "test")
            .unwrap()
            .build("test")
            .unwrap();
        fs.check_invariants().unwrap();
        Self {
            fs,
            ctx: ChannelContext::default(),
        }
    }

    /// Sends an APDU written `HEADER [DATA [LE]]` with `|` between parts (Lc is computed),
    /// or as plain hex; returns response data and SW as hex, the way sessions read.
    fn send(&mut self, apdu: &str) -> String {
        let apdu: String = apdu.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = match apdu.split('|').collect::<Vec<_>>().as_slice() {
            [plain] => decode(plain).unwrap(),
            [header, data, rest @ ..] => {
                let mut b = decode(header).unwrap();
                let data = decode(data).unwrap();
                if !data.is_empty() {
                    b.push(data.len() as u8);
                    b.extend(data);
                }
                if let Some(le) = rest.first() {
                    b.extend(decode(le).unwrap());
                }
                b
            }
            _ => unreachable!(),
        };
        let command = CommandApdu::parse(&bytes).unwrap();
        let (data, sw) = match process(&self.fs, &mut self.ctx, &command, &mut rand::rng()) {
            Ok(outcome) => {
                assert_eq!(self.fs.commit(&outcome.writes, None), Ok(Commit::Done));
                (outcome.data, outcome.sw)
            }
            Err(e) => (Vec::new(), StatusWord::from(e)),
        };
        self.fs.check_invariants().unwrap();
        format!("{}{:04X}", jcos_apdu::hex::encode(&data), sw.0)
    }

    fn sw(&mut self, apdu: &str) -> String {
        let r = self.send(apdu);
        r[r.len() - 4..].to_string()
    }
}

#[test]
fn select_by_fid_path_parent_and_name() {
    let mut c = Card::new();
    // FCP of the MF: 82 01 38, 83 02 3F00, 8A 01 05, 8C with seven 00 SC bytes.
    assert_eq!(
        c.send("00A40004||00"),
        "621482013883023F008A01058C087F000000000000009000"
    );
    assert_eq!(c.sw("00A4000C|2F01"), "9000");
    assert!(c.ctx.current_ef.is_some());
    // FCP of 2F01: size 16, transparent working EF, SFI 1.
    assert_eq!(
        c.send("00A40004|2F01|00"),
        "621C 80020010 82020121 83022F01 880108 8A0105 8C087F00000000000000 9000".replace(' ', "")
    );
    assert_eq!(c.sw("00A4010C|5000"), "9000");
    assert_eq!(c.sw("00A4020C|5100"), "6A82", "a DF is not an EF");
    assert_eq!(c.sw("00A4010C|5100"), "9000");
    assert_eq!(c.sw("00A4030C"), "9000");
    assert_eq!(c.fs.node(c.ctx.current_df).unwrap().fid, Some(0x5000));
    assert_eq!(c.sw("00A4080C|50005100"), "9000");
    assert_eq!(c.sw("00A4080C|3F0050005001"), "9000");
    assert_eq!(c.sw("00A4000C|3F00"), "9000");
    assert_eq!(c.sw("00A4090C|5000"), "9000");
    assert_eq!(c.sw("00A4090C|FFFF"), "6A82");
    assert_eq!(c.sw("00A4030C"), "9000");
    assert_eq!(c.sw("00A4030C"), "6A82", "the MF has no parent");
    // By name, partial: F04A434F5300 matches both DFs; first, next, last, previous.
    assert_eq!(c.sw("00A4040C|F04A434F5300"), "9000");
    assert_eq!(c.fs.node(c.ctx.current_df).unwrap().fid, Some(0x5000));
    assert_eq!(c.sw("00A4040E|F04A434F5300"), "9000");
    assert_eq!(c.fs.node(c.ctx.current_df).unwrap().fid, Some(0x5100));
    assert_eq!(c.sw("00A4040E|F04A434F5300"), "6A82");
    assert_eq!(c.sw("00A4040F|F04A434F5300"), "9000");
    assert_eq!(c.fs.node(c.ctx.current_df).unwrap().fid, Some(0x5000));
    assert_eq!(c.sw("00A4040D|F04A434F5300"), "9000");
    assert_eq!(c.fs.node(c.ctx.current_df).unwrap().fid, Some(0x5100));
    // FMD of a named DF holds its name; FCI holds FCP and FMD objects.
    assert_eq!(
        c.send("00A40408|F04A434F530001|00"),
        "64098407F04A434F5300019000"
    );
    assert!(c.send("00A40400|F04A434F530001|00").starts_with("6F"));
    // Errors.
    assert_eq!(c.sw("00A4050C|00"), "6A86");
    assert_eq!(c.sw("00A4001C|3F00"), "6A86");
    assert_eq!(c.sw("00A4000D|3F00"), "6A86", "occurrence only with P1 04");
    assert_eq!(c.sw("00A4000C|3F0000"), "6700");
    assert_eq!(c.sw("00A4080C|3F0000"), "6700");
}

#[test]
fn read_binary_even_sfi_and_odd() {
    let mut c = Card::new();
    assert_eq!(c.sw("00B0000004"), "6986", "no current EF");
    assert_eq!(c.send("00B0810004"), "010203049000");
    assert_eq!(c.send("00B0000204"), "030405069000");
    // Le 00 (256): everything from the offset, 9000; a larger explicit Ne: 6282.
    assert_eq!(c.send("00B0000800"), "00000000000000009000");
    assert_eq!(c.send("00B0000C08"), "000000006282");
    assert_eq!(c.sw("00B0001004"), "6B00");
    assert_eq!(
        c.sw("00B0A10004"),
        "6A86",
        "b7-b6 of P1 must be zero with an SFI"
    );
    assert_eq!(c.sw("00B0990004"), "6A82", "no EF with SFI 25");
    // Odd INS with offset DO 54 and the answer in 53, Ne counting the whole object.
    assert_eq!(c.send("00B10000|540102|04"), "530203049000");
    assert_eq!(c.send("00B12F01|540106|04"), "530207089000");
    assert_eq!(c.send("00B10001|540100|04"), "530201029000");
    assert_eq!(
        c.sw("00B10000|5301AA|00"),
        "6A80",
        "the offset DO is required"
    );
    assert_eq!(c.sw("00B15000|540100|00"), "6981", "5000 is a DF");
    assert_eq!(c.sw("00B0830001"), "6981", "linear fixed EF");
}

#[test]
fn update_write_erase_binary() {
    let mut c = Card::new();
    assert_eq!(c.sw("00D68102|AABB"), "9000");
    assert_eq!(c.send("00B0000004"), "0102AABB9000");
    assert_eq!(c.sw("00D6000F|AABB"), "6A84", "past the end");
    assert_eq!(c.sw("00D60011|AABB"), "6B00");
    assert_eq!(c.sw("00D60000"), "6700");
    // WRITE BINARY with the default (proprietary) coding overwrites.
    assert_eq!(c.sw("00D00000|FF"), "9000");
    assert_eq!(c.send("00B0000001"), "FF9000");
    // ERASE BINARY from offset 1 to 3 (exclusive), then from 2 to the end.
    assert_eq!(c.sw("000E0001|0003"), "9000");
    assert_eq!(c.send("00B0000004"), "FF0000BB9000");
    assert_eq!(c.sw("000E0002"), "9000");
    assert_eq!(c.send("00B0000004"), "FF0000009000");
    // Odd forms: UPDATE with 54 + 53, ERASE with two 54s, WRITE with 54 + 53.
    assert_eq!(c.sw("00D70000|540101 530411223344"), "9000");
    assert_eq!(c.send("00B0000006"), "FF11223344009000");
    assert_eq!(c.sw("000F0000|540102 540104"), "9000");
    assert_eq!(c.send("00B0000006"), "FF11000044009000");
    assert_eq!(c.sw("00D10000|540100 530155"), "9000");
    assert_eq!(c.send("00B0000001"), "559000");
}

#[test]
fn access_conditions_pin_and_key() {
    let mut c = Card::new();
    assert_eq!(c.sw("00B0820001"), "6982");
    assert_eq!(c.sw("00200001|31323334"), "9000");
    assert_eq!(c.send("00B0820001"), "009000");
    // Update needs PIN 1 and key 1; write is never allowed.
    assert_eq!(c.sw("00D60000|AA"), "6982");
    assert_eq!(c.sw("00D00000|AA"), "6982");
    // Reading in DF 5000 uses the DF's own PIN 1 (9999), not the MF's.
    assert_eq!(c.sw("00A4080C|50005001"), "9000");
    assert_eq!(c.sw("00B0000004"), "6982");
    assert_eq!(c.sw("00200081|39393939"), "9000");
    assert_eq!(c.send("00B0000004"), "CAFEBABE9000");
    // Leaving the DF drops its PIN; the MF's global PIN stays.
    assert_eq!(c.sw("00A4000C|3F00"), "9000");
    assert_eq!(c.sw("00A4080C|50005001"), "9000");
    assert_eq!(c.sw("00B0000004"), "6982");
    assert_eq!(c.sw("00200001"), "9000", "the global PIN is still verified");
}

#[test]
fn pin_blocking_status_and_reset() {
    let mut c = Card::new();
    assert_eq!(c.sw("00200001"), "63C3");
    assert_eq!(c.sw("00200001|30303030"), "63C2");
    assert_eq!(c.sw("00200001|30303030"), "63C1");
    assert_eq!(
        c.sw("00200001|31323334"),
        "9000",
        "a success restores the tries"
    );
    assert_eq!(c.sw("00200001"), "9000");
    assert_eq!(c.sw("0020FF01"), "9000");
    assert_eq!(c.sw("00200001"), "63C3");
    for expected in ["63C2", "63C1", "63C0"] {
        assert_eq!(c.sw("00200001|30303030"), expected);
    }
    assert_eq!(c.sw("00200001|31323334"), "6983");
    assert_eq!(c.sw("00200001"), "6983");
    // RESET RETRY COUNTER with the resetting code (PIN 2) and a new PIN.
    assert_eq!(c.sw("002C0001|31323334"), "6700", "no room for a new PIN");
    assert_eq!(c.sw("002C0001|3132333435363739 38383838"), "63C9");
    assert_eq!(c.sw("002C0001|3132333435363738 38383838"), "9000");
    assert_eq!(c.sw("00200001|38383838"), "9000");
    assert_eq!(
        c.sw("002C0301"),
        "6982",
        "without the code the change right is needed"
    );
    assert_eq!(c.sw("00200003"), "6A88");
    assert_eq!(c.sw("00200000"), "6A86");
    assert_eq!(c.sw("00206001"), "6A86");
}

#[test]
fn change_reference_data() {
    let mut c = Card::new();
    assert_eq!(c.sw("00240001|31323334 35363738"), "9000");
    assert_eq!(c.sw("00200001|35363738"), "9000");
    assert_eq!(c.sw("00240001|30303030 39393939"), "63C2");
    assert_eq!(c.sw("00240001|35363738"), "6700", "no new value");
    assert_eq!(
        c.sw("00240001|35363738 39"),
        "6A80",
        "a 1-digit PIN is too short"
    );
    // New-value-only change needs the change right, which the profile leaves at never.
    assert_eq!(c.sw("00240101|31313131"), "6982");
}

#[test]
fn records_linear_fixed() {
    let mut c = Card::new();
    assert_eq!(c.send("00B2011C00"), "010101019000");
    assert_eq!(c.send("00B2021C00"), "020202029000");
    assert_eq!(c.sw("00B2031C00"), "6A83");
    assert_eq!(c.sw("00B2000400"), "6A83", "no current record");
    assert_eq!(
        c.send("00B2000200"),
        "010101019000",
        "next from none is the first"
    );
    assert_eq!(c.send("00B2000200"), "020202029000");
    assert_eq!(c.sw("00B2000200"), "6A83");
    assert_eq!(c.send("00B2000400"), "020202029000");
    assert_eq!(c.send("00B2000300"), "010101019000");
    assert_eq!(c.send("00B2010500"), "01010101020202029000");
    assert_eq!(c.send("00B2010600"), "02020202010101019000");
    assert_eq!(
        c.sw("00B2010100"),
        "6A81",
        "record identifiers are not supported"
    );
    assert_eq!(c.sw("00B2010700"), "6A86");
    assert_eq!(c.sw("00DC0104|03030303"), "9000");
    assert_eq!(c.send("00B2010400"), "030303039000");
    assert_eq!(c.sw("00DC0104|030303"), "6700");
    assert_eq!(c.sw("00E20018|AAAAAAAA"), "9000");
    assert_eq!(
        c.send("00B2000400"),
        "AAAAAAAA9000",
        "the appended record is current"
    );
    assert_eq!(c.sw("00E20018|BBBBBBBB"), "6A84", "file full");
    assert_eq!(c.sw("00E20118|BBBBBBBB"), "6A86");
    // SEARCH RECORD forward from record 1.
    assert_eq!(c.send("00A2011C|AA|00"), "039000");
    assert_eq!(c.sw("00A2011C|77|00"), "6A83");
}

#[test]
fn records_linear_variable_cyclic_and_write() {
    let mut c = Card::new();
    assert_eq!(c.send("00B2022400"), "BBBB9000");
    assert_eq!(c.sw("00DC0204|001122"), "9000");
    assert_eq!(c.send("00B2020400"), "0011229000");
    assert_eq!(c.sw("00DC0204|001122334455667788"), "6700");
    // Cyclic: record 1 is the newest; an append drops the oldest when full.
    assert_eq!(c.send("00B2012C00"), "00029000");
    assert_eq!(c.sw("00E20028|0003"), "9000");
    assert_eq!(c.sw("00E20028|0004"), "9000");
    assert_eq!(c.send("00B2010500"), "0004000300029000");
    // UPDATE RECORD previous on a cyclic EF rewrites the oldest as record 1.
    assert_eq!(c.sw("00DC0003|00FF"), "9000");
    assert_eq!(c.send("00B2010500"), "00FF000400039000");
    // Enhanced search: backward from record 3, string 04 at offset 1.
    assert_eq!(c.send("00A20306|050104|00"), "029000");
}

#[test]
fn internal_efs_refuse_every_read_path() {
    let mut c = Card::new();
    assert_eq!(c.sw("00A4000C|2F07"), "9000", "selection is allowed");
    assert_eq!(c.sw("00B0000004"), "6982");
    assert_eq!(c.sw("00B0870004"), "6982");
    assert_eq!(c.sw("00B12F07|540100|00"), "6982");
    assert_eq!(c.sw("00B10007|540100|00"), "6982");
    assert_eq!(c.sw("00B10000|540100|00"), "6982");
    assert_eq!(c.sw("00B2013C00"), "6982");
    assert_eq!(c.sw("00A2013C|DE|00"), "6982");
    assert_eq!(c.sw("00CB2F07|5C00|00"), "6982");
    assert_eq!(c.sw("00D60000|AA"), "6982");
    // PIN and key EFs, too; their FCP never shows the value.
    assert_eq!(c.sw("00A4000C|0001"), "9000");
    assert_eq!(c.sw("00B0000004"), "6982");
    let fcp = c.send("00A40004|0003|00");
    assert!(!fcp.contains("000102030405060708090A0B0C0D0E0F"), "{fcp}");
}

#[test]
fn ber_tlv_get_and_put_data() {
    let mut c = Card::new();
    assert_eq!(c.sw("00A4000C|2F06"), "9000");
    assert_eq!(c.send("00CA5F2000"), "4A4F484E9000");
    assert_eq!(c.send("00CA004200"), "01029000");
    assert_eq!(c.sw("00CA5F2100"), "6A88");
    assert_eq!(c.sw("00CB0000|5C015F|00"), "6A80");
    assert_eq!(c.send("00CB0000|5C025F20|00"), "5F20044A4F484E9000");
    assert_eq!(c.sw("00DA5F21|414243"), "9000");
    assert_eq!(c.send("00CA5F2100"), "4142439000");
    assert_eq!(
        c.sw("00DA5F21"),
        "9000",
        "an empty value removes the object"
    );
    assert_eq!(c.sw("00CA5F2100"), "6A88");
    assert_eq!(c.sw("00DB0006|5F2102AABB"), "9000");
    assert_eq!(c.send("00CB0006|5C025F21|00"), "5F2102AABB9000");
    assert_eq!(
        c.sw("00DA5F22|000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"),
        "6A84"
    );
}

#[test]
fn create_activate_deactivate_terminate_delete() {
    let mut c = Card::new();
    // A DF 6000 named "PAY", created in the creation state, becomes the current DF.
    assert_eq!(c.sw("00E00000|620C 820138 83026000 8403504159"), "9000");
    assert_eq!(c.fs.node(c.ctx.current_df).unwrap().fid, Some(0x6000));
    // AM 7E announces six SC bytes; five follow.
    assert_eq!(
        c.sw("00E00000|6215 80020008 820101 83026001 8800 8C067E009100FF00"),
        "6A80"
    );
    // EF 6001, 8 bytes: delete/terminate/write never, update PIN 1, the rest always.
    let good = "00E00000|6217 80020008 820101 83026001 8800 8C087FFFFF0000FF9100";
    assert_eq!(c.sw(good), "9000");
    assert_eq!(c.sw(good), "6A89");
    // In the creation state nothing is enforced; activation turns the conditions on.
    assert_eq!(c.sw("00D60000|AA"), "9000");
    assert_eq!(c.sw("00440000"), "9000");
    assert_eq!(c.sw("00D60000|AA"), "6982");
    assert!(c.send("00A40004|6001|00").contains("8A0105"));
    assert_eq!(c.sw("00040000"), "9000");
    assert_eq!(c.sw("00A4000C|6001"), "6283");
    assert_eq!(c.sw("00B0000001"), "6985");
    assert_eq!(c.sw("00440000"), "9000");
    assert_eq!(c.send("00B0000001"), "AA9000");
    assert_eq!(c.sw("00E80000"), "6982", "terminate is never");
    assert_eq!(c.sw("00E40000"), "6982", "delete self is never");
    // TERMINATE DF 6000 (still in the creation state), then nothing in it is usable.
    assert_eq!(c.sw("00A4000C|6000"), "9000");
    assert_eq!(c.sw("00E60000"), "9000");
    assert_eq!(c.sw("00A4000C|6000"), "6285");
    assert_eq!(c.sw("00A4000C|6001"), "6285");
    assert_eq!(c.sw("00B0000001"), "6985");
    assert_eq!(c.sw("00440000"), "6985");
    // DELETE FILE of the DF from the MF.
    assert_eq!(c.sw("00A4000C|3F00"), "9000");
    assert_eq!(c.sw("00E40000|6000"), "9000");
    assert_eq!(c.sw("00A4000C|6000"), "6A82");
    assert_eq!(c.sw("00E40000|3F00"), "6A82");
    assert_eq!(c.sw("00E40100"), "6A86");
}

#[test]
fn create_file_checks_names_sfis_and_memory() {
    let mut c = Card::new();
    assert_eq!(
        c.sw("00E00000|6210 820138 83026000 8407F04A434F530001"),
        "6A8A"
    );
    assert_eq!(
        c.sw("00E00000|6211 80020004 820101 83026010 880108 8A0105"),
        "6A89"
    );
    assert_eq!(
        c.sw("00E00000|620E 8003011170 820101 83026010 8800"),
        "6A84"
    );
    // A linear fixed EF (82 05 02 21 0004 03) takes records by APPEND.
    assert_eq!(c.sw("00E00000|620D 82050221000403 83026011 8800"), "9000");
    assert_eq!(c.sw("00E20000|DEADBEEF"), "9000");
    assert_eq!(c.send("00B2010400"), "DEADBEEF9000");
    assert_eq!(c.sw("00E00000|620C 800120 820139 83026012 8800"), "9000");
    assert_eq!(c.sw("00DA5F20|41"), "9000");
    // Unknown FCP tag, missing descriptor, reserved FID, wrong P1-P2.
    assert_eq!(c.sw("00E00000|6207 870199 83026013"), "6A80");
    assert_eq!(c.sw("00E00000|6204 83026014"), "6A80");
    assert_eq!(c.sw("00E00000|6207 820101 83023FFF"), "6A80");
    assert_eq!(c.sw("00E00100|6207 820101 83026015"), "6A86");
}

fn hex(bytes: &[u8]) -> String {
    jcos_apdu::hex::encode(bytes)
}

#[test]
fn authentication_with_aes_and_3des() {
    use crate::fs::crypto::encrypt;
    use crate::fs::model::KeyAlgorithm;
    let mut c = Card::new();
    // INTERNAL AUTHENTICATE: FIPS-197 C.1 under key 1 (AES-128).
    assert_eq!(
        c.send("00880001|00112233445566778899AABBCCDDEEFF|00"),
        "69C4E0D86A7B0430D8CDB78070B4C55A9000"
    );
    // 3DES key 2 (K1 = K2): the single DES vector.
    assert_eq!(
        c.send("00880002|0123456789ABCDEF|00"),
        "85E813540F0AB4059000"
    );
    assert_eq!(c.sw("00880001|0102030405"), "6700");
    assert_eq!(c.sw("00880009|0000000000000000"), "6A88");
    // EXTERNAL AUTHENTICATE needs a fresh challenge, used once.
    let key = decode("000102030405060708090A0B0C0D0E0F").unwrap();
    assert_eq!(c.sw("00820001|000102030405060708090A0B0C0D0E0F"), "6985");
    let challenge = c.send("0084000010");
    assert_eq!(challenge.len(), 32 + 4);
    let good = encrypt(KeyAlgorithm::Aes, &key, &decode(&challenge[..32]).unwrap()).unwrap();
    let mut bad = good.clone();
    bad[0] ^= 1;
    assert_eq!(c.sw(&format!("00820001|{}", hex(&bad))), "63C2");
    assert_eq!(c.sw(&format!("00820001|{}", hex(&good))), "6985");
    let challenge = c.send("0084000010");
    let good = encrypt(KeyAlgorithm::Aes, &key, &decode(&challenge[..32]).unwrap()).unwrap();
    assert_eq!(c.sw(&format!("00820001|{}", hex(&good))), "9000");
    // Key 1 now satisfies the update condition of 2F02 together with PIN 1.
    assert_eq!(c.sw("00D68200|AA"), "6982");
    assert_eq!(c.sw("00200001|31323334"), "9000");
    assert_eq!(c.sw("00D68200|AA"), "9000");
    // MUTUAL AUTHENTICATE with 3DES key 2.
    let challenge = c.send("0084000008");
    let rnd_icc = decode(&challenge[..16]).unwrap();
    let key2 = decode("133457799BBCDFF1133457799BBCDFF1").unwrap();
    let rnd_ifd = decode("1122334455667788").unwrap();
    let plain: Vec<u8> = rnd_icc.iter().chain(&rnd_ifd).copied().collect();
    let cryptogram = encrypt(KeyAlgorithm::Des3, &key2, &plain).unwrap();
    let answer = c.send(&format!("00820002|{}|00", hex(&cryptogram)));
    let expected_plain: Vec<u8> = rnd_ifd.iter().chain(&rnd_icc).copied().collect();
    let expected = encrypt(KeyAlgorithm::Des3, &key2, &expected_plain).unwrap();
    assert_eq!(answer, format!("{}9000", hex(&expected)));
}

#[test]
fn a_torn_write_leaves_the_old_contents() {
    let mut c = Card::new();
    let before = c.fs.clone();
    let parse = |h: &str| CommandApdu::parse(&decode(h).unwrap()).unwrap();
    let outcome = process(
        &c.fs,
        &mut c.ctx,
        &parse("00D6810004AABBCCDD"),
        &mut rand::rng(),
    )
    .unwrap();
    assert_eq!(c.fs.commit(&outcome.writes, Some(0)), Ok(Commit::Torn(0)));
    assert_eq!(c.fs, before);
    let mut ctx = ChannelContext::default();
    let create = parse(
        "00E0000012621082013883026000 8407F04A434F530009"
            .replace(' ', "")
            .as_str(),
    );
    let outcome = process(&c.fs, &mut ctx, &create, &mut rand::rng()).unwrap();
    assert_eq!(c.fs.commit(&outcome.writes, Some(1)), Ok(Commit::Torn(1)));
    assert_eq!(c.fs, before);
    // The channel named the DF that never came to be; the next command drops it.
    assert_eq!(
        process(&c.fs, &mut ctx, &parse("00A4030C"), &mut rand::rng()),
        Err(FsError::FileNotFound)
    );
    assert_eq!(ctx.current_df, NodeId::MF);
    assert!(matches!(
        c.fs.ef(c.fs.open(&[0x2F01]).unwrap()).unwrap().body,
        EfBody::Transparent { .. }
    ));
}
