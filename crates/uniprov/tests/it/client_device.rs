//! The client's `RemoteDevice` against an in-process fake device built from the core's device-side
//! security and messages: negotiation, handshakes, paging, polling, error classes.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use uniprov::client::flow::{Ctrl, NetworkStatus};
use uniprov::client::{
    ClientError, ClientOptions, ErrorClass, NetworkCredentials, Phase, Provisioned, Remedy,
    RemoteDevice, SecurityLevel, SecurityRequest, TransportKind, Warning,
};
use uniprov::core::messages::NetworkKind;
use uniprov::core::security::SecVer;
use uniprov::core::Secret;
use uniprov::entropy::OsEntropy;
use uniprov_testkit::fake_device::{FakeConfig, FakeDevice};

fn secret(s: &str) -> Option<Secret<Vec<u8>>> {
    Some(Secret::new(s.as_bytes().to_vec()))
}

fn wifi(ssid: &str, pass: &str) -> NetworkCredentials {
    NetworkCredentials::wifi(
        ssid.as_bytes().to_vec(),
        Secret::new(pass.as_bytes().to_vec()),
    )
    .unwrap()
}

async fn connect(
    config: FakeConfig,
    kind: TransportKind,
    security: SecurityRequest,
) -> Result<RemoteDevice, ClientError> {
    RemoteDevice::connect(
        Box::new(FakeDevice::new(config)),
        kind,
        security,
        ClientOptions::default(),
        &mut OsEntropy,
    )
    .await
}

async fn provision(
    config: FakeConfig,
    security: SecurityRequest,
) -> Result<(RemoteDevice, Provisioned), ClientError> {
    let mut device = connect(config, TransportKind::Http, security).await?;
    let done = device.provision(&wifi("home", "mypassword")).await?;
    Ok((device, done))
}

