//! The virtual machine of one card (ARCHITECTURE decision 10: a value, no global state):
//! loaded packages, heap, JCRE objects and the invocation stack, with the entry points the
//! card runtime drives — load, install, select, deselect, process, reset.

use crate::cap::CapFile;
use crate::export::MemberKind;
use crate::heap::{Access, ArrayData, Body, ContextId, Heap, Memory, NativeState, ObjRef};
use crate::interp::{Completion, Env, Limits, Machine, Thrown, Trap, VmException};
use crate::link::{self, LoadError, LoadErrorKind, ReferenceRun};
use crate::native::{self, Jcre, JcreError, DEFAULT_APDU_BUFFER};
use crate::program::{ClassId, MethodTarget, PackageId, Program};
use crate::runtime::Runtime;

/// Configuration of a [`Vm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmConfig {
    /// Interpreter limits (stack, frames, instruction budget per entry).
    pub limits: Limits,
    /// APDU buffer size in bytes.
    pub apdu_buffer_size: usize,
    /// Persistent memory for objects, in bytes.
    pub persistent_bytes: usize,
    /// Transient memory for arrays, in bytes.
    pub transient_bytes: usize,
    /// Transaction journal capacity, in bytes.
    pub commit_capacity: usize,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            limits: Limits::default(),
            apdu_buffer_size: DEFAULT_APDU_BUFFER,
            persistent_bytes: crate::heap::DEFAULT_PERSISTENT_BYTES,
            transient_bytes: crate::heap::DEFAULT_TRANSIENT_BYTES,
            commit_capacity: crate::heap::DEFAULT_COMMIT_CAPACITY,
        }
    }
}

/// Why a VM could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VmError {
    /// The built-in API tables are broken.
    #[error("API tables: {0}")]
    Api(String),
    /// The JCRE objects could not be created.
    #[error(transparent)]
    Jcre(#[from] JcreError),
}

/// A registered applet instance (index into the VM's applet table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AppletId(pub usize);

/// How a call into an applet ended (JCRE 3.0.5 §3, §7: the status word rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Normal completion: SW 9000 (for `select`, the applet's answer).
    Completed(bool),
    /// An `ISOException` reached the JCRE: its reason is the status word.
    Iso(u16),
    /// Any other exception reached the JCRE: SW 6F00.
    Uncaught(UncaughtKind),
    /// Execution trapped (stack overflow, instruction budget, missing native): SW 6F00; the
    /// card stays usable.
    Trapped(Trap),
}

/// What kind of exception was uncaught (for diagnostics; the SW is 6F00 regardless).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UncaughtKind {
    /// A JCRE-raised exception.
    Jcre(VmException),
    /// An applet-created exception object of this class.
    Object(ClassId),
}

/// `ISO7816.SW_NO_ERROR`.
pub const SW_NO_ERROR: u16 = 0x9000;
/// `ISO7816.SW_UNKNOWN`: the JCRE's answer to an uncaught exception.
pub const SW_UNKNOWN: u16 = 0x6F00;

impl Outcome {
    /// The status word the JCRE sends for this outcome.
    pub fn status_word(&self) -> u16 {
        match self {
            Outcome::Completed(_) => SW_NO_ERROR,
            Outcome::Iso(sw) => *sw,
            Outcome::Uncaught(_) | Outcome::Trapped(_) => SW_UNKNOWN,
        }
    }
}

/// Why an install failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    /// No package defines an applet with this class AID.
    #[error("no applet class with AID {0}")]
    UnknownApplet(String),
    /// `install` ended without calling `register`.
    #[error("install did not register an applet instance")]
    NotRegistered,
    /// `install` ended with an exception or trap.
    #[error("install failed with SW {0:04X}")]
    Failed(u16),
    /// The install parameters do not fit.
    #[error("install parameters too long")]
    Parameters,
}

/// Public virtual method tokens of `javacard.framework.Applet` the JCRE calls.
#[derive(Clone, Copy, Debug)]
struct AppletTokens {
    select: u8,
    deselect: u8,
    process: u8,
    multi_select: u8,
    multi_deselect: u8,
    uninstall: u8,
}

/// API interfaces the JCRE checks applets against.
#[derive(Clone, Copy, Debug)]
struct Markers {
    multi_selectable: Option<ClassId>,
    extended_length: Option<ClassId>,
    applet_event: Option<ClassId>,
}

