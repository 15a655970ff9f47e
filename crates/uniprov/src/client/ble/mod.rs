//! The BLE client (PROTOCOL.md §9.2).
//!
//! [`mapping`] holds the radio-free logic and is always built; the btleplug transport needs
//! the `ble` cargo feature (BlueZ over D-Bus: `libdbus-1-dev` and `pkg-config` to build).

pub mod mapping;
