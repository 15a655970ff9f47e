//! Deterministic entropy: the same seed, script or tape always draws the same bytes, so
//! transcripts are byte-identical from run to run.

use std::collections::VecDeque;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use uniprov_core::Entropy;

mod tape;

pub use tape::TapeEntropy;

/// Entropy that yields scripted chunks, each exactly the size of one `fill` call, in order.
/// This pins down both the values and the order and sizes of the draws.
pub struct Script(VecDeque<Vec<u8>>);

impl Script {
    /// Entropy answering each `fill` with the next chunk.
    pub fn new(chunks: Vec<Vec<u8>>) -> Self {
        Script(chunks.into())
    }
    /// Whether every chunk was drawn.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Entropy for Script {
    fn fill(&mut self, dest: &mut [u8]) {
        let chunk = self.0.pop_front().expect("entropy script exhausted");
        assert_eq!(chunk.len(), dest.len(), "entropy draw of unexpected size");
        dest.copy_from_slice(&chunk);
    }
}

/// Seeded ChaCha20 entropy for pair tests.
pub struct Seeded(pub ChaCha20Rng);

impl Seeded {
    /// ChaCha20 seeded from `seed`.
    pub fn new(seed: u64) -> Self {
        Seeded(ChaCha20Rng::seed_from_u64(seed))
    }
}

impl Entropy for Seeded {
    fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
}
