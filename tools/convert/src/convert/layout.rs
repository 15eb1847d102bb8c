//! The CAP components (JCVM chapter 6) from the converted classes: Header, Directory,
//! Applet, Import, ConstantPool, Class, Method, StaticField, ReferenceLocation, Export,
//! Descriptor and, on request, Debug.

use std::collections::{BTreeMap, BTreeSet};

use jcos_vm::cap::{
    self, Aid, AppletComponent, AppletInfo, ArrayInitInfo, CapFile, CapFormat, ClassComponent,
    ClassDescriptorInfo, ClassExportInfo, ClassInfo, ClassRef, ConstantPoolComponent, CpInfo,
    DescriptorComponent, DirectoryComponent, ExceptionHandlerInfo, ExportComponent,
    FieldDescriptorInfo, FieldRef, HeaderComponent, ImplementedInterfaceInfo, ImportComponent,
    InterfaceInfo, MethodComponent, MethodDescriptorInfo, MethodHeaderInfo, PackageInfo,
    ReferenceLocationComponent, StaticFieldComponent, StaticRef, TypeDescriptor,
    TypeDescriptorInfo,
};
use jcos_vm::cap::{ComponentTag, RawComponent};

use super::clinit::Init;
use super::cp::{ConstantPool, CpKey, CpType};
use super::error::ConvertError;
use super::resolve::StaticKey;
use super::tokens::{exported, is_constant, Impl, Tokens};
use super::types::{JType, MethodType};
use super::world::{ClassId, World};
use crate::classfile::{ACC_ABSTRACT, ACC_FINAL, ACC_INTERFACE, ACC_PUBLIC};

/// One assembled method.
#[derive(Debug, Clone)]
pub struct MethodBuild {
    /// Class index.
    pub class: usize,
    /// Method index in the class file.
    pub method: usize,
    /// Header values (flags are computed here).
    pub max_stack: u16,
    /// Argument words.
    pub nargs: u16,
    /// Local words beyond the arguments.
    pub max_locals: u16,
    /// Bytecodes; empty for abstract methods.
    pub code: Vec<u8>,
    /// Whether the method is abstract (a header without code).
    pub is_abstract: bool,
    /// (start, end, handler) pcs and the catch type's constant pool index (0: any).
    pub handlers: Vec<(usize, usize, usize, u16)>,
    /// Offsets of constant pool index operands: (pc, two bytes).
    pub cp_refs: Vec<(usize, bool)>,
    /// (pc, line) where source lines start.
    pub lines: Vec<(usize, u16)>,
    /// Local variables: (Java Card index, name, descriptor, start pc, length).
    pub variables: Vec<(u8, String, String, usize, usize)>,
}

/// What the layout needs.
pub struct Inputs<'a> {
    /// The world.
    pub world: &'a World,
    /// Tokens.
    pub tokens: &'a Tokens,
    /// The numbered constant pool.
    pub cp: &'a ConstantPool,
    /// Methods in Method component order.
    pub methods: Vec<MethodBuild>,
    /// Static initial values, per class.
    pub inits: Vec<BTreeMap<usize, Init>>,
    /// Package AID.
    pub aid: Aid,
    /// Package version (major, minor).
    pub version: (u8, u8),
    /// Applets: AID and class index.
    pub applets: Vec<(Aid, usize)>,
    /// Emit the Debug component (CAP format 2.2).
    pub debug: bool,
    /// Whether the package uses int.
    pub uses_int: bool,
}

/// The result: the CAP file and the positions the export file and listing need.
#[derive(Debug)]
pub struct Layout {
    /// The CAP file (as written and parsed back).
    pub cap: CapFile,
    /// Offset of each class in the Class component.
    pub class_offsets: Vec<u16>,
    /// Offset of each method in the Method component.
    pub method_offsets: BTreeMap<(usize, usize), u16>,
    /// Offset of each static field in the static field image.
    pub static_offsets: BTreeMap<(usize, usize), u16>,
    /// Package token of each imported package (by index into the world's externals).
    pub import_tokens: BTreeMap<usize, u8>,
}

fn limit(what: impl Into<String>) -> ConvertError {
    ConvertError::Limit(what.into())
}

fn u16_of(v: usize, what: &str) -> Result<u16, ConvertError> {
    u16::try_from(v).map_err(|_| limit(format!("{what} ({v}) exceeds 65535")))
}

struct Ctx<'a> {
    world: &'a World,
    class_offsets: Vec<u16>,
    import_tokens: BTreeMap<usize, u8>,
}

