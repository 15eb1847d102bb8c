//! Random numbers: the card's entropy source seen as a `rand_core` generator, and the
//! seedable pseudo-random generator of `RandomData.ALG_PSEUDO_RANDOM`.

use rand::{RngExt, SeedableRng};
use rand_core::{Infallible, TryCryptoRng, TryRng};
use sha2_011::{Digest, Sha256};

/// Adapts a byte source (the card runtime's `random`) to the `rand_core` traits the
/// RustCrypto crates take; the card's source is its cryptographic RNG.
pub struct SourceRng<F: FnMut(&mut [u8])>(pub F);

impl<F: FnMut(&mut [u8])> TryRng for SourceRng<F> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        (self.0)(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        (self.0)(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        (self.0)(dst);
        Ok(())
    }
}

impl<F: FnMut(&mut [u8])> TryCryptoRng for SourceRng<F> {}

/// The pseudo-random generator: a ChaCha-based `StdRng` whose 32-byte seed is replaced
/// after every request (fast key erasure), so the state is just the seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prng {
    seed: [u8; 32],
}

impl Prng {
    /// A generator started from `seed`.
    pub fn new(seed: [u8; 32]) -> Prng {
        Prng { seed }
    }

    /// `setSeed`: mixes `extra` into the current seed (SHA-256 of both).
    pub fn reseed(&mut self, extra: &[u8]) {
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(extra);
        self.seed.copy_from_slice(&h.finalize());
    }

    /// Fills `dst` and moves to a fresh seed.
    pub fn fill(&mut self, dst: &mut [u8]) {
        let mut rng = rand::rngs::StdRng::from_seed(self.seed);
        rng.fill(dst);
        rng.fill(&mut self.seed[..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prng_is_deterministic_per_seed_and_reseeding_changes_it() {
        let (mut a, mut b) = (Prng::new([7; 32]), Prng::new([7; 32]));
        let (mut x, mut y) = ([0u8; 40], [0u8; 40]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        a.fill(&mut x);
        assert_ne!(x, y, "the state moves on");
        b.reseed(b"more");
        b.fill(&mut y);
        assert_ne!(x, y);
    }
}
