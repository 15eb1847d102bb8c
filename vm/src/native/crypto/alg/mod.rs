//! The algorithm layer: Java Card algorithms in terms of the RustCrypto crates, free of any
//! VM type so that it can be tested against published known-answer vectors directly.
//! Nothing here implements a primitive; it selects, composes and pads.

pub mod aead;
pub mod checksum;
pub mod digest;
pub mod ec;
pub mod iso9796;
pub mod rng;
pub mod rsa;
pub mod sym;

/// `javacard.security.CryptoException` reasons (Java Card 3.0.5 API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// `ILLEGAL_VALUE`: a parameter or key component has an unacceptable value.
    #[error("CryptoException.ILLEGAL_VALUE")]
    IllegalValue,
    /// `UNINITIALIZED_KEY`: the key has not been (fully) set.
    #[error("CryptoException.UNINITIALIZED_KEY")]
    UninitializedKey,
    /// `NO_SUCH_ALGORITHM`: the algorithm or key type is not supported.
    #[error("CryptoException.NO_SUCH_ALGORITHM")]
    NoSuchAlgorithm,
    /// `INVALID_INIT`: the engine was not initialised, or for another mode.
    #[error("CryptoException.INVALID_INIT")]
    InvalidInit,
    /// `ILLEGAL_USE`: wrong data length, bad padding, or an operation not allowed now.
    #[error("CryptoException.ILLEGAL_USE")]
    IllegalUse,
}

impl CryptoError {
    /// The reason code `CryptoException.getReason()` returns.
    pub fn reason(self) -> i16 {
        match self {
            CryptoError::IllegalValue => 1,
            CryptoError::UninitializedKey => 2,
            CryptoError::NoSuchAlgorithm => 3,
            CryptoError::InvalidInit => 4,
            CryptoError::IllegalUse => 5,
        }
    }
}

/// Result of the algorithm layer.
pub type CryptoResult<T> = Result<T, CryptoError>;
