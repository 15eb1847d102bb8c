//! Access rule references (ISO/IEC 7816-4:2013 clause 7.4.3.4 and Tables 24, 25): a file's
//! FCP may give, instead of its access rules, tag `8B` naming a record of an EF.ARR — a
//! linear record EF whose records each hold access rules in the expanded format (access mode
//! DOs `80`, each followed by its security condition DOs, as inside `AB`).
//!
//! | `8B` length | value                                                   |
//! |-------------|---------------------------------------------------------|
//! | 1           | ARR byte: record of the implicitly known EF.ARR         |
//! | 3           | FID of EF.ARR, ARR byte                                 |
//! | even, >= 4  | FID of EF.ARR, then pairs SEID byte, ARR byte           |
//!
//! jcos looks EF.ARR up by its FID in the file's DF (the DF itself for a DF, the parent for
//! an EF), then in each DF above it up to the MF. The implicitly known EF.ARR is the one with
//! FID [`IMPLICIT_ARR_FID`]. jcos has no MANAGE SECURITY ENVIRONMENT: its one security
//! environment, current from reset, is [`CURRENT_SE`], and of the SEID form only the pair
//! naming it applies. The rules are read when a command needs them, so updating a record of
//! EF.ARR changes the rules of every file referencing it. A reference that leads nowhere (no
//! such EF.ARR, no such record, no pair for the current SE, a record that is not expanded
//! format) grants nothing: every mode is `never`.

use super::access::{AccessRules, Condition, Operation};
use super::error::FsError;
use super::model::{EfBody, FileSystem, NodeId, CURRENT_DF_FID, MF_FID};
use jcos_apdu::tlv::{self, Tlv};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// FID of the implicitly known EF.ARR (the identifier ETSI TS 102 221 gives EF.ARR under
/// the MF), used by the one-byte form of `8B`.
pub const IMPLICIT_ARR_FID: u16 = 0x2F06;

/// Number of jcos's security environment, the current one from reset.
pub const CURRENT_SE: u8 = 0x01;

/// One SEID byte and the ARR byte that applies in that security environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeRecord {
    /// The security environment.
    pub se: u8,
    /// The record of EF.ARR.
    pub record: u8,
}

/// The value of a `8B` security attribute: which record of which EF.ARR holds a file's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArrReference {
    /// Record `record` of the implicitly known EF.ARR (`8B 01 rr`).
    Implicit {
        /// The ARR byte.
        record: u8,
    },
    /// Record `record` of EF.ARR `file` (`8B 03 ffff rr`).
    Record {
        /// EF.ARR's file identifier.
        file: u16,
        /// The ARR byte.
        record: u8,
    },
    /// A record per security environment of EF.ARR `file` (`8B 2n ffff (ss rr)...`).
    PerSe {
        /// EF.ARR's file identifier.
        file: u16,
        /// The pairs, as given.
        records: Vec<SeRecord>,
    },
}

/// An ARR byte names a record: 1-254 (`00` and `FF` name none).
fn arr_byte(byte: u8) -> Result<u8, FsError> {
    if matches!(byte, 0x00 | 0xFF) {
        Err(FsError::WrongData)
    } else {
        Ok(byte)
    }
}

fn arr_file(hi: u8, lo: u8) -> Result<u16, FsError> {
    match u16::from_be_bytes([hi, lo]) {
        MF_FID | CURRENT_DF_FID | 0xFFFF => Err(FsError::WrongData),
        fid => Ok(fid),
    }
}

impl ArrReference {
    /// Reads a `8B` value (Table 25).
    pub fn parse(value: &[u8]) -> Result<ArrReference, FsError> {
        match value {
            [record] => Ok(ArrReference::Implicit {
                record: arr_byte(*record)?,
            }),
            [hi, lo, record] => Ok(ArrReference::Record {
                file: arr_file(*hi, *lo)?,
                record: arr_byte(*record)?,
            }),
            [hi, lo, pairs @ ..] if pairs.len() >= 2 && pairs.len() % 2 == 0 => {
                let records = pairs
                    .chunks_exact(2)
                    .map(|pair| match pair {
                        [se, record] => Ok(SeRecord {
                            se: *se,
                            record: arr_byte(*record)?,
                        }),
                        _ => Err(FsError::WrongData),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(ArrReference::PerSe {
                    file: arr_file(*hi, *lo)?,
                    records,
                })
            }
            _ => Err(FsError::WrongData),
        }
    }

    /// The `8B` value.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            ArrReference::Implicit { record } => vec![*record],
            ArrReference::Record { file, record } => {
                let mut out = file.to_be_bytes().to_vec();
                out.push(*record);
                out
            }
            ArrReference::PerSe { file, records } => {
                let mut out = file.to_be_bytes().to_vec();
                for r in records {
                    out.extend([r.se, r.record]);
                }
                out
            }
        }
    }

