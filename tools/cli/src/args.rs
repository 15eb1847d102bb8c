//! The command line, as data. Each flag documents itself; `--help` is generated from this.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// jcos: a Java Card smart card emulator.
///
/// Cards live in image files, so separate jcos runs share one card. Exit codes: 0 success,
/// 1 a check failed (conformance case, script assertion), 2 bad usage or bad input.
#[derive(Debug, Parser)]
#[command(name = "jcos", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of jcos.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and inspect card images.
    #[command(subcommand)]
    Card(CardCommand),
    /// Inspect the ISO 7816-4 file system of a card image.
    #[command(subcommand)]
    Fs(FsCommand),
    /// Send command APDUs (hex) to a card (image, --tcp or --reader) and print the responses.
    Send(SendArgs),
    /// Run one script (apdutool `.scr`, jcos `.rhai`, or a fixture `session`) against a card.
    Run(RunArgs),
    /// Run conformance suites.
    #[command(subcommand)]
    Conformance(ConformanceCommand),
    /// Interactive APDU shell on a card image, with history and line editing.
    Shell(ShellArgs),
    /// Measure and print performance figures (nothing is asserted).
    Bench(BenchArgs),
    /// Serve card images to PC/SC programs (through vpcd in pcscd) and over loopback TCP.
    Serve(ServeArgs),
    /// Check CAP files.
    #[command(subcommand)]
    Cap(CapCommand),
    /// Convert the class files of one package to a CAP file, its export file and a listing
    /// (the Java Card converter): subset check, tokens, compact bytecode, every component.
    #[command(disable_version_flag = true)]
    Convert(ConvertArgs),
    /// Write the API stubs applets compile against: Java sources, a compiled jar for
    /// `javac -cp`, and the jcos.framework export file.
    Api(ApiArgs),
    /// Compile and convert the applets under a directory (default `applets/`), each with an
    /// `applet.toml`; `--check` verifies the committed CAP and export files reproduce.
    Build(BuildArgs),
    /// Load CAP files onto a card image and install applet instances: the direct, privileged
    /// path, which bypasses the issuer security domain (no secure channel, no GlobalPlatform
    /// checks; `jcos gp` goes through it). The image changes only if all succeed.
    Load(LoadArgs),
    /// Manage the card's content through its issuer security domain, as a GlobalPlatform
    /// host: secure channel (SCP02, SCP03), GET STATUS, LOAD/INSTALL, DELETE, PUT KEY, SET STATUS.
    #[command(subcommand)]
    Gp(crate::cmd::gp::GpCommand),
}

/// `jcos cap ...`
#[derive(Debug, Subcommand)]
pub enum CapCommand {
    /// Verify a CAP file as the card does before loading it: structure, references against
    /// the imported packages' export data, and every method's bytecode. Exit 0 when it
    /// verifies, 1 when it is rejected, 2 when a file cannot be read or parsed.
    Verify(CapVerifyArgs),
    /// Print every component of a CAP file readably: imports and constant pool with names
    /// resolved from export data, classes and method tables, and each method's bytecode
    /// disassembled with offsets, operands and exception handlers.
    Dump(CapDumpArgs),
}

/// `jcos cap dump`
#[derive(Debug, Args)]
pub struct CapDumpArgs {
    /// The CAP file, in JAR form or raw concatenated-component form.
    pub file: PathBuf,
    /// A directory whose `*.exp` files name imported user packages (matched by AID);
    /// repeatable.
    #[arg(long = "exp", value_name = "DIR")]
    pub exp: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `jcos cap verify`
#[derive(Debug, Args)]
pub struct CapVerifyArgs {
    /// The CAP file, in JAR form or raw concatenated-component form.
    pub file: PathBuf,
    /// A directory whose `*.exp` files describe imported user packages (matched by AID);
    /// repeatable. The built-in Java Card 3.0.5 and GlobalPlatform 1.6 packages need none.
    #[arg(long = "exp", value_name = "DIR")]
    pub exp: Vec<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `jcos card ...`
#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Create a new card image.
    New(CardNewArgs),
    /// Show what a card image holds.
    Info(CardInfoArgs),
}

/// Transmission protocol of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    /// T=0: character protocol, responses fetched with GET RESPONSE (61xx, 6Cxx).
    T0,
    /// T=1: block protocol (default).
    T1,
}