impl Ctx<'_> {
    fn class_ref(&self, id: ClassId) -> Result<ClassRef, ConvertError> {
        match id {
            ClassId::Internal(i) => self
                .class_offsets
                .get(i)
                .copied()
                .map(ClassRef::Internal)
                .ok_or_else(|| limit("class offset")),
            ClassId::External(p, c) => {
                let package_token = *self
                    .import_tokens
                    .get(&p)
                    .ok_or_else(|| limit("import token"))?;
                let class_token = self
                    .world
                    .view(p, c)
                    .map(|v| v.token)
                    .ok_or_else(|| limit("class token"))?;
                Ok(ClassRef::External {
                    package_token,
                    class_token,
                })
            }
        }
    }

    fn class_ref_by_name(&self, name: &str) -> Result<ClassRef, ConvertError> {
        let id = self
            .world
            .lookup(name)
            .ok_or_else(|| limit(format!("unresolved class {name}")))?;
        self.class_ref(id)
    }

    fn type_types(&self, t: &JType, out: &mut Vec<cap::JcType>) -> Result<(), ConvertError> {
        out.push(match t {
            JType::Void => cap::JcType::Void,
            JType::Boolean => cap::JcType::Boolean,
            JType::Byte => cap::JcType::Byte,
            JType::Short => cap::JcType::Short,
            JType::Int => cap::JcType::Int,
            JType::Class(c) => cap::JcType::Reference(self.class_ref_by_name(c)?),
            JType::Array(e) => match e.as_ref() {
                JType::Boolean => cap::JcType::BooleanArray,
                JType::Byte => cap::JcType::ByteArray,
                JType::Short => cap::JcType::ShortArray,
                JType::Int => cap::JcType::IntArray,
                JType::Class(c) => cap::JcType::ReferenceArray(self.class_ref_by_name(c)?),
                other => return Err(limit(format!("type {other}[] in a descriptor"))),
            },
            other => return Err(limit(format!("type {other} in a descriptor"))),
        });
        Ok(())
    }

    fn field_descriptor(&self, t: &JType) -> Result<TypeDescriptor, ConvertError> {
        let mut v = Vec::new();
        self.type_types(t, &mut v)?;
        Ok(TypeDescriptor::from_types(&v))
    }

    fn method_descriptor(&self, m: &MethodType) -> Result<TypeDescriptor, ConvertError> {
        let mut v = Vec::new();
        for t in m.all() {
            self.type_types(t, &mut v)?;
        }
        Ok(TypeDescriptor::from_types(&v))
    }
}

/// Collects the imported packages and numbers them by package name.
fn import_tokens(world: &World, cp: &ConstantPool) -> Result<BTreeMap<usize, u8>, ConvertError> {
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut add = |id: Option<ClassId>| {
        if let Some(ClassId::External(p, _)) = id {
            used.insert(p);
        }
    };
    fn names(t: &JType, out: &mut Vec<String>) {
        match t {
            JType::Class(c) => out.push(c.clone()),
            JType::Array(e) => names(e, out),
            _ => {}
        }
    }
    // Every class descends from java.lang.Object, so java.lang is always imported, as the
    // reference converter does.
    add(world.lookup("java/lang/Object"));
    for (ci, class) in world.classes.iter().enumerate() {
        add(world.superclass(ClassId::Internal(ci)));
        for i in world.interface_closure(ClassId::Internal(ci)) {
            add(Some(i));
        }
        let mut ns = Vec::new();
        for f in &class.cf.fields {
            if let Some(t) = JType::parse_field(&f.descriptor) {
                names(&t, &mut ns);
            }
        }
        for m in &class.cf.methods {
            if let Some(mt) = MethodType::parse(&m.descriptor) {
                for t in mt.all() {
                    names(t, &mut ns);
                }
            }
        }
        for n in ns {
            add(world.lookup(&n));
        }
    }
    for k in cp.entries() {
        add(match k {
            CpKey::Class(c)
            | CpKey::InstanceField { class: c, .. }
            | CpKey::VirtualMethod { class: c, .. } => Some(*c),
            CpKey::StaticField(StaticKey::External { class, .. })
            | CpKey::StaticMethod(StaticKey::External { class, .. }) => Some(*class),
            _ => None,
        });
        if let Some((CpType::Field(t), _)) = cp.info(k) {
            let mut ns = Vec::new();
            names(t, &mut ns);
            for n in ns {
                add(world.lookup(&n));
            }
        }
        if let Some((CpType::Method(mt), _)) = cp.info(k) {
            let mut ns = Vec::new();
            for t in mt.all() {
                names(t, &mut ns);
            }
            for n in ns {
                add(world.lookup(&n));
            }
        }
    }
    let mut by_name: Vec<usize> = used.into_iter().collect();
    by_name.sort_by(|a, b| {
        let na = world
            .externals
            .get(*a)
            .map(|p| p.name.as_str())
            .unwrap_or("");
        let nb = world
            .externals
            .get(*b)
            .map(|p| p.name.as_str())
            .unwrap_or("");
        na.cmp(nb)
    });
    if by_name.len() > 128 {
        return Err(limit(format!(
            "{} imported packages, more than 128",
            by_name.len()
        )));
    }
    Ok(by_name
        .into_iter()
        .enumerate()
        .map(|(t, p)| (p, u8::try_from(t).unwrap_or(u8::MAX)))
        .collect())
}

