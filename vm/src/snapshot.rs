//! The VM's part of a card image, and the NVM controls the card operating system drives:
//! snapshot and restore, change deltas for an image journal, tears and power-up.
//!
//! An image keeps what a card keeps in its NVM: the loaded packages as their CAP
//! components (not the linked translation, which [`Vm::restore`] rebuilds by linking them
//! again in the same order, so every class, method and static segment gets the same
//! number — ARCHITECTURE decision 9), the heap with its static images and transaction
//! journal, and the JCRE's applet table. The interpreter's stack and the state of the
//! command being processed are RAM and are not kept.

use serde::{Deserialize, Serialize};

use crate::cap::CapFile;
use crate::heap::{Body, ContextId, DeltaError, Heap, HeapDelta, ObjRef, Recovery};
use crate::link::LoadError;
use crate::native::AppletEntry;
use crate::program::PackageId;
use crate::vm::{Vm, VmConfig, VmError};

/// Version of [`VmImage`] and [`VmDelta`]: their layout and the numbering of the built-in
/// classes, methods and static segments that the kept heap's objects refer to (version 2:
/// the `org.globalplatform` implementation classes shift every user class id). A
/// different one is refused.
pub const VM_IMAGE_VERSION: u32 = 2;

/// A loaded user package as the image keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPackage {
    /// The CAP file in raw component form (`CapFile::to_ijc_bytes`).
    pub cap: Vec<u8>,
    /// The package was deleted from the registry (its ids stay taken).
    pub retired: bool,
}

/// A registered applet instance as the image keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedApplet {
    /// The applet object.
    pub instance: ObjRef,
    /// Its instance AID.
    pub aid: Vec<u8>,
    /// The JCRE-owned AID object.
    pub aid_object: ObjRef,
    /// The applet's context.
    pub context: ContextId,
    /// The instance was deleted.
    pub deleted: bool,
}

impl SavedApplet {
    fn of(e: &AppletEntry) -> SavedApplet {
        SavedApplet {
            instance: e.instance,
            aid: e.aid.clone(),
            aid_object: e.aid_object,
            context: e.context,
            deleted: e.deleted,
        }
    }

    fn entry(&self) -> AppletEntry {
        AppletEntry {
            instance: self.instance,
            aid: self.aid.clone(),
            aid_object: self.aid_object,
            context: self.context,
            deleted: self.deleted,
        }
    }
}

/// The JCRE objects every VM creates first; an image made by a VM that creates them
/// differently cannot be attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct JcreObjects {
    apdu: ObjRef,
    apdu_buffer: ObjRef,
}

/// The persistent state of a [`Vm`] (serde; the card image stores it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VmImage {
    version: u32,
    packages: Vec<SavedPackage>,
    jcre: JcreObjects,
    applets: Vec<SavedApplet>,
    heap: Heap,
}

impl VmImage {
    /// The packages, in load order.
    pub fn packages(&self) -> &[SavedPackage] {
        &self.packages
    }

    /// The applet table.
    pub fn applets(&self) -> &[SavedApplet] {
        &self.applets
    }

    /// The heap.
    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// Brings the image up to date with a delta taken from the VM it was saved from (or
    /// restored into), so that replaying an image journal needs no VM: packages are only
    /// linked once, by the final [`Vm::restore`]. Nothing changes when the delta does not
    /// fit.
    pub fn apply_delta(&mut self, delta: VmDelta) -> Result<(), RestoreError> {
        if delta.version != VM_IMAGE_VERSION {
            return Err(RestoreError::Version {
                found: delta.version,
            });
        }
        let total = self.packages.len().saturating_add(delta.loaded.len());
        if let Some(bad) = delta.retired.iter().find(|i| **i as usize >= total) {
            return Err(RestoreError::Mismatch(format!(
                "no package {bad} to retire"
            )));
        }
        self.heap.apply_delta(delta.heap)?;
        self.packages.extend(delta.loaded);
        for index in delta.retired {
            if let Some(p) = self.packages.get_mut(index as usize) {
                p.retired = true;
            }
        }
        if let Some(applets) = delta.applets {
            self.applets = applets;
        }
        Ok(())
    }
}

/// What changed in a VM since the previous delta ([`Vm::take_delta`]): packages loaded or
/// retired, the applet table when it changed, and the heap's changed objects. Applying the
/// deltas in order to the VM restored from the image they started from reproduces the VM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VmDelta {
    version: u32,
    /// Packages loaded since the previous delta, in load order.
    loaded: Vec<SavedPackage>,
    /// Indices (in load order) of packages retired since the previous delta.
    retired: Vec<u32>,
    /// The whole applet table, when it changed.
    applets: Option<Vec<SavedApplet>>,
    heap: HeapDelta,
}

impl VmDelta {
    /// Whether the delta changes nothing persistent.
    pub fn is_empty(&self) -> bool {
        self.loaded.is_empty()
            && self.retired.is_empty()
            && self.applets.is_none()
            && self.heap.is_empty()
    }
}

