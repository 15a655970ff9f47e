//! The device side: turns this machine into a device that esp_prov and the phone apps can
//! provision (docs/protocol.md §10, §11).
//!
//! * [`network`]: the [`network::NetworkBackend`] trait (scan, connect, events, persist) and the
//!   simulated radio.
//! * [`storage`]: the state directory (credentials, sec2 salt and verifier), written atomically.
//! * [`manager`]: the provisioning manager, a synchronous sans-IO state machine (in the core,
//!   [`uniprov_core::manager`]; re-exported).
//! * [`transport`]: transports that carry requests into the provisioning manager.
//! * [`runtime`]: the device runtime: the task that serves the transports with the core's
//!   [`uniprov_core::device::Device`] (router and manager), and
//!   the application API ([`runtime::DeviceBuilder`], [`runtime::DeviceHandle`]).

pub mod manager;
pub mod network;
pub mod runtime;
pub mod storage;
pub mod transport;
