//! Bytecode verification of one method (JCVM chapter 7, modelled on the type inference of
//! JVMS §4.10.2): instructions decoded on boundaries, branch, switch and handler targets on
//! boundaries, then a dataflow pass over the operand stack and local variables that checks
//! every instruction's operand types, constant pool entry kinds, field types, method
//! descriptors, access rules, `max_stack`, object initialisation and `jsr`/`ret`.
//!
//! Subroutines are verified by call context: a frame is kept per (pc, stack of return
//! addresses), so a subroutine body is checked once for each call site, as if inlined.
//! Return addresses are tracked exactly, so `ret` has exactly one successor. Nesting is
//! limited to [`MAX_SUBROUTINE_DEPTH`] and recursion is rejected.

use std::collections::HashMap;

use super::error::{VerifyError, VerifyErrorKind as K};
use super::model::{Cp, Field, Method, Pkg};
use super::types::{ClassId, Elem, JType, RefType, VType};
use crate::cap::{ComponentTag, MethodEntry, MethodInfo};
use crate::isa::{decode, Insn, Opcode, Operands};

/// Deepest `jsr` nesting accepted.
pub(crate) const MAX_SUBROUTINE_DEPTH: usize = 8;

/// What verifying one method found, for the report and the ReferenceLocation check.
#[derive(Debug, Default)]
pub(crate) struct MethodSummary {
    /// Instructions decoded.
    pub instructions: usize,
    /// Method component offsets of one-byte constant pool indices.
    pub cp_bytes: Vec<u16>,
    /// Method component offsets of two-byte constant pool indices.
    pub cp_words: Vec<u16>,
    /// Offsets of `checkcast`/`instanceof` index operands of primitive array types, which
    /// name no constant pool entry and may or may not be listed.
    pub cp_optional: Vec<u16>,
}

/// An exception handler, relative to the method's first bytecode.
#[derive(Debug, Clone, Copy)]
struct Handler {
    start: usize,
    end: usize,
    target: usize,
    catch: ClassId,
}

/// A decoded method and the interface methods it invokes, by pc.
pub(crate) struct Prepared {
    insns: Vec<Option<Insn>>,
    ifaces: Vec<(usize, Result<Method, String>)>,
}

/// One frame: local variables, operand stack, and whether `this` still awaits its
/// superclass constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    locals: Vec<VType>,
    stack: Vec<VType>,
    this_uninit: bool,
}

/// A frame recorded at an instruction for one subroutine context.
struct Slot {
    ctx: Vec<u16>,
    frame: Frame,
    queued: bool,
}

/// Where control goes after an instruction.
enum Next {
    /// The next instruction.
    Fall,
    /// The next instruction or these targets.
    Branch(Vec<usize>),
    /// Only these targets.
    Jump(Vec<usize>),
    /// Nowhere (return, throw).
    Stop,
    /// `jsr`: the subroutine at the target, returning to the pc after the `jsr`.
    Jsr(usize, u16),
    /// `ret` to this address.
    Ret(u16),
}

/// Verification of one method.
pub(crate) struct MethodVerifier<'p, 'a> {
    pkg: &'p Pkg<'a>,
    ci: usize,
    method: &'p Method,
    class: ClassId,
    superclass: Option<ClassId>,
    info: MethodInfo<'a>,
    code: &'a [u8],
    insns: Vec<Option<Insn>>,
    handlers: Vec<Handler>,
    /// Class of each `new` by pc.
    new_class: HashMap<usize, ClassId>,
    /// Interface method of each `invokeinterface` by pc.
    iface: HashMap<usize, Method>,
    max_stack: usize,
    nlocals: usize,
    label: String,
}

type R<T> = Result<T, K>;

fn mismatch(expected: impl Into<String>, found: String) -> K {
    K::TypeMismatch {
        expected: expected.into(),
        found,
    }
}

impl<'p, 'a> MethodVerifier<'p, 'a> {
    /// Prepares method (`ci`, `mi`): decodes it, checks targets and handlers, and resolves
    /// the interface methods it invokes (which may add classes to the package's table).
    pub fn prepare(
        pkg: &mut Pkg<'a>,
        entry: &MethodEntry<'a>,
        info: MethodInfo<'a>,
        summary: &mut MethodSummary,
    ) -> Result<Prepared, VerifyError> {
        let (ci, mi, handlers) = (entry.class_index, entry.method_index, entry.handlers);
        let first_handler = usize::from(entry.descriptor.exception_handler_index);
        let code = info.bytecodes;
        let label = pkg.method_name(ci, mi);
        let class_label = pkg.class_label(ci);
        let at = |pc: usize, kind: K| {
            let pc16 = u16::try_from(pc).unwrap_or(u16::MAX);
            VerifyError::new(ComponentTag::METHOD, kind)
                .at(usize::from(info.bytecode_offset).saturating_add(pc))
                .in_class(class_label.as_str())
                .in_method(label.as_str())
                .at_pc(pc16)
        };
        let mut insns: Vec<Option<Insn>> = vec![None; code.len()];
        let mut ifaces = Vec::new();
        let mut pc = 0usize;
        let base = usize::from(info.bytecode_offset);
        let comp = |pc: usize, k: usize| {
            u16::try_from(base.saturating_add(pc).saturating_add(k)).unwrap_or(u16::MAX)
        };
        while pc < code.len() {
            let insn = decode(code, pc).map_err(|e| at(pc, K::Decode(e.kind)))?;
            if insn.opcode.is_int() && !pkg.uses_int {
                return Err(at(
                    pc,
                    K::IntNotSupported(format!("instruction {}", insn.opcode)),
                ));
            }
            match (&insn.operands, insn.opcode.format()) {
                (Operands::Cp(_), crate::isa::Format::Cp1) => summary.cp_bytes.push(comp(pc, 1)),
                (Operands::Cp(_), _) => summary.cp_words.push(comp(pc, 1)),
                (Operands::TypeCheck { atype, .. }, _) => {
                    if *atype == 0 || *atype == 14 {
                        summary.cp_words.push(comp(pc, 2));
                    } else {
                        summary.cp_optional.push(comp(pc, 2));
                    }
                }
                (Operands::Interface { index, method, .. }, _) => {
                    summary.cp_words.push(comp(pc, 2));
                    let r = match pkg.cp.get(usize::from(*index)) {
                        Some(Cp::Class(c)) if pkg.table.is_interface(*c) => {
                            pkg.resolve_interface(*c, *method)
                        }
                        _ => Err(String::new()),
                    };
                    ifaces.push((pc, r));
                }
                _ => {}
            }
            let len = insn.len;
            if let Some(slot) = insns.get_mut(pc) {
                *slot = Some(insn);
            }
            summary.instructions = summary.instructions.saturating_add(1);
            pc = pc.saturating_add(len);
        }
        // Branch and switch targets land on instruction starts.
        for (pc, insn) in insns.iter().enumerate() {
            let Some(insn) = insn else { continue };
            let offsets: Vec<i16> = match &insn.operands {
                Operands::Branch(o) => vec![*o],
                Operands::TableSwitch {
                    default, offsets, ..
                } => std::iter::once(*default)
                    .chain(offsets.iter().copied())
                    .collect(),
                Operands::LookupSwitch { default, pairs } => std::iter::once(*default)
                    .chain(pairs.iter().map(|p| p.1))
                    .collect(),
                _ => continue,
            };
            for o in offsets {
                let target = i64::try_from(pc)
                    .unwrap_or(i64::MAX)
                    .saturating_add(i64::from(o));
                let ok = usize::try_from(target)
                    .ok()
                    .is_some_and(|t| insns.get(t).is_some_and(Option::is_some));
                if !ok {
                    return Err(at(pc, K::BranchTarget { target }));
                }
            }
        }
        // Handler ranges and entries on instruction starts.
        for (k, h) in handlers.iter().enumerate() {
            let rel = |o: u32| {
                o.checked_sub(u32::from(info.bytecode_offset))
                    .map(|v| v as usize)
            };
            let start = rel(u32::from(h.start_offset));
            let end = rel(h.end_offset());
            let target = rel(u32::from(h.handler_offset));
            let herr = |what: String| {
                VerifyError::new(ComponentTag::METHOD, K::Handler(what))
                    .at(first_handler
                        .saturating_add(k)
                        .saturating_mul(8)
                        .saturating_add(1))
                    .in_class(class_label.as_str())
                    .in_method(label.as_str())
            };
            let boundary = |o: Option<usize>, end_ok: bool| {
                o.is_some_and(|o| {
                    (end_ok && o == code.len()) || insns.get(o).is_some_and(Option::is_some)
                })
            };
            if h.active_length == 0 || !boundary(start, false) || !boundary(end, true) {
                return Err(herr(format!(
                    "handler {k}: range {:#06x}..{:#06x} does not start and end on instruction boundaries",
                    h.start_offset,
                    h.end_offset()
                )));
            }
            if !boundary(target, false) {
                return Err(herr(format!(
                    "handler {k}: entry {:#06x} is not the start of an instruction",
                    h.handler_offset
                )));
            }
        }
        Ok(Prepared { insns, ifaces })
    }

