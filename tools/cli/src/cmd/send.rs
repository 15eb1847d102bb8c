//! `jcos send [IMAGE] APDU... [--tcp HOST:PORT | --reader NAME]`: one power session, the
//! APDUs in order; an image has each command's effects before its answer
//! (`--fsync`: on the device), and `--tear-after N` cuts the power during a write.

use crate::args::SendArgs;
use crate::cmd::target::CardTarget;
use crate::output::Exchange;
use crate::Outcome;
use anyhow::{bail, Context};
use jcos_apdu::hex;
use jcos_cos::Durability;

/// Sends the APDUs and prints each response.
pub fn run(args: &SendArgs) -> anyhow::Result<Outcome> {
    // With --tcp or --reader there is no image: the first positional argument is an APDU.
    let (target, texts): (CardTarget, Vec<String>) = match CardTarget::remote(&args.remote) {
        Some(target) => {
            let first = args.image.iter().map(|p| p.to_string_lossy().into_owned());
            (target, first.chain(args.apdus.iter().cloned()).collect())
        }
        None => match &args.image {
            Some(image) => (CardTarget::Image(image.clone()), args.apdus.clone()),
            None => bail!("no card: give an IMAGE, --tcp HOST:PORT or --reader NAME"),
        },
    };
    if texts.is_empty() {
        bail!("no APDU to send: jcos send IMAGE APDU... (or --tcp HOST:PORT APDU...)");
    }
    // Decode every argument before touching the card, so bad input changes nothing.
    let commands = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            hex::decode(text).with_context(|| format!("APDU argument {} ({text:?})", i + 1))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = &args.image_options;
    let durability = if options.fsync {
        Durability::Device
    } else {
        Durability::Os
    };
    let mut card = target.open_with(durability)?;
    card.transport().power_on()?;
    if let Some(writes) = options.tear_after {
        card.arm_tear(writes)?;
    }
    let mut exchanges = Vec::with_capacity(commands.len());
    for command in &commands {
        let response = card.transport().transmit(command)?;
        if card.power_lost() {
            // The card answered nothing; the commands after it are not sent.
            exchanges.push(Exchange {
                command: hex::encode(command),
                response: String::new(),
                data: String::new(),
                sw: String::new(),
                meaning: "no response: the power was cut during a persistent write \
                          (--tear-after)"
                    .into(),
            });
            break;
        }
        exchanges.push(Exchange::new(command, &response));
    }
    card.finish()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&exchanges)?);
    } else {
        for e in &exchanges {
            println!("{}", e.to_text());
        }
    }
    Ok(Outcome::Pass)
}
