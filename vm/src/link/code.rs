//! Method translation: bytecode to [`Insn`]s with constant-pool references, field slots,
//! static addresses, method ids and branch targets resolved (STYLE §1, wasmi's translator).

use std::collections::HashMap;

use super::{Linker, LoadError, LoadErrorKind};
use crate::cap::{CpInfo, ExceptionHandlerInfo, StaticRef};
use crate::export::MemberKind;
use crate::isa::{self, Opcode as O, Operands as Op};
use crate::native::builtin::{bind, descriptor_arg_words};
use crate::program::{
    ArrayType, ClassId, Cond, Handler, Insn, Method, MethodId, MethodTarget, StaticAddr, Switch,
    Target, TypeRef,
};

/// Creates a [`Method`] (header only) for every method with a method_info, so classes and
/// calls can name them before their code is translated.
pub(super) fn declare_methods(l: &mut Linker<'_>) -> Result<(), LoadError> {
    let entries = l
        .cap
        .methods()
        .map_err(|e| l.err("Method component", LoadErrorKind::Cap(e)))?;
    for e in entries {
        let Some(mi) = e.method else {
            continue;
        };
        let id = u16::try_from(l.methods.len())
            .ok()
            .and_then(|i| i.checked_add(l.method_base))
            .map(MethodId)
            .ok_or_else(|| l.err("", LoadErrorKind::TooMany("methods")))?;
        let name = method_name(l, mi.offset);
        l.methods.push(Method {
            name,
            package: l.pkg,
            nargs: mi.header.nargs,
            max_locals: mi.header.max_locals,
            max_stack: mi.header.max_stack,
            offset: mi.offset,
            code: Vec::new(),
            pcs: Vec::new(),
            switches: Vec::new(),
            handlers: Vec::new(),
        });
        l.method_at.insert(mi.offset, id);
    }
    Ok(())
}

fn method_name(l: &Linker<'_>, off: u16) -> String {
    if let Some(d) = &l.cap.debug {
        for c in &d.classes {
            if let Some(m) = c.methods.iter().find(|m| m.location == off) {
                let class = d.string(c.name_index).unwrap_or_default();
                let name = d.string(m.name_index).unwrap_or_default();
                let desc = d.string(m.descriptor_index).unwrap_or_default();
                return format!("{class}.{name}{desc}");
            }
        }
    }
    format!("{}/method@{off:#06x}", l.name)
}

/// Translates the code of every non-abstract method.
pub(super) fn translate_all(l: &mut Linker<'_>) -> Result<(), LoadError> {
    let entries = l
        .cap
        .methods()
        .map_err(|e| l.err("Method component", LoadErrorKind::Cap(e)))?;
    for e in entries {
        let Some(mi) = e.method else {
            continue;
        };
        if mi.header.is_abstract() {
            continue;
        }
        let Some(id) = l.method_at.get(&mi.offset).copied() else {
            continue;
        };
        let name = l.method(id).map(|m| m.name.clone()).unwrap_or_default();
        let t = Translator {
            l,
            loc: format!("method {name} at {:#06x}", mi.offset),
        };
        let (code, pcs, switches, handlers) =
            t.translate(mi.bytecodes, mi.bytecode_offset, e.handlers)?;
        let idx = usize::from(id.0 - l.method_base);
        if let Some(m) = l.methods.get_mut(idx) {
            m.code = code;
            m.pcs = pcs;
            m.switches = switches;
            m.handlers = handlers;
        }
    }
    Ok(())
}

type Translated = (Vec<Insn>, Vec<u16>, Vec<Switch>, Vec<Handler>);

struct Translator<'a, 'b> {
    l: &'a Linker<'b>,
    loc: String,
}

impl Translator<'_, '_> {
    fn err(&self, pc: usize, kind: LoadErrorKind) -> LoadError {
        self.l
            .err(format!("{}, bytecode offset {pc:#x}", self.loc), kind)
    }

    fn bad(&self, pc: usize, what: impl Into<String>) -> LoadError {
        self.err(pc, LoadErrorKind::Bytecode(what.into()))
    }

