//! Access conditions: what must be true before a command may act on a file.
//!
//! A file carries one [`Condition`] for each of seven access modes. The modes and their order
//! are those of the access mode byte of ISO/IEC 7816-4:2013 clause 7.4.3.2 (Tables 20 and 21):
//!
//! | bit | EF                                   | DF                        |
//! |-----|--------------------------------------|---------------------------|
//! | b7  | DELETE FILE (self)                   | DELETE FILE (self)        |
//! | b6  | TERMINATE EF                         | TERMINATE DF              |
//! | b5  | ACTIVATE FILE                        | ACTIVATE FILE             |
//! | b4  | DEACTIVATE FILE                      | DEACTIVATE FILE           |
//! | b3  | WRITE BINARY/RECORD, APPEND RECORD   | CREATE FILE (DF)          |
//! | b2  | UPDATE BINARY/RECORD, ERASE, PUT DATA| CREATE FILE (EF)          |
//! | b1  | READ BINARY/RECORD, SEARCH, GET DATA | DELETE FILE (child)       |
//!
//! For an internal EF holding a PIN or key, b1 is the right to *use* it (VERIFY,
//! authentication) and b2 the right to *change* it (CHANGE REFERENCE DATA with new data only,
//! RESET RETRY COUNTER without a resetting code) — the "reference right" and "change right" of
//! issuance.
//!
//! Conditions are encoded in the FCP either in the compact format (tag `8C`: an access mode
//! byte, then one security condition byte per mode set, b7 first) when every condition fits
//! one SC byte, or else in the expanded format (tag `AB`: access mode DOs `80` each followed
//! by a security condition DO `90`, `97`, `A4`, `B4`/`B6`/`B8`, `A0` or `AF`), clause 7.4.3.3.

use super::arr::ArrReference;
use super::error::FsError;
use jcos_apdu::tlv::{Tag, Tlv};
use nom::branch::alt;
use nom::bytes::complete::tag as text;
use nom::character::complete::{digit1, multispace0, multispace1};
use nom::combinator::{all_consuming, map, map_res};
use nom::multi::many0;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Number of access modes a file has (b1..b7 of the access mode byte).
pub const MODE_COUNT: usize = 7;

/// What a command wants to do to a file; each maps to one bit of the access mode byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// b1 of an EF: read (READ BINARY, READ RECORD, SEARCH RECORD, GET DATA); use of a PIN or key.
    Read,
    /// b2 of an EF: update (UPDATE, ERASE, PUT DATA); change of a PIN or key.
    Update,
    /// b3 of an EF: write (WRITE BINARY, WRITE RECORD, APPEND RECORD).
    Write,
    /// b1 of a DF: delete a file in it.
    DeleteChild,
    /// b2 of a DF: create an EF in it.
    CreateEf,
    /// b3 of a DF: create a DF in it.
    CreateDf,
    /// b4: DEACTIVATE FILE.
    Deactivate,
    /// b5: ACTIVATE FILE.
    Activate,
    /// b6: TERMINATE DF / TERMINATE EF.
    Terminate,
    /// b7: DELETE FILE of the file itself.
    DeleteSelf,
}

impl Operation {
    /// The bit number minus one (b1 is 0).
    pub fn index(self) -> usize {
        match self {
            Operation::Read | Operation::DeleteChild => 0,
            Operation::Update | Operation::CreateEf => 1,
            Operation::Write | Operation::CreateDf => 2,
            Operation::Deactivate => 3,
            Operation::Activate => 4,
            Operation::Terminate => 5,
            Operation::DeleteSelf => 6,
        }
    }
}

/// Names of the seven modes of an EF in profiles and listings, b1 first.
pub const EF_MODE_NAMES: [&str; MODE_COUNT] = [
    "read",
    "update",
    "write",
    "deactivate",
    "activate",
    "terminate",
    "delete",
];
/// Names of the seven modes of a DF, b1 first.
pub const DF_MODE_NAMES: [&str; MODE_COUNT] = [
    "delete-child",
    "create-ef",
    "create-df",
    "deactivate",
    "activate",
    "terminate",
    "delete",
];
/// Names of the seven modes of an internal EF holding a PIN or key, b1 first.
pub const SECRET_MODE_NAMES: [&str; MODE_COUNT] = [
    "use",
    "change",
    "write",
    "deactivate",
    "activate",
    "terminate",
    "delete",
];

/// A security condition (ISO/IEC 7816-4:2013 Table 22 and clause 7.4.3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    /// No condition.
    Always,
    /// The command is never allowed.
    Never,
    /// The PIN with this reference is verified (user authentication).
    Pin(u8),
    /// The key with this reference is authenticated (external or mutual authentication).
    Key(u8),
    /// The command came under secure messaging.
    SecureMessaging,
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one condition holds.
    Any(Vec<Condition>),
}

