//! `jcos convert`: Java class files of one package to a CAP file, an export file and a
//! listing.
//!
//! The pipeline: load the package's class files and the packages it may import ([`world`]);
//! check the declarations against the Java Card subset ([`subset`]); assign tokens
//! ([`tokens`]); interpret static initializers into the static field image ([`clinit`]);
//! analyse each method's int values ([`analysis`]) and select Java Card instructions
//! ([`lower`]); number the constant pool ([`cp`]); rewrite into compact forms and assemble
//! ([`asm`]); lay out the components ([`layout`], [`debug`]); write the export file
//! ([`exportfile`]) and the listing ([`listing`]). Every step is deterministic.

pub mod analysis;
pub mod asm;
pub mod clinit;
pub mod cp;
pub mod debug;
pub mod error;
pub mod exportfile;
pub mod layout;
pub mod listing;
pub mod lower;
pub mod resolve;
pub mod subset;
pub mod tokens;
pub mod types;
pub mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jcos_vm::cap::{Aid, CapFile};
use jcos_vm::export::{ExportFile, PackageView};

pub use error::{ConvertError, Location};

use asm::{Ins, Resolve};
use cp::{ConstantPool, CpKey};
use layout::MethodBuild;
use resolve::Resolver;
use world::World;

/// What to convert and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Root of the compiled classes (`javac -d`).
    pub classes: PathBuf,
    /// Package name, dotted or with slashes.
    pub package: String,
    /// Package AID.
    pub aid: Vec<u8>,
    /// Package version (major, minor).
    pub version: (u8, u8),
    /// Applets: AID and class name (simple or fully qualified).
    pub applets: Vec<(Vec<u8>, String)>,
    /// Directories searched (recursively) for export files of imported packages.
    pub export_path: Vec<PathBuf>,
    /// A previous export file of this package whose tokens are kept.
    pub export_map: Option<PathBuf>,
    /// Allow the int type.
    pub int: bool,
    /// Emit the Debug component (CAP format 2.2).
    pub debug: bool,
}

/// The result of a conversion.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The CAP file.
    pub cap: CapFile,
    /// The export file.
    pub export: ExportFile,
    /// The listing.
    pub listing: String,
    /// The package name in internal form.
    pub package: String,
}

impl Conversion {
    /// The CAP file in JAR form.
    pub fn cap_jar(&self) -> Result<Vec<u8>, ConvertError> {
        Ok(self.cap.to_jar_bytes(&self.package)?)
    }

    /// The CAP file in raw component form.
    pub fn cap_ijc(&self) -> Result<Vec<u8>, ConvertError> {
        Ok(self.cap.to_ijc_bytes()?)
    }

    /// The export file's bytes.
    pub fn export_bytes(&self) -> Result<Vec<u8>, ConvertError> {
        jcos_vm::export::write(&self.export).map_err(|source| ConvertError::ExportFile {
            path: PathBuf::from("(export file)"),
            source,
        })
    }
}

/// Reads every export file under `dirs` into package views.
pub fn load_export_path(dirs: &[PathBuf]) -> Result<Vec<PackageView>, ConvertError> {
    let mut out = Vec::new();
    for d in dirs {
        let mut files = Vec::new();
        if d.is_file() {
            files.push(d.clone());
        } else {
            crate::javac::collect(d, "exp", &mut files).map_err(|source| ConvertError::Io {
                path: d.clone(),
                source,
            })?;
        }
        files.sort();
        for f in files {
            out.push(read_export(&f)?);
        }
    }
    Ok(out)
}

/// Reads one export file.
pub fn read_export(path: &Path) -> Result<PackageView, ConvertError> {
    let bytes = std::fs::read(path).map_err(|source| ConvertError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let file = jcos_vm::export::parse(&bytes).map_err(|source| ConvertError::ExportFile {
        path: path.to_path_buf(),
        source,
    })?;
    file.package().map_err(|source| ConvertError::ExportFile {
        path: path.to_path_buf(),
        source,
    })
}

struct MethodResolve<'a> {
    cp: &'a ConstantPool,
    locals: Vec<u16>,
}

