//! `jcos run SCRIPT [--card IMAGE]`.

use crate::args::RunArgs;
use crate::Outcome;
use jcos_cos::{Card, CardConfig};
use jcos_script::{run_script_file, RunOptions};

/// Runs one script against a card image or a fresh in-memory card.
pub fn run(args: &RunArgs) -> anyhow::Result<Outcome> {
    let mut card = match &args.card {
        Some(image) => Card::open_image(image)?,
        None => Card::new(CardConfig {
            protocol: args.protocol.into(),
            ..CardConfig::default()
        }),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = run_script_file(&args.script, &mut card, &mut out, RunOptions::default())?;
    if let Some(image) = &args.card {
        card.power_off();
        card.save_image(image)?;
    }
    match outcome {
        jcos_script::Outcome::Passed => Ok(Outcome::Pass),
        jcos_script::Outcome::Failed(failure) => {
            eprintln!("jcos: FAILED {failure}");
            Ok(Outcome::Fail)
        }
    }
}