/// `jcos card new`
#[derive(Debug, Args)]
pub struct CardNewArgs {
    /// The image file to create; an existing file is refused.
    pub image: PathBuf,
    /// The transmission protocol the card announces in its ATR and uses.
    #[arg(long, value_enum, default_value = "t1")]
    pub protocol: ProtocolArg,
    /// Personalise the card with the file system a card profile describes (TOML: files,
    /// contents, access conditions, PINs and keys; see docs/filesystem.md).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Create the bare card operating system, without the issuer security domain (which a
    /// new card otherwise has: A000000151000000, default selected, card SECURED). A card
    /// with a `--profile` is always bare, so that its MF stays the default target.
    #[arg(long)]
    pub bare: bool,
}

/// `jcos fs ...`
#[derive(Debug, Subcommand)]
pub enum FsCommand {
    /// Print the file tree of a card image: each file with its identifiers, structure, life
    /// cycle state and access conditions; working EF contents (cut after 32 bytes); internal
    /// EFs (PINs, keys) show what they are, never what they hold.
    Tree(FsTreeArgs),
}

/// `jcos fs tree`
#[derive(Debug, Args)]
pub struct FsTreeArgs {
    /// The card image.
    pub image: PathBuf,
}

/// `jcos card info`
#[derive(Debug, Args)]
pub struct CardInfoArgs {
    /// The card image.
    pub image: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A card reached through a transport instead of an image file: shared by the commands that
/// talk to one card (`send`, `run`, and later `gp`).
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteCardArgs {
    /// Talk to the card that `jcos serve --tcp` serves at HOST:PORT instead of an image.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "reader")]
    pub tcp: Option<String>,
    /// Talk to the card in this PC/SC reader (its full name, or a part matching one reader
    /// only) instead of an image. Needs a jcos built with the `pcsc` feature.
    #[arg(long, value_name = "NAME")]
    pub reader: Option<String>,
}

/// `jcos send`
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The card image, updated after the exchange; left out with --tcp or --reader.
    #[arg(value_name = "IMAGE")]
    pub image: Option<PathBuf>,
    /// Command APDUs in hex, one per argument (spaces inside an argument are allowed).
    #[arg(value_name = "APDU")]
    pub apdus: Vec<String>,
    /// Where the card is when it is not an image.
    #[command(flatten)]
    pub remote: RemoteCardArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Durability and tearing on the card image.
    #[command(flatten)]
    pub image_options: ImageOptions,
}

/// `jcos run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The script file: `*.scr` (apdutool), `*.rhai` (jcos script), `session`/`*.session`.
    pub script: PathBuf,
    /// Run against this card image (updated afterwards) instead of a fresh in-memory card.
    #[arg(long, conflicts_with_all = ["tcp", "reader"])]
    pub card: Option<PathBuf>,
    /// Where the card is when it is neither an image nor a fresh in-memory card.
    #[command(flatten)]
    pub remote: RemoteCardArgs,
    /// Protocol of the fresh in-memory card (ignored with --card).
    #[arg(long, value_enum, default_value = "t1")]
    pub protocol: ProtocolArg,
    /// Durability and tearing on the card.
    #[command(flatten)]
    pub image_options: ImageOptions,
}

