//! Wi-Fi: SetConfig, ApplyConfig, GetStatus and the station events (docs/protocol.md §10.2-§10.4).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::messages::{
    config::ConfigResponse, NetworkKind, Status, WifiConnected, WifiCredentials, WifiFailReason,
    WifiStatus,
};

use super::events::duplicate;
use crate::time::Instant;

use super::network::DisconnectReason;
use super::{Action, BackendOp, Manager, ProvEvent, ProvState};

/// Longest SSID (§10.4).
const MAX_SSID: usize = 32;
/// Longest passphrase (§10.4). ESP's manager rejects a 64-hex-digit raw PSK; uniprov accepts it
/// (README, "Better than the original"), as the Wi-Fi stacks do.
const MAX_PASSPHRASE: usize = 63;

/// Whether `passphrase` fits: at most 63 bytes, or a raw PSK of exactly 64 hex digits.
pub(crate) fn passphrase_fits(passphrase: &[u8]) -> bool {
    passphrase.len() <= MAX_PASSPHRASE
        || (passphrase.len() == 64 && passphrase.iter().all(u8::is_ascii_hexdigit))
}

/// The station as the manager sees it (ESP `wifi_prov_sta_state_t` plus "no attempt yet").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) enum Station {
    /// No attempt since start / reset (ESP's zeroed state, CONNECTING).
    #[default]
    Idle,
    /// An attempt is running.
    Connecting,
    /// An attempt failed and the next one runs (`CONN_ATTEMPT_FAILED`).
    AttemptFailed {
        /// Attempts left.
        remaining: u32,
    },
    /// Connected.
    Connected(WifiConnected),
    /// Failed for good (`DISCONNECTED`).
    Failed(WifiFailReason),
}

/// The Wi-Fi part of the manager.
#[derive(Debug)]
pub(super) struct WifiSide {
    /// What SetConfig stored (ESP's scratch context; consumed by Apply).
    scratch: Option<WifiCredentials>,
    /// The applied credentials, kept for retries and persisted on success.
    attempt: Option<WifiCredentials>,
    /// Whether `attempt` has been persisted.
    persisted: bool,
    pub(super) station: Station,
    pub(super) attempts_completed: u32,
    /// The last mapped failure reason (ESP's `wifi_disconnect_reason`, initially AuthError).
    last_reason: WifiFailReason,
}

impl Default for WifiSide {
    fn default() -> Self {
        WifiSide {
            scratch: None,
            attempt: None,
            persisted: false,
            station: Station::Idle,
            attempts_completed: 0,
            last_reason: WifiFailReason::AuthError,
        }
    }
}

impl WifiSide {
    /// Forgets the applied credentials (ctrl reset / reprov); the scratch stays, as in ESP.
    pub(super) fn clear_attempt(&mut self) {
        self.forget_attempt();
        self.station = Station::Idle;
    }

    /// Forgets the applied credentials and the attempt counter, keeping the station state
    /// (the automatic reset after a failure: GetStatus still reports it).
    pub(super) fn forget_attempt(&mut self) {
        self.attempt = None;
        self.persisted = false;
        self.attempts_completed = 0;
    }

    /// A reported failure becomes "no attempt yet".
    pub(super) fn forget_failure(&mut self) {
        if matches!(self.station, Station::Failed(_)) {
            self.station = Station::Idle;
        }
    }

    fn reconnect(&self) -> Vec<Action> {
        self.attempt
            .as_ref()
            .map(|c| Action::Backend(BackendOp::Connect(duplicate(c))))
            .into_iter()
            .collect()
    }
}

/// The neutral station state sent with an error status (the response must carry one).
const NO_STATE: WifiStatus = WifiStatus::Connecting {
    attempts_remaining: None,
};

impl Manager {
    /// CmdSetConfig: validate lengths (→ InvalidArgument) and store into the scratch; always
    /// Success otherwise, whatever the state (§10.4; only Apply is rejected).
    pub(super) fn set_wifi_config(&mut self, credentials: WifiCredentials) -> Status {
        if let Err(status) = self.precheck(NetworkKind::Wifi) {
            return status;
        }
        let bssid_ok = credentials.bssid.is_empty() || credentials.bssid.len() == 6;
        if credentials.ssid.len() > MAX_SSID
            || !passphrase_fits(credentials.passphrase.expose())
            || !bssid_ok
        {
            return Status::InvalidArgument;
        }
        self.wifi.scratch = Some(credentials);
        Status::Success
    }