/// A fact a condition can ask the channel's security status about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// PIN with this reference verified.
    Pin(u8),
    /// Key with this reference authenticated.
    Key(u8),
    /// Secure messaging in use.
    SecureMessaging,
}

impl Condition {
    /// Whether the condition holds, asking `holds` about each credential it names.
    pub fn is_met(&self, holds: &mut dyn FnMut(Credential) -> bool) -> bool {
        match self {
            Condition::Always => true,
            Condition::Never => false,
            Condition::Pin(n) => holds(Credential::Pin(*n)),
            Condition::Key(n) => holds(Credential::Key(*n)),
            Condition::SecureMessaging => holds(Credential::SecureMessaging),
            Condition::All(parts) => parts.iter().all(|p| p.is_met(holds)),
            Condition::Any(parts) => parts.iter().any(|p| p.is_met(holds)),
        }
    }

    /// The condition as one compact security condition byte, if it fits one (Table 22): `00`
    /// always, `FF` never, else b8 = all (1) or at least one (0), b7 secure messaging, b6
    /// external authentication, b5 user authentication, b4-b1 the reference (SE number) 1-14.
    pub fn to_sc_byte(&self) -> Option<u8> {
        fn part(c: &Condition, reference: &mut Option<u8>) -> Option<u8> {
            let (bit, n) = match c {
                Condition::SecureMessaging => return Some(0x40),
                Condition::Key(n) => (0x20, *n),
                Condition::Pin(n) => (0x10, *n),
                _ => return None,
            };
            if !(1..=14).contains(&n) || reference.is_some_and(|r| r != n) {
                return None;
            }
            *reference = Some(n);
            Some(bit)
        }
        let (parts, all): (&[Condition], bool) = match self {
            Condition::Always => return Some(0x00),
            Condition::Never => return Some(0xFF),
            Condition::All(parts) => (parts, true),
            Condition::Any(parts) => (parts, false),
            single => (std::slice::from_ref(single), true),
        };
        let mut reference = None;
        let mut bits = 0u8;
        for p in parts {
            let bit = part(p, &mut reference)?;
            if bits & bit != 0 {
                return None;
            }
            bits |= bit;
        }
        // A lone secure messaging condition names no reference; every other needs one.
        let n = reference.unwrap_or(0);
        if bits == 0 || (n == 0 && bits != 0x40) {
            return None;
        }
        let b8 = if all || parts.len() == 1 { 0x80 } else { 0 };
        Some(b8 | bits | n)
    }

    /// Reads a compact security condition byte; `None` for values that name no condition.
    pub fn from_sc_byte(byte: u8) -> Option<Condition> {
        match byte {
            0x00 => return Some(Condition::Always),
            0xFF => return Some(Condition::Never),
            _ => {}
        }
        let n = byte & 0x0F;
        let mut parts = Vec::new();
        if byte & 0x40 != 0 {
            parts.push(Condition::SecureMessaging);
        }
        let needs_reference = byte & 0x30 != 0;
        if needs_reference && !(1..=14).contains(&n) {
            return None;
        }
        if byte & 0x20 != 0 {
            parts.push(Condition::Key(n));
        }
        if byte & 0x10 != 0 {
            parts.push(Condition::Pin(n));
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ if byte & 0x80 != 0 => Some(Condition::All(parts)),
            _ => Some(Condition::Any(parts)),
        }
    }

    /// The condition as an expanded-format security condition DO (clause 7.4.3.3).
    pub fn to_sc_do(&self) -> Tlv {
        match self {
            Condition::Always => Tlv::primitive(Tag(0x90), []),
            Condition::Never => Tlv::primitive(Tag(0x97), []),
            Condition::Pin(n) => auth_crt(*n, UQ_USER_AUTHENTICATION),
            Condition::Key(n) => auth_crt(*n, UQ_EXTERNAL_AUTHENTICATION),
            Condition::SecureMessaging => Tlv::constructed(Tag(0xB4), []),
            Condition::All(parts) => Tlv::constructed(
                Tag(0xAF),
                parts.iter().map(Self::to_sc_do).collect::<Vec<_>>(),
            ),
            Condition::Any(parts) => Tlv::constructed(
                Tag(0xA0),
                parts.iter().map(Self::to_sc_do).collect::<Vec<_>>(),
            ),
        }
    }

