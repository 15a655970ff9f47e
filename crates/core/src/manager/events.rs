//! What the manager tells the world: events (ESP `NETWORK_PROV_EVENT`) and actions for the runtime.

use alloc::string::String;
use alloc::vec::Vec;

use crate::messages::{
    ThreadFailReason, ThreadScanParams, WifiCredentials, WifiFailReason, WifiScanParams,
};
use crate::Secret;

/// A provisioning event (docs/protocol.md §10.1), for the application and `--events json`
/// (the CLI writes it as `{"event": "cred_recv", "ssid": "HomeNetwork"}`).
///
/// Events never carry a passphrase or a dataset; the SSID is lossy UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        reason: WifiFailReason,
    },
    /// The station got an IP address.
    CredSuccess,
    /// A Thread dataset was accepted and the interface is attaching.
    ThreadDatasetRecv,
    /// Attaching failed.
    ThreadDatasetFail {
        /// Why.
        reason: ThreadFailReason,
    },
    /// The Thread interface attached.
    ThreadDatasetSuccess,
    /// Provisioning ended (after the cleanup delay).
    End,
    /// The manager was torn down.
    Deinit,
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
    /// Work for the radio and the store, carried out in the order given (a Disconnect never
    /// overtakes the Connect that follows it).
    Backend(BackendOp),
    /// Run a Wi-Fi scan; feed the result to `Manager::on_wifi_scan_done`.
    StartWifiScan(WifiScanParams),
    /// Run a Thread scan; feed the result to `Manager::on_thread_scan_done`.
    StartThreadScan(ThreadScanParams),
    /// Deliver an event.
    Emit(ProvEvent),
}

/// Radio and storage work: what the runtime's backend worker carries out, one at a time.
#[derive(Debug)]
pub enum BackendOp {
    /// Start one Wi-Fi connection attempt; feed the outcome ([`NetworkEvent`]) to
    /// `Manager::on_network_event`.
    ///
    /// [`NetworkEvent`]: super::NetworkEvent
    Connect(WifiCredentials),
    /// Start attaching to a Thread network with this dataset.
    AttachThread(Secret<Vec<u8>>),
    /// Cancel the running attempt / leave the network.
    Disconnect,
    /// Store proven Wi-Fi credentials (the runtime's state and the radio's own store).
    PersistWifi(WifiCredentials),
    /// Store a proven Thread dataset.
    PersistThread(Secret<Vec<u8>>),
    /// Erase stored network credentials (ESP `reset_provisioning`).
    ForgetCredentials,
}

impl From<BackendOp> for Action {
    fn from(op: BackendOp) -> Action {
        Action::Backend(op)
    }
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
