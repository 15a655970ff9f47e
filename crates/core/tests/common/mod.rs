//! Helpers shared by the integration tests: vector loading and deterministic entropy.
#![allow(dead_code)]

use std::collections::VecDeque;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;
use uniprov_core::Entropy;

/// Loads `testdata/vectors/<name>`.
pub fn vectors(name: &str) -> Value {
    let path = format!(
        "{}/../../testdata/vectors/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// The hex field `key` of `v`, decoded.
pub fn hx(v: &Value, key: &str) -> Vec<u8> {
    let s = v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} missing"));
    hex::decode(s).expect("hex")
}

/// The text field `key` of `v` as bytes.
pub fn text(v: &Value, key: &str) -> Vec<u8> {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} missing"))
        .as_bytes()
        .to_vec()
}

/// Entropy that yields scripted chunks, each exactly the size of one `fill` call, in order.
/// This pins down both the values and the order and sizes of the draws.
pub struct Script(VecDeque<Vec<u8>>);

impl Script {
    pub fn new(chunks: Vec<Vec<u8>>) -> Self {
        Script(chunks.into())
    }
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
    pub fn new(seed: u64) -> Self {
        Seeded(ChaCha20Rng::seed_from_u64(seed))
    }
}

impl Entropy for Seeded {
    fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
}
pub mod pair;