    /// Reads an expanded-format security condition DO.
    pub fn from_sc_do(object: &Tlv) -> Result<Condition, FsError> {
        Ok(match object.tag.0 {
            0x90 => Condition::Always,
            0x97 => Condition::Never,
            0xA4 => {
                let byte = |tag: u32| {
                    object
                        .find(Tag(tag))
                        .and_then(Tlv::bytes)
                        .and_then(|b| match b {
                            [one] => Some(*one),
                            _ => None,
                        })
                        .ok_or(FsError::WrongData)
                };
                let reference = byte(0x83)?;
                match byte(0x95)? {
                    UQ_USER_AUTHENTICATION => Condition::Pin(reference),
                    UQ_EXTERNAL_AUTHENTICATION => Condition::Key(reference),
                    _ => return Err(FsError::WrongData),
                }
            }
            0xB4 | 0xB6 | 0xB8 => Condition::SecureMessaging,
            0xA0 | 0xAF => {
                let parts = object
                    .children()
                    .iter()
                    .map(Self::from_sc_do)
                    .collect::<Result<Vec<_>, _>>()?;
                if parts.is_empty() {
                    return Err(FsError::WrongData);
                }
                if object.tag.0 == 0xAF {
                    Condition::All(parts)
                } else {
                    Condition::Any(parts)
                }
            }
            _ => return Err(FsError::WrongData),
        })
    }

    /// Parses the text form used by profiles and listings: `always`, `never`, `sm`,
    /// `pin N`, `key N`, combined with `and` (binding tighter) and `or`, with parentheses.
    pub fn parse(text: &str) -> Result<Condition, String> {
        all_consuming(delimited(multispace0, expr, multispace0))
            .parse(text)
            .map(|(_, c)| c)
            .map_err(|_| format!("'{text}' is not an access condition (expected e.g. 'always', 'never', 'pin 1', 'key 2 or pin 1')"))
    }
}

/// Usage qualifier of an authentication CRT: user authentication, knowledge based (Table 54).
const UQ_USER_AUTHENTICATION: u8 = 0x08;
/// Usage qualifier of an authentication CRT: external authentication (Table 54).
const UQ_EXTERNAL_AUTHENTICATION: u8 = 0x80;

fn auth_crt(reference: u8, usage: u8) -> Tlv {
    Tlv::constructed(
        Tag(0xA4),
        vec![
            Tlv::primitive(Tag(0x83), [reference]),
            Tlv::primitive(Tag(0x95), [usage]),
        ],
    )
}

fn reference(input: &str) -> IResult<&str, u8> {
    map_res(digit1, |d: &str| d.parse::<u8>()).parse(input)
}

fn atom(input: &str) -> IResult<&str, Condition> {
    alt((
        map(text("always"), |_| Condition::Always),
        map(text("never"), |_| Condition::Never),
        map(text("sm"), |_| Condition::SecureMessaging),
        map(
            preceded((text("pin"), multispace1), reference),
            Condition::Pin,
        ),
        map(
            preceded((text("key"), multispace1), reference),
            Condition::Key,
        ),
        delimited((text("("), multispace0), expr, (multispace0, text(")"))),
    ))
    .parse(input)
}

fn joined<'a>(
    word: &'static str,
    inner: fn(&'a str) -> IResult<&'a str, Condition>,
    make: fn(Vec<Condition>) -> Condition,
) -> impl Parser<&'a str, Output = Condition, Error = nom::error::Error<&'a str>> {
    map(
        (
            inner,
            many0(preceded((multispace1, text(word), multispace1), inner)),
        ),
        move |(first, rest)| {
            if rest.is_empty() {
                first
            } else {
                let mut parts = vec![first];
                parts.extend(rest);
                make(parts)
            }
        },
    )
}

fn term(input: &str) -> IResult<&str, Condition> {
    joined("and", atom, Condition::All).parse(input)
}

fn expr(input: &str) -> IResult<&str, Condition> {
    joined("or", term, Condition::Any).parse(input)
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, parts: &[Condition], word: &str, nested_any| {
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                let wrap = matches!(p, Condition::Any(_))
                    || (nested_any && matches!(p, Condition::All(_)));
                if wrap {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{p}")?;
                }
            }
            Ok(())
        };
        match self {
            Condition::Always => f.write_str("always"),
            Condition::Never => f.write_str("never"),
            Condition::Pin(n) => write!(f, "pin {n}"),
            Condition::Key(n) => write!(f, "key {n}"),
            Condition::SecureMessaging => f.write_str("sm"),
            Condition::All(parts) => list(f, parts, "and", false),
            Condition::Any(parts) => list(f, parts, "or", false),
        }
    }
}

