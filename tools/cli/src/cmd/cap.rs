//! `jcos cap verify` (the off-card verifier on a CAP file) and `jcos cap dump` (a readable
//! listing of every component).

use crate::args::{CapDumpArgs, CapVerifyArgs};
use crate::Outcome;
use anyhow::Context;
use jcos_vm::cap::CapFile;
use jcos_vm::export;
use jcos_vm::listing::Listing;
use jcos_vm::verify::{self, ImportSet, VerifyError};
use serde::Serialize;
use std::path::Path;

/// The built-in packages plus every export file found in `dirs`.
fn imports(dirs: &[impl AsRef<Path>]) -> anyhow::Result<ImportSet> {
    let mut set = ImportSet::builtin().map_err(|e| anyhow::anyhow!("{e}"))?;
    for dir in dirs {
        let dir = dir.as_ref();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read export directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "exp") && p.is_file())
            .collect();
        files.sort();
        for f in files {
            let bytes =
                std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?;
            let view = export::parse(&bytes)
                .and_then(|e| e.package())
                .with_context(|| format!("malformed export file {}", f.display()))?;
            set.add(view);
        }
    }
    Ok(set)
}

#[derive(Serialize)]
struct Report {
    file: String,
    ok: bool,
    package: Option<String>,
    aid: String,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    methods: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

#[derive(Serialize)]
struct ErrorReport {
    component: String,
    offset: Option<usize>,
    class: Option<String>,
    method: Option<String>,
    pc: Option<u16>,
    message: String,
}

impl From<&VerifyError> for ErrorReport {
    fn from(e: &VerifyError) -> Self {
        let i = e.info();
        ErrorReport {
            component: i.component.to_string(),
            offset: i.offset,
            class: i.class.clone(),
            method: i.method.clone(),
            pc: i.pc,
            message: i.kind.to_string(),
        }
    }
}

fn read_cap(path: &Path) -> anyhow::Result<CapFile> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read CAP file {}", path.display()))?;
    CapFile::from_bytes(&bytes).with_context(|| format!("malformed CAP file {}", path.display()))
}

/// Prints the listing of one CAP file.
pub fn dump(args: &CapDumpArgs) -> anyhow::Result<Outcome> {
    let cap = read_cap(&args.file)?;
    let listing = Listing::build(&cap, &imports(&args.exp)?);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listing)?);
    } else {
        print!("{listing}");
    }
    Ok(Outcome::Pass)
}

/// Verifies one CAP file: exit 0 when it verifies, 1 when it is rejected.
pub fn verify(args: &CapVerifyArgs) -> anyhow::Result<Outcome> {
    let cap = read_cap(&args.file)?;
    let imports = imports(&args.exp)?;
    let result = verify::verify(&cap, &imports);
    let package = cap.package_name();
    let aid = cap.package_aid().to_string();
    let version = format!(
        "{}.{}",
        cap.header.package.major_version, cap.header.package.minor_version
    );
    let name = package.clone().unwrap_or_else(|| "<unnamed>".into());
    let mut report = Report {
        file: args.file.display().to_string(),
        ok: result.is_ok(),
        package,
        aid,
        version,
        classes: None,
        methods: None,
        instructions: None,
        error: None,
    };
    match &result {
        Ok(r) => {
            report.classes = Some(r.classes);
            report.methods = Some(r.methods);
            report.instructions = Some(r.instructions);
        }
        Err(e) => report.error = Some(e.into()),
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        match &result {
            Ok(r) => println!(
                "OK: {name} {} {}: {} classes, {} methods verified",
                report.aid, report.version, r.classes, r.methods
            ),
            Err(e) => println!("FAILED: {name} {} {}: {e}", report.aid, report.version),
        }
    }
    Ok(if result.is_ok() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}
