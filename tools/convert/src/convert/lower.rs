//! Instruction selection: a method's analysed Java bytecode becomes symbolic Java Card
//! bytecode (short instructions where the analysis allows, int ones where it must).

use std::collections::BTreeSet;

use jcos_vm::isa::Opcode;

use super::analysis::{self, Analysis, Context, Repr, Val};
use super::asm::{Cases, Ins, Item, Label, Ty};
use super::cp::{ConstantPool, CpKey, CpType};
use super::error::{ConvertError, Location};
use super::resolve::{FieldTarget, InvokeTarget, Resolver, StaticKey};
use super::types::{JType, MethodType};
use super::world::{ClassId, World};
use crate::classfile::{ClassFile, Constant, MethodInfo};
use crate::jvm::{self, ArrayKind, Cond, IntOp, JInsn, JOp, Kind};

/// An exception handler, by labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// First protected instruction.
    pub start: Label,
    /// First instruction after the protected range.
    pub end: Label,
    /// The handler.
    pub handler: Label,
    /// The caught class; `None` catches everything.
    pub catch: Option<CpKey>,
}

/// A lowered method.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The code.
    pub items: Vec<Item>,
    /// Handlers, in search order.
    pub handlers: Vec<Handler>,
    /// Java Card words of each Java local slot (1, or 2 for ints).
    pub slot_words: Vec<u16>,
    /// Java Card words of the arguments, `this` included.
    pub nargs: u16,
    /// (label, source line) where lines start.
    pub lines: Vec<(Label, u16)>,
    /// Label of the end of the code.
    pub end_label: Label,
}

struct Cx<'a> {
    cf: &'a ClassFile,
    resolver: &'a Resolver<'a>,
    at: Location,
}

impl Context for Cx<'_> {
    fn field_type(&self, index: u16) -> Option<JType> {
        JType::parse_field(&self.cf.constant_pool.member_ref(index).ok()?.descriptor)
    }

    fn constant(&self, index: u16) -> Option<i32> {
        let r = self.cf.constant_pool.member_ref(index).ok()?;
        match self.resolver.field(&r, true, &self.at) {
            Ok((FieldTarget::Constant(v), _)) => Some(v),
            _ => None,
        }
    }

    fn method_type(&self, index: u16) -> Option<MethodType> {
        MethodType::parse(&self.cf.constant_pool.member_ref(index).ok()?.descriptor)
    }

    fn ldc_int(&self, index: u16) -> Option<i32> {
        match self.cf.constant_pool.get(index)? {
            Constant::Integer(v) => Some(*v),
            _ => None,
        }
    }
}

fn ty_of(t: &JType) -> Ty {
    match t {
        JType::Boolean | JType::Byte => Ty::B,
        JType::Short => Ty::S,
        JType::Int => Ty::I,
        _ => Ty::A,
    }
}

fn words(t: &JType) -> u16 {
    t.words()
}

/// Readable name of a class for listings.
pub fn class_name(world: &World, c: ClassId) -> String {
    world.name(c).to_owned()
}

/// Lowers method `mi` of internal class `ci`; `None` for abstract methods.
pub fn lower(
    world: &World,
    resolver: &Resolver<'_>,
    cp: &mut ConstantPool,
    ci: usize,
    mi: usize,
    int_allowed: bool,
) -> Result<Option<Lowered>, ConvertError> {
    let class = world
        .class(ci)
        .ok_or_else(|| ConvertError::Limit("class index".into()))?;
    let m = class
        .cf
        .methods
        .get(mi)
        .ok_or_else(|| ConvertError::Limit("method index".into()))?;
    let Some(code) = &m.code else {
        return Ok(None);
    };
    let at = |pc: Option<usize>| class.at_method(m, pc);
    let insns = jvm::decode(&code.code)
        .map_err(|e| ConvertError::unsupported(at(Some(e.pc)), e.message))?;
    for i in &insns {
        if let JOp::Unsupported(name) = &i.op {
            return Err(ConvertError::unsupported(
                at(Some(i.pc)),
                unsupported_message(name),
            ));
        }
    }
    for i in &insns {
        if let JOp::Ldc(index) = i.op {
            let what = match class.cf.constant_pool.get(index) {
                Some(Constant::Integer(_)) => None,
                Some(Constant::String { .. }) => Some("String constants are not supported by Java Card (java.lang.String is not part of its API)"),
                Some(Constant::Float(_)) => Some("type float is not supported by Java Card"),
                Some(Constant::Class { .. }) => Some("class literals are not supported by Java Card"),
                _ => Some("this kind of constant (ldc) is not supported by Java Card"),
            };
            if let Some(what) = what {
                return Err(ConvertError::unsupported(at(Some(i.pc)), what));
            }
        }
    }
    let mt = MethodType::parse(&m.descriptor).ok_or_else(|| {
        ConvertError::unsupported(at(None), format!("bad method descriptor {}", m.descriptor))
    })?;
    let table: Vec<(usize, usize, usize)> = code
        .exception_table
        .iter()
        .map(|e| {
            (
                usize::from(e.start_pc),
                usize::from(e.end_pc),
                usize::from(e.handler_pc),
            )
        })
        .collect();
    let cx = Cx {
        cf: &class.cf,
        resolver,
        at: at(None),
    };
    let a = analysis::analyze(
        &insns,
        &table,
        m.is_static(),
        &mt,
        usize::from(code.max_locals),
        &cx,
    )
    .map_err(|e| {
        let pc = insns.get(e.insn).map(|i| i.pc);
        ConvertError::unsupported(at(pc), e.message)
    })?;
    if !int_allowed {
        if let Some((i, msg)) = a.int_culprits(&insns).into_iter().next() {
            let pc = insns.get(i).map(|x| x.pc);
            return Err(ConvertError::unsupported(
                at(pc),
                format!("{msg}; int arithmetic needs the int option (--int)"),
            ));
        }
    }
    let mut l = Lowerer {
        world,
        resolver,
        cp,
        class_index: ci,
        cf: &class.cf,
        m,
        a: &a,
        insns: &insns,
        items: Vec::new(),
        location: Box::new(move |pc| class.at_method(m, pc)),
    };
    l.run(&mt, code)
}

