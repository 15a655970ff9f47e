//! The provisioning manager (§10, §11), a sans-IO state machine, fed an arbitrary sequence of
//! decoded requests, network events, scan completions, lifecycle calls and timer ticks on a
//! virtual clock.
//!
//! Input: `config (2) ‖ chunks`. Config byte 0: bit 0 Thread (else Wi-Fi), bit 1 session-only
//! mode, bit 2 enable provisioning (session-only), bit 3 auto-stop disabled, bits 4-5 Wi-Fi
//! connection attempts (0-3), bits 6-7 auto-stop timeout / cleanup delay variants; byte 1: the
//! scan cap. Chunk ops (`op % 12`): 0 prov-config request (decoded from `body`), 1 prov-scan
//! request, 2 prov-ctrl request, 3 `Connected`, 4 `Disconnected`, 5 `ThreadAttached`,
//! 6 `ThreadFailed`, 7 advance the clock and fire due timers, 8 Wi-Fi scan done, 9 Thread scan
//! done, 10 start / stop / deinit / reset, 11 a valid SetConfig + Apply.
//!
//! Properties (ARCHITECTURE.md): credentials are persisted only in reaction to a successful
//! connection, and only the ones last handed to `Connect`; `Connect` / `AttachThread` follow
//! only an Apply or a retry after `Disconnected`; after the timers ran at `now`, no timer is
//! left at or before `now`; every response the manager produces survives encode → decode.
#![no_main]
#![forbid(unsafe_code)]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use uniprov_core::manager::{
    Action, AutoStop, BackendOp, DisconnectReason, Manager, ManagerConfig, Mode, NetworkEvent,
    ProvState, ScanFailed, ScanOutcome,
};
use uniprov_core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov_core::messages::ctrl::{CtrlRequest, CtrlResponse};
use uniprov_core::messages::scan::{ScanRequest, ScanResponse};
use uniprov_core::messages::{
    AuthMode, NetworkKind, ThreadAttached, ThreadFailReason, ThreadScanEntry, WifiConnected,
    WifiCredentials, WifiScanEntry,
};
use uniprov_core::time::Instant;
use uniprov_core::Secret;
use uniprov_fuzz::input::Reader;

fn config(a: u8, b: u8) -> ManagerConfig {
    let timeout = [30, 5, 600, 0][usize::from(a >> 6)];
    ManagerConfig {
        network: if a & 1 == 0 {
            NetworkKind::Wifi
        } else {
            NetworkKind::Thread
        },
        mode: if a & 2 == 0 {
            Mode::Full
        } else {
            Mode::SessionOnly
        },
        enable_provisioning: a & 4 != 0,
        auto_stop: if a & 8 == 0 {
            AutoStop::Enabled {
                timeout: Duration::from_secs(timeout),
            }
        } else {
            AutoStop::Disabled
        },
        cleanup_delay: Duration::from_millis([1000, 0, 100, 5000][usize::from(a >> 6)]),
        scan_max_entries: b,
        wifi_conn_attempts: u32::from((a >> 4) & 3),
        ..ManagerConfig::default()
    }
}