/// The Java Card VM of one card.
#[derive(Clone, Debug)]
pub struct Vm {
    pub(crate) program: Program,
    pub(crate) heap: Heap,
    pub(crate) jcre: Jcre,
    /// The CAP files of the loaded user packages in load order: the card image keeps
    /// these, not the translation (`snapshot.rs`).
    pub(crate) caps: Vec<CapFile>,
    /// The reference fields each class declares, by class id (see [`ReferenceRun`]).
    reference_runs: Vec<ReferenceRun>,
    machine: Machine,
    tokens: AppletTokens,
    markers: Markers,
}

/// `javacard.framework.MultiSelectable`.
const MULTI_SELECTABLE: &str = "javacard/framework/MultiSelectable";
/// `javacardx.apdu.ExtendedLength`.
const EXTENDED_LENGTH: &str = "javacardx/apdu/ExtendedLength";
/// `javacard.framework.AppletEvent`.
const APPLET_EVENT: &str = "javacard/framework/AppletEvent";

/// The install parameter block handed to an applet's `install(byte[], short, byte)`
/// (JCRE 3.0.5 §11.1.4, GlobalPlatform 2.3 §11.5.2.3.2): the instance AID, the control
/// information and the application parameters, each preceded by its length byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstallParams<'a> {
    /// The AID the instance registers under.
    pub instance_aid: &'a [u8],
    /// Control information (privileges and the like; empty on a card without
    /// GlobalPlatform).
    pub control: &'a [u8],
    /// Application-specific parameters (the C9 data).
    pub application: &'a [u8],
}

impl InstallParams<'_> {
    /// The block as `install` receives it; `None` when it exceeds the 127 bytes `bLength`
    /// can describe or a part exceeds 255 bytes.
    pub fn block(&self) -> Option<Vec<u8>> {
        let mut block = Vec::new();
        for part in [self.instance_aid, self.control, self.application] {
            block.push(u8::try_from(part.len()).ok()?);
            block.extend_from_slice(part);
        }
        i8::try_from(block.len()).ok()?;
        Some(block)
    }
}

/// Why an applet instance or a package cannot be deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeleteError {
    /// No such applet instance or package.
    #[error("no such applet instance or package")]
    Unknown,
    /// Objects of the instance are referenced from another context (JCRE 3.0.5 §11.3.4.1).
    #[error("objects of the applet instance are referenced from another context")]
    Referenced,
}

fn framework_token(class: &str, name: &str, descriptor: &str) -> Result<u8, VmError> {
    crate::api::builtin()
        .map_err(|e| VmError::Api(e.to_string()))?
        .view_by_name("javacard/framework")
        .and_then(|v| v.class_by_name(class))
        .and_then(|c| c.method_by_name(name, descriptor))
        .filter(|m| m.kind() == MemberKind::Instance)
        .map(|m| m.token)
        .ok_or_else(|| VmError::Api(format!("{class}.{name}{descriptor} missing")))
}

/// The reference fields a built-in class declares: the crypto classes know theirs; the
/// other built-in classes with field words keep references in all of them.
fn builtin_references(class: &crate::program::Class) -> ReferenceRun {
    let own = class.instance_words.saturating_sub(class.field_base);
    match native::crypto::classes::declared_references(&class.name) {
        Some((first, count)) => (
            class.field_base.saturating_add(first),
            count.min(own.saturating_sub(first)),
        ),
        None => (class.field_base, own),
    }
}

fn applet_token(name: &str, descriptor: &str) -> Result<u8, VmError> {
    framework_token("javacard/framework/Applet", name, descriptor)
}

impl Vm {
    /// A VM with the default configuration and the built-in API packages.
    pub fn new() -> Result<Vm, VmError> {
        Vm::with_config(VmConfig::default())
    }

