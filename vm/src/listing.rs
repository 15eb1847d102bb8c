//! A readable listing of a CAP file with names resolved from export data: what `jcos cap dump`
//! prints. Imports, constant pool entries and the operands of every instruction are named
//! wherever the imported packages' export data (built-in API tables or user export files)
//! knows them; classes and members of the package itself are named by their Class component
//! offset and token, since a CAP file without a Debug component carries no names of its own.

use crate::cap::{CapFile, ClassRef, CpInfo, ExceptionHandlerInfo, MethodEntry, StaticRef};
use crate::export::{MemberKind, PackageView};
use crate::isa::{self, Operands};
use crate::verify::ImportResolver;
use serde::Serialize;
use std::fmt::{self, Write as _};

/// Everything `jcos cap dump` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// Package name (from the Header, the JAR path or a user export file), if known.
    pub package_name: Option<String>,
    /// Package AID in hex.
    pub package_aid: String,
    /// Package version `major.minor`.
    pub version: String,
    /// Components present, in the file's install order, with their sizes.
    pub components: Vec<ComponentLine>,
    /// Imported packages.
    pub imports: Vec<ImportLine>,
    /// Applets and their install methods.
    pub applets: Vec<AppletLine>,
    /// The constant pool, resolved.
    pub constant_pool: Vec<CpLine>,
    /// Every method with its disassembly.
    pub methods: Vec<MethodLine>,
    /// The remaining components (classes, static fields, reference locations, export,
    /// descriptor), as text with raw tokens.
    pub structure: String,
}

/// A component and its size.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentLine {
    /// Component name (`Header`, `Method`, …).
    pub name: String,
    /// Component tag.
    pub tag: u8,
    /// Size of the component's `info` in bytes.
    pub size: usize,
}

/// One Import component entry.
#[derive(Debug, Clone, Serialize)]
pub struct ImportLine {
    /// Package token (index in the Import component).
    pub token: u8,
    /// Package AID in hex.
    pub aid: String,
    /// Imported version `major.minor`.
    pub version: String,
    /// Package name, if its export data is known.
    pub name: Option<String>,
}

/// One Applet component entry.
#[derive(Debug, Clone, Serialize)]
pub struct AppletLine {
    /// Applet class AID in hex.
    pub aid: String,
    /// Offset of its `install` method in the Method component.
    pub install_method: u16,
}

/// One constant pool entry.
#[derive(Debug, Clone, Serialize)]
pub struct CpLine {
    /// Index in the constant pool.
    pub index: u16,
    /// Entry kind (`classref`, `staticMethodref`, …).
    pub kind: String,
    /// The entry with names resolved where export data allows.
    pub resolved: String,
}

/// One method of the Method component.
#[derive(Debug, Clone, Serialize)]
pub struct MethodLine {
    /// Declaring class label.
    pub class: String,
    /// Method token (`None` for private and static methods without one).
    pub token: Option<u8>,
    /// Access flags by name.
    pub access: String,
    /// Signature from the Descriptor component.
    pub signature: String,
    /// Offset of the `method_info` in the Method component (`None` for abstract methods).
    pub offset: Option<u16>,
    /// `max_stack`, `nargs`, `max_locals` from the header.
    pub header: Option<(u8, u8, u8)>,
    /// Exception handlers, with offsets relative to the method's first bytecode.
    pub handlers: Vec<HandlerLine>,
    /// Instructions.
    pub code: Vec<CodeLine>,
}

/// One exception handler of a method.
#[derive(Debug, Clone, Serialize)]
pub struct HandlerLine {
    /// First protected bytecode offset.
    pub start: i64,
    /// One past the last protected offset.
    pub end: i64,
    /// Handler entry offset.
    pub handler: i64,
    /// Caught class, or `any` for `finally`.
    pub catch: String,
}

/// One instruction (or a decode error) of a method.
#[derive(Debug, Clone, Serialize)]
pub struct CodeLine {
    /// Offset from the method's first bytecode.
    pub pc: usize,
    /// The instruction as a listing line (switches span several lines).
    pub text: String,
    /// What a constant pool operand names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Listing {
    /// Builds the listing of `cap`, resolving imports through `imports`.
    pub fn build(cap: &CapFile, imports: &dyn ImportResolver) -> Listing {
        let names = Names { cap, imports };
        let header = &cap.header;
        let components = cap
            .ijc_order()
            .into_iter()
            .map(|tag| ComponentLine {
                name: tag
                    .name()
                    .map_or_else(|| format!("custom {}", tag.0), str::to_string),
                tag: tag.0,
                size: cap.info_bytes(tag).map_or(0, |b| b.len()),
            })
            .collect();
        let imports_lines = cap
            .import
            .packages
            .iter()
            .zip(0u8..)
            .map(|(p, token)| ImportLine {
                token,
                aid: p.aid.to_string(),
                version: format!("{}.{}", p.major_version, p.minor_version),
                name: imports.package(p.aid.as_bytes()).map(|v| v.name.clone()),
            })
            .collect();
        let applets = cap
            .applet
            .iter()
            .flat_map(|a| a.applets.iter())
            .map(|a| AppletLine {
                aid: a.aid.to_string(),
                install_method: a.install_method_offset,
            })
            .collect();
        let constant_pool = cap
            .constant_pool
            .constant_pool
            .iter()
            .zip(0u16..)
            .map(|(entry, index)| CpLine {
                index,
                kind: entry.kind_name().to_string(),
                resolved: names.cp_entry(index, entry),
            })
            .collect();
        let methods = match cap.methods() {
            Ok(entries) => entries.iter().map(|e| names.method(e)).collect(),
            Err(_) => Vec::new(),
        };
        Listing {
            package_name: cap.package_name(),
            package_aid: header.package.aid.to_string(),
            version: format!(
                "{}.{}",
                header.package.major_version, header.package.minor_version
            ),
            components,
            imports: imports_lines,
            applets,
            constant_pool,
            methods,
            structure: cap.to_string(),
        }
    }
}

