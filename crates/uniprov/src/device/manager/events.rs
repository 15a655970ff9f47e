//! What the manager tells the world: events (ESP `NETWORK_PROV_EVENT`) and actions for the runtime.

use serde::{Serialize, Serializer};
use uniprov_core::messages::{
    ThreadFailReason, ThreadScanParams, WifiCredentials, WifiFailReason, WifiScanParams,
};
use uniprov_core::Secret;

/// A provisioning event (docs/protocol.md §10.1), for the application and `--events json`.
///
/// Events never carry a passphrase or a dataset. Serialized as
/// `{"event": "cred_recv", "ssid": "HomeNetwork"}`; the SSID is lossy UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProvEvent {
    /// The manager was created.
    Init,
    /// Provisioning started (again after a ctrl reprov).
    Start,
    /// An ApplyConfig arrived (emitted even when it is then rejected).
    SetStaConfig,
    /// Wi-Fi credentials were accepted and the station is connecting.
    CredRecv {
        /// The SSID (lossy UTF-8).
        ssid: String,
    },
    /// Connecting failed for good.
    CredFail {
        /// Why (the updated reason, as network_provisioning ≥ 1.2.4 reports it).
        #[serde(serialize_with = "wifi_reason")]
        reason: WifiFailReason,
    },
    /// The station got an IP address.
    CredSuccess,
    /// A Thread dataset was accepted and the interface is attaching.
    ThreadDatasetRecv,
    /// Attaching failed.
    ThreadDatasetFail {
        /// Why.
        #[serde(serialize_with = "thread_reason")]
        reason: ThreadFailReason,
    },
    /// The Thread interface attached.
    ThreadDatasetSuccess,
    /// Provisioning ended (after the cleanup delay).
    End,
    /// The manager was torn down.
    Deinit,
}

fn wifi_reason<S: Serializer>(reason: &WifiFailReason, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match reason {
        WifiFailReason::AuthError => "auth_error",
        WifiFailReason::NetworkNotFound => "network_not_found",
    })
}

fn thread_reason<S: Serializer>(reason: &ThreadFailReason, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match reason {
        ThreadFailReason::DatasetInvalid => "dataset_invalid",
        ThreadFailReason::NetworkNotFound => "network_not_found",
    })
}

/// Something the runtime must do on the manager's behalf, in the order given.
#[derive(Debug)]
pub enum Action {
    /// Start the transport and serve prov-session, proto-ver and the custom endpoints.
    StartTransport,
    /// Serve prov-ctrl, prov-scan and prov-config.
    RegisterProvisioningEndpoints,
    /// Stop serving prov-ctrl, prov-scan and prov-config (session-only mode keeps the rest, §11).
    RemoveProvisioningEndpoints,
    /// Stop the transport (and with it every endpoint and session).
    StopTransport,
    /// Start one Wi-Fi connection attempt ([`NetworkBackend::connect_wifi`]); feed the outcome to
    /// `Manager::on_network_event`.
    ///
    /// [`NetworkBackend::connect_wifi`]: crate::device::network::NetworkBackend::connect_wifi
    Connect(WifiCredentials),
    /// Start attaching to a Thread network with this dataset.
    AttachThread(Secret<Vec<u8>>),
    /// Cancel the running attempt / leave the network.
    Disconnect,
    /// Run a Wi-Fi scan; feed the result to `Manager::on_wifi_scan_done`.
    StartWifiScan(WifiScanParams),
    /// Run a Thread scan; feed the result to `Manager::on_thread_scan_done`.
    StartThreadScan(ThreadScanParams),
    /// Store proven Wi-Fi credentials (state directory + backend's own store).
    PersistWifi(WifiCredentials),
    /// Store a proven Thread dataset.
    PersistThread(Secret<Vec<u8>>),
    /// Erase stored network credentials (ESP `reset_provisioning`).
    ForgetCredentials,
    /// Deliver an event.
    Emit(ProvEvent),
}

/// A copy of credentials for a second owner (the action), keeping the passphrase a [`Secret`].
pub(super) fn duplicate(c: &WifiCredentials) -> WifiCredentials {
    WifiCredentials {
        ssid: c.ssid.clone(),
        passphrase: c.passphrase.duplicate(),
        bssid: c.bssid.clone(),
        channel: c.channel,
    }
}
