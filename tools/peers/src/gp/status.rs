//! GET STATUS answers (GP 2.3.1 §11.4.3): the tagged format (`E3` templates) and the
//! legacy one, life cycle states (§5.1) and privileges (§6.6.1) by name.

use crate::gp::GpError;
use jcos_apdu::hex;
use jcos_apdu::tlv::{self, Tag};
use std::fmt;

/// Which part of the registry GET STATUS reports (P1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scope {
    /// The issuer security domain (`80`).
    Isd,
    /// Applications and security domains (`40`).
    Applications,
    /// Executable load files (`20`).
    LoadFiles,
    /// Executable load files and their executable modules (`10`).
    LoadFilesAndModules,
}

impl Scope {
    /// The P1 byte.
    pub fn p1(self) -> u8 {
        match self {
            Scope::Isd => 0x80,
            Scope::Applications => 0x40,
            Scope::LoadFiles => 0x20,
            Scope::LoadFilesAndModules => 0x10,
        }
    }
}

/// The response format asked for (P2 bits 2-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Format {
    /// `00`: the legacy format (deprecated in GP 2.2, still answered by many cards).
    Legacy,
    /// `02`: `E3` templates.
    Tagged,
}

impl Format {
    /// The P2 bits.
    pub fn p2(self) -> u8 {
        match self {
            Format::Legacy => 0x00,
            Format::Tagged => 0x02,
        }
    }
}

/// One registry entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegistryEntry {
    /// What kind of entry.
    pub scope: Scope,
    /// The AID, hex.
    pub aid: String,
    /// The life cycle state byte.
    pub life_cycle: u8,
    /// The privileges (1 or 3 bytes; none for load files), hex.
    pub privileges: String,
    /// The executable load file of an application (tag `C4`), hex.
    pub load_file: Option<String>,
    /// The version of a load file (tag `CE`), hex.
    pub version: Option<String>,
    /// The executable modules of a load file (tag `84`), hex.
    pub modules: Vec<String>,
    /// The associated security domain (tag `CC`), hex.
    pub security_domain: Option<String>,
}

impl RegistryEntry {
    /// The life cycle state by name.
    pub fn life_cycle_name(&self) -> String {
        life_cycle_name(self.scope, self.life_cycle, self.is_security_domain())
    }

    /// The privileges by name.
    pub fn privilege_names(&self) -> Vec<&'static str> {
        hex::decode(&self.privileges)
            .map(|b| privilege_names(&b))
            .unwrap_or_default()
    }

    /// Whether the entry has the Security Domain privilege.
    pub fn is_security_domain(&self) -> bool {
        hex::decode(&self.privileges)
            .ok()
            .and_then(|b| b.first().copied())
            .is_some_and(|b| b & 0x80 != 0)
    }
}

fn malformed(what: String) -> GpError {
    GpError::Malformed {
        command: "GET STATUS".into(),
        what,
    }
}

/// Parses the data of a GET STATUS answer in `format` for `scope`.
pub fn parse(scope: Scope, format: Format, data: &[u8]) -> Result<Vec<RegistryEntry>, GpError> {
    match format {
        Format::Tagged => parse_tagged(scope, data),
        Format::Legacy => parse_legacy(scope, data),
    }
}

fn parse_tagged(scope: Scope, data: &[u8]) -> Result<Vec<RegistryEntry>, GpError> {
    let objects = tlv::parse_all(data).map_err(|e| malformed(format!("BER-TLV: {e}")))?;
    let mut out = Vec::with_capacity(objects.len());
    for object in &objects {
        if object.tag != Tag(0xE3) {
            return Err(malformed(format!(
                "tag {} where E3 was expected",
                object.tag
            )));
        }
        let mut entry = RegistryEntry {
            scope,
            aid: String::new(),
            life_cycle: 0,
            privileges: String::new(),
            load_file: None,
            version: None,
            modules: Vec::new(),
            security_domain: None,
        };
        let mut life_cycle = None;
        for child in object.children() {
            let bytes = child.bytes().unwrap_or_default();
            match child.tag.0 {
                0x4F => entry.aid = hex::encode(bytes),
                0x9F70 => life_cycle = bytes.first().copied(),
                0xC5 => entry.privileges = hex::encode(bytes),
                0xC4 => entry.load_file = Some(hex::encode(bytes)),
                0xCE => entry.version = Some(hex::encode(bytes)),
                0x84 => entry.modules.push(hex::encode(bytes)),
                0xCC => entry.security_domain = Some(hex::encode(bytes)),
                // Implicit selection parameters (CF) and other data are not listed.
                _ => {}
            }
        }
        if entry.aid.is_empty() {
            return Err(malformed("an E3 template without AID (4F)".into()));
        }
        entry.life_cycle = life_cycle
            .ok_or_else(|| malformed(format!("{} has no life cycle (9F70)", entry.aid)))?;
        out.push(entry);
    }
    Ok(out)
}