/// How a file's access rules are given in its FCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RulesForm {
    /// Compact (`8C`) when every condition fits an SC byte, else expanded (`AB`).
    Standard,
    /// The jcos proprietary format (`86`), for files created with it.
    Proprietary,
    /// A reference to a record of an EF.ARR (`8B`): the rules are read from there when
    /// needed ([`FileSystem::condition`](super::model::FileSystem::condition)).
    Referenced(ArrReference),
}

/// The seven access conditions of one file, indexed by [`Operation::index`], and the form
/// its FCP gives them in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredRules", into = "StoredRules")]
pub struct AccessRules {
    conditions: [Condition; MODE_COUNT],
    form: RulesForm,
}

/// [`AccessRules`] as card images store them: the seven conditions as before the form was
/// kept, the form (when not [`RulesForm::Standard`]) wrapped around the first one, so images
/// written before read back unchanged.
#[derive(Clone, Serialize, Deserialize)]
struct StoredRules {
    conditions: [StoredCondition; MODE_COUNT],
}

/// [`Condition`]'s stored layout (same variants in the same order), and one more.
#[derive(Clone, Serialize, Deserialize)]
enum StoredCondition {
    Always,
    Never,
    Pin(u8),
    Key(u8),
    SecureMessaging,
    All(Vec<Condition>),
    Any(Vec<Condition>),
    /// A condition and the form of the rules it belongs to.
    Formed(RulesForm, Box<Condition>),
}

impl From<Condition> for StoredCondition {
    fn from(c: Condition) -> Self {
        match c {
            Condition::Always => StoredCondition::Always,
            Condition::Never => StoredCondition::Never,
            Condition::Pin(n) => StoredCondition::Pin(n),
            Condition::Key(n) => StoredCondition::Key(n),
            Condition::SecureMessaging => StoredCondition::SecureMessaging,
            Condition::All(parts) => StoredCondition::All(parts),
            Condition::Any(parts) => StoredCondition::Any(parts),
        }
    }
}

impl StoredCondition {
    fn into_parts(self) -> (Condition, Option<RulesForm>) {
        let c = match self {
            StoredCondition::Always => Condition::Always,
            StoredCondition::Never => Condition::Never,
            StoredCondition::Pin(n) => Condition::Pin(n),
            StoredCondition::Key(n) => Condition::Key(n),
            StoredCondition::SecureMessaging => Condition::SecureMessaging,
            StoredCondition::All(parts) => Condition::All(parts),
            StoredCondition::Any(parts) => Condition::Any(parts),
            StoredCondition::Formed(form, c) => return (*c, Some(form)),
        };
        (c, None)
    }
}

impl From<AccessRules> for StoredRules {
    fn from(rules: AccessRules) -> Self {
        let AccessRules { conditions, form } = rules;
        let mut form = Some(form).filter(|f| *f != RulesForm::Standard);
        StoredRules {
            conditions: conditions.map(|c| match form.take() {
                Some(f) => StoredCondition::Formed(f, Box::new(c)),
                None => StoredCondition::from(c),
            }),
        }
    }
}

impl From<StoredRules> for AccessRules {
    fn from(stored: StoredRules) -> Self {
        let mut form = RulesForm::Standard;
        let conditions = stored.conditions.map(|s| {
            let (c, f) = s.into_parts();
            if let Some(f) = f {
                form = f;
            }
            c
        });
        AccessRules { conditions, form }
    }
}

impl Default for AccessRules {
    /// Every mode always allowed.
    fn default() -> Self {
        Self::uniform(Condition::Always)
    }
}

impl AccessRules {
    /// The same condition for every mode.
    pub fn uniform(condition: Condition) -> Self {
        Self {
            conditions: std::array::from_fn(|_| condition.clone()),
            form: RulesForm::Standard,
        }
    }

    /// Rules kept in EF.ARR: every mode takes its condition from the record `reference`
    /// names. The conditions held here are `never`, so only a look-up grants anything.
    pub fn referenced(reference: ArrReference) -> Self {
        Self {
            form: RulesForm::Referenced(reference),
            ..Self::uniform(Condition::Never)
        }
    }

    /// The form the FCP gives the rules in.
    pub fn form(&self) -> &RulesForm {
        &self.form
    }

    /// The EF.ARR reference, when the rules are kept there.
    pub fn reference(&self) -> Option<&ArrReference> {
        match &self.form {
            RulesForm::Referenced(r) => Some(r),
            _ => None,
        }
    }

    /// The condition held for `op` (`never` for rules kept in EF.ARR: the file system's
    /// [`condition`](super::model::FileSystem::condition) looks those up).
    pub fn get(&self, op: Operation) -> &Condition {
        // index() is below MODE_COUNT by construction.
        self.conditions.get(op.index()).unwrap_or(&Condition::Never)
    }

