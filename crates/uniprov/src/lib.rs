//! The std runtime of uniprov: the device side (provisioning manager, transports, network
//! backends, storage) and the client side (transports, sessions, provisioning flows), built on the
//! sans-IO [`uniprov_core`].
//!
//! Built for `wasm32` (the browser client, `crates/web`) only the client's protocol code is
//! compiled: the device, the native transports, the manifest runner, the load generator and the
//! OS entropy need an operating system.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
#[cfg(not(target_arch = "wasm32"))]
pub mod device;
#[cfg(not(target_arch = "wasm32"))]
pub mod entropy;
#[cfg(not(target_arch = "wasm32"))]
pub mod loadgen;

pub use uniprov_core as core;
