//! The functions a jcos script can call, and the script thread's main loop.

use super::errors::{failure, AssertionFailure, ASSERTION_FAILED};
use super::host::{Call, Link, Request};
use super::include;
use super::Limits;
use crate::hexpat::HexPattern;
use crate::outcome::Failure;
use crate::session::describe_response;
use jcos_apdu::{hex, StatusWord};
use rhai::{Blob, Dynamic, Engine, EvalAltResult, NativeCallContext, Scope, AST, INT};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// A response APDU as scripts see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The command that produced it (empty when the script built it otherwise).
    pub command: Vec<u8>,
    /// Response data.
    pub data: Vec<u8>,
    /// SW1 SW2.
    pub sw: u16,
}

impl Response {
    /// Data followed by SW1 SW2.
    pub fn bytes(&self) -> Vec<u8> {
        let mut all = self.data.clone();
        all.extend(self.sw.to_be_bytes());
        all
    }
    fn describe(&self) -> String {
        describe_response(&self.bytes())
    }
}

/// Raises a script error at the calling position.
fn error<T>(ctx: &NativeCallContext, message: impl Into<String>) -> RhaiResult<T> {
    Err(Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(message.into()),
        ctx.call_position(),
    )))
}

fn decode_hex(ctx: &NativeCallContext, text: &str, what: &str) -> RhaiResult<Vec<u8>> {
    hex::decode(text).or_else(|e| error(ctx, format!("{what} \"{text}\" is not hex: {e}")))
}

/// Bytes of an APDU given as a hex string or a blob.
fn apdu_bytes(ctx: &NativeCallContext, apdu: &Dynamic) -> RhaiResult<Vec<u8>> {
    if let Some(text) = apdu.read_lock::<rhai::ImmutableString>() {
        return decode_hex(ctx, text.as_str(), "APDU");
    }
    if let Some(blob) = apdu.read_lock::<Blob>() {
        return Ok(blob.clone());
    }
    error(
        ctx,
        format!(
            "an APDU is a hex string or a blob, not {}",
            apdu.type_name()
        ),
    )
}

/// Shared state of the script thread: the card link and the last failed assertion.
#[derive(Clone)]
struct Host {
    link: Link,
    assertion: Arc<Mutex<Option<AssertionFailure>>>,
}

impl Host {
    fn send(&self, ctx: &NativeCallContext, apdu: &Dynamic) -> RhaiResult<Response> {
        let command = apdu_bytes(ctx, apdu)?;
        // Malformed commands are allowed (scripts test the card's answer to them), empty
        // ones are not: no reader can send nothing.
        if command.is_empty() {
            return error(ctx, "send needs the bytes of a command, got none");
        }
        self.link.print(&format!(">> {}", hex::encode(&command)));
        let response = self
            .link
            .call(Call::Transmit(command.clone()))
            .or_else(|e| error(ctx, format!("transmit failed: {e}")))?;
        let [data @ .., sw1, sw2] = response.as_slice() else {
            return error(
                ctx,
                format!(
                    "the card answered {} byte(s), fewer than a status word",
                    response.len()
                ),
            );
        };
        let response = Response {
            command,
            data: data.to_vec(),
            sw: u16::from_be_bytes([*sw1, *sw2]),
        };
        self.link.print(&format!("<< {}", response.describe()));
        Ok(response)
    }

    /// Arms a tear after `writes` more persistent writes and sends `apdu`, which must end
    /// without an answer: the power is cut during its write, as the session directive
    /// `tear N APDU` does.
    fn tear_after(&self, ctx: &NativeCallContext, writes: INT, apdu: &Dynamic) -> RhaiResult<()> {
        let Ok(writes) = u64::try_from(writes) else {
            return error(ctx, format!("tear_after: {writes} is not a write count"));
        };
        let command = apdu_bytes(ctx, apdu)?;
        if command.is_empty() {
            return error(ctx, "tear_after needs the bytes of a command, got none");
        }
        self.link
            .print(&format!("tear {writes} {}", hex::encode(&command)));
        self.link
            .call(Call::ArmTear(writes))
            .or_else(|e| error(ctx, format!("tear failed: {e}")))?;
        let response = self
            .link
            .call(Call::Transmit(command.clone()))
            .or_else(|e| error(ctx, format!("transmit failed: {e}")))?;
        if !response.is_empty() {
            return self.fail(
                ctx,
                format!(
                    "tear_after({writes}, {}): the command finished before the tear and \
                     answered {}",
                    hex::encode(&command),
                    hex::encode(&response)
                ),
            );
        }
        self.link.print("<< (power lost)");
        Ok(())
    }