    fn unresolved(&self, pc: usize, what: impl Into<String>) -> LoadError {
        self.err(pc, LoadErrorKind::Unresolved(what.into()))
    }

    fn translate(
        &self,
        bytes: &[u8],
        bytecode_offset: u16,
        handlers: &[ExceptionHandlerInfo],
    ) -> Result<Translated, LoadError> {
        let mut decoded = Vec::new();
        let mut pc = 0usize;
        while pc < bytes.len() {
            let insn = isa::decode(bytes, pc).map_err(|e| self.bad(pc, e.to_string()))?;
            let len = insn.len.max(1);
            decoded.push((pc, insn));
            pc += len;
        }
        if decoded.len() > usize::from(u16::MAX) {
            return Err(self.bad(0, "method has more than 65535 instructions"));
        }
        let mut index_of: HashMap<usize, Target> = HashMap::with_capacity(decoded.len() + 1);
        for (i, (pc, _)) in decoded.iter().enumerate() {
            index_of.insert(*pc, i as Target);
        }
        index_of.insert(bytes.len(), decoded.len() as Target);

        let target = |pc: usize, off: i16| -> Result<Target, LoadError> {
            isa::branch_target(pc, off)
                .and_then(|t| {
                    if t < bytes.len() {
                        index_of.get(&t).copied()
                    } else {
                        None
                    }
                })
                .ok_or_else(|| {
                    self.bad(
                        pc,
                        format!("branch offset {off} does not reach an instruction"),
                    )
                })
        };

        let mut code = Vec::with_capacity(decoded.len());
        let mut pcs = Vec::with_capacity(decoded.len());
        let mut switches = Vec::new();
        for (pc, insn) in &decoded {
            let pc = *pc;
            let i = self.insn(pc, insn, &target, &mut switches)?;
            code.push(i);
            pcs.push(u16::try_from(pc).unwrap_or(u16::MAX));
        }

        let mut out_handlers = Vec::new();
        for h in handlers {
            let rel = |abs: u32| -> Option<usize> {
                abs.checked_sub(u32::from(bytecode_offset))
                    .and_then(|v| usize::try_from(v).ok())
            };
            let start = rel(u32::from(h.start_offset)).and_then(|p| index_of.get(&p).copied());
            let end = rel(h.end_offset()).and_then(|p| index_of.get(&p).copied());
            let handler = rel(u32::from(h.handler_offset))
                .filter(|&p| p < bytes.len())
                .and_then(|p| index_of.get(&p).copied());
            let (Some(start), Some(end), Some(handler)) = (start, end, handler) else {
                return Err(self.bad(
                    usize::from(h.start_offset),
                    format!(
                        "exception handler {:#06x}..{:#06x} -> {:#06x} is not on instruction boundaries of this method",
                        h.start_offset,
                        h.end_offset(),
                        h.handler_offset
                    ),
                ));
            };
            let catch = if h.catch_type_index == 0 {
                None
            } else {
                Some(self.cp_class(usize::from(h.handler_offset), h.catch_type_index)?)
            };
            out_handlers.push(Handler {
                start,
                end,
                handler,
                catch,
            });
        }
        Ok((code, pcs, switches, out_handlers))
    }

    fn cp(&self, pc: usize, index: u16) -> Result<CpInfo, LoadError> {
        self.l
            .cap
            .constant_pool
            .get(index)
            .copied()
            .ok_or_else(|| self.unresolved(pc, format!("constant pool index {index}")))
    }

    fn cp_class(&self, pc: usize, index: u16) -> Result<ClassId, LoadError> {
        match self.cp(pc, index)? {
            CpInfo::Classref(c) => self.l.class_id(c, &self.loc),
            other => Err(self.bad(
                pc,
                format!(
                    "constant pool {index} is {}, not a class",
                    other.kind_name()
                ),
            )),
        }
    }

