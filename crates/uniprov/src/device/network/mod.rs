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
use serde::Serialize;
use tokio::sync::broadcast;
use uniprov_core::messages::{
    NetworkKind, ThreadAttached, ThreadFailReason, ThreadScanEntry, ThreadScanParams,
    WifiConnected, WifiCredentials, WifiScanEntry, WifiScanParams,
};
use uniprov_core::Secret;

pub mod authmode;
pub mod dataset;
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

/// What a backend reports about the attempt it was asked to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkEvent {
    /// The station joined the network and has an IPv4 address (ESP: `IP_EVENT_STA_GOT_IP`).
    Connected(WifiConnected),
    /// The attempt failed or the link was lost (ESP: `WIFI_EVENT_STA_DISCONNECTED`).
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// The Thread interface attached (OpenThread role child/router/leader).
    ThreadAttached(ThreadAttached),
    /// Attaching failed.
    ThreadFailed(ThreadFailReason),
}

/// For people and logs: `connected to "HomeNetwork" (IPv4 192.168.1.100, WPA2_PSK, channel 6)`,
/// never raw byte lists.
impl std::fmt::Display for NetworkEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetworkEvent::Connected(info) => {
                let auth = info
                    .auth_mode
                    .name()
                    .map_or_else(|| format!("auth mode {}", info.auth_mode.0), str::to_owned);
                write!(
                    f,
                    "connected to {:?} (IPv4 {}, {auth}, channel {})",
                    String::from_utf8_lossy(&info.ssid),
                    info.ip4_addr,
                    info.channel
                )
            }
            NetworkEvent::Disconnected { reason } => write!(f, "disconnected: {reason}"),
            NetworkEvent::ThreadAttached(info) => write!(
                f,
                "attached to Thread network {:?} (PAN 0x{:04x}, channel {})",
                info.name, info.pan_id, info.channel
            ),
            NetworkEvent::ThreadFailed(reason) => write!(f, "Thread attach failed: {reason:?}"),
        }
    }
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DisconnectReason::AuthFailed => {
                f.write_str("authentication failed (wrong passphrase?)")
            }
            DisconnectReason::NoApFound => {
                f.write_str("network not found (wrong SSID or out of range?)")
            }
            DisconnectReason::Other(code) => write!(f, "reason code {code}"),
        }
    }
}

/// Why a Wi-Fi station attempt ended, in the classes the manager distinguishes (§10.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "code")]
pub enum DisconnectReason {
    /// The passphrase was refused (MIC failure, 4-way handshake timeout, auth failure).
    AuthFailed,
    /// No access point with that SSID answered.
    NoApFound,
    /// Anything else, with the raw IEEE 802.11 / ESP-IDF reason code.
    Other(u16),
}

impl DisconnectReason {
    /// Classifies an ESP-IDF `wifi_err_reason_t` (also the IEEE 802.11 reason codes wpa_supplicant
    /// reports): 14 MIC_FAILURE, 15 4WAY_HANDSHAKE_TIMEOUT, 202 AUTH_FAIL, 204 HANDSHAKE_TIMEOUT are
    /// authentication failures; 201 NO_AP_FOUND is "not found" (§10.3).
    pub fn from_esp_reason(code: u16) -> Self {
        match code {
            14 | 15 | 202 | 204 => DisconnectReason::AuthFailed,
            201 => DisconnectReason::NoApFound,
            other => DisconnectReason::Other(other),
        }
    }
}

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