    /// A verifier for a prepared method.
    pub fn new(
        pkg: &'p Pkg<'a>,
        entry: &MethodEntry<'a>,
        info: MethodInfo<'a>,
        prepared: Prepared,
    ) -> Result<Self, VerifyError> {
        let (ci, mi, handlers) = (entry.class_index, entry.method_index, entry.handlers);
        let first_handler = usize::from(entry.descriptor.exception_handler_index);
        let Prepared { insns, ifaces } = prepared;
        let method = pkg.method(ci, mi).ok_or_else(|| {
            VerifyError::new(
                ComponentTag::DESCRIPTOR,
                K::Descriptor(format!("no method {ci}.{mi}")),
            )
        })?;
        let internal = pkg.classes.get(ci);
        let class = internal.map_or(pkg.object, |c| c.id);
        let superclass = internal.and_then(|c| c.superclass);
        let label = pkg.method_name(ci, mi);
        let mut v = MethodVerifier {
            pkg,
            ci,
            method,
            class,
            superclass,
            info,
            code: info.bytecodes,
            insns,
            handlers: Vec::new(),
            new_class: HashMap::new(),
            iface: HashMap::new(),
            max_stack: usize::from(info.header.max_stack),
            nlocals: usize::from(info.header.nargs)
                .saturating_add(usize::from(info.header.max_locals)),
            label,
        };
        for (k, h) in handlers.iter().enumerate() {
            let rel = |o: u32| {
                o.checked_sub(u32::from(info.bytecode_offset))
                    .and_then(|v| usize::try_from(v).ok())
                    .unwrap_or(0)
            };
            let catch = if h.catch_type_index == 0 {
                pkg.throwable
            } else {
                match pkg.cp.get(usize::from(h.catch_type_index)) {
                    Some(Cp::Class(c)) if pkg.table.is_subtype(*c, pkg.throwable) => *c,
                    Some(Cp::Class(c)) => {
                        return Err(v.err_handler(
                            first_handler,
                            k,
                            K::Handler(format!(
                            "handler {k}: catch type {} is not a subclass of java.lang.Throwable",
                            pkg.table.label(*c)
                        )),
                        ))
                    }
                    _ => {
                        return Err(v.err_handler(
                            first_handler,
                            k,
                            K::Handler(format!(
                                "handler {k}: catch_type_index {} is not a Classref",
                                h.catch_type_index
                            )),
                        ))
                    }
                }
            };
            v.handlers.push(Handler {
                start: rel(u32::from(h.start_offset)),
                end: rel(h.end_offset()),
                target: rel(u32::from(h.handler_offset)),
                catch,
            });
        }
        for (pc, r) in ifaces {
            match r {
                Ok(m) => {
                    v.iface.insert(pc, m);
                }
                Err(e) if !e.is_empty() => return Err(v.err_at(pc, K::Unresolved(e))),
                Err(_) => {}
            }
        }
        for (pc, insn) in v.insns.iter().enumerate() {
            if let Some(Insn {
                opcode: Opcode::New,
                operands: Operands::Cp(i),
                ..
            }) = insn
            {
                if let Some(Cp::Class(c)) = pkg.cp.get(usize::from(*i)) {
                    v.new_class.insert(pc, *c);
                }
            }
        }
        Ok(v)
    }

    fn err_plain(&self, kind: K) -> VerifyError {
        VerifyError::new(ComponentTag::METHOD, kind)
            .at(usize::from(self.info.offset))
            .in_class(self.pkg.class_label(self.ci))
            .in_method(self.label.as_str())
    }

    /// An error about the method's `k`-th handler, located at its handler table entry.
    fn err_handler(&self, first: usize, k: usize, kind: K) -> VerifyError {
        self.err_plain(kind)
            .at(first.saturating_add(k).saturating_mul(8).saturating_add(1))
    }

    fn err_at(&self, pc: usize, kind: K) -> VerifyError {
        VerifyError::new(ComponentTag::METHOD, kind)
            .at(usize::from(self.info.bytecode_offset).saturating_add(pc))
            .in_class(self.pkg.class_label(self.ci))
            .in_method(self.label.as_str())
            .at_pc(u16::try_from(pc).unwrap_or(u16::MAX))
    }

    fn initial_frame(&self) -> Result<Frame, VerifyError> {
        let mut locals = vec![VType::Top; self.nlocals];
        let mut words: Vec<VType> = Vec::new();
        let is_object = Some(self.class) == self.pkg.table.object();
        let this_uninit = self.method.is_init && !is_object;
        if !self.method.access.is_static {
            words.push(if this_uninit {
                VType::UninitThis
            } else {
                VType::Ref(RefType::Class(self.class))
            });
        }
        for p in &self.method.params {
            match p {
                JType::Int => {
                    words.push(VType::IntHi);
                    words.push(VType::IntLo);
                }
                JType::Ref(r) => words.push(VType::Ref(*r)),
                _ => words.push(VType::Short),
            }
        }
        if words.len() > locals.len() {
            return Err(self.err_plain(K::MethodHeader(format!(
                "parameters take {} words but the method has {} locals",
                words.len(),
                locals.len()
            ))));
        }
        for (slot, w) in locals.iter_mut().zip(words) {
            *slot = w;
        }
        Ok(Frame {
            locals,
            stack: Vec::new(),
            this_uninit,
        })
    }

