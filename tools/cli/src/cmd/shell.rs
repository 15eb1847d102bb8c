//! `jcos shell IMAGE`: an interactive APDU session with history and line editing.

use crate::args::ShellArgs;
use crate::output::Exchange;
use crate::Outcome;
use jcos_apdu::hex;
use jcos_cos::Card;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

const HELP: &str = "\
Type a command APDU in hex (spaces allowed) to send it. Other commands:
  reset       cold reset (prints the ATR)
  atr         print the ATR
  off         power the card off
  help        this text
  quit        save the image and leave (also Ctrl-D)
The image is saved after every command.";

/// Runs the shell until the user quits.
pub fn run(args: &ShellArgs) -> anyhow::Result<Outcome> {
    let mut card = Card::open_image(&args.image)?;
    let atr = card.power_on();
    println!(
        "jcos shell on {} (ATR {}); 'help' lists commands",
        args.image.display(),
        hex::encode(atr.as_bytes())
    );
    let mut editor = DefaultEditor::new()?;
    let history =
        std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".jcos_history"));
    if let Some(path) = &history {
        // A missing history file is normal on first use.
        let _ = editor.load_history(path);
    }
    loop {
        let line = match editor.readline("jcos> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line);
        match line {
            "quit" | "exit" => break,
            "help" => println!("{HELP}"),
            "atr" => println!("ATR {}", hex::encode(card.atr().as_bytes())),
            "reset" => println!("ATR {}", hex::encode(card.reset().as_bytes())),
            "off" => {
                card.power_off();
                println!("card powered off");
            }
            text => match hex::decode(text) {
                Ok(command) => {
                    let response = card.transmit(&command);
                    println!("{}", Exchange::new(&command, &response).to_text());
                }
                Err(e) => println!("not a command or hex APDU: {e}"),
            },
        }
        card.save_image(&args.image)?;
    }
    card.power_off();
    card.save_image(&args.image)?;
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    Ok(Outcome::Pass)
}