fn parse_legacy(scope: Scope, data: &[u8]) -> Result<Vec<RegistryEntry>, GpError> {
    let mut out = Vec::new();
    let mut rest = data;
    let take = |rest: &mut &[u8], n: usize, what: &str| -> Result<Vec<u8>, GpError> {
        if rest.len() < n {
            return Err(malformed(format!(
                "{what}: {n} bytes wanted, {} left",
                rest.len()
            )));
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head.to_vec())
    };
    while !rest.is_empty() {
        let [len] =
            <[u8; 1]>::try_from(take(&mut rest, 1, "AID length")?.as_slice()).unwrap_or([0]);
        let aid = take(&mut rest, usize::from(len), "AID")?;
        let life = take(&mut rest, 1, "life cycle")?;
        let privileges = take(&mut rest, 1, "privileges")?;
        let mut modules = Vec::new();
        if scope == Scope::LoadFilesAndModules {
            let count = take(&mut rest, 1, "module count")?;
            for _ in 0..count.first().copied().unwrap_or(0) {
                let n = take(&mut rest, 1, "module AID length")?;
                let m = take(
                    &mut rest,
                    usize::from(n.first().copied().unwrap_or(0)),
                    "module AID",
                )?;
                modules.push(hex::encode(&m));
            }
        }
        let is_file = matches!(scope, Scope::LoadFiles | Scope::LoadFilesAndModules);
        out.push(RegistryEntry {
            scope,
            aid: hex::encode(&aid),
            life_cycle: life.first().copied().unwrap_or(0),
            privileges: if is_file {
                String::new()
            } else {
                hex::encode(&privileges)
            },
            load_file: None,
            version: None,
            modules,
            security_domain: None,
        });
    }
    Ok(out)
}

/// A life cycle state by name (GP 2.3.1 §5.1: card, executable load file, application and
/// security domain states).
pub fn life_cycle_name(scope: Scope, state: u8, security_domain: bool) -> String {
    let name = match (scope, state) {
        (Scope::Isd, 0x01) => "OP_READY",
        (Scope::Isd, 0x07) => "INITIALIZED",
        (Scope::Isd, 0x0F) => "SECURED",
        (Scope::Isd, 0x7F) => "CARD_LOCKED",
        (Scope::Isd, 0xFF) => "TERMINATED",
        (Scope::LoadFiles | Scope::LoadFilesAndModules, 0x01) => "LOADED",
        (Scope::Applications, 0x03) => "INSTALLED",
        (Scope::Applications, 0x07) => "SELECTABLE",
        (Scope::Applications, 0x0F) if security_domain => "PERSONALIZED",
        (Scope::Applications, s) if s & 0x83 == 0x83 => "LOCKED",
        (Scope::Applications, s) if s & 0x87 == 0x07 => {
            return format!("SELECTABLE, application state {:02X}", s);
        }
        _ => return format!("{state:02X}"),
    };
    name.to_string()
}

/// The privileges (GP 2.3.1 Table 6-1), by byte and mask, with their names.
pub const PRIVILEGES: [(usize, u8, u8, &str); 20] = [
    // (byte, mask to test, value, name)
    (0, 0x80, 0x80, "SecurityDomain"),
    (0, 0xC1, 0xC0, "DAPVerification"),
    (0, 0xA0, 0xA0, "DelegatedManagement"),
    (0, 0x10, 0x10, "CardLock"),
    (0, 0x08, 0x08, "CardTerminate"),
    (0, 0x04, 0x04, "CardReset"),
    (0, 0x02, 0x02, "CVMManagement"),
    (0, 0xC1, 0xC1, "MandatedDAPVerification"),
    (1, 0x80, 0x80, "TrustedPath"),
    (1, 0x40, 0x40, "AuthorizedManagement"),
    (1, 0x20, 0x20, "TokenVerification"),
    (1, 0x10, 0x10, "GlobalDelete"),
    (1, 0x08, 0x08, "GlobalLock"),
    (1, 0x04, 0x04, "GlobalRegistry"),
    (1, 0x02, 0x02, "FinalApplication"),
    (1, 0x01, 0x01, "GlobalService"),
    (2, 0x80, 0x80, "ReceiptGeneration"),
    (2, 0x40, 0x40, "CipheredLoadFileDataBlock"),
    (2, 0x20, 0x20, "ContactlessActivation"),
    (2, 0x10, 0x10, "ContactlessSelfActivation"),
];

/// The names of the privileges set in `bytes`.
pub fn privilege_names(bytes: &[u8]) -> Vec<&'static str> {
    PRIVILEGES
        .iter()
        .filter(|(i, mask, value, _)| bytes.get(*i).is_some_and(|b| b & mask == *value))
        .map(|(_, _, _, name)| *name)
        .collect()
}

