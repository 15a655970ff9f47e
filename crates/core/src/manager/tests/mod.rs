//! Manager tests: every rule of docs/protocol.md §10 / §11 on a virtual clock.
//!
//! Actions are compared as short strings (`"connect HomeNetwork"`, `"emit CredSuccess"`), since
//! actions own secrets and are deliberately not `PartialEq`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use crate::messages::config::{ConfigRequest, ConfigResponse};
use crate::messages::ctrl::CtrlRequest;
use crate::messages::scan::{ScanRequest, ScanResponse};
use crate::messages::{
    AuthMode, NetworkKind, Status, ThreadStatus, WifiConnected, WifiCredentials, WifiStatus,
};
use crate::time::Instant;
use crate::Secret;

use super::*;

mod lifecycle;
mod random;
mod scan;
mod thread;
mod wifi;

/// A one-line description of an action.
pub(super) fn show(action: &Action) -> String {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match action {
        Action::StartTransport => "start_transport".into(),
        Action::RegisterProvisioningEndpoints => "register_prov".into(),
        Action::RemoveProvisioningEndpoints => "remove_prov".into(),
        Action::StopTransport => "stop_transport".into(),
        Action::Backend(BackendOp::Connect(c)) => format!("connect {}", lossy(&c.ssid)),
        Action::Backend(BackendOp::AttachThread(_)) => "attach".into(),
        Action::Backend(BackendOp::Disconnect) => "disconnect".into(),
        Action::StartWifiScan(_) => "wifi_scan".into(),
        Action::StartThreadScan(_) => "thread_scan".into(),
        Action::Backend(BackendOp::PersistWifi(c)) => format!("persist_wifi {}", lossy(&c.ssid)),
        Action::Backend(BackendOp::PersistThread(_)) => "persist_thread".into(),
        Action::Backend(BackendOp::ForgetCredentials) => "forget".into(),
        Action::Emit(e) => format!("emit {e:?}"),
    }
}

pub(super) fn shows(actions: &[Action]) -> Vec<String> {
    actions.iter().map(show).collect()
}

pub(super) fn creds(ssid: &str, pass: &str) -> WifiCredentials {
    WifiCredentials {
        ssid: ssid.as_bytes().to_vec(),
        passphrase: Secret::new(pass.as_bytes().to_vec()),
        bssid: Vec::new(),
        channel: 0,
    }
}

pub(super) fn connected(ssid: &str) -> NetworkEvent {
    NetworkEvent::Connected(connected_info(ssid))
}

pub(super) fn connected_info(ssid: &str) -> WifiConnected {
    WifiConnected {
        ip4_addr: "192.168.1.100".into(),
        auth_mode: AuthMode::WPA2_PSK,
        ssid: ssid.as_bytes().to_vec(),
        bssid: vec![0x24, 0x0a, 0xc4, 0, 0, 1],
        channel: 6,
    }
}

pub(super) fn disconnected(reason: DisconnectReason) -> NetworkEvent {
    NetworkEvent::Disconnected { reason }
}

/// A manager on a virtual clock.
pub(super) struct H {
    pub m: Manager,
    pub now: Instant,
}

impl H {
    /// A started manager with `config`.
    pub fn started(config: ManagerConfig) -> Self {
        let (m, _) = Manager::new(config);
        let mut h = H {
            m,
            now: Instant::ZERO,
        };
        h.m.start(h.now).expect("start");
        h
    }

    /// A started Wi-Fi manager with ESP's defaults.
    pub fn wifi() -> Self {
        H::started(ManagerConfig::default())
    }

    /// A started Wi-Fi manager with ESP's manager rule after a failure (FAIL until a ctrl
    /// reset), without the example's automatic reset.
    pub fn esp_manager() -> Self {
        H::started(esp_manager(ManagerConfig::default()))
    }

    /// A started Wi-Fi manager without auto-stop.
    pub fn no_auto_stop() -> Self {
        H::started(ManagerConfig {
            auto_stop: AutoStop::Disabled,
            ..ManagerConfig::default()
        })
    }

    pub fn config(&mut self, request: ConfigRequest) -> (ConfigResponse, Vec<String>) {
        let (response, actions) = self.m.handle_config(request, self.now);
        (response, shows(&actions))
    }

    pub fn set(&mut self, ssid: &str, pass: &str) -> Status {
        match self.config(ConfigRequest::SetWifiConfig(creds(ssid, pass))) {
            (ConfigResponse::SetWifiConfig(status), actions) if actions.is_empty() => status,
            other => panic!("unexpected {other:?}"),
        }
    }