    /// Runs the dataflow pass to a fixed point.
    pub fn run(&self) -> Result<(), VerifyError> {
        let len = self.code.len();
        if len == 0 {
            return Err(self.err_at(0, K::FallsOffEnd));
        }
        let mut states: Vec<Vec<Slot>> = Vec::new();
        states.resize_with(len, Vec::new);
        let mut work: Vec<(usize, usize)> = vec![(0, 0)];
        if let Some(s) = states.get_mut(0) {
            s.push(Slot {
                ctx: Vec::new(),
                frame: self.initial_frame()?,
                queued: true,
            });
        }
        let mut slots = 1usize;
        let max_slots = len.saturating_mul(4).saturating_add(256);
        let mut steps = 0usize;
        let max_steps = len.saturating_mul(256).saturating_add(100_000);
        while let Some((pc, si)) = work.pop() {
            steps = steps.saturating_add(1);
            if steps > max_steps {
                return Err(self.err_at(pc, K::Limit("dataflow did not settle".into())));
            }
            let Some(slot) = states.get_mut(pc).and_then(|s| s.get_mut(si)) else {
                continue;
            };
            slot.queued = false;
            let mut frame = slot.frame.clone();
            let ctx = slot.ctx.clone();
            let Some(Some(insn)) = self.insns.get(pc) else {
                continue;
            };
            // Exception edges: the handler sees this instruction's locals and the exception.
            for h in &self.handlers {
                if pc >= h.start && pc < h.end {
                    let locals = frame
                        .locals
                        .iter()
                        .map(|v| match v {
                            VType::Uninit(_) | VType::UninitThis => VType::Top,
                            other => *other,
                        })
                        .collect();
                    let hf = Frame {
                        locals,
                        stack: vec![VType::Ref(RefType::Class(h.catch))],
                        this_uninit: frame.this_uninit,
                    };
                    if self.max_stack < 1 {
                        return Err(self.err_at(
                            h.target,
                            K::StackOverflow {
                                max_stack: self.info.header.max_stack,
                            },
                        ));
                    }
                    self.flow_to(
                        &mut states,
                        &mut work,
                        &mut slots,
                        max_slots,
                        h.target,
                        &ctx,
                        &hf,
                    )?;
                }
            }
            if insn.opcode == Opcode::Jsr {
                let ret = u16::try_from(pc.saturating_add(insn.len)).unwrap_or(u16::MAX);
                if ctx.contains(&ret) {
                    return Err(self.err_at(pc, K::Subroutine("recursive jsr".into())));
                }
                if ctx.len() >= MAX_SUBROUTINE_DEPTH {
                    return Err(self.err_at(
                        pc,
                        K::Subroutine(format!("nested deeper than {MAX_SUBROUTINE_DEPTH}")),
                    ));
                }
            }
            let next = self
                .exec(pc, insn, &mut frame)
                .map_err(|k| self.err_at(pc, k))?;
            let fall = pc.saturating_add(insn.len);
            let mut to = |t: usize, c: &[u16], f: &Frame| -> Result<(), VerifyError> {
                if t >= len {
                    return Err(self.err_at(pc, K::FallsOffEnd));
                }
                self.flow_to(&mut states, &mut work, &mut slots, max_slots, t, c, f)
            };
            match next {
                Next::Fall => to(fall, &ctx, &frame)?,
                Next::Branch(ts) => {
                    to(fall, &ctx, &frame)?;
                    for t in ts {
                        to(t, &ctx, &frame)?;
                    }
                }
                Next::Jump(ts) => {
                    for t in ts {
                        to(t, &ctx, &frame)?;
                    }
                }
                Next::Stop => {}
                Next::Jsr(t, ret) => {
                    let mut c = ctx.clone();
                    c.push(ret);
                    to(t, &c, &frame)?;
                }
                Next::Ret(r) => {
                    let Some(pos) = ctx.iter().rposition(|x| *x == r) else {
                        return Err(self.err_at(
                            pc,
                            K::Subroutine(format!(
                                "ret to {r:#06x}, which no active jsr returns to"
                            )),
                        ));
                    };
                    let c = ctx.get(..pos).unwrap_or(&[]).to_vec();
                    to(usize::from(r), &c, &frame)?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn flow_to(
        &self,
        states: &mut [Vec<Slot>],
        work: &mut Vec<(usize, usize)>,
        slots: &mut usize,
        max_slots: usize,
        target: usize,
        ctx: &[u16],
        frame: &Frame,
    ) -> Result<(), VerifyError> {
        let Some(list) = states.get_mut(target) else {
            return Err(self.err_at(target, K::FallsOffEnd));
        };
        if let Some((si, slot)) = list.iter_mut().enumerate().find(|(_, s)| s.ctx == ctx) {
            let changed = self
                .merge(&mut slot.frame, frame)
                .map_err(|k| self.err_at(target, k))?;
            if changed && !slot.queued {
                slot.queued = true;
                work.push((target, si));
            }
            return Ok(());
        }
        *slots = slots.saturating_add(1);
        if *slots > max_slots {
            return Err(self.err_at(target, K::Limit("too many subroutine contexts".into())));
        }
        list.push(Slot {
            ctx: ctx.to_vec(),
            frame: frame.clone(),
            queued: true,
        });
        work.push((target, list.len().saturating_sub(1)));
        Ok(())
    }

    fn merge(&self, into: &mut Frame, from: &Frame) -> R<bool> {
        if into.stack.len() != from.stack.len() {
            return Err(K::StackHeight {
                expected: into.stack.len(),
                found: from.stack.len(),
            });
        }
        let t = &self.pkg.table;
        let mut changed = false;
        for (a, b) in into.stack.iter_mut().zip(&from.stack) {
            let m = t.merge(*a, *b);
            if m == VType::Top {
                return Err(K::TypeMismatch {
                    expected: format!("{} on the operand stack (another path)", t.show(*a)),
                    found: t.show(*b),
                });
            }
            if m != *a {
                *a = m;
                changed = true;
            }
        }
        for (a, b) in into.locals.iter_mut().zip(&from.locals) {
            let m = t.merge(*a, *b);
            if m != *a {
                *a = m;
                changed = true;
            }
        }
        if from.this_uninit && !into.this_uninit {
            into.this_uninit = true;
            changed = true;
        }
        Ok(changed)
    }

    // ---- stack and locals --------------------------------------------------------------

    fn push(&self, f: &mut Frame, v: VType) -> R<()> {
        if f.stack.len() >= self.max_stack {
            return Err(K::StackOverflow {
                max_stack: self.info.header.max_stack,
            });
        }
        f.stack.push(v);
        Ok(())
    }

    fn push_j(&self, f: &mut Frame, t: JType) -> R<()> {
        match t {
            JType::Void => Ok(()),
            JType::Int => {
                self.push(f, VType::IntHi)?;
                self.push(f, VType::IntLo)
            }
            JType::Ref(r) => self.push(f, VType::Ref(r)),
            _ => self.push(f, VType::Short),
        }
    }

    fn need(f: &Frame, n: usize) -> R<()> {
        if f.stack.len() < n {
            Err(K::StackUnderflow {
                needed: n,
                depth: f.stack.len(),
            })
        } else {
            Ok(())
        }
    }

    fn pop(&self, f: &mut Frame) -> R<VType> {
        Self::need(f, 1)?;
        f.stack.pop().ok_or(K::StackUnderflow {
            needed: 1,
            depth: 0,
        })
    }

    fn pop_short(&self, f: &mut Frame) -> R<()> {
        Self::need(f, 1)?;
        match self.pop(f)? {
            VType::Short => Ok(()),
            v => Err(mismatch("short", self.pkg.table.show(v))),
        }
    }

    fn pop_int(&self, f: &mut Frame) -> R<()> {
        Self::need(f, 2)?;
        let lo = self.pop(f)?;
        let hi = self.pop(f)?;
        if lo == VType::IntLo && hi == VType::IntHi {
            Ok(())
        } else {
            Err(mismatch(
                "int",
                format!(
                    "{} and {}",
                    self.pkg.table.show(hi),
                    self.pkg.table.show(lo)
                ),
            ))
        }
    }

    /// Pops an initialised reference (or null).
    fn pop_ref(&self, f: &mut Frame) -> R<VType> {
        let v = self.pop(f)?;
        if v.is_init_ref() {
            Ok(v)
        } else {
            Err(mismatch("an initialized reference", self.pkg.table.show(v)))
        }
    }

    /// Pops a value of declared type `t`.
    fn pop_j(&self, f: &mut Frame, t: JType) -> R<VType> {
        match t {
            JType::Void => Ok(VType::Top),
            JType::Int => self.pop_int(f).map(|_| VType::IntHi),
            JType::Boolean | JType::Byte | JType::Short => self.pop_short(f).map(|_| VType::Short),
            JType::Ref(r) => {
                Self::need(f, 1)?;
                let v = self.pop(f)?;
                let ok = match v {
                    VType::Null => true,
                    VType::Ref(vr) => self.pkg.table.ref_assignable(vr, r),
                    _ => false,
                };
                if ok {
                    Ok(v)
                } else {
                    Err(mismatch(self.pkg.table.show_ref(r), self.pkg.table.show(v)))
                }
            }
        }
    }

    fn pop_array(&self, f: &mut Frame, elems: &[Elem], what: &str) -> R<VType> {
        let v = self.pop(f)?;
        match v {
            VType::Null => Ok(v),
            VType::Ref(RefType::Array(e)) if elems.contains(&e) => Ok(v),
            VType::Ref(RefType::Array(Elem::Ref(_))) if elems.is_empty() => Ok(v),
            _ => Err(mismatch(what, self.pkg.table.show(v))),
        }
    }

    fn local(&self, f: &Frame, i: usize) -> R<VType> {
        f.locals.get(i).copied().ok_or(K::LocalIndex {
            index: i,
            count: self.nlocals,
        })
    }

    fn set_local(&self, f: &mut Frame, i: usize, v: VType) -> R<()> {
        let count = self.nlocals;
        let cur = self.local(f, i)?;
        // Overwriting half of an int leaves the other half unusable.
        if cur == VType::IntLo {
            if let Some(prev) = i.checked_sub(1).and_then(|p| f.locals.get_mut(p)) {
                *prev = VType::Top;
            }
        }
        if cur == VType::IntHi {
            if let Some(next) = i.checked_add(1).and_then(|n| f.locals.get_mut(n)) {
                *next = VType::Top;
            }
        }
        *f.locals
            .get_mut(i)
            .ok_or(K::LocalIndex { index: i, count })? = v;
        Ok(())
    }

    fn load_short(&self, f: &mut Frame, i: usize) -> R<()> {
        match self.local(f, i)? {
            VType::Short => self.push(f, VType::Short),
            v => Err(mismatch(
                format!("short in local {i}"),
                self.pkg.table.show(v),
            )),
        }
    }

    fn load_int(&self, f: &mut Frame, i: usize) -> R<()> {
        let hi = self.local(f, i)?;
        let lo = self.local(f, i.saturating_add(1))?;
        if hi == VType::IntHi && lo == VType::IntLo {
            self.push(f, VType::IntHi)?;
            self.push(f, VType::IntLo)
        } else {
            Err(mismatch(
                format!("int in locals {i} and {}", i.saturating_add(1)),
                format!(
                    "{} and {}",
                    self.pkg.table.show(hi),
                    self.pkg.table.show(lo)
                ),
            ))
        }
    }

    fn load_ref(&self, f: &mut Frame, i: usize) -> R<()> {
        let v = self.local(f, i)?;
        if v.is_any_ref() {
            self.push(f, v)
        } else {
            Err(mismatch(
                format!("reference in local {i}"),
                self.pkg.table.show(v),
            ))
        }
    }

    fn store_short(&self, f: &mut Frame, i: usize) -> R<()> {
        self.pop_short(f)?;
        self.set_local(f, i, VType::Short)
    }

    fn store_int(&self, f: &mut Frame, i: usize) -> R<()> {
        self.pop_int(f)?;
        self.local(f, i.saturating_add(1))?;
        self.set_local(f, i, VType::IntHi)?;
        self.set_local(f, i.saturating_add(1), VType::IntLo)
    }

    fn store_ref(&self, f: &mut Frame, i: usize) -> R<()> {
        let v = self.pop(f)?;
        if v.is_any_ref() || matches!(v, VType::RetAddr(_)) {
            self.set_local(f, i, v)
        } else {
            Err(mismatch(
                "reference or returnAddress",
                self.pkg.table.show(v),
            ))
        }
    }

    /// A single-word value that is not half of an int.
    fn single(v: VType) -> bool {
        !matches!(v, VType::IntHi | VType::IntLo)
    }

    // ---- constant pool -----------------------------------------------------------------

    fn cp(&self, index: u16) -> R<&'p Cp> {
        self.pkg.cp.get(usize::from(index)).ok_or_else(|| {
            K::BadOperand(format!(
                "constant pool index {index} beyond the {} entries",
                self.pkg.cp.len()
            ))
        })
    }

    fn cp_kind_err(index: u16, expected: &'static str, found: &Cp) -> K {
        K::ConstantPoolKind {
            index,
            expected,
            found: match found {
                Cp::Class(_) => "Classref",
                Cp::InstanceField(_) => "InstanceFieldref",
                Cp::StaticField(_) => "StaticFieldref",
                Cp::Virtual(_) => "VirtualMethodref",
                Cp::Super { .. } => "SuperMethodref",
                Cp::Static(_) => "StaticMethodref",
            },
        }
    }

    fn cp_class(&self, index: u16) -> R<ClassId> {
        match self.cp(index)? {
            Cp::Class(c) => Ok(*c),
            other => Err(Self::cp_kind_err(index, "Classref", other)),
        }
    }

    fn cp_instance_field(&self, index: u16) -> R<&'p Field> {
        match self.cp(index)? {
            Cp::InstanceField(f) => Ok(f),
            other => Err(Self::cp_kind_err(index, "InstanceFieldref", other)),
        }
    }

    fn cp_static_field(&self, index: u16) -> R<&'p Field> {
        match self.cp(index)? {
            Cp::StaticField(f) => Ok(f),
            other => Err(Self::cp_kind_err(index, "StaticFieldref", other)),
        }
    }

    /// The field's type fits the instruction's type letter.
    fn field_kind(&self, f: &Field, letter: char) -> R<()> {
        let ok = matches!(
            (letter, f.ty),
            ('a', JType::Ref(_))
                | ('b', JType::Byte | JType::Boolean)
                | ('s', JType::Short)
                | ('i', JType::Int)
        );
        if ok {
            Ok(())
        } else {
            Err(mismatch(
                format!(
                    "a {} field",
                    match letter {
                        'a' => "reference",
                        'b' => "byte or boolean",
                        's' => "short",
                        _ => "int",
                    }
                ),
                format!("{} {}", self.pkg.table.show_j(f.ty), f.label),
            ))
        }
    }

    // ---- access ------------------------------------------------------------------------

    /// Private members only from their class; protected members of other packages only
    /// from subclasses and, for instance members, on objects of the accessing class.
    fn check_access(
        &self,
        class: ClassId,
        access: super::model::Access,
        internal: bool,
        label: &str,
        object: Option<VType>,
    ) -> R<()> {
        let t = &self.pkg.table;
        if access.private && (!internal || class != self.class) {
            return Err(K::Access(format!(
                "private member {label} used from {}",
                t.label(self.class)
            )));
        }
        if !internal && !access.public && !access.protected {
            return Err(K::Access(format!(
                "package-visible member {label} of another package used from {}",
                t.label(self.class)
            )));
        }
        if !internal && access.protected && !access.public {
            if !t.is_subtype(self.class, class) {
                return Err(K::Access(format!(
                    "protected member {label} used from {}, which is not a subclass",
                    t.label(self.class)
                )));
            }
            if let Some(VType::Ref(r)) = object {
                if !t.ref_assignable(r, RefType::Class(self.class)) {
                    return Err(K::Access(format!(
                        "protected member {label} used on a {}, not a {}",
                        t.show_ref(r),
                        t.label(self.class)
                    )));
                }
            }
        }
        Ok(())
    }

    fn check_final_put(&self, f: &Field) -> R<()> {
        if f.access.is_final && (!f.internal || f.class != self.class) {
            return Err(K::Access(format!(
                "final field {} assigned from {}",
                f.label,
                self.pkg.table.label(self.class)
            )));
        }
        Ok(())
    }

    // ---- instructions ------------------------------------------------------------------

    fn getfield(&self, f: &mut Frame, index: u16, letter: char, this: bool) -> R<()> {
        let field = self.cp_instance_field(index)?;
        self.field_kind(field, letter)?;
        let obj = if this {
            self.local(f, 0)?
        } else {
            self.pop(f)?
        };
        let ok = match obj {
            VType::Null => true,
            VType::Ref(r) => self
                .pkg
                .table
                .ref_assignable(r, RefType::Class(field.class)),
            _ => false,
        };
        if !ok {
            return Err(mismatch(
                format!("{} for {}", self.pkg.table.label(field.class), field.label),
                self.pkg.table.show(obj),
            ));
        }
        self.check_access(
            field.class,
            field.access,
            field.internal,
            &field.label,
            Some(obj),
        )?;
        self.push_j(f, field.ty)
    }

    fn putfield(&self, f: &mut Frame, index: u16, letter: char, this: bool) -> R<()> {
        let field = self.cp_instance_field(index)?;
        self.field_kind(field, letter)?;
        self.pop_j(f, field.ty)?;
        let obj = if this {
            self.local(f, 0)?
        } else {
            self.pop(f)?
        };
        let ok = match obj {
            VType::Null => true,
            VType::Ref(r) => self
                .pkg
                .table
                .ref_assignable(r, RefType::Class(field.class)),
            // A constructor may set its own class's fields before calling super().
            VType::UninitThis => field.internal && field.class == self.class,
            _ => false,
        };
        if !ok {
            return Err(mismatch(
                format!("{} for {}", self.pkg.table.label(field.class), field.label),
                self.pkg.table.show(obj),
            ));
        }
        self.check_access(
            field.class,
            field.access,
            field.internal,
            &field.label,
            Some(obj),
        )?;
        self.check_final_put(field)
    }

    fn pop_args(&self, f: &mut Frame, m: &Method) -> R<()> {
        Self::need(f, m.param_words())?;
        for p in m.params.iter().rev() {
            self.pop_j(f, *p)?;
        }
        Ok(())
    }

    /// Replaces every occurrence of an uninitialised object with its initialised type.
    fn initialise(f: &mut Frame, which: VType, class: ClassId) {
        let done = VType::Ref(RefType::Class(class));
        for v in f.locals.iter_mut().chain(f.stack.iter_mut()) {
            if *v == which {
                *v = done;
            }
        }
        if which == VType::UninitThis {
            f.this_uninit = false;
        }
    }

    fn invoke(&self, pc: usize, op: Opcode, f: &mut Frame, index: u16) -> R<()> {
        let t = &self.pkg.table;
        let entry = self.cp(index)?;
        match (op, entry) {
            (Opcode::Invokestatic, Cp::Static(m)) => {
                if !m.access.is_static || m.is_init {
                    return Err(K::BadOperand(format!(
                        "invokestatic of {}, which is not a static method",
                        m.label
                    )));
                }
                self.pop_args(f, m)?;
                self.check_access(m.class, m.access, m.internal.is_some(), &m.label, None)?;
                self.push_j(f, m.ret)
            }
            (Opcode::Invokestatic, other) => {
                Err(Self::cp_kind_err(index, "StaticMethodref", other))
            }
            (Opcode::Invokevirtual, Cp::Virtual(m)) => {
                self.pop_args(f, m)?;
                let obj = self.pop_j(f, JType::Ref(RefType::Class(m.class)))?;
                self.check_access(m.class, m.access, m.internal.is_some(), &m.label, Some(obj))?;
                self.push_j(f, m.ret)
            }
            (Opcode::Invokevirtual, other) => {
                Err(Self::cp_kind_err(index, "VirtualMethodref", other))
            }
            (Opcode::Invokespecial, Cp::Static(m)) if m.is_init => {
                self.pop_args(f, m)?;
                let obj = self.pop(f)?;
                match obj {
                    VType::Uninit(p) => {
                        let c = self.new_class.get(&usize::from(p)).copied();
                        if c != Some(m.class) {
                            return Err(K::Uninitialized(format!(
                                "constructor {} called on a new {}",
                                m.label,
                                c.map_or_else(|| "?".into(), |c| t.label(c))
                            )));
                        }
                        Self::initialise(f, obj, m.class);
                    }
                    VType::UninitThis => {
                        if m.class != self.class && Some(m.class) != self.superclass {
                            return Err(K::Uninitialized(format!(
                                "constructor {} is not of {} or its superclass",
                                m.label,
                                t.label(self.class)
                            )));
                        }
                        Self::initialise(f, obj, self.class);
                    }
                    other => {
                        return Err(K::Uninitialized(format!(
                            "constructor {} called on {}, not on an uninitialized object",
                            m.label,
                            t.show(other)
                        )))
                    }
                }
                self.check_access(m.class, m.access, m.internal.is_some(), &m.label, None)?;
                self.push_j(f, m.ret)
            }
            (Opcode::Invokespecial, Cp::Static(m)) => {
                if m.access.is_static {
                    return Err(K::BadOperand(format!(
                        "invokespecial of static method {}",
                        m.label
                    )));
                }
                self.pop_args(f, m)?;
                let obj = self.pop_j(f, JType::Ref(RefType::Class(m.class)))?;
                self.check_access(m.class, m.access, m.internal.is_some(), &m.label, Some(obj))?;
                self.push_j(f, m.ret)
            }
            (Opcode::Invokespecial, Cp::Super { named, method: m }) => {
                if *named != self.class {
                    return Err(K::Access(format!(
                        "super call names {}, not the calling class {}",
                        t.label(*named),
                        t.label(self.class)
                    )));
                }
                self.pop_args(f, m)?;
                let obj = self.pop_j(f, JType::Ref(RefType::Class(self.class)))?;
                self.check_access(m.class, m.access, m.internal.is_some(), &m.label, Some(obj))?;
                self.push_j(f, m.ret)
            }
            (Opcode::Invokespecial, other) => Err(Self::cp_kind_err(
                index,
                "StaticMethodref or SuperMethodref",
                other,
            )),
            _ => {
                let _ = pc;
                Err(K::BadOperand(format!("{op} is not an invocation")))
            }
        }
    }

    fn invokeinterface(&self, pc: usize, f: &mut Frame, nargs: u8, index: u16) -> R<()> {
        let iface = self.cp_class(index)?;
        if !self.pkg.table.is_interface(iface) {
            return Err(K::BadOperand(format!(
                "invokeinterface names {}, which is not an interface",
                self.pkg.table.label(iface)
            )));
        }
        let m = self
            .iface
            .get(&pc)
            .ok_or_else(|| K::Unresolved("interface method".into()))?;
        let words = m.param_words().saturating_add(1);
        if usize::from(nargs) != words {
            return Err(K::BadOperand(format!(
                "invokeinterface nargs {nargs} but {} takes {words} words with this",
                m.label
            )));
        }
        self.pop_args(f, m)?;
        let obj = self.pop_ref(f)?;
        self.check_access(m.class, m.access, m.internal.is_some(), &m.label, Some(obj))?;
        self.push_j(f, m.ret)
    }

    fn array_type(&self, atype: u8) -> R<Elem> {
        match atype {
            10 => Ok(Elem::Boolean),
            11 => Ok(Elem::Byte),
            12 => Ok(Elem::Short),
            13 if self.pkg.uses_int => Ok(Elem::Int),
            13 => Err(K::IntNotSupported("int array type".into())),
            other => Err(K::BadOperand(format!("array type {other} is not 10..=13"))),
        }
    }

    fn type_check_target(&self, atype: u8, index: u16) -> R<RefType> {
        match atype {
            0 => Ok(RefType::Class(self.cp_class(index)?)),
            14 => Ok(RefType::Array(Elem::Ref(self.cp_class(index)?))),
            a => Ok(RefType::Array(self.array_type(a)?)),
        }
    }

    fn branch_targets(&self, pc: usize, insn: &Insn) -> Vec<usize> {
        insn.branch_targets(pc).into_iter().flatten().collect()
    }

    /// Executes one instruction on `f` and says where control goes.
    fn exec(&self, pc: usize, insn: &Insn, f: &mut Frame) -> R<Next> {
        use Opcode as O;
        let t = &self.pkg.table;
        let local = match insn.operands {
            Operands::Local(i) => usize::from(i),
            Operands::Inc { index, .. } => usize::from(index),
            _ => 0,
        };
        let cp = match insn.operands {
            Operands::Cp(i) => i,
            _ => 0,
        };
        match insn.opcode {
            O::Nop => {}
            O::AconstNull => self.push(f, VType::Null)?,
            O::SconstM1
            | O::Sconst0
            | O::Sconst1
            | O::Sconst2
            | O::Sconst3
            | O::Sconst4
            | O::Sconst5
            | O::Bspush
            | O::Sspush => self.push(f, VType::Short)?,
            O::IconstM1
            | O::Iconst0
            | O::Iconst1
            | O::Iconst2
            | O::Iconst3
            | O::Iconst4
            | O::Iconst5
            | O::Bipush
            | O::Sipush
            | O::Iipush => self.push_j(f, JType::Int)?,
            O::Aload => self.load_ref(f, local)?,
            O::Aload0 => self.load_ref(f, 0)?,
            O::Aload1 => self.load_ref(f, 1)?,
            O::Aload2 => self.load_ref(f, 2)?,
            O::Aload3 => self.load_ref(f, 3)?,
            O::Sload => self.load_short(f, local)?,
            O::Sload0 => self.load_short(f, 0)?,
            O::Sload1 => self.load_short(f, 1)?,
            O::Sload2 => self.load_short(f, 2)?,
            O::Sload3 => self.load_short(f, 3)?,
            O::Iload => self.load_int(f, local)?,
            O::Iload0 => self.load_int(f, 0)?,
            O::Iload1 => self.load_int(f, 1)?,
            O::Iload2 => self.load_int(f, 2)?,
            O::Iload3 => self.load_int(f, 3)?,
            O::Aaload => {
                self.pop_short(f)?;
                match self.pop_array(f, &[], "a reference array")? {
                    VType::Ref(RefType::Array(Elem::Ref(c))) => {
                        self.push(f, VType::Ref(RefType::Class(c)))?
                    }
                    _ => self.push(f, VType::Null)?,
                }
            }
            O::Baload => {
                self.pop_short(f)?;
                self.pop_array(f, &[Elem::Byte, Elem::Boolean], "byte[] or boolean[]")?;
                self.push(f, VType::Short)?;
            }
            O::Saload => {
                self.pop_short(f)?;
                self.pop_array(f, &[Elem::Short], "short[]")?;
                self.push(f, VType::Short)?;
            }
            O::Iaload => {
                self.pop_short(f)?;
                self.pop_array(f, &[Elem::Int], "int[]")?;
                self.push_j(f, JType::Int)?;
            }
            O::Astore => self.store_ref(f, local)?,
            O::Astore0 => self.store_ref(f, 0)?,
            O::Astore1 => self.store_ref(f, 1)?,
            O::Astore2 => self.store_ref(f, 2)?,
            O::Astore3 => self.store_ref(f, 3)?,
            O::Sstore => self.store_short(f, local)?,
            O::Sstore0 => self.store_short(f, 0)?,
            O::Sstore1 => self.store_short(f, 1)?,
            O::Sstore2 => self.store_short(f, 2)?,
            O::Sstore3 => self.store_short(f, 3)?,
            O::Istore => self.store_int(f, local)?,
            O::Istore0 => self.store_int(f, 0)?,
            O::Istore1 => self.store_int(f, 1)?,
            O::Istore2 => self.store_int(f, 2)?,
            O::Istore3 => self.store_int(f, 3)?,
            O::Aastore => {
                Self::need(f, 3)?;
                self.pop_ref(f)?;
                self.pop_short(f)?;
                self.pop_array(f, &[], "a reference array")?;
            }
            O::Bastore => {
                Self::need(f, 3)?;
                self.pop_short(f)?;
                self.pop_short(f)?;
                self.pop_array(f, &[Elem::Byte, Elem::Boolean], "byte[] or boolean[]")?;
            }
            O::Sastore => {
                Self::need(f, 3)?;
                self.pop_short(f)?;
                self.pop_short(f)?;
                self.pop_array(f, &[Elem::Short], "short[]")?;
            }
            O::Iastore => {
                Self::need(f, 4)?;
                self.pop_int(f)?;
                self.pop_short(f)?;
                self.pop_array(f, &[Elem::Int], "int[]")?;
            }
            O::Pop => {
                let v = self.pop(f)?;
                if !Self::single(v) {
                    return Err(mismatch("a one-word value", t.show(v)));
                }
            }
            O::Pop2 => {
                Self::need(f, 2)?;
                let a = self.pop(f)?;
                let b = self.pop(f)?;
                let pair = a == VType::IntLo && b == VType::IntHi;
                if !(pair || (Self::single(a) && Self::single(b))) {
                    return Err(mismatch(
                        "an int or two one-word values",
                        format!("{} and {}", t.show(b), t.show(a)),
                    ));
                }
            }
            O::Dup => {
                Self::need(f, 1)?;
                let v = f.stack.last().copied().unwrap_or(VType::Top);
                if !Self::single(v) {
                    return Err(mismatch("a one-word value", t.show(v)));
                }
                self.push(f, v)?;
            }
            O::Dup2 => self.dup_x(f, 2, 0)?,
            O::DupX => {
                let Operands::StackShape(mn) = insn.operands else {
                    return Err(K::BadOperand("dup_x shape".into()));
                };
                let m = usize::from(mn >> 4);
                let n = usize::from(mn & 0x0F);
                if !(1..=4).contains(&m) || !(n == 0 || (m <= n && n <= m.saturating_add(4))) {
                    return Err(K::BadOperand(format!("dup_x shape {mn:#04x}")));
                }
                self.dup_x(f, m, n)?;
            }
            O::SwapX => {
                let Operands::StackShape(mn) = insn.operands else {
                    return Err(K::BadOperand("swap_x shape".into()));
                };
                let m = usize::from(mn >> 4);
                let n = usize::from(mn & 0x0F);
                if !(1..=2).contains(&m) || !(1..=2).contains(&n) {
                    return Err(K::BadOperand(format!("swap_x shape {mn:#04x}")));
                }
                self.swap_x(f, m, n)?;
            }
            O::Sadd
            | O::Ssub
            | O::Smul
            | O::Sdiv
            | O::Srem
            | O::Sand
            | O::Sor
            | O::Sxor
            | O::Sshl
            | O::Sshr
            | O::Sushr => {
                Self::need(f, 2)?;
                self.pop_short(f)?;
                self.pop_short(f)?;
                self.push(f, VType::Short)?;
            }
            O::Iadd
            | O::Isub
            | O::Imul
            | O::Idiv
            | O::Irem
            | O::Iand
            | O::Ior
            | O::Ixor
            | O::Ishl
            | O::Ishr
            | O::Iushr => {
                Self::need(f, 4)?;
                self.pop_int(f)?;
                self.pop_int(f)?;
                self.push_j(f, JType::Int)?;
            }
            O::Sneg | O::S2b => {
                self.pop_short(f)?;
                self.push(f, VType::Short)?;
            }
            O::Ineg => {
                self.pop_int(f)?;
                self.push_j(f, JType::Int)?;
            }
            O::Sinc | O::SincW => {
                let v = self.local(f, local)?;
                if v != VType::Short {
                    return Err(mismatch(format!("short in local {local}"), t.show(v)));
                }
            }
            O::Iinc | O::IincW => {
                let hi = self.local(f, local)?;
                let lo = self.local(f, local.saturating_add(1))?;
                if hi != VType::IntHi || lo != VType::IntLo {
                    return Err(mismatch(
                        format!("int in local {local}"),
                        format!("{} and {}", t.show(hi), t.show(lo)),
                    ));
                }
            }
            O::S2i => {
                self.pop_short(f)?;
                self.push_j(f, JType::Int)?;
            }
            O::I2b | O::I2s => {
                self.pop_int(f)?;
                self.push(f, VType::Short)?;
            }
            O::Icmp => {
                Self::need(f, 4)?;
                self.pop_int(f)?;
                self.pop_int(f)?;
                self.push(f, VType::Short)?;
            }
            O::Ifeq
            | O::Ifne
            | O::Iflt
            | O::Ifge
            | O::Ifgt
            | O::Ifle
            | O::IfeqW
            | O::IfneW
            | O::IfltW
            | O::IfgeW
            | O::IfgtW
            | O::IfleW => {
                self.pop_short(f)?;
                return Ok(Next::Branch(self.branch_targets(pc, insn)));
            }
            O::Ifnull | O::Ifnonnull | O::IfnullW | O::IfnonnullW => {
                let v = self.pop(f)?;
                if !v.is_any_ref() {
                    return Err(mismatch("a reference", t.show(v)));
                }
                return Ok(Next::Branch(self.branch_targets(pc, insn)));
            }
            O::IfAcmpeq | O::IfAcmpne | O::IfAcmpeqW | O::IfAcmpneW => {
                Self::need(f, 2)?;
                for _ in 0..2 {
                    let v = self.pop(f)?;
                    if !v.is_any_ref() {
                        return Err(mismatch("a reference", t.show(v)));
                    }
                }
                return Ok(Next::Branch(self.branch_targets(pc, insn)));
            }
            O::IfScmpeq
            | O::IfScmpne
            | O::IfScmplt
            | O::IfScmpge
            | O::IfScmpgt
            | O::IfScmple
            | O::IfScmpeqW
            | O::IfScmpneW
            | O::IfScmpltW
            | O::IfScmpgeW
            | O::IfScmpgtW
            | O::IfScmpleW => {
                Self::need(f, 2)?;
                self.pop_short(f)?;
                self.pop_short(f)?;
                return Ok(Next::Branch(self.branch_targets(pc, insn)));
            }
            O::Goto | O::GotoW => return Ok(Next::Jump(self.branch_targets(pc, insn))),
            O::Jsr => {
                let ret = u16::try_from(pc.saturating_add(insn.len))
                    .map_err(|_| K::Subroutine("return address beyond 0xFFFF".into()))?;
                self.push(f, VType::RetAddr(ret))?;
                let target = self
                    .branch_targets(pc, insn)
                    .first()
                    .copied()
                    .ok_or(K::BranchTarget { target: -1 })?;
                return Ok(Next::Jsr(target, ret));
            }
            O::Ret => match self.local(f, local)? {
                VType::RetAddr(r) => return Ok(Next::Ret(r)),
                v => {
                    return Err(mismatch(
                        format!("returnAddress in local {local}"),
                        t.show(v),
                    ))
                }
            },
            O::Stableswitch | O::Slookupswitch => {
                self.pop_short(f)?;
                return Ok(Next::Jump(self.branch_targets(pc, insn)));
            }
            O::Itableswitch | O::Ilookupswitch => {
                self.pop_int(f)?;
                return Ok(Next::Jump(self.branch_targets(pc, insn)));
            }
            O::Areturn | O::Sreturn | O::Ireturn | O::Return => {
                self.ret(f, insn.opcode)?;
                return Ok(Next::Stop);
            }
            O::GetstaticA | O::GetstaticB | O::GetstaticS | O::GetstaticI => {
                let field = self.cp_static_field(cp)?;
                self.field_kind(field, letter(insn.opcode))?;
                self.check_access(
                    field.class,
                    field.access,
                    field.internal,
                    &field.label,
                    None,
                )?;
                self.push_j(f, field.ty)?;
            }
            O::PutstaticA | O::PutstaticB | O::PutstaticS | O::PutstaticI => {
                let field = self.cp_static_field(cp)?;
                self.field_kind(field, letter(insn.opcode))?;
                self.pop_j(f, field.ty)?;
                self.check_access(
                    field.class,
                    field.access,
                    field.internal,
                    &field.label,
                    None,
                )?;
                self.check_final_put(field)?;
            }
            O::GetfieldA
            | O::GetfieldB
            | O::GetfieldS
            | O::GetfieldI
            | O::GetfieldAW
            | O::GetfieldBW
            | O::GetfieldSW
            | O::GetfieldIW => self.getfield(f, cp, letter(insn.opcode), false)?,
            O::GetfieldAThis | O::GetfieldBThis | O::GetfieldSThis | O::GetfieldIThis => {
                self.getfield(f, cp, letter(insn.opcode), true)?
            }
            O::PutfieldA
            | O::PutfieldB
            | O::PutfieldS
            | O::PutfieldI
            | O::PutfieldAW
            | O::PutfieldBW
            | O::PutfieldSW
            | O::PutfieldIW => self.putfield(f, cp, letter(insn.opcode), false)?,
            O::PutfieldAThis | O::PutfieldBThis | O::PutfieldSThis | O::PutfieldIThis => {
                self.putfield(f, cp, letter(insn.opcode), true)?
            }
            O::Invokevirtual | O::Invokespecial | O::Invokestatic => {
                self.invoke(pc, insn.opcode, f, cp)?
            }
            O::Invokeinterface => {
                let Operands::Interface { nargs, index, .. } = insn.operands else {
                    return Err(K::BadOperand("invokeinterface operands".into()));
                };
                self.invokeinterface(pc, f, nargs, index)?;
            }
            O::New => {
                let c = self.cp_class(cp)?;
                let e = t.get(c);
                if e.is_some_and(|e| e.is_abstract) || t.is_interface(c) {
                    return Err(K::BadOperand(format!(
                        "new of {}, which is abstract or an interface",
                        t.label(c)
                    )));
                }
                let me = VType::Uninit(u16::try_from(pc).unwrap_or(u16::MAX));
                if f.stack.contains(&me) {
                    return Err(K::Uninitialized(
                        "new executed again while its previous object is uninitialized on the stack"
                            .into(),
                    ));
                }
                for v in &mut f.locals {
                    if *v == me {
                        *v = VType::Top;
                    }
                }
                self.push(f, me)?;
            }
            O::Newarray => {
                let Operands::ArrayType(a) = insn.operands else {
                    return Err(K::BadOperand("newarray operand".into()));
                };
                let e = self.array_type(a)?;
                self.pop_short(f)?;
                self.push(f, VType::Ref(RefType::Array(e)))?;
            }
            O::Anewarray => {
                let c = self.cp_class(cp)?;
                self.pop_short(f)?;
                self.push(f, VType::Ref(RefType::Array(Elem::Ref(c))))?;
            }
            O::Arraylength => {
                let v = self.pop(f)?;
                if !matches!(v, VType::Null | VType::Ref(RefType::Array(_))) {
                    return Err(mismatch("an array", t.show(v)));
                }
                self.push(f, VType::Short)?;
            }
            O::Athrow => {
                self.pop_j(f, JType::Ref(RefType::Class(self.pkg.throwable)))?;
                return Ok(Next::Stop);
            }
            O::Checkcast | O::Instanceof => {
                let Operands::TypeCheck { atype, index } = insn.operands else {
                    return Err(K::BadOperand("type check operands".into()));
                };
                let target = self.type_check_target(atype, index)?;
                self.pop_ref(f)?;
                if insn.opcode == O::Checkcast {
                    self.push(f, VType::Ref(target))?;
                } else {
                    self.push(f, VType::Short)?;
                }
            }
            O::Impdep1 | O::Impdep2 => {
                return Err(K::BadOperand(format!("reserved opcode {}", insn.opcode)))
            }
        }
        Ok(Next::Fall)
    }

    /// `dup_x` (and `dup2` as `dup_x 0x20`): copies the top `m` words `n` words down.
    fn dup_x(&self, f: &mut Frame, m: usize, n: usize) -> R<()> {
        let depth = if n == 0 { m } else { n };
        Self::need(f, depth)?;
        let len = f.stack.len();
        let top = len.saturating_sub(m);
        let at = len.saturating_sub(depth);
        // Neither the copied words nor the insertion point may split an int.
        if f.stack.get(top) == Some(&VType::IntLo) || f.stack.get(at) == Some(&VType::IntLo) {
            return Err(mismatch(
                "whole values",
                "a stack shape that splits an int".into(),
            ));
        }
        let copy: Vec<VType> = f.stack.get(top..).unwrap_or(&[]).to_vec();
        if len.saturating_add(m) > self.max_stack {
            return Err(K::StackOverflow {
                max_stack: self.info.header.max_stack,
            });
        }
        let tail = f.stack.split_off(at);
        f.stack.extend(copy);
        f.stack.extend(tail);
        Ok(())
    }

    /// `swap_x`: exchanges the top `m` words with the `n` words below them.
    fn swap_x(&self, f: &mut Frame, m: usize, n: usize) -> R<()> {
        let total = m.saturating_add(n);
        Self::need(f, total)?;
        let len = f.stack.len();
        let top = len.saturating_sub(m);
        let low = len.saturating_sub(total);
        if f.stack.get(top) == Some(&VType::IntLo) || f.stack.get(low) == Some(&VType::IntLo) {
            return Err(mismatch(
                "whole values",
                "a stack shape that splits an int".into(),
            ));
        }
        if let Some(s) = f.stack.get_mut(low..) {
            s.rotate_right(m);
        }
        Ok(())
    }

    fn ret(&self, f: &mut Frame, op: Opcode) -> R<()> {
        let t = &self.pkg.table;
        let want = self.method.ret;
        let ok = match (op, want) {
            (Opcode::Return, JType::Void) => true,
            (Opcode::Sreturn, JType::Boolean | JType::Byte | JType::Short) => {
                self.pop_short(f)?;
                true
            }
            (Opcode::Ireturn, JType::Int) => {
                self.pop_int(f)?;
                true
            }
            (Opcode::Areturn, JType::Ref(_)) => {
                self.pop_j(f, want)?;
                true
            }
            _ => false,
        };
        if !ok {
            return Err(mismatch(
                format!("a return instruction for {}", t.show_j(want)),
                op.mnemonic().to_string(),
            ));
        }
        if f.this_uninit {
            return Err(K::Uninitialized(
                "constructor returns before calling its superclass constructor".into(),
            ));
        }
        Ok(())
    }
}

/// The type letter of a typed field instruction (`getfield_b` is `b`).
fn letter(op: Opcode) -> char {
    let m = op.mnemonic();
    let base = m
        .strip_suffix("_w")
        .or_else(|| m.strip_suffix("_this"))
        .unwrap_or(m);
    base.chars().last().unwrap_or('?')
}
