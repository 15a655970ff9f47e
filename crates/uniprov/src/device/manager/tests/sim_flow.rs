//! The manager driven against the simulated radio and a real state directory, on a paused clock:
//! a minimal stand-in for the runtime's manager task.

use super::*;
use crate::device::network::sim::SimRadio;
use crate::device::network::NetworkBackend;
use crate::device::storage::StateDir;
use tokio::sync::broadcast;
use uniprov_core::messages::scan::ScanReply;
use uniprov_core::messages::{WifiFailReason, WifiScanParams};

struct Device {
    m: Manager,
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
        m.start(Instant::now()).expect("start");
        Device {
            m,
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
                Action::Connect(c) => self.radio.connect_wifi(&c).await.expect("connect"),
                Action::Disconnect => self.radio.disconnect().await.expect("disconnect"),
                Action::PersistWifi(c) => {
                    self.radio.persist_wifi(&c).await.expect("persist");
                    self.state
                        .store_wifi(&c.ssid, &c.passphrase)
                        .expect("store");
                }
                Action::StartWifiScan(params) => {
                    let found = self.radio.scan_wifi(params).await;
                    let reply = self.m.on_wifi_scan_done(found, Instant::now());
                    assert!(reply.is_none(), "only blocking scans are answered later");
                }
                _ => {}
            }
        }
        log
    }

    async fn config(&mut self, request: ConfigRequest) -> ConfigResponse {
        let (response, actions) = self.m.handle_config(request, Instant::now());
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
        let actions = self.m.on_network_event(event, Instant::now());
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
    let t0 = Instant::now();
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

    let (response, actions) = d.m.handle_ctrl(CtrlRequest::WifiReset, Instant::now());
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
        Instant::now(),
    );
    assert!(matches!(outcome, ScanOutcome::Reply(_)));
    d.run(actions).await;
    let (outcome, _) = d.m.handle_scan(
        ScanRequest::WifiResult {
            start_index: 0,
            count: 5,
        },
        Instant::now(),
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
