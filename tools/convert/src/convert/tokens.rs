//! Token assignment (JCVM §4.3.7): class, static field, static method, instance field,
//! virtual method and interface method tokens of the package's classes, optionally reusing
//! the tokens of a previous export file of the package so that it stays binary compatible.

use std::collections::{BTreeMap, BTreeSet};

use jcos_vm::export::{MemberKind, PackageView};

use super::error::{ConvertError, Location};
use super::types::{JType, MethodType};
use super::world::{ClassId, World};
use crate::classfile::{FieldInfo, MethodInfo, ACC_PRIVATE, ACC_PROTECTED, ACC_PUBLIC};

/// A method's name and descriptor.
pub type Sig = (String, String);

/// What a virtual method token dispatches to, as seen from one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// Method `m` of internal class `c`.
    Internal(usize, usize),
    /// A method of an imported class (its offset is not known to this package).
    External,
    /// No implementation: an interface method an abstract class does not implement.
    Missing,
}

/// The tokens of one class of the package.
#[derive(Debug, Clone, Default)]
pub struct ClassTokens {
    /// Class token; `None` for package-visible classes.
    pub class_token: Option<u8>,
    /// Static field tokens of public and protected non-constant static fields.
    pub static_fields: BTreeMap<String, u8>,
    /// Static method tokens of public and protected static methods and constructors.
    pub static_methods: BTreeMap<Sig, u8>,
    /// Instance field tokens of every instance field.
    pub instance_fields: BTreeMap<String, u8>,
    /// Token of the first reference instance field (0xFF if none).
    pub first_reference_token: u8,
    /// Number of reference instance fields.
    pub reference_count: u8,
    /// Words of instance fields declared by this class.
    pub instance_words: u8,
    /// Public virtual method tokens visible in this class, inherited ones included.
    pub public_vt: BTreeMap<Sig, u8>,
    /// Package virtual method tokens (without the high bit) visible in this class.
    pub package_vt: BTreeMap<Sig, u8>,
    /// Number of public virtual method tokens (the next free one).
    pub public_count: u8,
    /// Number of package virtual method tokens (the next free one).
    pub package_count: u8,
    /// Public tokens this class declares or overrides.
    pub defined_public: BTreeSet<u8>,
    /// Package tokens this class declares or overrides.
    pub defined_package: BTreeSet<u8>,
    /// Implementation of each public token.
    pub public_impl: BTreeMap<u8, Impl>,
    /// Implementation of each package token.
    pub package_impl: BTreeMap<u8, Impl>,
    /// For interfaces: the methods by interface method token (inherited ones first).
    pub interface_methods: Vec<Sig>,
}

/// Tokens of every class, by internal class index.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    /// Per class.
    pub classes: Vec<ClassTokens>,
}

fn sig(m: &MethodInfo) -> Sig {
    (m.name.clone(), m.descriptor.clone())
}

/// Whether access flags make a member externally visible (public or protected).
pub fn exported(access: u16) -> bool {
    access & (ACC_PUBLIC | ACC_PROTECTED) != 0
}

/// Whether `f` is a compile-time constant (JCVM: no storage, no token).
pub fn is_constant(f: &FieldInfo) -> bool {
    f.is_static()
        && f.access_flags & crate::classfile::ACC_FINAL != 0
        && f.constant_value.is_some()
        && matches!(
            JType::parse_field(&f.descriptor),
            Some(JType::Boolean | JType::Byte | JType::Short | JType::Int)
        )
}

/// Whether `m` is a virtual method (an instance method that is not private, not `<init>`).
pub fn is_virtual(m: &MethodInfo) -> bool {
    !m.is_static()
        && m.name != "<init>"
        && m.name != "<clinit>"
        && m.access_flags & ACC_PRIVATE == 0
}

fn next_token(used: &BTreeSet<u8>, at_least: u8) -> Option<u8> {
    (at_least..=254).find(|t| !used.contains(t))
}

/// Assigns every token; `previous` is an earlier export file of this package whose tokens
/// are kept.
pub fn assign(world: &World, previous: Option<&PackageView>) -> Result<Tokens, ConvertError> {
    let mut tokens = Tokens {
        classes: vec![ClassTokens::default(); world.classes.len()],
    };
    class_tokens(world, previous, &mut tokens)?;
    for (i, class) in world.classes.iter().enumerate() {
        let prev_class = previous.and_then(|p| p.class_by_name(class.name()));
        let mut t = std::mem::take(
            tokens
                .classes
                .get_mut(i)
                .ok_or_else(|| ConvertError::Limit("class index".into()))?,
        );
        static_tokens(class, prev_class, &mut t)?;
        instance_field_tokens(class, &mut t)?;
        if class.is_interface() {
            interface_tokens(world, i, &tokens, prev_class, &mut t)?;
        } else {
            virtual_tokens(world, i, &tokens, prev_class, &mut t)?;
        }
        if let Some(slot) = tokens.classes.get_mut(i) {
            *slot = t;
        }
    }
    Ok(tokens)
}

