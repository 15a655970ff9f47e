//! The manager driven against the simulated radio and a real state directory, on a paused clock:
//! a minimal stand-in for the runtime's manager task.

use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::Instant;
use uniprov_core::manager::{
    Action, BackendOp, Manager, ManagerConfig, NetworkEvent, ProvEvent, ProvState, ScanFailed,
    ScanOutcome,
};
use uniprov_core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov_core::messages::ctrl::CtrlRequest;
use uniprov_core::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use uniprov_core::messages::{Status, WifiCredentials, WifiFailReason, WifiScanParams, WifiStatus};
use uniprov_core::Secret;

use crate::device::network::sim::SimRadio;
use crate::device::network::NetworkBackend;
use crate::device::runtime::clock::Clock;
use crate::device::storage::StateDir;

/// A one-line description of an action, as the core's manager tests write them.
fn show(action: &Action) -> String {
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

fn shows(actions: &[Action]) -> Vec<String> {
    actions.iter().map(show).collect()
}

fn emit(event: ProvEvent) -> String {
    show(&Action::Emit(event))
}

fn creds(ssid: &str, pass: &str) -> WifiCredentials {
    WifiCredentials {
        ssid: ssid.as_bytes().to_vec(),
        passphrase: Secret::new(pass.as_bytes().to_vec()),
        bssid: Vec::new(),
        channel: 0,
    }
}

/// `config` without the automatic reset after a failure (ESP's manager rule).
fn esp_manager(config: ManagerConfig) -> ManagerConfig {
    ManagerConfig {
        reset_on_failure: false,
        ..config
    }
}

struct Device {
    m: Manager,
    clock: Clock,
    radio: SimRadio,
    events: broadcast::Receiver<NetworkEvent>,
    state: StateDir,
    _dir: tempfile::TempDir,
}

impl Device {
    fn new() -> Self {
        Device::with(ManagerConfig::default())
    }

    fn with(config: ManagerConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = StateDir::open(dir.path().join("state")).expect("state dir");
        let radio = SimRadio::default();
        let events = radio.subscribe();
        let (mut m, _) = Manager::new(config);
        let clock = Clock::start();
        m.start(clock.now()).expect("start");
        Device {
            m,
            clock,
            radio,
            events,
            state,
            _dir: dir,
        }
    }

    /// Carries out actions the way the runtime will.
    async fn run(&mut self, actions: Vec<Action>) -> Vec<String> {
        let log = shows(&actions);
        for action in actions {
            match action {
                Action::Backend(BackendOp::Connect(c)) => {
                    self.radio.connect_wifi(&c).await.expect("connect")
                }
                Action::Backend(BackendOp::Disconnect) => {
                    self.radio.disconnect().await.expect("disconnect")
                }
                Action::Backend(BackendOp::PersistWifi(c)) => {
                    self.radio.persist_wifi(&c).await.expect("persist");
                    self.state
                        .store_wifi(&c.ssid, &c.passphrase)
                        .expect("store");
                }
                Action::StartWifiScan(params) => {
                    let found = self.radio.scan_wifi(params).await.map_err(|_| ScanFailed);
                    let reply = self.m.on_wifi_scan_done(found, self.clock.now());
                    assert!(reply.is_none(), "only blocking scans are answered later");
                }
                _ => {}
            }
        }
        log
    }

    async fn config(&mut self, request: ConfigRequest) -> ConfigResponse {
        let (response, actions) = self.m.handle_config(request, self.clock.now());
        self.run(actions).await;
        response
    }

    async fn provision(&mut self, ssid: &str, pass: &str) {
        let set = self
            .config(ConfigRequest::SetWifiConfig(creds(ssid, pass)))
            .await;
        assert_eq!(set, ConfigResponse::SetWifiConfig(Status::Success));
        let apply = self.config(ConfigRequest::ApplyWifiConfig).await;
        assert_eq!(apply, ConfigResponse::ApplyWifiConfig(Status::Success));
    }

    /// Waits for the radio's next event and feeds it to the manager.
    async fn next_event(&mut self) -> Vec<String> {
        let event = self.events.recv().await.expect("event");
        let actions = self.m.on_network_event(event, self.clock.now());
        self.run(actions).await
    }

    async fn status(&mut self) -> WifiStatus {
        match self.config(ConfigRequest::GetWifiStatus).await {
            ConfigResponse::WifiStatus {
                status: Status::Success,
                state,
            } => state,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn wrong_password_never_reaches_disk_and_reset_allows_a_retry() {
    let mut d = Device::with(esp_manager(ManagerConfig::default()));
    let t0 = Instant::now(); // tokio's paused clock
    d.provision("HomeNetwork", "password124").await;
    assert_eq!(
        d.next_event().await,
        [emit(ProvEvent::CredFail {
            reason: WifiFailReason::AuthError
        })]
    );
    assert_eq!(t0.elapsed(), Duration::from_secs(2));
    assert_eq!(
        d.status().await,
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    assert!(
        d.state.load_wifi().expect("load").is_none(),
        "nothing unproven on disk"
    );

    let (response, actions) = d.m.handle_ctrl(CtrlRequest::WifiReset, d.clock.now());
    assert_eq!(response.status, Status::Success);
    d.run(actions).await;
    d.provision("HomeNetwork", "password123").await;
    assert_eq!(
        d.next_event().await,
        [
            "persist_wifi HomeNetwork".to_string(),
            emit(ProvEvent::CredSuccess)
        ]
    );
    let stored = d.state.load_wifi().expect("load").expect("stored");
    assert_eq!(
        (
            stored.ssid.as_slice(),
            stored.passphrase.expose().as_slice()
        ),
        (&b"HomeNetwork"[..], &b"password123"[..])
    );
    let WifiStatus::Connected(info) = d.status().await else {
        panic!("expected Connected");
    };
    assert_eq!(info.ip4_addr, "192.168.1.100");
    assert_eq!(d.m.state(), ProvState::Stopping);
}

#[tokio::test(start_paused = true)]
async fn unknown_ssid_reports_network_not_found() {
    let mut d = Device::new();
    d.provision("NoSuchNetwork", "password123").await;
    d.next_event().await;
    assert_eq!(
        d.status().await,
        WifiStatus::Failed(WifiFailReason::NetworkNotFound)
    );
}

#[tokio::test(start_paused = true)]
async fn scan_lists_home_network_first() {
    let mut d = Device::new();
    let (outcome, actions) = d.m.handle_scan(
        ScanRequest::WifiStart(WifiScanParams::default()),
        d.clock.now(),
    );
    assert!(matches!(outcome, ScanOutcome::Reply(_)));
    d.run(actions).await;
    let (outcome, _) = d.m.handle_scan(
        ScanRequest::WifiResult {
            start_index: 0,
            count: 5,
        },
        d.clock.now(),
    );
    let ScanOutcome::Reply(ScanResponse {
        status: Status::Success,
        reply: ScanReply::WifiResult(entries),
    }) = outcome
    else {
        panic!("unexpected {outcome:?}");
    };
    assert_eq!(entries[0].ssid, b"HomeNetwork");
    assert!(entries.windows(2).all(|w| w[0].rssi >= w[1].rssi));
}

#[tokio::test(start_paused = true)]
async fn wrong_password_then_the_apps_next_apply_connects_without_ctrl() {
    let mut d = Device::new();
    d.provision("HomeNetwork", "password124").await;
    assert_eq!(
        d.next_event().await,
        [
            emit(ProvEvent::CredFail {
                reason: WifiFailReason::AuthError
            }),
            "disconnect".to_string()
        ]
    );
    assert_eq!(d.m.state(), ProvState::Started, "reset by itself");
    // The app's status polls read the failure, as often as they ask.
    for _ in 0..3 {
        assert_eq!(
            d.status().await,
            WifiStatus::Failed(WifiFailReason::AuthError)
        );
    }
    assert!(d.state.load_wifi().expect("load").is_none());
    // The person corrects the passphrase: SetConfig + Apply, no prov-ctrl.
    d.provision("HomeNetwork", "password123").await;
    assert_eq!(
        d.status().await,
        WifiStatus::Connecting {
            attempts_remaining: None
        }
    );
    assert_eq!(
        d.next_event().await,
        [
            "persist_wifi HomeNetwork".to_string(),
            emit(ProvEvent::CredSuccess)
        ]
    );
    let stored = d.state.load_wifi().expect("load").expect("stored");
    assert_eq!(stored.passphrase.expose().as_slice(), b"password123");
    assert!(matches!(d.status().await, WifiStatus::Connected(_)));
}