    pub fn apply(&mut self) -> (Status, Vec<String>) {
        match self.config(ConfigRequest::ApplyWifiConfig) {
            (ConfigResponse::ApplyWifiConfig(status), actions) => (status, actions),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// SetConfig + ApplyConfig, both expected to succeed.
    pub fn provision(&mut self, ssid: &str, pass: &str) -> Vec<String> {
        assert_eq!(self.set(ssid, pass), Status::Success);
        let (status, actions) = self.apply();
        assert_eq!(status, Status::Success);
        actions
    }

    /// GetStatus with its status.
    pub fn wifi_status(&mut self) -> (Status, WifiStatus) {
        match self.config(ConfigRequest::GetWifiStatus) {
            (ConfigResponse::WifiStatus { status, state }, actions) if actions.is_empty() => {
                (status, state)
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    /// GetStatus, expected to succeed.
    pub fn status(&mut self) -> WifiStatus {
        let (status, state) = self.wifi_status();
        assert_eq!(status, Status::Success);
        state
    }

    pub fn thread_status(&mut self) -> (Status, ThreadStatus) {
        match self.config(ConfigRequest::GetThreadStatus) {
            (ConfigResponse::ThreadStatus { status, state }, actions) if actions.is_empty() => {
                (status, state)
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    pub fn event(&mut self, event: NetworkEvent) -> Vec<String> {
        shows(&self.m.on_network_event(event, self.now))
    }

    pub fn ctrl(&mut self, request: CtrlRequest) -> (Status, Vec<String>) {
        let (response, actions) = self.m.handle_ctrl(request, self.now);
        assert_eq!(response.request, request);
        (response.status, shows(&actions))
    }

    pub fn scan(&mut self, request: ScanRequest) -> (ScanOutcome, Vec<String>) {
        let (outcome, actions) = self.m.handle_scan(request, self.now);
        (outcome, shows(&actions))
    }

    /// A scan request that is answered at once.
    pub fn scan_reply(&mut self, request: ScanRequest) -> ScanResponse {
        match self.scan(request) {
            (ScanOutcome::Reply(response), _) => response,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Moves the clock forward by `by`, firing every timer at its deadline.
    pub fn advance(&mut self, by: Duration) -> Vec<String> {
        let target = self.now + by;
        let mut out = Vec::new();
        while let Some(at) = self.m.poll_timeout().filter(|at| *at <= target) {
            self.now = self.now.max(at);
            out.extend(shows(&self.m.on_timer(self.now)));
        }
        self.now = target;
        out
    }
}

/// `config` without the automatic reset after a failure (ESP's manager rule).
pub(super) fn esp_manager(config: ManagerConfig) -> ManagerConfig {
    ManagerConfig {
        reset_on_failure: false,
        ..config
    }
}

/// `"emit <event>"`.
pub(super) fn emit(event: ProvEvent) -> String {
    show(&Action::Emit(event))
}

#[test]
fn config_defaults_follow_esp() {
    let c = ManagerConfig::default();
    assert_eq!(c.network, NetworkKind::Wifi);
    assert_eq!(c.mode, Mode::Full);
    assert_eq!(
        c.auto_stop,
        AutoStop::Enabled {
            timeout: Duration::from_secs(30)
        }
    );
    assert_eq!(c.cleanup_delay, Duration::from_millis(1000));
    assert_eq!(c.scan_cap(), 16);
    assert_eq!(c.wifi_conn_attempts, 0);
    assert_eq!(c.thread_attach_timeout, Duration::from_secs(20));
    assert!(
        c.reset_on_failure,
        "the ESP example's reset after a failure"
    );
    let tiny = ManagerConfig {
        cleanup_delay: Duration::ZERO,
        scan_max_entries: 0,
        ..c
    };
    assert_eq!(tiny.effective_cleanup_delay(), Duration::from_millis(100));
    assert_eq!(tiny.scan_cap(), 1);
}

/// The JSON form of events is the CLI's (`device_cmd/events.rs`, tested there); here: no action
/// shows a passphrase.
#[test]
fn actions_never_show_a_passphrase() {
    let mut h = H::wifi();
    let set = ConfigRequest::SetWifiConfig(creds("HomeNetwork", "password123"));
    h.m.handle_config(set, h.now);
    let (_, actions) = h.m.handle_config(ConfigRequest::ApplyWifiConfig, h.now);
    let debug = format!("{actions:?}");
    assert!(debug.contains("HomeNetwork") && !debug.contains("password123"));
}
