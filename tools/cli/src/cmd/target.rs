//! Where a command's card is: an image file, a fresh in-memory card, a card served by
//! `jcos serve --tcp`, or a card in a PC/SC reader. Commands talk to all of them through one
//! [`Transport`], so `send`, `run` (and `gp`) accept `--tcp` and `--reader` alike.

use crate::args::RemoteCardArgs;
use anyhow::Context;
use jcos_cos::{Card, CardConfig, Durability};
use jcos_transport::{TcpTransport, Transport};
use std::path::PathBuf;

/// The card a command works on.
#[derive(Debug, Clone)]
pub enum CardTarget {
    /// A card image, opened for durable use (each command's effects are in the image before
    /// its answer) and checkpointed when the command finishes.
    Image(PathBuf),
    /// A new card in memory, gone when the command finishes.
    Fresh(CardConfig),
    /// A card served over TCP at `HOST:PORT`.
    Tcp(String),
    /// The card in a PC/SC reader.
    Reader(String),
}

impl CardTarget {
    /// The target named by `--tcp` or `--reader`, if either was given.
    pub fn remote(args: &RemoteCardArgs) -> Option<Self> {
        match (&args.tcp, &args.reader) {
            (Some(addr), _) => Some(CardTarget::Tcp(addr.clone())),
            (None, Some(name)) => Some(CardTarget::Reader(name.clone())),
            (None, None) => None,
        }
    }

    /// Opens the card, keeping an image durable at the level given.
    pub fn open_with(self, durability: Durability) -> anyhow::Result<OpenCard> {
        let opened = match self {
            CardTarget::Image(path) => Opened::Local {
                card: Box::new(Card::open_durable(&path, durability)?),
                image: Some(path),
            },
            CardTarget::Fresh(config) => Opened::Local {
                card: Box::new(Card::new(config)),
                image: None,
            },
            CardTarget::Tcp(addr) => Opened::Remote(Box::new(TcpTransport::connect(&addr)?)),
            CardTarget::Reader(name) => Opened::Remote(jcos_transport::connect_reader(&name)?),
        };
        Ok(OpenCard(opened))
    }
}

/// An opened card.
pub struct OpenCard(Opened);

enum Opened {
    Local {
        card: Box<Card>,
        image: Option<PathBuf>,
    },
    Remote(Box<dyn Transport>),
}

impl OpenCard {
    /// The card as a transport.
    pub fn transport(&mut self) -> &mut dyn Transport {
        match &mut self.0 {
            Opened::Local { card, .. } => card.as_mut(),
            Opened::Remote(transport) => transport.as_mut(),
        }
    }

    /// Arms a tear on a card in this process (see `Card::arm_tear`).
    pub fn arm_tear(&mut self, writes: u64) -> anyhow::Result<()> {
        match &mut self.0 {
            Opened::Local { card, .. } => {
                Card::arm_tear(card, writes);
                Ok(())
            }
            Opened::Remote(_) => {
                anyhow::bail!(
                    "--tear-after needs a card in this process (an image or a fresh card)"
                )
            }
        }
    }

    /// Whether a tear cut the power of a card in this process.
    pub fn power_lost(&self) -> bool {
        match &self.0 {
            Opened::Local { card, .. } => card.power_lost(),
            Opened::Remote(_) => false,
        }
    }

    /// Ends the command's power session; an image card, whose commands are already in its
    /// journal, is checkpointed (the journal folded into the image).
    pub fn finish(self) -> anyhow::Result<()> {
        match self.0 {
            Opened::Local { mut card, image } => {
                Card::power_off(&mut card);
                if let Some(image) = image {
                    card.checkpoint()
                        .with_context(|| format!("cannot checkpoint {}", image.display()))?;
                }
                Ok(())
            }
            Opened::Remote(mut transport) => transport
                .power_off()
                .context("cannot power the card off at the end"),
        }
    }
}
