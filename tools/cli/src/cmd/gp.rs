//! `jcos gp ...`: card content management through the card's issuer security domain, as a
//! GlobalPlatform host does it: select the security domain, open a secure channel (SCP02 or
//! SCP03, at the security level asked for), then GET STATUS, LOAD/INSTALL, DELETE, PUT KEY or
//! SET STATUS through it. The card is an image, `--tcp` or `--reader`, as for `jcos send`.

use crate::args::RemoteCardArgs;
use crate::cmd::target::CardTarget;
use crate::Outcome;
use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use jcos_apdu::hex;
use jcos_cos::Durability;
use jcos_peers::gp::command::{HashAlg, InstallRequest};
use jcos_peers::gp::load::LoadFile;
use jcos_peers::gp::status::{self, Scope};
use jcos_peers::gp::{
    Diversification, GpClient, KeyKind, LoadOptions, OpenOptions, ScpChoice, SecurityLevel,
    StaticKeys, DEFAULT_KEY, ISD_AID,
};
use std::path::PathBuf;

/// Writes to standard output; a closed pipe comes back as an error (which `main` treats as
/// success) rather than a panic.
fn out(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// `println!` through [`out`], returning from the function on a write error.
macro_rules! outln {
    ($($arg:tt)*) => {
        out(&format!("{}\n", format_args!($($arg)*)))?
    };
}

/// `jcos gp ...`
#[derive(Debug, Subcommand)]
pub enum GpCommand {
    /// List the card's content (GET STATUS): the issuer security domain, applications and
    /// security domains, load files with their modules, each with life cycle and privileges.
    List(ListArgs),
    /// Show what the security domain tells without authentication (SELECT answer, card data,
    /// key information, CPLC), then open a secure channel and show its parameters.
    Info(ListArgs),
    /// Load a CAP file through the secure channel (INSTALL [for load], LOAD blocks).
    Load(LoadArgs),
    /// Create an applet instance (INSTALL [for install and make selectable]).
    Install(InstallArgs),
    /// Delete an application or a load file (DELETE).
    Delete(DeleteArgs),
    /// Add or replace a secure channel key set (PUT KEY, keys encrypted with the DEK, key
    /// check values compared with the card's).
    PutKey(PutKeyArgs),
    /// Lock an application (SET STATUS 40, state 80).
    Lock(AidArgs),
    /// Unlock a locked application (SET STATUS 40, state 00).
    Unlock(AidArgs),
    /// Change the card life cycle state (SET STATUS 80 on the issuer security domain).
    SetStatus(SetStatusArgs),
}

/// Where the card is and how to open the secure channel: shared by every `jcos gp` command.
#[derive(Debug, Args)]
pub struct GpCard {
    /// The card image, updated afterwards; left out with --tcp or --reader.
    #[arg(value_name = "IMAGE")]
    pub image: Option<PathBuf>,
    /// Where the card is when it is not an image.
    #[command(flatten)]
    pub remote: RemoteCardArgs,
    /// The key for ENC, MAC and DEK alike (hex; default the test key 404142..4F).
    #[arg(long, value_name = "HEX")]
    pub key: Option<String>,
    /// The secure channel encryption key (hex), instead of --key.
    #[arg(long, value_name = "HEX")]
    pub enc: Option<String>,
    /// The secure channel MAC key (hex), instead of --key.
    #[arg(long, value_name = "HEX")]
    pub mac: Option<String>,
    /// The data encryption key (hex), instead of --key.
    #[arg(long, value_name = "HEX")]
    pub dek: Option<String>,
    /// Key version number for INITIALIZE UPDATE (hex; 00: the card's default key set).
    #[arg(long, value_name = "HEX", default_value = "00")]
    pub kvn: String,
    /// Secure channel protocol: 02 or 03 (default: what the card answers with).
    #[arg(long, value_name = "02|03")]
    pub scp: Option<String>,
    /// The SCP02 implementation option i (hex; the card does not announce it).
    #[arg(long = "scp-i", value_name = "HEX", default_value = "55")]
    pub scp_i: String,
    /// Security level: none, mac, mac+enc, mac+rmac, mac+enc+rmac, mac+enc+rmac+renc (or the
    /// level byte in hex).
    #[arg(long, value_name = "LEVEL", default_value = "mac")]
    pub security_level: String,
    /// Diversify the keys (as master keys) with the card's key diversification data.
    #[arg(long, value_enum)]
    pub diversify: Option<DiversifyArg>,
    /// The security domain to talk to (hex AID; default the issuer security domain).
    #[arg(long, value_name = "AID")]
    pub sd: Option<String>,
    /// Print every APDU exchanged (as sent on the wire) to standard error.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Key diversification methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiversifyArg {
    /// EMV CPS 1.1.
    Emv,
    /// VISA2.
    Visa2,
}

/// `jcos gp list` / `jcos gp info`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Card and secure channel.
    #[command(flatten)]
    pub card: GpCard,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `jcos gp load`
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Card and secure channel.
    #[command(flatten)]
    pub card: GpCard,
    /// The CAP file (JAR or raw component form).
    #[arg(value_name = "CAP")]
    pub cap: Option<PathBuf>,
    /// Also create an instance of every applet in the CAP file (instance AID = class AID).
    #[arg(long)]
    pub install: bool,
    /// Add a load file data block hash to INSTALL [for load].
    #[arg(long, value_enum)]
    pub hash: Option<HashArg>,
    /// LOAD block length in bytes (default: the most a short APDU carries).
    #[arg(long, value_name = "N")]
    pub block_size: Option<usize>,
    /// Leave the Descriptor component out of the load file.
    #[arg(long)]
    pub no_descriptor: bool,
}

