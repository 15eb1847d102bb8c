//! GET STATUS records in the tag format (GlobalPlatform Card Specification 2.3.1 §11.4.3.2,
//! Table 11-36): what goes inside each `E3` template.

use crate::registry::Registry;

/// GET STATUS P1 `80`: the issuer security domain.
pub(crate) const KIND_ISD: u8 = 0x80;
/// GET STATUS P1 `40`: applications, security domains included (the ISD is under `80`).
pub(crate) const KIND_APPLICATIONS: u8 = 0x40;
/// GET STATUS P1 `20`: executable load files.
pub(crate) const KIND_LOAD_FILES: u8 = 0x20;
/// GET STATUS P1 `10`: executable load files and their executable modules.
pub(crate) const KIND_LOAD_FILES_AND_MODULES: u8 = 0x10;
/// The life cycle of a load file on the card: LOADED (Table 11-4).
const LOAD_FILE_LOADED: u8 = 0x01;

/// Appends a TLV whose value is under 128 bytes (every value here is: AIDs, states,
/// privileges, versions).
fn put(out: &mut Vec<u8>, tag: &[u8], value: &[u8]) {
    out.extend_from_slice(tag);
    out.push(u8::try_from(value.len()).unwrap_or(0x7F).min(0x7F));
    out.extend_from_slice(value);
}

/// The record of entry `index` of `kind`, in registry order; `None` past the last entry or
/// for an unknown kind.
pub(crate) fn entry(registry: &Registry, kind: u8, index: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match kind {
        KIND_ISD => {
            let isd = registry.isd().filter(|_| index == 0)?;
            put(&mut out, &[0x4F], &isd.aid);
            put(&mut out, &[0x9F, 0x70], &[registry.card_life_cycle().0]);
            put(&mut out, &[0xC5], &isd.privileges.0);
        }
        KIND_APPLICATIONS => {
            let app = registry
                .applets()
                .iter()
                .filter(|a| !registry.is_isd(&a.aid))
                .nth(index)?;
            put(&mut out, &[0x4F], &app.aid);
            put(&mut out, &[0x9F, 0x70], &[app.life_cycle.0]);
            put(&mut out, &[0xC5], &app.privileges.0);
            if !app.associated_sd.is_empty() {
                put(&mut out, &[0xCC], &app.associated_sd);
            }
        }
        KIND_LOAD_FILES | KIND_LOAD_FILES_AND_MODULES => {
            let file = registry.packages().get(index)?;
            put(&mut out, &[0x4F], &file.aid);
            put(&mut out, &[0x9F, 0x70], &[LOAD_FILE_LOADED]);
            put(&mut out, &[0xCE], &[file.version.0, file.version.1]);
            if kind == KIND_LOAD_FILES_AND_MODULES {
                for module in &file.applet_classes {
                    put(&mut out, &[0x84], module);
                }
            }
            if !file.associated_sd.is_empty() {
                put(&mut out, &[0xCC], &file.associated_sd);
            }
        }
        _ => return None,
    }
    Some(out)
}
