//! Java Card bytecode, symbolically (labels, constant pool keys, Java local slots), and its
//! assembly into bytes: compact forms (`sconst_<n>`, `sload_<n>`, `bspush`), short or wide
//! branches as the distance requires, constant pool index widths, reference locations.

use std::collections::BTreeMap;

use jcos_vm::isa::Opcode;

use super::cp::CpKey;

/// A branch target.
pub type Label = usize;

/// Value kinds of typed instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// References (`a`).
    A,
    /// Bytes and booleans in storage (`b`).
    B,
    /// Shorts (`s`).
    S,
    /// Ints (`i`).
    I,
}

/// Cases of a switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cases {
    /// `*tableswitch`: targets for `low..`.
    Table {
        /// First key.
        low: i32,
        /// Targets.
        targets: Vec<Label>,
    },
    /// `*lookupswitch`: (key, target), ascending keys.
    Lookup(Vec<(i32, Label)>),
}

/// One symbolic instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ins {
    /// A position; `hard` labels are branch targets or handler bounds.
    Label(Label, bool),
    /// An instruction without operands.
    Op(Opcode),
    /// Pushes a short constant.
    PushS(i16),
    /// Pushes an int constant.
    PushI(i32),
    /// `aload`/`sload`/`iload` of a Java local slot.
    Load(Ty, u16),
    /// `astore`/`sstore`/`istore` of a Java local slot.
    Store(Ty, u16),
    /// `sinc`/`iinc` of a Java local slot.
    Inc(bool, u16, i16),
    /// `getfield_<t>` (`this`: the `_this` form).
    GetField(Ty, bool, CpKey),
    /// `putfield_<t>`.
    PutField(Ty, bool, CpKey),
    /// `getstatic_<t>`.
    GetStatic(Ty, CpKey),
    /// `putstatic_<t>`.
    PutStatic(Ty, CpKey),
    /// `invokevirtual`, `invokespecial`, `invokestatic`, `new`, `anewarray`.
    Cp(Opcode, CpKey),
    /// `invokeinterface nargs index token`.
    Interface(u8, CpKey, u8),
    /// `newarray atype`.
    NewArray(u8),
    /// `checkcast`/`instanceof atype [index]`.
    TypeCheck(Opcode, u8, Option<CpKey>),
    /// A branch, by its short opcode.
    Branch(Opcode, Label),
    /// A switch (`int`: the int forms).
    Switch(bool, Label, Cases),
    /// `dup_x`/`swap_x` with their `mn` byte.
    Shape(Opcode, u8),
}

/// An instruction with its stack effect in words and the Java pc it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The instruction.
    pub ins: Ins,
    /// Words popped.
    pub pop: u16,
    /// Words pushed.
    pub push: u16,
}

/// The wide form of a short branch opcode.
fn wide(op: Opcode) -> Option<Opcode> {
    use Opcode::*;
    Some(match op {
        Ifeq => IfeqW,
        Ifne => IfneW,
        Iflt => IfltW,
        Ifge => IfgeW,
        Ifgt => IfgtW,
        Ifle => IfleW,
        Ifnull => IfnullW,
        Ifnonnull => IfnonnullW,
        IfAcmpeq => IfAcmpeqW,
        IfAcmpne => IfAcmpneW,
        IfScmpeq => IfScmpeqW,
        IfScmpne => IfScmpneW,
        IfScmplt => IfScmpltW,
        IfScmpge => IfScmpgeW,
        IfScmpgt => IfScmpgtW,
        IfScmple => IfScmpleW,
        Goto => GotoW,
        _ => return None,
    })
}