    /// EF.ARR's file identifier.
    pub fn file(&self) -> u16 {
        match self {
            ArrReference::Implicit { .. } => IMPLICIT_ARR_FID,
            ArrReference::Record { file, .. } | ArrReference::PerSe { file, .. } => *file,
        }
    }

    /// The record that applies in the current security environment, if any.
    pub fn current_record(&self) -> Option<u8> {
        match self {
            ArrReference::Implicit { record } | ArrReference::Record { record, .. } => {
                Some(*record)
            }
            ArrReference::PerSe { records, .. } => records
                .iter()
                .find(|r| r.se == CURRENT_SE)
                .map(|r| r.record),
        }
    }

    /// The text form used by profiles and listings: `arr 2F06 3`, `arr 3` (implicit EF.ARR),
    /// `arr 2F06 se1:3 se2:4`.
    pub fn to_text(&self) -> String {
        match self {
            ArrReference::Implicit { record } => format!("arr {record}"),
            ArrReference::Record { file, record } => format!("arr {file:04X} {record}"),
            ArrReference::PerSe { file, records } => {
                let mut out = format!("arr {file:04X}");
                for r in records {
                    out.push_str(&format!(" se{}:{}", r.se, r.record));
                }
                out
            }
        }
    }

    /// Reads the text form of [`ArrReference::to_text`] (without the leading `arr`).
    pub fn from_text(text: &str) -> Result<ArrReference, String> {
        let bad = || {
            format!("'{text}' is not an EF.ARR reference (expected e.g. '2F06 3', '3' or '2F06 se1:3 se2:4')")
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let record = |w: &str| -> Result<u8, String> {
            w.parse::<u8>()
                .ok()
                .and_then(|r| arr_byte(r).ok())
                .ok_or_else(bad)
        };
        match words.as_slice() {
            [one] => Ok(ArrReference::Implicit {
                record: record(one)?,
            }),
            [fid, rest @ ..] => {
                let fid = u16::from_str_radix(fid, 16).map_err(|_| bad())?;
                let [hi, lo] = fid.to_be_bytes();
                let file = arr_file(hi, lo).map_err(|_| bad())?;
                match rest {
                    [r] if !r.starts_with("se") => Ok(ArrReference::Record {
                        file,
                        record: record(r)?,
                    }),
                    pairs => {
                        let records = pairs
                            .iter()
                            .map(|p| {
                                let (se, r) = p
                                    .strip_prefix("se")
                                    .and_then(|p| p.split_once(':'))
                                    .ok_or_else(bad)?;
                                Ok(SeRecord {
                                    se: se.parse().map_err(|_| bad())?,
                                    record: record(r)?,
                                })
                            })
                            .collect::<Result<Vec<_>, String>>()?;
                        Ok(ArrReference::PerSe { file, records })
                    }
                }
            }
            [] => Err(bad()),
        }
    }
}

/// Parses the access rules in one EF.ARR record: expanded format objects, with `00`/`FF`
/// padding between and after them ignored (ISO/IEC 7816-4:2013 clause 5.2.2 allows it, and
/// records of a linear fixed EF.ARR are padded).
pub fn parse_record(record: &[u8]) -> Result<AccessRules, FsError> {
    let mut objects: Vec<Tlv> = Vec::new();
    let mut rest = record;
    while let Some((&first, tail)) = rest.split_first() {
        if matches!(first, 0x00 | 0xFF) {
            rest = tail;
            continue;
        }
        let (object, used) = tlv::parse_one(rest).map_err(|_| FsError::WrongData)?;
        objects.push(object);
        rest = rest.get(used..).ok_or(FsError::WrongData)?;
    }
    AccessRules::from_expanded(&objects)
}

impl FileSystem {
    /// The EF.ARR named `fid` for files whose rules resolve from DF `home`: the record EF
    /// with that FID in `home` or the nearest DF above it.
    pub fn find_arr(&self, home: NodeId, fid: u16) -> Option<NodeId> {
        self.ancestors(home).into_iter().find_map(|df| {
            self.child_by_fid(df, fid)
                .filter(|ef| matches!(self.ef(*ef).map(|e| &e.body), Some(EfBody::Records { .. })))
        })
    }