/// How `send` and `run` treat a card in this process: every command's persistent effects
/// are in the card image (its journal) before the response is returned, so a killed jcos
/// loses nothing it answered.
#[derive(Debug, Args)]
pub struct ImageOptions {
    /// Also sync each command's effects to the storage device before its response
    /// (fdatasync of the image journal), so they survive an operating system crash or power
    /// cut, not only a killed jcos (costs the device's sync latency per changing command).
    #[arg(long)]
    pub fsync: bool,
    /// Cut the card's power during a persistent write (a tear): N writes complete, the next
    /// does not happen, the command gets no answer and later ones are not sent; the image
    /// keeps what the card's memory held, and the next power-up rolls back an interrupted
    /// transaction (JCRE 3.0.5 §7.6). Counts the VM's writes from the start of the command
    /// line (and a file system's writes on a card with one).
    #[arg(long, value_name = "N")]
    pub tear_after: Option<u64>,
}

/// `jcos conformance ...`
#[derive(Debug, Subcommand)]
pub enum ConformanceCommand {
    /// Run suites: each PATH is a suite directory, a directory of suites, or one case file.
    Run(ConformanceRunArgs),
}

/// `jcos conformance run`
#[derive(Debug, Args)]
pub struct ConformanceRunArgs {
    /// Suites, directories of suites, or case files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the JSON summary on standard output instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Cases run at once (default: the number of cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Where the shared golden fixtures are (default: $JCOS_SHARED, else a `shared/` directory
    /// beside the repository).
    #[arg(long, value_name = "DIR")]
    pub shared: Option<PathBuf>,
}

/// `jcos shell`
#[derive(Debug, Args)]
pub struct ShellArgs {
    /// The card image; saved after every command.
    pub image: PathBuf,
}

/// `jcos bench`
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which benchmark; all of them when omitted.
    #[arg(value_enum)]
    pub which: Option<BenchKind>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The benchmarks `jcos bench` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchKind {
    /// In-process APDUs per second on a bare card.
    Apdu,
    /// APDUs per second on a durable card image, for a trivial applet command that writes
    /// (each command journaled before its answer), with and without --fsync.
    Durable,
    /// Cold start of `jcos send` on a new image: time to first response and peak memory.
    ColdStart,
    /// APDUs per second through pcscd + vpcd from a Python PC/SC (pyscard) client.
    Pcsc,
    /// APDUs per second over the loopback TCP protocol of `jcos serve --tcp`.
    Tcp,
    /// Java Card bytecodes per second through the interpreter's dispatch loop.
    Vm,
    /// In-process APDUs per second through a golden applet on an in-memory card.
    Applet,
    /// Cold start of `jcos send` on an image with a golden applet installed.
    ColdStartApplet,
    /// The crypto API as an applet sees it: AES-128 CBC and SHA-256 MB/s, RSA-2048 sign and
    /// verify, ECDSA P-256 sign per second.
    Crypto,
}

/// `jcos serve`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("endpoint").required(true).multiple(true).args(["vpcd", "tcp"])))]
pub struct ServeArgs {
    /// Card images to serve; every APDU's changes are in the image before its answer leaves.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
    /// Connect the cards to vsmartcard's vpcd driver inside pcscd at HOST:PORT (Debian's
    /// configuration listens on 35963 and 35964); the Nth card uses PORT+N.
    #[arg(long, value_name = "HOST:PORT")]
    pub vpcd: Option<String>,
    /// Serve the cards over TCP on this loopback HOST:PORT, the Nth card on PORT+N (port 0:
    /// free ports, printed at start).
    #[arg(long, value_name = "HOST:PORT")]
    pub tcp: Option<String>,
    /// Log every APDU and response, with the card's processing time, to standard error.
    #[arg(long)]
    pub trace: bool,
    /// Also sync each APDU's changes to the storage device, so they survive an operating
    /// system crash or power cut and not only a killed jcos (costs the device's sync latency
    /// on every APDU that changes the card).
    #[arg(long)]
    pub sync: bool,
}