    /// CmdApplyConfig (`configure_sta`): emit SET_STA_CONFIG, reject from CRED_RECV on, else
    /// connect and emit CRED_RECV. Without a prior SetConfig, ESP's handler fails before
    /// `configure_sta` (InternalError, no event).
    pub(super) fn apply_wifi_config(&mut self, _now: Instant) -> (Status, Vec<Action>) {
        if let Err(status) = self.precheck(NetworkKind::Wifi) {
            return (status, Vec::new());
        }
        let Some(credentials) = self.wifi.scratch.take() else {
            return (Status::InternalError, Vec::new());
        };
        let mut actions = vec![Action::Emit(ProvEvent::SetStaConfig)];
        if self.state >= ProvState::CredRecv {
            return (Status::InternalError, actions);
        }
        let ssid = String::from_utf8_lossy(&credentials.ssid).into_owned();
        actions.push(Action::Backend(BackendOp::Connect(duplicate(&credentials))));
        actions.push(Action::Emit(ProvEvent::CredRecv { ssid }));
        self.wifi.attempt = Some(credentials);
        self.wifi.persisted = false;
        self.wifi.attempts_completed = 0;
        self.wifi.station = Station::Connecting;
        self.state = ProvState::CredRecv;
        (Status::Success, actions)
    }

    /// CmdGetStatus (§10.3 mapping). Reporting Connected calls ESP's `done()`: with auto-stop the
    /// service stops (the response still leaves during the cleanup delay).
    pub(super) fn get_wifi_status(&mut self, now: Instant) -> (ConfigResponse, Vec<Action>) {
        if let Err(status) = self.precheck(NetworkKind::Wifi) {
            let response = ConfigResponse::WifiStatus {
                status,
                state: NO_STATE,
            };
            return (response, Vec::new());
        }
        let state = self.wifi_status();
        if matches!(state, WifiStatus::Connected(_)) {
            self.done(now);
        }
        let response = ConfigResponse::WifiStatus {
            status: Status::Success,
            state,
        };
        (response, Vec::new())
    }

    /// The station as GetStatus reports it (§10.3 mapping), without GetStatus's side effect
    /// (`done()`): ESP `wifi_prov_mgr_get_wifi_state` / `get_wifi_disconnect_reason`.
    pub fn wifi_status(&self) -> WifiStatus {
        match &self.wifi.station {
            Station::Idle | Station::Connecting => NO_STATE,
            Station::AttemptFailed { remaining } => WifiStatus::Connecting {
                attempts_remaining: Some(*remaining),
            },
            Station::Connected(info) => WifiStatus::Connected(info.clone()),
            Station::Failed(reason) => WifiStatus::Failed(*reason),
        }
    }

    /// The station got an IP address: SUCCESS, CRED_SUCCESS, persist the proven credentials,
    /// start the auto-stop timer. (A GOT_IP in FAIL, possible after an unmapped reason with
    /// legacy attempts, also moves to SUCCESS, as in ESP.)
    pub(super) fn wifi_connected(&mut self, info: WifiConnected, now: Instant) -> Vec<Action> {
        self.wifi.station = Station::Connected(info);
        self.wifi.attempts_completed = 0;
        if self.state == ProvState::Success {
            return Vec::new();
        }
        self.state = ProvState::Success;
        self.arm_auto_stop(now);
        let mut actions = Vec::new();
        if !self.wifi.persisted {
            if let Some(credentials) = &self.wifi.attempt {
                actions.push(Action::Backend(BackendOp::PersistWifi(duplicate(
                    credentials,
                ))));
                self.wifi.persisted = true;
            }
        }
        actions.push(Action::Emit(ProvEvent::CredSuccess));
        actions
    }

    /// An attempt failed or the link was lost (§10.3). A reported failure resets the state
    /// machine when [`reset_on_failure`](super::ManagerConfig::reset_on_failure) is on.
    pub(super) fn wifi_disconnected(&mut self, reason: DisconnectReason) -> Vec<Action> {
        let attempts = self.config.wifi_conn_attempts;
        if attempts > 0 {
            self.wifi.attempts_completed = self.wifi.attempts_completed.saturating_add(1);
            if self.wifi.attempts_completed < attempts {
                self.wifi.station = Station::AttemptFailed {
                    remaining: attempts - self.wifi.attempts_completed,
                };
                return self.wifi.reconnect();
            }
        }
        // ESP quirk kept on purpose: the state is FAIL before the reason is looked at, so with
        // legacy attempts an unmapped reason leaves FAIL while the station keeps reconnecting
        // (GetStatus: Connecting, no CRED_FAIL). It lets a client escape an endless reconnect
        // (for example "no AP with compatible security") with ctrl reset.
        self.state = ProvState::Fail;
        let mapped = match reason {
            DisconnectReason::AuthFailed => Some(WifiFailReason::AuthError),
            DisconnectReason::NoApFound => Some(WifiFailReason::NetworkNotFound),
            DisconnectReason::Other(_) => None,
        };
        if let Some(reason) = mapped {
            self.wifi.last_reason = reason;
        } else if attempts == 0 {
            self.wifi.station = Station::Connecting;
            return self.wifi.reconnect();
        }
        // Other reasons with attempts > 0 report the previously stored reason.
        let reason = self.wifi.last_reason;
        self.wifi.station = Station::Failed(reason);
        let mut actions = vec![Action::Emit(ProvEvent::CredFail { reason })];
        if self.reset_after_failure() {
            // The backend may still retry on its own: the station stops until the next Apply.
            actions.push(Action::Backend(BackendOp::Disconnect));
        }
        actions
    }
}
