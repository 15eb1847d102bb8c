//! `jcos convert` (class files to CAP and export file), `jcos api` (the API stubs as Java
//! sources, a compiled jar and the jcos.framework export file) and `jcos build` (the applets
//! under `applets/`, or a check that their committed CAP files reproduce).

use std::path::{Path, PathBuf};

use anyhow::Context;
use jcos_convert::applets;
use jcos_convert::convert::{convert, Options};
use jcos_convert::javac::Javac;

use crate::args::{ApiArgs, BuildArgs, ConvertArgs};
use crate::Outcome;

/// Parses `A0 00 ...`/`A000...` hex.
fn hex(s: &str, what: &str) -> anyhow::Result<Vec<u8>> {
    jcos_apdu::hex::decode(s).map_err(|e| anyhow::anyhow!("{what} {s:?} is not hex: {e}"))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// `jcos convert`.
pub fn convert_cmd(args: &ConvertArgs) -> anyhow::Result<Outcome> {
    let (major, minor) = args
        .version
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)))
        .with_context(|| format!("--version {:?} is not MAJOR.MINOR", args.version))?;
    let mut applets = Vec::new();
    for a in &args.applet {
        let (aid, class) = a
            .split_once(':')
            .with_context(|| format!("--applet {a:?} is not AID:CLASS"))?;
        applets.push((hex(aid, "applet AID")?, class.to_owned()));
    }
    let opts = Options {
        classes: args.classes.clone(),
        package: args.package.clone(),
        aid: hex(&args.aid, "package AID")?,
        version: (major, minor),
        applets,
        export_path: args.exportpath.clone(),
        export_map: args.exportmap.clone(),
        int: args.int,
        debug: args.debug,
    };
    let conv = convert(&opts)?;
    let cap = if args.ijc {
        conv.cap_ijc()?
    } else {
        conv.cap_jar()?
    };
    write(&args.output, &cap)?;
    let exp = args
        .exp
        .clone()
        .unwrap_or_else(|| args.output.with_extension("exp"));
    write(&exp, &conv.export_bytes()?)?;
    if let Some(l) = &args.listing {
        write(l, conv.listing.as_bytes())?;
    }
    println!(
        "{}: package {} v{major}.{minor}, {} bytes ({}), export file {}",
        args.output.display(),
        conv.package.replace('/', "."),
        cap.len(),
        if args.ijc { "raw components" } else { "JAR" },
        exp.display()
    );
    Ok(Outcome::Pass)
}

/// `jcos api`.
pub fn api(args: &ApiArgs) -> anyhow::Result<Outcome> {
    if args.jar.is_none() && args.src.is_none() && args.exp.is_none() {
        anyhow::bail!("nothing to do: give --jar, --src and/or --exp");
    }
    let api = jcos_convert::api::ApiSet::load()?;
    let files = jcos_convert::stubs::generate(&api.tables)?;
    if let Some(src) = &args.src {
        if src.exists() {
            // Regenerating replaces the tree, so removed classes do not linger.
            std::fs::remove_dir_all(src)
                .with_context(|| format!("cannot replace {}", src.display()))?;
        }
        jcos_convert::stubs::write_sources(&files, src)?;
        println!("{}: {} Java source files", src.display(), files.len());
    }
    if let Some(exp) = &args.exp {
        for (rel, bytes) in api.jcos_export_files()? {
            let p = exp.join(rel);
            write(&p, &bytes)?;
            println!("{}", p.display());
        }
    }
    if let Some(jar) = &args.jar {
        let javac = Javac::find()?;
        let bytes = jcos_convert::stubs::jar(&javac, &files)?;
        write(jar, &bytes)?;
        println!(
            "{}: {} bytes, for javac --release 7 -cp",
            jar.display(),
            bytes.len()
        );
    }
    Ok(Outcome::Pass)
}

/// `jcos build`.
pub fn build(args: &BuildArgs) -> anyhow::Result<Outcome> {
    let root = args.dir.clone().unwrap_or_else(|| PathBuf::from("applets"));
    let found = applets::discover(&root)?;
    if found.is_empty() {
        anyhow::bail!("no {} under {}", applets::MANIFEST, root.display());
    }
    let shared = applets::find_shared(args.shared.as_deref(), &root);
    if found.iter().any(applets::AppletDir::needs_shared)
        && !shared.as_ref().is_some_and(|d| d.is_dir())
    {
        anyhow::bail!(
            "{} builds sources from the shared directory, which is absent (give --shared or set {})",
            root.display(),
            applets::SHARED_ENV
        );
    }
    let javac = Javac::find()?;
    let work = tempfile::tempdir().context("temporary directory")?;
    let built = applets::build_all(&javac, &found, work.path(), shared.as_deref())?;
    if args.check {
        let mismatches = applets::check(&built);
        for b in &built {
            if !mismatches.iter().any(|m| m.path.starts_with(&b.applet.dir)) {
                println!(
                    "ok   {} ({} reproduces)",
                    b.applet.name,
                    b.applet.cap_path().display()
                );
            }
        }
        for m in &mismatches {
            println!("FAIL {}: {}", m.path.display(), m.reason);
        }
        return Ok(if mismatches.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        });
    }
    applets::write(&built)?;
    for b in &built {
        println!(
            "{}: {} bytes; {}",
            b.applet.cap_path().display(),
            b.cap.len(),
            b.applet.exp_path().display()
        );
    }
    Ok(Outcome::Pass)
}