/// Load file data block hash algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HashArg {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

/// `jcos gp install`
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Card and secure channel.
    #[command(flatten)]
    pub card: GpCard,
    /// The load file (package) AID (hex); or give --cap.
    #[arg(long, value_name = "AID")]
    pub package: Option<String>,
    /// Take the package AID (and the applet, if it has only one) from this CAP file.
    #[arg(long, value_name = "FILE")]
    pub cap: Option<PathBuf>,
    /// The applet class (executable module) AID (hex).
    #[arg(long, value_name = "AID")]
    pub applet: Option<String>,
    /// The instance AID to create (hex; default the applet class AID).
    #[arg(long, value_name = "AID")]
    pub create: Option<String>,
    /// Privileges: names separated by commas (card-reset, security-domain, ...) or hex.
    #[arg(long, value_name = "LIST", default_value = "")]
    pub privileges: String,
    /// Application specific parameters for install() (hex, the value of tag C9).
    #[arg(long, value_name = "HEX", default_value = "")]
    pub params: String,
}

/// `jcos gp delete`
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Card and secure channel.
    #[command(flatten)]
    pub card: GpCard,
    /// The AID of the application or load file (hex).
    #[arg(value_name = "AID")]
    pub aid: Option<String>,
    /// Also delete what depends on it (a load file's applications).
    #[arg(long)]
    pub related: bool,
}

/// `jcos gp lock` / `jcos gp unlock`
#[derive(Debug, Args)]
pub struct AidArgs {
    /// Card and secure channel.
    #[command(flatten)]
    pub card: GpCard,
    /// The application AID (hex).
    #[arg(value_name = "AID")]
    pub aid: Option<String>,
}

/// `jcos gp set-status`
#[derive(Debug, Args)]
pub struct SetStatusArgs {
    /// Card and secure channel.
    #[command(flatten)]
    pub card: GpCard,
    /// The card life cycle state: initialized, secured, card-locked, terminated, or hex.
    #[arg(value_name = "STATE")]
    pub state: Option<String>,
}

