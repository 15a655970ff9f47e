//! The std runtime of uniprov: the device side (provisioning manager, transports, network
//! backends, storage) and the client side (transports, sessions, provisioning flows), built on the
//! sans-IO [`uniprov_core`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod device;
pub mod entropy;
pub mod loadgen;

pub use uniprov_core as core;
