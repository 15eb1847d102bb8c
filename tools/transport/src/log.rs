//! Where a server reports connections, errors and, with tracing on, every exchange.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// A shared line sink (standard error for `jcos serve`, a buffer in tests).
#[derive(Clone)]
pub struct Log {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    trace: bool,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("trace", &self.trace)
            .finish_non_exhaustive()
    }
}

impl Log {
    /// Lines go to `out`; exchanges are traced when `trace` is set.
    pub fn new(out: Box<dyn Write + Send>, trace: bool) -> Self {
        Self {
            out: Arc::new(Mutex::new(out)),
            trace,
        }
    }

    /// Lines go to standard error.
    pub fn stderr(trace: bool) -> Self {
        Self::new(Box::new(std::io::stderr()), trace)
    }

    /// Whether exchanges are traced.
    pub fn tracing(&self) -> bool {
        self.trace
    }

    /// Writes one line. A failing sink is ignored: logging never stops a card.
    pub fn line(&self, text: std::fmt::Arguments<'_>) {
        let mut out = match self.out.lock() {
            Ok(out) => out,
            Err(poisoned) => poisoned.into_inner(),
        };
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}