    /// A VM with the given configuration.
    pub fn with_config(config: VmConfig) -> Result<Vm, VmError> {
        let api = crate::api::builtin().map_err(|e| VmError::Api(e.to_string()))?;
        let program =
            native::builtin::program(api.views()).map_err(|e| VmError::Api(e.to_string()))?;
        let mut heap = Heap::with_limits(
            config.persistent_bytes,
            config.transient_bytes,
            config.commit_capacity,
        );
        let jcre = Jcre::new(&program, &mut heap, config.apdu_buffer_size)?;
        let tokens = AppletTokens {
            select: applet_token("select", "()Z")?,
            deselect: applet_token("deselect", "()V")?,
            process: applet_token("process", "(Ljavacard/framework/APDU;)V")?,
            multi_select: framework_token(MULTI_SELECTABLE, "select", "(Z)Z")?,
            multi_deselect: framework_token(MULTI_SELECTABLE, "deselect", "(Z)V")?,
            uninstall: framework_token(APPLET_EVENT, "uninstall", "()V")?,
        };
        let markers = Markers {
            multi_selectable: program.class_by_name(MULTI_SELECTABLE),
            extended_length: program.class_by_name(EXTENDED_LENGTH),
            applet_event: program.class_by_name(APPLET_EVENT),
        };
        let reference_runs = program.classes.iter().map(builtin_references).collect();
        Ok(Vm {
            program,
            heap,
            jcre,
            caps: Vec::new(),
            reference_runs,
            machine: Machine::new(config.limits),
            tokens,
            markers,
        })
    }

    /// The linked program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The heap.
    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// Bytecodes executed since the VM was created (the instruction budget's counter).
    pub fn executed(&self) -> u64 {
        self.machine.executed()
    }

    /// The firewall context of a package (one per package; the API packages run in the
    /// JCRE context).
    pub fn package_context(&self, pkg: PackageId) -> ContextId {
        match self.program.package(pkg) {
            Some(p) if !p.builtin => ContextId(pkg.0.saturating_add(1)),
            _ => ContextId::JCRE,
        }
    }

    /// Parses and loads a CAP file (JAR or raw component form).
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<PackageId, LoadError> {
        let cap = CapFile::from_bytes(bytes)
            .map_err(|e| LoadError::new("(unparsed)", "", LoadErrorKind::Cap(e)))?;
        self.load(&cap)
    }

    /// Links a parsed CAP file and adds it to the card: its classes, methods and static
    /// image, with the static arrays of its array initialisers created in its context.
    pub fn load(&mut self, cap: &CapFile) -> Result<PackageId, LoadError> {
        let seg = self.heap.static_segments();
        let linked = link::link(cap, &self.program, seg)?;
        let pkg = PackageId(u16::try_from(self.program.packages.len()).map_err(|_| {
            LoadError::new(&linked.package.name, "", LoadErrorKind::TooMany("packages"))
        })?);
        let ctx = ContextId(pkg.0.saturating_add(1));
        let mut statics = linked.statics;
        let mut created = Vec::new();
        for (index, data) in linked.array_inits {
            match self.heap.alloc_array(ctx, Memory::Persistent, data) {
                Ok(r) => {
                    created.push(r);
                    if let Some(slot) = statics.refs.get_mut(usize::from(index)) {
                        *slot = r.word();
                    }
                }
                Err(e) => {
                    return Err(LoadError::new(
                        &linked.package.name,
                        "StaticField component",
                        LoadErrorKind::Unresolved(format!("static array: {e}")),
                    ))
                }
            }
        }
        self.heap.add_static_image(statics);
        self.program.packages.push(linked.package);
        self.caps.push(cap.clone());
        self.program.classes.extend(linked.classes);
        self.program.methods.extend(linked.methods);
        self.reference_runs.extend(linked.reference_runs);
        Ok(pkg)
    }

    /// The CAP file a user package was loaded from (`None` for the built-in API packages).
    pub fn package_cap(&self, pkg: PackageId) -> Option<&CapFile> {
        if self.program.package(pkg)?.builtin {
            return None;
        }
        let index = self
            .program
            .packages
            .iter()
            .take(usize::from(pkg.0))
            .filter(|p| !p.builtin)
            .count();
        self.caps.get(index)
    }

    /// The package and install method of the applet class `class_aid`.
    fn applet_class(&self, class_aid: &[u8]) -> Option<(PackageId, crate::program::MethodId)> {
        self.program.packages.iter().enumerate().find_map(|(i, p)| {
            p.applets
                .iter()
                .find(|a| a.aid == class_aid)
                .map(|a| (PackageId(i as u16), a.install))
        })
    }

    /// Creates an applet instance with empty control information: see
    /// [`Vm::install_with`].
    pub fn install(
        &mut self,
        class_aid: &[u8],
        instance_aid: &[u8],
        app_params: &[u8],
        runtime: &mut dyn Runtime,
    ) -> Result<AppletId, InstallError> {
        let params = InstallParams {
            instance_aid,
            control: &[],
            application: app_params,
        };
        self.install_with(class_aid, params, runtime)
    }

