//! Static initializers. A CAP file has no class initialization code: static fields start
//! from the static field image, which holds primitive values and arrays of primitive
//! constants. `<clinit>` is therefore interpreted here, and may only assign such values.

use std::collections::BTreeMap;

use super::error::ConvertError;
use super::types::JType;
use super::world::Class;
use crate::classfile::{Constant, ConstantValue};
use crate::jvm::{self, ArrayKind, IntOp, JOp};

/// The initial value of a static field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Init {
    /// Zero, false or null.
    Default,
    /// A primitive value.
    Value(i32),
    /// An array of primitive constants: element type code (2 boolean, 3 byte, 4 short,
    /// 5 int) and values.
    Array(u8, Vec<i32>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V {
    Int(i32),
    Null,
    Array(usize),
}

/// Truncates `v` as a store into storage of type `t` does.
fn narrow(t: &JType, v: i32) -> i32 {
    match t {
        JType::Boolean => v & 1,
        JType::Byte => i32::from(v as i8),
        JType::Short => i32::from(v as i16),
        _ => v,
    }
}

/// Interprets the `<clinit>` of `class`: the initial value of each of its static fields that
/// it assigns, by field index.
pub fn interpret(class: &Class) -> Result<BTreeMap<usize, Init>, ConvertError> {
    let mut out = BTreeMap::new();
    let Some(m) = class.cf.method("<clinit>", "()V") else {
        return Ok(out);
    };
    let Some(code) = &m.code else {
        return Ok(out);
    };
    let at = |pc: usize| class.at_method(m, Some(pc));
    let unsupported = |pc: usize, what: &str| {
        ConvertError::unsupported(
            at(pc),
            format!("{what}: a static initializer may only assign constants and arrays of constants to static fields of its class"),
        )
    };
    let insns =
        jvm::decode(&code.code).map_err(|e| ConvertError::unsupported(at(e.pc), e.message))?;
    let mut stack: Vec<V> = Vec::new();
    let mut arrays: Vec<(u8, JType, Vec<i32>)> = Vec::new();
    let mut assigned: BTreeMap<usize, V> = BTreeMap::new();
    let cp = &class.cf.constant_pool;
    let pop = |stack: &mut Vec<V>, pc: usize| {
        stack
            .pop()
            .ok_or_else(|| unsupported(pc, "operand stack underflow"))
    };
    for insn in &insns {
        let pc = insn.pc;
        match &insn.op {
            JOp::Nop => {}
            JOp::IConst(v) => stack.push(V::Int(*v)),
            JOp::AconstNull => stack.push(V::Null),
            JOp::Ldc(i) => match cp.get(*i) {
                Some(Constant::Integer(v)) => stack.push(V::Int(*v)),
                _ => return Err(unsupported(pc, "a constant that is not an int")),
            },
            JOp::Dup => {
                let v = *stack
                    .last()
                    .ok_or_else(|| unsupported(pc, "dup of nothing"))?;
                stack.push(v);
            }
            JOp::I2b | JOp::I2s => {
                let V::Int(v) = pop(&mut stack, pc)? else {
                    return Err(unsupported(pc, "a cast of a reference"));
                };
                let t = if matches!(insn.op, JOp::I2b) {
                    JType::Byte
                } else {
                    JType::Short
                };
                stack.push(V::Int(narrow(&t, v)));
            }
            JOp::Arith(op) => {
                let V::Int(b) = pop(&mut stack, pc)? else {
                    return Err(unsupported(pc, "arithmetic on a reference"));
                };
                let r = if *op == IntOp::Neg {
                    b.wrapping_neg()
                } else {
                    let V::Int(a) = pop(&mut stack, pc)? else {
                        return Err(unsupported(pc, "arithmetic on a reference"));
                    };
                    match op {
                        IntOp::Add => a.wrapping_add(b),
                        IntOp::Sub => a.wrapping_sub(b),
                        IntOp::Mul => a.wrapping_mul(b),
                        IntOp::Div => a
                            .checked_div(b)
                            .ok_or_else(|| unsupported(pc, "division by zero"))?,
                        IntOp::Rem => a
                            .checked_rem(b)
                            .ok_or_else(|| unsupported(pc, "division by zero"))?,
                        IntOp::Shl => a.wrapping_shl(b.rem_euclid(32).unsigned_abs()),
                        IntOp::Shr => a.wrapping_shr(b.rem_euclid(32).unsigned_abs()),
                        IntOp::Ushr => i32::from_ne_bytes(
                            (u32::from_ne_bytes(a.to_ne_bytes())
                                .wrapping_shr(b.rem_euclid(32).unsigned_abs()))
                            .to_ne_bytes(),
                        ),
                        IntOp::And => a & b,
                        IntOp::Or => a | b,
                        IntOp::Xor => a ^ b,
                        IntOp::Neg => b.wrapping_neg(),
                    }
                };
                stack.push(V::Int(r));
            }
            JOp::NewArray(atype) => {
                let V::Int(n) = pop(&mut stack, pc)? else {
                    return Err(unsupported(pc, "an array size that is not a constant"));
                };
                let (code, t) = match atype {
                    4 => (2u8, JType::Boolean),
                    8 => (3, JType::Byte),
                    9 => (4, JType::Short),
                    10 => (5, JType::Int),
                    _ => return Err(unsupported(pc, "an array type Java Card does not have")),
                };
                let n = usize::try_from(n)
                    .ok()
                    .filter(|n| *n <= 0x7FFF)
                    .ok_or_else(|| unsupported(pc, "an array size outside 0..=32767"))?;
                arrays.push((code, t, vec![0; n]));
                stack.push(V::Array(arrays.len().saturating_sub(1)));
            }
            JOp::ArrayStore(kind) => {
                let V::Int(v) = pop(&mut stack, pc)? else {
                    return Err(unsupported(pc, "an array element that is not a constant"));
                };
                let V::Int(ix) = pop(&mut stack, pc)? else {
                    return Err(unsupported(pc, "an array index that is not a constant"));
                };
                let V::Array(a) = pop(&mut stack, pc)? else {
                    return Err(unsupported(
                        pc,
                        "a store into something that is not a new array",
                    ));
                };
                let (_, t, values) = arrays.get_mut(a).ok_or_else(|| unsupported(pc, "array"))?;
                if *kind == ArrayKind::Ref {
                    return Err(unsupported(pc, "an array of references"));
                }
                let t = t.clone();
                let slot = usize::try_from(ix)
                    .ok()
                    .and_then(|i| values.get_mut(i))
                    .ok_or_else(|| unsupported(pc, "an array index out of bounds"))?;
                *slot = narrow(&t, v);
            }
            JOp::GetStatic(i) => {
                let r = cp.member_ref(*i).map_err(|e| unsupported(pc, &e))?;
                let f = (r.class == class.cf.this_class)
                    .then(|| class.cf.field(&r.name))
                    .flatten()
                    .filter(|f| f.is_static())
                    .ok_or_else(|| unsupported(pc, "a read of a field"))?;
                match &f.constant_value {
                    Some(ConstantValue::Int(v)) => stack.push(V::Int(*v)),
                    _ => return Err(unsupported(pc, "a read of a field that is not a constant")),
                }
            }
            JOp::PutStatic(i) => {
                let r = cp.member_ref(*i).map_err(|e| unsupported(pc, &e))?;
                let v = pop(&mut stack, pc)?;
                let fi = (r.class == class.cf.this_class)
                    .then(|| {
                        class.cf.fields.iter().position(|f| {
                            f.name == r.name && f.descriptor == r.descriptor && f.is_static()
                        })
                    })
                    .flatten()
                    .ok_or_else(|| {
                        unsupported(
                            pc,
                            &format!("an assignment to {}.{}", r.class.replace('/', "."), r.name),
                        )
                    })?;
                assigned.insert(fi, v);
            }
            JOp::Return(None) => break,
            JOp::ANewArray(_) => return Err(unsupported(pc, "an array of references")),
            JOp::New(_) => return Err(unsupported(pc, "an object creation")),
            JOp::InvokeStatic(_)
            | JOp::InvokeVirtual(_)
            | JOp::InvokeSpecial(_)
            | JOp::InvokeInterface(_) => return Err(unsupported(pc, "a method call")),
            _ => {
                return Err(unsupported(
                    pc,
                    "control flow or an instruction other than a constant assignment",
                ))
            }
        }
    }
    for (fi, v) in assigned {
        let f = class
            .cf
            .fields
            .get(fi)
            .ok_or_else(|| ConvertError::Limit("field index".into()))?;
        let t = JType::parse_field(&f.descriptor).unwrap_or(JType::Void);
        let init = match v {
            V::Null => Init::Default,
            V::Int(0) => Init::Default,
            V::Int(x) => Init::Value(narrow(&t, x)),
            V::Array(a) => {
                let (code, et, values) = arrays
                    .get(a)
                    .cloned()
                    .ok_or_else(|| ConvertError::Limit("array".into()))?;
                if t != JType::Array(Box::new(et.clone())) {
                    return Err(ConvertError::unsupported(
                        super::error::Location {
                            field: Some(f.name.clone()),
                            ..class.at()
                        },
                        format!("an array of {et} assigned to a field of type {t}"),
                    ));
                }
                Init::Array(code, values)
            }
        };
        out.insert(fi, init);
    }
    Ok(out)
}
