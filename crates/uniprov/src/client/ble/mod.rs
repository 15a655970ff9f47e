//! The BLE client (docs/protocol.md §9.2).
//!
//! [`mapping`] holds the radio-free logic and is always built; the btleplug transport
//! [`BleClient`] needs the `ble` cargo feature (BlueZ over D-Bus: the `libdbus-1-dev` and
//! `pkg-config` packages to build, a running `bluetoothd` to use).

#[cfg(feature = "ble")]
mod btle;
pub mod mapping;

#[cfg(feature = "ble")]
pub use btle::BleClient;
