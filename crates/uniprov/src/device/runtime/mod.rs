//! The device runtime: one task that owns the core's [`Device`] (protocomm router and
//! provisioning manager), the network backend, the state directory and the custom endpoint
//! handlers, and serves every transport (docs/protocol.md §1, §3, §10, §11). The protocol is the
//! core's; this module is its IO.
//!
//! ```text
//!  HTTP ─┐                                 ┌─ core Device::handle_request (route, decrypt,
//!  console ─► request queue ─► device task ─┤    decode, Manager, encode, encrypt)
//!  handles ─► commands ──────┘       │      └─ custom endpoint handlers
//!                                     ├─► backend worker (connect, persist, forget: in order)
//!                                     ├─► scan tasks
//!                                     └─► events (broadcast)
//! ```
//!
//! [`DeviceBuilder`] is the configuration (ESP `*_prov_mgr_init` + the calls allowed only
//! before start); [`DeviceBuilder::start`] is `start_provisioning` and returns a
//! [`DeviceHandle`] with the calls allowed afterwards. `docs/device-api.md` maps every ESP
//! function to its counterpart here.
//!
//! # How a request is served
//!
//! After admission (guessing limits, idle sessions), one core call,
//! `Device::handle_request`, answers proto-ver and prov-session, or decrypts the request,
//! decodes prov-config / prov-scan / prov-ctrl, applies the manager's rules and encrypts the
//! response. A custom endpoint's plaintext comes back out for its handler, whose answer goes
//! through `Device::respond`. Anything refused (unknown endpoint, failed handshake,
//! undecodable request, a handler saying no) becomes `Answer::Refused` in one place
//! (`actor::answer_of`), which the transports turn into ESP's silent close (§3.3). A blocking
//! ScanStart keeps its reply until the scan completes (also one that found a scan running: all
//! held replies get that scan's answer); the task keeps serving other requests meanwhile.
//!
//! # Effects
//!
//! The task never awaits the backend. Connect, attach, disconnect, persist and forget go, in
//! the order the manager asked for them, to one backend worker task; scans run in tasks of
//! their own and report back. Credentials are persisted (backend, then state directory) only
//! on the manager's `BackendOp::Persist*` actions, which follow a successful connection.
//!
//! [`Device`]: uniprov_core::device::Device

mod actor;
mod auth_limit;
mod builder;
pub(crate) mod clock;
mod error;
mod handle;
mod idle;
mod start;
mod version;
mod worker;

use std::sync::Arc;

use uniprov_core::messages::{NetworkKind, ThreadStatus, WifiStatus};

pub use auth_limit::{AuthBackoff, AuthLimits, BackoffScope};
pub use builder::{DeviceBuilder, OnStoredCredentials, DEFAULT_SESSION_IDLE_TIMEOUT};
pub use error::StartError;
pub use handle::{DeviceHandle, HandleError};
pub use version::version_info;

use super::manager::ProvEvent;
use super::network::NetworkEvent;
use super::transport::SessionId;
pub use super::transport::{ConsoleIo, TransportSpec};

/// The endpoint names of the provisioning service (§1), from the core.
pub use uniprov_core::device::endpoint;

/// Something the device reports to the application (`*_prov_mgr` event handler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// A provisioning manager event (§10.1).
    Prov(ProvEvent),
    /// The network backend reported the outcome of an attempt or a link change (also outside
    /// provisioning, e.g. when connecting with stored credentials).
    Network(NetworkEvent),
    /// Credentials were found in the state directory at start: the device connects with them
    /// instead of provisioning (ESP: `is_provisioned` → skip `start_provisioning`).
    AlreadyProvisioned {
        /// Which network the stored credentials are for.
        network: NetworkKind,
    },
    /// Failed handshakes (wrong PoP or password) put a peer, or everyone, into backoff: their
    /// handshake requests are refused for a while ([`AuthLimits`], docs/protocol.md §7 item 3).
    AuthBackoff(AuthBackoff),
}

/// A request to a custom endpoint, as its handler sees it (decrypted).
#[derive(Debug, Clone, Copy)]
pub struct CustomRequest<'a> {
    /// The endpoint name.
    pub endpoint: &'a str,
    /// The transport session the request came from.
    pub session: SessionId,
    /// The decrypted request bytes.
    pub data: &'a [u8],
}

/// A custom endpoint handler (ESP `protocomm_req_handler_t`): the response to encrypt and send,
/// or `None` to refuse the request (the transport closes silently, §3.3).
///
/// It runs on the device task: keep it short and never block. To stop provisioning from a
/// handler (ESP's examples do), capture a [`DeviceHandle`] (for example through a
/// `OnceLock`) and spawn `handle.stop()`.
pub type EndpointHandler = Arc<dyn Fn(CustomRequest<'_>) -> Option<Vec<u8>> + Send + Sync>;

/// The network state reported by [`DeviceHandle::network_state`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkState {
    /// Wi-Fi station state, mapped as GetStatus maps it (§10.3).
    Wifi(WifiStatus),
    /// Thread link state (§10.7).
    Thread(ThreadStatus),
}