    fn field_slot(&self, pc: usize, index: u16) -> Result<u16, LoadError> {
        let CpInfo::InstanceFieldref { class, token } = self.cp(pc, index)? else {
            return Err(self.bad(
                pc,
                format!("constant pool {index} is not an instance field"),
            ));
        };
        let id = self.l.class_id(class, &self.loc)?;
        let k = self
            .l
            .class(id)
            .ok_or_else(|| self.unresolved(pc, "field class"))?;
        let builtin = self.l.program.package(k.package).is_some_and(|p| p.builtin);
        if builtin {
            return Err(self.unresolved(
                pc,
                format!("instance field token {token} of API class {}", k.name),
            ));
        }
        k.field_base
            .checked_add(u16::from(token))
            .filter(|&s| s < k.instance_words)
            .ok_or_else(|| {
                self.unresolved(pc, format!("instance field token {token} of {}", k.name))
            })
    }

    /// `width` is 0 for references, else 1, 2 or 4 bytes.
    fn static_addr(&self, pc: usize, index: u16, width: u16) -> Result<StaticAddr, LoadError> {
        let CpInfo::StaticFieldref(r) = self.cp(pc, index)? else {
            return Err(self.bad(pc, format!("constant pool {index} is not a static field")));
        };
        let (seg, off) = match r {
            StaticRef::Internal { offset } => (self.l.seg, offset),
            StaticRef::External {
                package_token,
                class_token,
                token,
            } => {
                let pkg = self.l.import(package_token, &self.loc)?;
                let p = self
                    .l
                    .program
                    .package(pkg)
                    .ok_or_else(|| self.unresolved(pc, "package"))?;
                let off = p
                    .exports
                    .get(usize::from(class_token))
                    .and_then(|c| c.static_fields.get(usize::from(token)))
                    .copied()
                    .ok_or_else(|| {
                        self.unresolved(
                            pc,
                            format!("static field {class_token}.{token} of {}", p.name),
                        )
                    })?;
                (p.static_seg, off)
            }
        };
        if width == 0 {
            if off % 2 != 0 {
                return Err(self.bad(pc, format!("static reference field at odd offset {off}")));
            }
            Ok(StaticAddr { seg, off: off / 2 })
        } else {
            Ok(StaticAddr { seg, off })
        }
    }

    /// A static method reference: bytecode method, native, or missing API method.
    fn static_method(&self, pc: usize, index: u16) -> Result<MethodTarget, LoadError> {
        let CpInfo::StaticMethodref(r) = self.cp(pc, index)? else {
            return Err(self.bad(pc, format!("constant pool {index} is not a static method")));
        };
        match r {
            StaticRef::Internal { offset } => self
                .l
                .method_at
                .get(&offset)
                .copied()
                .map(MethodTarget::Bytecode)
                .ok_or_else(|| {
                    self.unresolved(pc, format!("static method at offset {offset:#06x}"))
                }),
            StaticRef::External {
                package_token,
                class_token,
                token,
            } => {
                let pkg = self.l.import(package_token, &self.loc)?;
                let p = self
                    .l
                    .program
                    .package(pkg)
                    .ok_or_else(|| self.unresolved(pc, "package"))?;
                if !p.builtin {
                    return p
                        .exports
                        .get(usize::from(class_token))
                        .and_then(|c| c.static_methods.get(usize::from(token)))
                        .copied()
                        .flatten()
                        .map(MethodTarget::Bytecode)
                        .ok_or_else(|| {
                            self.unresolved(
                                pc,
                                format!("static method {class_token}.{token} of {}", p.name),
                            )
                        });
                }
                let view = crate::api::builtin()
                    .ok()
                    .and_then(|api| api.view_by_aid(&p.aid))
                    .ok_or_else(|| self.unresolved(pc, format!("API tables of {}", p.name)))?;
                let class = view.class_by_token(class_token).ok_or_else(|| {
                    self.unresolved(pc, format!("class token {class_token} of {}", p.name))
                })?;
                let m = class
                    .method_by_token(token, MemberKind::Static)
                    .ok_or_else(|| {
                        self.unresolved(
                            pc,
                            format!("static method token {token} of {}", class.name),
                        )
                    })?;
                Ok(bind(class, &m.name, &m.descriptor)
                    .map_or(MethodTarget::Missing, MethodTarget::Native))
            }
        }
    }

