//! A readable listing of the file tree with access conditions, for `jcos fs tree`. Contents
//! of working EFs are shown (long ones cut); internal EFs show what they are, never what they
//! hold.

use super::access::{Condition, DF_MODE_NAMES, EF_MODE_NAMES, SECRET_MODE_NAMES};
use super::model::{EfBody, FileSystem, KeyAlgorithm, NodeId, NodeKind, RecordKind, SecretKind};
use jcos_apdu::hex;
use std::fmt::Write;

/// Longest run of content bytes shown for one file.
const SHOWN_BYTES: usize = 32;

fn shown(bytes: &[u8]) -> String {
    let cut = bytes.get(..SHOWN_BYTES).unwrap_or(bytes);
    let mut text = hex::encode(cut);
    if cut.len() < bytes.len() {
        text.push_str("...");
    }
    text
}

/// Access conditions grouped by condition: `read: always; update, write: pin 1; ...`.
fn access_text(conditions: &[Condition; 7], names: &[&str; 7]) -> String {
    let mut groups: Vec<(&Condition, Vec<&str>)> = Vec::new();
    for (c, name) in conditions.iter().zip(names) {
        match groups.iter_mut().find(|(g, _)| *g == c) {
            Some((_, list)) => list.push(name),
            None => groups.push((c, vec![name])),
        }
    }
    groups
        .into_iter()
        .map(|(c, list)| format!("{}: {c}", list.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe(fs: &FileSystem, id: NodeId) -> String {
    let Some(node) = fs.node(id) else {
        return String::new();
    };
    let fid = node.fid.map_or("----".to_string(), |f| format!("{f:04X}"));
    let mut line = String::new();
    // Records and data objects, one a line, go after the access conditions.
    let mut details = String::new();
    let names = match &node.kind {
        NodeKind::Df(df) => {
            let _ = write!(line, "{fid} {}", if id == NodeId::MF { "MF" } else { "DF" });
            if let Some(name) = &df.name {
                let _ = write!(line, " name {}", hex::encode(name));
            }
            if let Some(reserved) = df.reserved {
                let _ = write!(
                    line,
                    ", {reserved} bytes reserved ({} used)",
                    fs.contents_used(id)
                );
            }
            &DF_MODE_NAMES
        }
        NodeKind::Ef(ef) => {
            let _ = write!(
                line,
                "{fid} {}EF",
                if ef.internal { "internal " } else { "" }
            );
            if let Some(sfi) = ef.sfi {
                let _ = write!(line, " SFI {sfi}");
            }
            match &ef.body {
                EfBody::Transparent { data, .. } if ef.internal => {
                    let _ = write!(line, " transparent, {} bytes (contents hidden)", data.len());
                }
                EfBody::Transparent { data, .. } => {
                    let _ = write!(line, " transparent, {} bytes: {}", data.len(), shown(data));
                }
                EfBody::Records {
                    kind,
                    record_len,
                    max_records,
                    records,
                    ..
                } => {
                    let k = match kind {
                        RecordKind::LinearFixed => "linear fixed",
                        RecordKind::LinearVariable => "linear variable",
                        RecordKind::Cyclic => "cyclic",
                    };
                    let _ = write!(
                        line,
                        " {k}, {}/{max_records} records of {record_len} bytes",
                        records.len()
                    );
                    for (i, r) in records.iter().enumerate() {
                        let _ = write!(
                            details,
                            "\n      record {}: {}",
                            i.saturating_add(1),
                            shown(r)
                        );
                    }
                }
                EfBody::BerTlv { max_size, objects } => {
                    let _ = write!(
                        line,
                        " BER-TLV, {} objects, at most {max_size} bytes",
                        objects.len()
                    );
                    for o in objects {
                        let _ = write!(details, "\n      {:X}: {}", o.tag, shown(&o.value));
                    }
                }
                EfBody::Secret(s) => {
                    let what = match s.kind {
                        SecretKind::Pin => "PIN".to_string(),
                        SecretKind::Key(KeyAlgorithm::Aes) => "AES key".to_string(),
                        SecretKind::Key(KeyAlgorithm::Des3) => "3DES key".to_string(),
                    };
                    let _ = write!(line, " {what} {}", s.reference);
                    let _ = match (s.max_retries, &s.value) {
                        (_, None) => write!(line, ", not set"),
                        (0, Some(_)) => write!(line, ", no try limit"),
                        (max, Some(_)) => write!(line, ", {}/{max} tries left", s.remaining),
                    };
                    if let Some(u) = s.unblock {
                        let _ = write!(line, ", reset by PIN {u}");
                    }
                    let _ = write!(line, " (value hidden)");
                }
            }
            if matches!(ef.body, EfBody::Secret(_)) {
                &SECRET_MODE_NAMES
            } else {
                &EF_MODE_NAMES
            }
        }
    };
    // Rules kept in EF.ARR are listed as the reference and what it names now.
    let access = match node.rules.reference() {
        Some(r) => {
            let resolved = fs.referenced_rules(fs.home_df(id), r);
            format!(
                "{} = {}",
                r.to_text(),
                access_text(resolved.conditions(), names)
            )
        }
        None => access_text(node.rules.conditions(), names),
    };
    let _ = write!(line, " [{}] {{{access}}}", node.lcs);
    line.push_str(&details);
    line
}

/// The tree, one file a line, indented by depth. Each file is listed once, so even a damaged
/// tree whose DFs list each other ends.
pub fn render(fs: &FileSystem) -> String {
    let mut out = String::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![(NodeId::MF, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let indent = "  ".repeat(depth);
        let text = describe(fs, id).replace("\n      ", &format!("\n{indent}      "));
        let _ = writeln!(out, "{indent}{text}");
        for child in fs.children(id).iter().rev() {
            stack.push((*child, depth.saturating_add(1)));
        }
    }
    out
}