/// `jcos gp put-key`
#[derive(Debug, Args)]
pub struct PutKeyArgs {
    /// Card and secure channel.
    #[command(flatten)]
    pub card: GpCard,
    /// The new key for ENC, MAC and DEK alike (hex).
    #[arg(long, value_name = "HEX")]
    pub new_key: Option<String>,
    /// The new ENC key (hex), instead of --new-key.
    #[arg(long, value_name = "HEX")]
    pub new_enc: Option<String>,
    /// The new MAC key (hex), instead of --new-key.
    #[arg(long, value_name = "HEX")]
    pub new_mac: Option<String>,
    /// The new DEK (hex), instead of --new-key.
    #[arg(long, value_name = "HEX")]
    pub new_dek: Option<String>,
    /// Key version number of the new key set (hex).
    #[arg(long, value_name = "HEX")]
    pub new_kvn: String,
    /// The key set it replaces (hex; default 00: the new set is added).
    #[arg(long, value_name = "HEX", default_value = "00")]
    pub replace: String,
    /// The new keys' type (default: the secure channel's: DES for SCP02, AES for SCP03).
    #[arg(long, value_enum)]
    pub key_type: Option<KeyTypeArg>,
}

/// Key types for PUT KEY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyTypeArg {
    /// Triple DES (16 bytes).
    Des,
    /// AES (16, 24 or 32 bytes).
    Aes,
}

/// Runs a `jcos gp` command.
pub fn run(command: &GpCommand) -> anyhow::Result<Outcome> {
    match command {
        GpCommand::List(args) => list(args),
        GpCommand::Info(args) => info(args),
        GpCommand::Load(args) => load(args),
        GpCommand::Install(args) => install(args),
        GpCommand::Delete(args) => {
            let aid = aid_operand(&args.card, args.aid.as_deref(), "AID")?;
            with_channel(&args.card, |gp| Ok(gp.delete(&aid, args.related)?))?;
            outln!("deleted {}", hex::encode(&aid));
            Ok(Outcome::Pass)
        }
        GpCommand::Lock(args) => lock(args, true),
        GpCommand::Unlock(args) => lock(args, false),
        GpCommand::SetStatus(args) => set_status(args),
        GpCommand::PutKey(args) => put_key(args),
    }
}

fn decode_hex(text: &str, what: &str) -> anyhow::Result<Vec<u8>> {
    hex::decode(text).with_context(|| format!("{what} {text:?}"))
}

fn byte(text: &str, what: &str) -> anyhow::Result<u8> {
    match decode_hex(text, what)?.as_slice() {
        [b] => Ok(*b),
        other => bail!("{what} is one byte in hex, not {} bytes", other.len()),
    }
}

fn aid(text: &str, what: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = decode_hex(text, what)?;
    jcos_peers::gp::command::check_aid(&bytes, what)?;
    Ok(bytes)
}

/// The card target, and the operand that stands where the image would without one.
fn target(card: &GpCard, operand: Option<&str>) -> anyhow::Result<(CardTarget, Option<String>)> {
    match CardTarget::remote(&card.remote) {
        Some(target) => {
            let shifted = card
                .image
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned());
            match (shifted, operand) {
                (Some(_), Some(extra)) => bail!("unexpected argument {extra:?}"),
                (Some(first), None) => Ok((target, Some(first))),
                (None, op) => Ok((target, op.map(str::to_string))),
            }
        }
        None => match &card.image {
            Some(image) => Ok((
                CardTarget::Image(image.clone()),
                operand.map(str::to_string),
            )),
            None => bail!("no card: give an IMAGE, --tcp HOST:PORT or --reader NAME"),
        },
    }
}

fn aid_operand(card: &GpCard, operand: Option<&str>, what: &str) -> anyhow::Result<Vec<u8>> {
    match target(card, operand)?.1 {
        Some(text) => aid(&text, what),
        None => bail!("the {what} is missing"),
    }
}

fn static_keys(
    key: Option<&str>,
    enc: Option<&str>,
    mac: Option<&str>,
    dek: Option<&str>,
    default: Option<&[u8]>,
) -> anyhow::Result<Option<StaticKeys>> {
    let base = match (key, default) {
        (Some(k), _) => Some(decode_hex(k, "key")?),
        (None, Some(d)) => Some(d.to_vec()),
        (None, None) => None,
    };
    let pick = |one: Option<&str>, what: &str| -> anyhow::Result<Option<Vec<u8>>> {
        match (one, &base) {
            (Some(k), _) => Ok(Some(decode_hex(k, what)?)),
            (None, Some(b)) => Ok(Some(b.clone())),
            (None, None) => Ok(None),
        }
    };
    match (
        pick(enc, "ENC key")?,
        pick(mac, "MAC key")?,
        pick(dek, "DEK")?,
    ) {
        (Some(enc), Some(mac), Some(dek)) => Ok(Some(StaticKeys { enc, mac, dek })),
        (None, None, None) => Ok(None),
        _ => bail!("give all of ENC, MAC and DEK, or one key for all three"),
    }
}