    /// A response given directly, or the response to an APDU given as hex or a blob.
    fn response_of(&self, ctx: &NativeCallContext, value: &Dynamic) -> RhaiResult<Response> {
        match value.read_lock::<Response>() {
            Some(r) => Ok(r.clone()),
            None => self.send(ctx, value),
        }
    }

    fn fail<T>(&self, ctx: &NativeCallContext, message: String) -> RhaiResult<T> {
        if let Ok(mut slot) = self.assertion.lock() {
            *slot = Some(AssertionFailure { message });
        }
        error(ctx, ASSERTION_FAILED)
    }

    fn expect(
        &self,
        ctx: &NativeCallContext,
        value: &Dynamic,
        expected: &str,
    ) -> RhaiResult<Response> {
        let pattern = HexPattern::parse(expected)
            .or_else(|e| error(ctx, format!("expected response \"{expected}\": {e}")))?;
        let response = self.response_of(ctx, value)?;
        if pattern.matches(&response.bytes()) {
            return Ok(response);
        }
        self.fail(
            ctx,
            format!(
                "{}\n{}",
                headline(&response),
                pattern.explain_mismatch(&response.bytes())
            ),
        )
    }

    fn expect_sw(&self, ctx: &NativeCallContext, value: &Dynamic, sw: INT) -> RhaiResult<Response> {
        let Ok(sw) = u16::try_from(sw) else {
            return error(ctx, format!("{sw:#X} is not a status word (0000..FFFF)"));
        };
        let response = self.response_of(ctx, value)?;
        if response.sw == sw {
            return Ok(response);
        }
        self.fail(
            ctx,
            format!(
                "{}\nexpected SW {:04X} ({}), got {:04X} ({})",
                headline(&response),
                sw,
                StatusWord(sw).meaning(),
                response.sw,
                StatusWord(response.sw).meaning()
            ),
        )
    }

    fn expect_match(
        &self,
        ctx: &NativeCallContext,
        value: &Dynamic,
        pattern: &str,
    ) -> RhaiResult<Response> {
        let regex = regex::Regex::new(pattern)
            .or_else(|e| error(ctx, format!("bad regular expression: {e}")))?;
        let response = self.response_of(ctx, value)?;
        let text = hex::encode(&response.bytes());
        if regex.is_match(&text) {
            return Ok(response);
        }
        self.fail(
            ctx,
            format!(
                "{}\nexpected a response matching /{pattern}/\nactual:   {text}",
                headline(&response)
            ),
        )
    }

    fn atr(&self, ctx: &NativeCallContext, call: Call, what: &str) -> RhaiResult<String> {
        self.link
            .call(call)
            .map(|atr| hex::encode(&atr))
            .or_else(|e| error(ctx, format!("{what} failed: {e}")))
    }
}

/// First line of an assertion failure: which command got which answer.
fn headline(response: &Response) -> String {
    if response.command.is_empty() {
        format!("response {} does not match", response.describe())
    } else {
        format!(
            "response to >> {} does not match",
            hex::encode(&response.command)
        )
    }
}

fn byte_hex(ctx: &NativeCallContext, value: INT, bits: u32) -> RhaiResult<String> {
    let max: INT = (1 << bits) - 1;
    if !(0..=max).contains(&value) {
        return error(ctx, format!("{value} does not fit in {bits} bits"));
    }
    Ok(if bits == 8 {
        format!("{value:02X}")
    } else {
        format!("{value:04X}")
    })
}