/// A static field's storage category in the image (JCVM §6.10): references with array
/// initialisers, other references, primitives with default values, other primitives.
fn static_category(t: &JType, init: &Init) -> u8 {
    match (t.is_reference(), init) {
        (true, Init::Array(..)) => 0,
        (true, _) => 1,
        (false, Init::Value(_)) => 3,
        (false, _) => 2,
    }
}

fn prim_size(t: &JType) -> usize {
    match t {
        JType::Int => 4,
        JType::Short => 2,
        _ => 1,
    }
}

/// Builds the CAP file.
pub fn build(inp: Inputs<'_>) -> Result<Layout, ConvertError> {
    let world = inp.world;
    let tokens = inp.tokens;
    let format = if inp.debug {
        CapFormat::V2_2
    } else {
        CapFormat::V2_1
    };
    let import_tokens = import_tokens(world, inp.cp)?;

    // Static field image.
    let mut statics: Vec<(u8, usize, usize, JType, Init)> = Vec::new();
    for (ci, class) in world.classes.iter().enumerate() {
        for (fi, f) in class.cf.fields.iter().enumerate() {
            if !f.is_static() || is_constant(f) {
                continue;
            }
            let t = JType::parse_field(&f.descriptor).ok_or_else(|| limit("field descriptor"))?;
            let init = inp
                .inits
                .get(ci)
                .and_then(|m| m.get(&fi))
                .cloned()
                .unwrap_or(Init::Default);
            statics.push((static_category(&t, &init), ci, fi, t, init));
        }
    }
    statics.sort_by_key(|s| s.0);
    let mut static_offsets = BTreeMap::new();
    let mut at = 0usize;
    let mut array_init = Vec::new();
    let mut reference_count = 0usize;
    let mut default_bytes = 0usize;
    let mut non_default = Vec::new();
    for (cat, ci, fi, t, init) in &statics {
        static_offsets.insert((*ci, *fi), u16_of(at, "static field image")?);
        match cat {
            0 | 1 => {
                reference_count = reference_count.saturating_add(1);
                if let Init::Array(code, values) = init {
                    let mut bytes = Vec::new();
                    for v in values {
                        match code {
                            2 | 3 => bytes.push(*v as u8),
                            4 => bytes.extend_from_slice(&(*v as i16).to_be_bytes()),
                            _ => bytes.extend_from_slice(&v.to_be_bytes()),
                        }
                    }
                    array_init.push(ArrayInitInfo {
                        type_: *code,
                        values: bytes,
                    });
                }
                at = at.saturating_add(2);
            }
            2 => {
                default_bytes = default_bytes.saturating_add(prim_size(t));
                at = at.saturating_add(prim_size(t));
            }
            _ => {
                let v = if let Init::Value(v) = init { *v } else { 0 };
                match prim_size(t) {
                    1 => non_default.push(v as u8),
                    2 => non_default.extend_from_slice(&(v as i16).to_be_bytes()),
                    _ => non_default.extend_from_slice(&v.to_be_bytes()),
                }
                at = at.saturating_add(prim_size(t));
            }
        }
    }
    let static_field = StaticFieldComponent {
        image_size: u16_of(at, "static field image")?,
        reference_count: u16_of(reference_count, "static references")?,
        array_init,
        default_value_count: u16_of(default_bytes, "static default values")?,
        non_default_values: non_default,
    };

    // Method component.
    let mut handler_count = 0usize;
    for m in &inp.methods {
        handler_count = handler_count.saturating_add(m.handlers.len());
    }
    if handler_count > 255 {
        return Err(limit(format!(
            "{handler_count} exception handlers, more than 255"
        )));
    }
    let mut methods_bytes = Vec::new();
    let mut method_offsets = BTreeMap::new();
    let mut bytecode_offsets = BTreeMap::new();
    let mut handlers = Vec::new();
    let mut handler_index = BTreeMap::new();
    let mut byte_refs = Vec::new();
    let mut byte2_refs = Vec::new();
    let base = handler_count.saturating_mul(8).saturating_add(1);
    for m in &inp.methods {
        let offset = base.saturating_add(methods_bytes.len());
        method_offsets.insert((m.class, m.method), u16_of(offset, "Method component")?);
        let small = m.max_stack <= 15 && m.nargs <= 15 && m.max_locals <= 15;
        let abstract_flag = if m.is_abstract {
            cap::method::ACC_ABSTRACT
        } else {
            0
        };
        if small {
            methods_bytes.push((abstract_flag << 4) | (m.max_stack as u8));
            methods_bytes.push(((m.nargs as u8) << 4) | (m.max_locals as u8));
        } else {
            let b = |v: u16, what: &str| {
                u8::try_from(v).map_err(|_| limit(format!("{what} {v} exceeds 255")))
            };
            methods_bytes.push((cap::method::ACC_EXTENDED | abstract_flag) << 4);
            methods_bytes.push(b(m.max_stack, "max_stack")?);
            methods_bytes.push(b(m.nargs, "nargs")?);
            methods_bytes.push(b(m.max_locals, "max_locals")?);
        }
        let code_at = base.saturating_add(methods_bytes.len());
        bytecode_offsets.insert((m.class, m.method), code_at);
        methods_bytes.extend_from_slice(&m.code);
        for (pc, two) in &m.cp_refs {
            let o = u16_of(code_at.saturating_add(*pc), "reference location")?;
            if *two {
                byte2_refs.push(o);
            } else {
                byte_refs.push(o);
            }
        }
        handler_index.insert((m.class, m.method), handlers.len());
        for (k, (s, e, h, catch)) in m.handlers.iter().enumerate() {
            // The search may stop after a handler whose range no later handler contains.
            let contained = m
                .handlers
                .iter()
                .skip(k.saturating_add(1))
                .any(|(s2, e2, _, _)| s2 <= s && e <= e2);
            handlers.push(ExceptionHandlerInfo {
                start_offset: u16_of(code_at.saturating_add(*s), "handler")?,
                stop_bit: !contained,
                active_length: u16_of(e.saturating_sub(*s), "handler length")?,
                handler_offset: u16_of(code_at.saturating_add(*h), "handler")?,
                catch_type_index: *catch,
            });
        }
    }
    byte_refs.sort_unstable();
    byte2_refs.sort_unstable();
    let method = MethodComponent {
        exception_handlers: handlers,
        methods: methods_bytes,
    };
    let reference_location = ReferenceLocationComponent {
        offsets_to_byte_indices: byte_refs,
        offsets_to_byte2_indices: byte2_refs,
    };

    // Class component: sizes first, then offsets, then contents.
    let mut ctx = Ctx {
        world,
        class_offsets: vec![0; world.classes.len()],
        import_tokens: import_tokens.clone(),
    };
    let moff = |imp: Impl| -> u16 {
        match imp {
            Impl::Internal(c, m) => method_offsets
                .get(&(c, m))
                .copied()
                .unwrap_or(cap::class::NO_METHOD),
            Impl::External | Impl::Missing => cap::class::NO_METHOD,
        }
    };
    let mut interfaces_out = Vec::new();
    let mut classes_out = Vec::new();
    for pass in 0..2 {
        interfaces_out.clear();
        classes_out.clear();
        let mut at = if format == CapFormat::V2_2 { 2usize } else { 0 };
        for (ci, class) in world.classes.iter().enumerate() {
            if pass == 0 {
                if let Some(o) = ctx.class_offsets.get_mut(ci) {
                    *o = u16_of(at, "Class component")?;
                }
            }
            let id = ClassId::Internal(ci);
            let t = tokens.classes.get(ci).ok_or_else(|| limit("tokens"))?;
            let shareable = world.is_subtype_of(id, "javacard/framework/Shareable");
            let sharebits = if shareable {
                cap::class::ACC_SHAREABLE
            } else {
                0
            };
            let r = |ctx: &Ctx<'_>, x: ClassId| {
                if pass == 0 {
                    Ok(ClassRef::NONE)
                } else {
                    ctx.class_ref(x)
                }
            };
            if class.is_interface() {
                let supers = world
                    .interface_closure(id)
                    .into_iter()
                    .map(|s| r(&ctx, s))
                    .collect::<Result<Vec<_>, _>>()?;
                let info = InterfaceInfo {
                    flags: cap::class::ACC_INTERFACE | sharebits,
                    superinterfaces: supers,
                    interface_name: None,
                };
                at = at.saturating_add(info.encoded_len());
                interfaces_out.push(info);
                continue;
            }
            let table = |defined: &std::collections::BTreeSet<u8>,
                         count: u8,
                         imp: &BTreeMap<u8, Impl>|
             -> (u8, Vec<u16>) {
                match defined.iter().next() {
                    None => (count, Vec::new()),
                    Some(&b) => (
                        b,
                        (b..count)
                            .map(|tok| imp.get(&tok).map_or(cap::class::NO_METHOD, |x| moff(*x)))
                            .collect(),
                    ),
                }
            };
            let (pub_base, pub_table) = table(&t.defined_public, t.public_count, &t.public_impl);
            let (pkg_base, pkg_table) = table(&t.defined_package, t.package_count, &t.package_impl);
            let mut impls = Vec::new();
            for iface in world.interface_closure(id) {
                let index = super::tokens::interface_methods_of(world, tokens, iface)
                    .iter()
                    .map(|s| t.public_vt.get(s).copied().unwrap_or(0xFF))
                    .collect();
                impls.push(ImplementedInterfaceInfo {
                    interface: r(&ctx, iface)?,
                    index,
                });
            }
            let sup = match world.superclass(id) {
                Some(s) => r(&ctx, s)?,
                None => {
                    return Err(ConvertError::unsupported(
                        class.at(),
                        "a class without superclass",
                    ))
                }
            };
            let info = ClassInfo {
                flags: sharebits,
                super_class_ref: sup,
                declared_instance_size: t.instance_words,
                first_reference_token: t.first_reference_token,
                reference_count: t.reference_count,
                public_method_table_base: pub_base,
                package_method_table_base: pkg_base,
                public_virtual_method_table: pub_table,
                package_virtual_method_table: pkg_table,
                interfaces: impls,
                remote_interfaces: None,
            };
            at = at.saturating_add(info.encoded_len());
            classes_out.push(info);
        }
        u16_of(at, "Class component")?;
    }
    let class = ClassComponent {
        signature_pool: (format == CapFormat::V2_2).then(Vec::new),
        interfaces: interfaces_out,
        classes: classes_out,
    };

    // Constant pool.
    let static_ref = |k: &StaticKey| -> Result<StaticRef, ConvertError> {
        Ok(match k {
            StaticKey::Field { class, field } => StaticRef::Internal {
                offset: *static_offsets
                    .get(&(*class, *field))
                    .ok_or_else(|| limit("static field offset"))?,
            },
            StaticKey::Method { class, method } => StaticRef::Internal {
                offset: *method_offsets
                    .get(&(*class, *method))
                    .ok_or_else(|| limit("static method offset"))?,
            },
            StaticKey::External { class, token } => match ctx.class_ref(*class)? {
                ClassRef::External {
                    package_token,
                    class_token,
                } => StaticRef::External {
                    package_token,
                    class_token,
                    token: *token,
                },
                ClassRef::Internal(_) => {
                    return Err(limit("internal class with an external reference"))
                }
            },
        })
    };
    let mut cp_entries = Vec::new();
    for k in inp.cp.entries() {
        cp_entries.push(match k {
            CpKey::Class(c) => CpInfo::Classref(ctx.class_ref(*c)?),
            CpKey::InstanceField { class, token } => CpInfo::InstanceFieldref {
                class: ctx.class_ref(*class)?,
                token: *token,
            },
            CpKey::VirtualMethod { class, token } => CpInfo::VirtualMethodref {
                class: ctx.class_ref(*class)?,
                token: *token,
            },
            CpKey::SuperMethod { class, token } => CpInfo::SuperMethodref {
                class: ctx.class_ref(ClassId::Internal(*class))?,
                token: *token,
            },
            CpKey::StaticField(s) => CpInfo::StaticFieldref(static_ref(s)?),
            CpKey::StaticMethod(s) => CpInfo::StaticMethodref(static_ref(s)?),
        });
    }
    let constant_pool = ConstantPoolComponent {
        constant_pool: cp_entries,
    };

    // Descriptor component: type descriptors of the constant pool first, then the rest.
    let mut type_desc: Vec<TypeDescriptor> = Vec::new();
    let mut intern = |td: TypeDescriptor| -> usize {
        match type_desc.iter().position(|t| *t == td) {
            Some(i) => i,
            None => {
                type_desc.push(td);
                type_desc.len().saturating_sub(1)
            }
        }
    };
    let mut cp_type_index: Vec<Option<usize>> = Vec::new();
    for k in inp.cp.entries() {
        cp_type_index.push(match inp.cp.info(k).map(|x| &x.0) {
            Some(CpType::Field(t)) => Some(intern(ctx.field_descriptor(t)?)),
            Some(CpType::Method(mt)) => Some(intern(ctx.method_descriptor(mt)?)),
            _ => None,
        });
    }
    struct FieldPending {
        token: u8,
        access: u8,
        field_ref: FieldRef,
        ty: Result<u16, usize>,
    }
    struct MethodPending {
        info: MethodDescriptorInfo,
        ty: usize,
    }
    let mut class_pending = Vec::new();
    for (ci, c) in world.classes.iter().enumerate() {
        let id = ClassId::Internal(ci);
        let t = tokens.classes.get(ci).ok_or_else(|| limit("tokens"))?;
        let mut fields = Vec::new();
        if !c.is_interface() {
            let mut statics_here: Vec<(u16, usize)> =
                c.cf.fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.is_static() && !is_constant(f))
                    .filter_map(|(fi, _)| static_offsets.get(&(ci, fi)).map(|o| (*o, fi)))
                    .collect();
            statics_here.sort();
            let mut instance: Vec<(u8, usize)> =
                c.cf.fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| !f.is_static())
                    .filter_map(|(fi, f)| t.instance_fields.get(&f.name).map(|tok| (*tok, fi)))
                    .collect();
            instance.sort();
            for (offset, fi) in statics_here {
                let f = c.cf.fields.get(fi).ok_or_else(|| limit("field"))?;
                let jt =
                    JType::parse_field(&f.descriptor).ok_or_else(|| limit("field descriptor"))?;
                fields.push(FieldPending {
                    token: t.static_fields.get(&f.name).copied().unwrap_or(0xFF),
                    access: (f.access_flags & 0x1F) as u8,
                    field_ref: FieldRef::Static(StaticRef::Internal { offset }),
                    ty: field_type(&ctx, &jt, &mut intern)?,
                });
            }
            for (tok, fi) in instance {
                let f = c.cf.fields.get(fi).ok_or_else(|| limit("field"))?;
                let jt =
                    JType::parse_field(&f.descriptor).ok_or_else(|| limit("field descriptor"))?;
                fields.push(FieldPending {
                    token: tok,
                    access: (f.access_flags & 0x1F) as u8,
                    field_ref: FieldRef::Instance {
                        class: ctx.class_ref(id)?,
                        token: tok,
                    },
                    ty: field_type(&ctx, &jt, &mut intern)?,
                });
            }
        }
        let mut methods = Vec::new();
        for (mi, m) in c.cf.methods.iter().enumerate() {
            if m.name == "<clinit>" {
                continue;
            }
            let mt = MethodType::parse(&m.descriptor).ok_or_else(|| limit("method descriptor"))?;
            let ty = intern(ctx.method_descriptor(&mt)?);
            let key = (m.name.clone(), m.descriptor.clone());
            let token = if m.is_static() || m.name == "<init>" {
                t.static_methods.get(&key).copied().unwrap_or(0xFF)
            } else if c.is_interface() {
                t.interface_methods
                    .iter()
                    .position(|s| *s == key)
                    .and_then(|p| u8::try_from(p).ok())
                    .unwrap_or(0xFF)
            } else if let Some(tok) = t.public_vt.get(&key).filter(|_| exported(m.access_flags)) {
                *tok
            } else if let Some(tok) = t
                .package_vt
                .get(&key)
                .filter(|_| super::tokens::is_virtual(m))
            {
                *tok | 0x80
            } else {
                0xFF
            };
            let mut access = (m.access_flags & 0x1F) as u8;
            if m.access_flags & ACC_ABSTRACT != 0 {
                access |= 0x40;
            }
            if m.name == "<init>" {
                access |= 0x80;
            }
            let build = inp.methods.iter().find(|b| b.class == ci && b.method == mi);
            let (method_offset, bytecode_count, hcount, hindex) = match build {
                Some(b) => (
                    method_offsets.get(&(ci, mi)).copied().unwrap_or(0),
                    u16_of(b.code.len(), "bytecode count")?,
                    u16_of(b.handlers.len(), "handlers")?,
                    u16_of(
                        handler_index.get(&(ci, mi)).copied().unwrap_or(0),
                        "handler index",
                    )?,
                ),
                None => (0, 0, 0, 0),
            };
            methods.push(MethodPending {
                info: MethodDescriptorInfo {
                    token,
                    access_flags: access,
                    method_offset,
                    type_offset: 0,
                    bytecode_count,
                    exception_handler_count: hcount,
                    exception_handler_index: if hcount == 0 { 0 } else { hindex },
                },
                ty,
            });
        }
        let mut access = 0u8;
        if c.cf.access_flags & ACC_PUBLIC != 0 {
            access |= 0x01;
        }
        if c.cf.access_flags & ACC_FINAL != 0 {
            access |= 0x10;
        }
        if c.cf.access_flags & ACC_INTERFACE != 0 {
            access |= 0x40;
        }
        if c.cf.access_flags & ACC_ABSTRACT != 0 {
            access |= 0x80;
        }
        let interfaces = if c.is_interface() {
            Vec::new()
        } else {
            world
                .interface_closure(id)
                .into_iter()
                .map(|i| ctx.class_ref(i))
                .collect::<Result<Vec<_>, _>>()?
        };
        class_pending.push((
            t.class_token.unwrap_or(0xFF),
            access,
            ctx.class_ref(id)?,
            interfaces,
            fields,
            methods,
        ));
    }
    let types = TypeDescriptorInfo {
        constant_pool_types: vec![0; inp.cp.entries().len()],
        type_desc: type_desc.clone(),
    };
    let offsets = types.type_desc_offsets();
    let offset_of = |i: usize| -> Result<u16, ConvertError> {
        u16_of(
            offsets.get(i).copied().ok_or_else(|| limit("type"))?,
            "type descriptor offset",
        )
    };
    let constant_pool_types = cp_type_index
        .iter()
        .map(|x| x.map_or(Ok(cap::descriptor::NO_TYPE), offset_of))
        .collect::<Result<Vec<_>, _>>()?;
    let mut dclasses = Vec::new();
    for (token, access, this_ref, interfaces, fields, methods) in class_pending {
        dclasses.push(ClassDescriptorInfo {
            token,
            access_flags: access,
            this_class_ref: this_ref,
            interfaces,
            fields: fields
                .into_iter()
                .map(|f| {
                    Ok(FieldDescriptorInfo {
                        token: f.token,
                        access_flags: f.access,
                        field_ref: f.field_ref,
                        type_: match f.ty {
                            Ok(p) => p,
                            Err(i) => offset_of(i)?,
                        },
                    })
                })
                .collect::<Result<Vec<_>, ConvertError>>()?,
            methods: methods
                .into_iter()
                .map(|m| {
                    Ok(MethodDescriptorInfo {
                        type_offset: offset_of(m.ty)?,
                        ..m.info
                    })
                })
                .collect::<Result<Vec<_>, ConvertError>>()?,
        });
    }
    let descriptor = DescriptorComponent {
        classes: dclasses,
        types: TypeDescriptorInfo {
            constant_pool_types,
            type_desc,
        },
    };

    // Import component.
    let mut imports: Vec<(u8, PackageInfo)> = Vec::new();
    for (p, tok) in &import_tokens {
        let v = world.externals.get(*p).ok_or_else(|| limit("import"))?;
        let aid = Aid::new(&v.aid)
            .ok_or_else(|| limit(format!("package {} has an invalid AID", v.name)))?;
        imports.push((
            *tok,
            PackageInfo {
                minor_version: v.version.minor,
                major_version: v.version.major,
                aid,
            },
        ));
    }
    imports.sort_by_key(|x| x.0);
    let import = ImportComponent {
        packages: imports.into_iter().map(|x| x.1).collect(),
    };

    // Export component: in an applet package only shareable interfaces are visible to other
    // packages; a library exports every public class and interface.
    let library = inp.applets.is_empty();
    let mut exports: Vec<(u8, ClassExportInfo)> = Vec::new();
    for (ci, c) in world.classes.iter().enumerate() {
        let t = tokens.classes.get(ci).ok_or_else(|| limit("tokens"))?;
        let Some(tok) = t.class_token else { continue };
        let shareable_iface = c.is_interface()
            && world.is_subtype_of(ClassId::Internal(ci), "javacard/framework/Shareable");
        if !(library || shareable_iface) {
            continue;
        }
        let mut sf: Vec<(u8, u16)> = Vec::new();
        for (fi, f) in c.cf.fields.iter().enumerate() {
            if let (Some(tok), Some(o)) =
                (t.static_fields.get(&f.name), static_offsets.get(&(ci, fi)))
            {
                sf.push((*tok, *o));
            }
        }
        sf.sort();
        let mut sm: Vec<(u8, u16)> = Vec::new();
        for (mi, m) in c.cf.methods.iter().enumerate() {
            if let (Some(tok), Some(o)) = (
                t.static_methods
                    .get(&(m.name.clone(), m.descriptor.clone())),
                method_offsets.get(&(ci, mi)),
            ) {
                sm.push((*tok, *o));
            }
        }
        sm.sort();
        exports.push((
            tok,
            ClassExportInfo {
                class_offset: ctx.class_offsets.get(ci).copied().unwrap_or(0),
                static_field_offsets: sf.into_iter().map(|x| x.1).collect(),
                static_method_offsets: sm.into_iter().map(|x| x.1).collect(),
            },
        ));
    }
    exports.sort_by_key(|x| x.0);
    let export = (!exports.is_empty()).then(|| ExportComponent {
        class_exports: exports.into_iter().map(|x| x.1).collect(),
    });

    // Applet component.
    let mut applets = Vec::new();
    for (aid, ci) in &inp.applets {
        let c = world.class(*ci).ok_or_else(|| limit("applet class"))?;
        let mi =
            c.cf.methods
                .iter()
                .position(|m| m.name == "install" && m.descriptor == "([BSB)V" && m.is_static())
                .ok_or_else(|| {
                    ConvertError::Options(format!(
                        "applet class {} has no static install(byte[], short, byte)",
                        c.name().replace('/', ".")
                    ))
                })?;
        applets.push(AppletInfo {
            aid: aid.clone(),
            install_method_offset: method_offsets
                .get(&(*ci, mi))
                .copied()
                .ok_or_else(|| limit("install offset"))?,
        });
    }
    let applet = (!applets.is_empty()).then_some(AppletComponent { applets });

    let debug = if inp.debug {
        Some(super::debug::build(
            world,
            tokens,
            &inp.methods,
            &ctx.class_offsets,
            &method_offsets,
            &bytecode_offsets,
            &static_offsets,
        )?)
    } else {
        None
    };

    let mut flags = 0u8;
    if inp.uses_int {
        flags |= cap::header::ACC_INT;
    }
    if export.is_some() {
        flags |= cap::header::ACC_EXPORT;
    }
    if applet.is_some() {
        flags |= cap::header::ACC_APPLET;
    }
    let header = HeaderComponent {
        minor_version: if format == CapFormat::V2_2 { 2 } else { 1 },
        major_version: 2,
        flags,
        package: PackageInfo {
            minor_version: inp.version.1,
            major_version: inp.version.0,
            aid: inp.aid.clone(),
        },
        package_name: (format == CapFormat::V2_2).then(|| world.package.as_bytes().to_vec()),
    };
    let mut cap_file = CapFile {
        header,
        directory: DirectoryComponent {
            component_sizes: vec![0; format.directory_sizes()],
            static_field_size: cap::StaticFieldSizeInfo {
                image_size: static_field.image_size,
                array_init_count: u16_of(static_field.array_init.len(), "array initialisers")?,
                array_init_size: u16_of(static_field.array_init_size(), "array initialiser bytes")?,
            },
            import_count: u8::try_from(import.packages.len()).map_err(|_| limit("imports"))?,
            applet_count: applet.as_ref().map_or(Ok(0), |a| {
                u8::try_from(a.applets.len()).map_err(|_| limit("applets"))
            })?,
            custom_components: Vec::new(),
        },
        applet,
        import,
        constant_pool,
        class,
        method,
        static_field,
        reference_location,
        export,
        descriptor,
        debug,
        custom: Vec::new(),
        jar_package_path: None,
    };
    let mut sizes = vec![0u16; format.directory_sizes()];
    // `component_sizes` is indexed by tag minus one.
    for tag in ComponentTag::STANDARD {
        let i = usize::from(tag.0.saturating_sub(1));
        let len = if tag == ComponentTag::DIRECTORY {
            cap_file.directory.info_bytes()?.len()
        } else if cap_file.has(tag) {
            cap_file.info_bytes(tag)?.len()
        } else {
            0
        };
        if let Some(s) = sizes.get_mut(i) {
            *s = u16_of(len, "component size")?;
        }
    }
    cap_file.directory.component_sizes = sizes;
    // Written and parsed back: the parser's structural checks apply to what was built.
    let mut raw = Vec::new();
    for tag in cap_file.ijc_order() {
        raw.push(RawComponent {
            tag,
            info: cap_file.info_bytes(tag)?,
            file_name: None,
        });
    }
    let cap = CapFile::from_components(raw, Some(world.package.clone()))?;
    Ok(Layout {
        cap,
        class_offsets: ctx.class_offsets,
        method_offsets,
        static_offsets,
        import_tokens,
    })
}

/// A field's descriptor `type`: `Ok(primitive code)` or `Err(type descriptor index)`.
fn field_type(
    ctx: &Ctx<'_>,
    t: &JType,
    intern: &mut impl FnMut(TypeDescriptor) -> usize,
) -> Result<Result<u16, usize>, ConvertError> {
    Ok(match t {
        JType::Boolean => Ok(0x8002),
        JType::Byte => Ok(0x8003),
        JType::Short => Ok(0x8004),
        JType::Int => Ok(0x8005),
        other => Err(intern(ctx.field_descriptor(other)?)),
    })
}

impl MethodBuild {
    /// The method header this build describes.
    pub fn header(&self) -> MethodHeaderInfo {
        let small = self.max_stack <= 15 && self.nargs <= 15 && self.max_locals <= 15;
        let mut flags = if self.is_abstract {
            cap::method::ACC_ABSTRACT
        } else {
            0
        };
        if !small {
            flags |= cap::method::ACC_EXTENDED;
        }
        MethodHeaderInfo {
            flags,
            max_stack: self.max_stack as u8,
            nargs: self.nargs as u8,
            max_locals: self.max_locals as u8,
        }
    }
}
