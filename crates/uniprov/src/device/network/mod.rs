//! Network backends: the radio the device provisions (docs/protocol.md §10).
//!
//! The provisioning manager never talks to a radio itself: it hands out
//! [`Action`](super::manager::Action)s (connect, scan, persist, ...) and the device runtime carries
//! them out on a [`NetworkBackend`], feeding the backend's [`NetworkEvent`]s back into the manager.
//! Implementations:
//!
//! * [`sim::SimRadio`]: the simulated radio (`--radio sim`, the default), networks from a TOML file.
//! * `networkmanager` (D-Bus, cargo feature `networkmanager`) and `wpa_supplicant` (its
//!   control socket): the Linux backends, chosen with `--radio` (see `linux`).
//!
//! # Contract
//!
//! * **One attempt per call.** [`NetworkBackend::connect_wifi`] starts *one* connection attempt and
//!   returns as soon as it is under way; its outcome arrives later as exactly one
//!   [`NetworkEvent::Connected`] or [`NetworkEvent::Disconnected`]. The backend does not retry on its
//!   own: the manager decides about retries (`wifi_conn_attempts`, §10.3) and calls `connect_wifi`
//!   again. A NetworkManager backend therefore activates a connection with autoconnect off and
//!   maps the `StateChanged` reason of the failed activation; a wpa_supplicant backend maps
//!   `CTRL-EVENT-DISCONNECTED reason=` / `CTRL-EVENT-SSID-TEMP-DISABLED` / `CTRL-EVENT-NETWORK-NOT-FOUND`.
//! * **Link loss.** After `Connected`, losing the link is reported as `Disconnected`.
//! * **Own requests are quiet.** A disconnect the device asked for ([`NetworkBackend::disconnect`]
//!   or a new `connect_wifi` replacing a running attempt) cancels the attempt; it need not be
//!   reported (the manager ignores station events outside an attempt, as ESP does). Events carry
//!   no attempt id: an outcome already queued when the attempt was cancelled reaches the manager
//!   in STARTED and is ignored, so the runtime should feed events in the order they arrive.
//! * **Nothing unproven is stored.** `connect_wifi` must not make the credentials persistent (no
//!   autoconnect NetworkManager profile on disk, no `save_config`): the manager calls
//!   [`NetworkBackend::persist_wifi`] only after the connection succeeded.
//! * **Scans are fresh.** `scan_wifi` triggers a scan and returns its results (unsorted; the
//!   manager sorts and caps them, §10.6).
//! * **Events.** [`NetworkBackend::subscribe`] hands out a receiver of a broadcast channel, so the
//!   manager's task and, for example, a status printer can both listen. Events are rare (one per
//!   attempt), so a small channel never lags in practice; a lagging receiver should re-subscribe.

use async_trait::async_trait;
use tokio::sync::broadcast;
use uniprov_core::messages::{
    NetworkKind, ThreadScanEntry, ThreadScanParams, WifiCredentials, WifiScanEntry, WifiScanParams,
};
use uniprov_core::Secret;

pub mod authmode;
pub mod captive_dns;
/// Thread operational datasets (in the core: [`uniprov_core::dataset`]).
pub use uniprov_core::dataset;
#[cfg(target_os = "linux")]
pub mod linux;
#[cfg(all(target_os = "linux", feature = "networkmanager"))]
pub mod networkmanager;
pub mod sim;
pub mod softap;
#[cfg(target_os = "linux")]
pub mod softap_iface;
#[cfg(target_os = "linux")]
pub mod wpa_supplicant;

pub use dataset::{DatasetError, DatasetInfo};

/// A radio the device can provision: Wi-Fi station and/or Thread interface.
///
/// Methods take `&self` so one backend can be shared (`Arc<dyn NetworkBackend>`) between the
/// manager's task and the tasks that wait for scans. See the [module documentation](self) for the
/// contract every implementation follows.
#[async_trait]
pub trait NetworkBackend: Send + Sync {
    /// Runs a fresh Wi-Fi scan and returns what it found, in any order.
    async fn scan_wifi(&self, params: WifiScanParams) -> Result<Vec<WifiScanEntry>, NetworkError>;

    /// Starts one attempt to join a Wi-Fi network; the outcome arrives as a [`NetworkEvent`].
    /// A running attempt (or connection) is replaced.
    async fn connect_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError>;

    /// Cancels a running attempt and leaves the current Wi-Fi network or detaches from Thread.
    async fn disconnect(&self) -> Result<(), NetworkError>;

    /// Makes proven Wi-Fi credentials persistent in the system's own store (a NetworkManager
    /// profile with autoconnect, a wpa_supplicant `save_config`); the simulated radio does nothing.
    async fn persist_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError>;

    /// Makes a proven Thread dataset persistent in the system's own store, where there is one.
    /// A Wi-Fi-only backend keeps the default: Thread is unsupported.
    async fn persist_thread(&self, dataset: &Secret<Vec<u8>>) -> Result<(), NetworkError> {
        let _ = dataset;
        Err(NetworkError::Unsupported(NetworkKind::Thread))
    }

    /// Removes what [`persist_wifi`](Self::persist_wifi) / [`persist_thread`](Self::persist_thread)
    /// stored.
    async fn forget(&self) -> Result<(), NetworkError>;

    /// Runs a Thread discovery scan and returns the networks in discovery order (default:
    /// Thread is unsupported).
    async fn scan_thread(
        &self,
        params: ThreadScanParams,
    ) -> Result<Vec<ThreadScanEntry>, NetworkError> {
        let _ = params;
        Err(NetworkError::Unsupported(NetworkKind::Thread))
    }

    /// Starts attaching with an operational dataset (MeshCoP TLVs); the outcome arrives as
    /// [`NetworkEvent::ThreadAttached`] or [`NetworkEvent::ThreadFailed`] (default: Thread is
    /// unsupported).
    async fn attach_thread(&self, dataset: &Secret<Vec<u8>>) -> Result<(), NetworkError> {
        let _ = dataset;
        Err(NetworkError::Unsupported(NetworkKind::Thread))
    }

    /// A new receiver of the backend's events.
    fn subscribe(&self) -> broadcast::Receiver<NetworkEvent>;
}

/// The events a backend reports and the manager reads live in the core.
pub use uniprov_core::manager::{DisconnectReason, NetworkEvent};

/// A backend failure (not an attempt's outcome: those are [`NetworkEvent`]s).
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The backend has no radio of this kind.
    #[error("this backend has no {0:?} interface")]
    Unsupported(NetworkKind),
    /// The Thread dataset is not a valid TLV sequence.
    #[error("invalid Thread dataset: {0}")]
    InvalidDataset(#[from] DatasetError),
    /// The system service failed (D-Bus error, control socket error, ...).
    #[error("network backend failed: {0}")]
    Backend(String),
}
