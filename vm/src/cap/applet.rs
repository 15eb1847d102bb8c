//! The Applet component (§6.5).

use super::common::Aid;
use super::error::CapError;
use super::reader::Reader;
use super::tag::ComponentTag;
use super::writer::Writer;

/// One entry of the `applets` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppletInfo {
    /// The applet's AID.
    pub aid: Aid,
    /// Offset in the Method component of its `install(byte[],short,byte)` method.
    pub install_method_offset: u16,
}

/// `applet_component`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppletComponent {
    /// The applets defined in the package (at least one).
    pub applets: Vec<AppletInfo>,
}

impl AppletComponent {
    /// Parses the `info` item.
    pub fn parse(info: &[u8]) -> Result<Self, CapError> {
        let mut r = Reader::new(ComponentTag::APPLET, info);
        let count = r.u1("count")?;
        if count == 0 {
            return Err(r.error_at(0, "count is zero (the component must then be absent)"));
        }
        r.check_table(usize::from(count), 8, "applets")?;
        let mut applets = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let aid = Aid::read(&mut r)?;
            let install_method_offset = r.u2("install_method_offset")?;
            applets.push(AppletInfo {
                aid,
                install_method_offset,
            });
        }
        r.finish()?;
        Ok(AppletComponent { applets })
    }

    /// Encodes the `info` item.
    pub fn info_bytes(&self) -> Result<Vec<u8>, CapError> {
        let mut w = Writer::new(ComponentTag::APPLET);
        w.count_u1(self.applets.len(), u8::MAX, "count");
        for a in &self.applets {
            a.aid.write(&mut w);
            w.u2(a.install_method_offset);
        }
        w.finish()
    }
}