fn xor_bytes(ctx: &NativeCallContext, a: &[u8], b: &[u8]) -> RhaiResult<Vec<u8>> {
    if a.len() != b.len() {
        return error(
            ctx,
            format!(
                "xor needs equal lengths, got {} and {} bytes",
                a.len(),
                b.len()
            ),
        );
    }
    Ok(a.iter().zip(b).map(|(x, y)| x ^ y).collect())
}

/// Registers the card and hex functions.
fn register(engine: &mut Engine, host: &Host) {
    engine.register_type_with_name::<Response>("Response");
    engine.register_get("sw", |r: &mut Response| INT::from(r.sw));
    engine.register_get("sw1", |r: &mut Response| INT::from(r.sw >> 8));
    engine.register_get("sw2", |r: &mut Response| INT::from(r.sw & 0xFF));
    engine.register_get("data", |r: &mut Response| hex::encode(&r.data));
    engine.register_get("bytes", |r: &mut Response| -> Blob { r.data.clone() });
    engine.register_get("len", |r: &mut Response| r.data.len() as INT);
    engine.register_fn("len", |r: &mut Response| r.data.len() as INT);
    engine.register_fn("to_string", |r: &mut Response| r.describe());
    engine.register_fn("to_debug", |r: &mut Response| r.describe());

    let h = host.clone();
    engine.register_fn("send", move |ctx: NativeCallContext, apdu: Dynamic| {
        h.send(&ctx, &apdu)
    });
    let h = host.clone();
    crate::gp::register(engine, move |ctx: &NativeCallContext, apdu: Vec<u8>| {
        h.send(ctx, &Dynamic::from_blob(apdu))
    });
    let h = host.clone();
    engine.register_fn(
        "expect",
        move |ctx: NativeCallContext, value: Dynamic, expected: &str| {
            h.expect(&ctx, &value, expected)
        },
    );
    let h = host.clone();
    engine.register_fn(
        "send_expect",
        move |ctx: NativeCallContext, apdu: Dynamic, expected: &str| {
            let response = h.send(&ctx, &apdu)?;
            h.expect(&ctx, &Dynamic::from(response), expected)
        },
    );
    let h = host.clone();
    engine.register_fn(
        "expect_sw",
        move |ctx: NativeCallContext, value: Dynamic, sw: INT| h.expect_sw(&ctx, &value, sw),
    );
    let h = host.clone();
    engine.register_fn(
        "expect_match",
        move |ctx: NativeCallContext, value: Dynamic, pattern: &str| {
            h.expect_match(&ctx, &value, pattern)
        },
    );
    let h = host.clone();
    engine.register_fn("power_on", move |ctx: NativeCallContext| {
        h.atr(&ctx, Call::PowerOn, "power_on")
    });
    let h = host.clone();
    engine.register_fn("reset", move |ctx: NativeCallContext| {
        h.atr(&ctx, Call::Reset, "reset")
    });
    let h = host.clone();
    engine.register_fn(
        "power_off",
        move |ctx: NativeCallContext| -> RhaiResult<()> {
            h.link
                .call(Call::PowerOff)
                .map(|_| ())
                .or_else(|e| error(&ctx, format!("power_off failed: {e}")))
        },
    );
    let h = host.clone();
    engine.register_fn(
        "tear_after",
        move |ctx: NativeCallContext, writes: INT, apdu: Dynamic| -> RhaiResult<()> {
            h.tear_after(&ctx, writes, &apdu)
        },
    );
    engine.register_fn(
        "include",
        |ctx: NativeCallContext, _path: &str| -> RhaiResult<()> {
            error(
                &ctx,
                "include(\"file\") must be a statement at the top level of a script",
            )
        },
    );

    engine.register_fn("hex", |b: Blob| hex::encode(&b));
    engine.register_fn("unhex", |ctx: NativeCallContext, s: &str| {
        decode_hex(&ctx, s, "text")
    });
    engine.register_fn(
        "hex_len",
        |ctx: NativeCallContext, s: &str| -> RhaiResult<INT> {
            decode_hex(&ctx, s, "text").map(|b| b.len() as INT)
        },
    );
    engine.register_fn(
        "concat",
        |ctx: NativeCallContext, a: &str, b: &str| -> RhaiResult<String> {
            let mut bytes = decode_hex(&ctx, a, "text")?;
            bytes.extend(decode_hex(&ctx, b, "text")?);
            Ok(hex::encode(&bytes))
        },
    );
    engine.register_fn("concat", |a: Blob, b: Blob| {
        let mut a = a;
        a.extend(b);
        a
    });
    engine.register_fn(
        "xor",
        |ctx: NativeCallContext, a: &str, b: &str| -> RhaiResult<String> {
            let a = decode_hex(&ctx, a, "text")?;
            let b = decode_hex(&ctx, b, "text")?;
            xor_bytes(&ctx, &a, &b).map(|x| hex::encode(&x))
        },
    );
    engine.register_fn("xor", |ctx: NativeCallContext, a: Blob, b: Blob| {
        xor_bytes(&ctx, &a, &b)
    });
    engine.register_fn("u8", |ctx: NativeCallContext, v: INT| byte_hex(&ctx, v, 8));
    engine.register_fn("u16be", |ctx: NativeCallContext, v: INT| {
        byte_hex(&ctx, v, 16)
    });
    engine.register_fn(
        "lc",
        |ctx: NativeCallContext, data: &str| -> RhaiResult<String> {
            let len = decode_hex(&ctx, data, "data")?.len();
            match u8::try_from(len) {
                Ok(n) if n > 0 => Ok(format!("{n:02X}")),
                _ => error(
                    &ctx,
                    format!("{len} data bytes do not fit a short Lc (1..255)"),
                ),
            }
        },
    );
    engine.register_fn("sw_meaning", |v: INT| match u16::try_from(v) {
        Ok(sw) => StatusWord(sw).meaning().into_owned(),
        Err(_) => format!("{v:#X} is not a status word"),
    });
}

