//! The interpreter: a tiny dispatch loop over linked [`crate::program::Insn`]s with fat handlers
//! (STYLE §1), one contiguous word stack for locals and operands of every frame, an
//! instruction budget, and exception unwinding across frames.
//!
//! Values are 32-bit words: a short is one word, sign-extended; a reference is one word
//! holding an [`ObjRef`] (0 is null); an int takes two words, the full value in the first
//! and 0 in the second, so local indices match the bytecode's word indices. The bytecode
//! verifier guarantees that code uses words consistently; without it, every access is still
//! bounds-checked, so malformed code throws `SecurityException` or traps, never panics.

pub mod bench;
mod exception;
mod exec;

pub use exception::{
    Thrown, VmException, EXCEPTION_KINDS, SYSTEM_ILLEGAL_TRANSIENT, SYSTEM_ILLEGAL_USE,
    SYSTEM_ILLEGAL_VALUE, SYSTEM_NO_RESOURCE, SYSTEM_NO_TRANSIENT_SPACE,
};

use crate::heap::{ContextId, Heap, ObjRef};
use crate::native::{Jcre, NativeRet};
use crate::program::{MethodId, MethodTarget, Program};
use crate::runtime::Runtime;

/// Default words of the invocation stack (locals and operands of all frames).
pub const DEFAULT_STACK_WORDS: usize = 2048;
/// Default maximum number of nested frames.
pub const DEFAULT_MAX_FRAMES: usize = 128;
/// Default instruction budget of one entry into the VM (one APDU).
pub const DEFAULT_BUDGET: u64 = 200_000_000;

/// Resource limits of a [`Machine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Words of the invocation stack.
    pub stack_words: usize,
    /// Maximum nested frames.
    pub max_frames: usize,
    /// Instructions one call of [`Machine::invoke`] may execute.
    pub budget: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            stack_words: DEFAULT_STACK_WORDS,
            max_frames: DEFAULT_MAX_FRAMES,
            budget: DEFAULT_BUDGET,
        }
    }
}

/// Why execution stopped without a Java outcome. The machine is reusable afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Trap {
    /// The invocation stack or frame limit was exhausted.
    #[error("stack overflow: the invocation stack limit was reached")]
    StackOverflow,
    /// The instruction budget ran out (a looping applet).
    #[error("instruction budget exhausted")]
    BudgetExhausted,
    /// A reserved opcode (`impdep1`, `impdep2`) was executed.
    #[error("reserved opcode 0x{0:02X} executed")]
    ReservedOpcode(u8),
    /// An abstract method was invoked (the class hierarchy is inconsistent).
    #[error("abstract method invoked")]
    AbstractMethod,
    /// An API method this VM does not implement was invoked.
    #[error("API method not implemented by this VM")]
    MissingNative,
    /// The entry method does not exist.
    #[error("no such method")]
    NoSuchMethod,
    /// The card lost power during a persistent write (an injected tear): execution stops
    /// at once, no Java handler runs, and nothing persistent changes until power-up.
    #[error("power lost")]
    PowerLoss,
}

/// A failure inside the dispatch loop: a Java exception on its way to a handler, or a trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A thrown exception.
    Throw(Thrown),
    /// A trap.
    Trap(Trap),
}

impl From<VmException> for Fault {
    #[cold]
    fn from(e: VmException) -> Fault {
        Fault::Throw(Thrown::Vm(e))
    }
}

impl From<Trap> for Fault {
    #[cold]
    fn from(t: Trap) -> Fault {
        Fault::Trap(t)
    }
}

/// How a call into Java ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Normal return; the value (0 for `void`; the int value for an int method).
    Return(i32),
    /// An exception nobody caught.
    Threw(Thrown),
}

/// Everything the interpreter and natives work on besides the invocation stack.
pub struct Env<'a> {
    /// The linked program.
    pub program: &'a Program,
    /// The heap.
    pub heap: &'a mut Heap,
    /// JCRE state: exception singletons, APDU object and buffer, applet table.
    pub jcre: &'a mut Jcre,
    /// The card services.
    pub runtime: &'a mut dyn Runtime,
}