/// Name resolution against the CAP itself and its imports' export data.
struct Names<'a> {
    cap: &'a CapFile,
    imports: &'a dyn ImportResolver,
}

impl Names<'_> {
    fn package(&self, token: u8) -> Option<&PackageView> {
        let p = self.cap.import.packages.get(usize::from(token))?;
        self.imports.package(p.aid.as_bytes())
    }

    fn class(&self, r: ClassRef) -> String {
        match r {
            ClassRef::Internal(offset) => self.internal_class(offset),
            ClassRef::External {
                package_token,
                class_token,
            } => self
                .package(package_token)
                .and_then(|p| p.class_by_token(class_token))
                .map_or_else(
                    || format!("{package_token}.{class_token}"),
                    |c| c.name.clone(),
                ),
        }
    }

    fn internal_class(&self, offset: u16) -> String {
        let token = self
            .cap
            .descriptor
            .classes
            .iter()
            .find(|c| c.this_class_ref == ClassRef::Internal(offset))
            .map(|c| c.token);
        match token {
            Some(t) if t != crate::cap::descriptor::NO_TOKEN => {
                format!("class@{offset:#06x}(token {t})")
            }
            _ => format!("class@{offset:#06x}"),
        }
    }

    fn cp_type(&self, index: u16) -> String {
        self.cap
            .constant_pool_type_string(index)
            .unwrap_or_default()
    }

    fn cp_entry(&self, index: u16, entry: &CpInfo) -> String {
        let ty = self.cp_type(index);
        match entry {
            CpInfo::Classref(r) => self.class(*r),
            CpInfo::InstanceFieldref { class, token } => {
                format!(
                    "{} {}",
                    self.member(*class, *token, false, MemberKind::Instance),
                    ty
                )
            }
            CpInfo::VirtualMethodref { class, token } => self.method_ref(*class, *token, &ty, ""),
            CpInfo::SuperMethodref { class, token } => {
                self.method_ref(*class, *token, &ty, "super of ")
            }
            CpInfo::StaticFieldref(r) => format!("{} {}", self.static_ref(*r, false), ty),
            CpInfo::StaticMethodref(r) => match r {
                StaticRef::External { .. } => self.static_ref(*r, true),
                StaticRef::Internal { .. } => format!("{}{}", self.static_ref(*r, true), ty),
            },
        }
    }

    fn method_ref(&self, class: ClassRef, token: u8, ty: &str, prefix: &str) -> String {
        match class {
            ClassRef::External { .. } => {
                format!(
                    "{prefix}{}",
                    self.member(class, token, true, MemberKind::Instance)
                )
            }
            ClassRef::Internal(_) => format!("{prefix}{}.method#{token}{ty}", self.class(class)),
        }
    }

    /// `Class.name descriptor` for an external member, `Class.field#t` for an internal one.
    fn member(&self, class: ClassRef, token: u8, method: bool, kind: MemberKind) -> String {
        let class_name = self.class(class);
        if let ClassRef::External {
            package_token,
            class_token,
        } = class
        {
            if let Some(p) = self.package(package_token) {
                let named = if method {
                    p.method(class_token, token, kind)
                        .map(|m| format!("{}{}", m.name, m.descriptor))
                } else {
                    p.field(class_token, token, kind).map(|f| f.name.clone())
                };
                if let Some(n) = named {
                    return format!("{class_name}.{n}");
                }
            }
        }
        let what = if method { "method" } else { "field" };
        format!("{class_name}.{what}#{token}")
    }

    fn static_ref(&self, r: StaticRef, method: bool) -> String {
        match r {
            StaticRef::External {
                package_token,
                class_token,
                token,
            } => self.member(
                ClassRef::External {
                    package_token,
                    class_token,
                },
                token,
                method,
                MemberKind::Static,
            ),
            StaticRef::Internal { offset } if method => self.internal_method(offset),
            StaticRef::Internal { offset } => format!("static@{offset:#06x}"),
        }
    }

    fn internal_method(&self, offset: u16) -> String {
        for class in &self.cap.descriptor.classes {
            if class.methods.iter().any(|m| m.method_offset == offset) {
                return format!("{}.method@{offset:#06x}", self.class(class.this_class_ref));
            }
        }
        format!("method@{offset:#06x}")
    }

    fn cp_comment(&self, index: u16) -> Option<String> {
        let entry = self.cap.constant_pool.get(index)?;
        Some(format!(
            "{} {}",
            entry.kind_name(),
            self.cp_entry(index, entry)
        ))
    }

    fn method(&self, e: &MethodEntry<'_>) -> MethodLine {
        let d = e.descriptor;
        let class = self
            .cap
            .descriptor
            .classes
            .get(e.class_index)
            .map_or_else(|| "?".to_string(), |c| self.class(c.this_class_ref));
        let start = e
            .method
            .as_ref()
            .map_or(0, |m| i64::from(m.bytecode_offset));
        let handlers = e
            .handlers
            .iter()
            .map(|h: &ExceptionHandlerInfo| HandlerLine {
                start: i64::from(h.start_offset) - start,
                end: i64::from(h.end_offset()) - start,
                handler: i64::from(h.handler_offset) - start,
                catch: if h.catch_type_index == 0 {
                    "any".to_string()
                } else {
                    self.cap.constant_pool.get(h.catch_type_index).map_or_else(
                        || format!("cp[{}]", h.catch_type_index),
                        |entry| self.cp_entry(h.catch_type_index, entry),
                    )
                },
            })
            .collect();
        let code = e
            .method
            .as_ref()
            .map(|m| self.code(m.bytecodes))
            .unwrap_or_default();
        MethodLine {
            class,
            token: (d.token != crate::cap::descriptor::NO_TOKEN).then_some(d.token),
            access: crate::cap::dump::flag_names(
                u16::from(d.access_flags),
                crate::cap::dump::METHOD_ACCESS,
            ),
            signature: self.cap.method_type_string(d.type_offset),
            offset: e.method.as_ref().map(|m| m.offset),
            header: e
                .method
                .as_ref()
                .map(|m| (m.header.max_stack, m.header.nargs, m.header.max_locals)),
            handlers,
            code,
        }
    }

    fn code(&self, bytecodes: &[u8]) -> Vec<CodeLine> {
        isa::disassemble(bytecodes)
            .map(|item| match item {
                Ok((pc, insn)) => {
                    let cp = match insn.operands {
                        Operands::Cp(i) => Some(i),
                        Operands::TypeCheck { index, .. } if index != 0 => Some(index),
                        Operands::Interface { index, .. } => Some(index),
                        _ => None,
                    };
                    CodeLine {
                        pc,
                        text: insn.at(pc).to_string().trim_start().to_string(),
                        comment: cp.and_then(|i| self.cp_comment(i)),
                    }
                }
                Err(e) => CodeLine {
                    pc: e.pc,
                    text: format!("<{}>", e.kind),
                    comment: None,
                },
            })
            .collect()
    }
}

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        writeln!(
            out,
            "package {} {} version {}",
            self.package_name.as_deref().unwrap_or("<unnamed>"),
            self.package_aid,
            self.version
        )?;
        writeln!(out, "\ncomponents:")?;
        for c in &self.components {
            writeln!(out, "  {:>2} {:<18} {:>6} bytes", c.tag, c.name, c.size)?;
        }
        writeln!(out, "\nimports:")?;
        for i in &self.imports {
            let name = i.name.as_deref().unwrap_or("<no export data>");
            writeln!(out, "  {}: {} {} {}", i.token, i.aid, i.version, name)?;
        }
        if !self.applets.is_empty() {
            writeln!(out, "\napplets:")?;
            for a in &self.applets {
                writeln!(out, "  {} install @{:#06x}", a.aid, a.install_method)?;
            }
        }
        writeln!(out, "\nconstant pool:")?;
        for c in &self.constant_pool {
            writeln!(out, "  {:>3}: {:<18} {}", c.index, c.kind, c.resolved)?;
        }
        writeln!(out, "\nmethods:")?;
        for m in &self.methods {
            write!(out, "\n  {} ", m.class)?;
            if let Some(t) = m.token {
                write!(out, "token {t} ")?;
            }
            write!(out, "[{}] {}", m.access, m.signature)?;
            match (m.offset, m.header) {
                (Some(off), Some((stack, nargs, locals))) => writeln!(
                    out,
                    " @{off:#06x} max_stack {stack} nargs {nargs} max_locals {locals}"
                )?,
                _ => writeln!(out, " (abstract)")?,
            }
            for h in &m.handlers {
                writeln!(
                    out,
                    "    try {:04x}..{:04x} -> {:04x} catch {}",
                    h.start, h.end, h.handler, h.catch
                )?;
            }
            for line in &m.code {
                match &line.comment {
                    Some(c) => writeln!(out, "    {:<40} // {c}", line.text)?,
                    None => writeln!(out, "    {}", line.text)?,
                }
            }
        }
        writeln!(out, "\nstructure (raw tokens):")?;
        out.push_str(&self.structure);
        f.write_str(&out)
    }
}
