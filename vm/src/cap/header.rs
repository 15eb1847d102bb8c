//! The Header component (§6.3).

use super::common::{CapFormat, PackageInfo};
use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// The CAP file magic number.
pub const MAGIC: u32 = 0xDECA_FFED;

/// The package uses the `int` type.
pub const ACC_INT: u8 = 0x01;
/// The CAP file has an Export component.
pub const ACC_EXPORT: u8 = 0x02;
/// The CAP file has an Applet component.
pub const ACC_APPLET: u8 = 0x04;

/// `header_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderComponent {
    /// CAP format minor version.
    pub minor_version: u8,
    /// CAP format major version.
    pub major_version: u8,
    /// `ACC_INT`, `ACC_EXPORT`, `ACC_APPLET`.
    pub flags: u8,
    /// The package this CAP file defines.
    pub package: PackageInfo,
    /// `package_name_info` (format 2.2 only): the package name in internal form
    /// (`javacard/framework`); may be empty if the package defines no remote interfaces.
    pub package_name: Option<Vec<u8>>,
}

impl HeaderComponent {
    /// The CAP format (2.1 or 2.2).
    pub fn format(&self) -> Option<CapFormat> {
        CapFormat::from_version(self.major_version, self.minor_version)
    }

    /// Whether `ACC_INT` is set.
    pub fn uses_int(&self) -> bool {
        self.flags & ACC_INT != 0
    }

    /// The package name in dotted form from `package_name`, when present and non-empty.
    pub fn package_name_dotted(&self) -> Option<String> {
        self.package_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(|n| String::from_utf8_lossy(n).replace('/', "."))
    }

    /// Parses the `info` item. The format comes from the Header itself.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::HEADER, info);
        let magic_hi = r.u2("magic")?;
        let magic_lo = r.u2("magic")?;
        let magic = u32::from(magic_hi) << 16 | u32::from(magic_lo);
        if magic != MAGIC {
            return Err(r.error_at(0, format!("magic {magic:#010x} is not 0xDECAFFED")));
        }
        let minor_version = r.u1("minor_version")?;
        let major_version = r.u1("major_version")?;
        let format = CapFormat::from_version(major_version, minor_version).ok_or_else(|| {
            r.error_at(
                4,
                format!(
                    "CAP format {major_version}.{minor_version} not supported (2.1 and 2.2 are)"
                ),
            )
        })?;
        let at = r.offset();
        let flags = r.u1("flags")?;
        if flags & !(ACC_INT | ACC_EXPORT | ACC_APPLET) != 0 {
            return Err(r.error_at(at, format!("reserved flag bits set in {flags:#04x}")));
        }
        let package = PackageInfo::read(&mut r)?;
        let package_name = match format {
            CapFormat::V2_1 => None,
            CapFormat::V2_2 => {
                let len = r.u1("package_name name_length")?;
                Some(r.bytes(usize::from(len), "package_name name")?.to_vec())
            }
        };
        r.finish()?;
        Ok(HeaderComponent {
            minor_version,
            major_version,
            flags,
            package,
            package_name,
        })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::HEADER);
        w.bytes(&MAGIC.to_be_bytes());
        w.u1(self.minor_version);
        w.u1(self.major_version);
        w.u1(self.flags);
        self.package.write(&mut w);
        if let Some(name) = &self.package_name {
            w.count_u1(name.len(), u8::MAX, "package name_length");
            w.bytes(name);
        }
        w.finish()
    }
}