fn class_tokens(
    world: &World,
    previous: Option<&PackageView>,
    tokens: &mut Tokens,
) -> Result<(), ConvertError> {
    let mut used = BTreeSet::new();
    let public: Vec<usize> = world
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_public())
        .map(|(i, _)| i)
        .collect();
    // Interfaces first, then classes, each by name; previous tokens win.
    let mut order = public.clone();
    order.sort_by_key(|&i| {
        let c = &world.classes[i];
        (!c.is_interface(), c.name().to_owned())
    });
    for &i in &order {
        let name = world.classes[i].name();
        if let Some(pc) = previous.and_then(|p| p.class_by_name(name)) {
            used.insert(pc.token);
            tokens.classes[i].class_token = Some(pc.token);
        }
    }
    if let Some(p) = previous {
        for pc in &p.classes {
            if world
                .internal_index(&pc.name)
                .is_none_or(|i| !world.classes[i].is_public())
            {
                return Err(ConvertError::Options(format!(
                    "class {} of the previous export file is gone or no longer public: the package would not be binary compatible",
                    pc.name.replace('/', ".")
                )));
            }
        }
    }
    for &i in &order {
        if tokens.classes[i].class_token.is_none() {
            let t = next_token(&used, 0).ok_or_else(|| {
                ConvertError::Limit("more than 255 public classes and interfaces".into())
            })?;
            used.insert(t);
            tokens.classes[i].class_token = Some(t);
        }
    }
    Ok(())
}

fn static_tokens(
    class: &super::world::Class,
    prev: Option<&jcos_vm::export::ClassView>,
    t: &mut ClassTokens,
) -> Result<(), ConvertError> {
    let mut used = BTreeSet::new();
    let fields: Vec<&FieldInfo> = class
        .cf
        .fields
        .iter()
        .filter(|f| f.is_static() && exported(f.access_flags) && !is_constant(f))
        .collect();
    for f in &fields {
        if let Some(pf) = prev.and_then(|p| {
            p.fields
                .iter()
                .find(|x| x.name == f.name && x.kind() == MemberKind::Static)
        }) {
            used.insert(pf.token);
            t.static_fields.insert(f.name.clone(), pf.token);
        }
    }
    for f in &fields {
        if !t.static_fields.contains_key(&f.name) {
            let tok = next_token(&used, 0).ok_or_else(|| {
                ConvertError::Limit(format!("{}: more than 255 static fields", class.name()))
            })?;
            used.insert(tok);
            t.static_fields.insert(f.name.clone(), tok);
        }
    }
    let mut used = BTreeSet::new();
    let methods: Vec<&MethodInfo> = class
        .cf
        .methods
        .iter()
        .filter(|m| {
            (m.is_static() || m.name == "<init>")
                && m.name != "<clinit>"
                && exported(m.access_flags)
        })
        .collect();
    for m in &methods {
        if let Some(pm) = prev
            .and_then(|p| p.method_by_name(&m.name, &m.descriptor))
            .filter(|pm| pm.kind() == MemberKind::Static)
        {
            used.insert(pm.token);
            t.static_methods.insert(sig(m), pm.token);
        }
    }
    for m in &methods {
        if let std::collections::btree_map::Entry::Vacant(e) = t.static_methods.entry(sig(m)) {
            let tok = next_token(&used, 0).ok_or_else(|| {
                ConvertError::Limit(format!("{}: more than 255 static methods", class.name()))
            })?;
            used.insert(tok);
            e.insert(tok);
        }
    }
    if let Some(p) = prev {
        for m in p.methods.iter().filter(|m| m.kind() == MemberKind::Static) {
            if !t
                .static_methods
                .contains_key(&(m.name.clone(), m.descriptor.clone()))
            {
                return Err(ConvertError::Options(format!(
                    "{}.{}{} of the previous export file is gone: the package would not be binary compatible",
                    class.name().replace('/', "."),
                    m.name,
                    m.descriptor
                )));
            }
        }
    }
    Ok(())
}

