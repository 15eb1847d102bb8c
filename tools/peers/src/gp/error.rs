//! Why a GlobalPlatform operation failed.

use jcos_apdu::StatusWord;
use jcos_transport::TransportError;

/// A failed GlobalPlatform operation: the transport, the card's answer, or the host's own
/// input (keys, CAP files, arguments).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GpError {
    /// The exchange with the card failed below the APDU level.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The card refused a command.
    #[error("{command}: the card answered {sw} ({})", sw.meaning())]
    Refused {
        /// The command, as GP names it (`INSTALL [for load]`).
        command: String,
        /// The status word.
        sw: StatusWord,
    },
    /// The card's cryptogram in the INITIALIZE UPDATE response is not the one the keys give:
    /// the card holds other keys (or another key version, or needs diversification).
    #[error(
        "card cryptogram mismatch: the card sent {received}, these keys give {expected} \
         (wrong keys, key version or diversification?)"
    )]
    CardCryptogram {
        /// The cryptogram computed on the host, hex.
        expected: String,
        /// The cryptogram in the card's answer, hex.
        received: String,
    },
    /// A response MAC does not verify.
    #[error("{command}: the response MAC (R-MAC) does not verify")]
    ResponseMac {
        /// The command whose response it was.
        command: String,
    },
    /// A card answer is not what the specification defines.
    #[error("{command}: malformed response: {what}")]
    Malformed {
        /// The command whose response it was.
        command: String,
        /// What is wrong with it.
        what: String,
    },
    /// The card reports a key check value other than the host's for a key it received.
    #[error("PUT KEY: the card's key check value {received} is not {expected}")]
    KeyCheck {
        /// The host's KCV, hex.
        expected: String,
        /// The card's KCV, hex.
        received: String,
    },
    /// A key is not usable as given.
    #[error("key: {0}")]
    Key(String),
    /// A cryptographic operation got input it cannot take.
    #[error("crypto: {0}")]
    Crypto(String),
    /// The CAP file cannot be loaded.
    #[error("CAP file: {0}")]
    Cap(String),
    /// The request cannot be expressed (bad argument, option the protocol lacks).
    #[error("{0}")]
    Invalid(String),
    /// The card offers a protocol or option this client does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl GpError {
    /// The card's status word, when the card refused a command.
    pub fn status_word(&self) -> Option<StatusWord> {
        match self {
            GpError::Refused { sw, .. } => Some(*sw),
            _ => None,
        }
    }
}
