//! Resolving the packages a CAP file imports to their export data.
//!
//! Binary compatibility (JCVM §4.5.2): an import of version `major.minor` is satisfied by a
//! package with the same AID, the same major version and a minor version at least as high.

use crate::api;
use crate::export::PackageView;

/// Supplies the export data of packages a CAP file may import: the built-in API packages and
/// user packages from their export files.
pub trait ImportResolver {
    /// The package with this AID, if known.
    fn package(&self, aid: &[u8]) -> Option<&PackageView>;

    /// The package with this `/`-separated name, if known. Used to classify classes named
    /// only in other packages' superclass lists; the default knows none.
    fn package_by_name(&self, name: &str) -> Option<&PackageView> {
        let _ = name;
        None
    }
}

impl ImportResolver for [PackageView] {
    fn package(&self, aid: &[u8]) -> Option<&PackageView> {
        self.iter().find(|v| v.aid == aid)
    }

    fn package_by_name(&self, name: &str) -> Option<&PackageView> {
        self.iter().find(|v| v.name == name)
    }
}

impl ImportResolver for Vec<PackageView> {
    fn package(&self, aid: &[u8]) -> Option<&PackageView> {
        self.as_slice().package(aid)
    }

    fn package_by_name(&self, name: &str) -> Option<&PackageView> {
        self.as_slice().package_by_name(name)
    }
}

impl ImportResolver for [&PackageView] {
    fn package(&self, aid: &[u8]) -> Option<&PackageView> {
        self.iter().copied().find(|v| v.aid == aid)
    }

    fn package_by_name(&self, name: &str) -> Option<&PackageView> {
        self.iter().copied().find(|v| v.name == name)
    }
}

/// The built-in Java Card 3.0.5 and GlobalPlatform 1.6 packages plus user packages; user
/// packages are searched first.
#[derive(Debug, Clone, Default)]
pub struct ImportSet {
    builtin: Option<&'static api::Api>,
    user: Vec<PackageView>,
}

impl ImportSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in API packages.
    pub fn builtin() -> Result<Self, &'static api::ApiError> {
        Ok(ImportSet {
            builtin: Some(api::builtin()?),
            user: Vec::new(),
        })
    }

    /// Adds a user package (from its export file).
    pub fn add(&mut self, view: PackageView) {
        self.user.push(view);
    }

    /// Adds a user package, builder style.
    pub fn with(mut self, view: PackageView) -> Self {
        self.add(view);
        self
    }

    /// The user packages added so far.
    pub fn user_packages(&self) -> &[PackageView] {
        &self.user
    }
}

impl ImportResolver for ImportSet {
    fn package(&self, aid: &[u8]) -> Option<&PackageView> {
        self.user
            .iter()
            .find(|v| v.aid == aid)
            .or_else(|| self.builtin.and_then(|a| a.view_by_aid(aid)))
    }

    fn package_by_name(&self, name: &str) -> Option<&PackageView> {
        self.user
            .iter()
            .find(|v| v.name == name)
            .or_else(|| self.builtin.and_then(|a| a.view_by_name(name)))
    }
}

/// Whether a package of version `available` satisfies an import of version `imported`.
pub fn compatible(imported: (u8, u8), available: (u8, u8)) -> bool {
    imported.0 == available.0 && available.1 >= imported.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_compatibility() {
        // JCVM §4.5.2: same major version, minor version at least the imported one.
        assert!(compatible((1, 0), (1, 0)));
        assert!(compatible((1, 2), (1, 6)));
        assert!(!compatible((1, 3), (1, 2)));
        assert!(!compatible((1, 0), (2, 0)));
        assert!(!compatible((2, 0), (1, 9)));
    }

    #[test]
    fn user_packages_come_before_built_in_ones() {
        let set = ImportSet::builtin().unwrap();
        let framework = [0xA0, 0x00, 0x00, 0x00, 0x62, 0x01, 0x01];
        let builtin = set.package(&framework).unwrap().clone();
        assert_eq!(builtin.name, "javacard/framework");
        let mut mine = builtin.clone();
        mine.version.minor = 99;
        let set = set.with(mine);
        assert_eq!(set.package(&framework).unwrap().version.minor, 99);
        assert_eq!(
            set.package_by_name("javacard/framework")
                .unwrap()
                .version
                .minor,
            99
        );
        assert!(ImportSet::new().package(&framework).is_none());
    }
}