/// Privileges from a comma-separated list of names (case and `-`/`_` ignored) or from hex
/// (1 or 3 bytes); the result has 3 bytes when any privilege of bytes 2-3 is named.
pub fn parse_privileges(text: &str) -> Result<Vec<u8>, GpError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(vec![0]);
    }
    if let Ok(bytes) = hex::decode(trimmed) {
        if matches!(bytes.len(), 1 | 3) && !trimmed.contains(',') {
            return Ok(bytes);
        }
    }
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let mut out = [0u8; 3];
    let mut wide = false;
    for name in trimmed.split(',') {
        let wanted = norm(name);
        let wanted = match wanted.as_str() {
            "defaultselected" => "cardreset".to_string(),
            "sd" => "securitydomain".to_string(),
            _ => wanted,
        };
        let Some((i, _, value, _)) = PRIVILEGES.iter().find(|(_, _, _, n)| norm(n) == wanted)
        else {
            return Err(GpError::Invalid(format!(
                "unknown privilege {name:?}; known: {}",
                PRIVILEGES
                    .iter()
                    .map(|p| p.3)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        if let Some(b) = out.get_mut(*i) {
            *b |= value;
        }
        wide |= *i > 0;
    }
    Ok(if wide { out.to_vec() } else { vec![out[0]] })
}

/// A registry listing: the issuer security domain, applications and load files.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Registry {
    /// The issuer security domain.
    pub isd: Vec<RegistryEntry>,
    /// Applications and security domains.
    pub applications: Vec<RegistryEntry>,
    /// Executable load files (with their modules when the card reports them).
    pub load_files: Vec<RegistryEntry>,
}

/// The listing in the style of GlobalPlatformPro's `-l`.
impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let privs = |f: &mut fmt::Formatter<'_>, e: &RegistryEntry| -> fmt::Result {
            writeln!(f, "     Privs:   {}", e.privilege_names().join(", "))
        };
        for e in &self.isd {
            writeln!(f, "ISD: {} ({})", e.aid, e.life_cycle_name())?;
            privs(f, e)?;
            writeln!(f)?;
        }
        for e in &self.applications {
            let kind = if e.is_security_domain() { "DOM" } else { "APP" };
            writeln!(f, "{kind}: {} ({})", e.aid, e.life_cycle_name())?;
            if let Some(lf) = &e.load_file {
                writeln!(f, "     From:    {lf}")?;
            }
            if let Some(sd) = &e.security_domain {
                writeln!(f, "     Parent:  {sd}")?;
            }
            privs(f, e)?;
            writeln!(f)?;
        }
        for e in &self.load_files {
            writeln!(f, "PKG: {} ({})", e.aid, e.life_cycle_name())?;
            if let Some(v) = &e.version {
                let shown = match hex::decode(v).as_deref() {
                    Ok([major, minor]) => format!("{major}.{minor}"),
                    _ => v.clone(),
                };
                writeln!(f, "     Version: {shown}")?;
            }
            if let Some(sd) = &e.security_domain {
                writeln!(f, "     Parent:  {sd}")?;
            }
            for m in &e.modules {
                writeln!(f, "     Applet:  {m}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn tagged_entries_parse() {
        // E3 { 4F A000000151000000, 9F70 0F, C5 9EFE80 } as GP 2.3.1 Table 11-36 lays it out.
        let data = h("E3134F08A0000001510000009F70010FC5039EFE80");
        let entries = parse(Scope::Isd, Format::Tagged, &data).unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!(e.aid, "A000000151000000");
        assert_eq!(e.life_cycle_name(), "SECURED");
        assert!(e.privilege_names().contains(&"SecurityDomain"));
        assert!(e.privilege_names().contains(&"CardLock"));
        assert!(e.privilege_names().contains(&"ReceiptGeneration"));
        assert!(!e.privilege_names().contains(&"DAPVerification"));
    }

    #[test]
    fn legacy_entries_parse_with_modules() {
        // Two load files, the first with one module: AID len, AID, life cycle, privileges,
        // module count, (len, AID)...
        let data = h("05A00000006201000108A0000000620101010401020304010000");
        let entries = parse(Scope::LoadFilesAndModules, Format::Legacy, &data).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].modules, vec!["A000000062010101".to_string()]);
        assert_eq!(entries[1].aid, "01020304");
        assert!(parse(Scope::Applications, Format::Legacy, &h("05A000")).is_err());
        assert!(parse(Scope::Isd, Format::Tagged, &h("E303")).is_err());
        assert!(parse(Scope::Isd, Format::Tagged, &h("E1039F7001")).is_err());
    }

    #[test]
    fn privileges_by_name_and_hex() {
        assert_eq!(parse_privileges("").unwrap(), vec![0]);
        assert_eq!(parse_privileges("default-selected").unwrap(), vec![0x04]);
        assert_eq!(
            parse_privileges("CardReset,global-delete").unwrap(),
            vec![0x04, 0x10, 0x00]
        );
        assert_eq!(parse_privileges("C0").unwrap(), vec![0xC0]);
        assert!(parse_privileges("flying").is_err());
        assert_eq!(
            privilege_names(&[0xC1]),
            vec!["SecurityDomain", "MandatedDAPVerification"]
        );
    }
}