    /// The rules `reference` names for files whose rules resolve from DF `home`; every mode
    /// `never` when the reference leads to no readable expanded-format record.
    pub fn referenced_rules(&self, home: NodeId, reference: &ArrReference) -> AccessRules {
        let record = reference.current_record().and_then(|number| {
            let arr = self.find_arr(home, reference.file())?;
            match self.ef(arr).map(|e| &e.body) {
                Some(EfBody::Records { records, .. }) => {
                    records.get(usize::from(number).checked_sub(1)?)
                }
                _ => None,
            }
        });
        record
            .and_then(|r| parse_record(r).ok())
            .unwrap_or_else(|| AccessRules::uniform(Condition::Never))
    }

    /// The condition guarding `op` on file `id`, looked up in EF.ARR when the file's rules
    /// are a reference; `never` for a file that does not exist.
    pub fn condition(&self, id: NodeId, op: Operation) -> Cow<'_, Condition> {
        let Some(node) = self.node(id) else {
            return Cow::Owned(Condition::Never);
        };
        match node.rules.reference() {
            Some(reference) => Cow::Owned(
                self.referenced_rules(self.home_df(id), reference)
                    .get(op)
                    .clone(),
            ),
            None => Cow::Borrowed(node.rules.get(op)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_of_table_25() {
        assert_eq!(
            ArrReference::parse(&[0x03]),
            Ok(ArrReference::Implicit { record: 3 })
        );
        assert_eq!(
            ArrReference::parse(&[0x2F, 0x06, 0x02]),
            Ok(ArrReference::Record {
                file: 0x2F06,
                record: 2
            })
        );
        let per_se = ArrReference::parse(&[0x6F, 0x06, 0x00, 0x04, 0x01, 0x02]).unwrap();
        assert_eq!(
            per_se,
            ArrReference::PerSe {
                file: 0x6F06,
                records: vec![SeRecord { se: 0, record: 4 }, SeRecord { se: 1, record: 2 }]
            }
        );
        assert_eq!(per_se.current_record(), Some(2));
        assert_eq!(per_se.encode(), vec![0x6F, 0x06, 0x00, 0x04, 0x01, 0x02]);
        // Length 2, odd lengths beyond 3, record 00 and the reserved FIDs are refused.
        for bad in [
            &[][..],
            &[0x2F, 0x06],
            &[0x2F, 0x06, 0x01, 0x02, 0x03],
            &[0x00],
            &[0x3F, 0x00, 0x01],
        ] {
            assert_eq!(
                ArrReference::parse(bad),
                Err(FsError::WrongData),
                "{bad:02X?}"
            );
        }
    }

    #[test]
    fn text_form_round_trips() {
        for text in ["arr 3", "arr 2F06 2", "arr 6F06 se0:4 se1:2"] {
            let parsed = ArrReference::from_text(text.trim_start_matches("arr ")).unwrap();
            assert_eq!(parsed.to_text(), text);
        }
        assert!(ArrReference::from_text("2F06 0").is_err());
        assert!(ArrReference::from_text("zz 1").is_err());
        assert!(ArrReference::from_text("").is_err());
    }

    #[test]
    fn a_record_with_padding_reads_as_expanded_rules() {
        // Read always, update PIN 1 (A4 {83 01 01, 95 01 08}), then FF padding.
        let record = [
            0x80, 0x01, 0x01, 0x90, 0x00, 0x80, 0x01, 0x02, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95,
            0x01, 0x08, 0xFF, 0xFF,
        ];
        let rules = parse_record(&record).unwrap();
        assert_eq!(rules.get(Operation::Read), &Condition::Always);
        assert_eq!(rules.get(Operation::Update), &Condition::Pin(1));
        assert_eq!(rules.get(Operation::DeleteSelf), &Condition::Never);
        assert_eq!(parse_record(&[0x80, 0x01]), Err(FsError::WrongData));
    }
}
