//! The Import component (§6.6).

use super::common::PackageInfo;
use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// `import_component`: the imported packages; an index into `packages` is a package token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportComponent {
    /// Imported packages (at most 128).
    pub packages: Vec<PackageInfo>,
}

impl ImportComponent {
    /// The package a package token names.
    pub fn package(&self, package_token: u8) -> Option<&PackageInfo> {
        self.packages.get(usize::from(package_token))
    }

    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::IMPORT, info);
        let count = r.u1("count")?;
        if count > 128 {
            return Err(r.error_at(0, format!("count {count} is more than 128")));
        }
        r.check_table(usize::from(count), 7, "packages")?;
        let mut packages = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            packages.push(PackageInfo::read(&mut r)?);
        }
        r.finish()?;
        Ok(ImportComponent { packages })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::IMPORT);
        w.count_u1(self.packages.len(), 128, "count");
        for p in &self.packages {
            p.write(&mut w);
        }
        w.finish()
    }
}