/// What the sequence has done so far, for the action checks.
#[derive(Default)]
struct Ledger {
    /// SSID of the last `Connect`.
    connecting: Option<Vec<u8>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cause {
    Apply,
    Disconnected,
    Connected,
    Attached,
    Other,
}

impl Ledger {
    fn check(&mut self, cause: Cause, actions: &[Action]) {
        for action in actions {
            match action {
                Action::Backend(BackendOp::Connect(c)) => {
                    assert!(
                        matches!(cause, Cause::Apply | Cause::Disconnected),
                        "Connect without Apply or retry"
                    );
                    self.connecting = Some(c.ssid.clone());
                }
                Action::Backend(BackendOp::AttachThread(_)) => assert!(cause == Cause::Apply, "attach without Apply"),
                Action::Backend(BackendOp::PersistWifi(c)) => {
                    assert!(
                        cause == Cause::Connected,
                        "persisted Wi-Fi before connecting"
                    );
                    assert_eq!(
                        self.connecting.as_ref(),
                        Some(&c.ssid),
                        "persisted other SSID"
                    );
                }
                Action::Backend(BackendOp::PersistThread(_)) => {
                    assert!(
                        cause == Cause::Attached,
                        "persisted a dataset before attaching"
                    )
                }
                _ => {}
            }
        }
    }
}

fn config_roundtrip(response: &ConfigResponse) {
    let bytes = response.encode();
    assert_eq!(ConfigResponse::decode(&bytes).as_ref(), Ok(response));
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn wifi_entries(body: &[u8]) -> Vec<WifiScanEntry> {
    body.chunks(4)
        .map(|c| WifiScanEntry {
            ssid: c.to_vec(),
            channel: u32::from(c[0] % 14),
            rssi: -i32::from(c[0]),
            bssid: vec![c[0]; 6],
            auth: AuthMode(i32::from(c.len() as u8 + c[0] % 3)),
        })
        .collect()
}

fn thread_entries(body: &[u8]) -> Vec<ThreadScanEntry> {
    body.chunks(4)
        .map(|c| ThreadScanEntry {
            pan_id: u32::from(c[0]),
            channel: 11 + u32::from(c[0] % 16),
            rssi: -i32::from(c[0]),
            lqi: u32::from(c[0]),
            ext_addr: vec![c[0]; 8],
            network_name: text(c),
            ext_pan_id: vec![c[0]; 8],
        })
        .collect()
}

fn step(m: &mut Manager, now: &mut Instant, ledger: &mut Ledger, op: u8, body: &[u8]) {
    let mut r = Reader::new(body);
    let (cause, actions) = match op % 12 {
        0 => match ConfigRequest::decode(body) {
            Ok(request) => {
                let (response, actions) = m.handle_config(request, *now);
                config_roundtrip(&response);
                (Cause::Apply, actions)
            }
            Err(_) => return,
        },
        1 => match ScanRequest::decode(body) {
            Ok(request) => {
                let blocking = matches!(
                    request,
                    ScanRequest::WifiStart(p) if p.blocking
                ) || matches!(request, ScanRequest::ThreadStart(p) if p.blocking);
                let (outcome, actions) = m.handle_scan(request, *now);
                match outcome {
                    ScanOutcome::Reply(response) => {
                        let bytes = response.encode();
                        assert_eq!(ScanResponse::decode(&bytes), Ok(response));
                    }
                    ScanOutcome::Pending => assert!(blocking, "non-blocking scan pending"),
                    ScanOutcome::Refused => {}
                }
                (Cause::Other, actions)
            }
            Err(_) => return,
        },
        2 => match CtrlRequest::decode(body) {
            Ok(request) => {
                let (response, actions) = m.handle_ctrl(request, *now);
                assert_eq!(response.request, request);
                assert_eq!(CtrlResponse::decode(&response.encode()), Ok(response));
                (Cause::Other, actions)
            }
            Err(_) => return,
        },
        3 => {
            let info = WifiConnected {
                auth_mode: AuthMode(i32::from(r.byte())),
                channel: i32::from(r.byte()),
                bssid: r.take(6).to_vec(),
                ip4_addr: text(r.take(15)),
                ssid: r.rest().to_vec(),
            };
            let event = NetworkEvent::Connected(info);
            (Cause::Connected, m.on_network_event(event, *now))
        }
        4 => {
            let reason = DisconnectReason::from_esp_reason(r.u16());
            let event = NetworkEvent::Disconnected { reason };
            (Cause::Disconnected, m.on_network_event(event, *now))
        }
        5 => {
            let info = ThreadAttached {
                pan_id: u32::from(r.u16()),
                channel: u32::from(r.byte()),
                ext_pan_id: r.take(8).to_vec(),
                name: text(r.rest()),
            };
            let event = NetworkEvent::ThreadAttached(info);
            (Cause::Attached, m.on_network_event(event, *now))
        }
        6 => {
            let reason = if r.byte() & 1 == 0 {
                ThreadFailReason::DatasetInvalid
            } else {
                ThreadFailReason::NetworkNotFound
            };
            (
                Cause::Other,
                m.on_network_event(NetworkEvent::ThreadFailed(reason), *now),
            )
        }
        7 => {
            *now += Duration::from_millis(u64::from(r.u32() % 700_000));
            let actions = m.on_timer(*now);
            if let Some(at) = m.poll_timeout() {
                assert!(at > *now, "timer left in the past");
            }
            (Cause::Other, actions)
        }
        8 | 9 => {
            let failed = r.byte() & 1 == 1;
            let entries = r.rest();
            let done = if op % 12 == 8 {
                let result = if failed {
                    Err(ScanFailed)
                } else {
                    Ok(wifi_entries(entries))
                };
                m.on_wifi_scan_done(result, *now)
            } else {
                let result = if failed {
                    Err(ScanFailed)
                } else {
                    Ok(thread_entries(entries))
                };
                m.on_thread_scan_done(result, *now)
            };
            if let Some(response) = done {
                let bytes = response.encode();
                assert_eq!(ScanResponse::decode(&bytes), Ok(response));
            }
            (Cause::Other, Vec::new())
        }
        10 => {
            let actions = match r.byte() % 4 {
                0 => {
                    let idle = m.state() == ProvState::Idle;
                    let started = m.start(*now);
                    assert_eq!(started.is_ok(), idle);
                    started.unwrap_or_default()
                }
                1 => m.stop(*now),
                2 => m.deinit(*now),
                _ => m.reset_provisioning(),
            };
            (Cause::Other, actions)
        }
        _ => {
            let credentials = WifiCredentials {
                ssid: b"HomeNetwork".to_vec(),
                passphrase: Secret::new(b"password123".to_vec()),
                bssid: Vec::new(),
                channel: 0,
            };
            let (set, mut actions) =
                m.handle_config(ConfigRequest::SetWifiConfig(credentials), *now);
            config_roundtrip(&set);
            let (apply, more) = m.handle_config(ConfigRequest::ApplyWifiConfig, *now);
            config_roundtrip(&apply);
            actions.extend(more);
            (Cause::Apply, actions)
        }
    };
    ledger.check(cause, &actions);
}

fuzz_target!(|data: &[u8]| {
    let mut input = Reader::new(data);
    let (a, b) = (input.byte(), input.byte());
    let (mut m, _) = Manager::new(config(a, b));
    let mut now = Instant::ZERO;
    let mut ledger = Ledger::default();
    if let Ok(actions) = m.start(now) {
        ledger.check(Cause::Other, &actions);
    }
    while let Some(chunk) = input.chunk() {
        step(&mut m, &mut now, &mut ledger, chunk.op, chunk.body);
    }
});
