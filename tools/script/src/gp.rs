//! GlobalPlatform functions for jcos scripts: open an SCP02 or SCP03 secure channel with the
//! issuer security domain (whole, or step by step to test the card's refusals), send commands
//! through it, and build the content management commands (load from a CAP file, install,
//! delete, PUT KEY with keys encrypted under the session's DEK). The cryptography is
//! `jcos_peers::gp`'s.

use crate::jscript::Response;
use jcos_apdu::{hex, CommandApdu};
use jcos_peers::gp::command::{self, InstallRequest, KeyData};
use jcos_peers::gp::keys::key_check_value;
use jcos_peers::gp::load::LoadFile;
use jcos_peers::gp::scp03;
use jcos_peers::gp::session::{CardAuthenticated, Handshake};
use jcos_peers::gp::status::{self, Format, Scope};
use jcos_peers::gp::{
    Diversification, KeyKind, OpenOptions, ScpChoice, SecureChannel, SecurityLevel, StaticKeys,
    ISD_AID,
};
use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext, INT};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// The LOAD block length the helpers use: fits a short APDU at every security level.
const LOAD_BLOCK: usize = 200;

fn error<T>(ctx: &NativeCallContext, message: impl Into<String>) -> RhaiResult<T> {
    Err(Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(message.into()),
        ctx.call_position(),
    )))
}

/// The secure channel state of one script run.
#[derive(Default)]
struct State {
    /// After INITIALIZE UPDATE with a verified card cryptogram.
    authenticated: Option<CardAuthenticated>,
    /// EXTERNAL AUTHENTICATE built, not yet accepted: the command and the channel it opens.
    pending: Option<(Vec<u8>, SecureChannel)>,
    /// The open channel.
    channel: Option<SecureChannel>,
}

type Shared = Arc<Mutex<State>>;

fn lock<'a>(
    ctx: &NativeCallContext,
    state: &'a Shared,
) -> RhaiResult<std::sync::MutexGuard<'a, State>> {
    state
        .lock()
        .or_else(|_| error(ctx, "the GlobalPlatform state is poisoned"))
}

fn get_str(map: &Map, key: &str) -> Option<String> {
    map.get(key).map(|v| {
        if v.is_int() {
            format!("{:02X}", v.as_int().unwrap_or_default())
        } else {
            v.to_string()
        }
    })
}

fn get_int(ctx: &NativeCallContext, map: &Map, key: &str) -> RhaiResult<Option<u8>> {
    match map.get(key) {
        None => Ok(None),
        Some(v) => match v.as_int().ok().and_then(|n| u8::try_from(n).ok()) {
            Some(b) => Ok(Some(b)),
            None => error(ctx, format!("{key} is a byte value (0 to 255), not {v}")),
        },
    }
}

fn decode(ctx: &NativeCallContext, text: &str, what: &str) -> RhaiResult<Vec<u8>> {
    hex::decode(text).or_else(|e| error(ctx, format!("{what} \"{text}\" is not hex: {e}")))
}

/// Keys from `key` or `enc`/`mac`/`dek` (with a prefix such as `new_`), `default` otherwise.
fn keys_from(
    ctx: &NativeCallContext,
    map: &Map,
    prefix: &str,
    default: Option<StaticKeys>,
) -> RhaiResult<Option<StaticKeys>> {
    let one = get_str(map, &format!("{prefix}key"))
        .map(|k| decode(ctx, &k, "key"))
        .transpose()?;
    let part = |name: &str| -> RhaiResult<Option<Vec<u8>>> {
        match get_str(map, &format!("{prefix}{name}")) {
            Some(k) => decode(ctx, &k, name).map(Some),
            None => Ok(one.clone()),
        }
    };
    match (part("enc")?, part("mac")?, part("dek")?) {
        (Some(enc), Some(mac), Some(dek)) => Ok(Some(StaticKeys { enc, mac, dek })),
        (None, None, None) => Ok(default),
        _ => error(ctx, "give all of enc, mac and dek, or one key"),
    }
}

