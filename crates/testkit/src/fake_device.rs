//! An in-process device for client tests: the core's `DeviceSession` plus the endpoint
//! messages, behind the `ClientTransport` trait. It fails the way firmware fails (§3.3: a
//! refused handshake or request closes without a response) and records what it was asked.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use uniprov::client::transport::{ClientTransport, TransportError};
use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::messages::ctrl::{CtrlRequest, CtrlResponse};
use uniprov::core::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use uniprov::core::messages::{
    AuthMode, Status, WifiConnected, WifiFailReason, WifiScanEntry, WifiStatus,
};
use uniprov::core::security::{
    generate_sec2_credentials, DeviceSecurity, DeviceSession, Sec2Patch,
};
use uniprov::core::Secret;
use uniprov::entropy::OsEntropy;

/// How the fake device is set up.
pub struct FakeConfig {
    /// The security scheme (0, 1 or 2).
    pub sec_ver: u8,
    /// The security 1 PoP.
    pub pop: Option<&'static str>,
    /// The security 2 username and password.
    pub sec2: Option<(&'static str, &'static str)>,
    /// `Some(n)`: advertise `sec_patch_ver: n` and use that patch; `None`: key absent, patch 0.
    pub sec_patch_ver: Option<u8>,
    /// Advertise `sec_ver` at all (ESP-IDF v4.x did not).
    pub advertise_sec_ver: bool,
    /// The networks it can join: SSID and passphrase.
    pub networks: Vec<(&'static str, &'static str)>,
    /// Number of scan results to offer.
    pub scan_results: usize,
    /// Status polls answered "connecting" before the outcome.
    pub connecting_polls: usize,
    /// Never finish connecting.
    pub stuck: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            sec_ver: 0,
            pop: None,
            sec2: None,
            sec_patch_ver: Some(0),
            advertise_sec_ver: true,
            networks: vec![("home", "mypassword")],
            scan_results: 3,
            connecting_polls: 2,
            stuck: false,
        }
    }
}

/// What the device saw.
#[derive(Default, Debug)]
pub struct Log {
    /// Every endpoint asked, in order.
    pub endpoints: Vec<String>,
    /// The scan result pages read: start and count.
    pub scan_pages: Vec<(u32, u32)>,
    /// How many times the Wi-Fi status was asked.
    pub status_polls: usize,
    /// Every `prov-ctrl` request.
    pub ctrl: Vec<CtrlRequest>,
}

enum Wifi {
    Idle,
    Set(Vec<u8>, Vec<u8>),
    Connecting {
        polls_left: usize,
        outcome: WifiStatus,
    },
    Done(WifiStatus),
}

/// The fake device: a [`ClientTransport`] answering in process.
pub struct FakeDevice {
    config: FakeConfig,
    security: DeviceSecurity,
    session: DeviceSession,
    wifi: Wifi,
    /// What it saw, shared with the test.
    pub log: Arc<Mutex<Log>>,
}

impl FakeDevice {
    /// A device set up as `config`, with no session yet.
    pub fn new(config: FakeConfig) -> Self {
        let patch = if config.sec_patch_ver == Some(1) {
            Sec2Patch::V1
        } else {
            Sec2Patch::V0
        };
        let security = match config.sec_ver {
            0 => DeviceSecurity::Sec0,
            1 => DeviceSecurity::Sec1 {
                pop: config.pop.map(|p| Secret::new(p.as_bytes().to_vec())),
            },
            _ => {
                let (user, pass) = config.sec2.unwrap_or(("wifiprov", "abcd1234"));
                let creds =
                    generate_sec2_credentials(user.as_bytes(), pass.as_bytes(), 16, &mut OsEntropy);
                DeviceSecurity::Sec2 {
                    salt: creds.salt,
                    verifier: creds.verifier,
                    patch,
                }
            }
        };
        FakeDevice {
            session: DeviceSession::new(&security),
            security,
            config,
            wifi: Wifi::Idle,
            log: Arc::default(),
        }
    }

    fn proto_ver(&self) -> String {
        let mut caps = Vec::new();
        if self.config.sec_ver == 0 {
            caps.push("\"no_sec\"");
        }
        if self.config.sec_ver == 1 && self.config.pop.is_none() {
            caps.push("\"no_pop\"");
        }
        caps.push("\"wifi_scan\"");
        let mut prov = vec!["\"ver\": \"v1.1\"".to_owned()];
        if self.config.advertise_sec_ver {
            prov.push(format!("\"sec_ver\": {}", self.config.sec_ver));
        }
        if let Some(p) = self.config.sec_patch_ver {
            prov.push(format!("\"sec_patch_ver\": {p}"));
        }
        prov.push(format!("\"cap\": [{}]", caps.join(", ")));
        format!("{{\"prov\": {{{}}}}}", prov.join(", "))
    }

    fn scan_entry(i: usize) -> WifiScanEntry {
        WifiScanEntry {
            ssid: format!("net{i}").into_bytes(),
            channel: 1 + (i as u32 % 11),
            rssi: -30 - i as i32,
            bssid: vec![0x11, 0x22, 0x33, 0x44, 0x55, i as u8],
            auth: AuthMode::WPA2_PSK,
        }
    }

