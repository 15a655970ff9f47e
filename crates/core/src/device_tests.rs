//! The device as one object: a request is one call; the router follows the manager's actions.
//! Security 0 keeps the bytes readable (the handshakes have tests of their own).

use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use super::*;
use crate::manager::{AutoStop, BackendOp, ProvEvent};
use crate::messages::config::ConfigRequest;
use crate::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use crate::messages::{WifiScanEntry, WifiScanParams};
use crate::security::DeviceSecurity;

struct NoEntropy;

impl Entropy for NoEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        dest.fill(0);
    }
}

const SESSION: u64 = 7;

fn started(config: ManagerConfig) -> Device {
    let mut protocomm = Protocomm::new(DeviceSecurity::Sec0, 4);
    protocomm.set_version(b"{}".to_vec());
    protocomm
        .add_endpoint(endpoint::VERSION, EndpointKind::Version)
        .expect("proto-ver");
    protocomm
        .add_endpoint(endpoint::SESSION, EndpointKind::Session)
        .expect("prov-session");
    let (mut device, init) = Device::new(protocomm, config);
    assert!(matches!(init[..], [Action::Emit(ProvEvent::Init)]));
    device.start(Instant::ZERO).expect("start");
    device
}

fn request(device: &mut Device, now: Instant, endpoint: &str, body: &[u8]) -> Reply {
    device.handle_request(now, SESSION, endpoint, body, &mut NoEntropy)
}

fn sent(reply: &Reply) -> &[u8] {
    match &reply.outcome {
        Outcome::Send(bytes) => bytes,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_config_request_is_one_call() {
    let mut device = started(ManagerConfig::default());
    let reply = request(
        &mut device,
        Instant::ZERO,
        endpoint::CONFIG,
        &ConfigRequest::GetWifiStatus.encode(),
    );
    let response = ConfigResponse::decode(sent(&reply)).expect("response");
    assert!(matches!(
        response,
        ConfigResponse::WifiStatus {
            status: Status::Success,
            ..
        }
    ));
    assert!(reply.actions.is_empty());
}

#[test]
fn refusals_say_why() {
    let mut device = started(ManagerConfig::default());
    let unknown = request(&mut device, Instant::ZERO, "nope", b"");
    assert!(matches!(
        unknown.outcome,
        Outcome::Refuse(Refused::Router(Refusal::UnknownEndpoint))
    ));
    let garbage = request(&mut device, Instant::ZERO, endpoint::CONFIG, &[0xff, 0xff]);
    assert!(matches!(
        garbage.outcome,
        Outcome::Refuse(Refused::Undecodable(_))
    ));
    assert_eq!(device.respond(SESSION, None), Err(Refused::Unanswered));
}

#[test]
fn custom_endpoints_hand_the_plaintext_out() {
    let mut device = started(ManagerConfig::default());
    assert!(device.add_endpoint(endpoint::CONFIG).is_err(), "reserved");
    device.add_endpoint("custom-data").expect("custom");
    let reply = request(&mut device, Instant::ZERO, "custom-data", b"hello");
    match reply.outcome {
        Outcome::Custom {
            endpoint,
            plaintext,
        } => {
            assert_eq!(endpoint, "custom-data");
            assert_eq!(plaintext.expose(), b"hello");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(device.respond(SESSION, Some(b"hi")), Ok(b"hi".to_vec()));
    device.remove_endpoint("custom-data");
    assert!(matches!(
        request(&mut device, Instant::ZERO, "custom-data", b"").outcome,
        Outcome::Refuse(Refused::Router(Refusal::UnknownEndpoint))
    ));
}

#[test]
fn a_blocking_scan_is_held_until_the_scan_is_done() {
    let mut device = started(ManagerConfig::default());
    let start = ScanRequest::WifiStart(WifiScanParams {
        blocking: true,
        ..WifiScanParams::default()
    });
    let reply = request(&mut device, Instant::ZERO, endpoint::SCAN, &start.encode());
    assert!(matches!(reply.outcome, Outcome::Hold(NetworkKind::Wifi)));
    assert!(matches!(reply.actions[..], [Action::StartWifiScan(_)]));
    let entry = WifiScanEntry {
        ssid: b"HomeNetwork".to_vec(),
        channel: 6,
        rssi: -40,
        bssid: vec![0; 6],
        auth: crate::messages::AuthMode::WPA2_PSK,
    };
    let plaintext = device
        .on_wifi_scan_done(Ok(vec![entry]), Instant::ZERO)
        .expect("the held request's answer");
    let response = ScanResponse::decode(&plaintext).expect("response");
    assert_eq!(response.status, Status::Success);
    assert_eq!(response.reply, ScanReply::WifiStarted);
}

#[test]
fn the_router_follows_the_managers_actions_on_the_virtual_clock() {
    let mut device = started(ManagerConfig {
        auto_stop: AutoStop::Disabled,
        ..ManagerConfig::default()
    });
    assert!(device.protocomm().has_endpoint(endpoint::CONFIG));
    let (status, actions) = device.configure_wifi(
        crate::messages::WifiCredentials {
            ssid: b"HomeNetwork".to_vec(),
            passphrase: Secret::new(b"password123".to_vec()),
            bssid: Vec::new(),
            channel: 0,
        },
        Instant::ZERO,
    );
    assert_eq!(status, Status::Success);
    assert!(actions
        .iter()
        .any(|a| matches!(a, Action::Backend(BackendOp::Connect(_)))));
    assert!(device.stop(Instant::from_secs(1)).is_empty());
    assert_eq!(device.state(), ProvState::Stopping);
    let due = device.poll_timeout().expect("teardown timer");
    assert_eq!(due, Instant::from_secs(1) + Duration::from_millis(1000));
    let actions = device.on_timer(due);
    assert!(actions
        .iter()
        .any(|a| matches!(a, Action::RemoveProvisioningEndpoints)));
    assert!(!device.protocomm().has_endpoint(endpoint::CONFIG));
    assert!(device.protocomm().has_endpoint(endpoint::SESSION));
    assert_eq!(device.state(), ProvState::Idle);
}
