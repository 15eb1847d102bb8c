//! Every golden fixture compiled with javac against the generated stubs and converted by
//! jcos: the CAP parses, loads and links in the VM, passes the fixture's session exactly as
//! the reference converter's CAP does, and matches the reference CAP where the
//! specification fixes the result (imports, applets, exported tokens).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::Fixture;
use jcos_convert::convert::{convert, Conversion, Options};
use jcos_convert::javac::{java_sources, Javac};
use jcos_vm::cap::CapFile;
use jcos_vm::Vm;

/// Compiles and converts fixture `f` into `work/<name>`; `deps` are (classes dir, export
/// file dir) of fixtures it imports.
fn build(
    javac: &Javac,
    f: &Fixture,
    work: &Path,
    deps: &[(PathBuf, PathBuf)],
) -> (PathBuf, Conversion) {
    let classes = work.join(&f.name).join("classes");
    std::fs::create_dir_all(&classes).expect("mkdir");
    let sources = java_sources(&f.dir.join("src")).expect("sources");
    let mut cp = vec![common::stub_classes(javac)];
    cp.extend(deps.iter().map(|d| d.0.clone()));
    javac
        .compile(&sources, &cp, &classes)
        .unwrap_or_else(|e| panic!("{}: {e}", f.name));
    let opts = Options {
        classes: classes.clone(),
        package: f.package.clone(),
        aid: f.aid.clone(),
        version: f.version,
        applets: f.applets.clone(),
        export_path: deps.iter().map(|d| d.1.clone()).collect(),
        export_map: None,
        int: false,
        debug: false,
    };
    let conv = convert(&opts).unwrap_or_else(|e| panic!("{}: {e}", f.name));
    let exp_dir = work.join(&f.name).join("exp");
    std::fs::create_dir_all(&exp_dir).expect("mkdir");
    std::fs::write(
        exp_dir.join(format!("{}.exp", f.name)),
        conv.export_bytes().expect("export"),
    )
    .expect("write exp");
    std::fs::write(work.join(&f.name).join("listing.jca"), &conv.listing).expect("write listing");
    (classes, conv)
}

/// Every fixture, converted: the work directory and, by name, the fixture and its conversion.
struct Built {
    _work: tempfile::TempDir,
    fixtures: BTreeMap<String, (Fixture, Conversion)>,
    classes: BTreeMap<String, PathBuf>,
}

/// The fixtures converted once per test binary; `None` when javac or the fixtures are absent.
fn built() -> Option<&'static Built> {
    static BUILT: std::sync::OnceLock<Option<Built>> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_all).as_ref()
}

/// Converts every fixture (dependencies first).
fn build_all() -> Option<Built> {
    let javac = common::javac("golden")?;
    let Some(dir) = common::golden_dir() else {
        println!("skipped golden: ../shared/fixtures not present");
        return None;
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("fixture.env").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let work = tempfile::tempdir().expect("tempdir");
    let mut built: BTreeMap<String, (Fixture, Conversion, PathBuf)> = BTreeMap::new();
    while built.len() < names.len() {
        let before = built.len();
        for n in &names {
            if built.contains_key(n) {
                continue;
            }
            let f = common::fixture(n).expect("fixture.env");
            if !f.deps.iter().all(|d| built.contains_key(d)) {
                continue;
            }
            let deps: Vec<(PathBuf, PathBuf)> = f
                .deps
                .iter()
                .map(|d| (built[d].2.clone(), work.path().join(d).join("exp")))
                .collect();
            let (classes, conv) = build(&javac, &f, work.path(), &deps);
            built.insert(n.clone(), (f, conv, classes));
        }
        assert!(built.len() > before, "fixture dependencies form a cycle");
    }
    let classes = built
        .iter()
        .map(|(k, v)| (k.clone(), v.2.clone()))
        .collect();
    Some(Built {
        _work: work,
        fixtures: built
            .into_iter()
            .map(|(k, (f, c, _))| (k, (f, c)))
            .collect(),
        classes,
    })
}

fn reference_cap_path(f: &Fixture) -> PathBuf {
    std::fs::read_dir(&f.dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "cap"))
        .expect("reference CAP")
}