    fn target_nargs(&self, pc: usize, t: MethodTarget) -> Result<Option<u8>, LoadError> {
        Ok(match t {
            MethodTarget::Bytecode(m) => Some(
                self.l
                    .method(m)
                    .ok_or_else(|| self.unresolved(pc, "method"))?
                    .nargs,
            ),
            MethodTarget::Native(n) => Some(n.nargs()),
            MethodTarget::Abstract | MethodTarget::Missing => None,
        })
    }

    /// Argument words of public virtual method `token` as declared in the nearest API class
    /// of `class`'s hierarchy.
    fn api_virtual_nargs(&self, pc: usize, class: ClassId, token: u8) -> Result<u8, LoadError> {
        let mut cur = Some(class);
        let mut guard = 256;
        while let Some(c) = cur {
            let k = self
                .l
                .class(c)
                .ok_or_else(|| self.unresolved(pc, "class"))?;
            let p = self.l.program.package(k.package);
            if p.is_some_and(|p| p.builtin) {
                let view = p
                    .and_then(|p| crate::api::builtin().ok()?.view_by_aid(&p.aid))
                    .and_then(|v| v.class_by_name(&k.name));
                if let Some(m) = view.and_then(|v| v.method_by_token(token, MemberKind::Instance)) {
                    let words = descriptor_arg_words(&m.descriptor)
                        .ok_or_else(|| self.bad(pc, format!("descriptor {}", m.descriptor)))?;
                    return u8::try_from(words + 1).map_err(|_| self.bad(pc, "too many arguments"));
                }
            }
            guard -= 1;
            if guard == 0 {
                break;
            }
            cur = k.super_class;
        }
        Err(self.unresolved(pc, format!("virtual method token {token}")))
    }

    fn package_target(&self, class: ClassId, token: u8) -> Option<MethodTarget> {
        let mut cur = Some(class);
        let mut guard = 256;
        while let Some(c) = cur {
            let k = self.l.class(c)?;
            if k.package == self.l.pkg {
                return k.package_vtable.get(usize::from(token)).copied();
            }
            guard -= 1;
            if guard == 0 {
                return None;
            }
            cur = k.super_class;
        }
        None
    }

    fn invokevirtual(&self, pc: usize, index: u16) -> Result<Insn, LoadError> {
        let CpInfo::VirtualMethodref { class, token } = self.cp(pc, index)? else {
            return Err(self.bad(pc, format!("constant pool {index} is not a virtual method")));
        };
        let id = self.l.class_id(class, &self.loc)?;
        if token & 0x80 != 0 {
            let t = token & 0x7F;
            let target = self
                .package_target(id, t)
                .ok_or_else(|| self.unresolved(pc, format!("package method token {t}")))?;
            let nargs = self
                .target_nargs(pc, target)?
                .ok_or_else(|| self.unresolved(pc, format!("package method token {t}")))?;
            return Ok(Insn::InvokeVirtualPkg {
                token: t,
                nargs,
                pkg: self.l.pkg,
            });
        }
        let k = self
            .l
            .class(id)
            .ok_or_else(|| self.unresolved(pc, "class"))?;
        let nargs = match k.public_vtable.get(usize::from(token)).copied() {
            Some(t) => match self.target_nargs(pc, t)? {
                Some(n) => n,
                None => self.api_virtual_nargs(pc, id, token)?,
            },
            None if k.is_interface => {
                return Err(self.bad(pc, "invokevirtual on an interface"));
            }
            None => self.api_virtual_nargs(pc, id, token)?,
        };
        Ok(Insn::InvokeVirtual { token, nargs })
    }

