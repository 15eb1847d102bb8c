//! `jcos send [IMAGE] APDU... [--tcp HOST:PORT | --reader NAME]`: one power session, the
//! APDUs in order, an image saved after.

use crate::args::SendArgs;
use crate::cmd::target::CardTarget;
use crate::output::Exchange;
use crate::Outcome;
use anyhow::{bail, Context};
use jcos_apdu::hex;

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
    let mut card = target.open()?;
    let transport = card.transport();
    transport.power_on()?;
    let mut exchanges = Vec::with_capacity(commands.len());
    for command in &commands {
        let response = transport.transmit(command)?;
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
