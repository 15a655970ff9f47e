//! The client side: a drop-in, faster replacement for Espressif's `esp_prov`.
//!
//! Layers, bottom up:
//!
//! * [`transport`]: carries one request to a device endpoint (HTTP, console, BLE).
//! * [`Session`]: a transport plus the security session (handshake via the core).
//! * [`RemoteDevice`]: reads proto-ver, [`negotiate`]s security, and offers typed operations
//!   (scan, set, apply, status, wait, ctrl, custom endpoints; Wi-Fi or Thread), timing each
//!   phase.
//! * [`flow`]: whole operations from opening the transport to a [`Report`] with a typed
//!   [`Outcome`](flow::Outcome).
//! * [`manifest`]: many devices from a CSV file, concurrently.
//!
//! Randomness comes from the caller (an [`Entropy`](uniprov_core::Entropy)). Errors are
//! [`ClientError`]s; [`ClientError::class`] gives the [`ErrorClass`]. Presentation is the
//! caller's: the CLI gives classes their exit codes and shapes reports as text and JSON.

pub mod transport;

pub mod ble;
mod clock;
#[cfg(not(target_arch = "wasm32"))]
mod connect;
mod device;
mod error;
pub mod flow;
#[cfg(not(target_arch = "wasm32"))]
pub mod manifest;
mod negotiate;
mod negotiate_offer;
mod options;
mod report;
mod scan;
mod session;

#[cfg(not(target_arch = "wasm32"))]
pub use connect::open;
pub use device::{remote_info, Provisioned, RemoteDevice, VERSION_PROBE};
pub use error::{ClientError, DeviceState, ErrorClass, MissingCredential, Remedy};
pub use negotiate::{
    negotiate, ChoiceSource, Negotiated, SecurityLevel, SecurityOffer, SecurityRequest,
    SecuritySummary, Warning,
};
pub use negotiate_offer::offers_provisioning;
pub use options::{ClientOptions, NetworkCredentials, Target, TransportKind, DEFAULT_HTTP_SERVICE};
pub use report::{error_chain, millis, AppInfo, ErrorReport, Phase, RemoteInfo, Report, Timings};
pub use session::{Session, SESSION_ENDPOINT, VERSION_ENDPOINT};

/// The name a device of the ESP-IDF examples gives its first custom endpoint.
pub const CUSTOM_DATA_ENDPOINT: &str = "custom-data";