/// What the image holds that the next delta is taken against (kept by the caller between
/// deltas).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeltaBase {
    packages: usize,
    retired: Vec<bool>,
    applets: Vec<SavedApplet>,
}

/// Why a VM cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// A loaded CAP file cannot be written back in component form.
    #[error("package {index}: cannot write its CAP file: {detail}")]
    Cap {
        /// Position in load order.
        index: usize,
        /// The writer's error.
        detail: String,
    },
}

/// Why an image or delta cannot be attached to a VM.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RestoreError {
    /// The image or delta has another layout version.
    #[error(
        "VM image version {found} is not supported (this VM reads version {VM_IMAGE_VERSION})"
    )]
    Version {
        /// The version found.
        found: u32,
    },
    /// The VM cannot be created.
    #[error(transparent)]
    Vm(#[from] VmError),
    /// A kept CAP file does not parse.
    #[error("package {index}: {detail}")]
    Cap {
        /// Position in load order.
        index: usize,
        /// The parser's error.
        detail: String,
    },
    /// A kept CAP file does not load (link) again.
    #[error("package {index}: {error}")]
    Load {
        /// Position in load order.
        index: usize,
        /// The loader's error.
        error: Box<LoadError>,
    },
    /// The image does not fit the VM that links its packages: another API version, memory
    /// layout or JCRE.
    #[error("image does not match this VM: {0}")]
    Mismatch(String),
    /// A heap delta does not fit.
    #[error("heap delta: {0}")]
    Delta(#[from] DeltaError),
}

impl Vm {
    /// The VM's persistent state: loaded packages, heap, applet table.
    pub fn snapshot(&self) -> Result<VmImage, SnapshotError> {
        Ok(VmImage {
            version: VM_IMAGE_VERSION,
            packages: self.saved_packages(0)?,
            jcre: JcreObjects {
                apdu: self.jcre.apdu,
                apdu_buffer: self.jcre.apdu_buffer,
            },
            applets: self.saved_applets(),
            heap: self.heap.clone(),
        })
    }

    /// Rebuilds a VM from an image: a new VM with `config`'s limits links the kept CAP files
    /// again in load order, then takes the image's heap and applet table. The heap is as
    /// the image has it — an interrupted transaction is still open and is rolled back by
    /// the next [`Vm::reset`] (power-up) — except that transient arrays start cleared, since
    /// RAM does not survive.
    pub fn restore(image: VmImage, config: VmConfig) -> Result<Vm, RestoreError> {
        if image.version != VM_IMAGE_VERSION {
            return Err(RestoreError::Version {
                found: image.version,
            });
        }
        let mut vm = Vm::with_config(config)?;
        vm.load_saved(&image.packages, 0)?;
        if vm.jcre.apdu != image.jcre.apdu || vm.jcre.apdu_buffer != image.jcre.apdu_buffer {
            return Err(RestoreError::Mismatch(
                "the JCRE objects were created differently".into(),
            ));
        }
        if vm.heap.static_segments() != image.heap.static_segments() {
            return Err(RestoreError::Mismatch(format!(
                "{} static segments linked, {} kept",
                vm.heap.static_segments(),
                image.heap.static_segments()
            )));
        }
        vm.heap = image.heap;
        vm.heap.normalise();
        vm.heap.clear_transients();
        if let Ok(len) = vm.heap.array_length(vm.jcre.apdu_buffer, ContextId::JCRE) {
            vm.jcre.apdu_buffer_size = usize::try_from(len).unwrap_or(0);
        }
        vm.set_applets(&image.applets)?;
        Ok(vm)
    }

    /// Starts recording changes for [`Vm::take_delta`], against the state as it is now
    /// (which the caller has just saved).
    pub fn begin_deltas(&mut self) -> DeltaBase {
        self.heap.track_changes(true);
        DeltaBase {
            packages: self.caps.len(),
            retired: self.retired_flags(),
            applets: self.saved_applets(),
        }
    }

    /// The changes since `base`, which is brought up to date.
    pub fn take_delta(&mut self, base: &mut DeltaBase) -> Result<VmDelta, SnapshotError> {
        let loaded = self.saved_packages(base.packages)?;
        let retired_now = self.retired_flags();
        let retired = retired_now
            .iter()
            .enumerate()
            .filter(|(i, r)| **r && !base.retired.get(*i).copied().unwrap_or(false))
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        let applets_now = self.saved_applets();
        let applets = (applets_now != base.applets).then(|| applets_now.clone());
        base.packages = self.caps.len();
        base.retired = retired_now;
        base.applets = applets_now;
        Ok(VmDelta {
            version: VM_IMAGE_VERSION,
            loaded,
            retired,
            applets,
            heap: self.heap.take_delta(),
        })
    }

    /// Applies a delta taken from a VM that was in this VM's state (replaying an image
    /// journal). On error the VM may be partly updated and must be discarded.
    pub fn apply_delta(&mut self, delta: VmDelta) -> Result<(), RestoreError> {
        if delta.version != VM_IMAGE_VERSION {
            return Err(RestoreError::Version {
                found: delta.version,
            });
        }
        let first = self.caps.len();
        self.load_saved(&delta.loaded, first)?;
        for index in delta.retired {
            self.retire_saved(index as usize)?;
        }
        self.heap.apply_delta(delta.heap)?;
        self.heap.normalise();
        if let Some(applets) = delta.applets {
            self.set_applets(&applets)?;
        }
        Ok(())
    }

    /// Arms a tear: after `writes` more persistent writes complete, the power is cut during
    /// the next one (see [`Heap::arm_tear`]). The VM then stops with
    /// [`crate::interp::Trap::PowerLoss`].
    pub fn arm_tear(&mut self, writes: u64) {
        self.heap.arm_tear(writes);
    }

    /// Disarms a pending tear.
    pub fn disarm_tear(&mut self) {
        self.heap.disarm_tear();
    }

    /// Whether a tear cut the power: the card must stop answering until it is powered up
    /// again ([`Vm::power_up`]).
    pub fn power_lost(&self) -> bool {
        self.heap.power_lost()
    }

    /// Powers the VM up after a tear or at the start of a card session: the card reset of
    /// [`Vm::reset`], reporting what the heap's recovery repaired.
    pub fn power_up(&mut self) -> Recovery {
        let recovery = self.heap.power_up();
        self.reset();
        recovery
    }

    fn saved_packages(&self, from: usize) -> Result<Vec<SavedPackage>, SnapshotError> {
        let retired = self.retired_flags();
        self.caps
            .iter()
            .enumerate()
            .skip(from)
            .map(|(index, cap)| {
                Ok(SavedPackage {
                    cap: cap.to_ijc_bytes().map_err(|e| SnapshotError::Cap {
                        index,
                        detail: e.to_string(),
                    })?,
                    retired: retired.get(index).copied().unwrap_or(false),
                })
            })
            .collect()
    }

    /// Retired flags of the user packages, in load order.
    fn retired_flags(&self) -> Vec<bool> {
        self.program
            .packages
            .iter()
            .filter(|p| !p.builtin)
            .map(|p| p.aid.is_empty())
            .collect()
    }

    fn saved_applets(&self) -> Vec<SavedApplet> {
        self.jcre.applets.iter().map(SavedApplet::of).collect()
    }

    /// The package id of the user package at `index` in load order.
    fn user_package(&self, index: usize) -> Option<PackageId> {
        self.program
            .packages
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.builtin)
            .nth(index)
            .and_then(|(i, _)| u16::try_from(i).ok())
            .map(PackageId)
    }

    /// Links kept packages again. A retired package is retired just before a later package
    /// with the same AID is loaded (the order its deletion must have had), the others at
    /// the end, so packages importing a retired one still link.
    fn load_saved(&mut self, packages: &[SavedPackage], first: usize) -> Result<(), RestoreError> {
        let mut pending: Vec<(usize, Vec<u8>)> = Vec::new();
        for (offset, saved) in packages.iter().enumerate() {
            let index = first.saturating_add(offset);
            let cap = CapFile::from_bytes(&saved.cap).map_err(|e| RestoreError::Cap {
                index,
                detail: e.to_string(),
            })?;
            let aid = cap.package_aid().as_bytes().to_vec();
            let (clash, keep): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(_, a)| *a == aid);
            pending = keep;
            for (i, _) in clash {
                self.retire_saved(i)?;
            }
            self.load(&cap).map_err(|error| RestoreError::Load {
                index,
                error: Box::new(error),
            })?;
            if saved.retired {
                pending.push((index, aid));
            }
        }
        for (i, _) in pending {
            self.retire_saved(i)?;
        }
        Ok(())
    }

    fn retire_saved(&mut self, index: usize) -> Result<(), RestoreError> {
        let pkg = self
            .user_package(index)
            .ok_or_else(|| RestoreError::Mismatch(format!("no package {index} to retire")))?;
        self.retire_package(pkg)
            .map_err(|e| RestoreError::Mismatch(format!("package {index}: {e}")))
    }

    fn set_applets(&mut self, applets: &[SavedApplet]) -> Result<(), RestoreError> {
        for (i, a) in applets.iter().enumerate() {
            let instance = matches!(
                self.heap.get(a.instance).map(|o| &o.body),
                Ok(Body::Instance(_))
            );
            if !a.deleted && !instance {
                return Err(RestoreError::Mismatch(format!(
                    "applet {i} has no instance object"
                )));
            }
        }
        self.jcre.applets = applets.iter().map(SavedApplet::entry).collect();
        self.jcre.current = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_of_another_version_is_refused() {
        let vm = Vm::new().expect("VM");
        let mut image = vm.snapshot().expect("snapshot");
        assert!(Vm::restore(image.clone(), VmConfig::default()).is_ok());
        // Version 1 images number the built-in classes without the org.globalplatform ones.
        image.version = 1;
        assert!(matches!(
            Vm::restore(image, VmConfig::default()),
            Err(RestoreError::Version { found: 1 })
        ));
    }
}
