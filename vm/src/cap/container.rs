//! The two containers of a CAP file: the JAR form (§6.1.1: a zip with one
//! `<package path>/javacard/<Component>.cap` entry per component) and the raw form (the
//! components back to back, as a loader sends them).

use super::error::{CapError, Problem};
use super::tag::ComponentTag;
use super::{CapFile, RawComponent};
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u8};
use nom::IResult;
use std::io::{Cursor, Read, Write};

/// Largest JAR accepted, in bytes.
pub const MAX_JAR_SIZE: usize = 16 * 1024 * 1024;
/// Most entries a JAR may have.
pub const MAX_JAR_ENTRIES: usize = 4096;
/// Largest component file: tag, size and a 65535-byte `info`.
const MAX_COMPONENT_FILE: u64 = 3 + 0xFFFF;

/// Whether `bytes` start with a zip local file header (or are an empty zip).
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

type NomError<'a> = nom::error::Error<&'a [u8]>;

fn stream_truncated(
    offset: usize,
    item: &'static str,
    needed: usize,
    available: usize,
) -> CapError {
    CapError::Stream {
        offset,
        problem: Problem::Truncated {
            item,
            needed,
            available,
        },
    }
}

/// Splits the raw form into components.
pub(crate) fn read_ijc(bytes: &[u8]) -> Result<Vec<RawComponent>, CapError> {
    let mut rest = bytes;
    let mut out = Vec::new();
    if bytes.is_empty() {
        return Err(stream_truncated(0, "component tag", 1, 0));
    }
    while !rest.is_empty() {
        let at = bytes.len().saturating_sub(rest.len());
        let r: IResult<&[u8], u8, NomError<'_>> = be_u8(rest);
        let Ok((after_tag, tag)) = r else {
            return Err(stream_truncated(at, "component tag", 1, rest.len()));
        };
        let r: IResult<&[u8], u16, NomError<'_>> = be_u16(after_tag);
        let Ok((after_size, size)) = r else {
            return Err(stream_truncated(
                at.saturating_add(1),
                "component size",
                2,
                after_tag.len(),
            ));
        };
        let r: IResult<&[u8], &[u8], NomError<'_>> = take(usize::from(size))(after_size);
        let Ok((after_info, info)) = r else {
            return Err(stream_truncated(
                at.saturating_add(3),
                "component info",
                usize::from(size),
                after_size.len(),
            ));
        };
        let tag = ComponentTag(tag);
        if !tag.is_standard() && !tag.is_custom() {
            return Err(CapError::Stream {
                offset: at,
                problem: Problem::Invalid(format!("reserved component tag {}", tag.0)),
            });
        }
        out.push(RawComponent {
            tag,
            info: info.to_vec(),
            file_name: None,
        });
        rest = after_info;
    }
    Ok(out)
}

fn jar_err(what: impl Into<String>) -> CapError {
    CapError::Jar(what.into())
}

/// Splits `name` into (package path, file name) when it is `<path>/javacard/<file>.cap` or
/// `javacard/<file>.cap`.
fn component_entry(name: &str) -> Option<(&str, &str)> {
    let (dir, file) = name.rsplit_once('/')?;
    let ext = file.len().checked_sub(4).and_then(|i| file.get(i..))?;
    if !ext.eq_ignore_ascii_case(".cap") {
        return None;
    }
    let (path, last) = match dir.rsplit_once('/') {
        Some((p, l)) => (p, l),
        None => ("", dir),
    };
    last.eq_ignore_ascii_case("javacard")
        .then_some((path, file))
}

/// The bytes of entry `i`, at most one component file's worth however it is compressed.
fn read_entry(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    name: &str,
) -> Result<Vec<u8>, CapError> {
    let mut entry = zip
        .by_index(i)
        .map_err(|e| jar_err(format!("{name}: {e}")))?;
    if entry.size() > MAX_COMPONENT_FILE {
        return Err(jar_err(format!(
            "{name}: {} bytes, more than a component can hold",
            entry.size()
        )));
    }
    let mut data = Vec::new();
    (&mut entry)
        .take(MAX_COMPONENT_FILE.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| jar_err(format!("{name}: {e}")))?;
    if u64::try_from(data.len()).unwrap_or(u64::MAX) > MAX_COMPONENT_FILE {
        return Err(jar_err(format!(
            "{name}: decompresses to more than a component can hold"
        )));
    }
    Ok(data)
}