/// One activation: the method, its instruction index, the base of its locals, its operand
/// stack top and its firewall context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub method: MethodId,
    pub pc: u32,
    pub bp: u32,
    pub sp: u32,
    pub ctx: ContextId,
}

impl Frame {
    const IDLE: Frame = Frame {
        method: MethodId(0),
        pc: 0,
        bp: 0,
        sp: 0,
        ctx: ContextId::JCRE,
    };
}

/// The invocation stack and budget of one card.
#[derive(Clone, Debug)]
pub struct Machine {
    pub(crate) stack: Vec<i32>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) cur: Frame,
    pub(crate) fuel: u64,
    limits: Limits,
    executed: u64,
}

impl Default for Machine {
    fn default() -> Self {
        Machine::new(Limits::default())
    }
}

impl Machine {
    /// A machine with the given limits; the stack is allocated once here.
    pub fn new(limits: Limits) -> Machine {
        Machine {
            stack: vec![0; limits.stack_words],
            frames: Vec::with_capacity(limits.max_frames),
            cur: Frame::IDLE,
            fuel: 0,
            limits,
            executed: 0,
        }
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Instructions executed since the machine was created.
    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// Calls `target` with argument words `args` in context `ctx` and runs until it
    /// returns or throws, within the instruction budget.
    pub fn invoke(
        &mut self,
        env: &mut Env<'_>,
        target: MethodTarget,
        args: &[i32],
        ctx: ContextId,
    ) -> Result<Completion, Trap> {
        match target {
            MethodTarget::Bytecode(m) => self.invoke_bytecode(env, m, args, ctx),
            MethodTarget::Native(n) => match crate::native::invoke(env, n, args, ctx) {
                Ok(NativeRet::Void) => Ok(Completion::Return(0)),
                Ok(NativeRet::Word(v)) | Ok(NativeRet::Int(v)) => Ok(Completion::Return(v)),
                Ok(NativeRet::Invoke {
                    method,
                    args,
                    nargs,
                    ctx,
                }) => {
                    let args = args.get(..usize::from(nargs)).unwrap_or(&[]);
                    self.invoke_bytecode(env, method, args, ctx)
                }
                Err(Fault::Throw(_)) if env.heap.power_lost() => Err(Trap::PowerLoss),
                Err(Fault::Throw(t)) => Ok(Completion::Threw(t)),
                Err(Fault::Trap(t)) => Err(t),
            },
            MethodTarget::Abstract => Err(Trap::AbstractMethod),
            MethodTarget::Missing => Err(Trap::MissingNative),
        }
    }

    fn invoke_bytecode(
        &mut self,
        env: &mut Env<'_>,
        m: MethodId,
        args: &[i32],
        ctx: ContextId,
    ) -> Result<Completion, Trap> {
        let method = env.program.method(m).ok_or(Trap::NoSuchMethod)?;
        let locals = method.frame_locals();
        let need = locals + usize::from(method.max_stack);
        if need > self.stack.len() || args.len() > locals {
            return Err(Trap::StackOverflow);
        }
        self.frames.clear();
        env.jcre.ctx_stack.clear();
        if let Some(dst) = self.stack.get_mut(..args.len()) {
            dst.copy_from_slice(args);
        }
        if let Some(rest) = self.stack.get_mut(args.len()..locals) {
            rest.fill(0);
        }
        self.cur = Frame {
            method: m,
            pc: 0,
            bp: 0,
            sp: u32::try_from(locals).map_err(|_| Trap::StackOverflow)?,
            ctx,
        };
        self.fuel = self.limits.budget;
        let result = self.run(env);
        self.executed = self
            .executed
            .wrapping_add(self.limits.budget.saturating_sub(self.fuel));
        self.frames.clear();
        result
    }

    /// Runs the current frame until the entry frame returns, unwinding exceptions.
    fn run(&mut self, env: &mut Env<'_>) -> Result<Completion, Trap> {
        loop {
            match exec::exec(self, env) {
                Ok(v) => return Ok(Completion::Return(v)),
                Err(Fault::Trap(t)) => return Err(t),
                // A write without power unwinds as an exception that no handler may see.
                Err(Fault::Throw(_)) if env.heap.power_lost() => return Err(Trap::PowerLoss),
                Err(Fault::Throw(th)) => {
                    if let Some(uncaught) = self.unwind(env, th)? {
                        return Ok(Completion::Threw(uncaught));
                    }
                }
            }
        }
    }

    /// Searches handlers from the current frame outwards (JCVM 3.0.5 §7.5 `athrow`). On a
    /// match the frame is set to the handler with the exception object on its stack and
    /// `None` is returned; otherwise the frames are popped and the exception returned.
    fn unwind(&mut self, env: &mut Env<'_>, th: Thrown) -> Result<Option<Thrown>, Trap> {
        let program = env.program;
        let class = match th {
            Thrown::Vm(e) => env.jcre.exception_class(e),
            Thrown::Object(r) => match env.heap.get(r) {
                Ok(crate::heap::Object {
                    body: crate::heap::Body::Instance(i),
                    ..
                }) => Some(crate::program::ClassId(i.class)),
                _ => None,
            },
        };
        loop {
            let method = program.method(self.cur.method).ok_or(Trap::NoSuchMethod)?;
            // The faulting instruction is the one before the saved pc.
            let at = self.cur.pc.saturating_sub(1);
            let found = method.handlers.iter().find(|h| {
                u32::from(h.start) <= at
                    && at < u32::from(h.end)
                    && match (h.catch, class) {
                        (None, _) => true,
                        (Some(c), Some(k)) => program.is_subclass(k, c),
                        (Some(_), None) => false,
                    }
            });
            if let Some(h) = found {
                let obj = match th {
                    Thrown::Object(r) => r,
                    Thrown::Vm(e) => env
                        .jcre
                        .materialise(env.heap, e)
                        .ok_or(Trap::MissingNative)?,
                };
                let base = self.cur.bp as usize + method.frame_locals();
                let slot = self.stack.get_mut(base).ok_or(Trap::StackOverflow)?;
                *slot = obj.word();
                self.cur.sp = (base + 1) as u32;
                self.cur.pc = u32::from(h.handler);
                return Ok(None);
            }
            match self.frames.pop() {
                Some(f) => {
                    if f.ctx != self.cur.ctx {
                        env.jcre.ctx_stack.pop();
                    }
                    self.cur = f;
                }
                None => return Ok(Some(th)),
            }
        }
    }
}

/// Whether the object `r` is assignable to type `t` (JCVM 3.0.5 `checkcast` rules).
pub(crate) fn assignable(
    program: &Program,
    heap: &Heap,
    r: ObjRef,
    t: crate::program::TypeRef,
) -> Result<bool, VmException> {
    use crate::heap::{ArrayData, Body};
    use crate::program::{ArrayType, ClassId, TypeRef};
    let object = program.well_known.object;
    Ok(match (&heap.get(r)?.body, t) {
        (Body::Instance(i), TypeRef::Class(c)) => program.class_assignable(ClassId(i.class), c),
        (Body::Instance(_), _) => false,
        (Body::Array(_), TypeRef::Class(c)) => c == object,
        (Body::Array(a), TypeRef::Array(k)) => matches!(
            (&a.data, k),
            (ArrayData::Boolean(_), ArrayType::Boolean)
                | (ArrayData::Byte(_), ArrayType::Byte)
                | (ArrayData::Short(_), ArrayType::Short)
                | (ArrayData::Int(_), ArrayType::Int)
        ),
        (Body::Array(a), TypeRef::RefArray(c)) => match &a.data {
            ArrayData::Reference { element, .. } => program.class_assignable(ClassId(*element), c),
            _ => false,
        },
    })
}

#[cfg(test)]
mod tests;
