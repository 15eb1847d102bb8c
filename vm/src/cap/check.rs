//! Structural relations between components, checked after each has parsed on its own: the
//! Directory against the actual sizes, Header flags against the optional components, and every
//! token and offset one component holds into another (package tokens, Class component items,
//! method starts, the static field image, constant pool indices). What needs bytecode or type
//! reasoning is left to the verifier.

use super::class::NO_METHOD;
use super::common::{ClassRef, StaticRef};
use super::constant_pool::{ConstantPoolComponent, CpInfo};
use super::descriptor::FieldRef;
use super::error::CapError;
use super::header::{ACC_APPLET, ACC_EXPORT};
use super::tag::ComponentTag;
use super::CapFile;
use std::collections::BTreeSet;

/// The `info` sizes of the components as found, by tag minus one.
pub(crate) struct ActualSizes {
    pub(crate) sizes: [Option<usize>; 12],
}

struct Ctx<'a> {
    cap: &'a CapFile,
    class_offsets: BTreeSet<u16>,
    method_starts: BTreeSet<u16>,
}

impl Ctx<'_> {
    fn class_ref(
        &self,
        c: ClassRef,
        tag: ComponentTag,
        at: usize,
        what: &str,
    ) -> Result<(), CapError> {
        match c {
            ClassRef::External { package_token, .. } => {
                let n = self.cap.import.packages.len();
                if usize::from(package_token) >= n {
                    return Err(CapError::invalid(
                        tag,
                        at,
                        format!("{what}: package token {package_token} but {n} packages imported"),
                    ));
                }
            }
            ClassRef::Internal(off) => {
                if !self.class_offsets.contains(&off) {
                    return Err(CapError::invalid(
                        tag,
                        at,
                        format!("{what}: {off:#06x} is not the offset of a class or interface"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn method_start(
        &self,
        off: u16,
        tag: ComponentTag,
        at: usize,
        what: &str,
    ) -> Result<(), CapError> {
        if self.method_starts.contains(&off) {
            Ok(())
        } else {
            Err(CapError::invalid(
                tag,
                at,
                format!("{what}: {off:#06x} is not the start of a method"),
            ))
        }
    }

    fn static_field(
        &self,
        off: u16,
        tag: ComponentTag,
        at: usize,
        what: &str,
    ) -> Result<(), CapError> {
        let size = self.cap.static_field.image_size;
        if off < size {
            Ok(())
        } else {
            Err(CapError::invalid(
                tag,
                at,
                format!("{what}: offset {off:#06x} beyond static field image size {size:#06x}"),
            ))
        }
    }

    fn static_ref(
        &self,
        s: StaticRef,
        method: bool,
        tag: ComponentTag,
        at: usize,
        what: &str,
    ) -> Result<(), CapError> {
        match s {
            StaticRef::External { package_token, .. } => {
                let n = self.cap.import.packages.len();
                if usize::from(package_token) >= n {
                    return Err(CapError::invalid(
                        tag,
                        at,
                        format!("{what}: package token {package_token} but {n} packages imported"),
                    ));
                }
                Ok(())
            }
            StaticRef::Internal { offset } if method => self.method_start(offset, tag, at, what),
            StaticRef::Internal { offset } => self.static_field(offset, tag, at, what),
        }
    }
}

pub(crate) fn cross_check(cap: &CapFile, actual: &ActualSizes) -> Result<(), CapError> {
    check_directory(cap, actual)?;
    check_header_flags(cap)?;
    let ctx = Ctx {
        cap,
        class_offsets: cap
            .class
            .item_offsets()
            .into_iter()
            .map(|(o, _)| o)
            .collect(),
        method_starts: check_methods(cap)?,
    };
    check_applets(&ctx)?;
    check_constant_pool(&ctx)?;
    check_handlers(cap)?;
    check_reference_locations(cap)?;
    check_classes(&ctx)?;
    check_exports(&ctx)?;
    check_descriptor(&ctx)?;
    check_debug(&ctx)?;
    Ok(())
}

fn check_directory(cap: &CapFile, actual: &ActualSizes) -> Result<(), CapError> {
    let dir = &cap.directory;
    let d = ComponentTag::DIRECTORY;
    for (i, (recorded, found)) in dir.component_sizes.iter().zip(actual.sizes).enumerate() {
        let tag = ComponentTag(u8::try_from(i).unwrap_or(0).saturating_add(1));
        let found = found.unwrap_or(0);
        if usize::from(*recorded) != found {
            return Err(CapError::invalid(
                d,
                i.saturating_mul(2),
                format!("component_sizes[{i}] ({tag}) is {recorded:#06x} but the {tag} component has {found:#06x} bytes"),
            ));
        }
    }
    let n = dir.component_sizes.len().saturating_mul(2);
    let sf = &cap.static_field;
    let sizes = dir.static_field_size;
    if sizes.image_size != sf.image_size {
        return Err(CapError::invalid(
            d,
            n,
            format!(
                "static_field_size image_size {} but the StaticField component's is {}",
                sizes.image_size, sf.image_size
            ),
        ));
    }
    if usize::from(sizes.array_init_count) != sf.array_init.len() {
        return Err(CapError::invalid(
            d,
            n.saturating_add(2),
            format!(
                "static_field_size array_init_count {} but the StaticField component has {}",
                sizes.array_init_count,
                sf.array_init.len()
            ),
        ));
    }
    if usize::from(sizes.array_init_size) != sf.array_init_size() {
        return Err(CapError::invalid(
            d,
            n.saturating_add(4),
            format!(
                "static_field_size array_init_size {} but the StaticField arrays hold {} bytes",
                sizes.array_init_size,
                sf.array_init_size()
            ),
        ));
    }
    if usize::from(dir.import_count) != cap.import.packages.len() {
        return Err(CapError::invalid(
            d,
            n.saturating_add(6),
            format!(
                "import_count {} but the Import component lists {} packages",
                dir.import_count,
                cap.import.packages.len()
            ),
        ));
    }
    let applets = cap.applet.as_ref().map_or(0, |a| a.applets.len());
    if usize::from(dir.applet_count) != applets {
        return Err(CapError::invalid(
            d,
            n.saturating_add(7),
            format!(
                "applet_count {} but the Applet component lists {applets}",
                dir.applet_count
            ),
        ));
    }
    let custom_at = n.saturating_add(8);
    for cc in &dir.custom_components {
        match cap.custom.iter().find(|c| c.tag == cc.component_tag) {
            None => {
                return Err(CapError::invalid(
                    d,
                    custom_at,
                    format!(
                        "custom component {:#04x} listed but absent",
                        cc.component_tag
                    ),
                ))
            }
            Some(c) if c.info.len() != usize::from(cc.size) => {
                return Err(CapError::invalid(
                    d,
                    custom_at,
                    format!(
                        "custom component {:#04x} size {:#06x} but it has {:#06x} bytes",
                        cc.component_tag,
                        cc.size,
                        c.info.len()
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    for c in &cap.custom {
        if !dir
            .custom_components
            .iter()
            .any(|cc| cc.component_tag == c.tag)
        {
            return Err(CapError::invalid(
                d,
                custom_at,
                format!("custom component {:#04x} present but not listed", c.tag),
            ));
        }
    }
    Ok(())
}

fn check_header_flags(cap: &CapFile) -> Result<(), CapError> {
    let flags = cap.header.flags;
    let pairs = [
        (
            ACC_APPLET,
            cap.applet.is_some(),
            ComponentTag::APPLET,
            "ACC_APPLET",
        ),
        (
            ACC_EXPORT,
            cap.export.is_some(),
            ComponentTag::EXPORT,
            "ACC_EXPORT",
        ),
    ];
    for (bit, present, tag, name) in pairs {
        if (flags & bit != 0) != present {
            return Err(CapError::invalid(
                ComponentTag::HEADER,
                6,
                format!(
                    "{name} is {} but the {tag} component is {}",
                    if flags & bit != 0 { "set" } else { "clear" },
                    if present { "present" } else { "absent" }
                ),
            ));
        }
    }
    Ok(())
}

/// Checks every method the Descriptor component describes against the Method component and
/// returns the set of method start offsets.
fn check_methods(cap: &CapFile) -> Result<BTreeSet<u16>, CapError> {
    let layout = cap.descriptor.layout();
    let handlers = cap.method.exception_handlers.len();
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    let mut starts = BTreeSet::new();
    for (ci, c) in cap.descriptor.classes.iter().enumerate() {
        let offsets = layout
            .classes
            .get(ci)
            .map(|l| l.2.as_slice())
            .unwrap_or(&[]);
        for (mi, m) in c.methods.iter().enumerate() {
            let at = offsets.get(mi).copied().unwrap_or(0);
            let bad = |what: String| CapError::invalid(ComponentTag::DESCRIPTOR, at, what);
            let hs = usize::from(m.exception_handler_index);
            let he = hs.saturating_add(usize::from(m.exception_handler_count));
            if he > handlers {
                return Err(bad(format!(
                    "class {ci} method {mi}: exception handlers {hs}..{he} beyond the {handlers} in the Method component"
                )));
            }
            if m.is_abstract() && m.method_offset == 0 {
                if m.bytecode_count != 0 || m.exception_handler_count != 0 {
                    return Err(bad(format!(
                        "class {ci} method {mi}: abstract method with bytecode_count {} and {} handlers",
                        m.bytecode_count, m.exception_handler_count
                    )));
                }
                continue;
            }
            let info = cap
                .method
                .method_at(m.method_offset, m.bytecode_count)
                .map_err(|e| bad(format!("class {ci} method {mi}: {e}")))?;
            if info.header.is_abstract() != m.is_abstract() {
                return Err(bad(format!(
                    "class {ci} method {mi}: ACC_ABSTRACT differs between descriptor and method header at {:#06x}",
                    m.method_offset
                )));
            }
            let end = usize::from(info.bytecode_offset).saturating_add(info.bytecodes.len());
            for h in cap.method.exception_handlers.get(hs..he).unwrap_or(&[]) {
                let inside = |o: usize| o >= usize::from(info.bytecode_offset) && o < end;
                if !inside(usize::from(h.start_offset))
                    || u32::try_from(end).map_or(true, |e| h.end_offset() > e)
                    || !inside(usize::from(h.handler_offset))
                {
                    return Err(bad(format!(
                        "class {ci} method {mi}: handler {:#06x}+{:#06x} -> {:#06x} outside its bytecode {:#06x}..{end:#06x}",
                        h.start_offset, h.active_length, h.handler_offset, info.bytecode_offset
                    )));
                }
            }
            if !starts.insert(m.method_offset) {
                return Err(bad(format!(
                    "class {ci} method {mi}: method_offset {:#06x} described twice",
                    m.method_offset
                )));
            }
            spans.push((usize::from(m.method_offset), end, at));
        }
    }
    // The descriptors must account for every byte of the methods area, so that no code hides
    // between described methods.
    spans.sort_unstable();
    let mut expect = cap.method.methods_offset();
    for (start, end, at) in &spans {
        if *start != expect {
            return Err(CapError::invalid(
                ComponentTag::DESCRIPTOR,
                *at,
                format!(
                    "method at {start:#06x} does not follow the previous method, which ends at {expect:#06x}"
                ),
            ));
        }
        expect = *end;
    }
    if expect != cap.method.info_len() {
        return Err(CapError::invalid(
            ComponentTag::METHOD,
            expect,
            format!(
                "bytes {expect:#06x}..{:#06x} belong to no described method",
                cap.method.info_len()
            ),
        ));
    }
    Ok(starts)
}

fn check_applets(ctx: &Ctx<'_>) -> Result<(), CapError> {
    let Some(applet) = &ctx.cap.applet else {
        return Ok(());
    };
    let rid = ctx.cap.header.package.aid.rid();
    let mut at = 1usize;
    for (i, a) in applet.applets.iter().enumerate() {
        if a.aid.rid() != rid {
            return Err(CapError::invalid(
                ComponentTag::APPLET,
                at,
                format!(
                    "applet {i} AID {} has a RID other than the package's",
                    a.aid
                ),
            ));
        }
        let off_at = at.saturating_add(1).saturating_add(a.aid.as_bytes().len());
        ctx.method_start(
            a.install_method_offset,
            ComponentTag::APPLET,
            off_at,
            &format!("applet {i} install_method_offset"),
        )?;
        at = off_at.saturating_add(2);
    }
    Ok(())
}

fn check_constant_pool(ctx: &Ctx<'_>) -> Result<(), CapError> {
    let tag = ComponentTag::CONSTANT_POOL;
    for (i, e) in ctx.cap.constant_pool.constant_pool.iter().enumerate() {
        let at = ConstantPoolComponent::entry_offset(i);
        let what = format!("entry {i} ({})", e.kind_name());
        match *e {
            CpInfo::StaticFieldref(s) => ctx.static_ref(s, false, tag, at, &what)?,
            CpInfo::StaticMethodref(s) => ctx.static_ref(s, true, tag, at, &what)?,
            other => {
                if let Some(c) = other.class_ref() {
                    ctx.class_ref(c, tag, at, &what)?;
                }
            }
        }
    }
    Ok(())
}

fn check_handlers(cap: &CapFile) -> Result<(), CapError> {
    for (i, h) in cap.method.exception_handlers.iter().enumerate() {
        if h.catch_type_index == 0 {
            continue;
        }
        let at = i.saturating_mul(8).saturating_add(1);
        match cap.constant_pool.get(h.catch_type_index) {
            Some(CpInfo::Classref(_)) => {}
            Some(other) => {
                return Err(CapError::invalid(
                    ComponentTag::METHOD,
                    at,
                    format!(
                        "exception handler {i} catch_type_index {} is a {}, not a Classref",
                        h.catch_type_index,
                        other.kind_name()
                    ),
                ))
            }
            None => {
                return Err(CapError::invalid(
                    ComponentTag::METHOD,
                    at,
                    format!(
                        "exception handler {i} catch_type_index {} beyond constant pool count {}",
                        h.catch_type_index,
                        cap.constant_pool.constant_pool.len()
                    ),
                ))
            }
        }
    }
    Ok(())
}

fn check_reference_locations(cap: &CapFile) -> Result<(), CapError> {
    let rl = &cap.reference_location;
    let cp_count = cap.constant_pool.constant_pool.len();
    let lists: [(&[u16], usize, &str); 2] = [
        (&rl.offsets_to_byte_indices, 1, "offsets_to_byte_indices"),
        (&rl.offsets_to_byte2_indices, 2, "offsets_to_byte2_indices"),
    ];
    for (list, width, name) in lists {
        for (i, off) in list.iter().enumerate() {
            let o = usize::from(*off);
            // Two-byte indices also sit in the handler table: each catch_type_index.
            let in_handler_table = width == 2
                && o < cap.method.methods_offset()
                && o.checked_sub(7).is_some_and(|x| x % 8 == 0);
            if in_handler_table {
                continue;
            }
            let index = match cap.method.bytes_at(o, width) {
                Some([b]) => usize::from(*b),
                Some([hi, lo]) => usize::from(u16::from_be_bytes([*hi, *lo])),
                _ => {
                    return Err(CapError::invalid(
                        ComponentTag::REFERENCE_LOCATION,
                        0,
                        format!(
                            "{name}[{i}] = {off:#06x} outside the Method component's methods area {:#06x}..{:#06x}",
                            cap.method.methods_offset(),
                            cap.method.info_len()
                        ),
                    ))
                }
            };
            if index >= cp_count {
                return Err(CapError::invalid(
                    ComponentTag::METHOD,
                    usize::from(*off),
                    format!(
                        "constant pool index {index} (listed in {name}) beyond constant pool count {cp_count}"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn check_classes(ctx: &Ctx<'_>) -> Result<(), CapError> {
    let tag = ComponentTag::CLASS;
    let class = &ctx.cap.class;
    for (at, item) in class.item_offsets() {
        let at = usize::from(at);
        match item {
            super::class::ClassItem::Interface(i) => {
                let Some(it) = class.interfaces.get(i) else {
                    continue;
                };
                for s in &it.superinterfaces {
                    ctx.class_ref(*s, tag, at, &format!("interface {i} superinterface"))?;
                }
            }
            super::class::ClassItem::Class(i) => {
                let Some(c) = class.classes.get(i) else {
                    continue;
                };
                if !c.super_class_ref.is_none() {
                    ctx.class_ref(
                        c.super_class_ref,
                        tag,
                        at,
                        &format!("class {i} super_class_ref"),
                    )?;
                }
                for ii in &c.interfaces {
                    ctx.class_ref(ii.interface, tag, at, &format!("class {i} interface"))?;
                }
                for m in c
                    .public_virtual_method_table
                    .iter()
                    .chain(&c.package_virtual_method_table)
                {
                    if *m != NO_METHOD {
                        ctx.method_start(*m, tag, at, &format!("class {i} virtual method table"))?;
                    }
                }
                if let Some(ri) = &c.remote_interfaces {
                    for r in &ri.remote_interfaces {
                        ctx.class_ref(*r, tag, at, &format!("class {i} remote interface"))?;
                    }
                    for m in &ri.remote_methods {
                        if class.signature_at(m.signature_offset).is_none() {
                            return Err(CapError::invalid(
                                tag,
                                at,
                                format!(
                                    "class {i} remote method signature_offset {:#06x} is not in the signature pool",
                                    m.signature_offset
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_exports(ctx: &Ctx<'_>) -> Result<(), CapError> {
    let Some(export) = &ctx.cap.export else {
        return Ok(());
    };
    let tag = ComponentTag::EXPORT;
    let mut at = 1usize;
    for (i, c) in export.class_exports.iter().enumerate() {
        if !ctx.class_offsets.contains(&c.class_offset) {
            return Err(CapError::invalid(
                tag,
                at,
                format!(
                    "class {i} class_offset {:#06x} is not the offset of a class or interface",
                    c.class_offset
                ),
            ));
        }
        for f in &c.static_field_offsets {
            ctx.static_field(*f, tag, at, &format!("class {i} static field"))?;
        }
        for m in &c.static_method_offsets {
            ctx.method_start(*m, tag, at, &format!("class {i} static method"))?;
        }
        at = at
            .saturating_add(4)
            .saturating_add(c.static_field_offsets.len().saturating_mul(2))
            .saturating_add(c.static_method_offsets.len().saturating_mul(2));
    }
    Ok(())
}

fn check_descriptor(ctx: &Ctx<'_>) -> Result<(), CapError> {
    let tag = ComponentTag::DESCRIPTOR;
    let d = &ctx.cap.descriptor;
    let layout = d.layout();
    let cp = ctx.cap.constant_pool.constant_pool.len();
    if d.types.constant_pool_types.len() != cp {
        return Err(CapError::invalid(
            tag,
            layout.types,
            format!(
                "constant_pool_count {} but the ConstantPool component has {cp} entries",
                d.types.constant_pool_types.len()
            ),
        ));
    }
    for (ci, c) in d.classes.iter().enumerate() {
        let (at, fields, _) = layout.classes.get(ci).cloned().unwrap_or_default();
        match c.this_class_ref {
            ClassRef::Internal(_) => ctx.class_ref(
                c.this_class_ref,
                tag,
                at,
                &format!("class {ci} this_class_ref"),
            )?,
            ClassRef::External { .. } => {
                return Err(CapError::invalid(
                    tag,
                    at,
                    format!("class {ci} this_class_ref is an external reference"),
                ))
            }
        }
        for i in &c.interfaces {
            ctx.class_ref(*i, tag, at, &format!("class {ci} interface"))?;
        }
        for (fi, f) in c.fields.iter().enumerate() {
            let fat = fields.get(fi).copied().unwrap_or(at);
            let what = format!("class {ci} field {fi}");
            match f.field_ref {
                FieldRef::Static(s) => ctx.static_ref(s, false, tag, fat, &what)?,
                FieldRef::Instance { class, .. } => ctx.class_ref(class, tag, fat, &what)?,
            }
        }
    }
    Ok(())
}

fn check_debug(ctx: &Ctx<'_>) -> Result<(), CapError> {
    let Some(debug) = &ctx.cap.debug else {
        return Ok(());
    };
    let tag = ComponentTag::DEBUG;
    for (ci, c) in debug.classes.iter().enumerate() {
        if !ctx.class_offsets.contains(&c.location) {
            return Err(CapError::invalid(
                tag,
                0,
                format!(
                    "class {ci} location {:#06x} is not the offset of a class or interface",
                    c.location
                ),
            ));
        }
        for (mi, m) in c.methods.iter().enumerate() {
            let abstract_without_body = m.location == 0 && m.header_size == 0;
            if !abstract_without_body {
                ctx.method_start(
                    m.location,
                    tag,
                    0,
                    &format!("class {ci} method {mi} location"),
                )?;
            }
        }
    }
    Ok(())
}
