//! `jcos send IMAGE APDU...`: one power session, the APDUs in order, the image saved after.

use crate::args::SendArgs;
use crate::output::Exchange;
use crate::Outcome;
use anyhow::Context;
use jcos_apdu::hex;
use jcos_cos::Card;

/// Sends the APDUs and prints each response.
pub fn run(args: &SendArgs) -> anyhow::Result<Outcome> {
    // Decode every argument before touching the card, so bad input changes nothing.
    let commands = args
        .apdus
        .iter()
        .enumerate()
        .map(|(i, text)| {
            hex::decode(text).with_context(|| format!("APDU argument {} ({text:?})", i + 1))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut card = Card::open_image(&args.image)?;
    card.power_on();
    let exchanges: Vec<Exchange> = commands
        .iter()
        .map(|command| Exchange::new(command, &card.transmit(command)))
        .collect();
    card.power_off();
    card.save_image(&args.image)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&exchanges)?);
    } else {
        for e in &exchanges {
            println!("{}", e.to_text());
        }
    }
    Ok(Outcome::Pass)
}