fn field_op(get: bool, ty: Ty, form: u8) -> Opcode {
    use Opcode::*;
    // form: 0 plain (u1 index), 1 wide (u2 index), 2 this (u1 index)
    match (get, ty, form) {
        (true, Ty::A, 0) => GetfieldA,
        (true, Ty::B, 0) => GetfieldB,
        (true, Ty::S, 0) => GetfieldS,
        (true, Ty::I, 0) => GetfieldI,
        (true, Ty::A, 1) => GetfieldAW,
        (true, Ty::B, 1) => GetfieldBW,
        (true, Ty::S, 1) => GetfieldSW,
        (true, Ty::I, 1) => GetfieldIW,
        (true, Ty::A, _) => GetfieldAThis,
        (true, Ty::B, _) => GetfieldBThis,
        (true, Ty::S, _) => GetfieldSThis,
        (true, Ty::I, _) => GetfieldIThis,
        (false, Ty::A, 0) => PutfieldA,
        (false, Ty::B, 0) => PutfieldB,
        (false, Ty::S, 0) => PutfieldS,
        (false, Ty::I, 0) => PutfieldI,
        (false, Ty::A, 1) => PutfieldAW,
        (false, Ty::B, 1) => PutfieldBW,
        (false, Ty::S, 1) => PutfieldSW,
        (false, Ty::I, 1) => PutfieldIW,
        (false, Ty::A, _) => PutfieldAThis,
        (false, Ty::B, _) => PutfieldBThis,
        (false, Ty::S, _) => PutfieldSThis,
        (false, Ty::I, _) => PutfieldIThis,
    }
}

/// `getstatic_<t>` or `putstatic_<t>`.
pub fn static_op(get: bool, ty: Ty) -> Opcode {
    use Opcode::*;
    match (get, ty) {
        (true, Ty::A) => GetstaticA,
        (true, Ty::B) => GetstaticB,
        (true, Ty::S) => GetstaticS,
        (true, Ty::I) => GetstaticI,
        (false, Ty::A) => PutstaticA,
        (false, Ty::B) => PutstaticB,
        (false, Ty::S) => PutstaticS,
        (false, Ty::I) => PutstaticI,
    }
}

fn local_op(load: bool, ty: Ty, index: u8) -> (Opcode, bool) {
    use Opcode::*;
    let short: [Opcode; 4] = match (load, ty) {
        (true, Ty::A) => [Aload0, Aload1, Aload2, Aload3],
        (true, Ty::I) => [Iload0, Iload1, Iload2, Iload3],
        (true, _) => [Sload0, Sload1, Sload2, Sload3],
        (false, Ty::A) => [Astore0, Astore1, Astore2, Astore3],
        (false, Ty::I) => [Istore0, Istore1, Istore2, Istore3],
        (false, _) => [Sstore0, Sstore1, Sstore2, Sstore3],
    };
    match short.get(usize::from(index)) {
        Some(op) => (*op, false),
        None => (
            match (load, ty) {
                (true, Ty::A) => Aload,
                (true, Ty::I) => Iload,
                (true, _) => Sload,
                (false, Ty::A) => Astore,
                (false, Ty::I) => Istore,
                (false, _) => Sstore,
            },
            true,
        ),
    }
}

/// Assembled code.
#[derive(Debug, Clone, Default)]
pub struct Assembled {
    /// The bytecodes.
    pub code: Vec<u8>,
    /// Offset of every label.
    pub labels: BTreeMap<Label, usize>,
    /// Offsets of constant pool index operands: (offset, two bytes).
    pub cp_refs: Vec<(usize, bool)>,
    /// Offset of each item (parallel to the items).
    pub item_offsets: Vec<usize>,
    /// Whether int instructions were emitted.
    pub uses_int: bool,
}

/// The context assembly needs.
pub trait Resolve {
    /// Constant pool index of a key.
    fn cp_index(&self, key: &CpKey) -> Result<u16, String>;
    /// Java Card local index of a Java local slot.
    fn local(&self, slot: u16) -> Result<u8, String>;
}

fn size(item: &Item, wide_branch: bool, r: &dyn Resolve) -> Result<usize, String> {
    Ok(match &item.ins {
        Ins::Label(..) => 0,
        Ins::Op(_) => 1,
        Ins::PushS(v) => match v {
            -1..=5 => 1,
            v if i8::try_from(*v).is_ok() => 2,
            _ => 3,
        },
        Ins::PushI(v) => match v {
            -1..=5 => 1,
            v if i8::try_from(*v).is_ok() => 2,
            v if i16::try_from(*v).is_ok() => 3,
            _ => 5,
        },
        Ins::Load(ty, slot) | Ins::Store(ty, slot) => {
            let (_, operand) = local_op(true, *ty, r.local(*slot)?);
            if operand {
                2
            } else {
                1
            }
        }
        Ins::Inc(_, _, d) => {
            if i8::try_from(*d).is_ok() {
                3
            } else {
                4
            }
        }
        Ins::GetField(_, this, key) | Ins::PutField(_, this, key) => {
            let small = r.cp_index(key)? <= 0xFF;
            match (this, small) {
                (_, true) => 2,
                (false, false) => 3,
                (true, false) => 4,
            }
        }
        Ins::GetStatic(..) | Ins::PutStatic(..) | Ins::Cp(..) => 3,
        Ins::Interface(..) => 5,
        Ins::NewArray(_) | Ins::Shape(..) => 2,
        Ins::TypeCheck(..) => 4,
        Ins::Branch(..) => {
            if wide_branch {
                3
            } else {
                2
            }
        }
        Ins::Switch(int, _, cases) => {
            let key: usize = if *int { 4 } else { 2 };
            match cases {
                Cases::Table { targets, .. } => 3usize
                    .saturating_add(key.saturating_mul(2))
                    .saturating_add(targets.len().saturating_mul(2)),
                Cases::Lookup(pairs) => {
                    5usize.saturating_add(pairs.len().saturating_mul(key.saturating_add(2)))
                }
            }
        }
    })
}

