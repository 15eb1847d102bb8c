//! Messages between the script thread and the thread that owns the card connection.

use std::sync::mpsc;

/// What the script asks of the card side.
pub(super) enum Call {
    /// Send a command APDU; the reply holds the response.
    Transmit(Vec<u8>),
    /// Power on; the reply holds the ATR.
    PowerOn,
    /// Power off.
    PowerOff,
    /// Reset; the reply holds the ATR.
    Reset,
    /// Arm a tear after this many more persistent writes (no reply data).
    ArmTear(u64),
    /// Print a line of script output (no reply).
    Print(String),
}

/// A call and where its reply goes.
pub(super) struct Request {
    pub(super) call: Call,
    pub(super) reply: Option<mpsc::Sender<Result<Vec<u8>, String>>>,
}

/// The script side of the channel.
#[derive(Clone)]
pub(super) struct Link {
    tx: mpsc::Sender<Request>,
}

impl Link {
    pub(super) fn new(tx: mpsc::Sender<Request>) -> Self {
        Self { tx }
    }

    /// Makes a call and waits for its reply.
    pub(super) fn call(&self, call: Call) -> Result<Vec<u8>, String> {
        let (reply_tx, reply_rx) = mpsc::channel();
        self.tx
            .send(Request {
                call,
                reply: Some(reply_tx),
            })
            .map_err(|_| "the card connection is closed".to_string())?;
        reply_rx
            .recv()
            .map_err(|_| "the card connection is closed".to_string())?
    }

    /// Sends a line of output.
    pub(super) fn print(&self, text: &str) {
        let _ = self.tx.send(Request {
            call: Call::Print(text.to_string()),
            reply: None,
        });
    }
}
