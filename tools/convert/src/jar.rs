//! Deterministic jar files: fixed entry order (sorted), fixed timestamps, deflated entries.

use std::io::{Cursor, Write};
use std::path::Path;

/// Writes a jar holding `entries` (name, bytes) after a `META-INF/MANIFEST.MF`.
pub fn write_jar(entries: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut sorted: Vec<&(String, Vec<u8>)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    zw.start_file("META-INF/MANIFEST.MF", options)
        .map_err(std::io::Error::other)?;
    zw.write_all(b"Manifest-Version: 1.0\r\nCreated-By: jcos\r\n\r\n")?;
    for (name, bytes) in sorted {
        zw.start_file(name.as_str(), options)
            .map_err(std::io::Error::other)?;
        zw.write_all(bytes)?;
    }
    let cursor = zw.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

/// Every file under `dir` as a jar entry named by its `/`-separated relative path.
pub fn entries_under(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    crate::javac::collect(dir, "class", &mut files)?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let rel = f
            .strip_prefix(dir)
            .map_err(std::io::Error::other)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.push((rel, std::fs::read(&f)?));
    }
    Ok(out)
}