    fn config_request(&mut self, request: ConfigRequest) -> ConfigResponse {
        match request {
            ConfigRequest::SetWifiConfig(c) => {
                self.wifi = Wifi::Set(c.ssid, c.passphrase.expose().clone());
                ConfigResponse::SetWifiConfig(Status::Success)
            }
            ConfigRequest::ApplyWifiConfig => match std::mem::replace(&mut self.wifi, Wifi::Idle) {
                Wifi::Set(ssid, pass) => {
                    let outcome = match self
                        .config
                        .networks
                        .iter()
                        .find(|(s, _)| s.as_bytes() == ssid)
                    {
                        None => WifiStatus::Failed(WifiFailReason::NetworkNotFound),
                        Some((_, p)) if p.as_bytes() != pass => {
                            WifiStatus::Failed(WifiFailReason::AuthError)
                        }
                        Some(_) => WifiStatus::Connected(WifiConnected {
                            ip4_addr: "192.168.1.42".into(),
                            auth_mode: AuthMode::WPA2_PSK,
                            ssid,
                            bssid: vec![0x11, 0x22, 0x33, 0x44, 0x55, 0x66],
                            channel: 6,
                        }),
                    };
                    self.wifi = Wifi::Connecting {
                        polls_left: self.config.connecting_polls,
                        outcome,
                    };
                    ConfigResponse::ApplyWifiConfig(Status::Success)
                }
                other => {
                    self.wifi = other;
                    ConfigResponse::ApplyWifiConfig(Status::InternalError)
                }
            },
            ConfigRequest::GetWifiStatus => {
                self.log.lock().unwrap().status_polls += 1;
                let state = match &mut self.wifi {
                    Wifi::Connecting {
                        polls_left,
                        outcome,
                    } => {
                        if *polls_left == 0 && !self.config.stuck {
                            let done = outcome.clone();
                            self.wifi = Wifi::Done(done.clone());
                            done
                        } else {
                            *polls_left = polls_left.saturating_sub(1);
                            WifiStatus::Connecting {
                                attempts_remaining: None,
                            }
                        }
                    }
                    Wifi::Done(s) => s.clone(),
                    _ => WifiStatus::Disconnected,
                };
                ConfigResponse::WifiStatus {
                    status: Status::Success,
                    state,
                }
            }
            _ => ConfigResponse::SetThreadDataset(Status::InvalidArgument),
        }
    }

    fn scan_request(&mut self, request: ScanRequest) -> Option<ScanResponse> {
        let total = self.config.scan_results as u32;
        let reply = match request {
            ScanRequest::WifiStart(_) => ScanReply::WifiStarted,
            ScanRequest::WifiStatus => ScanReply::WifiStatus {
                finished: true,
                result_count: total,
            },
            ScanRequest::WifiResult { start_index, count } => {
                self.log
                    .lock()
                    .unwrap()
                    .scan_pages
                    .push((start_index, count));
                // 2026 firmware: out-of-range requests fail at transport level.
                if start_index >= total || count > total - start_index {
                    return None;
                }
                let entries = (start_index..start_index + count)
                    .map(|i| Self::scan_entry(i as usize))
                    .collect();
                ScanReply::WifiResult(entries)
            }
            _ => return None,
        };
        Some(ScanResponse {
            status: Status::Success,
            reply,
        })
    }

    /// A new transport session: the security session starts over (§3.2).
    pub fn new_session(&mut self) {
        self.session = DeviceSession::new(&self.security);
    }

    /// Answers one request; `None` refuses it (§3.3).
    pub fn handle(&mut self, endpoint: &str, body: &[u8]) -> Option<Vec<u8>> {
        self.log.lock().unwrap().endpoints.push(endpoint.to_owned());
        match endpoint {
            "proto-ver" => Some(self.proto_ver().into_bytes()),
            "prov-session" => self.session.handle_session_data(body, &mut OsEntropy).ok(),
            _ => {
                let plain = self.session.decrypt(body).ok()?;
                let response = match endpoint {
                    "prov-config" => self
                        .config_request(ConfigRequest::decode(&plain).ok()?)
                        .encode(),
                    "prov-scan" => self
                        .scan_request(ScanRequest::decode(&plain).ok()?)?
                        .encode(),
                    "prov-ctrl" => {
                        let request = CtrlRequest::decode(&plain).ok()?;
                        self.log.lock().unwrap().ctrl.push(request);
                        self.wifi = Wifi::Idle;
                        CtrlResponse {
                            request,
                            status: Status::Success,
                        }
                        .encode()
                    }
                    "custom-data" => b"SUCCESS\0".to_vec(),
                    _ => return None,
                };
                self.session.encrypt(&response).ok()
            }
        }
    }
}

#[async_trait::async_trait]
impl ClientTransport for FakeDevice {
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.handle(endpoint, body)
            .ok_or(TransportError::ClosedWithoutResponse)
    }
}