fn open_options(card: &GpCard) -> anyhow::Result<OpenOptions> {
    let keys = static_keys(
        card.key.as_deref(),
        card.enc.as_deref(),
        card.mac.as_deref(),
        card.dek.as_deref(),
        Some(&DEFAULT_KEY),
    )?
    .unwrap_or_default();
    let scp = match card.scp.as_deref() {
        None => ScpChoice::Any,
        Some(s) => match s.trim_start_matches('0') {
            "2" => ScpChoice::Scp02 {
                i: byte(&card.scp_i, "--scp-i")?,
            },
            "3" => ScpChoice::Scp03,
            _ => bail!("--scp {s:?}: 02 or 03"),
        },
    };
    Ok(OpenOptions {
        keys,
        kvn: byte(&card.kvn, "--kvn")?,
        scp,
        level: card.security_level.parse::<SecurityLevel>()?,
        diversification: match card.diversify {
            None => Diversification::None,
            Some(DiversifyArg::Emv) => Diversification::Emv,
            Some(DiversifyArg::Visa2) => Diversification::Visa2,
        },
        host_challenge: None,
    })
}

fn sd_aid(card: &GpCard) -> anyhow::Result<Vec<u8>> {
    match &card.sd {
        Some(text) => aid(text, "--sd"),
        None => Ok(ISD_AID.to_vec()),
    }
}

/// Opens the card, selects the security domain, opens a secure channel and runs `f`; the
/// card is finished (image checkpointed) whatever `f` returns.
fn with_channel<T>(
    card: &GpCard,
    f: impl FnOnce(&mut GpClient<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let options = open_options(card)?;
    let sd = sd_aid(card)?;
    with_client(card, |gp| {
        gp.select(&sd)
            .with_context(|| format!("cannot select the security domain {}", hex::encode(&sd)))?;
        gp.open_secure_channel(options)
            .context("cannot open the secure channel")?;
        f(gp)
    })
}

fn with_client<T>(
    card: &GpCard,
    f: impl FnOnce(&mut GpClient<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (target, _) = target(card, None)?;
    let mut opened = target.open_with(Durability::Os)?;
    opened.transport().power_on()?;
    let result = {
        let transport = opened.transport();
        let mut gp = GpClient::new(transport);
        if card.verbose {
            gp = gp.with_trace(Box::new(|cmd, rsp| {
                eprintln!("=> {}", hex::encode(cmd));
                eprintln!("<= {}", hex::encode(rsp));
            }));
        }
        f(&mut gp)
    };
    let finished = opened.finish();
    let value = result?;
    finished?;
    Ok(value)
}

fn list(args: &ListArgs) -> anyhow::Result<Outcome> {
    let registry = with_channel(&args.card, |gp| Ok(gp.registry()?))?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&registry)?);
    } else {
        out(&registry.to_string())?;
    }
    Ok(Outcome::Pass)
}

#[derive(serde::Serialize)]
struct Info {
    select: String,
    card_data: Option<String>,
    key_information: Option<String>,
    cplc: Option<String>,
    iin: Option<String>,
    cin: Option<String>,
    session: jcos_peers::gp::SessionInfo,
}