    /// Sets the condition guarding `op`.
    pub fn set(&mut self, op: Operation, condition: Condition) {
        if let Some(slot) = self.conditions.get_mut(op.index()) {
            *slot = condition;
        }
    }

    /// The conditions in access mode order, b1 first.
    pub fn conditions(&self) -> &[Condition; MODE_COUNT] {
        &self.conditions
    }

    /// Sets the condition of mode bit `index` (0 = b1).
    pub fn set_index(&mut self, index: usize, condition: Condition) {
        if let Some(slot) = self.conditions.get_mut(index) {
            *slot = condition;
        }
    }

    /// The FCP security attribute: `8B` for rules kept in EF.ARR, `86` for rules given in
    /// the proprietary format, else compact `8C` when every condition fits an SC byte, else
    /// expanded `AB`.
    pub fn to_fcp(&self) -> Tlv {
        match &self.form {
            RulesForm::Referenced(r) => return Tlv::primitive(Tag(0x8B), r.encode()),
            RulesForm::Proprietary => {
                if let Some(value) = self.to_proprietary() {
                    return Tlv::primitive(Tag(0x86), value);
                }
            }
            RulesForm::Standard => {}
        }
        let bytes: Option<Vec<u8>> = self
            .conditions
            .iter()
            .rev()
            .map(Condition::to_sc_byte)
            .collect();
        match bytes {
            Some(sc) => {
                let mut value = vec![0x7F];
                value.extend(sc);
                Tlv::primitive(Tag(0x8C), value)
            }
            None => {
                let mut objects = Vec::new();
                for (i, c) in self.conditions.iter().enumerate() {
                    objects.push(Tlv::primitive(Tag(0x80), [1u8 << i]));
                    objects.push(c.to_sc_do());
                }
                Tlv::constructed(Tag(0xAB), objects)
            }
        }
    }

    /// Reads a compact security attribute (`8C` value). Modes whose AM bit is clear get
    /// `Never`: an absent condition never grants access.
    pub fn from_compact(value: &[u8]) -> Result<AccessRules, FsError> {
        let (&am, mut sc) = value.split_first().ok_or(FsError::WrongData)?;
        if am & 0x80 != 0 {
            // b8 = 1 announces command-header coding, which jcos does not accept.
            return Err(FsError::WrongData);
        }
        let mut rules = AccessRules::uniform(Condition::Never);
        for i in (0..MODE_COUNT).rev() {
            if am & (1 << i) == 0 {
                continue;
            }
            let (&byte, rest) = sc.split_first().ok_or(FsError::WrongData)?;
            sc = rest;
            rules.set_index(i, Condition::from_sc_byte(byte).ok_or(FsError::WrongData)?);
        }
        if !sc.is_empty() {
            return Err(FsError::WrongData);
        }
        Ok(rules)
    }

    /// Reads an expanded security attribute (the children of `AB`). Modes no access mode DO
    /// names get `Never`; several SC DOs after one AM DO mean any of them.
    pub fn from_expanded(objects: &[Tlv]) -> Result<AccessRules, FsError> {
        let mut rules = AccessRules::uniform(Condition::Never);
        let mut iter = objects.iter().peekable();
        while let Some(am_do) = iter.next() {
            let am = match (am_do.tag.0, am_do.bytes()) {
                (0x80, Some([am])) if am & 0x80 == 0 => *am,
                _ => return Err(FsError::WrongData),
            };
            let mut conditions = Vec::new();
            while let Some(sc_do) = iter.next_if(|o| o.tag.0 != 0x80) {
                conditions.push(Condition::from_sc_do(sc_do)?);
            }
            let condition = match conditions.len() {
                0 => return Err(FsError::WrongData),
                1 => conditions.pop().unwrap_or(Condition::Never),
                _ => Condition::Any(conditions),
            };
            for i in 0..MODE_COUNT {
                if am & (1 << i) != 0 {
                    rules.set_index(i, condition.clone());
                }
            }
        }
        Ok(rules)
    }

    /// The proprietary (`86`) value: for each distinct condition, in the order the modes
    /// first name it from b7 down, an access mode byte of the modes it guards and the
    /// condition in the code of [`proprietary`]; `None` if a condition has no such code.
    pub fn to_proprietary(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut done = 0u8;
        for i in (0..MODE_COUNT).rev() {
            let bit = 1u8 << i;
            if done & bit != 0 {
                continue;
            }
            let condition = self.conditions.get(i)?;
            let am = (0..MODE_COUNT)
                .filter(|j| self.conditions.get(*j) == Some(condition))
                .fold(0u8, |am, j| am | (1 << j));
            done |= am;
            out.push(am);
            proprietary::encode(condition, &mut out)?;
        }
        Some(out)
    }