fn reference_cap(f: &Fixture) -> CapFile {
    CapFile::from_bytes(&std::fs::read(reference_cap_path(f)).expect("read"))
        .expect("reference CAP parses")
}

#[test]
fn every_fixture_converts_loads_and_passes_its_session() {
    let Some(built) = built() else {
        return;
    };
    let built = &built.fixtures;
    let caps: BTreeMap<String, Vec<u8>> = built
        .iter()
        .map(|(k, (_, c))| (k.clone(), c.cap_jar().expect("jar")))
        .collect();
    let mut sessions = 0;
    for (name, (f, conv)) in built {
        // (a) the JAR parses back to the same components
        let parsed = CapFile::from_bytes(caps.get(name).expect("cap")).expect("our CAP parses");
        assert_eq!(parsed.header, conv.cap.header, "{name}");
        // (b) the VM loads and links it (with its dependencies)
        let mut vm = Vm::new().expect("VM");
        for d in &f.deps {
            vm.load_bytes(&caps[d])
                .unwrap_or_else(|e| panic!("{name}: dependency {d}: {e}"));
        }
        vm.load_bytes(&caps[name])
            .unwrap_or_else(|e| panic!("{name}: load: {e}"));
        // (c) the session: every response the reference converter's CAP gets right, ours
        // gets right too. (Where this VM cannot run the reference CAP either, as for the
        // MANAGE CHANNEL commands a bare VM has no card runtime for, both fail alike.)
        let Ok(session) = std::fs::read_to_string(f.dir.join("session")) else {
            continue;
        };
        let expected = session
            .lines()
            .filter(|l| l.trim_start().starts_with("<<"))
            .count();
        let mut vm = Vm::new().expect("VM");
        let (compared, ours) = common::session::run_session(&mut vm, &session, &|fx| {
            caps.get(fx)
                .cloned()
                .unwrap_or_else(|| panic!("no CAP for {fx}"))
        });
        let mut vm = Vm::new().expect("VM");
        let (_, reference) = common::session::run_session(&mut vm, &session, &|fx| {
            let f = common::fixture(fx).expect("fixture");
            std::fs::read(reference_cap_path(&f)).expect("reference CAP")
        });
        assert_eq!(
            ours, reference,
            "{name}: our CAP's mismatches differ from the reference CAP's"
        );
        if reference.is_empty() {
            assert_eq!(compared, expected, "{name}: every response compared");
        }
        println!(
            "{name}: {compared}/{expected} responses compared, {} mismatching for both CAPs",
            ours.len()
        );
        sessions += 1;
    }
    assert!(sessions >= 4, "{sessions} sessions ran");
}

/// Packages a CAP file imports, by AID and version, in token order.
fn imports(c: &CapFile) -> Vec<String> {
    c.import.packages.iter().map(|p| p.to_string()).collect()
}

/// (token, access) of the methods and (token, access, type) of the fields of each public
/// class, by class token.
type Members = (u8, Vec<(u8, u8)>, Vec<(u8, u8, u16)>);

fn public_members(c: &CapFile) -> BTreeMap<u8, Members> {
    let mut out = BTreeMap::new();
    for d in c.descriptor.classes.iter().filter(|d| d.token != 0xFF) {
        let mut methods: Vec<(u8, u8)> = d
            .methods
            .iter()
            .map(|m| (m.token, m.access_flags))
            .collect();
        methods.sort();
        let mut fields: Vec<(u8, u8, u16)> = d
            .fields
            .iter()
            .map(|f| {
                (
                    f.token,
                    f.access_flags,
                    if f.type_ & 0x8000 != 0 { f.type_ } else { 0 },
                )
            })
            .collect();
        fields.sort();
        out.insert(d.token, (d.access_flags, methods, fields));
    }
    out
}