    fn invokespecial(&self, pc: usize, index: u16) -> Result<Insn, LoadError> {
        let target = match self.cp(pc, index)? {
            CpInfo::StaticMethodref(_) => self.static_method(pc, index)?,
            CpInfo::SuperMethodref { class, token } => {
                let id = self.l.class_id(class, &self.loc)?;
                let sup = self
                    .l
                    .class(id)
                    .and_then(|k| k.super_class)
                    .ok_or_else(|| self.unresolved(pc, "superclass of a super call"))?;
                if token & 0x80 != 0 {
                    self.package_target(sup, token & 0x7F)
                } else {
                    self.l
                        .class(sup)
                        .and_then(|k| k.public_vtable.get(usize::from(token)).copied())
                }
                .ok_or_else(|| self.unresolved(pc, format!("super method token {token}")))?
            }
            other => {
                return Err(self.bad(
                    pc,
                    format!(
                        "invokespecial of constant pool {index} ({})",
                        other.kind_name()
                    ),
                ))
            }
        };
        Ok(match target {
            MethodTarget::Bytecode(m) => Insn::InvokeSpecial(m),
            MethodTarget::Native(n) => Insn::InvokeSpecialNative(n),
            MethodTarget::Missing => Insn::InvokeMissing,
            MethodTarget::Abstract => return Err(self.bad(pc, "super call of an abstract method")),
        })
    }