    /// Reads a proprietary security attribute (`86` value): access mode bytes, each followed
    /// by one condition; modes no AM byte names get `never`.
    pub fn from_proprietary(value: &[u8]) -> Result<AccessRules, FsError> {
        let mut rules = AccessRules::uniform(Condition::Never);
        rules.form = RulesForm::Proprietary;
        let mut rest = value;
        if rest.is_empty() {
            return Err(FsError::WrongData);
        }
        while let Some((&am, tail)) = rest.split_first() {
            if am == 0 || am & 0x80 != 0 {
                return Err(FsError::WrongData);
            }
            let (condition, tail) = proprietary::decode(tail, 0)?;
            rest = tail;
            for i in 0..MODE_COUNT {
                if am & (1 << i) != 0 {
                    rules.set_index(i, condition.clone());
                }
            }
        }
        Ok(rules)
    }

    /// Reads the security attribute among FCP objects, if there is one: `8C`, `AB`, `86` or
    /// `8B`. A file has one; an FCP giving several is refused.
    pub fn from_fcp(objects: &[Tlv]) -> Result<Option<AccessRules>, FsError> {
        let mut found = objects
            .iter()
            .filter(|o| matches!(o.tag.0, 0x8C | 0xAB | 0x86 | 0x8B));
        let (Some(attribute), None) = (found.next(), found.next()) else {
            return if objects
                .iter()
                .any(|o| matches!(o.tag.0, 0x8C | 0xAB | 0x86 | 0x8B))
            {
                Err(FsError::WrongData)
            } else {
                Ok(None)
            };
        };
        let bytes = || attribute.bytes().ok_or(FsError::WrongData);
        match attribute.tag.0 {
            0x8C => AccessRules::from_compact(bytes()?),
            0xAB => AccessRules::from_expanded(attribute.children()),
            0x86 => AccessRules::from_proprietary(bytes()?),
            _ => ArrReference::parse(bytes()?).map(AccessRules::referenced),
        }
        .map(Some)
    }
}

/// The condition code of the jcos proprietary security attribute (`86`): one byte per
/// credential, in prefix order, so references up to 31 and any and/or nesting fit where the
/// compact format allows one reference per condition and references 1-14.
///
/// | byte          | condition                                   |
/// |---------------|---------------------------------------------|
/// | `00`          | always                                      |
/// | `FF`          | never                                       |
/// | `20` + n      | PIN n verified (n 1-31)                     |
/// | `40` + n      | key n authenticated (n 1-31)                |
/// | `60`          | secure messaging                            |
/// | `80` + k      | all of the k conditions that follow (2-15)  |
/// | `90` + k      | any of the k conditions that follow (2-15)  |
pub mod proprietary {
    use super::Condition;
    use crate::fs::error::FsError;

    /// Deepest and/or nesting read, so a hostile value cannot recurse without end.
    const MAX_NESTING: usize = 8;

    /// Appends the code of `condition`; `None` if it has none.
    pub fn encode(condition: &Condition, out: &mut Vec<u8>) -> Option<()> {
        match condition {
            Condition::Always => out.push(0x00),
            Condition::Never => out.push(0xFF),
            Condition::Pin(n) if (1..=31).contains(n) => out.push(0x20 | n),
            Condition::Key(n) if (1..=31).contains(n) => out.push(0x40 | n),
            Condition::SecureMessaging => out.push(0x60),
            Condition::All(parts) | Condition::Any(parts) => {
                let k = u8::try_from(parts.len())
                    .ok()
                    .filter(|k| (2..=15).contains(k))?;
                let base = if matches!(condition, Condition::All(_)) {
                    0x80
                } else {
                    0x90
                };
                out.push(base | k);
                for p in parts {
                    encode(p, out)?;
                }
            }
            Condition::Pin(_) | Condition::Key(_) => return None,
        }
        Some(())
    }