fn instance_field_tokens(
    class: &super::world::Class,
    t: &mut ClassTokens,
) -> Result<(), ConvertError> {
    let fields: Vec<(&FieldInfo, JType)> = class
        .cf
        .fields
        .iter()
        .filter(|f| !f.is_static())
        .map(|f| {
            JType::parse_field(&f.descriptor)
                .map(|j| (f, j))
                .ok_or_else(|| {
                    ConvertError::unsupported(
                        Location {
                            field: Some(f.name.clone()),
                            ..class.at()
                        },
                        format!("bad descriptor {}", f.descriptor),
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    // Public tokens: primitives then references; private tokens: references then primitives,
    // so the references of a class are consecutive.
    let groups: [(bool, bool); 4] = [(true, false), (true, true), (false, true), (false, false)];
    let mut next: u16 = 0;
    let mut first_ref: Option<u8> = None;
    let mut refs: u16 = 0;
    for (public, reference) in groups {
        for (f, ty) in &fields {
            if exported(f.access_flags) != public || ty.is_reference() != reference {
                continue;
            }
            let tok = u8::try_from(next).map_err(|_| {
                ConvertError::Limit(format!(
                    "{}: more than 255 instance field tokens",
                    class.name()
                ))
            })?;
            if reference {
                first_ref.get_or_insert(tok);
                refs = refs.saturating_add(1);
            }
            t.instance_fields.insert(f.name.clone(), tok);
            next = next.saturating_add(ty.words());
        }
    }
    t.first_reference_token = first_ref.unwrap_or(0xFF);
    t.reference_count = u8::try_from(refs).unwrap_or(u8::MAX);
    t.instance_words = u8::try_from(next).map_err(|_| {
        ConvertError::Limit(format!(
            "{}: instance fields take more than 255 words",
            class.name()
        ))
    })?;
    Ok(())
}

/// The methods (by interface method token) of interface `id`.
pub fn interface_methods_of(world: &World, tokens: &Tokens, id: ClassId) -> Vec<Sig> {
    match id {
        ClassId::Internal(i) => tokens
            .classes
            .get(i)
            .map(|t| t.interface_methods.clone())
            .unwrap_or_default(),
        ClassId::External(p, c) => {
            let mut ms: Vec<(u8, Sig)> = world
                .view(p, c)
                .map(|v| {
                    v.methods
                        .iter()
                        .filter(|m| m.kind() == MemberKind::Instance)
                        .map(|m| (m.token, (m.name.clone(), m.descriptor.clone())))
                        .collect()
                })
                .unwrap_or_default();
            ms.sort();
            let mut out: Vec<Sig> = Vec::new();
            for (tok, s) in ms {
                let i = usize::from(tok);
                if out.len() <= i {
                    out.resize(i.saturating_add(1), (String::new(), String::new()));
                }
                if let Some(slot) = out.get_mut(i) {
                    *slot = s;
                }
            }
            out
        }
    }
}

fn interface_tokens(
    world: &World,
    i: usize,
    tokens: &Tokens,
    prev: Option<&jcos_vm::export::ClassView>,
    t: &mut ClassTokens,
) -> Result<(), ConvertError> {
    let class = &world.classes[i];
    let mut list: Vec<Sig> = Vec::new();
    if let Some(p) = prev {
        let mut ms: Vec<_> = p.methods.iter().collect();
        ms.sort_by_key(|m| m.token);
        for m in ms {
            let idx = usize::from(m.token);
            if list.len() <= idx {
                list.resize(idx.saturating_add(1), (String::new(), String::new()));
            }
            if let Some(slot) = list.get_mut(idx) {
                *slot = (m.name.clone(), m.descriptor.clone());
            }
        }
    }
    for s in world.interface_closure(ClassId::Internal(i)) {
        for m in interface_methods_of(world, tokens, s) {
            if !m.0.is_empty() && !list.contains(&m) {
                list.push(m);
            }
        }
    }
    for m in &class.cf.methods {
        if m.is_static() || m.name == "<clinit>" {
            continue;
        }
        let s = sig(m);
        if !list.contains(&s) {
            list.push(s);
        }
    }
    if list.len() > 128 {
        return Err(ConvertError::Limit(format!(
            "{}: more than 128 interface methods",
            class.name()
        )));
    }
    t.interface_methods = list;
    Ok(())
}

fn virtual_tokens(
    world: &World,
    i: usize,
    tokens: &Tokens,
    prev: Option<&jcos_vm::export::ClassView>,
    t: &mut ClassTokens,
) -> Result<(), ConvertError> {
    let class = &world.classes[i];
    let limit = |what: &str| {
        ConvertError::Limit(format!(
            "{}: more than 128 {what} virtual methods",
            class.name()
        ))
    };
    match world.superclass(ClassId::Internal(i)) {
        Some(ClassId::Internal(s)) => {
            let st = tokens.classes.get(s).ok_or_else(|| limit("inherited"))?;
            t.public_vt = st.public_vt.clone();
            t.package_vt = st.package_vt.clone();
            t.public_count = st.public_count;
            t.package_count = st.package_count;
            t.public_impl = st.public_impl.clone();
            t.package_impl = st.package_impl.clone();
        }
        Some(ClassId::External(p, c)) => {
            if let Some(v) = world.view(p, c) {
                for m in v
                    .methods
                    .iter()
                    .filter(|m| m.kind() == MemberKind::Instance)
                {
                    t.public_vt
                        .insert((m.name.clone(), m.descriptor.clone()), m.token);
                    t.public_impl.insert(m.token, Impl::External);
                    t.public_count = t.public_count.max(m.token.saturating_add(1));
                }
            }
        }
        None => {}
    }
    // Methods the previous export file gave public tokens keep them.
    let mut reserved: BTreeMap<Sig, u8> = BTreeMap::new();
    if let Some(p) = prev {
        for m in p
            .methods
            .iter()
            .filter(|m| m.kind() == MemberKind::Instance)
        {
            let s = (m.name.clone(), m.descriptor.clone());
            if !t.public_vt.contains_key(&s) {
                reserved.insert(s, m.token);
                t.public_count = t.public_count.max(m.token.saturating_add(1));
            }
        }
    }
    for (mi, m) in methods_in_order(&class.cf.methods) {
        if !is_virtual(m) {
            continue;
        }
        let s = sig(m);
        if exported(m.access_flags) {
            let tok = match (t.public_vt.get(&s), reserved.get(&s)) {
                (Some(&tok), _) | (None, Some(&tok)) => tok,
                (None, None) => {
                    let tok = t.public_count;
                    t.public_count = t
                        .public_count
                        .checked_add(1)
                        .filter(|c| *c <= 128)
                        .ok_or_else(|| limit("public"))?;
                    tok
                }
            };
            t.public_vt.insert(s.clone(), tok);
            t.defined_public.insert(tok);
            t.public_impl.insert(tok, Impl::Internal(i, mi));
            // Widening a package method of the superclass: calls through its package token
            // reach this method too.
            if let Some(&ptok) = t.package_vt.get(&s) {
                t.defined_package.insert(ptok);
                t.package_impl.insert(ptok, Impl::Internal(i, mi));
            }
        } else {
            let tok = match t.package_vt.get(&s) {
                Some(&tok) => tok,
                None => {
                    let tok = t.package_count;
                    t.package_count = t
                        .package_count
                        .checked_add(1)
                        .filter(|c| *c <= 128)
                        .ok_or_else(|| limit("package"))?;
                    tok
                }
            };
            t.package_vt.insert(s, tok);
            t.defined_package.insert(tok);
            t.package_impl.insert(tok, Impl::Internal(i, mi));
        }
    }
    if let Some(p) = prev {
        for m in p
            .methods
            .iter()
            .filter(|m| m.kind() == MemberKind::Instance)
        {
            if !t
                .public_vt
                .contains_key(&(m.name.clone(), m.descriptor.clone()))
            {
                return Err(ConvertError::Options(format!(
                    "{}.{}{} of the previous export file is gone: the package would not be binary compatible",
                    class.name().replace('/', "."),
                    m.name,
                    m.descriptor
                )));
            }
        }
    }
    // Interface methods the class neither declares nor inherits (abstract classes) get a
    // public token without an implementation, so subclasses override it.
    for iface in world.interface_closure(ClassId::Internal(i)) {
        for s in interface_methods_of(world, tokens, iface) {
            if s.0.is_empty() || t.public_vt.contains_key(&s) {
                continue;
            }
            let tok = t.public_count;
            t.public_count = t
                .public_count
                .checked_add(1)
                .filter(|c| *c <= 128)
                .ok_or_else(|| limit("public"))?;
            t.public_vt.insert(s, tok);
            t.public_impl.insert(tok, Impl::Missing);
        }
    }
    Ok(())
}

/// A class's methods in the order the converter numbers and lays them out: class file order,
/// abstract methods last (as the reference converter does).
pub fn methods_in_order(methods: &[MethodInfo]) -> Vec<(usize, &MethodInfo)> {
    let mut v: Vec<(usize, &MethodInfo)> = methods.iter().enumerate().collect();
    v.sort_by_key(|(i, m)| (m.is_abstract(), *i));
    v
}

/// The Java Card words of a method's arguments, `this` included for instance methods.
pub fn nargs(m: &MethodInfo) -> Option<u16> {
    let t = MethodType::parse(&m.descriptor)?;
    let this = u16::from(!m.is_static());
    Some(t.param_words().saturating_add(this))
}
