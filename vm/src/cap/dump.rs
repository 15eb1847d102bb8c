//! Readable text of a CAP file, component by component, with raw tokens (resolving tokens to
//! names needs export files and happens in the tools). `jcos cap dump` builds on this.

use super::common::{hex, JcType};
use super::descriptor::{self, FieldRef};
use super::header::{ACC_APPLET, ACC_EXPORT, ACC_INT};
use super::{class, CapFile, ClassItem};
use std::fmt::{self, Write as _};

/// Names of the bits of `flags` set, from `names`, space separated (`-` when none).
pub fn flag_names(flags: u16, names: &[(u16, &str)]) -> String {
    let v: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(" ")
    }
}

const HEADER_FLAGS: &[(u16, &str)] = &[
    (ACC_INT as u16, "ACC_INT"),
    (ACC_EXPORT as u16, "ACC_EXPORT"),
    (ACC_APPLET as u16, "ACC_APPLET"),
];

const CLASS_NIBBLE_FLAGS: &[(u16, &str)] = &[
    (class::ACC_INTERFACE as u16, "interface"),
    (class::ACC_SHAREABLE as u16, "shareable"),
    (class::ACC_REMOTE as u16, "remote"),
];

/// Descriptor component class access flags.
pub const CLASS_ACCESS: &[(u16, &str)] = &[
    (descriptor::ACC_PUBLIC as u16, "public"),
    (descriptor::ACC_FINAL as u16, "final"),
    (descriptor::ACC_INTERFACE as u16, "interface"),
    (descriptor::ACC_ABSTRACT_CLASS as u16, "abstract"),
];

/// Descriptor component field access flags.
pub const FIELD_ACCESS: &[(u16, &str)] = &[
    (descriptor::ACC_PUBLIC as u16, "public"),
    (descriptor::ACC_PRIVATE as u16, "private"),
    (descriptor::ACC_PROTECTED as u16, "protected"),
    (descriptor::ACC_STATIC as u16, "static"),
    (descriptor::ACC_FINAL as u16, "final"),
];

/// Descriptor component method access flags.
pub const METHOD_ACCESS: &[(u16, &str)] = &[
    (descriptor::ACC_PUBLIC as u16, "public"),
    (descriptor::ACC_PRIVATE as u16, "private"),
    (descriptor::ACC_PROTECTED as u16, "protected"),
    (descriptor::ACC_STATIC as u16, "static"),
    (descriptor::ACC_FINAL as u16, "final"),
    (descriptor::ACC_ABSTRACT as u16, "abstract"),
    (descriptor::ACC_INIT as u16, "init"),
];

fn token(t: u8) -> String {
    if t == descriptor::NO_TOKEN {
        "-".into()
    } else {
        t.to_string()
    }
}

impl CapFile {
    /// Text of a field descriptor's type (`S`, `[B`, `L1.10;`).
    pub fn field_type_string(&self, type_: u16) -> String {
        if let Some(t) = JcType::from_primitive_type(type_) {
            return t.to_string();
        }
        self.descriptor
            .type_at(type_)
            .map_or_else(|| format!("<type {type_:#06x}>"), |t| t.field_string())
    }

    /// Text of a method descriptor's signature (`([BSB)V`).
    pub fn method_type_string(&self, type_offset: u16) -> String {
        self.descriptor.type_at(type_offset).map_or_else(
            || format!("<type {type_offset:#06x}>"),
            |t| t.method_string(),
        )
    }

    /// Text of the type of constant pool entry `index` (a field type or method signature).
    pub fn constant_pool_type_string(&self, index: u16) -> Option<String> {
        let entry = self.constant_pool.get(index)?;
        let t = *self
            .descriptor
            .types
            .constant_pool_types
            .get(usize::from(index))?;
        if t == descriptor::NO_TYPE {
            return None;
        }
        let td = self.descriptor.type_at(t)?;
        Some(match entry {
            super::CpInfo::InstanceFieldref { .. } | super::CpInfo::StaticFieldref(_) => {
                td.field_string()
            }
            _ => td.method_string(),
        })
    }

    fn dump_header(&self, f: &mut String) -> fmt::Result {
        let h = &self.header;
        writeln!(
            f,
            "Header: CAP format {}.{}, flags {} ({:#04x}), package {}{}",
            h.major_version,
            h.minor_version,
            flag_names(u16::from(h.flags), HEADER_FLAGS),
            h.flags,
            h.package,
            self.package_name()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        )
    }