/// Each method as its header and instruction mnemonics with non-index operands, sorted: the
/// code two converters choose, whatever order they number constant pools in.
fn method_shapes(c: &CapFile) -> Vec<String> {
    use jcos_vm::isa::{disassemble, Operands};
    let mut out = Vec::new();
    for m in c.methods().expect("methods") {
        let Some(info) = m.method else { continue };
        let mut s = format!("{} |", info.header);
        for insn in disassemble(info.bytecodes) {
            let (_, insn) = insn.expect("decodes");
            s.push(' ');
            s.push_str(insn.opcode.mnemonic());
            match insn.operands {
                Operands::Push(v) => s.push_str(&format!(" {v}")),
                Operands::Local(v) => s.push_str(&format!(" {v}")),
                Operands::Inc { index, delta } => s.push_str(&format!(" {index} {delta}")),
                Operands::Branch(o) => s.push_str(&format!(" {o}")),
                _ => {}
            }
        }
        out.push(s);
    }
    out.sort();
    out
}

#[test]
fn converted_caps_match_the_reference_where_the_specification_fixes_them() {
    let Some(built) = built() else { return };
    println!("fixture      component sizes ours/reference (Class Method StaticField Descriptor ConstantPool)");
    for (name, (f, conv)) in &built.fixtures {
        let ours = &conv.cap;
        let theirs = reference_cap(f);
        assert_eq!(
            ours.header.flags, theirs.header.flags,
            "{name}: header flags"
        );
        assert_eq!(
            ours.header.package, theirs.header.package,
            "{name}: package AID and version"
        );
        assert_eq!(
            (ours.header.major_version, ours.header.minor_version),
            (2, 1),
            "{name}: CAP format"
        );
        let (mut a, mut b) = (imports(ours), imports(&theirs));
        a.sort();
        b.sort();
        assert_eq!(a, b, "{name}: imported packages");
        let aids = |c: &CapFile| {
            c.applet.as_ref().map(|a| {
                a.applets
                    .iter()
                    .map(|x| x.aid.to_string())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(aids(ours), aids(&theirs), "{name}: applets");
        assert_eq!(
            ours.export.is_some(),
            theirs.export.is_some(),
            "{name}: Export component"
        );
        assert_eq!(
            ours.export.as_ref().map(|e| e.class_exports.len()),
            theirs.export.as_ref().map(|e| e.class_exports.len()),
            "{name}: exported classes"
        );
        assert_eq!(
            ours.class.interfaces.len(),
            theirs.class.interfaces.len(),
            "{name}: interfaces"
        );
        assert_eq!(
            ours.class.classes.len(),
            theirs.class.classes.len(),
            "{name}: classes"
        );
        assert_eq!(
            public_members(ours),
            public_members(&theirs),
            "{name}: tokens and flags of public classes"
        );
        assert_eq!(
            ours.static_field.image_size, theirs.static_field.image_size,
            "{name}: static image size"
        );
        assert_eq!(
            ours.static_field.reference_count, theirs.static_field.reference_count,
            "{name}: static references"
        );
        assert_eq!(
            ours.static_field.array_init, theirs.static_field.array_init,
            "{name}: array initialisers"
        );
        assert_eq!(
            ours.static_field.non_default_values, theirs.static_field.non_default_values,
            "{name}: static values"
        );
        let mut ours_handlers: Vec<u16> = ours
            .method
            .exception_handlers
            .iter()
            .map(|h| h.active_length)
            .collect();
        let mut their_handlers: Vec<u16> = theirs
            .method
            .exception_handlers
            .iter()
            .map(|h| h.active_length)
            .collect();
        ours_handlers.sort();
        their_handlers.sort();
        assert_eq!(
            ours.method.exception_handlers.len(),
            theirs.method.exception_handlers.len(),
            "{name}: exception handlers"
        );
        let (a, b) = (method_shapes(ours), method_shapes(&theirs));
        let mut unmatched: Vec<&String> = b.iter().collect();
        let mut extra = Vec::new();
        for x in &a {
            match unmatched.iter().position(|y| *y == x) {
                Some(p) => {
                    unmatched.remove(p);
                }
                None => extra.push(x),
            }
        }
        println!(
            "{name}: {} of {} methods have the reference's header and instruction sequence",
            b.len() - unmatched.len(),
            b.len()
        );
        for (x, y) in extra.iter().zip(&unmatched) {
            println!("  ours      {x}\n  reference {y}");
        }
        let size = |c: &CapFile, t| c.info_bytes(t).map(|b| b.len()).unwrap_or(0);
        use jcos_vm::cap::ComponentTag as T;
        let tags = [
            T::CLASS,
            T::METHOD,
            T::STATIC_FIELD,
            T::DESCRIPTOR,
            T::CONSTANT_POOL,
        ];
        let sizes: Vec<String> = tags
            .iter()
            .map(|t| format!("{}/{}", size(ours, *t), size(&theirs, *t)))
            .collect();
        println!(
            "{name:12} {}   handler lengths ours {ours_handlers:?} reference {their_handlers:?}",
            sizes.join(" ")
        );
    }
}

#[test]
fn the_server_export_file_is_the_reference_converters() {
    let Some(built) = built() else { return };
    let (f, conv) = &built.fixtures["sio-server"];
    let reference = std::fs::read(f.dir.join("server.exp")).expect("server.exp");
    assert_eq!(
        conv.export_bytes().expect("export"),
        reference,
        "byte for byte"
    );
    for (name, (f, conv)) in &built.fixtures {
        let path = std::fs::read_dir(&f.dir)
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "exp"))
            .expect("reference export file");
        assert_eq!(
            conv.export_bytes().expect("export"),
            std::fs::read(path).expect("read"),
            "{name}.exp"
        );
    }
}

#[test]
fn converted_caps_pass_the_verifier() {
    let Some(built) = built() else { return };
    for (name, (f, conv)) in &built.fixtures {
        let mut imports = jcos_vm::verify::ImportSet::builtin().expect("API tables");
        for d in &f.deps {
            imports.add(built.fixtures[d].1.export.package().expect("export view"));
        }
        let report =
            jcos_vm::verify::verify(&conv.cap, &imports).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(report.methods > 0, "{name}");
        println!(
            "{name}: verified {} classes, {} methods, {} instructions",
            report.classes, report.methods, report.instructions
        );
    }
}

#[test]
fn the_debug_component_describes_the_code_and_the_session_still_passes() {
    let Some(built) = built() else { return };
    let (f, plain) = &built.fixtures["ops"];
    let opts = Options {
        classes: built.classes["ops"].clone(),
        package: f.package.clone(),
        aid: f.aid.clone(),
        version: f.version,
        applets: f.applets.clone(),
        export_path: Vec::new(),
        export_map: None,
        int: false,
        debug: true,
    };
    let conv = convert(&opts).expect("converts with --debug");
    let cap = &conv.cap;
    assert_eq!((cap.header.major_version, cap.header.minor_version), (2, 2));
    assert_eq!(cap.header.package_name.as_deref(), Some(&b"golden/ops"[..]));
    let debug = cap.debug.as_ref().expect("Debug component");
    assert_eq!(
        debug.string(debug.package_name_index).as_deref(),
        Some("golden/ops")
    );
    assert_eq!(debug.classes.len(), 7);
    // Apart from the format, the code is the same as without debug information.
    assert_eq!(cap.method, plain.cap.method);
    let ops = debug
        .classes
        .iter()
        .find(|c| debug.string(c.name_index).as_deref() == Some("golden/ops/Ops"))
        .expect("Ops");
    assert_eq!(
        debug.string(ops.source_file_index).as_deref(),
        Some("Ops.java")
    );
    let arith = ops
        .methods
        .iter()
        .find(|m| debug.string(m.name_index).as_deref() == Some("arith"))
        .expect("arith");
    // `short n = apdu.setIncomingAndReceive();` is line 56 of Ops.java, the method's first.
    assert_eq!(
        arith
            .line_table
            .first()
            .map(|l| (l.start_pc, l.source_line)),
        Some((0, 56))
    );
    let names: Vec<String> = arith
        .variable_table
        .iter()
        .filter_map(|v| debug.string(v.name_index))
        .collect();
    for n in ["this", "apdu", "buf", "n", "a", "b", "o"] {
        assert!(names.iter().any(|x| x == n), "variable {n} in {names:?}");
    }
    let session = std::fs::read_to_string(f.dir.join("session")).expect("session");
    let jar = conv.cap_jar().expect("jar");
    let mut vm = Vm::new().expect("VM");
    let (_, failures) = common::session::run_session(&mut vm, &session, &|_| jar.clone());
    assert!(failures.is_empty(), "{failures:?}");
}
