//! Full provisioning through a library device over loopback HTTP, with every security scheme
//! (§4-§6, §10): proto-ver, handshake, SetConfig/ApplyConfig, GetStatus, auto-stop, END.

use crate::device;
use uniprov_testkit::client;

use client::{sec0, sec1, sec2};
use device::{builder, device_sec1, device_sec2, wait_prov};
use uniprov::client::transport::TransportError;
use uniprov::core::messages::{Status, WifiStatus};
use uniprov::core::security::{ClientSecurity, DeviceSecurity, Sec2Patch};
use uniprov::device::manager::{ProvEvent, ProvState};

/// Provisions HomeNetwork end to end and checks the device stops after reporting Connected.
async fn provision_end_to_end(device: DeviceSecurity, security: ClientSecurity, caps: &[&str]) {
    let builder = builder(device);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let addr = handle.http_addrs()[0];
    let mut c = client::http(addr).await;

    let info = c.proto_ver().await;
    assert_eq!(info.prov_ver, "v1.1");
    assert_eq!(info.caps, caps);
    c.handshake(security).await.expect("handshake");
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    let WifiStatus::Connected(connected) = c.wifi_status().await else {
        panic!("expected Connected");
    };
    assert_eq!(connected.ip4_addr, "192.168.1.100");
    assert_eq!(connected.ssid, b"HomeNetwork");

    // Reporting Connected stops the service (auto-stop); END follows the cleanup delay.
    wait_prov(&mut events, ProvEvent::End).await;
    handle.wait().await;
    assert_eq!(handle.state(), ProvState::Idle);
    let refused = c.try_config(uniprov::core::messages::config::ConfigRequest::GetWifiStatus);
    assert!(refused.await.is_err(), "transport is down after END");
    handle.shutdown().await;
    wait_prov(&mut events, ProvEvent::Deinit).await;
}

#[tokio::test]
async fn sec0_provisions_end_to_end() {
    provision_end_to_end(DeviceSecurity::Sec0, sec0(), &["no_sec", "wifi_scan"]).await;
}

#[tokio::test]
async fn sec1_with_pop_provisions_end_to_end() {
    provision_end_to_end(
        device_sec1(Some("abcd1234")),
        sec1(Some("abcd1234")),
        &["wifi_scan"],
    )
    .await;
}

#[tokio::test]
async fn sec1_without_pop_provisions_end_to_end() {
    provision_end_to_end(device_sec1(None), sec1(None), &["no_pop", "wifi_scan"]).await;
}

#[tokio::test]
async fn sec2_patch1_provisions_end_to_end() {
    provision_end_to_end(
        device_sec2("wifiprov", "abcd1234", Sec2Patch::V1),
        sec2("wifiprov", "abcd1234", Sec2Patch::V1),
        &["wifi_scan"],
    )
    .await;
}

#[tokio::test]
async fn sec2_patch0_provisions_end_to_end() {
    provision_end_to_end(
        device_sec2("wifiprov", "abcd1234", Sec2Patch::V0),
        sec2("wifiprov", "abcd1234", Sec2Patch::V0),
        &["wifi_scan"],
    )
    .await;
}

#[tokio::test]
async fn proto_ver_reports_sec_ver_and_patch() {
    let handle = builder(device_sec2("u", "p", Sec2Patch::V1))
        .start()
        .await
        .expect("start");
    let info = client::http(handle.http_addrs()[0]).await.proto_ver().await;
    assert_eq!(
        (info.sec_ver, info.sec_patch_ver),
        (Some(uniprov::core::security::SecVer::Sec2), Some(1))
    );
    // The text is ESP-IDF v5.5's, byte for byte (§8).
    assert_eq!(handle.proto_ver().len(), 95);
    handle.shutdown().await;
}

#[tokio::test]
async fn wrong_pop_or_password_closes_without_response_and_a_retry_works() {
    for (device, wrong, right) in [
        (
            device_sec1(Some("abcd1234")),
            sec1(Some("wrong")),
            sec1(Some("abcd1234")),
        ),
        (
            device_sec2("wifiprov", "abcd1234", Sec2Patch::V1),
            sec2("wifiprov", "wrong", Sec2Patch::V1),
            sec2("wifiprov", "abcd1234", Sec2Patch::V1),
        ),
    ] {
        let handle = builder(device).start().await.expect("start");
        let addr = handle.http_addrs()[0];
        let mut bad = client::http(addr).await;
        let error = bad.handshake(wrong).await.expect_err("wrong secret");
        assert!(
            matches!(error, TransportError::ClosedWithoutResponse),
            "{error:?}"
        );
        let mut good = client::http(addr).await;
        good.handshake(right).await.expect("right secret");
        assert!(matches!(
            good.wifi_status().await,
            WifiStatus::Connecting { .. }
        ));
        handle.shutdown().await;
    }
}
