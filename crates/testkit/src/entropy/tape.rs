//! Deterministic entropy: the same input always draws the same bytes, so every crash replays.

use uniprov_core::Entropy;

/// Bytes from a tape taken from the fuzz input, then from a fixed-seed generator.
///
/// Seeds put the vectors' device randomness (X25519 secret and `device_random`, or SRP `b` and
/// the nonce) on the tape, so the device answers exactly as in the vector and the vector's
/// `SessionCmd1` and ciphertexts stay valid.
#[derive(Debug, Clone)]
pub struct TapeEntropy {
    tape: Vec<u8>,
    pos: usize,
    state: u64,
}

impl TapeEntropy {
    /// Entropy that first yields `tape`, then SplitMix64 output from a fixed seed.
    pub fn new(tape: &[u8]) -> Self {
        TapeEntropy {
            tape: tape.to_vec(),
            pos: 0,
            state: 0x005e_ed0f_f022_u64,
        }
    }

    /// No tape: only the fixed-seed generator (different seeds give different streams).
    pub fn seeded(seed: u64) -> Self {
        TapeEntropy {
            tape: Vec::new(),
            pos: 0,
            state: seed,
        }
    }

    fn next_u64(&mut self) -> u64 {
        // SplitMix64.
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Entropy for TapeEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        for byte in dest.iter_mut() {
            *byte = match self.tape.get(self.pos) {
                Some(&b) => {
                    self.pos += 1;
                    b
                }
                None => self.next_u64().to_le_bytes()[0],
            };
        }
    }
}