/// Secure channel options from a script map: `kvn`, `key` (or `enc`, `mac`, `dek`), `scp`
/// (2 or 3), `i`, `level` (name or number), `raw_level` (a level byte sent unchecked),
/// `diversify` ("emv", "visa2"), `host_challenge`.
fn options(ctx: &NativeCallContext, map: &Map) -> RhaiResult<OpenOptions> {
    let mut o = OpenOptions {
        keys: keys_from(ctx, map, "", Some(StaticKeys::default()))?.unwrap_or_default(),
        ..OpenOptions::default()
    };
    if let Some(kvn) = get_int(ctx, map, "kvn")? {
        o.kvn = kvn;
    }
    let i = get_int(ctx, map, "i")?.unwrap_or(0x55);
    o.scp = match get_int(ctx, map, "scp")? {
        None => ScpChoice::Any,
        Some(2) => ScpChoice::Scp02 { i },
        Some(3) => ScpChoice::Scp03,
        Some(n) => return error(ctx, format!("scp is 2 or 3, not {n}")),
    };
    if let Some(level) = map.get("level") {
        o.level = if let Ok(n) = level.as_int() {
            u8::try_from(n)
                .ok()
                .and_then(|b| SecurityLevel::checked(b).ok())
                .map_or_else(
                    || error(ctx, format!("level {n} is not a security level")),
                    Ok,
                )?
        } else {
            level
                .to_string()
                .parse::<SecurityLevel>()
                .or_else(|e| error(ctx, e.to_string()))?
        };
    }
    if let Some(raw) = get_int(ctx, map, "raw_level")? {
        // For testing the card's refusals: a level byte sent as it is.
        o.level = SecurityLevel(raw);
    }
    if let Some(d) = get_str(map, "diversify") {
        o.diversification = match d.to_ascii_lowercase().as_str() {
            "emv" => Diversification::Emv,
            "visa2" => Diversification::Visa2,
            other => return error(ctx, format!("diversify is emv or visa2, not {other}")),
        };
    }
    if let Some(c) = get_str(map, "host_challenge") {
        let bytes = decode(ctx, &c, "host_challenge")?;
        o.host_challenge = Some(
            <[u8; 8]>::try_from(bytes.as_slice())
                .or_else(|_| error(ctx, "host_challenge has 8 bytes"))?,
        );
    }
    Ok(o)
}

fn parse_apdu(ctx: &NativeCallContext, apdu: &Dynamic) -> RhaiResult<CommandApdu> {
    let bytes = if let Some(s) = apdu.read_lock::<rhai::ImmutableString>() {
        decode(ctx, s.as_str(), "APDU")?
    } else if let Some(b) = apdu.read_lock::<rhai::Blob>() {
        b.clone()
    } else {
        return error(ctx, "an APDU is a hex string or a blob");
    };
    CommandApdu::parse(&bytes).or_else(|e| error(ctx, format!("not a command APDU: {e}")))
}

