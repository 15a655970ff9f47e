//! The integration tests of `uniprov-core`, one binary: the public API from outside the crate,
//! with the shared helpers of `uniprov-testkit` (seeded and scripted entropy, the tamper pair,
//! the vector loader).

mod never_panic;
mod protocomm;
mod security_pairs;
mod security_tamper;
mod security_vectors;
mod vectors;
