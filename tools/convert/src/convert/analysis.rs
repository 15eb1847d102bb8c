//! Value analysis of a method's Java bytecode: which int values javac computes can be held
//! as Java Card shorts.
//!
//! javac computes every `short`, `byte` and `boolean` expression in `int`. Every int value on
//! the stack or in a local becomes a node; nodes meeting at a join (a loop variable, the two
//! arms of `?:`) are unified. A node's *natural* kind says what its producers guarantee:
//! `Exact` (the int equals its low 16 bits sign-extended: loads of short variables, array
//! elements, narrowing casts, small constants), `Low16` (only the low 16 bits are right in
//! short arithmetic: sums, products, left shifts) or `Wide` (needs real int: int fields,
//! right shifts of values that are not exact). Its *demand* says what its consumers need:
//! `Low16` (narrowing casts, stores into short or byte storage, sums), `Exact` (comparisons,
//! array indexes, division, right shifts) or `Int` (int storage). A node whose demand exceeds
//! what short arithmetic provides is represented as an int: with int support it is computed
//! with int instructions, without it the conversion fails at that point.

use std::collections::BTreeMap;

use crate::jvm::{ArrayKind, IntOp, JInsn, JOp, Kind};

use super::types::{JType, MethodType};

/// A value node.
pub type NodeId = usize;

/// An abstract value of the operand stack or a local variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// An int-category value.
    Int(NodeId),
    /// A reference (or null).
    Ref,
    /// No usable value (uninitialised or conflicting).
    Top,
}

/// The state before an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Operand stack, bottom first.
    pub stack: Vec<Val>,
    /// Local variables by Java slot.
    pub locals: Vec<Val>,
}

/// What a node's producers guarantee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Natural {
    /// Equal to its low 16 bits, sign-extended.
    Exact,
    /// Low 16 bits computable with short arithmetic.
    Low16,
    /// Needs int arithmetic.
    Wide,
}

/// What a node's consumers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Demand {
    /// Nothing (popped, or only stored in locals).
    None,
    /// The low 16 bits.
    Low16,
    /// The exact value, as a short.
    Exact,
    /// An int.
    Int,
}