/// An engine with the language settings of jcos scripts (compiling needs no host).
pub(super) fn compiler() -> Engine {
    let mut engine = Engine::new();
    engine.set_max_expr_depths(64, 64).disable_symbol("eval");
    engine
}

/// Builds the engine, compiles the script with its includes and runs it.
pub(super) fn run_on_this_thread(
    file: &Path,
    tx: mpsc::Sender<Request>,
    limits: Limits,
) -> Result<(), Failure> {
    let host = Host {
        link: Link::new(tx),
        assertion: Arc::new(Mutex::new(None)),
    };
    let mut engine = compiler();
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_string_size(1 << 20)
        .set_max_array_size(1 << 16)
        .set_max_map_size(1 << 16);
    let printer = host.link.clone();
    engine.on_print(move |text| printer.print(text));
    let debugger = host.link.clone();
    engine.on_debug(move |text, _, _| debugger.print(text));
    register(&mut engine, &host);

    let program = include::load(&engine, file)?;
    let mut scope = Scope::new();
    for segment in &program.segments {
        let ast = AST::new_with_source(
            segment.statements.iter().cloned(),
            program.functions.shared_lib().clone(),
            segment.file.display().to_string(),
        );
        if let Err(err) = engine.run_ast_with_scope(&mut scope, &ast) {
            let assertion = host.assertion.lock().ok().and_then(|a| a.clone());
            return Err(failure(
                &err,
                &segment.file,
                &program.function_files,
                assertion.as_ref(),
                limits.max_operations,
            ));
        }
    }
    // An assertion that failed but was caught by the script still fails it.
    if let Some(assertion) = host.assertion.lock().ok().and_then(|a| a.clone()) {
        return Err(Failure::whole(format!(
            "an assertion failed (and the script caught the error):\n{}",
            assertion.message
        )));
    }
    Ok(())
}
