//! Injected randomness.
//!
//! The core never reads the OS random source. Every call that needs random bytes takes an
//! `&mut dyn Entropy`; the std runtime passes an adapter over the OS generator, tests pass a
//! seeded generator so the same seed and script give byte-identical transcripts.

/// A source of cryptographically secure random bytes.
pub trait Entropy {
    /// Fills `dest` entirely with random bytes.
    fn fill(&mut self, dest: &mut [u8]);
}

impl<E: Entropy + ?Sized> Entropy for &mut E {
    fn fill(&mut self, dest: &mut [u8]) {
        (**self).fill(dest)
    }
}