    /// Creates an applet instance: runs the class's static `install(byte[], short, byte)`
    /// with the install parameter block in a global array, in the package's context
    /// (JCRE 3.0.5 §3.1, §11.1.4). The applet must call `register`; an install that throws
    /// or does not register leaves no instance behind.
    pub fn install_with(
        &mut self,
        class_aid: &[u8],
        params: InstallParams<'_>,
        runtime: &mut dyn Runtime,
    ) -> Result<AppletId, InstallError> {
        let (pkg, install) = self
            .applet_class(class_aid)
            .ok_or_else(|| InstallError::UnknownApplet(hex(class_aid)))?;
        let block = params.block().ok_or(InstallError::Parameters)?;
        let len = i8::try_from(block.len()).map_err(|_| InstallError::Parameters)?;
        let array = self
            .heap
            .alloc_array(
                ContextId::JCRE,
                Memory::ClearOnReset,
                ArrayData::Byte(block.iter().map(|b| *b as i8).collect()),
            )
            .map_err(|_| InstallError::Failed(SW_UNKNOWN))?;
        let _ = self.heap.set_access(array, Access::GlobalArray);
        self.jcre.install = Some(native::InstallContext {
            aid: params.instance_aid.to_vec(),
            registered: None,
        });
        let ctx = self.package_context(pkg);
        let outcome = self.run_with(
            MethodTarget::Bytecode(install),
            &[array.word(), 0, i32::from(len)],
            ctx,
            runtime,
        );
        let registered = self.jcre.install.take().and_then(|i| i.registered);
        match outcome {
            Outcome::Completed(_) => registered.map(AppletId).ok_or(InstallError::NotRegistered),
            other => {
                // A failed install leaves no instance behind.
                if let Some(entry) = registered.and_then(|i| self.jcre.applets.get_mut(i)) {
                    entry.deleted = true;
                }
                self.collect_garbage();
                Err(InstallError::Failed(other.status_word()))
            }
        }
    }

    /// The registered applet with this instance AID.
    pub fn applet_by_aid(&self, aid: &[u8]) -> Option<AppletId> {
        self.jcre
            .applets
            .iter()
            .position(|a| a.aid == aid && !a.deleted)
            .map(AppletId)
    }

    /// The instance AID of an applet.
    pub fn applet_aid(&self, applet: AppletId) -> Option<&[u8]> {
        self.entry(applet).map(|a| a.aid.as_slice())
    }

    /// The context of an applet.
    pub fn applet_context(&self, applet: AppletId) -> Option<ContextId> {
        self.entry(applet).map(|a| a.context)
    }

    /// The package whose applet class the instance is of.
    pub fn applet_package(&self, applet: AppletId) -> Option<PackageId> {
        let class = self.applet_class_id(applet)?;
        self.program.class(class).map(|c| c.package)
    }

    fn entry(&self, applet: AppletId) -> Option<&native::AppletEntry> {
        self.jcre.applets.get(applet.0).filter(|e| !e.deleted)
    }

    fn applet_class_id(&self, applet: AppletId) -> Option<ClassId> {
        let entry = self.entry(applet)?;
        match &self.heap.get(entry.instance).ok()?.body {
            Body::Instance(i) => Some(ClassId(i.class)),
            Body::Array(_) => None,
        }
    }

    fn implements(&self, applet: AppletId, iface: Option<ClassId>) -> Option<(ClassId, ClassId)> {
        let iface = iface?;
        let class = self.applet_class_id(applet)?;
        self.program
            .class(class)?
            .interfaces
            .contains(&iface)
            .then_some((class, iface))
    }

    /// Whether the applet implements `javacardx.apdu.ExtendedLength` and so may receive
    /// extended length APDUs.
    pub fn is_extended_length_aware(&self, applet: AppletId) -> bool {
        self.implements(applet, self.markers.extended_length)
            .is_some()
    }

    /// Calls the applet's `select()`; `Completed(false)` means it refused selection.
    pub fn select(&mut self, applet: AppletId, runtime: &mut dyn Runtime) -> Outcome {
        self.call_applet(applet, self.tokens.select, None, runtime)
    }

    /// Whether the applet implements `javacard.framework.MultiSelectable`.
    pub fn is_multiselectable(&self, applet: AppletId) -> bool {
        self.multiselectable(applet).is_some()
    }

    fn multiselectable(&self, applet: AppletId) -> Option<(ClassId, ClassId)> {
        self.implements(applet, self.markers.multi_selectable)
    }