    fn insn(
        &self,
        pc: usize,
        insn: &isa::Insn,
        target: &dyn Fn(usize, i16) -> Result<Target, LoadError>,
        switches: &mut Vec<Switch>,
    ) -> Result<Insn, LoadError> {
        let ops = &insn.operands;
        let local = || -> Result<u16, LoadError> {
            match ops {
                Op::Local(i) => Ok(u16::from(*i)),
                _ => Err(self.bad(pc, "missing local index")),
            }
        };
        let cp = || -> Result<u16, LoadError> {
            match ops {
                Op::Cp(i) => Ok(*i),
                _ => Err(self.bad(pc, "missing constant pool index")),
            }
        };
        let branch = || -> Result<Target, LoadError> {
            match ops {
                Op::Branch(off) => target(pc, *off),
                _ => Err(self.bad(pc, "missing branch offset")),
            }
        };
        let push = || -> Result<i32, LoadError> {
            match ops {
                Op::Push(v) => Ok(*v),
                _ => Err(self.bad(pc, "missing immediate")),
            }
        };
        let inc = || -> Result<(u16, i16), LoadError> {
            match ops {
                Op::Inc { index, delta } => Ok((u16::from(*index), *delta)),
                _ => Err(self.bad(pc, "missing increment")),
            }
        };
        let shape = || -> Result<(u8, u8), LoadError> {
            match ops {
                Op::StackShape(b) => Ok((b >> 4, b & 0x0F)),
                _ => Err(self.bad(pc, "missing stack shape")),
            }
        };
        let mut add_switch = |s: Switch| -> Result<u16, LoadError> {
            let k = u16::try_from(switches.len()).map_err(|_| self.bad(pc, "too many switches"))?;
            switches.push(s);
            Ok(k)
        };
        let table =
            |add: &mut dyn FnMut(Switch) -> Result<u16, LoadError>| -> Result<u16, LoadError> {
                match ops {
                    Op::TableSwitch {
                        default,
                        low,
                        high,
                        offsets,
                    } => {
                        if i64::from(*high) - i64::from(*low) + 1 != offsets.len() as i64 {
                            return Err(
                                self.bad(pc, "table switch bounds do not match its offsets")
                            );
                        }
                        let targets = offsets
                            .iter()
                            .map(|o| target(pc, *o))
                            .collect::<Result<Vec<_>, _>>()?;
                        add(Switch::Table {
                            default: target(pc, *default)?,
                            low: *low,
                            targets,
                        })
                    }
                    Op::LookupSwitch { default, pairs } => {
                        let mut out = pairs
                            .iter()
                            .map(|(m, o)| Ok((*m, target(pc, *o)?)))
                            .collect::<Result<Vec<_>, LoadError>>()?;
                        out.sort_by_key(|p| p.0);
                        add(Switch::Lookup {
                            default: target(pc, *default)?,
                            pairs: out,
                        })
                    }
                    _ => Err(self.bad(pc, "missing switch table")),
                }
            };
        let imm = |v: i32| -> Result<i16, LoadError> {
            i16::try_from(v).map_err(|_| self.bad(pc, "short immediate out of range"))
        };
        Ok(match insn.opcode {
            O::Nop => Insn::Nop,
            O::AconstNull => Insn::AconstNull,
            O::SconstM1 => Insn::Sconst(-1),
            O::Sconst0 => Insn::Sconst(0),
            O::Sconst1 => Insn::Sconst(1),
            O::Sconst2 => Insn::Sconst(2),
            O::Sconst3 => Insn::Sconst(3),
            O::Sconst4 => Insn::Sconst(4),
            O::Sconst5 => Insn::Sconst(5),
            O::IconstM1 => Insn::Iconst(-1),
            O::Iconst0 => Insn::Iconst(0),
            O::Iconst1 => Insn::Iconst(1),
            O::Iconst2 => Insn::Iconst(2),
            O::Iconst3 => Insn::Iconst(3),
            O::Iconst4 => Insn::Iconst(4),
            O::Iconst5 => Insn::Iconst(5),
            O::Bspush | O::Sspush => Insn::Sconst(imm(push()?)?),
            O::Bipush | O::Sipush | O::Iipush => Insn::Iconst(push()?),
            O::Aload | O::Sload => Insn::Load(local()?),
            O::Iload => Insn::Load2(local()?),
            O::Aload0 | O::Sload0 => Insn::Load(0),
            O::Aload1 | O::Sload1 => Insn::Load(1),
            O::Aload2 | O::Sload2 => Insn::Load(2),
            O::Aload3 | O::Sload3 => Insn::Load(3),
            O::Iload0 => Insn::Load2(0),
            O::Iload1 => Insn::Load2(1),
            O::Iload2 => Insn::Load2(2),
            O::Iload3 => Insn::Load2(3),
            O::Aaload => Insn::Aaload,
            O::Baload => Insn::Baload,
            O::Saload => Insn::Saload,
            O::Iaload => Insn::Iaload,
            O::Astore | O::Sstore => Insn::Store(local()?),
            O::Istore => Insn::Store2(local()?),
            O::Astore0 | O::Sstore0 => Insn::Store(0),
            O::Astore1 | O::Sstore1 => Insn::Store(1),
            O::Astore2 | O::Sstore2 => Insn::Store(2),
            O::Astore3 | O::Sstore3 => Insn::Store(3),
            O::Istore0 => Insn::Store2(0),
            O::Istore1 => Insn::Store2(1),
            O::Istore2 => Insn::Store2(2),
            O::Istore3 => Insn::Store2(3),
            O::Aastore => Insn::Aastore,
            O::Bastore => Insn::Bastore,
            O::Sastore => Insn::Sastore,
            O::Iastore => Insn::Iastore,
            O::Pop => Insn::Pop,
            O::Pop2 => Insn::Pop2,
            O::Dup => Insn::Dup,
            O::Dup2 => Insn::Dup2,
            O::DupX => {
                let (m, n) = shape()?;
                if !(1..=4).contains(&m) || (n != 0 && (n < m || n > m + 4)) {
                    return Err(self.bad(pc, format!("dup_x shape {m},{n}")));
                }
                Insn::DupX { m, n }
            }
            O::SwapX => {
                let (m, n) = shape()?;
                if !(1..=2).contains(&m) || !(1..=2).contains(&n) {
                    return Err(self.bad(pc, format!("swap_x shape {m},{n}")));
                }
                Insn::SwapX { m, n }
            }
            O::Sadd => Insn::Sadd,
            O::Iadd => Insn::Iadd,
            O::Ssub => Insn::Ssub,
            O::Isub => Insn::Isub,
            O::Smul => Insn::Smul,
            O::Imul => Insn::Imul,
            O::Sdiv => Insn::Sdiv,
            O::Idiv => Insn::Idiv,
            O::Srem => Insn::Srem,
            O::Irem => Insn::Irem,
            O::Sneg => Insn::Sneg,
            O::Ineg => Insn::Ineg,
            O::Sshl => Insn::Sshl,
            O::Ishl => Insn::Ishl,
            O::Sshr => Insn::Sshr,
            O::Ishr => Insn::Ishr,
            O::Sushr => Insn::Sushr,
            O::Iushr => Insn::Iushr,
            O::Sand => Insn::Sand,
            O::Iand => Insn::Iand,
            O::Sor => Insn::Sor,
            O::Ior => Insn::Ior,
            O::Sxor => Insn::Sxor,
            O::Ixor => Insn::Ixor,
            O::Sinc | O::SincW => {
                let (i, d) = inc()?;
                Insn::Sinc(i, d)
            }
            O::Iinc | O::IincW => {
                let (i, d) = inc()?;
                Insn::Iinc(i, d)
            }
            O::S2b => Insn::S2b,
            O::S2i => Insn::S2i,
            O::I2b => Insn::I2b,
            O::I2s => Insn::I2s,
            O::Icmp => Insn::Icmp,
            O::Ifeq | O::IfeqW => Insn::If(Cond::Eq, branch()?),
            O::Ifne | O::IfneW => Insn::If(Cond::Ne, branch()?),
            O::Iflt | O::IfltW => Insn::If(Cond::Lt, branch()?),
            O::Ifge | O::IfgeW => Insn::If(Cond::Ge, branch()?),
            O::Ifgt | O::IfgtW => Insn::If(Cond::Gt, branch()?),
            O::Ifle | O::IfleW => Insn::If(Cond::Le, branch()?),
            O::Ifnull | O::IfnullW => Insn::IfNull(branch()?),
            O::Ifnonnull | O::IfnonnullW => Insn::IfNonNull(branch()?),
            O::IfAcmpeq | O::IfAcmpeqW => Insn::IfAcmpEq(branch()?),
            O::IfAcmpne | O::IfAcmpneW => Insn::IfAcmpNe(branch()?),
            O::IfScmpeq | O::IfScmpeqW => Insn::IfScmp(Cond::Eq, branch()?),
            O::IfScmpne | O::IfScmpneW => Insn::IfScmp(Cond::Ne, branch()?),
            O::IfScmplt | O::IfScmpltW => Insn::IfScmp(Cond::Lt, branch()?),
            O::IfScmpge | O::IfScmpgeW => Insn::IfScmp(Cond::Ge, branch()?),
            O::IfScmpgt | O::IfScmpgtW => Insn::IfScmp(Cond::Gt, branch()?),
            O::IfScmple | O::IfScmpleW => Insn::IfScmp(Cond::Le, branch()?),
            O::Goto | O::GotoW => Insn::Goto(branch()?),
            O::Jsr => Insn::Jsr(branch()?),
            O::Ret => Insn::Ret(local()?),
            O::Stableswitch => Insn::Stableswitch(table(&mut add_switch)?),
            O::Itableswitch => Insn::Itableswitch(table(&mut add_switch)?),
            O::Slookupswitch => Insn::Slookupswitch(table(&mut add_switch)?),
            O::Ilookupswitch => Insn::Ilookupswitch(table(&mut add_switch)?),
            O::Areturn | O::Sreturn => Insn::Return1,
            O::Ireturn => Insn::Return2,
            O::Return => Insn::Return,
            O::GetstaticA => Insn::GetStaticA(self.static_addr(pc, cp()?, 0)?),
            O::GetstaticB => Insn::GetStaticB(self.static_addr(pc, cp()?, 1)?),
            O::GetstaticS => Insn::GetStaticS(self.static_addr(pc, cp()?, 2)?),
            O::GetstaticI => Insn::GetStaticI(self.static_addr(pc, cp()?, 4)?),
            O::PutstaticA => Insn::PutStaticA(self.static_addr(pc, cp()?, 0)?),
            O::PutstaticB => Insn::PutStaticB(self.static_addr(pc, cp()?, 1)?),
            O::PutstaticS => Insn::PutStaticS(self.static_addr(pc, cp()?, 2)?),
            O::PutstaticI => Insn::PutStaticI(self.static_addr(pc, cp()?, 4)?),
            O::GetfieldA | O::GetfieldAW => Insn::GetFieldA(self.field_slot(pc, cp()?)?),
            O::GetfieldB | O::GetfieldBW => Insn::GetFieldB(self.field_slot(pc, cp()?)?),
            O::GetfieldS | O::GetfieldSW => Insn::GetFieldS(self.field_slot(pc, cp()?)?),
            O::GetfieldI | O::GetfieldIW => Insn::GetFieldI(self.field_slot(pc, cp()?)?),
            O::PutfieldA | O::PutfieldAW => Insn::PutFieldA(self.field_slot(pc, cp()?)?),
            O::PutfieldB | O::PutfieldBW => Insn::PutFieldB(self.field_slot(pc, cp()?)?),
            O::PutfieldS | O::PutfieldSW => Insn::PutFieldS(self.field_slot(pc, cp()?)?),
            O::PutfieldI | O::PutfieldIW => Insn::PutFieldI(self.field_slot(pc, cp()?)?),
            O::GetfieldAThis => Insn::GetFieldAThis(self.field_slot(pc, cp()?)?),
            O::GetfieldBThis => Insn::GetFieldBThis(self.field_slot(pc, cp()?)?),
            O::GetfieldSThis => Insn::GetFieldSThis(self.field_slot(pc, cp()?)?),
            O::GetfieldIThis => Insn::GetFieldIThis(self.field_slot(pc, cp()?)?),
            O::PutfieldAThis => Insn::PutFieldAThis(self.field_slot(pc, cp()?)?),
            O::PutfieldBThis => Insn::PutFieldBThis(self.field_slot(pc, cp()?)?),
            O::PutfieldSThis => Insn::PutFieldSThis(self.field_slot(pc, cp()?)?),
            O::PutfieldIThis => Insn::PutFieldIThis(self.field_slot(pc, cp()?)?),
            O::Invokevirtual => self.invokevirtual(pc, cp()?)?,
            O::Invokespecial => self.invokespecial(pc, cp()?)?,
            O::Invokestatic => match self.static_method(pc, cp()?)? {
                MethodTarget::Bytecode(m) => Insn::InvokeStatic(m),
                MethodTarget::Native(n) => Insn::InvokeStaticNative(n),
                MethodTarget::Missing => Insn::InvokeMissing,
                MethodTarget::Abstract => {
                    return Err(self.bad(pc, "static call of an abstract method"))
                }
            },
            O::Invokeinterface => match ops {
                Op::Interface {
                    nargs,
                    index,
                    method,
                } => Insn::InvokeInterface {
                    nargs: *nargs,
                    token: *method,
                    iface: self.cp_class(pc, *index)?,
                },
                _ => return Err(self.bad(pc, "missing invokeinterface operands")),
            },
            O::New => Insn::New(self.cp_class(pc, cp()?)?),
            O::Newarray => match ops {
                Op::ArrayType(t) => Insn::Newarray(
                    ArrayType::from_atype(*t)
                        .ok_or_else(|| self.bad(pc, format!("newarray type {t}")))?,
                ),
                _ => return Err(self.bad(pc, "missing newarray type")),
            },
            O::Anewarray => Insn::Anewarray(self.cp_class(pc, cp()?)?),
            O::Arraylength => Insn::Arraylength,
            O::Athrow => Insn::Athrow,
            O::Checkcast | O::Instanceof => {
                let Op::TypeCheck { atype, index } = ops else {
                    return Err(self.bad(pc, "missing type operand"));
                };
                let t = match *atype {
                    0 => TypeRef::Class(self.cp_class(pc, *index)?),
                    14 => TypeRef::RefArray(self.cp_class(pc, *index)?),
                    a => TypeRef::Array(
                        ArrayType::from_atype(a)
                            .ok_or_else(|| self.bad(pc, format!("type code {a}")))?,
                    ),
                };
                if insn.opcode == O::Checkcast {
                    Insn::Checkcast(t)
                } else {
                    Insn::Instanceof(t)
                }
            }
            O::Impdep1 => Insn::Reserved(0xFE),
            O::Impdep2 => Insn::Reserved(0xFF),
        })
    }
}
