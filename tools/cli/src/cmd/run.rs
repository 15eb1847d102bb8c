//! `jcos run SCRIPT [--card IMAGE | --tcp HOST:PORT | --reader NAME]`.

use crate::args::RunArgs;
use crate::cmd::target::CardTarget;
use crate::Outcome;
use jcos_cos::{CardConfig, Durability};
use jcos_script::{run_script_file, RunOptions};

/// Runs one script against a card image, a served card, a reader, or a fresh in-memory card.
pub fn run(args: &RunArgs) -> anyhow::Result<Outcome> {
    let target = match (&args.card, CardTarget::remote(&args.remote)) {
        (Some(image), _) => CardTarget::Image(image.clone()),
        (None, Some(remote)) => remote,
        (None, None) => CardTarget::Fresh(CardConfig {
            protocol: args.protocol.into(),
        }),
    };
    let options = &args.image_options;
    let durability = if options.fsync {
        Durability::Device
    } else {
        Durability::Os
    };
    let mut card = target.open_with(durability)?;
    if let Some(writes) = options.tear_after {
        card.arm_tear(writes)?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = run_script_file(
        &args.script,
        card.transport(),
        &mut out,
        RunOptions::default(),
    )?;
    card.finish()?;
    match outcome {
        jcos_script::Outcome::Passed => Ok(Outcome::Pass),
        jcos_script::Outcome::Failed(failure) => {
            eprintln!("jcos: FAILED {failure}");
            Ok(Outcome::Fail)
        }
    }
}
