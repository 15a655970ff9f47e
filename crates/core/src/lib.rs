//! Sans-IO core of Espressif Unified Provisioning, both ends.
//!
//! This crate knows the wire and the device's rules: the protobuf messages of every endpoint,
//! the security 0/1/2 handshakes and ciphers, the endpoint router of protocomm, and the
//! provisioning manager (§10, §11) with its timers. [`device::Device`] puts the router and the
//! manager behind one call per request. It performs no IO, reads no clock and no OS random
//! source: bytes, an [`Entropy`] source, network events and the current [`time::Instant`] go
//! in; bytes, commands ([`manager::Action`]) and events ([`manager::ProvEvent`]) come out, with
//! typed errors. It builds `#![no_std]` with `alloc`.
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