fn info(args: &ListArgs) -> anyhow::Result<Outcome> {
    let options = open_options(&args.card)?;
    let sd = sd_aid(&args.card)?;
    let info = with_client(&args.card, |gp| {
        let select = gp.select(&sd)?;
        let mut get = |tag: u16| gp.get_data(tag).ok().map(|d| hex::encode(&d));
        let (card_data, key_information, cplc, iin, cin) = (
            get(0x0066),
            get(0x00E0),
            get(0x9F7F),
            get(0x0042),
            get(0x0045),
        );
        let session = gp
            .open_secure_channel(options)
            .context("cannot open the secure channel")?;
        Ok(Info {
            select: hex::encode(&select),
            card_data,
            key_information,
            cplc,
            iin,
            cin,
            session,
        })
    })?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(Outcome::Pass);
    }
    outln!(
        "Security domain: {} (SELECT answer {})",
        hex::encode(&sd),
        info.select
    );
    let show = |name: &str, v: &Option<String>| -> std::io::Result<()> {
        match v {
            Some(v) => out(&format!("{name:<17}{v}\n")),
            None => out(&format!("{name:<17}(not given)\n")),
        }
    };
    show("Card data:", &info.card_data)?;
    show("Key information:", &info.key_information)?;
    if let Some(kit) = info
        .key_information
        .as_deref()
        .and_then(|h| hex::decode(h).ok())
    {
        for (id, kvn, kind, len) in key_information(&kit) {
            outln!("                 key {id:02X} version {kvn:02X}: {kind}, {len} bytes");
        }
    }
    show("CPLC:", &info.cplc)?;
    show("IIN:", &info.iin)?;
    show("CIN:", &info.cin)?;
    let s = &info.session;
    outln!(
        "Secure channel:  SCP{:02X} i={:02X}, key version {:02X}, level {}",
        s.scp,
        s.i,
        s.kvn,
        s.level
    );
    outln!("Key div. data:   {}", hex::encode(&s.kdd));
    Ok(Outcome::Pass)
}

/// The keys of a key information template (GP 2.3.1 §11.3.3.1: `E0` with `C0` entries of key
/// identifier, version, then type and length pairs).
fn key_information(data: &[u8]) -> Vec<(u8, u8, String, usize)> {
    let mut out = Vec::new();
    let Ok(objects) = jcos_apdu::tlv::parse_all(data) else {
        return out;
    };
    for template in objects.iter().filter(|o| o.tag.0 == 0xE0) {
        for entry in template.children().iter().filter(|c| c.tag.0 == 0xC0) {
            if let Some([id, kvn, kind, len, ..]) = entry.bytes() {
                let kind = match kind {
                    0x80 => "DES".to_string(),
                    0x88 => "AES".to_string(),
                    other => format!("type {other:02X}"),
                };
                out.push((*id, *kvn, kind, usize::from(*len)));
            }
        }
    }
    out
}

fn load(args: &LoadArgs) -> anyhow::Result<Outcome> {
    let (_, operand) = target(&args.card, args.cap.as_ref().and_then(|p| p.to_str()))?;
    let Some(path) = operand else {
        bail!("the CAP file is missing");
    };
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {path}"))?;
    let file = LoadFile::from_cap_bytes(&bytes, !args.no_descriptor)
        .with_context(|| format!("cannot load {path}"))?;
    let options = LoadOptions {
        hash: args.hash.map(|h| match h {
            HashArg::Sha1 => HashAlg::Sha1,
            HashArg::Sha256 => HashAlg::Sha256,
        }),
        security_domain: Vec::new(),
        block_len: args.block_size,
    };
    with_channel(&args.card, |gp| {
        gp.load(&file, &options)?;
        if args.install {
            for applet in &file.applets {
                gp.install(&InstallRequest {
                    load_file: file.package_aid.clone(),
                    module: applet.clone(),
                    application: applet.clone(),
                    privileges: vec![0],
                    parameters: Vec::new(),
                    make_selectable: true,
                })?;
            }
        }
        Ok(())
    })?;
    outln!(
        "loaded {} ({} bytes)",
        hex::encode(&file.package_aid),
        file.data_block.len()
    );
    if args.install {
        for applet in &file.applets {
            outln!("installed {}", hex::encode(applet));
        }
    }
    Ok(Outcome::Pass)
}