/// Resolves a CAP path: `shared:PATH` in the shared directory, else relative to the script.
fn cap_path(ctx: &NativeCallContext, path: &str) -> RhaiResult<PathBuf> {
    let script_dir = ctx
        .call_source()
        .map(|s| {
            Path::new(s)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
        .unwrap_or_default();
    match path.strip_prefix(crate::runner::SHARED_PREFIX) {
        Some(rest) => {
            let shared =
                crate::runner::find_shared(None, &script_dir).or_else(|e| error(ctx, e))?;
            Ok(shared.join(rest))
        }
        None => Ok(script_dir.join(path)),
    }
}

fn load_file(ctx: &NativeCallContext, path: &str) -> RhaiResult<LoadFile> {
    let file = cap_path(ctx, path)?;
    let bytes = std::fs::read(&file)
        .or_else(|e| error(ctx, format!("cannot read {}: {e}", file.display())))?;
    LoadFile::from_cap_bytes(&bytes, true)
        .or_else(|e| error(ctx, format!("{}: {e}", file.display())))
}

fn hex_of(
    ctx: &NativeCallContext,
    cmd: Result<CommandApdu, jcos_peers::gp::GpError>,
) -> RhaiResult<String> {
    match cmd {
        Ok(c) => Ok(hex::encode(&c.to_bytes())),
        Err(e) => error(ctx, e.to_string()),
    }
}

/// Registers the `gp_*` functions; `send` transmits a command and logs it as `send` does.
pub(crate) fn register<S>(engine: &mut Engine, send: S)
where
    S: Fn(&NativeCallContext, Vec<u8>) -> RhaiResult<Response> + Clone + Send + Sync + 'static,
{
    let state: Shared = Arc::default();

    let (st, tx) = (state.clone(), send.clone());
    engine.register_fn("gp_select", move |ctx: NativeCallContext| {
        let mut s = lock(&ctx, &st)?;
        *s = State::default();
        drop(s);
        let cmd = command::select(&ISD_AID).or_else(|e| error(&ctx, e.to_string()))?;
        tx(&ctx, cmd.to_bytes())
    });

    let (st, tx) = (state.clone(), send.clone());
    let initialize_update = move |ctx: &NativeCallContext, map: &Map| -> RhaiResult<Response> {
        let opts = options(ctx, map)?;
        let handshake = Handshake::new(opts, 0).or_else(|e| error(ctx, e.to_string()))?;
        let cmd = handshake
            .initialize_update()
            .or_else(|e| error(ctx, e.to_string()))?;
        *lock(ctx, &st)? = State::default();
        let r = tx(ctx, cmd.to_bytes())?;
        if r.sw == 0x9000 {
            let auth = handshake
                .card_answered(&r.data)
                .or_else(|e| error(ctx, e.to_string()))?;
            lock(ctx, &st)?.authenticated = Some(auth);
        }
        Ok(r)
    };
    let iu = initialize_update.clone();
    engine.register_fn(
        "gp_initialize_update",
        move |ctx: NativeCallContext, map: Map| iu(&ctx, &map),
    );
    let iu = initialize_update.clone();
    engine.register_fn("gp_initialize_update", move |ctx: NativeCallContext| {
        iu(&ctx, &Map::new())
    });

    let st = state.clone();
    let ext_auth_apdu = move |ctx: &NativeCallContext| -> RhaiResult<String> {
        let mut s = lock(ctx, &st)?;
        if let Some((cmd, _)) = &s.pending {
            return Ok(hex::encode(cmd));
        }
        let Some(auth) = s.authenticated.take() else {
            return error(
                ctx,
                "no INITIALIZE UPDATE answered with a verified card cryptogram",
            );
        };
        let (cmd, channel) = auth
            .external_authenticate()
            .or_else(|e| error(ctx, e.to_string()))?;
        let bytes = cmd.to_bytes();
        s.pending = Some((bytes.clone(), channel));
        Ok(hex::encode(&bytes))
    };
    let ea = ext_auth_apdu.clone();
    engine.register_fn(
        "gp_external_authenticate_apdu",
        move |ctx: NativeCallContext| ea(&ctx),
    );

    let (st, tx, ea) = (state.clone(), send.clone(), ext_auth_apdu.clone());
    let external_authenticate = move |ctx: &NativeCallContext| -> RhaiResult<Response> {
        let cmd = ea(ctx)?;
        let bytes = decode(ctx, &cmd, "EXTERNAL AUTHENTICATE")?;
        let r = tx(ctx, bytes)?;
        let mut s = lock(ctx, &st)?;
        let pending = s.pending.take();
        if r.sw == 0x9000 {
            s.channel = pending.map(|(_, channel)| channel);
        }
        Ok(r)
    };
    let ext = external_authenticate.clone();
    engine.register_fn("gp_external_authenticate", move |ctx: NativeCallContext| {
        ext(&ctx)
    });

    let (tx, iu, ext, st) = (
        send.clone(),
        initialize_update.clone(),
        external_authenticate.clone(),
        state.clone(),
    );
    let open = move |ctx: &NativeCallContext, map: &Map| -> RhaiResult<Map> {
        let cmd = command::select(&ISD_AID).or_else(|e| error(ctx, e.to_string()))?;
        let r = tx(ctx, cmd.to_bytes())?;
        if r.sw != 0x9000 {
            return error(ctx, format!("SELECT of the ISD answered {:04X}", r.sw));
        }
        let r = iu(ctx, map)?;
        if r.sw != 0x9000 {
            return error(ctx, format!("INITIALIZE UPDATE answered {:04X}", r.sw));
        }
        let r = ext(ctx)?;
        if r.sw != 0x9000 {
            return error(ctx, format!("EXTERNAL AUTHENTICATE answered {:04X}", r.sw));
        }
        let s = lock(ctx, &st)?;
        let Some(info) = s.channel.as_ref().map(SecureChannel::info) else {
            return error(ctx, "no channel after EXTERNAL AUTHENTICATE");
        };
        let mut out = Map::new();
        out.insert("scp".into(), Dynamic::from(INT::from(info.scp)));
        out.insert("i".into(), Dynamic::from(INT::from(info.i)));
        out.insert("kvn".into(), Dynamic::from(INT::from(info.kvn)));
        out.insert("level".into(), Dynamic::from(INT::from(info.level.0)));
        out.insert("kdd".into(), Dynamic::from(hex::encode(&info.kdd)));
        Ok(out)
    };
    let op = open.clone();
    engine.register_fn("gp_open", move |ctx: NativeCallContext, map: Map| {
        op(&ctx, &map)
    });
    let op = open.clone();
    engine.register_fn("gp_open", move |ctx: NativeCallContext| {
        op(&ctx, &Map::new())
    });

    let st = state.clone();
    engine.register_fn(
        "gp_close",
        move |ctx: NativeCallContext| -> RhaiResult<()> {
            *lock(&ctx, &st)? = State::default();
            Ok(())
        },
    );
    let st = state.clone();
    engine.register_fn(
        "gp_is_open",
        move |ctx: NativeCallContext| -> RhaiResult<bool> {
            Ok(lock(&ctx, &st)?.channel.is_some())
        },
    );

    let st = state.clone();
    engine.register_fn(
        "gp_wrap",
        move |ctx: NativeCallContext, apdu: Dynamic| -> RhaiResult<String> {
            let cmd = parse_apdu(&ctx, &apdu)?;
            let mut s = lock(&ctx, &st)?;
            let Some(channel) = s.channel.as_mut() else {
                return error(&ctx, "no secure channel is open");
            };
            let wrapped = channel.wrap(&cmd).or_else(|e| error(&ctx, e.to_string()))?;
            Ok(hex::encode(&wrapped.to_bytes()))
        },
    );

    let (st, tx) = (state.clone(), send.clone());
    let gp_send = move |ctx: &NativeCallContext, apdu: &Dynamic| -> RhaiResult<Response> {
        let cmd = parse_apdu(ctx, apdu)?;
        let wrapped = {
            let mut s = lock(ctx, &st)?;
            let Some(channel) = s.channel.as_mut() else {
                return error(ctx, "no secure channel is open (gp_open first)");
            };
            channel.wrap(&cmd).or_else(|e| error(ctx, e.to_string()))?
        };
        let r = tx(ctx, wrapped.to_bytes())?;
        let mut s = lock(ctx, &st)?;
        if r.sw == 0x6982 {
            // The card ended the session (a secure messaging error).
            s.channel = None;
            return Ok(r);
        }
        let Some(channel) = s.channel.as_mut() else {
            return Ok(r);
        };
        let plain = channel
            .unwrap("command", r.bytes())
            .or_else(|e| error(ctx, e.to_string()))?;
        let Some(split) = plain.len().checked_sub(2) else {
            return error(ctx, "the response has no status word");
        };
        let (data, sw) = plain.split_at(split);
        Ok(Response {
            command: r.command,
            data: data.to_vec(),
            sw: u16::from_be_bytes([
                sw.first().copied().unwrap_or(0),
                sw.get(1).copied().unwrap_or(0),
            ]),
        })
    };
    let gs = gp_send.clone();
    engine.register_fn("gp_send", move |ctx: NativeCallContext, apdu: Dynamic| {
        gs(&ctx, &apdu)
    });

    let gs = gp_send.clone();
    engine.register_fn(
        "gp_status",
        move |ctx: NativeCallContext, p1: INT| -> RhaiResult<Array> {
            let scope = match p1 {
                0x80 => Scope::Isd,
                0x40 => Scope::Applications,
                0x20 => Scope::LoadFiles,
                0x10 => Scope::LoadFilesAndModules,
                other => {
                    return error(&ctx, format!("GET STATUS P1 {other:02X}: 80, 40, 20 or 10"))
                }
            };
            let mut out = Array::new();
            let mut next = false;
            for _ in 0..64 {
                let cmd = command::get_status(scope, Format::Tagged, next)
                    .or_else(|e| error(&ctx, e.to_string()))?;
                let r = gs(&ctx, &Dynamic::from(hex::encode(&cmd.to_bytes())))?;
                if r.sw == 0x6A88 && !next {
                    return Ok(out);
                }
                if r.sw != 0x9000 && r.sw != 0x6310 {
                    return error(&ctx, format!("GET STATUS answered {:04X}", r.sw));
                }
                for e in status::parse(scope, Format::Tagged, &r.data)
                    .or_else(|e| error(&ctx, e.to_string()))?
                {
                    let mut m = Map::new();
                    m.insert("aid".into(), Dynamic::from(e.aid.clone()));
                    m.insert("life_cycle".into(), Dynamic::from(INT::from(e.life_cycle)));
                    m.insert("privileges".into(), Dynamic::from(e.privileges.clone()));
                    m.insert(
                        "modules".into(),
                        Dynamic::from(
                            e.modules
                                .iter()
                                .cloned()
                                .map(Dynamic::from)
                                .collect::<Array>(),
                        ),
                    );
                    out.push(Dynamic::from(m));
                }
                if r.sw == 0x9000 {
                    return Ok(out);
                }
                next = true;
            }
            error(&ctx, "GET STATUS: too many 6310 answers")
        },
    );

    engine.register_fn(
        "gp_load_apdus",
        |ctx: NativeCallContext, path: &str| -> RhaiResult<Array> {
            let file = load_file(&ctx, path)?;
            let mut out = Array::new();
            out.push(Dynamic::from(hex_of(
                &ctx,
                command::install_for_load(&file.package_aid, &[], &[], &[]),
            )?));
            let blocks = file
                .blocks(LOAD_BLOCK)
                .or_else(|e| error(&ctx, e.to_string()))?;
            let count = blocks.len();
            for (n, block) in blocks.iter().enumerate() {
                let number = u8::try_from(n).or_else(|_| error(&ctx, "too many LOAD blocks"))?;
                out.push(Dynamic::from(hex_of(
                    &ctx,
                    command::load(number, n + 1 == count, block),
                )?));
            }
            Ok(out)
        },
    );
    engine.register_fn(
        "gp_cap",
        |ctx: NativeCallContext, path: &str| -> RhaiResult<Map> {
            let file = load_file(&ctx, path)?;
            let mut m = Map::new();
            m.insert(
                "load_file".into(),
                Dynamic::from(hex::encode(&file.package_aid)),
            );
            m.insert(
                "applets".into(),
                Dynamic::from(
                    file.applets
                        .iter()
                        .map(|a| Dynamic::from(hex::encode(a)))
                        .collect::<Array>(),
                ),
            );
            Ok(m)
        },
    );
    engine.register_fn(
        "gp_install_apdu",
        |ctx: NativeCallContext,
         package: &str,
         applet: &str,
         instance: &str,
         privileges: &str,
         params: &str|
         -> RhaiResult<String> {
            let request = InstallRequest {
                load_file: decode(&ctx, package, "package AID")?,
                module: decode(&ctx, applet, "applet AID")?,
                application: decode(&ctx, instance, "instance AID")?,
                privileges: status::parse_privileges(privileges)
                    .or_else(|e| error(&ctx, e.to_string()))?,
                parameters: decode(&ctx, params, "parameters")?,
                make_selectable: true,
            };
            hex_of(&ctx, command::install_for_install(&request))
        },
    );
    engine.register_fn(
        "gp_delete_apdu",
        |ctx: NativeCallContext, aid: &str, related: bool| -> RhaiResult<String> {
            let aid = decode(&ctx, aid, "AID")?;
            hex_of(&ctx, command::delete(&aid, related))
        },
    );
    engine.register_fn(
        "gp_kcv",
        |ctx: NativeCallContext, kind: &str, key: &str| -> RhaiResult<String> {
            let kind = key_kind(&ctx, kind)?;
            let key = decode(&ctx, key, "key")?;
            key_check_value(kind, &key)
                .map(|k| hex::encode(&k))
                .or_else(|e| error(&ctx, e.to_string()))
        },
    );

    engine.register_fn(
        "gp_scp03_card_challenge",
        |ctx: NativeCallContext, key: &str, sequence: &str, aid: &str| -> RhaiResult<String> {
            let keys = StaticKeys::single(&decode(&ctx, key, "key")?);
            let sequence = decode(&ctx, sequence, "sequence counter")?;
            let aid = decode(&ctx, aid, "AID")?;
            scp03::pseudo_random_card_challenge(&keys, &sequence, &aid)
                .map(|c| hex::encode(&c))
                .or_else(|e| error(&ctx, e.to_string()))
        },
    );

    let st = state.clone();
    engine.register_fn(
        "gp_put_key_apdu",
        move |ctx: NativeCallContext, map: Map| -> RhaiResult<String> {
            let Some(keys) = keys_from(&ctx, &map, "new_", None)? else {
                return error(&ctx, "give new_key (or new_enc, new_mac, new_dek)");
            };
            let kind = key_kind(&ctx, &get_str(&map, "type").unwrap_or_else(|| "aes".into()))?;
            let Some(new_kvn) = get_int(&ctx, &map, "new_kvn")? else {
                return error(&ctx, "give new_kvn");
            };
            let replace = get_int(&ctx, &map, "replace")?.unwrap_or(0);
            let s = lock(&ctx, &st)?;
            let Some(channel) = s.channel.as_ref() else {
                return error(&ctx, "PUT KEY needs an open secure channel (its DEK)");
            };
            let mut data = Vec::new();
            for key in [&keys.enc, &keys.mac, &keys.dek] {
                data.push(KeyData {
                    key_type: kind.key_type(),
                    encrypted: channel
                        .encrypt_key(key)
                        .or_else(|e| error(&ctx, e.to_string()))?,
                    clear_len: key.len(),
                    kcv: key_check_value(kind, key).or_else(|e| error(&ctx, e.to_string()))?,
                });
            }
            hex_of(&ctx, command::put_key(replace, 1, new_kvn, &data))
        },
    );
}

fn key_kind(ctx: &NativeCallContext, text: &str) -> RhaiResult<KeyKind> {
    match text.to_ascii_lowercase().as_str() {
        "aes" => Ok(KeyKind::Aes),
        "des" => Ok(KeyKind::Des),
        other => error(ctx, format!("key type is aes or des, not {other}")),
    }
}