/// `jcos convert`
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Root directory of the compiled classes (what `javac -d` wrote).
    #[arg(long, value_name = "DIR")]
    pub classes: PathBuf,
    /// The package to convert, dotted (`com.example.wallet`).
    #[arg(long)]
    pub package: String,
    /// The package AID, hex.
    #[arg(long)]
    pub aid: String,
    /// The package version, `MAJOR.MINOR`.
    #[arg(long, value_name = "MAJOR.MINOR")]
    pub version: String,
    /// An applet: its AID (hex) and class (simple or qualified name); repeatable.
    #[arg(long, value_name = "AID:CLASS")]
    pub applet: Vec<String>,
    /// A directory searched (recursively) for the export files of imported packages;
    /// repeatable. The Java Card, GlobalPlatform and jcos APIs are built in.
    #[arg(long, value_name = "DIR")]
    pub exportpath: Vec<PathBuf>,
    /// A previous export file of this package: its tokens are kept (binary compatibility).
    #[arg(long, value_name = "FILE")]
    pub exportmap: Option<PathBuf>,
    /// Allow the int type (the CAP file then needs a card with int support).
    #[arg(long)]
    pub int: bool,
    /// Add the Debug component (CAP format 2.2): source lines and local variables.
    #[arg(long)]
    pub debug: bool,
    /// The CAP file to write (JAR form unless `--ijc`).
    #[arg(short = 'o', long = "output", value_name = "OUT.cap")]
    pub output: PathBuf,
    /// Write the CAP file as raw concatenated components instead of a JAR.
    #[arg(long)]
    pub ijc: bool,
    /// Where to write the export file (default: OUT with extension `.exp`).
    #[arg(long, value_name = "OUT.exp")]
    pub exp: Option<PathBuf>,
    /// Also write a readable listing (constant pool, tokens, disassembled methods).
    #[arg(long, value_name = "FILE")]
    pub listing: Option<PathBuf>,
}

/// `jcos api`
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// Compile the stubs with `javac --release 7` into this jar.
    #[arg(long, value_name = "OUT.jar")]
    pub jar: Option<PathBuf>,
    /// Write the stub sources into this directory (replacing it).
    #[arg(long, value_name = "DIR")]
    pub src: Option<PathBuf>,
    /// Write the jcos.framework export file under this directory.
    #[arg(long, value_name = "DIR")]
    pub exp: Option<PathBuf>,
}

/// `jcos build`
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// An applet directory, or a directory of them (default `applets`).
    pub dir: Option<PathBuf>,
    /// Do not write: check that the committed CAP and export files reproduce byte for byte.
    #[arg(long)]
    pub check: bool,
    /// The shared directory, for applets whose manifest takes sources from it (default:
    /// $JCOS_SHARED, else a `shared/` beside the directory or one of its parents).
    #[arg(long, value_name = "DIR")]
    pub shared: Option<PathBuf>,
}

/// `jcos load`
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The card image, saved afterwards.
    pub image: PathBuf,
    /// CAP files (JAR or component form) to load, in order; each is verified and linked
    /// against the packages already on the card.
    #[arg(value_name = "CAP")]
    pub caps: Vec<PathBuf>,
    /// Create an applet instance: the applet class AID, the instance AID (default: the
    /// class AID) and the application parameters for its install method, all hex; repeatable.
    #[arg(long, value_name = "CLASS_AID[:INSTANCE_AID[:PARAMS_HEX]]")]
    pub install: Vec<crate::cmd::load::InstallSpec>,
    /// GlobalPlatform privileges (3 bytes, hex) of the instances `--install` creates, e.g.
    /// 800000 for a security domain that may use jcos.framework.CardManager. This path
    /// bypasses the issuer security domain: nothing is authenticated or checked against
    /// its rules.
    #[arg(long, value_name = "HEX", value_parser = crate::cmd::load::parse_privileges)]
    pub privileges: Option<[u8; 3]>,
}
