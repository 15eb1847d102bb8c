//! The virtual machine of one card (ARCHITECTURE decision 10: a value, no global state):
//! loaded packages, heap, JCRE objects and the invocation stack, with the entry points the
//! card runtime drives — load, install, select, deselect, process, reset.

use crate::cap::CapFile;
use crate::export::MemberKind;
use crate::heap::{Access, ArrayData, Body, ContextId, Heap, Memory, ObjRef};
use crate::interp::{Completion, Env, Limits, Machine, Thrown, Trap, VmException};
use crate::link::{self, LoadError, LoadErrorKind};
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
}

/// The Java Card VM of one card.
#[derive(Clone, Debug)]
pub struct Vm {
    program: Program,
    heap: Heap,
    jcre: Jcre,
    machine: Machine,
    tokens: AppletTokens,
}

/// `javacard.framework.MultiSelectable`.
const MULTI_SELECTABLE: &str = "javacard/framework/MultiSelectable";

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
        };
        Ok(Vm {
            program,
            heap,
            jcre,
            machine: Machine::new(config.limits),
            tokens,
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
        self.program.classes.extend(linked.classes);
        self.program.methods.extend(linked.methods);
        Ok(pkg)
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

    /// Creates an applet instance: runs the class's static `install(byte[], short, byte)`
    /// with the install parameter block (instance AID, empty control information, the
    /// application parameters) in a global array, in the package's context. The applet
    /// must call `register`.
    pub fn install(
        &mut self,
        class_aid: &[u8],
        instance_aid: &[u8],
        app_params: &[u8],
        runtime: &mut dyn Runtime,
    ) -> Result<AppletId, InstallError> {
        let (pkg, install) = self
            .applet_class(class_aid)
            .ok_or_else(|| InstallError::UnknownApplet(hex(class_aid)))?;
        let mut block = Vec::new();
        for part in [instance_aid, &[][..], app_params] {
            block.push(u8::try_from(part.len()).map_err(|_| InstallError::Parameters)?);
            block.extend_from_slice(part);
        }
        let len = i8::try_from(block.len()).map_err(|_| InstallError::Parameters)?;
        let params = self
            .heap
            .alloc_array(
                ContextId::JCRE,
                Memory::ClearOnReset,
                ArrayData::Byte(block.iter().map(|b| *b as i8).collect()),
            )
            .map_err(|_| InstallError::Failed(SW_UNKNOWN))?;
        let _ = self.heap.set_access(params, Access::GlobalArray);
        self.jcre.install = Some(native::InstallContext {
            aid: instance_aid.to_vec(),
            registered: None,
        });
        let ctx = self.package_context(pkg);
        let outcome = self.run_with(
            MethodTarget::Bytecode(install),
            &[params.word(), 0, i32::from(len)],
            ctx,
            runtime,
        );
        let registered = self.jcre.install.take().and_then(|i| i.registered);
        match outcome {
            Outcome::Completed(_) => registered.map(AppletId).ok_or(InstallError::NotRegistered),
            other => {
                // A failed install leaves no instance behind.
                if let Some(i) = registered {
                    if i + 1 == self.jcre.applets.len() {
                        self.jcre.applets.pop();
                    }
                }
                Err(InstallError::Failed(other.status_word()))
            }
        }
    }

    /// The registered applet with this instance AID.
    pub fn applet_by_aid(&self, aid: &[u8]) -> Option<AppletId> {
        self.jcre
            .applets
            .iter()
            .position(|a| a.aid == aid)
            .map(AppletId)
    }

    /// The instance AID of an applet.
    pub fn applet_aid(&self, applet: AppletId) -> Option<&[u8]> {
        self.jcre.applets.get(applet.0).map(|a| a.aid.as_slice())
    }

    /// The context of an applet.
    pub fn applet_context(&self, applet: AppletId) -> Option<ContextId> {
        self.jcre.applets.get(applet.0).map(|a| a.context)
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
        let entry = self.jcre.applets.get(applet.0)?;
        let iface = self.program.class_by_name(MULTI_SELECTABLE)?;
        let Body::Instance(i) = &self.heap.get(entry.instance).ok()?.body else {
            return None;
        };
        let class = ClassId(i.class);
        self.program
            .class(class)?
            .interfaces
            .contains(&iface)
            .then_some((class, iface))
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

    /// Calls `MultiSelectable.deselect(appInstStillActive)` when the applet implements it;
    /// transient CLEAR_ON_DESELECT memory is cleared only when no instance stays active.
    pub fn deselect_multi(
        &mut self,
        applet: AppletId,
        still_active: bool,
        runtime: &mut dyn Runtime,
    ) -> Option<Outcome> {
        let token = self.tokens.multi_deselect;
        let outcome = self.call_multi(applet, token, still_active, runtime)?;
        if !still_active {
            if let Some(ctx) = self.applet_context(applet) {
                self.heap.clear_on_deselect(ctx);
            }
        }
        Some(outcome)
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
        let entry = self.jcre.applets.get(applet.0)?.clone();
        self.jcre.current = Some(applet.0);
        Some(self.run_with(
            target,
            &[entry.instance.word(), i32::from(flag)],
            entry.context,
            runtime,
        ))
    }

    /// Calls the applet's `deselect()` and clears its context's CLEAR_ON_DESELECT arrays.
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
        let apdu = self.jcre.apdu.word();
        self.call_applet(applet, self.tokens.process, Some(apdu), runtime)
    }

    /// Card reset: clears transient memory and rolls back an open transaction.
    pub fn reset(&mut self) {
        self.heap.reset();
        self.jcre.current = None;
    }

    fn call_applet(
        &mut self,
        applet: AppletId,
        token: u8,
        arg: Option<i32>,
        runtime: &mut dyn Runtime,
    ) -> Outcome {
        let Some(entry) = self.jcre.applets.get(applet.0).cloned() else {
            return Outcome::Uncaught(UncaughtKind::Jcre(VmException::Security));
        };
        let class = match self.heap.get(entry.instance) {
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
        let mut args = vec![entry.instance.word()];
        args.extend(arg);
        self.run_with(target, &args, entry.context, runtime)
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
