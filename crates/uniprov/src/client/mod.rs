//! The client side: a drop-in, faster replacement for Espressif's `esp_prov`.
//!
//! Layers, bottom up:
//!
//! * [`transport`]: carries one request to a device endpoint (HTTP, console, BLE).
//! * [`Session`]: a transport plus the security session (handshake via the core).
//! * [`Device`]: reads proto-ver, [`negotiate`]s security, and offers typed operations
//!   (scan, set, apply, status, wait, ctrl, custom endpoints, Thread), timing each phase.
//! * [`flow`]: whole operations from opening the transport to a [`Report`].
//! * [`manifest`]: many devices from a CSV file, concurrently.
//!
//! Errors are [`ClientError`]s; [`ClientError::class`] gives the [`ErrorClass`] that the CLI
//! turns into its exit code.

pub mod transport;

pub mod ble;
mod connect;
mod device;
mod error;
pub mod flow;
pub mod manifest;
mod negotiate;
mod negotiate_offer;
mod options;
mod report;
mod scan;
mod session;

pub use connect::open;
pub use device::{device_info, Device, Provisioned, VERSION_PROBE};
pub use error::{ClientError, DeviceState, ErrorClass};
pub use negotiate::{
    negotiate, ChoiceSource, ChosenSecurity, Negotiated, SecurityLevel, SecurityOffer,
    SecurityRequest, SecuritySummary, Warning,
};
pub use negotiate_offer::offers_provisioning;
pub use options::{DeviceOptions, NetworkCredentials, Target, TransportKind, DEFAULT_HTTP_SERVICE};
pub use report::{error_chain, millis, AppInfo, DeviceInfo, ErrorReport, Phase, Report, Timings};
pub use session::{Session, SESSION_ENDPOINT, VERSION_ENDPOINT};

/// The name a device of the ESP-IDF examples gives its first custom endpoint.
pub const CUSTOM_DATA_ENDPOINT: &str = "custom-data";