fn rel(from: usize, to: usize) -> Result<i16, String> {
    let d = i64::try_from(to)
        .unwrap_or(i64::MAX)
        .saturating_sub(i64::try_from(from).unwrap_or(i64::MAX));
    i16::try_from(d).map_err(|_| format!("branch of {d} bytes does not fit a wide branch"))
}

/// Assembles `items`, choosing short or wide branches.
pub fn assemble(items: &[Item], r: &dyn Resolve) -> Result<Assembled, String> {
    let mut wide_branch = vec![false; items.len()];
    let mut offsets = vec![0usize; items.len()];
    let mut labels: BTreeMap<Label, usize> = BTreeMap::new();
    // Branches only grow, so this settles.
    for _ in 0..64 {
        let mut at = 0usize;
        labels.clear();
        for (i, item) in items.iter().enumerate() {
            if let Some(o) = offsets.get_mut(i) {
                *o = at;
            }
            if let Ins::Label(l, _) = item.ins {
                labels.insert(l, at);
            }
            at = at.saturating_add(size(item, wide_branch.get(i).copied().unwrap_or(true), r)?);
        }
        let mut changed = false;
        for (i, item) in items.iter().enumerate() {
            if let Ins::Branch(_, target) = item.ins {
                let from = offsets.get(i).copied().unwrap_or(0);
                let to = labels
                    .get(&target)
                    .copied()
                    .ok_or("branch to an unknown label")?;
                let d = rel(from, to)?;
                let w = wide_branch.get_mut(i).ok_or("index")?;
                if !*w && i8::try_from(d).is_err() {
                    *w = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = Assembled {
        labels: labels.clone(),
        item_offsets: offsets.clone(),
        ..Assembled::default()
    };
    let code = &mut out.code;
    let label = |l: &Label| {
        labels
            .get(l)
            .copied()
            .ok_or_else(|| "unknown label".to_string())
    };
    for (i, item) in items.iter().enumerate() {
        let pc = offsets.get(i).copied().unwrap_or(0);
        match &item.ins {
            Ins::Label(..) => {}
            Ins::Op(op) => {
                out.uses_int |= op.is_int();
                code.push(op.byte());
            }
            Ins::PushS(v) => match v {
                -1..=5 => code.push(
                    Opcode::Sconst0
                        .byte()
                        .wrapping_add_signed(i8::try_from(*v).unwrap_or(0)),
                ),
                v if i8::try_from(*v).is_ok() => {
                    code.push(Opcode::Bspush.byte());
                    code.extend_from_slice(&v.to_be_bytes()[1..]);
                }
                v => {
                    code.push(Opcode::Sspush.byte());
                    code.extend_from_slice(&v.to_be_bytes());
                }
            },
            Ins::PushI(v) => {
                out.uses_int = true;
                match v {
                    -1..=5 => code.push(
                        Opcode::Iconst0
                            .byte()
                            .wrapping_add_signed(i8::try_from(*v).unwrap_or(0)),
                    ),
                    v if i8::try_from(*v).is_ok() => {
                        code.push(Opcode::Bipush.byte());
                        code.push(v.to_be_bytes()[3]);
                    }
                    v if i16::try_from(*v).is_ok() => {
                        code.push(Opcode::Sipush.byte());
                        code.extend_from_slice(&v.to_be_bytes()[2..]);
                    }
                    v => {
                        code.push(Opcode::Iipush.byte());
                        code.extend_from_slice(&v.to_be_bytes());
                    }
                }
            }
            Ins::Load(ty, slot) | Ins::Store(ty, slot) => {
                let index = r.local(*slot)?;
                let (op, operand) = local_op(matches!(item.ins, Ins::Load(..)), *ty, index);
                out.uses_int |= op.is_int();
                code.push(op.byte());
                if operand {
                    code.push(index);
                }
            }
            Ins::Inc(int, slot, d) => {
                let index = r.local(*slot)?;
                out.uses_int |= *int;
                match i8::try_from(*d) {
                    Ok(b) => {
                        code.push(if *int { Opcode::Iinc } else { Opcode::Sinc }.byte());
                        code.push(index);
                        code.push(b.to_be_bytes()[0]);
                    }
                    Err(_) => {
                        code.push(if *int { Opcode::IincW } else { Opcode::SincW }.byte());
                        code.push(index);
                        code.extend_from_slice(&d.to_be_bytes());
                    }
                }
            }
            Ins::GetField(ty, this, key) | Ins::PutField(ty, this, key) => {
                let get = matches!(item.ins, Ins::GetField(..));
                let index = r.cp_index(key)?;
                out.uses_int |= *ty == Ty::I;
                match (this, u8::try_from(index)) {
                    (_, Ok(b)) => {
                        code.push(field_op(get, *ty, if *this { 2 } else { 0 }).byte());
                        out.cp_refs.push((pc.saturating_add(1), false));
                        code.push(b);
                    }
                    (true, Err(_)) => {
                        code.push(Opcode::Aload0.byte());
                        code.push(field_op(get, *ty, 1).byte());
                        out.cp_refs.push((pc.saturating_add(2), true));
                        code.extend_from_slice(&index.to_be_bytes());
                    }
                    (false, Err(_)) => {
                        code.push(field_op(get, *ty, 1).byte());
                        out.cp_refs.push((pc.saturating_add(1), true));
                        code.extend_from_slice(&index.to_be_bytes());
                    }
                }
            }
            Ins::GetStatic(ty, key) | Ins::PutStatic(ty, key) => {
                out.uses_int |= *ty == Ty::I;
                code.push(static_op(matches!(item.ins, Ins::GetStatic(..)), *ty).byte());
                out.cp_refs.push((pc.saturating_add(1), true));
                code.extend_from_slice(&r.cp_index(key)?.to_be_bytes());
            }
            Ins::Cp(op, key) => {
                code.push(op.byte());
                out.cp_refs.push((pc.saturating_add(1), true));
                code.extend_from_slice(&r.cp_index(key)?.to_be_bytes());
            }
            Ins::Interface(nargs, key, token) => {
                code.push(Opcode::Invokeinterface.byte());
                code.push(*nargs);
                out.cp_refs.push((pc.saturating_add(2), true));
                code.extend_from_slice(&r.cp_index(key)?.to_be_bytes());
                code.push(*token);
            }
            Ins::NewArray(t) => {
                out.uses_int |= *t == 13;
                code.push(Opcode::Newarray.byte());
                code.push(*t);
            }
            Ins::TypeCheck(op, atype, key) => {
                code.push(op.byte());
                code.push(*atype);
                match key {
                    Some(k) => {
                        out.cp_refs.push((pc.saturating_add(2), true));
                        code.extend_from_slice(&r.cp_index(k)?.to_be_bytes());
                    }
                    None => code.extend_from_slice(&[0, 0]),
                }
            }
            Ins::Branch(op, target) => {
                let d = rel(pc, label(target)?)?;
                if wide_branch.get(i).copied().unwrap_or(true) {
                    code.push(wide(*op).ok_or("branch without a wide form")?.byte());
                    code.extend_from_slice(&d.to_be_bytes());
                } else {
                    code.push(op.byte());
                    code.push(
                        i8::try_from(d)
                            .map_err(|_| "short branch out of range")?
                            .to_be_bytes()[0],
                    );
                }
            }
            Ins::Switch(int, default, cases) => {
                out.uses_int |= *int;
                let key = |code: &mut Vec<u8>, v: i32| -> Result<(), String> {
                    if *int {
                        code.extend_from_slice(&v.to_be_bytes());
                    } else {
                        code.extend_from_slice(
                            &i16::try_from(v)
                                .map_err(|_| format!("switch key {v} is not a short"))?
                                .to_be_bytes(),
                        );
                    }
                    Ok(())
                };
                match cases {
                    Cases::Table { low, targets } => {
                        code.push(
                            if *int {
                                Opcode::Itableswitch
                            } else {
                                Opcode::Stableswitch
                            }
                            .byte(),
                        );
                        code.extend_from_slice(&rel(pc, label(default)?)?.to_be_bytes());
                        let count = i32::try_from(targets.len()).map_err(|_| "switch size")?;
                        key(code, *low)?;
                        key(code, low.saturating_add(count).saturating_sub(1))?;
                        for t in targets {
                            code.extend_from_slice(&rel(pc, label(t)?)?.to_be_bytes());
                        }
                    }
                    Cases::Lookup(pairs) => {
                        code.push(
                            if *int {
                                Opcode::Ilookupswitch
                            } else {
                                Opcode::Slookupswitch
                            }
                            .byte(),
                        );
                        code.extend_from_slice(&rel(pc, label(default)?)?.to_be_bytes());
                        code.extend_from_slice(
                            &u16::try_from(pairs.len())
                                .map_err(|_| "switch size")?
                                .to_be_bytes(),
                        );
                        for (k, t) in pairs {
                            key(code, *k)?;
                            code.extend_from_slice(&rel(pc, label(t)?)?.to_be_bytes());
                        }
                    }
                }
            }
            Ins::Shape(op, mn) => {
                code.push(op.byte());
                code.push(*mn);
            }
        }
        let expected = offsets
            .get(i.saturating_add(1))
            .copied()
            .unwrap_or(code.len());
        if code.len() != expected && i.saturating_add(1) < items.len() {
            return Err(format!("internal size mismatch at item {i}"));
        }
    }
    Ok(out)
}

/// Control flow successors of item `i`: (next item falls through, branch targets).
fn targets(ins: &Ins) -> (bool, Vec<Label>) {
    match ins {
        Ins::Branch(Opcode::Goto, t) => (false, vec![*t]),
        Ins::Branch(_, t) => (true, vec![*t]),
        Ins::Switch(_, d, cases) => {
            let mut v = vec![*d];
            match cases {
                Cases::Table { targets, .. } => v.extend(targets),
                Cases::Lookup(p) => v.extend(p.iter().map(|x| x.1)),
            }
            (false, v)
        }
        Ins::Op(op) => (
            op.falls_through()
                && !matches!(
                    op.flow(),
                    jcos_vm::isa::Flow::Return | jcos_vm::isa::Flow::Throw
                ),
            Vec::new(),
        ),
        _ => (true, Vec::new()),
    }
}

/// The largest operand stack depth, in words, along every path; `handlers` are the labels
/// where exception handlers start (entered with the exception reference on the stack).
pub fn max_stack(items: &[Item], handlers: &[Label]) -> Result<u16, String> {
    let label_at: BTreeMap<Label, usize> = items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| match it.ins {
            Ins::Label(l, _) => Some((l, i)),
            _ => None,
        })
        .collect();
    let mut depth: Vec<Option<u16>> = vec![None; items.len()];
    let mut work: Vec<(usize, u16)> = vec![(0, 0)];
    for h in handlers {
        work.push((*label_at.get(h).ok_or("handler label")?, 1));
    }
    let mut max = 0u16;
    while let Some((i, d)) = work.pop() {
        let Some(item) = items.get(i) else { continue };
        match depth.get(i).copied().flatten() {
            Some(old) if old == d => continue,
            Some(old) => return Err(format!("stack depth {old} and {d} meet at item {i}")),
            None => {}
        }
        if let Some(x) = depth.get_mut(i) {
            *x = Some(d);
        }
        let after = d
            .checked_sub(item.pop)
            .ok_or_else(|| format!("stack underflow at item {i}"))?;
        max = max.max(d).max(after.saturating_add(item.push));
        let after = after.saturating_add(item.push);
        let (falls, ts) = targets(&item.ins);
        if falls {
            work.push((i.saturating_add(1), after));
        }
        for t in ts {
            work.push((*label_at.get(&t).ok_or("branch label")?, after));
        }
    }
    Ok(max)
}

/// Peephole rewrites javac's code shapes into Java Card's compact forms:
/// `aload_0; getfield` → `getfield_<t>_this`, `aload_0; <push>; putfield` → `<push>;
/// putfield_<t>_this` (when local 0 holds `this` throughout), and `sload x; <const>;
/// sadd; sstore x` → `sinc x, const`. Hard labels stop every rewrite.
pub fn peephole(items: Vec<Item>, this_in_local0: bool) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    let mut i = 0usize;
    // Soft labels between the instructions of a pattern, kept before the result.
    let plain = |it: Option<&Item>| -> bool {
        !matches!(it.map(|x| &x.ins), Some(Ins::Label(_, true)) | None)
    };
    while i < items.len() {
        // Collect the next few non-label items, and the soft labels among them.
        let mut idx = Vec::new();
        let mut j = i;
        let mut blocked = false;
        while idx.len() < 4 && j < items.len() {
            match items.get(j).map(|x| &x.ins) {
                Some(Ins::Label(_, true)) if !idx.is_empty() => {
                    blocked = true;
                    break;
                }
                Some(Ins::Label(..)) if idx.is_empty() => break,
                Some(Ins::Label(_, false)) => {}
                _ => idx.push(j),
            }
            j = j.saturating_add(1);
        }
        let get = |k: usize| idx.get(k).and_then(|&x| items.get(x));
        let soft_between = |upto: usize| -> Vec<Item> {
            let end = idx.get(upto).copied().unwrap_or(i);
            items
                .get(i..end)
                .unwrap_or_default()
                .iter()
                .filter(|it| matches!(it.ins, Ins::Label(_, false)))
                .cloned()
                .collect()
        };
        let _ = blocked;
        if idx.first() != Some(&i) || !plain(items.get(i)) {
            if let Some(it) = items.get(i) {
                out.push(it.clone());
            }
            i = i.saturating_add(1);
            continue;
        }
        // aload_0; getfield_<t>
        if this_in_local0 {
            if let (
                Some(Item {
                    ins: Ins::Load(Ty::A, 0),
                    ..
                }),
                Some(g),
            ) = (get(0), get(1))
            {
                if let Ins::GetField(ty, false, key) = &g.ins {
                    out.extend(soft_between(1));
                    out.push(Item {
                        ins: Ins::GetField(*ty, true, *key),
                        pop: 0,
                        push: g.push,
                    });
                    i = idx.get(1).copied().unwrap_or(i).saturating_add(1);
                    continue;
                }
                if let (Some(p), Some(put)) = (get(1), get(2)) {
                    let simple = matches!(
                        p.ins,
                        Ins::PushS(_) | Ins::PushI(_) | Ins::Load(..) | Ins::Op(Opcode::AconstNull)
                    );
                    if let Ins::PutField(ty, false, key) = &put.ins {
                        if simple {
                            out.extend(soft_between(1));
                            out.push(p.clone());
                            out.extend(
                                items
                                    .get(
                                        idx.get(1).copied().unwrap_or(i)
                                            ..idx.get(2).copied().unwrap_or(i),
                                    )
                                    .unwrap_or_default()
                                    .iter()
                                    .filter(|it| matches!(it.ins, Ins::Label(_, false)))
                                    .cloned(),
                            );
                            out.push(Item {
                                ins: Ins::PutField(*ty, true, *key),
                                pop: put.pop.saturating_sub(1),
                                push: 0,
                            });
                            i = idx.get(2).copied().unwrap_or(i).saturating_add(1);
                            continue;
                        }
                    }
                }
            }
        }
        // sload x; push c; sadd|ssub; sstore x
        if let (Some(l), Some(c), Some(op), Some(st)) = (get(0), get(1), get(2), get(3)) {
            if let (Ins::Load(Ty::S, x), Ins::PushS(v), Ins::Op(o), Ins::Store(Ty::S, y)) =
                (&l.ins, &c.ins, &op.ins, &st.ins)
            {
                let delta = match o {
                    Opcode::Sadd => Some(*v),
                    Opcode::Ssub => v.checked_neg(),
                    _ => None,
                };
                if let (true, Some(d)) = (x == y, delta) {
                    out.extend(soft_between(3));
                    out.push(Item {
                        ins: Ins::Inc(false, *x, d),
                        pop: 0,
                        push: 0,
                    });
                    i = idx.get(3).copied().unwrap_or(i).saturating_add(1);
                    continue;
                }
            }
        }
        if let Some(it) = items.get(i) {
            out.push(it.clone());
        }
        i = i.saturating_add(1);
    }
    out
}