fn install(args: &InstallArgs) -> anyhow::Result<Outcome> {
    let from_cap = match &args.cap {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Some(LoadFile::from_cap_bytes(&bytes, true)?)
        }
        None => None,
    };
    let package = match (&args.package, &from_cap) {
        (Some(p), _) => aid(p, "--package")?,
        (None, Some(f)) => f.package_aid.clone(),
        (None, None) => bail!("give the package: --package AID or --cap FILE"),
    };
    let applet = match (&args.applet, &from_cap) {
        (Some(a), _) => aid(a, "--applet")?,
        (None, Some(f)) if f.applets.len() == 1 => f.applets.first().cloned().unwrap_or_default(),
        _ => bail!("give the applet class: --applet AID"),
    };
    let instance = match &args.create {
        Some(c) => aid(c, "--create")?,
        None => applet.clone(),
    };
    let request = InstallRequest {
        load_file: package,
        module: applet,
        application: instance.clone(),
        privileges: status::parse_privileges(&args.privileges)?,
        parameters: decode_hex(&args.params, "--params")?,
        make_selectable: true,
    };
    target(&args.card, None)?;
    with_channel(&args.card, |gp| Ok(gp.install(&request)?))?;
    outln!("installed {}", hex::encode(&instance));
    Ok(Outcome::Pass)
}

fn lock(args: &AidArgs, lock: bool) -> anyhow::Result<Outcome> {
    let aid = aid_operand(&args.card, args.aid.as_deref(), "AID")?;
    let state = if lock { 0x80 } else { 0x00 };
    with_channel(&args.card, |gp| Ok(gp.set_status(0x40, state, &aid)?))?;
    outln!(
        "{} {}",
        if lock { "locked" } else { "unlocked" },
        hex::encode(&aid)
    );
    Ok(Outcome::Pass)
}

fn set_status(args: &SetStatusArgs) -> anyhow::Result<Outcome> {
    let (_, operand) = target(&args.card, args.state.as_deref())?;
    let Some(text) = operand else {
        bail!(
            "the card life cycle state is missing (initialized, secured, card-locked, terminated)"
        );
    };
    let state = match text.to_ascii_lowercase().replace('_', "-").as_str() {
        "initialized" => 0x07,
        "secured" => 0x0F,
        "card-locked" | "locked" => 0x7F,
        "terminated" => 0xFF,
        other => byte(other, "state")?,
    };
    let sd = sd_aid(&args.card)?;
    with_channel(&args.card, |gp| Ok(gp.set_status(0x80, state, &sd)?))?;
    outln!(
        "card life cycle: {}",
        status::life_cycle_name(Scope::Isd, state, true)
    );
    Ok(Outcome::Pass)
}

fn put_key(args: &PutKeyArgs) -> anyhow::Result<Outcome> {
    target(&args.card, None)?;
    let Some(keys) = static_keys(
        args.new_key.as_deref(),
        args.new_enc.as_deref(),
        args.new_mac.as_deref(),
        args.new_dek.as_deref(),
        None,
    )?
    else {
        bail!("give the new keys: --new-key HEX (or --new-enc, --new-mac, --new-dek)");
    };
    let new_kvn = byte(&args.new_kvn, "--new-kvn")?;
    let old_kvn = byte(&args.replace, "--replace")?;
    let kind = with_channel(&args.card, |gp| {
        let kind = match args.key_type {
            Some(KeyTypeArg::Des) => KeyKind::Des,
            Some(KeyTypeArg::Aes) => KeyKind::Aes,
            None => match gp.session().map(|s| s.scp) {
                Some(0x02) => KeyKind::Des,
                _ => KeyKind::Aes,
            },
        };
        gp.put_key_set(old_kvn, new_kvn, &keys, kind)?;
        Ok(kind)
    })?;
    outln!("key set {new_kvn:02X} ({kind:?}) stored; the card's key check values match");
    Ok(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_information_templates_list_their_keys() {
        // E0 { C0 01 20 80 10, C0 02 30 88 10 }
        let data = hex::decode("E00CC00401208010C00402308810").unwrap();
        let keys = key_information(&data);
        assert_eq!(keys[0], (1, 0x20, "DES".to_string(), 16));
        assert_eq!(keys[1], (2, 0x30, "AES".to_string(), 16));
    }
}
