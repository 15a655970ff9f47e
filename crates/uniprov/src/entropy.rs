//! The runtime's entropy source: the OS generator behind the core's [`Entropy`] trait.

use std::sync::{Arc, Mutex, PoisonError};

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

/// One entropy source shared by the device's parts (the handshakes, the HTTP session cookies):
/// clones draw from the same source, one draw at a time.
#[derive(Clone)]
pub(crate) struct SharedEntropy(Arc<Mutex<Box<dyn Entropy + Send>>>);

impl SharedEntropy {
    /// Shares `entropy`.
    pub(crate) fn new(entropy: Box<dyn Entropy + Send>) -> Self {
        Self(Arc::new(Mutex::new(entropy)))
    }
}

impl Entropy for SharedEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        // A panic elsewhere while drawing leaves the source as usable as before.
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fill(dest);
    }
}
