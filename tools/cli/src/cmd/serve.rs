//! `jcos serve IMAGE... [--vpcd HOST:PORT] [--tcp HOST:PORT] [--trace]`: the cards stay open,
//! reachable by PC/SC programs (through vpcd in pcscd) and over loopback TCP, until SIGINT or
//! SIGTERM; then the APDU in flight is answered, every image saved, and jcos exits 0. The
//! cards are opened for durable use: each APDU's effects are in the image's journal before
//! its answer leaves, so even a killed server loses nothing it answered.

use crate::args::ServeArgs;
use crate::Outcome;
use anyhow::{bail, Context};
use jcos_cos::Durability;
use jcos_transport::{lock, Log, ServedCard, SharedCard, Shutdown, TcpServer, VpcdClient};
use std::collections::HashSet;
use std::io::Write;
use std::thread::JoinHandle;

/// Serves the cards until a stop signal.
pub fn run(args: &ServeArgs) -> anyhow::Result<Outcome> {
    // Signals are blocked before any thread exists, so every thread inherits the mask and
    // only the waiting thread below receives them: no handler runs in the middle of an APDU.
    let signals = stop_signals::block()?;
    let mut seen = HashSet::new();
    for image in &args.images {
        let key = std::fs::canonicalize(image).unwrap_or_else(|_| image.clone());
        if !seen.insert(key) {
            bail!(
                "{} is given twice: one image can back one served card only",
                image.display()
            );
        }
    }
    let durability = if args.sync {
        Durability::Device
    } else {
        Durability::Os
    };
    let cards: Vec<SharedCard> = args
        .images
        .iter()
        .map(|image| {
            ServedCard::open(image, durability)
                .map(ServedCard::shared)
                .with_context(|| format!("cannot serve {}", image.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let log = Log::stderr(args.trace);
    let shutdown = Shutdown::new();

    // Every listener is bound before anything is served, so a taken port fails the start.
    let mut tcp = Vec::new();
    if let Some(base) = &args.tcp {
        for (i, card) in cards.iter().enumerate() {
            let addr = nth_addr(base, i)?;
            let server = TcpServer::bind(&addr)?;
            let bound = server.local_addr().context("listening socket")?;
            tcp.push((server, card.clone(), bound));
        }
    }
    let mut out = std::io::stdout().lock();
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    if let Some(base) = &args.vpcd {
        for (i, card) in cards.iter().enumerate() {
            let addr = nth_addr(base, i)?;
            writeln!(out, "jcos serve: {} on vpcd {addr}", lock(card).label())?;
            let client = VpcdClient::new(addr, card.clone(), shutdown.clone(), log.clone());
            threads.push(std::thread::spawn(move || client.run()));
        }
    }
    for (server, card, bound) in tcp {
        writeln!(out, "jcos serve: {} on tcp {bound}", lock(&card).label())?;
        let (shutdown, log) = (shutdown.clone(), log.clone());
        threads.push(std::thread::spawn(move || server.run(card, shutdown, log)));
    }
    out.flush()?;
    drop(out);

    {
        let (shutdown, log) = (shutdown.clone(), log.clone());
        std::thread::spawn(move || {
            let name = stop_signals::wait(&signals);
            log.line(format_args!("jcos serve: {name}: stopping"));
            shutdown.request();
        });
    }
    for thread in threads {
        // A server thread that panicked has already reported; the cards are still saved.
        let _ = thread.join();
    }
    let mut failed = Vec::new();
    for card in &cards {
        let mut card = lock(card);
        card.power_off();
        match card.save() {
            Ok(()) => log.line(format_args!("jcos serve: {} saved", card.label())),
            Err(e) => failed.push(format!("{}: {e}", card.label())),
        }
    }
    if !failed.is_empty() {
        bail!("cannot save: {}", failed.join("; "));
    }
    Ok(Outcome::Pass)
}

/// `HOST:PORT` with the port moved up by `n` (port 0 stays 0: the system picks).
fn nth_addr(base: &str, n: usize) -> anyhow::Result<String> {
    let (host, port) = base
        .rsplit_once(':')
        .with_context(|| format!("{base:?} is not HOST:PORT"))?;
    let port: u16 = port
        .parse()
        .with_context(|| format!("{base:?}: the port {port:?} is not a number from 0 to 65535"))?;
    if port == 0 {
        return Ok(base.to_string());
    }
    let nth = u16::try_from(n)
        .ok()
        .and_then(|n| port.checked_add(n))
        .with_context(|| format!("{base:?}: card {} would need a port above 65535", n + 1))?;
    Ok(format!("{host}:{nth}"))
}

#[cfg(unix)]
mod stop_signals {
    use nix::sys::signal::{SigSet, Signal};

    /// Blocks SIGINT and SIGTERM in this thread and every thread it starts.
    pub fn block() -> anyhow::Result<SigSet> {
        let mut set = SigSet::empty();
        set.add(Signal::SIGINT);
        set.add(Signal::SIGTERM);
        set.thread_block()?;
        Ok(set)
    }

    /// Waits for one of the blocked signals and names it.
    pub fn wait(set: &SigSet) -> &'static str {
        match set.wait() {
            Ok(signal) => signal.as_str(),
            Err(_) => "signal wait failed",
        }
    }
}

#[cfg(not(unix))]
mod stop_signals {
    /// No signal masks here: Ctrl-C ends the process, and images hold the last saved APDU.
    pub fn block() -> anyhow::Result<()> {
        Ok(())
    }

    /// Never returns: nothing but process termination stops the server.
    pub fn wait(_: &()) -> &'static str {
        loop {
            std::thread::park();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::nth_addr;

    #[test]
    fn further_cards_take_the_following_ports() {
        assert_eq!(nth_addr("127.0.0.1:35963", 0).unwrap(), "127.0.0.1:35963");
        assert_eq!(nth_addr("127.0.0.1:35963", 1).unwrap(), "127.0.0.1:35964");
        assert_eq!(nth_addr("[::1]:9000", 2).unwrap(), "[::1]:9002");
        assert_eq!(nth_addr("127.0.0.1:0", 3).unwrap(), "127.0.0.1:0");
        assert!(nth_addr("127.0.0.1:65535", 1).is_err());
        assert!(nth_addr("localhost", 0).is_err());
        assert!(nth_addr("localhost:http", 0).is_err());
    }
}