    fn dump_directory(&self, f: &mut String) -> fmt::Result {
        let d = &self.directory;
        writeln!(f, "Directory:")?;
        let sizes: Vec<String> = d
            .component_sizes
            .iter()
            .zip(super::ComponentTag::STANDARD)
            .map(|(s, t)| format!("{t} {s}"))
            .collect();
        writeln!(f, "  component sizes: {}", sizes.join(", "))?;
        let s = d.static_field_size;
        writeln!(
            f,
            "  static field image {} bytes, {} array initialisers ({} bytes)",
            s.image_size, s.array_init_count, s.array_init_size
        )?;
        writeln!(
            f,
            "  imports {}, applets {}, custom components {}",
            d.import_count,
            d.applet_count,
            d.custom_components.len()
        )?;
        for c in &d.custom_components {
            writeln!(
                f,
                "  custom {:#04x}: {} bytes, AID {}",
                c.component_tag, c.size, c.aid
            )?;
        }
        Ok(())
    }

    fn dump_classes(&self, f: &mut String) -> fmt::Result {
        writeln!(f, "Class:")?;
        if let Some(pool) = &self.class.signature_pool {
            let sigs: Vec<String> = pool.iter().map(|t| t.method_string()).collect();
            writeln!(f, "  signature pool: {}", sigs.join(" "))?;
        }
        for (at, item) in self.class.item_offsets() {
            match item {
                ClassItem::Interface(i) => {
                    let Some(it) = self.class.interfaces.get(i) else {
                        continue;
                    };
                    let supers: Vec<String> =
                        it.superinterfaces.iter().map(ToString::to_string).collect();
                    writeln!(
                        f,
                        "  @{at:#06x} interface [{}] superinterfaces [{}]",
                        flag_names(u16::from(it.flags), CLASS_NIBBLE_FLAGS),
                        supers.join(" ")
                    )?;
                }
                ClassItem::Class(i) => {
                    let Some(c) = self.class.classes.get(i) else {
                        continue;
                    };
                    writeln!(
                        f,
                        "  @{at:#06x} class [{}] extends {}, instance size {}, {} references from token {}",
                        flag_names(u16::from(c.flags), CLASS_NIBBLE_FLAGS),
                        if c.super_class_ref.is_none() {
                            "-".to_string()
                        } else {
                            c.super_class_ref.to_string()
                        },
                        c.declared_instance_size,
                        c.reference_count,
                        token(c.first_reference_token)
                    )?;
                    for (name, base, table) in [
                        (
                            "public",
                            usize::from(c.public_method_table_base),
                            &c.public_virtual_method_table,
                        ),
                        (
                            "package",
                            usize::from(c.package_method_table_base) | 0x80,
                            &c.package_virtual_method_table,
                        ),
                    ] {
                        let entries: Vec<String> = table
                            .iter()
                            .enumerate()
                            .map(|(k, m)| {
                                let t = base.saturating_add(k);
                                if *m == class::NO_METHOD {
                                    format!("{t}:-")
                                } else {
                                    format!("{t}:@{m:#06x}")
                                }
                            })
                            .collect();
                        writeln!(
                            f,
                            "    {name} methods from token {base}: {}",
                            entries.join(" ")
                        )?;
                    }
                    for ii in &c.interfaces {
                        let idx: Vec<String> = ii.index.iter().map(ToString::to_string).collect();
                        writeln!(
                            f,
                            "    implements {} methods [{}]",
                            ii.interface,
                            idx.join(" ")
                        )?;
                    }
                    if let Some(r) = &c.remote_interfaces {
                        writeln!(
                            f,
                            "    remote class {} with {} remote methods",
                            String::from_utf8_lossy(&r.class_name),
                            r.remote_methods.len()
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    fn dump_methods(&self, f: &mut String) -> fmt::Result {
        let m = &self.method;
        writeln!(
            f,
            "Method: {} exception handlers, methods {:#06x}..{:#06x}",
            m.exception_handlers.len(),
            m.methods_offset(),
            m.info_len()
        )?;
        for (i, h) in m.exception_handlers.iter().enumerate() {
            writeln!(
                f,
                "  handler {i}: {:#06x}..{:#06x} -> {:#06x} catch {}{}",
                h.start_offset,
                h.end_offset(),
                h.handler_offset,
                if h.catch_type_index == 0 {
                    "any".to_string()
                } else {
                    format!("cp[{}]", h.catch_type_index)
                },
                if h.stop_bit { " (stop)" } else { "" }
            )?;
        }
        match self.methods() {
            Ok(methods) => {
                for e in methods {
                    let d = e.descriptor;
                    match e.method {
                        Some(mi) => writeln!(
                            f,
                            "  @{:#06x} class {} token {} {}: {}, {} bytecode bytes at {:#06x}, handlers {}+{}",
                            mi.offset,
                            e.class_index,
                            token(d.token),
                            self.method_type_string(d.type_offset),
                            mi.header,
                            mi.bytecodes.len(),
                            mi.bytecode_offset,
                            d.exception_handler_index,
                            d.exception_handler_count
                        )?,
                        None => writeln!(
                            f,
                            "  abstract class {} token {} {}",
                            e.class_index,
                            token(d.token),
                            self.method_type_string(d.type_offset)
                        )?,
                    }
                }
            }
            Err(e) => writeln!(f, "  <{e}>")?,
        }
        Ok(())
    }

    fn dump_static_fields(&self, f: &mut String) -> fmt::Result {
        let s = &self.static_field;
        writeln!(
            f,
            "StaticField: image {} bytes: {} references, {} default bytes, {} non-default bytes",
            s.image_size,
            s.reference_count,
            s.default_value_count,
            s.non_default_values.len()
        )?;
        for (i, a) in s.array_init.iter().enumerate() {
            writeln!(
                f,
                "  array {i} ({} elements of {}): {}",
                a.element_count(),
                a.type_name(),
                hex(&a.values)
            )?;
        }
        if !s.non_default_values.is_empty() {
            writeln!(
                f,
                "  non-default values at {:#06x}: {}",
                s.non_default_offset(),
                hex(&s.non_default_values)
            )?;
        }
        Ok(())
    }

    fn dump_descriptor(&self, f: &mut String) -> fmt::Result {
        let layout = self.descriptor.layout();
        writeln!(f, "Descriptor:")?;
        for (ci, c) in self.descriptor.classes.iter().enumerate() {
            let at = layout.classes.get(ci).map_or(0, |l| l.0);
            let ifaces: Vec<String> = c.interfaces.iter().map(ToString::to_string).collect();
            writeln!(
                f,
                "  class {ci} token {} [{}] {} interfaces [{}] (at {at:#06x})",
                token(c.token),
                flag_names(u16::from(c.access_flags), CLASS_ACCESS),
                c.this_class_ref,
                ifaces.join(" ")
            )?;
            for fd in &c.fields {
                let place = match fd.field_ref {
                    FieldRef::Static(s) => format!("static {s}"),
                    FieldRef::Instance { class, token } => format!("{class}.{token}"),
                };
                writeln!(
                    f,
                    "    field token {} [{}] {} {}",
                    token(fd.token),
                    flag_names(u16::from(fd.access_flags), FIELD_ACCESS),
                    self.field_type_string(fd.type_),
                    place
                )?;
            }
            for md in &c.methods {
                writeln!(
                    f,
                    "    method token {} [{}] {} at {:#06x}, {} bytecode bytes, handlers {}+{}",
                    token(md.token),
                    flag_names(u16::from(md.access_flags), METHOD_ACCESS),
                    self.method_type_string(md.type_offset),
                    md.method_offset,
                    md.bytecode_count,
                    md.exception_handler_index,
                    md.exception_handler_count
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for CapFile {
    /// Every component, readably, with raw tokens.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = String::new();
        self.dump_header(&mut f)?;
        self.dump_directory(&mut f)?;
        if let Some(a) = &self.applet {
            writeln!(f, "Applet:")?;
            for ap in &a.applets {
                writeln!(f, "  {} install @{:#06x}", ap.aid, ap.install_method_offset)?;
            }
        }
        writeln!(f, "Import:")?;
        for (i, p) in self.import.packages.iter().enumerate() {
            writeln!(f, "  {i}: {p}")?;
        }
        writeln!(f, "ConstantPool:")?;
        for (i, e) in self.constant_pool.constant_pool.iter().enumerate() {
            let ty = u16::try_from(i)
                .ok()
                .and_then(|i| self.constant_pool_type_string(i))
                .map(|t| format!(" {t}"))
                .unwrap_or_default();
            writeln!(f, "  {i}: {e}{ty}")?;
        }
        self.dump_classes(&mut f)?;
        self.dump_methods(&mut f)?;
        self.dump_static_fields(&mut f)?;
        let rl = &self.reference_location;
        let list = |v: &[u16]| {
            v.iter()
                .map(|o| format!("{o:#06x}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        writeln!(f, "ReferenceLocation:")?;
        writeln!(f, "  byte indices: {}", list(&rl.offsets_to_byte_indices))?;
        writeln!(f, "  byte2 indices: {}", list(&rl.offsets_to_byte2_indices))?;
        if let Some(e) = &self.export {
            writeln!(f, "Export:")?;
            for (i, c) in e.class_exports.iter().enumerate() {
                writeln!(
                    f,
                    "  class token {i} @{:#06x}: static fields {}, static methods {}",
                    c.class_offset,
                    list(&c.static_field_offsets),
                    list(&c.static_method_offsets)
                )?;
            }
        }
        self.dump_descriptor(&mut f)?;
        if let Some(d) = &self.debug {
            writeln!(
                f,
                "Debug: package {}, {} strings, {} classes",
                d.string(d.package_name_index).unwrap_or_default(),
                d.strings_table.len(),
                d.classes.len()
            )?;
            for c in &d.classes {
                writeln!(
                    f,
                    "  {} @{:#06x}: {} fields, {} methods",
                    d.string(c.name_index).unwrap_or_default(),
                    c.location,
                    c.fields.len(),
                    c.methods.len()
                )?;
            }
        }
        for c in &self.custom {
            writeln!(f, "Custom {:#04x}: {} bytes", c.tag, c.info.len())?;
        }
        out.write_str(&f)
    }
}