impl Resolve for MethodResolve<'_> {
    fn cp_index(&self, key: &CpKey) -> Result<u16, String> {
        self.cp
            .index(key)
            .ok_or_else(|| "constant pool entry missing".to_string())
    }

    fn local(&self, slot: u16) -> Result<u8, String> {
        let i = self
            .locals
            .get(usize::from(slot))
            .copied()
            .ok_or_else(|| format!("local variable {slot} beyond max_locals"))?;
        u8::try_from(i).map_err(|_| format!("local variable {slot} is at word {i}, beyond 255"))
    }
}

/// Converts a package.
pub fn convert(opts: &Options) -> Result<Conversion, ConvertError> {
    let package = opts.package.replace('.', "/");
    if package.is_empty() || package.starts_with("java/") || package.starts_with("javacard/") {
        return Err(ConvertError::Options(format!(
            "package {:?} cannot be converted",
            opts.package
        )));
    }
    let aid = Aid::new(&opts.aid).ok_or_else(|| {
        ConvertError::Options(format!(
            "package AID has {} bytes, not 5 to 16",
            opts.aid.len()
        ))
    })?;
    let api = crate::api::ApiSet::load().map_err(|e| ConvertError::Options(e.to_string()))?;
    let mut externals = load_export_path(&opts.export_path)?;
    for v in api.views() {
        if !externals.iter().any(|e| e.name == v.name) {
            externals.push(v);
        }
    }
    externals.retain(|v| v.name != package);
    let world = World::load(&opts.classes, &package, externals)?;
    let previous = match &opts.export_map {
        Some(p) => {
            let v = read_export(p)?;
            if v.name != package || v.aid != opts.aid {
                return Err(ConvertError::Options(format!(
                    "{}: export file of package {} ({}), not of {} ({})",
                    p.display(),
                    v.name.replace('/', "."),
                    jcos_vm::cap::hex(&v.aid),
                    package.replace('/', "."),
                    aid
                )));
            }
            Some(v)
        }
        None => None,
    };
    let mut applets = Vec::new();
    for (a, class) in &opts.applets {
        let aid = Aid::new(a).ok_or_else(|| {
            ConvertError::Options(format!("applet AID has {} bytes, not 5 to 16", a.len()))
        })?;
        let name = if class.contains('.') || class.contains('/') {
            class.replace('.', "/")
        } else {
            format!("{package}/{class}")
        };
        let ci = world.internal_index(&name).ok_or_else(|| {
            ConvertError::Options(format!(
                "applet class {} is not in package {}",
                name.replace('/', "."),
                package.replace('/', ".")
            ))
        })?;
        applets.push((aid, ci));
    }
    subset::check(&world, opts.int)?;
    let tokens = tokens::assign(&world, previous.as_ref())?;
    let resolver = Resolver {
        world: &world,
        tokens: &tokens,
    };
    let mut cp = ConstantPool::default();
    let mut inits = Vec::new();
    let mut lowered = Vec::new();
    for (ci, class) in world.classes.iter().enumerate() {
        inits.push(clinit::interpret(class)?);
        if class.is_interface() {
            continue;
        }
        for (mi, m) in tokens::methods_in_order(&class.cf.methods) {
            if m.name == "<clinit>" {
                continue;
            }
            let l = lower::lower(&world, &resolver, &mut cp, ci, mi, opts.int)?;
            lowered.push((ci, mi, l));
        }
    }
    cp.number().map_err(ConvertError::Limit)?;
    let catch_keys: Vec<CpKey> = lowered
        .iter()
        .flat_map(|(_, _, l)| {
            l.iter()
                .flat_map(|l| l.handlers.iter().filter_map(|h| h.catch))
        })
        .collect();
    cp.avoid_catch_at_zero(&catch_keys)
        .map_err(ConvertError::Limit)?;
    let mut methods = Vec::new();
    let mut uses_int = false;
    for (ci, mi, l) in lowered {
        let class = world
            .class(ci)
            .ok_or_else(|| ConvertError::Limit("class".into()))?;
        let m = class
            .cf
            .methods
            .get(mi)
            .ok_or_else(|| ConvertError::Limit("method".into()))?;
        let at = class.at_method(m, None);
        let Some(l) = l else {
            let nargs = tokens::nargs(m)
                .ok_or_else(|| ConvertError::unsupported(at.clone(), "bad descriptor"))?;
            methods.push(MethodBuild {
                class: ci,
                method: mi,
                max_stack: 0,
                nargs,
                max_locals: 0,
                code: Vec::new(),
                is_abstract: true,
                handlers: Vec::new(),
                cp_refs: Vec::new(),
                lines: Vec::new(),
                variables: Vec::new(),
            });
            continue;
        };
        let this_in_local0 =
            !m.is_static() && !l.items.iter().any(|it| matches!(it.ins, Ins::Store(_, 0)));
        let items = asm::peephole(l.items, this_in_local0);
        let mut locals = Vec::with_capacity(l.slot_words.len());
        let mut total = 0u16;
        for w in &l.slot_words {
            locals.push(total);
            total = total.saturating_add(*w);
        }
        let r = MethodResolve {
            cp: &cp,
            locals: locals.clone(),
        };
        let assembled =
            asm::assemble(&items, &r).map_err(|e| ConvertError::unsupported(at.clone(), e))?;
        uses_int |= assembled.uses_int;
        let handler_labels: Vec<asm::Label> = l.handlers.iter().map(|h| h.handler).collect();
        let max_stack = asm::max_stack(&items, &handler_labels)
            .map_err(|e| ConvertError::unsupported(at.clone(), e))?;
        let label = |x: asm::Label| assembled.labels.get(&x).copied();
        let mut handlers = Vec::new();
        for h in &l.handlers {
            let (Some(s), Some(e), Some(hp)) = (label(h.start), label(h.end), label(h.handler))
            else {
                continue;
            };
            if s >= e {
                continue;
            }
            let catch = match &h.catch {
                Some(k) => cp
                    .index(k)
                    .ok_or_else(|| ConvertError::Limit("catch class".into()))?,
                None => 0,
            };
            handlers.push((s, e, hp, catch));
        }
        let mut lines: BTreeMap<usize, u16> = BTreeMap::new();
        for (lab, line) in &l.lines {
            if let Some(pc) = label(*lab) {
                lines.entry(pc).or_insert(*line);
            }
        }
        let mut variables = Vec::new();
        if let Some(code) = &m.code {
            let insns = crate::jvm::decode(&code.code).unwrap_or_default();
            let label_of_pc =
                |pc: usize| insns.iter().position(|x| x.pc == pc).unwrap_or(insns.len());
            for v in &code.local_variables {
                let start = label(label_of_pc(usize::from(v.start_pc)));
                let end = label(label_of_pc(
                    usize::from(v.start_pc).saturating_add(usize::from(v.length)),
                ));
                let index = locals
                    .get(usize::from(v.index))
                    .and_then(|i| u8::try_from(*i).ok());
                if let (Some(s), Some(e), Some(index)) = (start, end, index) {
                    variables.push((
                        index,
                        v.name.clone(),
                        v.descriptor.clone(),
                        s,
                        e.saturating_sub(s),
                    ));
                }
            }
        }
        let nargs = l.nargs;
        methods.push(MethodBuild {
            class: ci,
            method: mi,
            max_stack,
            nargs,
            max_locals: total.saturating_sub(nargs),
            code: assembled.code,
            is_abstract: false,
            handlers,
            cp_refs: assembled.cp_refs,
            lines: lines.into_iter().collect(),
            variables,
        });
    }
    let layout = layout::build(layout::Inputs {
        world: &world,
        tokens: &tokens,
        cp: &cp,
        methods,
        inits,
        aid: aid.clone(),
        version: opts.version,
        applets: applets.clone(),
        debug: opts.debug,
        uses_int,
    })?;
    let view = exportfile::own_view(&world, &tokens, &opts.aid, opts.version, applets.is_empty());
    let lookup = |name: &str| {
        world
            .externals
            .iter()
            .find(|v| v.name == name)
            .map(exportfile::package_ref)
    };
    let refs = exportfile::referenced_packages(&view, &lookup);
    let export = exportfile::write(&view, &refs);
    let listing = listing::write(&world, &tokens, &cp, &layout);
    Ok(Conversion {
        cap: layout.cap,
        export,
        listing,
        package,
    })
}
