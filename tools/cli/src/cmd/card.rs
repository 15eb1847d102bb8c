//! `jcos card new` (with the issuer security domain unless `--bare` or `--profile`) and
//! `jcos card info`.

use crate::args::{CardInfoArgs, CardNewArgs};
use crate::Outcome;
use anyhow::Context;
use jcos_apdu::hex;
use jcos_cos::{Card, CardConfig, Profile, Protocol};
use serde::Serialize;

/// Creates a new card image.
pub fn new(args: &CardNewArgs) -> anyhow::Result<Outcome> {
    let config = CardConfig {
        protocol: args.protocol.into(),
    };
    let card = match &args.profile {
        Some(profile) => {
            let fs = Profile::load_file_system(profile)?;
            Card::create_image_with_file_system(&args.image, config, fs)
        }
        None if args.bare => Card::create_image(&args.image, config),
        None => {
            let card =
                Card::with_isd(config).context("cannot install the issuer security domain")?;
            card.write_new_image(&args.image).map(|()| card)
        }
    }
    .with_context(|| format!("cannot create card image {}", args.image.display()))?;
    let isd = match card.registry().isd() {
        Some(isd) => format!(
            "; issuer security domain {}, card {}",
            hex::encode(&isd.aid),
            card.registry().card_life_cycle().name()
        ),
        None => String::new(),
    };
    println!(
        "created {} (ATR {}){isd}",
        args.image.display(),
        hex::encode(card.atr().as_bytes())
    );
    Ok(Outcome::Pass)
}

#[derive(Serialize)]
struct Info {
    image: String,
    protocol: &'static str,
    atr: String,
    historical_bytes: String,
    /// The issuer security domain's AID, on a card that has one.
    issuer_security_domain: Option<String>,
    card_life_cycle: &'static str,
}

/// Shows what a card image holds.
pub fn info(args: &CardInfoArgs) -> anyhow::Result<Outcome> {
    let card = Card::open_image(&args.image)?;
    let atr = card.atr();
    let info = Info {
        image: args.image.display().to_string(),
        protocol: match card.config().protocol {
            Protocol::T0 => "T=0",
            Protocol::T1 => "T=1",
        },
        atr: hex::encode(atr.as_bytes()),
        historical_bytes: hex::encode(atr.historical_bytes()),
        issuer_security_domain: card.registry().isd().map(|a| hex::encode(&a.aid)),
        card_life_cycle: card.registry().card_life_cycle().name(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        println!("image:            {}", info.image);
        println!("protocol:         {}", info.protocol);
        println!("ATR:              {}", info.atr);
        println!("historical bytes: {}", info.historical_bytes);
        if let Some(isd) = &info.issuer_security_domain {
            println!("security domain:  {isd} (issuer)");
        }
        println!("card life cycle:  {}", info.card_life_cycle);
    }
    Ok(Outcome::Pass)
}
