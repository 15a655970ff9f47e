//! The runtime's entropy source: the OS generator behind the core's [`Entropy`] trait.

use rand::RngCore;
use uniprov_core::Entropy;

/// Random bytes from the operating system (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        rand::rngs::OsRng.fill_bytes(dest);
    }
}