    /// Reads one condition from the start of `input`; the condition and what follows it.
    pub fn decode(input: &[u8], depth: usize) -> Result<(Condition, &[u8]), FsError> {
        let (&byte, mut rest) = input.split_first().ok_or(FsError::WrongData)?;
        let n = byte & 0x1F;
        let condition = match byte {
            0x00 => Condition::Always,
            0xFF => Condition::Never,
            0x60 => Condition::SecureMessaging,
            0x21..=0x3F => Condition::Pin(n),
            0x41..=0x5F => Condition::Key(n),
            0x82..=0x8F | 0x92..=0x9F if depth < MAX_NESTING => {
                let mut parts = Vec::new();
                for _ in 0..(byte & 0x0F) {
                    let (part, tail) = decode(rest, depth.saturating_add(1))?;
                    parts.push(part);
                    rest = tail;
                }
                if byte & 0xF0 == 0x80 {
                    Condition::All(parts)
                } else {
                    Condition::Any(parts)
                }
            }
            _ => return Err(FsError::WrongData),
        };
        Ok((condition, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcos_apdu::tlv;

    #[test]
    fn sc_bytes_follow_table_22() {
        assert_eq!(Condition::Always.to_sc_byte(), Some(0x00));
        assert_eq!(Condition::Never.to_sc_byte(), Some(0xFF));
        // User authentication with SE 1: b8 (all) | b5 | 1.
        assert_eq!(Condition::Pin(1).to_sc_byte(), Some(0x91));
        assert_eq!(Condition::Key(2).to_sc_byte(), Some(0xA2));
        assert_eq!(
            Condition::All(vec![Condition::Pin(3), Condition::Key(3)]).to_sc_byte(),
            Some(0xB3)
        );
        assert_eq!(
            Condition::Any(vec![Condition::Pin(3), Condition::Key(3)]).to_sc_byte(),
            Some(0x33)
        );
        assert_eq!(Condition::SecureMessaging.to_sc_byte(), Some(0xC0));
        // Different references, or references beyond 14, need the expanded format.
        assert_eq!(
            Condition::All(vec![Condition::Pin(1), Condition::Key(2)]).to_sc_byte(),
            None
        );
        assert_eq!(Condition::Pin(15).to_sc_byte(), None);
        for byte in [0x00u8, 0xFF, 0x91, 0xA2, 0xB3, 0x33, 0xC0, 0xD1] {
            assert_eq!(
                Condition::from_sc_byte(byte).and_then(|c| c.to_sc_byte()),
                Some(byte),
                "{byte:02X}"
            );
        }
        assert_eq!(Condition::from_sc_byte(0x90), None, "user auth without SE");
    }

    #[test]
    fn compact_attribute_lists_b7_first() {
        let mut rules = AccessRules::uniform(Condition::Never);
        rules.set(Operation::Read, Condition::Always);
        rules.set(Operation::Update, Condition::Pin(1));
        let fcp = rules.to_fcp();
        assert_eq!(
            fcp.encode(),
            vec![0x8C, 0x08, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x91, 0x00]
        );
        assert_eq!(
            AccessRules::from_compact(fcp.bytes().unwrap()).unwrap(),
            rules
        );
        // AM 03: only read and update given; the rest is never.
        let partial = AccessRules::from_compact(&[0x03, 0x91, 0x00]).unwrap();
        assert_eq!(partial, rules);
        assert_eq!(
            AccessRules::from_compact(&[0x03, 0x91]),
            Err(FsError::WrongData)
        );
        assert_eq!(
            AccessRules::from_compact(&[0x01, 0x00, 0x00]),
            Err(FsError::WrongData)
        );
    }

    #[test]
    fn expanded_attribute_carries_mixed_references() {
        let mut rules = AccessRules::uniform(Condition::Always);
        rules.set(
            Operation::Update,
            Condition::All(vec![Condition::Pin(1), Condition::Key(2)]),
        );
        let fcp = rules.to_fcp();
        assert_eq!(fcp.tag, Tag(0xAB));
        let bytes = fcp.encode();
        // 80 01 02 then AF { A4 {83 01 01 95 01 08} A4 {83 01 02 95 01 80} }.
        let needle = [
            0x80, 0x01, 0x02, 0xAF, 0x10, 0xA4, 0x06, 0x83, 0x01, 0x01, 0x95, 0x01, 0x08, 0xA4,
            0x06, 0x83, 0x01, 0x02, 0x95, 0x01, 0x80,
        ];
        assert!(
            bytes.windows(needle.len()).any(|w| w == needle),
            "{bytes:02X?}"
        );
        let parsed = tlv::parse_single(&bytes).unwrap();
        assert_eq!(
            AccessRules::from_expanded(parsed.children()).unwrap(),
            rules
        );
    }

    #[test]
    fn proprietary_attribute_groups_modes_by_condition() {
        let mut rules = AccessRules::uniform(Condition::Never);
        rules.set(Operation::Read, Condition::Always);
        rules.set(
            Operation::Update,
            Condition::All(vec![Condition::Pin(17), Condition::Key(2)]),
        );
        // b7-b3 never (7C FF), b2 all of PIN 17 and key 2 (02 82 31 42), b1 always (01 00).
        let value = rules.to_proprietary().unwrap();
        assert_eq!(value, vec![0x7C, 0xFF, 0x02, 0x82, 0x31, 0x42, 0x01, 0x00]);
        let read = AccessRules::from_proprietary(&value).unwrap();
        assert_eq!(read.conditions(), rules.conditions());
        assert_eq!(read.form(), &RulesForm::Proprietary);
        assert_eq!(read.to_fcp().tag, Tag(0x86));
        // A mode left out is never; a dangling combination or a reference 0 is refused.
        let partial = AccessRules::from_proprietary(&[0x01, 0x93, 0x21, 0x42, 0x60]).unwrap();
        assert_eq!(
            partial.get(Operation::Read),
            &Condition::Any(vec![
                Condition::Pin(1),
                Condition::Key(2),
                Condition::SecureMessaging
            ])
        );
        assert_eq!(partial.get(Operation::Update), &Condition::Never);
        for bad in [
            &[][..],
            &[0x01],
            &[0x01, 0x82, 0x21],
            &[0x01, 0x20],
            &[0x80, 0x00],
            &[0x00, 0x00],
        ] {
            assert_eq!(
                AccessRules::from_proprietary(bad),
                Err(FsError::WrongData),
                "{bad:02X?}"
            );
        }
        // Nesting deeper than the reader follows is refused, not recursed into.
        let mut deep = vec![0x01];
        deep.extend(std::iter::repeat_n(0x82, 64));
        assert_eq!(
            AccessRules::from_proprietary(&deep),
            Err(FsError::WrongData)
        );
    }

    #[test]
    fn an_fcp_gives_one_security_attribute() {
        let compact = Tlv::primitive(Tag(0x8C), [0x01, 0x00]);
        let reference = Tlv::primitive(Tag(0x8B), [0x2F, 0x06, 0x01]);
        let rules = AccessRules::from_fcp(std::slice::from_ref(&reference))
            .unwrap()
            .unwrap();
        assert_eq!(
            rules.reference(),
            Some(&ArrReference::Record {
                file: 0x2F06,
                record: 1
            })
        );
        assert_eq!(rules.to_fcp(), reference);
        assert_eq!(
            AccessRules::from_fcp(&[compact, reference]),
            Err(FsError::WrongData)
        );
        assert_eq!(AccessRules::from_fcp(&[]), Ok(None));
    }

    #[test]
    fn stored_rules_read_back_with_their_form_and_as_stored_before() {
        #[derive(Serialize)]
        struct Before {
            conditions: [Condition; MODE_COUNT],
        }
        let mut plain = AccessRules::uniform(Condition::Pin(1));
        plain.set(Operation::Read, Condition::Always);
        let before = postcard::to_stdvec(&Before {
            conditions: plain.conditions().clone(),
        })
        .unwrap();
        assert_eq!(postcard::to_stdvec(&plain).unwrap(), before);
        assert_eq!(postcard::from_bytes::<AccessRules>(&before).unwrap(), plain);
        let proprietary = AccessRules::from_proprietary(&plain.to_proprietary().unwrap()).unwrap();
        let referenced = AccessRules::referenced(ArrReference::Implicit { record: 2 });
        for rules in [proprietary, referenced] {
            let bytes = postcard::to_stdvec(&rules).unwrap();
            assert_eq!(postcard::from_bytes::<AccessRules>(&bytes).unwrap(), rules);
        }
    }

    #[test]
    fn text_form_round_trips() {
        for text in [
            "always",
            "never",
            "pin 1",
            "key 12",
            "sm",
            "pin 1 and key 2",
            "pin 1 or key 2",
            "pin 1 and (key 2 or key 3)",
        ] {
            let c = Condition::parse(text).unwrap();
            assert_eq!(c.to_string(), text);
        }
        assert_eq!(
            Condition::parse("pin 1 or key 2 and sm").unwrap(),
            Condition::Any(vec![
                Condition::Pin(1),
                Condition::All(vec![Condition::Key(2), Condition::SecureMessaging])
            ])
        );
        assert!(Condition::parse("pin").is_err());
        assert!(Condition::parse("pin 1 nand key 2").is_err());
        assert!(Condition::parse("pin 300").is_err());
    }

    #[test]
    fn evaluates_and_or() {
        let c = Condition::parse("pin 1 and (key 2 or key 3)").unwrap();
        let mut only_pin = |cr| cr == Credential::Pin(1);
        assert!(!c.is_met(&mut only_pin));
        let mut pin_key3 = |cr| matches!(cr, Credential::Pin(1) | Credential::Key(3));
        assert!(c.is_met(&mut pin_key3));
    }
}
