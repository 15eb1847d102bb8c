//! `jcos fs tree`: the file system of a card image.

use crate::args::FsTreeArgs;
use crate::Outcome;
use jcos_cos::{fs, Card};

/// Prints the file tree of a card image with access conditions; internal EFs show what they
/// are, never what they hold.
pub fn tree(args: &FsTreeArgs) -> anyhow::Result<Outcome> {
    let card = Card::open_image(&args.image)?;
    match card.file_system() {
        Some(file_system) => {
            print!("{}", fs::tree::render(file_system));
            println!(
                "{} of {} bytes used",
                file_system.used(),
                file_system.capacity()
            );
            Ok(Outcome::Pass)
        }
        None => anyhow::bail!(
            "{}: the card has no file system (make one with `jcos card new IMAGE --profile FILE`)",
            args.image.display()
        ),
    }
}