#[tokio::test(start_paused = true)]
async fn sec0_provisioning_records_every_phase() {
    let (device, done) = provision(FakeConfig::default(), SecurityRequest::default())
        .await
        .unwrap();
    assert!(matches!(done, Provisioned::Wifi(c) if c.ip4_addr == "192.168.1.42"));
    assert_eq!(device.security().unwrap().sec_ver, SecVer::Sec0);
    let phases: Vec<Phase> = device.timings().iter().map(|(p, _)| p).collect();
    assert_eq!(
        phases,
        [
            Phase::ProtoVer,
            Phase::Handshake,
            Phase::Set,
            Phase::Apply,
            Phase::Connected
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn sec1_with_pop_from_proto_ver() {
    let config = FakeConfig {
        sec_ver: 1,
        pop: Some("abcd1234"),
        ..FakeConfig::default()
    };
    let security = SecurityRequest {
        pop: secret("abcd1234"),
        ..SecurityRequest::default()
    };
    let (device, _) = provision(config, security).await.unwrap();
    assert_eq!(device.security().unwrap().level, SecurityLevel::Sec1Pop);
    assert!(device.warnings().is_empty());
}

#[tokio::test(start_paused = true)]
async fn sec1_no_pop_device() {
    let config = FakeConfig {
        sec_ver: 1,
        pop: None,
        ..FakeConfig::default()
    };
    let (device, _) = provision(config, SecurityRequest::default()).await.unwrap();
    assert_eq!(device.security().unwrap().level, SecurityLevel::Sec1NoPop);
}

fn sec2_request(password: &str) -> SecurityRequest {
    SecurityRequest {
        username: Some("wifiprov".into()),
        password: secret(password),
        ..SecurityRequest::default()
    }
}

#[tokio::test(start_paused = true)]
async fn sec2_is_chosen_from_proto_ver_with_both_patch_versions() {
    for patch in [Some(1), Some(0), None] {
        let config = FakeConfig {
            sec_ver: 2,
            sec_patch_ver: patch,
            ..FakeConfig::default()
        };
        let (device, _) = provision(config, sec2_request("abcd1234")).await.unwrap();
        let summary = device.security().unwrap();
        assert_eq!(summary.sec_ver, SecVer::Sec2);
        assert_eq!(
            summary.sec_patch_ver.map(u32::from),
            Some(u32::from(patch.unwrap_or(0)))
        );
    }
}

#[tokio::test(start_paused = true)]
async fn wrong_pop_is_an_authentication_failure() {
    let config = FakeConfig {
        sec_ver: 1,
        pop: Some("abcd1234"),
        ..FakeConfig::default()
    };
    let security = SecurityRequest {
        pop: secret("wrong pop"),
        ..SecurityRequest::default()
    };
    let error = connect(config, TransportKind::Http, security)
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::AuthFailed, "{error}");
    assert!(matches!(
        error,
        ClientError::HandshakeRejected {
            step: "second",
            sec_ver: SecVer::Sec1
        }
    ));
}

#[tokio::test(start_paused = true)]
async fn wrong_sec2_password_is_an_authentication_failure() {
    let config = FakeConfig {
        sec_ver: 2,
        sec_patch_ver: Some(1),
        ..FakeConfig::default()
    };
    let error = connect(config, TransportKind::Http, sec2_request("wrong"))
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::AuthFailed, "{error}");
}

#[tokio::test(start_paused = true)]
async fn explicit_security_mismatch_is_an_authentication_failure() {
    let config = FakeConfig {
        sec_ver: 2,
        sec_patch_ver: Some(1),
        ..FakeConfig::default()
    };
    let security = SecurityRequest {
        sec_ver: Some(SecVer::Sec1),
        pop: secret("abcd1234"),
        ..SecurityRequest::default()
    };
    let error = connect(config, TransportKind::Http, security)
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::AuthFailed, "{error}");
    assert!(matches!(
        error,
        ClientError::HandshakeRejected { step: "first", .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn wrong_passphrase_and_unknown_ssid_have_their_own_classes() {
    let mut device = connect(
        FakeConfig::default(),
        TransportKind::Http,
        SecurityRequest::default(),
    )
    .await
    .unwrap();
    let error = device
        .provision(&wifi("home", "wrongpassword"))
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::WifiAuth);
    let mut device = connect(
        FakeConfig::default(),
        TransportKind::Http,
        SecurityRequest::default(),
    )
    .await
    .unwrap();
    let error = device
        .provision(&wifi("nowhere", "mypassword"))
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::NetworkNotFound);
    assert_eq!(error.remedy(), Some(Remedy::ResetThenProvision));
}

#[tokio::test(start_paused = true)]
async fn a_device_that_never_connects_times_out() {
    let config = FakeConfig {
        stuck: true,
        ..FakeConfig::default()
    };
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    };
    let mut device = RemoteDevice::connect(
        Box::new(FakeDevice::new(config)),
        TransportKind::Http,
        SecurityRequest::default(),
        options,
        &mut OsEntropy,
    )
    .await
    .unwrap();
    let error = device
        .provision(&wifi("home", "mypassword"))
        .await
        .unwrap_err();
    assert_eq!(error.class(), ErrorClass::Timeout);
}

#[tokio::test(start_paused = true)]
async fn polling_backs_off_from_50ms_to_1s() {
    // 10 "connecting" answers: 50+100+200+400+800+1000*5 ms of sleeps = 6.55 s, far below
    // esp_prov's 50 s.
    let config = FakeConfig {
        connecting_polls: 10,
        ..FakeConfig::default()
    };
    let (device, _) = provision(config, SecurityRequest::default()).await.unwrap();
    let waited = device.timings().get(Phase::Connected).unwrap();
    assert_eq!(
        waited,
        Duration::from_millis(50 + 100 + 200 + 400 + 800 + 5 * 1000)
    );
}

#[tokio::test(start_paused = true)]
async fn ble_scans_in_pages_of_four_and_never_past_result_count() {
    let device = FakeDevice::new(FakeConfig {
        scan_results: 10,
        ..FakeConfig::default()
    });
    let log = device.log.clone();
    let mut device = RemoteDevice::connect(
        Box::new(device),
        TransportKind::Ble,
        SecurityRequest::default(),
        ClientOptions::default(),
        &mut OsEntropy,
    )
    .await
    .unwrap();
    let entries = device.scan_wifi().await.unwrap();
    assert_eq!(entries.len(), 10);
    assert_eq!(log.lock().unwrap().scan_pages, [(0, 4), (4, 4), (8, 2)]);
}

#[tokio::test(start_paused = true)]
async fn http_scans_everything_in_one_request() {
    let device = FakeDevice::new(FakeConfig {
        scan_results: 10,
        ..FakeConfig::default()
    });
    let log = device.log.clone();
    let mut device = RemoteDevice::connect(
        Box::new(device),
        TransportKind::Http,
        SecurityRequest::default(),
        ClientOptions::default(),
        &mut OsEntropy,
    )
    .await
    .unwrap();
    assert_eq!(device.scan_wifi().await.unwrap().len(), 10);
    assert_eq!(log.lock().unwrap().scan_pages, [(0, 10)]);
    // No results: no result request at all.
    let device = FakeDevice::new(FakeConfig {
        scan_results: 0,
        ..FakeConfig::default()
    });
    let log = device.log.clone();
    let mut device = RemoteDevice::connect(
        Box::new(device),
        TransportKind::Ble,
        SecurityRequest::default(),
        ClientOptions::default(),
        &mut OsEntropy,
    )
    .await
    .unwrap();
    assert!(device.scan_wifi().await.unwrap().is_empty());
    assert!(log.lock().unwrap().scan_pages.is_empty());
}

#[tokio::test(start_paused = true)]
async fn apply_without_set_is_refused_with_a_reset_hint() {
    let mut device = connect(
        FakeConfig::default(),
        TransportKind::Http,
        SecurityRequest::default(),
    )
    .await
    .unwrap();
    let error = device.apply(NetworkKind::Wifi).await.unwrap_err();
    assert_eq!(error.class(), ErrorClass::Other);
    assert_eq!(error.remedy(), Some(Remedy::CheckStateThenResetOrReprov));
}

#[tokio::test(start_paused = true)]
async fn ctrl_and_custom_endpoints() {
    let config = FakeConfig {
        sec_ver: 2,
        sec_patch_ver: Some(1),
        ..FakeConfig::default()
    };
    let device = FakeDevice::new(config);
    let log = device.log.clone();
    let mut device = RemoteDevice::connect(
        Box::new(device),
        TransportKind::Http,
        sec2_request("abcd1234"),
        ClientOptions::default(),
        &mut OsEntropy,
    )
    .await
    .unwrap();
    device.ctrl(Ctrl::Reset).await.unwrap();
    device.ctrl(Ctrl::Reprov).await.unwrap();
    assert_eq!(
        device.custom("custom-data", b"hello").await.unwrap(),
        b"SUCCESS\0"
    );
    assert_eq!(log.lock().unwrap().ctrl.len(), 2);
    let error = device.custom("no-such-endpoint", b"x").await.unwrap_err();
    assert_eq!(error.class(), ErrorClass::Other);
}

#[tokio::test(start_paused = true)]
async fn a_qr_expecting_sec2_against_a_sec0_device_warns_of_a_downgrade() {
    let security = SecurityRequest {
        expected: Some(SecurityLevel::Sec2),
        ..sec2_request("abcd1234")
    };
    let device = connect(FakeConfig::default(), TransportKind::Http, security)
        .await
        .unwrap();
    assert_eq!(
        device.warnings(),
        [Warning::Downgrade {
            expected: SecurityLevel::Sec2,
            chosen: SecurityLevel::Sec0
        }]
    );
}

#[tokio::test(start_paused = true)]
async fn old_firmware_without_sec_ver_gets_sec1_like_esp_prov() {
    let config = FakeConfig {
        sec_ver: 1,
        pop: Some("abcd1234"),
        advertise_sec_ver: false,
        sec_patch_ver: None,
        ..FakeConfig::default()
    };
    let security = SecurityRequest {
        pop: secret("abcd1234"),
        ..SecurityRequest::default()
    };
    let (device, _) = provision(config, security).await.unwrap();
    assert_eq!(device.security().unwrap().sec_ver, SecVer::Sec1);
}

#[tokio::test(start_paused = true)]
async fn establish_with_injected_entropy() {
    let config = FakeConfig {
        sec_ver: 1,
        pop: Some("abcd1234"),
        ..FakeConfig::default()
    };
    let mut device = RemoteDevice::new(
        Box::new(FakeDevice::new(config)),
        TransportKind::Console,
        ClientOptions::default(),
    );
    let info = device.read_version().await.unwrap();
    assert!(info.has_capability("wifi_scan"));
    let security = SecurityRequest {
        pop: secret("abcd1234"),
        ..SecurityRequest::default()
    };
    device.establish(security, &mut OsEntropy).await.unwrap();
    assert!(matches!(
        device.network_status().await.unwrap(),
        NetworkStatus::Wifi(uniprov::core::messages::WifiStatus::Disconnected)
    ));
}