fn unsupported_message(name: &str) -> String {
    match name {
        "long arithmetic"
        | "lconst"
        | "lload"
        | "lstore"
        | "laload"
        | "lastore"
        | "lreturn"
        | "lcmp"
        | "i2l"
        | "l2i"
        | "long local variable" => {
            format!("type long is not supported by Java Card ({name})")
        }
        "float arithmetic"
        | "fconst"
        | "fload"
        | "fstore"
        | "faload"
        | "fastore"
        | "freturn"
        | "fcmp"
        | "i2f"
        | "f2i"
        | "l2f"
        | "f2l"
        | "f2d"
        | "d2f"
        | "float local variable" => {
            format!("type float is not supported by Java Card ({name})")
        }
        "double arithmetic"
        | "dconst"
        | "dload"
        | "dstore"
        | "daload"
        | "dastore"
        | "dreturn"
        | "dcmp"
        | "i2d"
        | "d2i"
        | "l2d"
        | "d2l"
        | "double local variable" => {
            format!("type double is not supported by Java Card ({name})")
        }
        "monitorenter" | "monitorexit" => {
            "synchronized blocks (threads) are not supported by Java Card".into()
        }
        "multianewarray" => "multi-dimensional arrays are not supported by Java Card".into(),
        "invokedynamic" => {
            "invokedynamic (lambdas, string concatenation) is not supported by Java Card".into()
        }
        "caload" | "castore" => "type char is not supported by Java Card".into(),
        other => format!("{other} is not supported by Java Card"),
    }
}

struct Lowerer<'a> {
    world: &'a World,
    resolver: &'a Resolver<'a>,
    cp: &'a mut ConstantPool,
    class_index: usize,
    cf: &'a ClassFile,
    m: &'a MethodInfo,
    a: &'a Analysis,
    insns: &'a [JInsn],
    items: Vec<Item>,
    location: Box<dyn Fn(Option<usize>) -> Location + 'a>,
}

