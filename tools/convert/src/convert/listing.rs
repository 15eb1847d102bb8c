//! A readable listing of a converted package, in the spirit of the reference converter's
//! `.jca` output: imports, applets, the constant pool with names, and every class with its
//! tokens, method tables and disassembled methods.

use std::fmt::Write as _;

use jcos_vm::cap::CapFile;
use jcos_vm::isa::{disassemble, Operands};

use super::cp::ConstantPool;
use super::layout::Layout;
use super::tokens::Tokens;
use super::world::World;

/// Writes the listing.
pub fn write(world: &World, tokens: &Tokens, cp: &ConstantPool, layout: &Layout) -> String {
    let cap: &CapFile = &layout.cap;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "// jcos convert listing of package {}",
        world.package.replace('/', ".")
    );
    let _ = writeln!(o, ".package {} {{", world.package);
    let _ = writeln!(o, "\t.aid {};", cap.header.package.aid);
    let _ = writeln!(
        o,
        "\t.version {}.{};",
        cap.header.package.major_version, cap.header.package.minor_version
    );
    let _ = writeln!(
        o,
        "\t.format {}.{};\n",
        cap.header.major_version, cap.header.minor_version
    );
    let _ = writeln!(o, "\t.imports {{");
    let mut imports: Vec<(u8, usize)> =
        layout.import_tokens.iter().map(|(p, t)| (*t, *p)).collect();
    imports.sort();
    for (t, p) in imports {
        if let Some(v) = world.externals.get(p) {
            let _ = writeln!(
                o,
                "\t\t{t}: {} {}\t\t// {}",
                jcos_vm::cap::hex(&v.aid),
                v.version,
                v.name
            );
        }
    }
    let _ = writeln!(o, "\t}}\n");
    if let Some(a) = &cap.applet {
        let _ = writeln!(o, "\t.applet {{");
        for ap in &a.applets {
            let _ = writeln!(
                o,
                "\t\t{} install @{:#06x};",
                ap.aid, ap.install_method_offset
            );
        }
        let _ = writeln!(o, "\t}}\n");
    }
    let _ = writeln!(o, "\t.constantPool {{");
    for (i, (key, entry)) in cp
        .entries()
        .iter()
        .zip(&cap.constant_pool.constant_pool)
        .enumerate()
    {
        let name = cp.info(key).map(|x| x.1.as_str()).unwrap_or("");
        let _ = writeln!(o, "\t\t// {i}\n\t\t{entry};\t\t// {name}");
    }
    let _ = writeln!(o, "\t}}\n");
    for (ci, c) in world.classes.iter().enumerate() {
        let t = tokens.classes.get(ci);
        let kind = if c.is_interface() {
            ".interface"
        } else {
            ".class"
        };
        let token = t
            .and_then(|t| t.class_token)
            .map_or(String::new(), |t| format!(" token {t}"));
        let offset = layout.class_offsets.get(ci).copied().unwrap_or(0);
        let _ = writeln!(
            o,
            "\t{kind} {}{token} @{offset:#06x} {{\t\t// extends {}",
            c.name(),
            c.cf.super_class.as_deref().unwrap_or("-")
        );
        if let Some(t) = t {
            for (name, tok) in &t.instance_fields {
                let _ = writeln!(o, "\t\t.field {name} instance token {tok};");
            }
            for (name, tok) in &t.static_fields {
                let _ = writeln!(o, "\t\t.field {name} static token {tok};");
            }
            for (fi, f) in c.cf.fields.iter().enumerate() {
                if let Some(off) = layout.static_offsets.get(&(ci, fi)) {
                    let _ = writeln!(o, "\t\t.static {} {} @{off:#06x};", f.descriptor, f.name);
                }
            }
            let mut vt: Vec<(u8, String)> = t
                .public_vt
                .iter()
                .map(|(s, tok)| (*tok, format!("{}{}", s.0, s.1)))
                .collect();
            vt.extend(
                t.package_vt
                    .iter()
                    .map(|(s, tok)| (tok | 0x80, format!("{}{}", s.0, s.1))),
            );
            vt.sort();
            for (tok, s) in vt {
                let _ = writeln!(o, "\t\t.virtual {tok} {s};");
            }
            for (k, s) in t.interface_methods.iter().enumerate() {
                let _ = writeln!(o, "\t\t.interfaceMethod {k} {}{};", s.0, s.1);
            }
        }
        for (mi, m) in c.cf.methods.iter().enumerate() {
            let Some(off) = layout.method_offsets.get(&(ci, mi)) else {
                continue;
            };
            let _ = writeln!(o, "\n\t\t.method {}{} @{off:#06x} {{", m.name, m.descriptor);
            let Ok(info) = cap.method_at(*off) else {
                continue;
            };
            let _ = writeln!(o, "\t\t\t// {}", info.header);
            for item in disassemble(info.bytecodes) {
                match item {
                    Ok((pc, insn)) => {
                        let index = match insn.operands {
                            Operands::Cp(i) => Some(i),
                            Operands::Interface { index, .. } => Some(index),
                            Operands::TypeCheck { atype, index } if atype == 0 || atype == 14 => {
                                Some(index)
                            }
                            _ => None,
                        };
                        let note = index
                            .and_then(|i| cp.entries().get(usize::from(i)))
                            .and_then(|k| cp.info(k))
                            .map_or(String::new(), |x| format!("\t\t// {}", x.1));
                        for (n, line) in insn.at(pc).to_string().lines().enumerate() {
                            let _ = writeln!(
                                o,
                                "\t\t\t{line}{}",
                                if n == 0 { note.as_str() } else { "" }
                            );
                        }
                    }
                    Err(e) => {
                        let _ = writeln!(o, "\t\t\t<{e}>");
                    }
                }
            }
            let _ = writeln!(o, "\t\t}}");
        }
        let _ = writeln!(o, "\t}}\n");
    }
    let _ = writeln!(o, "}}");
    o
}