    /// Calls `MultiSelectable.select(appInstAlreadyActive)` (JCRE 3.0.5 §4.2) when the applet
    /// implements it; `None` otherwise (the COS then calls [`Vm::select`]).
    pub fn select_multi(
        &mut self,
        applet: AppletId,
        already_active: bool,
        runtime: &mut dyn Runtime,
    ) -> Option<Outcome> {
        let token = self.tokens.multi_select;
        self.call_multi(applet, token, already_active, runtime)
    }

    /// Calls `MultiSelectable.deselect(appInstStillActive)` when the applet implements it.
    /// The JCRE calls it only while the applet's context stays active on another channel, so
    /// CLEAR_ON_DESELECT memory is kept (JCRE 3.0.5 §4.6).
    pub fn deselect_multi(
        &mut self,
        applet: AppletId,
        still_active: bool,
        runtime: &mut dyn Runtime,
    ) -> Option<Outcome> {
        let token = self.tokens.multi_deselect;
        self.call_multi(applet, token, still_active, runtime)
    }

    fn call_multi(
        &mut self,
        applet: AppletId,
        token: u8,
        flag: bool,
        runtime: &mut dyn Runtime,
    ) -> Option<Outcome> {
        let (class, iface) = self.multiselectable(applet)?;
        let target = self.program.interface_target(class, iface, token)?;
        let (instance, context) = self.entry(applet).map(|e| (e.instance, e.context))?;
        self.jcre.current = Some(applet.0);
        Some(self.run_with(
            target,
            &[instance.word(), i32::from(flag)],
            context,
            runtime,
        ))
    }

    /// Calls the applet's `deselect()` and clears its context's CLEAR_ON_DESELECT arrays
    /// (JCRE 3.0.5 §4.6: deselection succeeds even when `deselect` throws).
    pub fn deselect(&mut self, applet: AppletId, runtime: &mut dyn Runtime) -> Outcome {
        let outcome = self.call_applet(applet, self.tokens.deselect, None, runtime);
        if let Some(ctx) = self.applet_context(applet) {
            self.heap.clear_on_deselect(ctx);
        }
        outcome
    }

    /// Processes the runtime's current command: places the header in the APDU buffer and
    /// calls the applet's `process(APDU)`. The response data went to `runtime.send`; the
    /// outcome gives the status word.
    pub fn process(&mut self, applet: AppletId, runtime: &mut dyn Runtime) -> Outcome {
        if let Err(e) = native::begin_apdu(&mut self.jcre, &mut self.heap, runtime.command()) {
            return Outcome::Uncaught(UncaughtKind::Jcre(e));
        }
        let probe = self
            .applet_class_id(applet)
            .zip(self.markers.extended_length);
        let context = self.applet_context(applet).unwrap_or(ContextId::JCRE);
        let st = &mut self.jcre.apdu_state;
        st.extended_probe = probe;
        st.active = true;
        st.context = context;
        let apdu = self.jcre.apdu.word();
        let outcome = self.call_applet(applet, self.tokens.process, Some(apdu), runtime);
        self.jcre.apdu_state.active = false;
        // JCRE 3.0.5 §2.7 / JCSystem.requestObjectDeletion: unreachable objects are freed
        // once the applet's request has been seen, before the next command.
        if std::mem::take(&mut self.jcre.deletion_requested) {
            self.collect_garbage();
        }
        outcome
    }

    /// Frees every object of an applet context that nothing reaches any more (object
    /// deletion, `JCSystem.requestObjectDeletion`); returns how many were freed. The roots
    /// are the static fields of every package, the registered applet instances and every
    /// JCRE-owned object (never freed here). Instance fields are scanned conservatively: a
    /// field word equal to the handle of a live object keeps it.
    pub fn collect_garbage(&mut self) -> usize {
        let mut marked = std::collections::HashSet::new();
        let mut stack: Vec<ObjRef> = Vec::new();
        for seg in 0..self.heap.static_segments() {
            if let Some(img) = self.heap.static_image(seg) {
                stack.extend(img.refs.iter().filter_map(|w| ObjRef::from_word(*w)));
            }
        }
        for e in self.jcre.applets.iter().filter(|e| !e.deleted) {
            stack.push(e.instance);
            stack.push(e.aid_object);
        }
        stack.extend(
            self.heap
                .objects()
                .filter(|(_, o)| o.owner == ContextId::JCRE)
                .map(|(r, _)| r),
        );
        while let Some(r) = stack.pop() {
            if !marked.insert(r) {
                continue;
            }
            for w in self.reference_words(r) {
                if let Some(t) = ObjRef::from_word(w) {
                    if self.heap.get(t).is_ok() && !marked.contains(&t) {
                        stack.push(t);
                    }
                }
            }
        }
        let garbage: Vec<ObjRef> = self
            .heap
            .objects()
            .filter(|(r, o)| o.owner != ContextId::JCRE && !marked.contains(r))
            .map(|(r, _)| r)
            .collect();
        garbage.into_iter().filter(|r| self.heap.free(*r)).count()
    }

