//! The registry: the packages loaded on the card and the applet instances installed from
//! them, with their AIDs, life-cycle states and privileges (JCRE 3.0.5 chapter 11 "applet
//! installation and deletion"; GlobalPlatform Card Specification 2.3 §5.3 and §9 for the
//! life cycle and the registry entries the issuer security domain manages).
//!
//! The registry is persistent: it is part of the card state a card image stores, beside the
//! VM's own image (the CAP files and the heap). It records what the card operating system
//! needs to decide selection and deletion without asking the VM.

use serde::{Deserialize, Serialize};

/// The life-cycle state of an application (GlobalPlatform Card Specification 2.3.1 §5.3.1,
/// coded as in Table 11-5): `03` INSTALLED, `07` SELECTABLE, application-specific states
/// `07`–`7F` with the low three bits set, and bit 8 for LOCKED (the state before locking
/// kept in the low bits). A card without a security domain makes every instance SELECTABLE
/// at install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifeCycle(pub u8);

impl LifeCycle {
    /// INSTALLED: present, not yet selectable.
    pub const INSTALLED: LifeCycle = LifeCycle(0x03);
    /// SELECTABLE: SELECT and MANAGE CHANNEL may make it active.
    pub const SELECTABLE: LifeCycle = LifeCycle(0x07);
    /// The LOCKED bit.
    pub const LOCKED_BIT: u8 = 0x80;

    /// Whether an instance in this state can be selected: SELECTABLE or an
    /// application-specific state, and not LOCKED.
    pub fn is_selectable(self) -> bool {
        self.0 & Self::LOCKED_BIT == 0 && self.0 & 0x07 == 0x07
    }

    /// Whether the LOCKED bit is set.
    pub fn is_locked(self) -> bool {
        self.0 & Self::LOCKED_BIT != 0
    }

    /// Whether a security domain may set this state: INSTALLED, SELECTABLE or an
    /// application-specific state, with or without the LOCKED bit.
    pub fn is_valid(self) -> bool {
        let low = self.0 & !Self::LOCKED_BIT;
        low == 0x03 || low & 0x07 == 0x07
    }
}

/// The card life cycle (GlobalPlatform Card Specification 2.3.1 §5.1, Table 11-6 coding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLifeCycle(pub u8);

impl CardLifeCycle {
    /// OP_READY.
    pub const OP_READY: CardLifeCycle = CardLifeCycle(0x01);
    /// INITIALIZED.
    pub const INITIALIZED: CardLifeCycle = CardLifeCycle(0x07);
    /// SECURED.
    pub const SECURED: CardLifeCycle = CardLifeCycle(0x0F);
    /// CARD_LOCKED.
    pub const CARD_LOCKED: CardLifeCycle = CardLifeCycle(0x7F);
    /// TERMINATED.
    pub const TERMINATED: CardLifeCycle = CardLifeCycle(0xFF);

    /// The state coded `b`, when it is one of the five.
    pub fn from_byte(b: u8) -> Option<CardLifeCycle> {
        [
            Self::OP_READY,
            Self::INITIALIZED,
            Self::SECURED,
            Self::CARD_LOCKED,
            Self::TERMINATED,
        ]
        .into_iter()
        .find(|s| s.0 == b)
    }

    /// CARD_LOCKED or TERMINATED: only the issuer security domain may be selected.
    pub fn only_isd(self) -> bool {
        self == Self::CARD_LOCKED || self == Self::TERMINATED
    }

    /// The name GlobalPlatform gives the state.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x01 => "OP_READY",
            0x07 => "INITIALIZED",
            0x0F => "SECURED",
            0x7F => "CARD_LOCKED",
            0xFF => "TERMINATED",
            _ => "unknown",
        }
    }
}

impl Default for CardLifeCycle {
    fn default() -> Self {
        Self::OP_READY
    }
}

/// The privileges of an application, the three bytes of GlobalPlatform Card Specification
/// 2.3.1 Table 6-1 (byte 1: b8 Security Domain, b7 DAP Verification, b6 Delegated
/// Management, b5 Card Lock, b4 Card Terminate, b3 Card Reset, b2 CVM Management, b1
/// Mandated DAP Verification; bytes 2 and 3: the later privileges).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Privileges(pub [u8; 3]);

impl Privileges {
    /// Byte 1, b8: Security Domain.
    pub const SECURITY_DOMAIN: u8 = 0x80;
    /// Byte 1, b5: Card Lock.
    pub const CARD_LOCK: u8 = 0x10;
    /// Byte 1, b4: Card Terminate.
    pub const CARD_TERMINATE: u8 = 0x08;
    /// Byte 1, b3: Card Reset (the default selected application).
    pub const CARD_RESET: u8 = 0x04;
    /// Byte 1, b2: CVM Management.
    pub const CVM_MANAGEMENT: u8 = 0x02;
    /// The issuer security domain's: Security Domain, Card Lock, Card Terminate, Card
    /// Reset, CVM Management (`9E 00 00`).
    pub const ISD: Privileges = Privileges([0x9E, 0x00, 0x00]);