/// How a node is held in Java Card code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repr {
    /// One word, short instructions.
    Short,
    /// Two words, int instructions.
    Int,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Def {
    Exact,
    Wide,
    Const(i32),
    Arith(IntOp, NodeId, Option<NodeId>),
    Iinc(NodeId),
    /// A load from or store into a local variable: the same value, possibly converted.
    Copy(NodeId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UseKind {
    Trunc,
    Exact,
    /// A comparison operand, with the other operand.
    Compare(Option<NodeId>),
    Int,
    /// Operand `pos` of the arithmetic node.
    Operand(NodeId, u8),
}

/// A value that the analysis rejects, with the instruction index where it is consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisError {
    /// Index of the instruction at fault.
    pub insn: usize,
    /// What is wrong.
    pub message: String,
}

fn err(insn: usize, message: impl Into<String>) -> AnalysisError {
    AnalysisError {
        insn,
        message: message.into(),
    }
}

/// What the analysis needs to know about constant pool references.
pub trait Context {
    /// Type of the field referenced at constant pool `index`.
    fn field_type(&self, index: u16) -> Option<JType>;
    /// Value of the field at `index` if it is a compile-time constant.
    fn constant(&self, index: u16) -> Option<i32>;
    /// Descriptor of the method referenced at `index`.
    fn method_type(&self, index: u16) -> Option<MethodType>;
    /// The int value of an `ldc` constant, or `None` if it is not an int.
    fn ldc_int(&self, index: u16) -> Option<i32>;
}

/// The analysis result for one method.
#[derive(Debug)]
pub struct Analysis {
    /// Frame before each instruction; `None` if unreachable.
    pub frames: Vec<Option<Frame>>,
    parent: Vec<NodeId>,
    defs: Vec<Vec<(usize, Def)>>,
    /// The node each instruction defines (its int result, or the new value of `iinc`).
    pub out_node: Vec<Option<NodeId>>,
    uses: Vec<Vec<(NodeId, UseKind)>>,
    natural: Vec<Natural>,
    demand: Vec<Demand>,
    repr: Vec<Repr>,
}

impl Analysis {
    fn new_node(&mut self) -> NodeId {
        let id = self.parent.len();
        self.parent.push(id);
        self.defs.push(Vec::new());
        id
    }

    /// The representative of `n`'s class.
    pub fn find(&self, mut n: NodeId) -> NodeId {
        while let Some(&p) = self.parent.get(n) {
            if p == n {
                break;
            }
            n = p;
        }
        n
    }

    fn union(&mut self, a: NodeId, b: NodeId) -> NodeId {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return ra;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        if let Some(p) = self.parent.get_mut(gone) {
            *p = keep;
        }
        keep
    }

    /// How node `n` is held.
    pub fn repr(&self, n: NodeId) -> Repr {
        self.repr.get(self.find(n)).copied().unwrap_or(Repr::Short)
    }

    /// Java Card words of a value.
    pub fn words(&self, v: Val) -> u16 {
        match v {
            Val::Int(n) if self.repr(n) == Repr::Int => 2,
            _ => 1,
        }
    }

    /// Whether node `n` is the single constant `v`'s class.
    pub fn constant_of(&self, n: NodeId) -> Option<i32> {
        let r = self.find(n);
        let mut value = None;
        for (i, ds) in self.defs.iter().enumerate() {
            if self.find(i) != r {
                continue;
            }
            for (_, d) in ds {
                match (d, value) {
                    (Def::Const(v), None) => value = Some(*v),
                    (Def::Const(v), Some(w)) if *v == w => {}
                    _ => return None,
                }
            }
        }
        value
    }
}

fn merge_val(a: &mut Analysis, old: Val, new: Val, is_stack: bool) -> Result<(Val, bool), String> {
    Ok(match (old, new) {
        (Val::Int(x), Val::Int(y)) => (Val::Int(a.union(x, y)), false),
        (Val::Ref, Val::Ref) => (Val::Ref, false),
        (Val::Top, _) => (Val::Top, false),
        (_, _) if is_stack => {
            return Err("operand stack types differ where control flow joins".into())
        }
        (_, _) => (Val::Top, true),
    })
}

/// Merges `f` into the frame of instruction `to`; returns whether it changed.
fn merge_into(a: &mut Analysis, to: usize, f: &Frame) -> Result<bool, String> {
    let Some(slot) = a.frames.get(to) else {
        return Err(format!("control flow to instruction {to} outside the code"));
    };
    let Some(old) = slot.clone() else {
        if let Some(s) = a.frames.get_mut(to) {
            *s = Some(f.clone());
        }
        return Ok(true);
    };
    if old.stack.len() != f.stack.len() {
        return Err("operand stack depths differ where control flow joins".into());
    }
    let mut changed = false;
    let mut merged = old.clone();
    for (m, (o, n)) in merged.stack.iter_mut().zip(old.stack.iter().zip(&f.stack)) {
        let (v, c) = merge_val(a, *o, *n, true)?;
        *m = v;
        changed |= c;
    }
    for (m, (o, n)) in merged
        .locals
        .iter_mut()
        .zip(old.locals.iter().zip(&f.locals))
    {
        let (v, c) = merge_val(a, *o, *n, false)?;
        *m = v;
        changed |= c;
    }
    if let Some(s) = a.frames.get_mut(to) {
        *s = Some(merged);
    }
    Ok(changed)
}

fn use_for(t: &JType) -> Option<UseKind> {
    match t {
        JType::Boolean | JType::Byte | JType::Short => Some(UseKind::Trunc),
        JType::Int => Some(UseKind::Int),
        _ => None,
    }
}

/// Runs the analysis. `is_static` and `descriptor` describe the method; `max_locals` is the
/// Java one.
pub fn analyze(
    code: &[JInsn],
    exception_table: &[(usize, usize, usize)],
    is_static: bool,
    method: &MethodType,
    max_locals: usize,
    ctx: &dyn Context,
) -> Result<Analysis, AnalysisError> {
    let n = code.len();
    if n == 0 {
        return Err(err(0, "empty code"));
    }
    let mut a = Analysis {
        frames: vec![None; n],
        parent: Vec::new(),
        defs: Vec::new(),
        out_node: vec![None; n],
        uses: vec![Vec::new(); n],
        natural: Vec::new(),
        demand: Vec::new(),
        repr: Vec::new(),
    };
    let index_of: BTreeMap<usize, usize> =
        code.iter().enumerate().map(|(i, c)| (c.pc, i)).collect();
    let idx = |pc: usize, at: usize| {
        index_of
            .get(&pc)
            .copied()
            .ok_or_else(|| err(at, format!("no instruction at offset {pc}")))
    };
    let mut locals = vec![Val::Top; max_locals];
    let mut slot = 0usize;
    if !is_static {
        if let Some(l) = locals.get_mut(0) {
            *l = Val::Ref;
        }
        slot = 1;
    }
    for p in &method.params {
        let v = if p.is_reference() {
            Val::Ref
        } else {
            let node = a.new_node();
            let def = if *p == JType::Int {
                Def::Wide
            } else {
                Def::Exact
            };
            if let Some(d) = a.defs.get_mut(node) {
                d.push((usize::MAX, def));
            }
            Val::Int(node)
        };
        match locals.get_mut(slot) {
            Some(l) => *l = v,
            None => return Err(err(0, "max_locals is smaller than the parameters")),
        }
        slot = slot.saturating_add(1);
    }
    // Handlers by protected instruction index.
    let mut handlers: Vec<(usize, usize, usize)> = Vec::new();
    for &(s, e, h) in exception_table {
        let si = idx(s, 0)?;
        let ei = if e >= code.last().map_or(0, |c| c.pc).saturating_add(1) {
            n
        } else {
            idx(e, 0)?
        };
        handlers.push((si, ei, idx(h, 0)?));
    }
    if let Some(f) = a.frames.get_mut(0) {
        *f = Some(Frame {
            stack: Vec::new(),
            locals,
        });
    }
    let mut work: Vec<usize> = vec![0];
    let mut visits = 0usize;
    while let Some(i) = work.pop() {
        visits = visits.saturating_add(1);
        if visits > 200_000 {
            return Err(err(i, "the analysis does not converge"));
        }
        let Some(frame) = a.frames.get(i).cloned().flatten() else {
            continue;
        };
        let insn = code.get(i).ok_or_else(|| err(i, "instruction index"))?;
        for &(s, e, h) in &handlers {
            if (s..e).contains(&i) {
                let hf = Frame {
                    stack: vec![Val::Ref],
                    locals: frame.locals.clone(),
                };
                if merge_into(&mut a, h, &hf).map_err(|m| err(i, m))? {
                    work.push(h);
                }
            }
        }
        let out = step(&mut a, i, insn, frame, ctx, &method.ret)?;
        let mut succ: Vec<usize> = Vec::new();
        if insn.op.falls_through() {
            if i.saturating_add(1) >= n {
                return Err(err(i, "execution falls off the end of the code"));
            }
            succ.push(i.saturating_add(1));
        }
        for t in insn.op.targets() {
            succ.push(idx(t, i)?);
        }
        for s in succ {
            if merge_into(&mut a, s, &out).map_err(|m| err(i, m))? {
                work.push(s);
            }
        }
    }
    solve(&mut a)?;
    Ok(a)
}

fn pop(f: &mut Frame, i: usize) -> Result<Val, AnalysisError> {
    f.stack
        .pop()
        .ok_or_else(|| err(i, "operand stack underflow"))
}

fn pop_int(f: &mut Frame, i: usize) -> Result<NodeId, AnalysisError> {
    match pop(f, i)? {
        Val::Int(n) => Ok(n),
        _ => Err(err(i, "expected an int value on the operand stack")),
    }
}

fn node_at(a: &mut Analysis, i: usize) -> NodeId {
    match a.out_node.get(i).copied().flatten() {
        Some(n) => n,
        None => {
            let n = a.new_node();
            if let Some(o) = a.out_node.get_mut(i) {
                *o = Some(n);
            }
            n
        }
    }
}

fn define(a: &mut Analysis, i: usize, def: Def) -> Val {
    let n = node_at(a, i);
    if let Some(d) = a.defs.get_mut(n) {
        d.retain(|(at, _)| *at != i);
        d.push((i, def));
    }
    Val::Int(n)
}

fn push_typed(a: &mut Analysis, f: &mut Frame, i: usize, t: &JType) {
    match t {
        JType::Void => {}
        JType::Int => {
            let v = define(a, i, Def::Wide);
            f.stack.push(v);
        }
        t if t.is_reference() => f.stack.push(Val::Ref),
        _ => {
            let v = define(a, i, Def::Exact);
            f.stack.push(v);
        }
    }
}

/// Applies one instruction to `f`, recording definitions and uses; returns the frame after.
fn step(
    a: &mut Analysis,
    i: usize,
    insn: &JInsn,
    mut f: Frame,
    ctx: &dyn Context,
    ret: &JType,
) -> Result<Frame, AnalysisError> {
    let mut uses: Vec<(NodeId, UseKind)> = Vec::new();
    match &insn.op {
        JOp::Nop | JOp::Goto(_) => {}
        JOp::AconstNull => f.stack.push(Val::Ref),
        JOp::IConst(v) => {
            let v = define(a, i, Def::Const(*v));
            f.stack.push(v);
        }
        JOp::Ldc(cp) => match ctx.ldc_int(*cp) {
            Some(v) => {
                let v = define(a, i, Def::Const(v));
                f.stack.push(v);
            }
            None => return Err(err(i, "ldc of a constant that is not an int (strings, classes and floating point are not supported by Java Card)")),
        },
        JOp::Load(kind, slot) => {
            let v = f.locals.get(usize::from(*slot)).copied().ok_or_else(|| err(i, "local variable beyond max_locals"))?;
            match (kind, v) {
                (Kind::Int, Val::Int(src)) => {
                    let c = define(a, i, Def::Copy(src));
                    if let Val::Int(cn) = c {
                        uses.push((src, UseKind::Operand(cn, 0)));
                    }
                    f.stack.push(c);
                }
                (Kind::Ref, Val::Ref) => f.stack.push(v),
                _ => return Err(err(i, format!("local variable {slot} has no value of this type here"))),
            }
        }
        JOp::Store(kind, slot) => {
            let v = pop(&mut f, i)?;
            let stored = match (kind, v) {
                (Kind::Int, Val::Int(src)) => {
                    let c = define(a, i, Def::Copy(src));
                    if let Val::Int(cn) = c {
                        uses.push((src, UseKind::Operand(cn, 0)));
                    }
                    c
                }
                (Kind::Ref, Val::Ref) => v,
                _ => return Err(err(i, "store of a value of the wrong type")),
            };
            let l = f.locals.get_mut(usize::from(*slot)).ok_or_else(|| err(i, "local variable beyond max_locals"))?;
            *l = stored;
        }
        JOp::ArrayLoad(kind) => {
            let index = pop_int(&mut f, i)?;
            uses.push((index, UseKind::Exact));
            pop(&mut f, i)?;
            match kind {
                ArrayKind::Byte | ArrayKind::Short => {
                    let v = define(a, i, Def::Exact);
                    f.stack.push(v);
                }
                ArrayKind::Int => {
                    let v = define(a, i, Def::Wide);
                    f.stack.push(v);
                }
                ArrayKind::Ref => f.stack.push(Val::Ref),
            }
        }
        JOp::ArrayStore(kind) => {
            let value = pop(&mut f, i)?;
            let index = pop_int(&mut f, i)?;
            pop(&mut f, i)?;
            uses.push((index, UseKind::Exact));
            if let Val::Int(v) = value {
                uses.push((v, if *kind == ArrayKind::Int { UseKind::Int } else { UseKind::Trunc }));
            }
        }
        JOp::Pop => {
            pop(&mut f, i)?;
        }
        JOp::Pop2 => {
            pop(&mut f, i)?;
            pop(&mut f, i)?;
        }
        JOp::Dup => {
            let v = *f.stack.last().ok_or_else(|| err(i, "dup of an empty stack"))?;
            f.stack.push(v);
        }
        JOp::DupX1 | JOp::DupX2 | JOp::Dup2 | JOp::Dup2X1 | JOp::Dup2X2 | JOp::Swap => {
            let (take, put): (usize, Vec<usize>) = match &insn.op {
                // Values popped (top first) and the order pushed back, by popped index.
                JOp::DupX1 => (2, vec![0, 1, 0]),
                JOp::DupX2 => (3, vec![0, 2, 1, 0]),
                JOp::Dup2 => (2, vec![1, 0, 1, 0]),
                JOp::Dup2X1 => (3, vec![1, 0, 2, 1, 0]),
                JOp::Dup2X2 => (4, vec![1, 0, 3, 2, 1, 0]),
                _ => (2, vec![0, 1]),
            };
            let mut popped = Vec::with_capacity(take);
            for _ in 0..take {
                popped.push(pop(&mut f, i)?);
            }
            for p in put {
                f.stack.push(*popped.get(p).ok_or_else(|| err(i, "stack shape"))?);
            }
        }
        JOp::Arith(op) => {
            let b = pop_int(&mut f, i)?;
            let (x, y) = if *op == IntOp::Neg {
                (b, None)
            } else {
                (pop_int(&mut f, i)?, Some(b))
            };
            let out = define(a, i, Def::Arith(*op, x, y));
            let Val::Int(node) = out else { return Err(err(i, "arith")) };
            uses.push((x, UseKind::Operand(node, 0)));
            if let Some(y) = y {
                uses.push((y, UseKind::Operand(node, 1)));
            }
            f.stack.push(out);
        }
        JOp::Iinc(slot, _) => {
            let cur = f.locals.get(usize::from(*slot)).copied();
            let Some(Val::Int(base)) = cur else {
                return Err(err(i, format!("iinc of local variable {slot}, which holds no int here")));
            };
            let v = define(a, i, Def::Iinc(base));
            if let Val::Int(node) = v {
                uses.push((base, UseKind::Operand(node, 0)));
            }
            if let Some(l) = f.locals.get_mut(usize::from(*slot)) {
                *l = v;
            }
        }
        JOp::I2b | JOp::I2s => {
            let x = pop_int(&mut f, i)?;
            uses.push((x, UseKind::Trunc));
            let v = define(a, i, Def::Exact);
            f.stack.push(v);
        }
        JOp::I2c => return Err(err(i, "type char is not supported by Java Card (i2c)")),
        JOp::If(_, _) => {
            let x = pop_int(&mut f, i)?;
            uses.push((x, UseKind::Compare(None)));
        }
        JOp::IfICmp(_, _) => {
            let y = pop_int(&mut f, i)?;
            let x = pop_int(&mut f, i)?;
            uses.push((x, UseKind::Compare(Some(y))));
            uses.push((y, UseKind::Compare(Some(x))));
        }
        JOp::IfACmp(_, _) => {
            pop(&mut f, i)?;
            pop(&mut f, i)?;
        }
        JOp::IfNull(_, _) => {
            pop(&mut f, i)?;
        }
        JOp::TableSwitch { .. } | JOp::LookupSwitch { .. } => {
            let x = pop_int(&mut f, i)?;
            uses.push((x, UseKind::Compare(None)));
        }
        JOp::Return(kind) => match kind {
            None => {}
            Some(Kind::Ref) => {
                pop(&mut f, i)?;
            }
            Some(Kind::Int) => {
                let x = pop_int(&mut f, i)?;
                if let Some(u) = use_for(ret) {
                    uses.push((x, u));
                }
            }
        },
        JOp::GetStatic(cp) => {
            let t = ctx.field_type(*cp).ok_or_else(|| err(i, "unresolved field"))?;
            match ctx.constant(*cp) {
                Some(v) => {
                    let v = define(a, i, Def::Const(v));
                    f.stack.push(v);
                }
                None => push_typed(a, &mut f, i, &t),
            }
        }
        JOp::PutStatic(cp) | JOp::PutField(cp) => {
            let t = ctx.field_type(*cp).ok_or_else(|| err(i, "unresolved field"))?;
            let v = pop(&mut f, i)?;
            if let (Val::Int(n), Some(u)) = (v, use_for(&t)) {
                uses.push((n, u));
            }
            if matches!(insn.op, JOp::PutField(_)) {
                pop(&mut f, i)?;
            }
        }
        JOp::GetField(cp) => {
            let t = ctx.field_type(*cp).ok_or_else(|| err(i, "unresolved field"))?;
            pop(&mut f, i)?;
            push_typed(a, &mut f, i, &t);
        }
        JOp::InvokeVirtual(cp) | JOp::InvokeSpecial(cp) | JOp::InvokeStatic(cp) | JOp::InvokeInterface(cp) => {
            let m = ctx.method_type(*cp).ok_or_else(|| err(i, "unresolved method"))?;
            for p in m.params.iter().rev() {
                let v = pop(&mut f, i)?;
                if let (Val::Int(n), Some(u)) = (v, use_for(p)) {
                    uses.push((n, u));
                }
            }
            if !matches!(insn.op, JOp::InvokeStatic(_)) {
                pop(&mut f, i)?;
            }
            push_typed(a, &mut f, i, &m.ret);
        }
        JOp::New(_) => f.stack.push(Val::Ref),
        JOp::NewArray(_) | JOp::ANewArray(_) => {
            let x = pop_int(&mut f, i)?;
            uses.push((x, UseKind::Exact));
            f.stack.push(Val::Ref);
        }
        JOp::ArrayLength => {
            pop(&mut f, i)?;
            let v = define(a, i, Def::Exact);
            f.stack.push(v);
        }
        JOp::AThrow => {
            pop(&mut f, i)?;
        }
        JOp::CheckCast(_) => {}
        JOp::InstanceOf(_) => {
            pop(&mut f, i)?;
            let v = define(a, i, Def::Exact);
            f.stack.push(v);
        }
        JOp::Unsupported(name) => return Err(err(i, format!("{name} is not supported by Java Card"))),
    }
    if let Some(u) = a.uses.get_mut(i) {
        *u = uses;
    }
    Ok(f)
}

fn eval(a: &Analysis, def: Def) -> Natural {
    let nat = |n: NodeId| a.natural.get(a.find(n)).copied().unwrap_or(Natural::Exact);
    let small = |n: NodeId| a.constant_of(n).is_some_and(|v| (0..=0x7FFF).contains(&v));
    let wide_or_low = |x: Natural| {
        if x == Natural::Wide {
            Natural::Wide
        } else {
            Natural::Low16
        }
    };
    match def {
        Def::Exact => Natural::Exact,
        Def::Wide => Natural::Wide,
        Def::Const(v) => {
            if i16::try_from(v).is_ok() {
                Natural::Exact
            } else {
                Natural::Low16
            }
        }
        Def::Iinc(b) => wide_or_low(nat(b)),
        Def::Copy(src) => nat(src),
        Def::Arith(op, x, y) => {
            let nx = nat(x);
            let ny = y.map_or(Natural::Exact, nat);
            match op {
                IntOp::Add | IntOp::Sub | IntOp::Mul | IntOp::Shl | IntOp::Neg => {
                    wide_or_low(nx.max(ny))
                }
                IntOp::And if nx == Natural::Exact && ny == Natural::Exact => Natural::Exact,
                IntOp::And
                    if (y.is_some_and(small) && nx <= Natural::Low16)
                        || (small(x) && ny <= Natural::Low16) =>
                {
                    Natural::Exact
                }
                IntOp::And | IntOp::Or | IntOp::Xor => {
                    if nx == Natural::Exact && ny == Natural::Exact {
                        Natural::Exact
                    } else {
                        wide_or_low(nx.max(ny))
                    }
                }
                IntOp::Div | IntOp::Rem => {
                    if nx == Natural::Exact && ny == Natural::Exact {
                        Natural::Exact
                    } else {
                        Natural::Wide
                    }
                }
                IntOp::Shr => {
                    if nx == Natural::Exact && ny <= Natural::Low16 {
                        Natural::Exact
                    } else {
                        Natural::Wide
                    }
                }
                IntOp::Ushr => {
                    if nx == Natural::Exact && ny <= Natural::Low16 {
                        Natural::Low16
                    } else {
                        Natural::Wide
                    }
                }
            }
        }
    }
}

/// The operation that defines `node`: `None` inside for copies.
fn arith_def(a: &Analysis, node: NodeId) -> Option<(Option<IntOp>, NodeId, Option<NodeId>)> {
    a.defs.get(node)?.iter().find_map(|(_, d)| match d {
        Def::Arith(op, x, y) => Some((Some(*op), *x, *y)),
        Def::Iinc(b) => Some((Some(IntOp::Add), *b, None)),
        Def::Copy(src) => Some((None, *src, None)),
        _ => None,
    })
}

fn solve(a: &mut Analysis) -> Result<(), AnalysisError> {
    let count = a.parent.len();
    a.natural = vec![Natural::Exact; count];
    for _ in 0..1000 {
        let mut changed = false;
        for n in 0..count {
            let r = a.find(n);
            let defs = a.defs.get(n).cloned().unwrap_or_default();
            for (_, d) in defs {
                let v = eval(a, d);
                if let Some(cur) = a.natural.get_mut(r) {
                    if v > *cur {
                        *cur = v;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    a.repr = vec![Repr::Short; count];
    a.demand = vec![Demand::None; count];
    for _ in 0..1000 {
        let mut demand = vec![Demand::None; count];
        for us in &a.uses {
            for &(n, kind) in us {
                let d = use_demand(a, n, kind);
                let r = a.find(n);
                if let Some(cur) = demand.get_mut(r) {
                    *cur = (*cur).max(d);
                }
            }
        }
        let mut changed = demand != a.demand;
        a.demand = demand;
        for r in 0..count {
            if a.find(r) != r {
                continue;
            }
            let nat = a.natural.get(r).copied().unwrap_or(Natural::Exact);
            let dem = a.demand.get(r).copied().unwrap_or(Demand::None);
            let want = if nat == Natural::Wide
                || dem == Demand::Int
                || (dem == Demand::Exact && nat == Natural::Low16)
            {
                Repr::Int
            } else {
                Repr::Short
            };
            if let Some(cur) = a.repr.get_mut(r) {
                if *cur != want && want == Repr::Int {
                    *cur = want;
                    changed = true;
                }
            }
        }
        if !changed {
            return Ok(());
        }
    }
    Err(err(0, "the int/short analysis does not converge"))
}

fn use_demand(a: &Analysis, n: NodeId, kind: UseKind) -> Demand {
    match kind {
        UseKind::Trunc => Demand::Low16,
        UseKind::Exact => Demand::Exact,
        UseKind::Int => Demand::Int,
        UseKind::Compare(other) => {
            if a.repr(n) == Repr::Int || other.is_some_and(|o| a.repr(o) == Repr::Int) {
                Demand::Int
            } else {
                Demand::Exact
            }
        }
        UseKind::Operand(node, pos) => {
            let Some((op, x, y)) = arith_def(a, node) else {
                return Demand::Low16;
            };
            let r = a.find(node);
            let dem = a.demand.get(r).copied().unwrap_or(Demand::None);
            let Some(op) = op else {
                // A copy passes its demand on; an int copy needs the exact value (a short
                // is converted with s2i).
                return if a.repr(node) == Repr::Int {
                    Demand::Exact
                } else {
                    dem.min(Demand::Exact)
                };
            };
            if a.repr(node) == Repr::Int {
                return Demand::Int;
            }
            let small = |m: Option<NodeId>| {
                m.and_then(|m| a.constant_of(m))
                    .is_some_and(|v| (0..=0x7FFF).contains(&v))
            };
            match op {
                IntOp::Add | IntOp::Sub | IntOp::Mul | IntOp::Neg | IntOp::Shl => Demand::Low16,
                IntOp::And if small(if pos == 0 { y } else { Some(x) }) => Demand::Low16,
                IntOp::And | IntOp::Or | IntOp::Xor => {
                    if dem >= Demand::Exact {
                        Demand::Exact
                    } else {
                        Demand::Low16
                    }
                }
                IntOp::Div | IntOp::Rem => Demand::Exact,
                IntOp::Shr | IntOp::Ushr => {
                    if pos == 0 {
                        Demand::Exact
                    } else {
                        Demand::Low16
                    }
                }
            }
        }
    }
}

impl Analysis {
    /// Instructions that need int arithmetic: for each node held as an int, the first
    /// instruction (in code order) that makes it so, with what it does.
    pub fn int_culprits(&self, code: &[JInsn]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, us) in self.uses.iter().enumerate() {
            for &(n, kind) in us {
                let r = self.find(n);
                if self.repr.get(r) != Some(&Repr::Int) {
                    continue;
                }
                let nat = self.natural.get(r).copied().unwrap_or(Natural::Exact);
                let what = code.get(i).map(|c| describe(&c.op)).unwrap_or_default();
                let msg = match (kind, nat) {
                    (UseKind::Int, _) => format!("{what} needs an int value"),
                    (_, Natural::Wide) => format!("{what} uses a value that needs int arithmetic"),
                    _ => format!(
                        "{what} uses the int result of short arithmetic without a cast to short or byte (Java computes it in int: cast the expression to short)"
                    ),
                };
                out.push((i, msg));
            }
        }
        out.sort_by_key(|(i, _)| *i);
        out
    }
}

/// A short description of an instruction for messages.
pub fn describe(op: &JOp) -> String {
    match op {
        JOp::If(..) | JOp::IfICmp(..) => "a comparison".into(),
        JOp::TableSwitch { .. } | JOp::LookupSwitch { .. } => "a switch".into(),
        JOp::ArrayLoad(_) | JOp::ArrayStore(_) => "an array index".into(),
        JOp::NewArray(_) | JOp::ANewArray(_) => "an array size".into(),
        JOp::Arith(op) => format!("{op:?}")
            .to_lowercase()
            .replace("ushr", ">>>")
            .replace("shr", ">>")
            .replace("shl", "<<"),
        JOp::PutField(_) | JOp::PutStatic(_) => "a field store".into(),
        JOp::Return(_) => "a return".into(),
        JOp::InvokeVirtual(_)
        | JOp::InvokeSpecial(_)
        | JOp::InvokeStatic(_)
        | JOp::InvokeInterface(_) => "a method argument".into(),
        JOp::I2b | JOp::I2s => "a cast".into(),
        JOp::Iinc(..) => "an increment".into(),
        other => format!("{other:?}"),
    }
}