    /// Card reset: clears transient memory, rolls back an open transaction and clears the
    /// validated flag of every `OwnerPIN` (the API keeps it in CLEAR_ON_RESET memory).
    pub fn reset(&mut self) {
        self.heap.reset();
        self.jcre.current = None;
        self.jcre.ctx_stack.clear();
        for r in self.object_refs() {
            let cleared = match self.heap.get(r).map(|o| &o.body) {
                Ok(Body::Instance(crate::heap::Instance {
                    native: NativeState::OwnerPin(pin),
                    ..
                })) if pin.validated => {
                    let mut pin = pin.clone();
                    pin.validated = false;
                    Some(pin)
                }
                _ => None,
            };
            if let Some(pin) = cleared {
                let _ = self.heap.set_volatile_native(r, NativeState::OwnerPin(pin));
            }
        }
    }

    /// Handles of every live object, in allocation order.
    fn object_refs(&self) -> Vec<ObjRef> {
        self.heap.objects().map(|(r, _)| r).collect()
    }

    /// Deletes an applet instance (JCRE 3.0.5 §11.3.4): refused while objects reachable from
    /// it are referenced from another context's objects or another package's static fields
    /// (reference fields only, as the classes' layouts and the static images declare them);
    /// otherwise the instance's `AppletEvent.uninstall` runs when it implements it (its
    /// outcome does not stop the deletion) and the instance leaves the applet table.
    pub fn delete_applet(
        &mut self,
        applet: AppletId,
        runtime: &mut dyn Runtime,
    ) -> Result<(), DeleteError> {
        let (instance, context) = self
            .entry(applet)
            .map(|e| (e.instance, e.context))
            .ok_or(DeleteError::Unknown)?;
        if self.referenced_from_outside(instance, context) {
            return Err(DeleteError::Referenced);
        }
        if let Some((class, iface)) = self.implements(applet, self.markers.applet_event) {
            if let Some(target) = self
                .program
                .interface_target(class, iface, self.tokens.uninstall)
            {
                self.jcre.current = Some(applet.0);
                let _ = self.run_with(target, &[instance.word()], context, runtime);
                self.jcre.current = None;
            }
        }
        if let Some(entry) = self.jcre.applets.get_mut(applet.0) {
            entry.deleted = true;
        }
        self.collect_garbage();
        Ok(())
    }

    /// Whether an object reachable from `root` inside `context` is referenced from an object
    /// of another (non-JCRE) context or from a static field of another package.
    fn referenced_from_outside(&self, root: ObjRef, context: ContextId) -> bool {
        let mut reached = std::collections::HashSet::new();
        let mut stack = vec![root];
        while let Some(r) = stack.pop() {
            if !reached.insert(r) {
                continue;
            }
            for w in self.reference_words(r) {
                if let Some(t) = ObjRef::from_word(w) {
                    if self.heap.get(t).is_ok_and(|o| o.owner == context) {
                        stack.push(t);
                    }
                }
            }
        }
        let hit = |w: i32| ObjRef::from_word(w).is_some_and(|t| reached.contains(&t));
        let foreign_object = self.object_refs().into_iter().any(|r| {
            self.heap
                .get(r)
                .is_ok_and(|o| o.owner != context && o.owner != ContextId::JCRE)
                && self.reference_words(r).into_iter().any(hit)
        });
        let own_seg = self
            .program
            .packages
            .iter()
            .enumerate()
            .find(|(i, _)| self.package_context(PackageId(*i as u16)) == context)
            .map(|(_, p)| p.static_seg);
        let foreign_static = (0..self.heap.static_segments())
            .filter(|seg| Some(*seg) != own_seg)
            .filter_map(|seg| self.heap.static_image(seg))
            .any(|img| img.refs.iter().copied().any(hit));
        foreign_object || foreign_static
    }

