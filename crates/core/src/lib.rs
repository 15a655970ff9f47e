//! Sans-IO core of Espressif Unified Provisioning.
//!
//! This crate knows the wire: the protobuf messages of every endpoint, the security 0/1/2
//! handshakes and ciphers, and the endpoint router of protocomm. It performs no IO, reads no
//! clock and no OS random source: callers hand in bytes and an [`Entropy`] source, and get
//! bytes, routed requests and typed errors back. It builds `#![no_std]` with `alloc`.
//!
//! Section numbers (§) in the documentation refer to `docs/protocol.md` in the repository, the
//! project's own wire reference; `docs/apps.md` describes what the stock phone apps send.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod ble;
pub mod dataset;
pub mod device;
pub mod entropy;
pub mod manager;
pub mod messages;
pub mod proto;
pub mod proto_ver;
pub mod protocomm;
pub mod qr;
pub mod secret;
pub mod security;
pub mod time;

pub use entropy::Entropy;
pub use secret::Secret;