impl Lowerer<'_> {
    fn emit(&mut self, ins: Ins, pop: u16, push: u16) {
        self.items.push(Item { ins, pop, push });
    }

    fn op(&mut self, op: Opcode, pop: u16, push: u16) {
        self.emit(Ins::Op(op), pop, push);
    }

    fn at(&self, i: usize) -> Location {
        (self.location)(self.insns.get(i).map(|x| x.pc))
    }

    fn unsupported(&self, i: usize, msg: impl Into<String>) -> ConvertError {
        ConvertError::unsupported(self.at(i), msg)
    }

    fn repr_of(&self, v: Val) -> Repr {
        match v {
            Val::Int(n) => self.a.repr(n),
            _ => Repr::Short,
        }
    }

    fn w(&self, v: Val) -> u16 {
        self.a.words(v)
    }

    fn out_repr(&self, i: usize) -> Repr {
        self.a
            .out_node
            .get(i)
            .copied()
            .flatten()
            .map_or(Repr::Short, |n| self.a.repr(n))
    }

    /// Converts the top of the stack from `from` to `to`.
    fn convert(&mut self, from: Repr, to: Repr, byte: bool) {
        match (from, to) {
            (Repr::Short, Repr::Int) => self.op(Opcode::S2i, 1, 2),
            (Repr::Int, Repr::Short) => self.op(if byte { Opcode::I2b } else { Opcode::I2s }, 2, 1),
            _ => {}
        }
    }

    /// Makes the value at `depth` (0 = top) of the frame's stack have representation `want`.
    fn need(
        &mut self,
        i: usize,
        stack: &[Val],
        depth: usize,
        want: Repr,
        byte: bool,
    ) -> Result<(), ConvertError> {
        let Some(v) = stack
            .len()
            .checked_sub(depth.saturating_add(1))
            .and_then(|k| stack.get(k))
            .copied()
        else {
            return Err(self.unsupported(i, "operand stack underflow"));
        };
        let have = self.repr_of(v);
        if have == want {
            return Ok(());
        }
        if depth == 0 {
            self.convert(have, want, byte);
            Ok(())
        } else {
            Err(self.unsupported(i, "an operand mixes int and short values in a way Java Card cannot convert; use a local variable or a cast"))
        }
    }

    /// After a short-producing instruction, widens its result if it is held as an int.
    fn widen_result(&mut self, i: usize) {
        if self.out_repr(i) == Repr::Int {
            self.op(Opcode::S2i, 1, 2);
        }
    }

    fn push_const(&mut self, i: usize, v: i32) {
        if self.out_repr(i) == Repr::Int {
            self.emit(Ins::PushI(v), 0, 2);
        } else {
            // Only the low 16 bits are used (the analysis checked).
            self.emit(Ins::PushS(v as i16), 0, 1);
        }
    }

    fn class_key(&mut self, i: usize, name: &str) -> Result<CpKey, ConvertError> {
        let id = self.world.resolve(name, &self.at(i))?;
        let key = CpKey::Class(id);
        let world = self.world;
        self.cp
            .meet(key, CpType::None, || world.name(id).to_owned());
        Ok(key)
    }

    fn run(
        &mut self,
        mt: &MethodType,
        code: &crate::classfile::Code,
    ) -> Result<Option<Lowered>, ConvertError> {
        let n = self.insns.len();
        let index_of = |pc: usize| -> Option<usize> { self.insns.iter().position(|x| x.pc == pc) };
        let label_of = |pc: usize| -> Label { index_of(pc).unwrap_or(n) };
        let mut hard: BTreeSet<Label> = BTreeSet::new();
        for insn in self.insns {
            for t in insn.op.targets() {
                hard.insert(label_of(t));
            }
        }
        let mut handlers = Vec::new();
        for e in &code.exception_table {
            let (start, end, handler) = (
                label_of(usize::from(e.start_pc)),
                label_of(usize::from(e.end_pc)),
                label_of(usize::from(e.handler_pc)),
            );
            hard.extend([start, end, handler]);
            let catch = if e.catch_type == 0 {
                None
            } else {
                let name = self
                    .cf
                    .constant_pool
                    .class_name(e.catch_type)
                    .map_err(|m| self.unsupported(handler, m))?
                    .to_owned();
                Some(self.class_key(handler, &name)?)
            };
            handlers.push(Handler {
                start,
                end,
                handler,
                catch,
            });
        }
        let mut lines = Vec::new();
        for ln in &code.line_numbers {
            if let Some(i) = index_of(usize::from(ln.start_pc)) {
                lines.push((i, ln.line_number));
            }
        }
        // Slot widths: int parameters and int stores take two words.
        let mut slot_words = vec![1u16; usize::from(code.max_locals)];
        let mut slot = usize::from(!self.m.is_static());
        for p in &mt.params {
            if *p == JType::Int {
                if let Some(w) = slot_words.get_mut(slot) {
                    *w = 2;
                }
            }
            slot = slot.saturating_add(1);
        }
        for (i, insn) in self.insns.iter().enumerate() {
            if let JOp::Store(Kind::Int, s) | JOp::Iinc(s, _) = insn.op {
                if self.out_repr(i) == Repr::Int {
                    if let Some(w) = slot_words.get_mut(usize::from(s)) {
                        *w = 2;
                    }
                }
            }
        }
        for i in 0..n {
            self.emit(Ins::Label(i, hard.contains(&i)), 0, 0);
            let Some(frame) = self.a.frames.get(i).cloned().flatten() else {
                continue;
            };
            self.one(i, &frame, mt)?;
        }
        self.emit(Ins::Label(n, true), 0, 0);
        let nargs = mt
            .param_words()
            .saturating_add(u16::from(!self.m.is_static()));
        Ok(Some(Lowered {
            items: std::mem::take(&mut self.items),
            handlers,
            slot_words,
            nargs,
            lines,
            end_label: n,
        }))
    }

    fn one(&mut self, i: usize, f: &analysis::Frame, mt: &MethodType) -> Result<(), ConvertError> {
        let insn = self
            .insns
            .get(i)
            .ok_or_else(|| self.unsupported(i, "instruction"))?;
        let stack = &f.stack;
        let top = |d: usize| -> Val {
            stack
                .len()
                .checked_sub(d.saturating_add(1))
                .and_then(|k| stack.get(k))
                .copied()
                .unwrap_or(Val::Top)
        };
        match &insn.op {
            JOp::Nop => {}
            JOp::AconstNull => self.op(Opcode::AconstNull, 0, 1),
            JOp::IConst(v) => self.push_const(i, *v),
            JOp::Ldc(cp) => {
                let v = match self.cf.constant_pool.get(*cp) {
                    Some(Constant::Integer(v)) => *v,
                    Some(Constant::String { .. }) => {
                        return Err(
                            self.unsupported(i, "String constants are not supported by Java Card")
                        )
                    }
                    _ => {
                        return Err(self.unsupported(i, "ldc of a constant Java Card does not have"))
                    }
                };
                self.push_const(i, v);
            }
            JOp::Load(Kind::Ref, s) => self.emit(Ins::Load(Ty::A, *s), 0, 1),
            JOp::Load(Kind::Int, s) => {
                let src = f.locals.get(usize::from(*s)).copied().unwrap_or(Val::Top);
                let from = self.repr_of(src);
                let ty = if from == Repr::Int { Ty::I } else { Ty::S };
                self.emit(Ins::Load(ty, *s), 0, self.w(src));
                self.convert(from, self.out_repr(i), false);
            }
            JOp::Store(Kind::Ref, s) => self.emit(Ins::Store(Ty::A, *s), 1, 0),
            JOp::Store(Kind::Int, s) => {
                let to = self.out_repr(i);
                self.convert(self.repr_of(top(0)), to, false);
                let (ty, w) = if to == Repr::Int {
                    (Ty::I, 2)
                } else {
                    (Ty::S, 1)
                };
                self.emit(Ins::Store(ty, *s), w, 0);
            }
            JOp::ArrayLoad(k) => {
                if self.repr_of(top(0)) == Repr::Int {
                    return Err(
                        self.unsupported(i, "an array index must be a short: cast it to short")
                    );
                }
                match k {
                    ArrayKind::Byte => {
                        self.op(Opcode::Baload, 2, 1);
                        self.widen_result(i);
                    }
                    ArrayKind::Short => {
                        self.op(Opcode::Saload, 2, 1);
                        self.widen_result(i);
                    }
                    ArrayKind::Int => self.op(Opcode::Iaload, 2, 2),
                    ArrayKind::Ref => self.op(Opcode::Aaload, 2, 1),
                }
            }
            JOp::ArrayStore(k) => {
                if self.repr_of(top(1)) == Repr::Int {
                    return Err(
                        self.unsupported(i, "an array index must be a short: cast it to short")
                    );
                }
                match k {
                    ArrayKind::Byte => {
                        self.need(i, stack, 0, Repr::Short, true)?;
                        self.op(Opcode::Bastore, 3, 0);
                    }
                    ArrayKind::Short => {
                        self.need(i, stack, 0, Repr::Short, false)?;
                        self.op(Opcode::Sastore, 3, 0);
                    }
                    ArrayKind::Int => {
                        self.need(i, stack, 0, Repr::Int, false)?;
                        self.op(Opcode::Iastore, 4, 0);
                    }
                    ArrayKind::Ref => self.op(Opcode::Aastore, 3, 0),
                }
            }
            JOp::Pop => {
                let w = self.w(top(0));
                self.op(if w == 2 { Opcode::Pop2 } else { Opcode::Pop }, w, 0);
            }
            JOp::Pop2 => {
                for d in 0..2 {
                    let w = self.w(top(d));
                    self.op(if w == 2 { Opcode::Pop2 } else { Opcode::Pop }, w, 0);
                }
            }
            JOp::Dup => {
                let w = self.w(top(0));
                self.op(
                    if w == 2 { Opcode::Dup2 } else { Opcode::Dup },
                    w,
                    w.saturating_mul(2),
                );
            }
            JOp::DupX1 | JOp::DupX2 | JOp::Dup2 | JOp::Dup2X1 | JOp::Dup2X2 => {
                let w: Vec<u16> = (0..4).map(|d| self.w(top(d))).collect();
                let wd = |k: usize| w.get(k).copied().unwrap_or(1);
                let (m, below) = match insn.op {
                    JOp::DupX1 => (wd(0), wd(1)),
                    JOp::DupX2 => (wd(0), wd(1).saturating_add(wd(2))),
                    JOp::Dup2 => (wd(0).saturating_add(wd(1)), 0),
                    JOp::Dup2X1 => (wd(0).saturating_add(wd(1)), wd(2)),
                    _ => (wd(0).saturating_add(wd(1)), wd(2).saturating_add(wd(3))),
                };
                let n = if below == 0 {
                    0
                } else {
                    m.saturating_add(below)
                };
                if m == 2 && n == 0 {
                    self.op(Opcode::Dup2, 2, 4);
                } else {
                    let mn = u8::try_from((m << 4) | n)
                        .map_err(|_| self.unsupported(i, "stack shape too large"))?;
                    let base = if n == 0 { m } else { n };
                    self.emit(Ins::Shape(Opcode::DupX, mn), base, base.saturating_add(m));
                }
            }
            JOp::Swap => {
                let (a, b) = (self.w(top(0)), self.w(top(1)));
                let mn =
                    u8::try_from((a << 4) | b).map_err(|_| self.unsupported(i, "stack shape"))?;
                self.emit(
                    Ins::Shape(Opcode::SwapX, mn),
                    a.saturating_add(b),
                    a.saturating_add(b),
                );
            }
            JOp::Arith(op) => self.arith(i, stack, *op)?,
            JOp::Iinc(s, delta) => {
                let base = f.locals.get(usize::from(*s)).copied().unwrap_or(Val::Top);
                let (from, to) = (self.repr_of(base), self.out_repr(i));
                if from == to {
                    self.emit(Ins::Inc(to == Repr::Int, *s, *delta), 0, 0);
                } else {
                    let ty = |r: Repr| {
                        if r == Repr::Int {
                            (Ty::I, 2)
                        } else {
                            (Ty::S, 1)
                        }
                    };
                    let (lt, lw) = ty(from);
                    self.emit(Ins::Load(lt, *s), 0, lw);
                    self.convert(from, to, false);
                    let (st, sw) = ty(to);
                    if to == Repr::Int {
                        self.emit(Ins::PushI(i32::from(*delta)), 0, 2);
                        self.op(Opcode::Iadd, 4, 2);
                    } else {
                        self.emit(Ins::PushS(*delta), 0, 1);
                        self.op(Opcode::Sadd, 2, 1);
                    }
                    self.emit(Ins::Store(st, *s), sw, 0);
                }
            }
            JOp::I2b | JOp::I2s => {
                let byte = matches!(insn.op, JOp::I2b);
                match (self.repr_of(top(0)), byte) {
                    (Repr::Int, _) => self.op(if byte { Opcode::I2b } else { Opcode::I2s }, 2, 1),
                    (Repr::Short, true) => self.op(Opcode::S2b, 1, 1),
                    (Repr::Short, false) => {}
                }
                self.widen_result(i);
            }
            JOp::If(cond, t) => {
                let label = self.label(*t);
                if self.repr_of(top(0)) == Repr::Int {
                    self.emit(Ins::PushI(0), 0, 2);
                    self.op(Opcode::Icmp, 4, 1);
                }
                self.emit(Ins::Branch(if_op(*cond), label), 1, 0);
            }
            JOp::IfICmp(cond, t) => {
                let label = self.label(*t);
                if self.repr_of(top(0)) == Repr::Int || self.repr_of(top(1)) == Repr::Int {
                    self.need(i, stack, 0, Repr::Int, false)?;
                    self.need(i, stack, 1, Repr::Int, false)?;
                    self.op(Opcode::Icmp, 4, 1);
                    self.emit(Ins::Branch(if_op(*cond), label), 1, 0);
                } else {
                    self.emit(Ins::Branch(if_scmp_op(*cond), label), 2, 0);
                }
            }
            JOp::IfACmp(eq, t) => {
                let label = self.label(*t);
                self.emit(
                    Ins::Branch(
                        if *eq {
                            Opcode::IfAcmpeq
                        } else {
                            Opcode::IfAcmpne
                        },
                        label,
                    ),
                    2,
                    0,
                );
            }
            JOp::IfNull(null, t) => {
                let label = self.label(*t);
                self.emit(
                    Ins::Branch(
                        if *null {
                            Opcode::Ifnull
                        } else {
                            Opcode::Ifnonnull
                        },
                        label,
                    ),
                    1,
                    0,
                );
            }
            JOp::Goto(t) => {
                let label = self.label(*t);
                self.emit(Ins::Branch(Opcode::Goto, label), 0, 0);
            }
            JOp::TableSwitch {
                default,
                low,
                targets,
            } => {
                let pairs: Vec<(i32, usize)> = targets
                    .iter()
                    .enumerate()
                    .map(|(k, t)| (low.saturating_add(i32::try_from(k).unwrap_or(i32::MAX)), *t))
                    .collect();
                self.switch(i, top(0), *default, &pairs, true)?;
            }
            JOp::LookupSwitch { default, pairs } => {
                self.switch(i, top(0), *default, pairs, false)?
            }
            JOp::Return(None) => self.op(Opcode::Return, 0, 0),
            JOp::Return(Some(Kind::Ref)) => self.op(Opcode::Areturn, 1, 0),
            JOp::Return(Some(Kind::Int)) => {
                if mt.ret == JType::Int {
                    self.need(i, stack, 0, Repr::Int, false)?;
                    self.op(Opcode::Ireturn, 2, 0);
                } else {
                    self.need(i, stack, 0, Repr::Short, mt.ret == JType::Byte)?;
                    self.op(Opcode::Sreturn, 1, 0);
                }
            }
            JOp::GetStatic(cp) | JOp::PutStatic(cp) | JOp::GetField(cp) | JOp::PutField(cp) => {
                self.field(i, stack, &insn.op, *cp)?
            }
            JOp::InvokeVirtual(cp)
            | JOp::InvokeSpecial(cp)
            | JOp::InvokeStatic(cp)
            | JOp::InvokeInterface(cp) => self.invoke(i, stack, &insn.op, *cp)?,
            JOp::New(cp) => {
                let name = self
                    .cf
                    .constant_pool
                    .class_name(*cp)
                    .map_err(|m| self.unsupported(i, m))?
                    .to_owned();
                let key = self.class_key(i, &name)?;
                self.emit(Ins::Cp(Opcode::New, key), 0, 1);
            }
            JOp::NewArray(atype) => {
                if self.repr_of(top(0)) == Repr::Int {
                    return Err(
                        self.unsupported(i, "an array size must be a short: cast it to short")
                    );
                }
                let t = match atype {
                    4 => 10,
                    8 => 11,
                    9 => 12,
                    10 => 13,
                    5 => return Err(self.unsupported(i, "type char is not supported by Java Card")),
                    6 => {
                        return Err(self.unsupported(i, "type float is not supported by Java Card"))
                    }
                    7 => {
                        return Err(self.unsupported(i, "type double is not supported by Java Card"))
                    }
                    11 => {
                        return Err(self.unsupported(i, "type long is not supported by Java Card"))
                    }
                    other => return Err(self.unsupported(i, format!("newarray type {other}"))),
                };
                self.emit(Ins::NewArray(t), 1, 1);
            }
            JOp::ANewArray(cp) => {
                if self.repr_of(top(0)) == Repr::Int {
                    return Err(
                        self.unsupported(i, "an array size must be a short: cast it to short")
                    );
                }
                let name = self
                    .cf
                    .constant_pool
                    .class_name(*cp)
                    .map_err(|m| self.unsupported(i, m))?
                    .to_owned();
                if name.starts_with('[') {
                    return Err(self.unsupported(
                        i,
                        "multi-dimensional arrays are not supported by Java Card",
                    ));
                }
                let key = self.class_key(i, &name)?;
                self.emit(Ins::Cp(Opcode::Anewarray, key), 1, 1);
            }
            JOp::ArrayLength => {
                self.op(Opcode::Arraylength, 1, 1);
                self.widen_result(i);
            }
            JOp::AThrow => self.op(Opcode::Athrow, 1, 0),
            JOp::CheckCast(cp) | JOp::InstanceOf(cp) => {
                let name = self
                    .cf
                    .constant_pool
                    .class_name(*cp)
                    .map_err(|m| self.unsupported(i, m))?
                    .to_owned();
                let (atype, key) = match name.as_str() {
                    "[Z" => (10, None),
                    "[B" => (11, None),
                    "[S" => (12, None),
                    "[I" => (13, None),
                    n if n.starts_with("[L") => {
                        let inner = n
                            .get(2..n.len().saturating_sub(1))
                            .unwrap_or_default()
                            .to_owned();
                        (14, Some(self.class_key(i, &inner)?))
                    }
                    n if n.starts_with('[') => {
                        return Err(
                            self.unsupported(i, format!("type {n} is not supported by Java Card"))
                        );
                    }
                    n => (0, Some(self.class_key(i, n)?)),
                };
                if matches!(insn.op, JOp::CheckCast(_)) {
                    self.emit(Ins::TypeCheck(Opcode::Checkcast, atype, key), 1, 1);
                } else {
                    self.emit(Ins::TypeCheck(Opcode::Instanceof, atype, key), 1, 1);
                    self.widen_result(i);
                }
            }
            JOp::I2c => return Err(self.unsupported(i, "type char is not supported by Java Card")),
            JOp::Unsupported(name) => return Err(self.unsupported(i, unsupported_message(name))),
        }
        Ok(())
    }

    fn label(&self, pc: usize) -> Label {
        self.insns
            .iter()
            .position(|x| x.pc == pc)
            .unwrap_or(self.insns.len())
    }

    fn arith(&mut self, i: usize, stack: &[Val], op: IntOp) -> Result<(), ConvertError> {
        let r = self.out_repr(i);
        let int = r == Repr::Int;
        let unary = op == IntOp::Neg;
        self.need(i, stack, 0, r, false)?;
        if !unary {
            self.need(i, stack, 1, r, false)?;
        }
        let (s, iop) = match op {
            IntOp::Add => (Opcode::Sadd, Opcode::Iadd),
            IntOp::Sub => (Opcode::Ssub, Opcode::Isub),
            IntOp::Mul => (Opcode::Smul, Opcode::Imul),
            IntOp::Div => (Opcode::Sdiv, Opcode::Idiv),
            IntOp::Rem => (Opcode::Srem, Opcode::Irem),
            IntOp::Neg => (Opcode::Sneg, Opcode::Ineg),
            IntOp::Shl => (Opcode::Sshl, Opcode::Ishl),
            IntOp::Shr => (Opcode::Sshr, Opcode::Ishr),
            IntOp::Ushr => (Opcode::Sushr, Opcode::Iushr),
            IntOp::And => (Opcode::Sand, Opcode::Iand),
            IntOp::Or => (Opcode::Sor, Opcode::Ior),
            IntOp::Xor => (Opcode::Sxor, Opcode::Ixor),
        };
        let w = if int { 2 } else { 1 };
        let operands = if unary { 1 } else { 2 };
        self.op(if int { iop } else { s }, w * operands, w);
        Ok(())
    }

    fn switch(
        &mut self,
        i: usize,
        key: Val,
        default: usize,
        pairs: &[(i32, usize)],
        table: bool,
    ) -> Result<(), ConvertError> {
        let int = self.repr_of(key) == Repr::Int;
        let default = self.label(default);
        let mut cases: Vec<(i32, Label)> =
            pairs.iter().map(|(k, t)| (*k, self.label(*t))).collect();
        // A short key never equals a case outside the short range.
        if !int {
            cases.retain(|(k, _)| i16::try_from(*k).is_ok());
        }
        let fits_table = table && !cases.is_empty() && cases.len() == pairs.len();
        let ins = if fits_table {
            let low = cases.first().map_or(0, |c| c.0);
            Ins::Switch(
                int,
                default,
                Cases::Table {
                    low,
                    targets: cases.into_iter().map(|c| c.1).collect(),
                },
            )
        } else {
            Ins::Switch(int, default, Cases::Lookup(cases))
        };
        self.emit(ins, if int { 2 } else { 1 }, 0);
        let _ = i;
        Ok(())
    }

    fn field(&mut self, i: usize, stack: &[Val], op: &JOp, cp: u16) -> Result<(), ConvertError> {
        let at = self.at(i);
        let r = self
            .cf
            .constant_pool
            .member_ref(cp)
            .map_err(|m| self.unsupported(i, m))?;
        let is_static = matches!(op, JOp::GetStatic(_) | JOp::PutStatic(_));
        let (target, ty) = self.resolver.field(&r, is_static, &at)?;
        let t = ty_of(&ty);
        let fw = words(&ty);
        let name = format!("{}.{} {}", r.class, r.name, r.descriptor);
        let put = matches!(op, JOp::PutStatic(_) | JOp::PutField(_));
        if put {
            match ty {
                JType::Int => self.need(i, stack, 0, Repr::Int, false)?,
                JType::Boolean | JType::Byte => self.need(i, stack, 0, Repr::Short, true)?,
                JType::Short => self.need(i, stack, 0, Repr::Short, false)?,
                _ => {}
            }
        }
        match target {
            FieldTarget::Constant(v) => {
                if put {
                    return Err(
                        self.unsupported(i, format!("assignment to the constant {}", r.name))
                    );
                }
                self.push_const(i, v);
            }
            FieldTarget::Static(k) => {
                let key = CpKey::StaticField(k);
                self.cp.meet(key, CpType::Field(ty.clone()), || name);
                if put {
                    self.emit(Ins::PutStatic(t, key), fw, 0);
                } else {
                    self.emit(Ins::GetStatic(t, key), 0, fw);
                    if matches!(t, Ty::B | Ty::S) {
                        self.widen_result(i);
                    }
                }
            }
            FieldTarget::Instance { class, token } => {
                let key = CpKey::InstanceField { class, token };
                let world = self.world;
                self.cp.meet(key, CpType::Field(ty.clone()), || {
                    format!("{}.{} {}", world.name(class), r.name, r.descriptor)
                });
                if put {
                    self.emit(Ins::PutField(t, false, key), fw.saturating_add(1), 0);
                } else {
                    self.emit(Ins::GetField(t, false, key), 1, fw);
                    if matches!(t, Ty::B | Ty::S) {
                        self.widen_result(i);
                    }
                }
            }
        }
        Ok(())
    }

    fn invoke(&mut self, i: usize, stack: &[Val], op: &JOp, cp: u16) -> Result<(), ConvertError> {
        let at = self.at(i);
        let r = self
            .cf
            .constant_pool
            .member_ref(cp)
            .map_err(|m| self.unsupported(i, m))?;
        let kind = match op {
            JOp::InvokeVirtual(_) => "invokevirtual",
            JOp::InvokeSpecial(_) => "invokespecial",
            JOp::InvokeStatic(_) => "invokestatic",
            _ => "invokeinterface",
        };
        let (target, mt) = self.resolver.invoke(self.class_index, kind, &r, &at)?;
        for (d, p) in mt.params.iter().rev().enumerate() {
            match p {
                JType::Int => self.need(i, stack, d, Repr::Int, false)?,
                JType::Boolean | JType::Byte | JType::Short => {
                    self.need(i, stack, d, Repr::Short, false)?
                }
                _ => {}
            }
        }
        let this = u16::from(!matches!(target, InvokeTarget::Static(_)));
        let pop = mt.param_words().saturating_add(this);
        let push = words(&mt.ret);
        let name = format!("{}.{}{}", r.class, r.name, r.descriptor);
        let ty = CpType::Method(mt.clone());
        let world = self.world;
        match target {
            InvokeTarget::Static(k) | InvokeTarget::Constructor(k) | InvokeTarget::Private(k) => {
                let key = CpKey::StaticMethod(k);
                let display = match k {
                    StaticKey::External { class, .. } => {
                        format!("{}.{}{}", world.name(class), r.name, r.descriptor)
                    }
                    _ => name,
                };
                self.cp.meet(key, ty, || display);
                let opc = if matches!(target, InvokeTarget::Static(_)) {
                    Opcode::Invokestatic
                } else {
                    Opcode::Invokespecial
                };
                self.emit(Ins::Cp(opc, key), pop, push);
            }
            InvokeTarget::Super(token) => {
                let key = CpKey::SuperMethod {
                    class: self.class_index,
                    token,
                };
                self.cp.meet(key, ty, || {
                    format!("{}.{}{}", self.cf.this_class, r.name, r.descriptor)
                });
                self.emit(Ins::Cp(Opcode::Invokespecial, key), pop, push);
            }
            InvokeTarget::Virtual { class, token } => {
                let key = CpKey::VirtualMethod { class, token };
                self.cp.meet(key, ty, || {
                    format!("{}.{}{}", world.name(class), r.name, r.descriptor)
                });
                self.emit(Ins::Cp(Opcode::Invokevirtual, key), pop, push);
            }
            InvokeTarget::Interface { class, token } => {
                let key = CpKey::Class(class);
                self.cp
                    .meet(key, CpType::None, || world.name(class).to_owned());
                let nargs = u8::try_from(pop)
                    .map_err(|_| self.unsupported(i, "more than 255 argument words"))?;
                self.emit(Ins::Interface(nargs, key, token), pop, push);
            }
        }
        if matches!(mt.ret, JType::Boolean | JType::Byte | JType::Short) {
            self.widen_result(i);
        }
        Ok(())
    }
}

fn if_op(c: Cond) -> Opcode {
    match c {
        Cond::Eq => Opcode::Ifeq,
        Cond::Ne => Opcode::Ifne,
        Cond::Lt => Opcode::Iflt,
        Cond::Ge => Opcode::Ifge,
        Cond::Gt => Opcode::Ifgt,
        Cond::Le => Opcode::Ifle,
    }
}

fn if_scmp_op(c: Cond) -> Opcode {
    match c {
        Cond::Eq => Opcode::IfScmpeq,
        Cond::Ne => Opcode::IfScmpne,
        Cond::Lt => Opcode::IfScmplt,
        Cond::Ge => Opcode::IfScmpge,
        Cond::Gt => Opcode::IfScmpgt,
        Cond::Le => Opcode::IfScmple,
    }
}
