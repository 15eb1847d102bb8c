//! The dispatch loop. Registers (`pc`, `sp`, `bp`, context, budget) live in locals while
//! running and are written back to the machine whenever the loop exits, so the unwinder and
//! the next entry see a consistent frame.

use super::{assignable, Env, Fault, Frame, Machine, Thrown, Trap, VmException};
use crate::firewall;
use crate::heap::{ArrayData, Body, ContextId, Memory, NativeState, ObjRef};
use crate::interp::exception::SYSTEM_NO_RESOURCE;
use crate::native::{self, NativeRet};
use crate::program::{ArrayType, ClassId, Insn, MethodTarget, Switch, TypeRef};

/// Most argument words a native takes (`AEADCipher.init` takes 9).
const MAX_NATIVE_ARGS: usize = 9;

/// Runs until the entry frame returns (`Ok` with the return value) or something is thrown
/// or trapped. Allocates nothing per instruction.
pub(super) fn exec(m: &mut Machine, env: &mut Env<'_>) -> Result<i32, Fault> {
    let program = env.program;
    let max_frames = m.limits.max_frames;
    let Machine {
        stack,
        frames,
        cur,
        fuel: fuel_ref,
        ..
    } = m;
    let stack: &mut [i32] = stack.as_mut_slice();

    let mut cur_method = cur.method;
    let mut method = match program.method(cur_method) {
        Some(x) => x,
        None => return Err(Fault::Trap(Trap::NoSuchMethod)),
    };
    let mut code: &[Insn] = &method.code;
    let mut pc = cur.pc as usize;
    let mut sp = cur.sp as usize;
    let mut bp = cur.bp as usize;
    let mut ctx = cur.ctx;
    let mut fuel = *fuel_ref;

    macro_rules! save {
        () => {{
            *cur = Frame {
                method: cur_method,
                pc: pc as u32,
                bp: bp as u32,
                sp: sp as u32,
                ctx,
            };
            *fuel_ref = fuel;
        }};
    }
    macro_rules! throw {
        ($e:expr) => {{
            save!();
            return Err(Fault::Throw(Thrown::from($e)));
        }};
    }
    macro_rules! trap {
        ($t:expr) => {{
            save!();
            return Err(Fault::Trap($t));
        }};
    }
    macro_rules! tri {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => throw!(e),
            }
        };
    }
    macro_rules! pop {
        () => {{
            sp = match sp.checked_sub(1) {
                Some(s) => s,
                None => throw!(VmException::Security),
            };
            match stack.get(sp) {
                Some(v) => *v,
                None => throw!(VmException::Security),
            }
        }};
    }
    macro_rules! push {
        ($v:expr) => {{
            let v: i32 = $v;
            match stack.get_mut(sp) {
                Some(c) => *c = v,
                None => throw!(VmException::Security),
            }
            sp += 1;
        }};
    }
    macro_rules! pop2 {
        () => {{
            let _low = pop!();
            pop!()
        }};
    }
    macro_rules! push2 {
        ($v:expr) => {{
            let v: i32 = $v;
            push!(v);
            push!(0);
        }};
    }
    macro_rules! local {
        ($i:expr) => {
            match stack.get(bp + usize::from($i)) {
                Some(v) => *v,
                None => throw!(VmException::Security),
            }
        };
    }
    macro_rules! set_local {
        ($i:expr, $v:expr) => {{
            let v: i32 = $v;
            match stack.get_mut(bp + usize::from($i)) {
                Some(c) => *c = v,
                None => throw!(VmException::Security),
            }
        }};
    }
    macro_rules! obj {
        ($w:expr) => {
            match ObjRef::from_word($w) {
                Some(r) => r,
                None => throw!(VmException::NullPointer),
            }
        };
    }
    macro_rules! short {
        ($v:expr) => {
            i32::from($v as i16)
        };
    }
    macro_rules! switch_target {
        ($k:expr, $v:expr) => {
            match method.switches.get(usize::from($k)) {
                Some(s) => usize::from(Switch::target(s, $v)),
                None => throw!(VmException::Security),
            }
        };
    }
    // Enters a bytecode method whose arguments are the top `nargs` words.
    macro_rules! enter {
        ($mid:expr, $new_ctx:expr) => {{
            let mid = $mid;
            let callee = match program.method(mid) {
                Some(x) => x,
                None => throw!(VmException::Security),
            };
            let n = usize::from(callee.nargs);
            let new_bp = match sp.checked_sub(n) {
                Some(b) => b,
                None => throw!(VmException::Security),
            };
            let locals_end = new_bp + callee.frame_locals();
            if locals_end + usize::from(callee.max_stack) > stack.len()
                || frames.len() >= max_frames
            {
                trap!(Trap::StackOverflow);
            }
            if let Some(l) = stack.get_mut(new_bp + n..locals_end) {
                l.fill(0);
            }
            frames.push(Frame {
                method: cur_method,
                pc: pc as u32,
                bp: bp as u32,
                sp: new_bp as u32,
                ctx,
            });
            let new_ctx: ContextId = $new_ctx;
            if new_ctx != ctx {
                env.jcre.ctx_stack.push(ctx);
            }
            cur_method = mid;
            method = callee;
            code = &callee.code;
            pc = 0;
            bp = new_bp;
            sp = locals_end;
            ctx = new_ctx;
        }};
    }
    // Calls a native whose arguments are the top `nargs` words and pushes its result.
    macro_rules! call_native {
        ($id:expr, $native_ctx:expr) => {{
            let id = $id;
            let n = usize::from(id.nargs());
            let base = match sp.checked_sub(n) {
                Some(b) if n <= MAX_NATIVE_ARGS => b,
                _ => throw!(VmException::Security),
            };
            let mut args = [0i32; MAX_NATIVE_ARGS];
            match (args.get_mut(..n), stack.get(base..sp)) {
                (Some(d), Some(s)) => d.copy_from_slice(s),
                _ => throw!(VmException::Security),
            }
            sp = base;
            save!();
            let result = native::invoke(env, id, args.get(..n).unwrap_or(&[]), $native_ctx);
            match result {
                Ok(NativeRet::Void) => {}
                Ok(NativeRet::Word(v)) => push!(v),
                Ok(NativeRet::Int(v)) => push2!(v),
                Ok(NativeRet::Invoke {
                    method: callee,
                    args: cargs,
                    nargs: cn,
                    ctx: callee_ctx,
                }) => {
                    for w in cargs.iter().take(usize::from(cn)) {
                        push!(*w);
                    }
                    enter!(callee, callee_ctx);
                }
                Err(f) => {
                    save!();
                    return Err(f);
                }
            }
        }};
    }
    macro_rules! invoke_target {
        ($t:expr, $new_ctx:expr) => {{
            match $t {
                MethodTarget::Bytecode(mid) => enter!(mid, $new_ctx),
                MethodTarget::Native(id) => call_native!(id, $new_ctx),
                MethodTarget::Abstract => trap!(Trap::AbstractMethod),
                MethodTarget::Missing => trap!(Trap::MissingNative),
            }
        }};
    }
    // Returns from the current frame; `$push` pushes the return value in the caller.
    macro_rules! leave {
        ($value:expr, $words:expr) => {{
            let value: i32 = $value;
            match frames.pop() {
                None => {
                    save!();
                    return Ok(value);
                }
                Some(f) => {
                    cur_method = f.method;
                    method = match program.method(cur_method) {
                        Some(x) => x,
                        None => trap!(Trap::NoSuchMethod),
                    };
                    code = &method.code;
                    pc = f.pc as usize;
                    bp = f.bp as usize;
                    sp = f.sp as usize;
                    if f.ctx != ctx {
                        env.jcre.ctx_stack.pop();
                    }
                    ctx = f.ctx;
                    match $words {
                        0 => {}
                        1 => push!(value),
                        _ => push2!(value),
                    }
                }
            }
        }};
    }
    // The class used for dispatch on `this`, after the firewall check `$check`.
    macro_rules! receiver {
        ($r:expr, $check:expr) => {{
            let o = tri!(env.heap.get($r));
            if !$check(o) {
                throw!(VmException::Security);
            }
            let class = match &o.body {
                Body::Instance(i) => ClassId(i.class),
                Body::Array(_) => program.well_known.object,
            };
            (class, o.owner)
        }};
    }

    loop {
        let insn = match code.get(pc) {
            Some(i) => *i,
            None => throw!(VmException::Security),
        };
        pc += 1;
        if fuel == 0 {
            trap!(Trap::BudgetExhausted);
        }
        fuel -= 1;
        match insn {
            Insn::Nop => {}
            Insn::AconstNull => push!(0),
            Insn::Sconst(v) => push!(i32::from(v)),
            Insn::Iconst(v) => push2!(v),
            Insn::Load(i) => push!(local!(i)),
            Insn::Load2(i) => {
                let v = local!(i);
                push2!(v);
            }
            Insn::Store(i) => {
                let v = pop!();
                set_local!(i, v);
            }
            Insn::Store2(i) => {
                let v = pop2!();
                set_local!(i, v);
                set_local!(i.wrapping_add(1), 0);
            }
            Insn::Aaload => {
                let idx = pop!();
                let r = obj!(pop!());
                push!(tri!(env.heap.load_ref(r, idx, ctx)));
            }
            Insn::Baload => {
                let idx = pop!();
                let r = obj!(pop!());
                push!(tri!(env.heap.load_byte(r, idx, ctx)));
            }
            Insn::Saload => {
                let idx = pop!();
                let r = obj!(pop!());
                push!(tri!(env.heap.load_short(r, idx, ctx)));
            }
            Insn::Iaload => {
                let idx = pop!();
                let r = obj!(pop!());
                push2!(tri!(env.heap.load_int(r, idx, ctx)));
            }
            Insn::Aastore => {
                let v = pop!();
                let idx = pop!();
                let r = obj!(pop!());
                if let Some(vr) = ObjRef::from_word(v) {
                    let element = match &tri!(env.heap.array(r, ctx)).data {
                        ArrayData::Reference { element, .. } => ClassId(*element),
                        _ => throw!(VmException::Security),
                    };
                    let ok = tri!(assignable(program, env.heap, vr, TypeRef::Class(element)));
                    if !ok {
                        // Bounds are checked before the store type (JCVM `aastore`).
                        let len = tri!(env.heap.array_length(r, ctx));
                        if idx < 0 || idx >= len {
                            throw!(VmException::ArrayIndexOutOfBounds);
                        }
                        throw!(VmException::ArrayStore);
                    }
                }
                tri!(env.heap.store_ref(r, idx, v, ctx));
            }
            Insn::Bastore => {
                let v = pop!();
                let idx = pop!();
                let r = obj!(pop!());
                tri!(env.heap.store_byte(r, idx, v, ctx));
            }
            Insn::Sastore => {
                let v = pop!();
                let idx = pop!();
                let r = obj!(pop!());
                tri!(env.heap.store_short(r, idx, v, ctx));
            }
            Insn::Iastore => {
                let v = pop2!();
                let idx = pop!();
                let r = obj!(pop!());
                tri!(env.heap.store_int(r, idx, v, ctx));
            }
            Insn::Pop => {
                let _ = pop!();
            }
            Insn::Pop2 => {
                let _ = pop!();
                let _ = pop!();
            }
            Insn::Dup => {
                let v = pop!();
                push!(v);
                push!(v);
            }
            Insn::Dup2 => {
                let b = pop!();
                let a = pop!();
                push!(a);
                push!(b);
                push!(a);
                push!(b);
            }
            Insn::DupX { m: mw, n } => {
                let mw = usize::from(mw);
                let n = usize::from(n);
                let depth = if n == 0 { mw } else { n };
                let lo = match sp.checked_sub(depth) {
                    Some(l) if mw <= depth && sp + mw <= stack.len() => l,
                    _ => throw!(VmException::Security),
                };
                // Copy the top m words above the stack, then rotate them down n words.
                stack.copy_within(sp - mw..sp, sp);
                if n != 0 {
                    if let Some(s) = stack.get_mut(lo..sp + mw) {
                        s.rotate_right(mw);
                    }
                }
                sp += mw;
            }
            Insn::SwapX { m: mw, n } => {
                let mw = usize::from(mw);
                let total = mw + usize::from(n);
                match sp.checked_sub(total).and_then(|lo| stack.get_mut(lo..sp)) {
                    Some(s) => s.rotate_right(mw),
                    None => throw!(VmException::Security),
                }
            }
            Insn::Sadd => {
                let b = pop!();
                let a = pop!();
                push!(short!(a.wrapping_add(b)));
            }
            Insn::Ssub => {
                let b = pop!();
                let a = pop!();
                push!(short!(a.wrapping_sub(b)));
            }
            Insn::Smul => {
                let b = pop!();
                let a = pop!();
                push!(short!(a.wrapping_mul(b)));
            }
            Insn::Sdiv => {
                let b = pop!();
                let a = pop!();
                if b == 0 {
                    throw!(VmException::Arithmetic);
                }
                push!(short!(a.wrapping_div(b)));
            }
            Insn::Srem => {
                let b = pop!();
                let a = pop!();
                if b == 0 {
                    throw!(VmException::Arithmetic);
                }
                push!(short!(a.wrapping_rem(b)));
            }
            Insn::Sneg => {
                let a = pop!();
                push!(short!(a.wrapping_neg()));
            }
            Insn::Sshl => {
                let b = pop!();
                let a = pop!();
                push!(short!(a.wrapping_shl((b & 0x1F) as u32)));
            }
            Insn::Sshr => {
                let b = pop!();
                let a = pop!();
                push!(short!(a.wrapping_shr((b & 0x1F) as u32)));
            }
            Insn::Sushr => {
                let b = pop!();
                let a = pop!();
                push!(short!((a as u32).wrapping_shr((b & 0x1F) as u32)));
            }
            Insn::Sand => {
                let b = pop!();
                let a = pop!();
                push!(short!(a & b));
            }
            Insn::Sor => {
                let b = pop!();
                let a = pop!();
                push!(short!(a | b));
            }
            Insn::Sxor => {
                let b = pop!();
                let a = pop!();
                push!(short!(a ^ b));
            }
            Insn::Iadd => {
                let b = pop2!();
                let a = pop2!();
                push2!(a.wrapping_add(b));
            }
            Insn::Isub => {
                let b = pop2!();
                let a = pop2!();
                push2!(a.wrapping_sub(b));
            }
            Insn::Imul => {
                let b = pop2!();
                let a = pop2!();
                push2!(a.wrapping_mul(b));
            }
            Insn::Idiv => {
                let b = pop2!();
                let a = pop2!();
                if b == 0 {
                    throw!(VmException::Arithmetic);
                }
                push2!(a.wrapping_div(b));
            }
            Insn::Irem => {
                let b = pop2!();
                let a = pop2!();
                if b == 0 {
                    throw!(VmException::Arithmetic);
                }
                push2!(a.wrapping_rem(b));
            }
            Insn::Ineg => {
                let a = pop2!();
                push2!(a.wrapping_neg());
            }
            Insn::Ishl => {
                let b = pop2!();
                let a = pop2!();
                push2!(a.wrapping_shl((b & 0x1F) as u32));
            }
            Insn::Ishr => {
                let b = pop2!();
                let a = pop2!();
                push2!(a.wrapping_shr((b & 0x1F) as u32));
            }
            Insn::Iushr => {
                let b = pop2!();
                let a = pop2!();
                push2!((a as u32).wrapping_shr((b & 0x1F) as u32) as i32);
            }
            Insn::Iand => {
                let b = pop2!();
                let a = pop2!();
                push2!(a & b);
            }
            Insn::Ior => {
                let b = pop2!();
                let a = pop2!();
                push2!(a | b);
            }
            Insn::Ixor => {
                let b = pop2!();
                let a = pop2!();
                push2!(a ^ b);
            }
            Insn::Sinc(i, c) => {
                let v = local!(i);
                set_local!(i, short!(v.wrapping_add(i32::from(c))));
            }
            Insn::Iinc(i, c) => {
                let v = local!(i);
                set_local!(i, v.wrapping_add(i32::from(c)));
            }
            Insn::S2b => {
                let a = pop!();
                push!(i32::from(a as i8));
            }
            Insn::S2i => {
                let a = pop!();
                push2!(short!(a));
            }
            Insn::I2b => {
                let a = pop2!();
                push!(i32::from(a as i8));
            }
            Insn::I2s => {
                let a = pop2!();
                push!(short!(a));
            }
            Insn::Icmp => {
                let b = pop2!();
                let a = pop2!();
                push!(match a.cmp(&b) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                });
            }
            Insn::If(cond, t) => {
                let a = pop!();
                if cond.holds(a, 0) {
                    pc = usize::from(t);
                }
            }
            Insn::IfScmp(cond, t) => {
                let b = pop!();
                let a = pop!();
                if cond.holds(a, b) {
                    pc = usize::from(t);
                }
            }
            Insn::IfAcmpEq(t) => {
                let b = pop!();
                let a = pop!();
                if a == b {
                    pc = usize::from(t);
                }
            }
            Insn::IfAcmpNe(t) => {
                let b = pop!();
                let a = pop!();
                if a != b {
                    pc = usize::from(t);
                }
            }
            Insn::IfNull(t) => {
                if pop!() == 0 {
                    pc = usize::from(t);
                }
            }
            Insn::IfNonNull(t) => {
                if pop!() != 0 {
                    pc = usize::from(t);
                }
            }
            Insn::Goto(t) => pc = usize::from(t),
            Insn::Jsr(t) => {
                push!(pc as i32);
                pc = usize::from(t);
            }
            Insn::Ret(i) => {
                pc = match usize::try_from(local!(i)) {
                    Ok(p) => p,
                    Err(_) => throw!(VmException::Security),
                };
            }
            Insn::Stableswitch(k) | Insn::Slookupswitch(k) => {
                let v = pop!();
                pc = switch_target!(k, v);
            }
            Insn::Itableswitch(k) | Insn::Ilookupswitch(k) => {
                let v = pop2!();
                pc = switch_target!(k, v);
            }
            Insn::Return => leave!(0, 0),
            Insn::Return1 => {
                let v = pop!();
                leave!(v, 1);
            }
            Insn::Return2 => {
                let v = pop2!();
                leave!(v, 2);
            }
            Insn::GetStaticA(a) => push!(tri!(env.heap.get_static_ref(a))),
            Insn::GetStaticB(a) => push!(tri!(env.heap.get_static_byte(a))),
            Insn::GetStaticS(a) => push!(tri!(env.heap.get_static_short(a))),
            Insn::GetStaticI(a) => push2!(tri!(env.heap.get_static_int(a))),
            Insn::PutStaticA(a) => {
                let v = pop!();
                tri!(env.heap.put_static_ref(a, v, ctx));
            }
            Insn::PutStaticB(a) => {
                let v = pop!();
                tri!(env.heap.put_static_byte(a, v));
            }
            Insn::PutStaticS(a) => {
                let v = pop!();
                tri!(env.heap.put_static_short(a, v));
            }
            Insn::PutStaticI(a) => {
                let v = pop2!();
                tri!(env.heap.put_static_int(a, v));
            }
            Insn::GetFieldA(s) | Insn::GetFieldB(s) | Insn::GetFieldS(s) => {
                let r = obj!(pop!());
                push!(tri!(env.heap.get_field(r, s, ctx)));
            }
            Insn::GetFieldI(s) => {
                let r = obj!(pop!());
                push2!(tri!(env.heap.get_field(r, s, ctx)));
            }
            Insn::GetFieldAThis(s) | Insn::GetFieldBThis(s) | Insn::GetFieldSThis(s) => {
                let r = obj!(local!(0u16));
                push!(tri!(env.heap.get_field(r, s, ctx)));
            }
            Insn::GetFieldIThis(s) => {
                let r = obj!(local!(0u16));
                push2!(tri!(env.heap.get_field(r, s, ctx)));
            }
            Insn::PutFieldA(s) => {
                let v = pop!();
                let r = obj!(pop!());
                tri!(env.heap.put_field_ref(r, s, v, ctx));
            }
            Insn::PutFieldB(s) => {
                let v = pop!();
                let r = obj!(pop!());
                tri!(env.heap.put_field(r, s, i32::from(v as i8), ctx));
            }
            Insn::PutFieldS(s) => {
                let v = pop!();
                let r = obj!(pop!());
                tri!(env.heap.put_field(r, s, short!(v), ctx));
            }
            Insn::PutFieldI(s) => {
                let v = pop2!();
                let r = obj!(pop!());
                tri!(env.heap.put_field(r, s, v, ctx));
            }
            Insn::PutFieldAThis(s) => {
                let v = pop!();
                let r = obj!(local!(0u16));
                tri!(env.heap.put_field_ref(r, s, v, ctx));
            }
            Insn::PutFieldBThis(s) => {
                let v = pop!();
                let r = obj!(local!(0u16));
                tri!(env.heap.put_field(r, s, i32::from(v as i8), ctx));
            }
            Insn::PutFieldSThis(s) => {
                let v = pop!();
                let r = obj!(local!(0u16));
                tri!(env.heap.put_field(r, s, short!(v), ctx));
            }
            Insn::PutFieldIThis(s) => {
                let v = pop2!();
                let r = obj!(local!(0u16));
                tri!(env.heap.put_field(r, s, v, ctx));
            }
            Insn::InvokeVirtual { token, nargs } => {
                let this = match sp
                    .checked_sub(usize::from(nargs))
                    .and_then(|i| stack.get(i))
                {
                    Some(w) => *w,
                    None => throw!(VmException::Security),
                };
                let r = obj!(this);
                let (class, _) = receiver!(r, |o| firewall::may_invoke_virtual(o, ctx));
                let target = match program.virtual_target(class, token) {
                    Some(t) => t,
                    None => throw!(VmException::Security),
                };
                invoke_target!(target, ctx);
            }
            Insn::InvokeVirtualPkg { token, nargs, pkg } => {
                let this = match sp
                    .checked_sub(usize::from(nargs))
                    .and_then(|i| stack.get(i))
                {
                    Some(w) => *w,
                    None => throw!(VmException::Security),
                };
                let r = obj!(this);
                let (class, _) = receiver!(r, |o| firewall::may_invoke_virtual(o, ctx));
                let target = match program.package_target(class, pkg, token) {
                    Some(t) => t,
                    None => throw!(VmException::Security),
                };
                invoke_target!(target, ctx);
            }
            Insn::InvokeInterface {
                nargs,
                token,
                iface,
            } => {
                let this = match sp
                    .checked_sub(usize::from(nargs))
                    .and_then(|i| stack.get(i))
                {
                    Some(w) => *w,
                    None => throw!(VmException::Security),
                };
                let r = obj!(this);
                let shareable = program.class(iface).is_some_and(|c| c.is_shareable);
                let (class, owner) =
                    receiver!(r, |o| { firewall::may_invoke_interface(o, ctx, shareable) });
                let target = match program.interface_target(class, iface, token) {
                    Some(t) => t,
                    None => throw!(VmException::Security),
                };
                let callee_ctx = if shareable && owner != ctx && owner != ContextId::JCRE {
                    owner
                } else {
                    ctx
                };
                invoke_target!(target, callee_ctx);
            }
            Insn::InvokeSpecial(mid) => {
                let n = match program.method(mid) {
                    Some(x) => usize::from(x.nargs),
                    None => throw!(VmException::Security),
                };
                let this = match sp.checked_sub(n).and_then(|i| stack.get(i)) {
                    Some(w) => *w,
                    None => throw!(VmException::Security),
                };
                let _ = obj!(this);
                enter!(mid, ctx);
            }
            Insn::InvokeSpecialNative(id) => {
                let n = usize::from(id.nargs());
                let this = match sp.checked_sub(n).and_then(|i| stack.get(i)) {
                    Some(w) => *w,
                    None => throw!(VmException::Security),
                };
                let _ = obj!(this);
                call_native!(id, ctx);
            }
            Insn::InvokeStatic(mid) => enter!(mid, ctx),
            Insn::InvokeStaticNative(id) => call_native!(id, ctx),
            Insn::New(c) => {
                let class = match program.class(c) {
                    Some(k) if !k.is_interface && !k.is_abstract => k,
                    _ => throw!(VmException::Security),
                };
                match env
                    .heap
                    .alloc_instance(ctx, c.0, class.instance_words, NativeState::None)
                {
                    Ok(r) => push!(r.word()),
                    Err(_) => throw!(VmException::System(SYSTEM_NO_RESOURCE)),
                }
            }
            Insn::Newarray(t) => {
                let n = pop!();
                let len = match usize::try_from(n) {
                    Ok(l) => l,
                    Err(_) => throw!(VmException::NegativeArraySize),
                };
                let data = match t {
                    ArrayType::Boolean => ArrayData::Boolean(vec![0; len]),
                    ArrayType::Byte => ArrayData::Byte(vec![0; len]),
                    ArrayType::Short => ArrayData::Short(vec![0; len]),
                    ArrayType::Int => ArrayData::Int(vec![0; len]),
                };
                match env.heap.alloc_array(ctx, Memory::Persistent, data) {
                    Ok(r) => push!(r.word()),
                    Err(_) => throw!(VmException::System(SYSTEM_NO_RESOURCE)),
                }
            }
            Insn::Anewarray(c) => {
                let n = pop!();
                let len = match usize::try_from(n) {
                    Ok(l) => l,
                    Err(_) => throw!(VmException::NegativeArraySize),
                };
                let data = ArrayData::Reference {
                    element: c.0,
                    items: vec![0; len],
                };
                match env.heap.alloc_array(ctx, Memory::Persistent, data) {
                    Ok(r) => push!(r.word()),
                    Err(_) => throw!(VmException::System(SYSTEM_NO_RESOURCE)),
                }
            }
            Insn::Arraylength => {
                let r = obj!(pop!());
                push!(tri!(env.heap.array_length(r, ctx)));
            }
            Insn::Athrow => {
                let r = obj!(pop!());
                let o = tri!(env.heap.get(r));
                if !firewall::may_throw(o, ctx) {
                    throw!(VmException::Security);
                }
                throw!(Thrown::Object(r));
            }
            Insn::Checkcast(t) => {
                let w = match sp.checked_sub(1).and_then(|i| stack.get(i)) {
                    Some(w) => *w,
                    None => throw!(VmException::Security),
                };
                if let Some(r) = ObjRef::from_word(w) {
                    if !tri!(type_check(program, env, r, t, ctx)) {
                        throw!(VmException::ClassCast);
                    }
                }
            }
            Insn::Instanceof(t) => {
                let w = pop!();
                let yes = match ObjRef::from_word(w) {
                    None => false,
                    Some(r) => tri!(type_check(program, env, r, t, ctx)),
                };
                push!(i32::from(yes));
            }
            Insn::InvokeMissing => trap!(Trap::MissingNative),
            Insn::Reserved(op) => trap!(Trap::ReservedOpcode(op)),
        }
    }
}

/// The firewall check and type test shared by `checkcast` and `instanceof`.
#[inline(never)]
fn type_check(
    program: &crate::program::Program,
    env: &mut Env<'_>,
    r: ObjRef,
    t: TypeRef,
    ctx: ContextId,
) -> Result<bool, VmException> {
    let o = env.heap.get(r)?;
    let to_shareable = match t {
        TypeRef::Class(c) => program.class(c).is_some_and(|k| k.is_shareable),
        _ => false,
    };
    if !firewall::may_cast(o, ctx, to_shareable) {
        return Err(VmException::Security);
    }
    assignable(program, env.heap, r, t)
}