    /// The words of an object that hold references: the reference fields of an instance's
    /// class and superclasses (as their Class components declare them), the elements of a
    /// reference array.
    fn reference_words(&self, r: ObjRef) -> Vec<i32> {
        match self.heap.get(r).map(|o| &o.body) {
            Ok(Body::Instance(i)) => {
                let mut words = Vec::new();
                let mut class = Some(ClassId(i.class));
                // The bound guards against a malformed superclass cycle.
                for _ in 0..=self.program.classes.len() {
                    let Some(id) = class else { break };
                    let (first, count) = self
                        .reference_runs
                        .get(usize::from(id.0))
                        .copied()
                        .unwrap_or((0, 0));
                    let start = usize::from(first);
                    let end = start.saturating_add(usize::from(count)).min(i.fields.len());
                    words.extend(i.fields.get(start..end).unwrap_or(&[]));
                    class = self.program.class(id).and_then(|c| c.super_class);
                }
                words
            }
            Ok(Body::Array(a)) => match &a.data {
                ArrayData::Reference { items, .. } => items.iter().map(|w| *w as i32).collect(),
                _ => Vec::new(),
            },
            Err(_) => Vec::new(),
        }
    }

    /// Takes a package out of the card's name space after the registry deleted it: its AID
    /// no longer satisfies imports and its applet classes can no longer be installed. Its
    /// linked classes stay in the program (ids are never reused) but nothing reaches them.
    pub fn retire_package(&mut self, pkg: PackageId) -> Result<(), DeleteError> {
        let package = self
            .program
            .packages
            .get_mut(usize::from(pkg.0))
            .filter(|p| !p.builtin && !p.aid.is_empty())
            .ok_or(DeleteError::Unknown)?;
        package.aid.clear();
        package.applets.clear();
        Ok(())
    }

    fn call_applet(
        &mut self,
        applet: AppletId,
        token: u8,
        arg: Option<i32>,
        runtime: &mut dyn Runtime,
    ) -> Outcome {
        let Some((instance, context)) = self.entry(applet).map(|e| (e.instance, e.context)) else {
            return Outcome::Uncaught(UncaughtKind::Jcre(VmException::Security));
        };
        let class = match self.heap.get(instance) {
            Ok(o) => match &o.body {
                Body::Instance(i) => ClassId(i.class),
                Body::Array(_) => {
                    return Outcome::Uncaught(UncaughtKind::Jcre(VmException::Security))
                }
            },
            Err(e) => return Outcome::Uncaught(UncaughtKind::Jcre(e)),
        };
        let Some(target) = self.program.virtual_target(class, token) else {
            return Outcome::Uncaught(UncaughtKind::Jcre(VmException::Security));
        };
        self.jcre.current = Some(applet.0);
        match arg {
            Some(a) => self.run_with(target, &[instance.word(), a], context, runtime),
            None => self.run_with(target, &[instance.word()], context, runtime),
        }
    }

    fn run_with(
        &mut self,
        target: MethodTarget,
        args: &[i32],
        ctx: ContextId,
        runtime: &mut dyn Runtime,
    ) -> Outcome {
        let mut env = Env {
            program: &self.program,
            heap: &mut self.heap,
            jcre: &mut self.jcre,
            runtime,
        };
        let result = self.machine.invoke(&mut env, target, args, ctx);
        let outcome = match result {
            Ok(Completion::Return(v)) => Outcome::Completed(v != 0),
            Ok(Completion::Threw(t)) => self.classify(t),
            Err(t) => Outcome::Trapped(t),
        };
        // JCRE 3.0.5 §7.6.2: a transaction still open when the applet returns is aborted.
        if self.heap.transaction_depth() > 0 {
            let _ = self.heap.abort_transaction();
        }
        outcome
    }

    fn classify(&self, t: Thrown) -> Outcome {
        match t {
            Thrown::Vm(VmException::Iso(sw)) => Outcome::Iso(sw as u16),
            Thrown::Vm(e) => Outcome::Uncaught(UncaughtKind::Jcre(e)),
            Thrown::Object(r) => self.classify_object(r),
        }
    }

    fn classify_object(&self, r: ObjRef) -> Outcome {
        let Ok(o) = self.heap.get(r) else {
            return Outcome::Uncaught(UncaughtKind::Jcre(VmException::Security));
        };
        let Body::Instance(i) = &o.body else {
            return Outcome::Uncaught(UncaughtKind::Jcre(VmException::Security));
        };
        let class = ClassId(i.class);
        if self
            .program
            .is_subclass(class, self.program.well_known.iso_exception)
        {
            if let crate::heap::NativeState::Reason(sw) = i.native {
                return Outcome::Iso(sw as u16);
            }
        }
        Outcome::Uncaught(UncaughtKind::Object(class))
    }

