//! JCRE-owned state the natives share: the exception singletons, the APDU object and
//! buffer, the applet instances the VM knows, and the context stack of shareable calls.

use super::apdu::ApduState;
use crate::heap::{Access, ArrayData, ContextId, Heap, Memory, NativeState, ObjRef};
use crate::interp::{VmException, EXCEPTION_KINDS};
use crate::program::{ClassId, Program};

/// Default APDU buffer size: header, 255 data bytes and Le (ISO 7816-4 short APDUs) rounded
/// up to the classic 261 bytes.
pub const DEFAULT_APDU_BUFFER: usize = 261;

/// Why the JCRE objects could not be created.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JcreError {
    /// A class the JCRE needs is not in the program.
    #[error("API class {0} is missing")]
    MissingClass(&'static str),
    /// The heap is full.
    #[error("no memory for JCRE objects: {0}")]
    NoMemory(#[from] crate::heap::AllocError),
}

/// An applet instance registered through `Applet.register`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppletEntry {
    /// The applet object.
    pub instance: ObjRef,
    /// Its instance AID.
    pub aid: Vec<u8>,
    /// The JCRE-owned AID object (a permanent entry point).
    pub aid_object: ObjRef,
    /// The applet's context (its package's).
    pub context: ContextId,
    /// The instance was deleted: it keeps its index (applet ids stay stable) but no look-up
    /// finds it any more.
    pub deleted: bool,
}

/// The install in progress: the AID `register()` will use, and what got registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallContext {
    /// Instance AID from the install parameters.
    pub aid: Vec<u8>,
    /// Index in [`Jcre::applets`] once registered.
    pub registered: Option<usize>,
}

/// JCRE state of one card.
#[derive(Clone, Debug)]
pub struct Jcre {
    exceptions: Vec<(ClassId, ObjRef)>,
    /// The APDU object (a temporary entry point).
    pub apdu: ObjRef,
    /// The APDU buffer (a global, clear-on-reset byte array).
    pub apdu_buffer: ObjRef,
    /// Size of the APDU buffer.
    pub apdu_buffer_size: usize,
    /// State of the APDU being processed.
    pub apdu_state: ApduState,
    /// The install in progress.
    pub install: Option<InstallContext>,
    /// Registered applet instances.
    pub applets: Vec<AppletEntry>,
    /// Index in `applets` of the applet whose method the JCRE invoked.
    pub current: Option<usize>,
    /// Contexts left by shareable interface calls, innermost last
    /// (`JCSystem.getPreviousContextAID`).
    pub ctx_stack: Vec<ContextId>,
    /// The AID class, for AID objects the JCRE creates.
    pub aid_class: ClassId,
    /// Run-time state of the crypto engines (`Signature`, `Cipher`, ... in use).
    pub crypto: super::crypto::Engines,
    /// An applet called `JCSystem.requestObjectDeletion` during the current command.
    pub deletion_requested: bool,
    /// Scratch space for the APDU buffer's contents at the start of a command.
    pub apdu_scratch: Vec<i8>,
}

impl Jcre {
    /// Creates the JCRE objects in `heap` for the API classes of `program`.
    pub fn new(
        program: &Program,
        heap: &mut Heap,
        apdu_buffer_size: usize,
    ) -> Result<Jcre, JcreError> {
        let mut exceptions = Vec::with_capacity(EXCEPTION_KINDS);
        for name in VmException::CLASS_NAMES {
            let class = program
                .class_by_name(name)
                .ok_or(JcreError::MissingClass(name))?;
            let r = heap.alloc_instance(ContextId::JCRE, class.0, 0, NativeState::Reason(0))?;
            let _ = heap.set_access(r, Access::TemporaryEntryPoint);
            exceptions.push((class, r));
        }
        let apdu_class = program
            .class_by_name("javacard/framework/APDU")
            .ok_or(JcreError::MissingClass("javacard/framework/APDU"))?;
        let aid_class = program
            .class_by_name("javacard/framework/AID")
            .ok_or(JcreError::MissingClass("javacard/framework/AID"))?;
        let apdu = heap.alloc_instance(ContextId::JCRE, apdu_class.0, 0, NativeState::None)?;
        let _ = heap.set_access(apdu, Access::TemporaryEntryPoint);
        let apdu_buffer = heap.alloc_array(
            ContextId::JCRE,
            Memory::ClearOnReset,
            ArrayData::Byte(vec![0; apdu_buffer_size]),
        )?;
        let _ = heap.set_access(apdu_buffer, Access::GlobalArray);
        Ok(Jcre {
            exceptions,
            apdu,
            apdu_buffer,
            apdu_buffer_size,
            apdu_state: ApduState::default(),
            install: None,
            applets: Vec::new(),
            current: None,
            ctx_stack: Vec::new(),
            aid_class,
            crypto: Default::default(),
            deletion_requested: false,
            apdu_scratch: Vec::with_capacity(apdu_buffer_size),
        })
    }

    /// The class of a JCRE-raised exception.
    pub fn exception_class(&self, e: VmException) -> Option<ClassId> {
        self.exceptions.get(e.kind_index()).map(|x| x.0)
    }

    /// The JCRE singleton for `e`, with its reason set (JCRE 3.0.5 §6.2.1: the JCRE reuses
    /// one temporary entry-point instance per exception class).
    /// Its reason lives in RAM on a card, so setting it is not a persistent write.
    pub fn materialise(&self, heap: &mut Heap, e: VmException) -> Option<ObjRef> {
        let (_, r) = *self.exceptions.get(e.kind_index())?;
        heap.set_volatile_native(r, NativeState::Reason(e.reason().unwrap_or(0)))
            .ok()?;
        Some(r)
    }

    /// The applet entry for context `ctx`: the current applet if it runs in `ctx`, otherwise
    /// the first registered applet of that context.
    pub fn applet_of_context(&self, ctx: ContextId) -> Option<&AppletEntry> {
        if let Some(e) = self.current.and_then(|i| self.applets.get(i)) {
            if e.context == ctx && !e.deleted {
                return Some(e);
            }
        }
        self.applets.iter().find(|e| e.context == ctx && !e.deleted)
    }

    /// The (not deleted) applet entry with this AID.
    pub fn applet_by_aid(&self, aid: &[u8]) -> Option<&AppletEntry> {
        self.applets.iter().find(|e| e.aid == aid && !e.deleted)
    }
}