    /// Privileges as INSTALL carries them: one byte (byte 1) or three.
    pub fn from_bytes(bytes: &[u8]) -> Option<Privileges> {
        match *bytes {
            [b1] => Some(Privileges([b1, 0, 0])),
            [b1, b2, b3] => Some(Privileges([b1, b2, b3])),
            _ => None,
        }
    }

    /// The Security Domain privilege.
    pub fn is_security_domain(self) -> bool {
        self.0[0] & Self::SECURITY_DOMAIN != 0
    }

    /// The Card Reset privilege: the card's default selected application.
    pub fn default_selected(self) -> bool {
        self.0[0] & Self::CARD_RESET != 0
    }

    fn set_default_selected(&mut self, on: bool) {
        if on {
            self.0[0] |= Self::CARD_RESET;
        } else {
            self.0[0] &= !Self::CARD_RESET;
        }
    }
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
    /// AIDs of the applet classes it defines (GlobalPlatform's executable modules).
    pub applet_classes: Vec<Vec<u8>>,
    /// The security domain the load file is associated with (empty when loaded on a card
    /// without one).
    pub associated_sd: Vec<u8>,
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
    /// The security domain it is associated with (empty on a card without one).
    pub associated_sd: Vec<u8>,
    /// The VM's id of the instance.
    pub(crate) vm_applet: usize,
}

/// The packages and applet instances of one card, and the card life cycle its security
/// domains manage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    packages: Vec<PackageRecord>,
    applets: Vec<AppletRecord>,
    /// The card life cycle state.
    card_life_cycle: CardLifeCycle,
    /// The issuer security domain's AID, on a card that has one.
    isd: Option<Vec<u8>>,
    /// Historical bytes set by the default selected application (`GPSystem.setATRHistBytes`),
    /// announced in the ATR from the next reset on.
    historical_bytes: Option<Vec<u8>>,
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
            .find(|a| a.privileges.default_selected() && self.may_be_selected(a))
    }

    /// The card life cycle state.
    pub fn card_life_cycle(&self) -> CardLifeCycle {
        self.card_life_cycle
    }

    /// The issuer security domain, on a card that has one.
    pub fn isd(&self) -> Option<&AppletRecord> {
        self.isd.as_deref().and_then(|aid| self.applet(aid))
    }

    /// The historical bytes the default selected application set, if any.
    pub fn historical_bytes(&self) -> Option<&[u8]> {
        self.historical_bytes.as_deref()
    }

    /// Sets the historical bytes of the ATR (1 to 15 bytes, ISO/IEC 7816-3 8.2.2: K is a
    /// nibble); false for any other length.
    pub(crate) fn set_historical_bytes(&mut self, bytes: &[u8]) -> bool {
        if !(1..=15).contains(&bytes.len()) {
            return false;
        }
        self.historical_bytes = Some(bytes.to_vec());
        true
    }

    /// Whether `aid` is the issuer security domain's.
    pub fn is_isd(&self, aid: &[u8]) -> bool {
        self.isd.as_deref() == Some(aid)
    }

    /// Whether an instance may become active: its own life cycle allows it, and on a
    /// CARD_LOCKED or TERMINATED card only the issuer security domain may (GlobalPlatform
    /// 2.3.1 §5.1.1.4–5).
    pub fn may_be_selected(&self, record: &AppletRecord) -> bool {
        record.life_cycle.is_selectable()
            && (!self.card_life_cycle.only_isd() || self.is_isd(&record.aid))
    }

    pub(crate) fn set_card_life_cycle(&mut self, state: CardLifeCycle) {
        self.card_life_cycle = state;
    }

    pub(crate) fn set_isd(&mut self, aid: &[u8]) {
        self.isd = Some(aid.to_vec());
    }

    pub(crate) fn applet_mut(&mut self, aid: &[u8]) -> Option<&mut AppletRecord> {
        self.applets.iter_mut().find(|a| a.aid == aid)
    }

    pub(crate) fn package_mut(&mut self, aid: &[u8]) -> Option<&mut PackageRecord> {
        self.packages.iter_mut().find(|p| p.aid == aid)
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
            .filter(move |a| self.may_be_selected(a) && a.aid.starts_with(&partial))
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
            a.privileges
                .set_default_selected(Some(a.aid.as_slice()) == aid);
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
            life_cycle: LifeCycle::SELECTABLE,
            privileges: Privileges::default(),
            associated_sd: Vec::new(),
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
            associated_sd: Vec::new(),
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
        // GlobalPlatform's LOCKED: bit 8 over SELECTABLE (83 would be a locked INSTALLED).
        r.applets[0].life_cycle = LifeCycle(0x87);
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
        assert!(!r.applets[0].privileges.default_selected());
        assert!(!r.set_default(Some(&[7, 7, 7, 7, 7])));
        assert!(r.set_default(None));
        assert!(r.default_applet().is_none());
    }
}
