//! The registry: the packages loaded on the card and the applet instances installed from
//! them, with their AIDs, life-cycle states and privileges (JCRE 3.0.5 chapter 11 "applet
//! installation and deletion"; GlobalPlatform Card Specification 2.3 §5.3 and §9 for the
//! life cycle and the registry entries the issuer security domain will manage).
//!
//! The registry is persistent: it is part of the card state a card image stores, beside the
//! VM's own image (the CAP files and the heap). It records what the card operating system
//! needs to decide selection and deletion without asking the VM.

use serde::{Deserialize, Serialize};

/// The life-cycle state of an applet instance (GlobalPlatform 2.3 §5.3.1, application life
/// cycle). A card without GlobalPlatform makes every instance SELECTABLE at install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifeCycle {
    /// Installed but not yet selectable.
    Installed,
    /// Selectable: SELECT and MANAGE CHANNEL may make it active.
    Selectable,
    /// Locked: present but never selected.
    Locked,
}

impl LifeCycle {
    /// Whether an instance in this state can be selected.
    pub fn is_selectable(self) -> bool {
        self == LifeCycle::Selectable
    }
}

/// Privileges of an applet instance; GlobalPlatform defines more, the runtime uses these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Privileges {
    /// Card Reset (default selected): the instance is the card's default applet, active on
    /// the basic channel after reset and on channels opened from the basic channel.
    pub default_selected: bool,
}

/// A package loaded on the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRecord {
    /// The package AID.
    pub aid: Vec<u8>,
    /// The package name (`/`-separated) when the CAP file records it.
    pub name: String,
    /// Major and minor version.
    pub version: (u8, u8),
    /// AIDs of the packages it imports (API packages included).
    pub imports: Vec<Vec<u8>>,
    /// AIDs of the applet classes it defines.
    pub applet_classes: Vec<Vec<u8>>,
    /// The VM's id of the package.
    pub(crate) vm_package: u16,
}

/// An applet instance installed on the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppletRecord {
    /// The instance AID (what SELECT names).
    pub aid: Vec<u8>,
    /// The AID of its applet class.
    pub class_aid: Vec<u8>,
    /// The AID of the package defining the class.
    pub package_aid: Vec<u8>,
    /// Its life-cycle state.
    pub life_cycle: LifeCycle,
    /// Its privileges.
    pub privileges: Privileges,
    /// The VM's id of the instance.
    pub(crate) vm_applet: usize,
}

/// The packages and applet instances of one card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    packages: Vec<PackageRecord>,
    applets: Vec<AppletRecord>,
}

impl Registry {
    /// The loaded packages, in load order.
    pub fn packages(&self) -> &[PackageRecord] {
        &self.packages
    }

    /// The installed applet instances, in install order (the order of partial-AID SELECT
    /// occurrences).
    pub fn applets(&self) -> &[AppletRecord] {
        &self.applets
    }

    /// The package with this AID.
    pub fn package(&self, aid: &[u8]) -> Option<&PackageRecord> {
        self.packages.iter().find(|p| p.aid == aid)
    }

    /// The applet instance with this AID.
    pub fn applet(&self, aid: &[u8]) -> Option<&AppletRecord> {
        self.applets.iter().find(|a| a.aid == aid)
    }

    /// The card's default applet: the selectable instance with the default-selected
    /// privilege.
    pub fn default_applet(&self) -> Option<&AppletRecord> {
        self.applets
            .iter()
            .find(|a| a.privileges.default_selected && a.life_cycle.is_selectable())
    }

    /// Whether a package or an applet instance already uses `aid`.
    pub fn aid_in_use(&self, aid: &[u8]) -> bool {
        self.package(aid).is_some() || self.applet(aid).is_some()
    }

    /// Whether a loaded package defines an applet class with this AID.
    pub fn defines_class(&self, aid: &[u8]) -> bool {
        self.packages
            .iter()
            .any(|p| p.applet_classes.iter().any(|c| c == aid))
    }

