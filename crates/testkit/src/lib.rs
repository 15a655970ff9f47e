//! Test support shared by uniprov's integration tests, benchmarks and fuzz targets
//! (`publish = false`).
//!
//! * [`entropy`]: deterministic [`uniprov_core::Entropy`] sources: seeded ChaCha20
//!   ([`entropy::Seeded`]), scripted draws ([`entropy::Script`]) and the fuzz targets' tape
//!   ([`entropy::TapeEntropy`]);
//! * [`pair`]: a client and a device handshaking in memory through a tamper hook;
//! * [`vectors`]: the shared test vectors of `testdata/vectors` and the security
//!   configurations built from them;
//!
//! With the feature `runtime` (uniprov's and the CLI's tests and benches):
//!
//! * `client`: a small provisioning client over uniprov's HTTP transport, for tests against a
//!   real device;
//! * `fake_device`, `http_device`: a scripted device without a protocol core, in process or
//!   behind uniprov's HTTP transport, for tests and benches of the client library.
//!
//! Everything else depends on `uniprov-core` alone, so the core's integration tests,
//! benches and the fuzz crate use it without the std runtime. The core's *unit* tests cannot: a
//! dev-dependency on a crate that depends on `uniprov-core` links a second instance of it.
#![forbid(unsafe_code)]
#![allow(clippy::expect_used)]

#[cfg(feature = "runtime")]
pub mod client;
pub mod entropy;
#[cfg(feature = "runtime")]
pub mod fake_device;
#[cfg(feature = "runtime")]
pub mod http_device;
pub mod pair;
pub mod vectors;
