//! `jcos run SCRIPT [--card IMAGE | --tcp HOST:PORT | --reader NAME]`.

use crate::args::RunArgs;
use crate::cmd::target::CardTarget;
use crate::Outcome;
use jcos_cos::CardConfig;
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
    let mut card = target.open()?;
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