    /// The packages that import the package `aid`.
    pub fn importers(&self, aid: &[u8]) -> impl Iterator<Item = &PackageRecord> + '_ {
        let aid = aid.to_vec();
        self.packages
            .iter()
            .filter(move |p| p.imports.contains(&aid))
    }

    /// The instances of applet classes of package `aid`.
    pub fn instances_of(&self, aid: &[u8]) -> impl Iterator<Item = &AppletRecord> + '_ {
        let aid = aid.to_vec();
        self.applets.iter().filter(move |a| a.package_aid == aid)
    }

    /// The selectable instances whose AID starts with `partial` (JCRE 3.0.5 §4.5.2: the
    /// SELECT data may be a partial AID), in install order.
    pub(crate) fn matching(&self, partial: &[u8]) -> impl Iterator<Item = &AppletRecord> + '_ {
        let partial = partial.to_vec();
        self.applets
            .iter()
            .filter(move |a| a.life_cycle.is_selectable() && a.aid.starts_with(&partial))
    }

    pub(crate) fn add_package(&mut self, record: PackageRecord) {
        self.packages.push(record);
    }

    pub(crate) fn add_applet(&mut self, record: AppletRecord) {
        self.applets.push(record);
    }

    pub(crate) fn remove_applet(&mut self, aid: &[u8]) -> Option<AppletRecord> {
        let i = self.applets.iter().position(|a| a.aid == aid)?;
        Some(self.applets.remove(i))
    }

    pub(crate) fn remove_package(&mut self, aid: &[u8]) -> Option<PackageRecord> {
        let i = self.packages.iter().position(|p| p.aid == aid)?;
        Some(self.packages.remove(i))
    }

    /// Makes `aid` the card's default applet (or no applet), clearing the privilege of the
    /// previous one; `false` when no instance has that AID.
    pub(crate) fn set_default(&mut self, aid: Option<&[u8]>) -> bool {
        if aid.is_some_and(|aid| self.applet(aid).is_none()) {
            return false;
        }
        for a in &mut self.applets {
            a.privileges.default_selected = Some(a.aid.as_slice()) == aid;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applet(aid: &[u8], package: &[u8], vm: usize) -> AppletRecord {
        AppletRecord {
            aid: aid.to_vec(),
            class_aid: aid.to_vec(),
            package_aid: package.to_vec(),
            life_cycle: LifeCycle::Selectable,
            privileges: Privileges::default(),
            vm_applet: vm,
        }
    }

    fn package(aid: &[u8], imports: &[&[u8]]) -> PackageRecord {
        PackageRecord {
            aid: aid.to_vec(),
            name: String::new(),
            version: (1, 0),
            imports: imports.iter().map(|i| i.to_vec()).collect(),
            applet_classes: Vec::new(),
            vm_package: 0,
        }
    }

    #[test]
    fn partial_aids_match_in_install_order_and_skip_unselectable() {
        let mut r = Registry::default();
        r.add_applet(applet(&[1, 2, 3, 4, 5, 1], &[1, 2, 3, 4, 5], 0));
        r.add_applet(applet(&[1, 2, 3, 4, 6], &[1, 2, 3, 4, 6], 1));
        r.add_applet(applet(&[1, 2, 3, 4, 5, 2], &[1, 2, 3, 4, 5], 2));
        let found: Vec<usize> = r.matching(&[1, 2, 3, 4, 5]).map(|a| a.vm_applet).collect();
        assert_eq!(found, vec![0, 2]);
        assert_eq!(r.matching(&[1, 2, 3, 4]).count(), 3);
        assert_eq!(r.matching(&[1, 2, 3, 4, 5, 1, 0]).count(), 0);
        r.applets[0].life_cycle = LifeCycle::Locked;
        let found: Vec<usize> = r.matching(&[1, 2, 3, 4, 5]).map(|a| a.vm_applet).collect();
        assert_eq!(found, vec![2]);
    }

    #[test]
    fn references_between_packages_and_instances() {
        let mut r = Registry::default();
        r.add_package(package(&[9, 9, 9, 9, 1], &[]));
        r.add_package(package(&[9, 9, 9, 9, 2], &[&[9, 9, 9, 9, 1]]));
        r.add_applet(applet(&[9, 9, 9, 9, 2, 1], &[9, 9, 9, 9, 2], 0));
        assert_eq!(r.importers(&[9, 9, 9, 9, 1]).count(), 1);
        assert_eq!(r.importers(&[9, 9, 9, 9, 2]).count(), 0);
        assert_eq!(r.instances_of(&[9, 9, 9, 9, 2]).count(), 1);
        assert!(r.aid_in_use(&[9, 9, 9, 9, 1]));
        assert!(r.aid_in_use(&[9, 9, 9, 9, 2, 1]));
        assert!(!r.aid_in_use(&[9, 9, 9, 9, 3]));
    }

    #[test]
    fn one_default_applet_at_a_time() {
        let mut r = Registry::default();
        r.add_applet(applet(&[1, 1, 1, 1, 1], &[1, 1, 1, 1], 0));
        r.add_applet(applet(&[1, 1, 1, 1, 2], &[1, 1, 1, 1], 1));
        assert!(r.default_applet().is_none());
        assert!(r.set_default(Some(&[1, 1, 1, 1, 1])));
        assert!(r.set_default(Some(&[1, 1, 1, 1, 2])));
        assert_eq!(r.default_applet().map(|a| a.vm_applet), Some(1));
        assert!(!r.applets[0].privileges.default_selected);
        assert!(!r.set_default(Some(&[7, 7, 7, 7, 7])));
        assert!(r.set_default(None));
        assert!(r.default_applet().is_none());
    }
}
