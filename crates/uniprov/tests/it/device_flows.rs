//! Provisioning flows through a library device over loopback HTTP: failures and retries
//! (§10.3), scan paging (§10.6), custom endpoints (§1), app info (§8).

use crate::device;
use uniprov_testkit::client;

use std::sync::Arc;

use client::sec0;
use device::{builder, success_handler, wait_for, wait_prov};
use uniprov::client::transport::TransportError;
use uniprov::core::messages::ctrl::CtrlRequest;
use uniprov::core::messages::scan::{ScanReply, ScanRequest};
use uniprov::core::messages::{Status, WifiFailReason, WifiStatus};
use uniprov::core::proto_ver::AppInfo;
use uniprov::core::security::DeviceSecurity;
use uniprov::device::manager::ProvEvent;
use uniprov::device::runtime::{DeviceEvent, HandleError};

#[tokio::test]
async fn wrong_passphrase_reports_auth_error_then_ctrl_reset_allows_success() {
    // ESP's manager rule (FAIL until ctrl reset); the default resets by itself
    // (`device_app_retry.rs`).
    let builder = builder(DeviceSecurity::Sec0).reset_on_failure(false);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let mut c = client::http(handle.http_addrs()[0]).await;
    c.handshake(sec0()).await.expect("handshake");

    assert_eq!(
        c.send_credentials("HomeNetwork", "password124").await,
        (Status::Success, Status::Success)
    );
    let fail = ProvEvent::CredFail {
        reason: WifiFailReason::AuthError,
    };
    wait_prov(&mut events, fail).await;
    assert_eq!(
        c.wifi_status().await,
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    assert_eq!(
        handle.wifi_disconnect_reason().await.expect("reason"),
        Some(WifiFailReason::AuthError)
    );
    // Further credentials are rejected until a reset (§10.2).
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::InternalError)
    );
    assert!(!handle.is_provisioned().await.expect("query"));

    assert_eq!(c.ctrl(CtrlRequest::WifiReset).await.status, Status::Success);
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    assert!(matches!(c.wifi_status().await, WifiStatus::Connected(_)));
    assert!(handle.is_provisioned().await.expect("query"));
    handle.shutdown().await;
}

#[tokio::test]
async fn unknown_ssid_reports_network_not_found() {
    let builder = builder(DeviceSecurity::Sec0);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let mut c = client::http(handle.http_addrs()[0]).await;
    c.handshake(sec0()).await.expect("handshake");
    c.send_credentials("NoSuchNetwork", "password123").await;
    let fail = ProvEvent::CredFail {
        reason: WifiFailReason::NetworkNotFound,
    };
    wait_prov(&mut events, fail).await;
    assert_eq!(
        c.wifi_status().await,
        WifiStatus::Failed(WifiFailReason::NetworkNotFound)
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn blocking_scan_pages_through_results_sorted_and_capped() {
    let handle = builder(DeviceSecurity::Sec0)
        .scan_max_entries(4)
        .start()
        .await
        .expect("start");
    let mut c = client::http(handle.http_addrs()[0]).await;
    c.handshake(sec0()).await.expect("handshake");
    let entries = c.scan_all(3).await;
    let ssids: Vec<_> = entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.ssid).into_owned())
        .collect();
    assert_eq!(
        ssids,
        ["HomeNetwork", "Office-5G", "CoffeeShop", "Neighbor-WPA3"]
    );
    // A page beyond the cap fails at transport level (§10.6).
    let beyond = c
        .try_scan(ScanRequest::WifiResult {
            start_index: 4,
            count: 1,
        })
        .await;
    assert!(matches!(beyond, Err(TransportError::ClosedWithoutResponse)));

    // A page beyond the entries (within the cap) answers what exists and InternalError.
    let mut c = client::http(handle.http_addrs()[0]).await;
    c.handshake(sec0()).await.expect("handshake");
    let response = c
        .try_scan(ScanRequest::WifiResult {
            start_index: 2,
            count: 2,
        })
        .await
        .expect("page");
    assert_eq!(response.status, Status::Success);
    assert!(matches!(response.reply, ScanReply::WifiResult(ref e) if e.len() == 2));
    handle.shutdown().await;
}

