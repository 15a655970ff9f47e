//! Shared helpers of the uniprov fuzz targets (see `docs/fuzzing.md`).
//!
//! The targets turn libFuzzer's byte string into structured operations with [`input::Reader`]:
//! a few header bytes select a configuration, the rest is a sequence of length-prefixed chunks
//! `op (1 byte) ‖ len (u16 LE) ‖ body`. `scripts/fuzz.sh seed` writes seed files in exactly this
//! layout from `testdata/vectors`, so the fuzzer starts from complete, valid transcripts.
//!
//! The deterministic entropy (`TapeEntropy`) and the security configurations taken from the
//! vectors are shared with the tests: `uniprov_testkit::{entropy, vectors::security}`.
#![forbid(unsafe_code)]

pub mod input;
pub mod responder;
pub mod sequence;
