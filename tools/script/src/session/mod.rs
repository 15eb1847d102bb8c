//! Golden fixture sessions (`session` / `*.session` files): APDUs with expected responses,
//! power cycles, and the loading and installing of fixture CAP files.

mod parse;
mod run;

pub use parse::{parse, Directive, Exchange, Line, ParseError, Session};
pub(crate) use run::describe_response;
pub use run::run;

#[cfg(test)]
mod tests;