#[tokio::test]
async fn scan_keeps_other_sessions_served_while_blocking() {
    // A slow radio: the blocking scan takes 300 ms (the simulated default) of real time.
    let handle = builder(DeviceSecurity::Sec0)
        .backend(Arc::new(uniprov::device::network::sim::SimRadio::default()))
        .start()
        .await
        .expect("start");
    let addr = handle.http_addrs()[0];
    let mut scanner = client::http(addr).await;
    scanner.handshake(sec0()).await.expect("handshake");
    let scan = tokio::spawn(async move { scanner.scan_all(16).await.len() });
    let mut other = client::http(addr).await;
    other.handshake(sec0()).await.expect("handshake");
    assert!(matches!(
        other.wifi_status().await,
        WifiStatus::Connecting { .. }
    ));
    assert_eq!(scan.await.expect("scan"), 5);
    handle.shutdown().await;
}

#[tokio::test]
async fn custom_endpoints_answer_and_can_be_registered_and_unregistered() {
    let handle = builder(DeviceSecurity::Sec0)
        .endpoint("custom-data", Some(success_handler()))
        .endpoint("late", None)
        .start()
        .await
        .expect("start");
    let addr = handle.http_addrs()[0];
    let mut c = client::http(addr).await;
    c.handshake(sec0()).await.expect("handshake");
    assert_eq!(
        c.request("custom-data", b"hello").await.expect("custom"),
        b"SUCCESS\0"
    );
    // Declared without a handler: refused until registered.
    assert!(c.request("late", b"x").await.is_err());
    let mut c = client::http(addr).await;
    c.handshake(sec0()).await.expect("handshake");
    let echo = Arc::new(|r: uniprov::device::runtime::CustomRequest<'_>| Some(r.data.to_vec()));
    handle
        .register_endpoint("late", echo)
        .await
        .expect("register");
    assert_eq!(c.request("late", b"ping").await.expect("late"), b"ping");
    assert!(matches!(
        handle
            .register_endpoint("prov-config", success_handler())
            .await,
        Err(HandleError::Endpoint(_))
    ));
    handle
        .unregister_endpoint("late")
        .await
        .expect("unregister");
    assert!(c.request("late", b"ping").await.is_err());
    handle.shutdown().await;
}

#[tokio::test]
async fn app_info_comes_first_in_proto_ver() {
    let app = AppInfo {
        label: "my_app".into(),
        ver: "1.2.3".into(),
        cap: vec!["claim".into(), "ota".into()],
    };
    let handle = builder(DeviceSecurity::Sec0)
        .app_info(app.clone())
        .start()
        .await
        .expect("start");
    assert!(handle.proto_ver().starts_with("{\n\t\"my_app\":"));
    let info = client::http(handle.http_addrs()[0]).await.proto_ver().await;
    assert_eq!(info.apps, [app]);
    assert_eq!(info.caps, ["no_sec", "wifi_scan"]);
    handle.shutdown().await;
}

#[tokio::test]
async fn configure_sta_and_reset_provisioning_from_the_application() {
    let dir = tempfile::tempdir().expect("tempdir");
    let builder = builder(DeviceSecurity::Sec0).state_dir(dir.path());
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    handle
        .configure_sta(client::creds("HomeNetwork", "password123"))
        .await
        .expect("configure_sta");
    wait_for(&mut events, |e| {
        matches!(
            e,
            DeviceEvent::Network(uniprov::device::network::NetworkEvent::Connected(_))
        )
    })
    .await;
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    assert!(matches!(
        handle.wifi_state().await.expect("state"),
        WifiStatus::Connected(_)
    ));
    assert!(handle.is_provisioned().await.expect("query"));
    handle.reset_provisioning().await.expect("reset");
    assert!(!handle.is_provisioned().await.expect("query"));
    assert!(!dir.path().join("wifi.json").exists());
    handle.shutdown().await;
}