/// Reads the components of a JAR, bounding every decompressed size.
pub(crate) fn read_jar(bytes: &[u8]) -> Result<(Vec<RawComponent>, String), CapError> {
    if bytes.len() > MAX_JAR_SIZE {
        return Err(jar_err(format!(
            "{} bytes, more than the {MAX_JAR_SIZE} accepted",
            bytes.len()
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| jar_err(e.to_string()))?;
    if zip.len() > MAX_JAR_ENTRIES {
        return Err(jar_err(format!(
            "{} entries, more than the {MAX_JAR_ENTRIES} accepted",
            zip.len()
        )));
    }
    // Standard components fix the package path; other `.cap` files count as custom
    // components only in that same directory and only if their tag says so.
    let mut standard = Vec::new();
    let mut others = Vec::new();
    for i in 0..zip.len() {
        let Some(name) = zip.name_for_index(i) else {
            continue;
        };
        let Some((path, file)) = component_entry(name) else {
            continue;
        };
        match ComponentTag::from_file_name(file) {
            Some(tag) => standard.push((i, name.to_owned(), path.to_owned(), Some(tag))),
            None => others.push((i, name.to_owned(), path.to_owned(), None)),
        }
    }
    let mut package_path: Option<String> = None;
    for (_, name, path, _) in &standard {
        match &package_path {
            Some(p) if p != path => {
                return Err(jar_err(format!(
                    "{name}: components of two packages ({p} and {path})"
                )))
            }
            Some(_) => {}
            None => package_path = Some(path.clone()),
        }
    }
    let path = package_path.ok_or(CapError::Missing(ComponentTag::HEADER))?;
    others.retain(|(_, _, p, _)| *p == path);
    let mut out: Vec<RawComponent> = Vec::new();
    for (i, name, _, expected) in standard.into_iter().chain(others) {
        let data = read_entry(&mut zip, i, &name)?;
        let Some((&tag_byte, after)) = data.split_first() else {
            return Err(jar_err(format!("{name}: empty component file")));
        };
        let tag = match expected {
            Some(t) if t.0 == tag_byte => t,
            Some(t) => {
                return Err(jar_err(format!(
                    "{name}: tag {tag_byte} where the {t} component's tag {} belongs",
                    t.0
                )))
            }
            None if ComponentTag(tag_byte).is_custom() => ComponentTag(tag_byte),
            // Not a component of this CAP file (§6.1.1 lets other files sit in the JAR).
            None => continue,
        };
        let (size, info) = match after {
            [hi, lo, info @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), info),
            _ => return Err(jar_err(format!("{name}: component size cut short"))),
        };
        if size != info.len() {
            return Err(jar_err(format!(
                "{name}: size item {size:#06x} but {:#06x} bytes of info follow",
                info.len()
            )));
        }
        if out.iter().any(|c| c.tag == tag) {
            return Err(CapError::Duplicate(tag));
        }
        let file = name.rsplit_once('/').map_or(name.as_str(), |(_, f)| f);
        out.push(RawComponent {
            tag,
            info: info.to_vec(),
            file_name: Some(file.to_owned()),
        });
    }
    Ok((out, path))
}

fn valid_package_path(p: &str) -> bool {
    !p.is_empty()
        && p.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '-')
        })
}

/// The manifest of the JAR form (JCVM 3.0.5 converter conventions, fixed content).
fn manifest(cap: &CapFile, package_path: &str) -> String {
    let colon_hex = |b: &[u8]| {
        b.iter()
            .map(|x| format!("0x{x:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    let mut m = String::from("Manifest-Version: 1.0\r\n");
    m.push_str(&format!(
        "Java-Card-CAP-File-Version: {}.{}\r\n",
        cap.header.major_version, cap.header.minor_version
    ));
    m.push_str(&format!(
        "Java-Card-Package-Version: {}.{}\r\n",
        cap.header.package.major_version, cap.header.package.minor_version
    ));
    m.push_str(&format!(
        "Java-Card-Package-AID: {}\r\n",
        colon_hex(cap.header.package.aid.as_bytes())
    ));
    m.push_str(&format!(
        "Java-Card-Package-Name: {}\r\n",
        package_path.replace('/', ".")
    ));
    if let Some(applets) = &cap.applet {
        for (i, a) in applets.applets.iter().enumerate() {
            m.push_str(&format!(
                "Java-Card-Applet-{}-AID: {}\r\n",
                i.saturating_add(1),
                colon_hex(a.aid.as_bytes())
            ));
        }
    }
    m.push_str("\r\n");
    m
}

/// Writes the JAR form.
pub(crate) fn write_jar(cap: &CapFile, package_path: &str) -> Result<Vec<u8>, CapError> {
    if !valid_package_path(package_path) {
        return Err(jar_err(format!(
            "package path {package_path:?} is not like com/example/pkg"
        )));
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut entries: Vec<(String, Vec<u8>)> = vec![(
        "META-INF/MANIFEST.MF".into(),
        manifest(cap, package_path).into_bytes(),
    )];
    for tag in ComponentTag::STANDARD {
        if let (true, Some(file)) = (cap.has(tag), tag.file_name()) {
            entries.push((
                format!("{package_path}/javacard/{file}"),
                cap.component_bytes(tag)?,
            ));
        }
    }
    for c in &cap.custom {
        let file = c
            .file_name
            .clone()
            .filter(|f| {
                component_entry(&format!("javacard/{f}")).is_some()
                    && ComponentTag::from_file_name(f).is_none()
                    && !f.contains('/')
            })
            .unwrap_or_else(|| format!("Custom{:02X}.cap", c.tag));
        entries.push((
            format!("{package_path}/javacard/{file}"),
            cap.component_bytes(ComponentTag(c.tag))?,
        ));
    }
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        zw.start_file(name.as_str(), options)
            .map_err(|e| jar_err(format!("{name}: {e}")))?;
        zw.write_all(&data)
            .map_err(|e| jar_err(format!("{name}: {e}")))?;
    }
    let cursor = zw.finish().map_err(|e| jar_err(e.to_string()))?;
    Ok(cursor.into_inner())
}