    /// Runs a static method of a loaded package in that package's context with `args`
    /// (argument words) and returns its outcome; for benchmarks and tests of applet code.
    pub fn call_static(
        &mut self,
        method: crate::program::MethodId,
        args: &[i32],
        runtime: &mut dyn Runtime,
    ) -> Result<Completion, Trap> {
        let ctx = self
            .program
            .method(method)
            .map(|m| self.package_context(m.package))
            .ok_or(Trap::NoSuchMethod)?;
        let mut env = Env {
            program: &self.program,
            heap: &mut self.heap,
            jcre: &mut self.jcre,
            runtime,
        };
        self.machine
            .invoke(&mut env, MethodTarget::Bytecode(method), args, ctx)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod deletion_tests {
    //! JCRE 3.0.5 §11.3.4.1 on the golden sio packages: the server's `Counter` object keeps
    //! `byte[] secret` (a reference field) and `short count` (a primitive field) that the
    //! client sets through `next(short)`.

    use super::*;
    use crate::runtime::Command;

    const SERVER: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x03, 0x01];
    const CLIENT: [u8; 8] = [0xF0, 0x4A, 0x43, 0x4F, 0x53, 0x10, 0x04, 0x01];
    /// The server's field words: `secret` (token 0), `count` (token 1).
    const SECRET: u16 = 0;
    const COUNT: u16 = 1;

    /// Answers one header at a time with no command data.
    struct Terminal {
        header: [u8; 4],
    }

    impl Runtime for Terminal {
        fn command(&self) -> Command<'_> {
            Command {
                header: self.header,
                data: &[],
                ne: 256,
                extended: false,
            }
        }
        fn send(&mut self, _: &[u8]) {}
        fn selecting_applet(&self) -> bool {
            false
        }
        fn random(&mut self, dst: &mut [u8]) {
            dst.fill(0);
        }
    }

    fn fixture(dir: &str, file: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/jcvm-golden")
            .join(dir)
            .join(file);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// A VM with both packages loaded and one instance of each; the two instances' objects.
    fn card(t: &mut Terminal) -> (Vm, AppletId, ObjRef, ObjRef) {
        let mut vm = Vm::new().expect("VM");
        vm.load_bytes(&fixture("sio-server", "server.cap"))
            .expect("server loads");
        vm.load_bytes(&fixture("sio-client", "client.cap"))
            .expect("client loads");
        let server = vm.install(&SERVER, &SERVER, &[], t).expect("server");
        let client = vm.install(&CLIENT, &CLIENT, &[], t).expect("client");
        let object = |a| vm.entry(a).map(|e| e.instance).expect("instance");
        let (server_obj, client_obj) = (object(server), object(client));
        (vm, client, server_obj, client_obj)
    }

    #[test]
    fn a_primitive_field_equal_to_a_handle_does_not_block_deletion() {
        let mut t = Terminal { header: [0; 4] };
        let (mut vm, client, server_obj, client_obj) = card(&mut t);
        assert!(matches!(
            vm.select(client, &mut t),
            Outcome::Completed(true)
        ));
        // Counter.next(step) adds a signed byte step to the server's short count.
        let mut left = client_obj.word();
        while left > 0 {
            let step = left.min(0x7F);
            t.header = [0x80, 0x30, step as u8, 0x00];
            assert!(matches!(vm.process(client, &mut t), Outcome::Completed(_)));
            left -= step;
        }
        let count = vm.heap.get_field(server_obj, COUNT, ContextId::JCRE);
        assert_eq!(count, Ok(client_obj.word()));
        assert_eq!(vm.delete_applet(client, &mut t), Ok(()));
    }

    #[test]
    fn a_reference_field_to_the_instance_blocks_deletion() {
        let mut t = Terminal { header: [0; 4] };
        let (mut vm, client, server_obj, client_obj) = card(&mut t);
        vm.heap
            .put_field(server_obj, SECRET, client_obj.word(), ContextId::JCRE)
            .expect("field written");
        assert_eq!(
            vm.delete_applet(client, &mut t),
            Err(DeleteError::Referenced)
        );
    }
}
