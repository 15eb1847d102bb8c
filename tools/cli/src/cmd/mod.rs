//! One module per subcommand; `run` dispatches.

mod bench;
mod bench_applet;
mod bench_crypto;
mod bench_transport;
mod cap;
mod card;
mod conformance;
mod convert;
mod fs;
pub(crate) mod gp;
pub(crate) mod load;
mod run;
mod send;
mod serve;
mod shell;
mod target;

use crate::args::{
    CapCommand, CardCommand, Cli, Command, ConformanceCommand, FsCommand, ProtocolArg,
};
use crate::Outcome;
use jcos_cos::Protocol;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Card(CardCommand::New(args)) => card::new(&args),
        Command::Card(CardCommand::Info(args)) => card::info(&args),
        Command::Fs(FsCommand::Tree(args)) => fs::tree(&args),
        Command::Send(args) => send::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Conformance(ConformanceCommand::Run(args)) => conformance::run(&args),
        Command::Shell(args) => shell::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Cap(CapCommand::Verify(args)) => cap::verify(&args),
        Command::Convert(args) => convert::convert_cmd(&args),
        Command::Api(args) => convert::api(&args),
        Command::Build(args) => convert::build(&args),
        Command::Cap(CapCommand::Dump(args)) => cap::dump(&args),
        Command::Load(args) => load::run(&args),
        Command::Gp(command) => gp::run(&command),
    }
}

impl From<ProtocolArg> for Protocol {
    fn from(p: ProtocolArg) -> Self {
        match p {
            ProtocolArg::T0 => Protocol::T0,
            ProtocolArg::T1 => Protocol::T1,
        }
    }
}
