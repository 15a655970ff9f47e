//! Sessions of a library device over loopback HTTP: several clients at once, LRU eviction under
//! `max_sessions(1)` (§3.2, §7 item 10), and session-only mode with and without
//! `enable_provisioning` (§11).

use crate::device;
use uniprov_testkit::client;

use client::{sec1, sec2};
use device::{builder, device_sec1, device_sec2, success_handler, wait_prov};
use uniprov::client::transport::TransportError;
use uniprov::core::messages::config::ConfigRequest;
use uniprov::core::messages::{Status, WifiStatus};
use uniprov::core::security::Sec2Patch;
use uniprov::device::manager::{Mode, ProvEvent, ProvState};

#[tokio::test]
async fn a_second_client_works_beside_the_first() {
    let handle = builder(device_sec2("wifiprov", "abcd1234", Sec2Patch::V1))
        .start()
        .await
        .expect("start");
    let addr = handle.http_addrs()[0];
    let mut first = client::http(addr).await;
    first
        .handshake(sec2("wifiprov", "abcd1234", Sec2Patch::V1))
        .await
        .expect("first");
    let mut second = client::http(addr).await;
    second
        .handshake(sec2("wifiprov", "abcd1234", Sec2Patch::V1))
        .await
        .expect("second");
    for _ in 0..2 {
        assert!(matches!(
            first.wifi_status().await,
            WifiStatus::Connecting { .. }
        ));
        assert!(matches!(
            second.wifi_status().await,
            WifiStatus::Connecting { .. }
        ));
    }
    handle.shutdown().await;
}

#[tokio::test]
async fn max_sessions_one_lets_a_new_client_replace_the_old_one() {
    let handle = builder(device_sec1(Some("pop")))
        .max_sessions(1)
        .start()
        .await
        .expect("start");
    let addr = handle.http_addrs()[0];
    let mut first = client::http(addr).await;
    first.handshake(sec1(Some("pop"))).await.expect("first");
    assert!(matches!(
        first.wifi_status().await,
        WifiStatus::Connecting { .. }
    ));
    let mut second = client::http(addr).await;
    second.handshake(sec1(Some("pop"))).await.expect("second");
    assert!(matches!(
        second.wifi_status().await,
        WifiStatus::Connecting { .. }
    ));
    assert!(matches!(
        second.wifi_status().await,
        WifiStatus::Connecting { .. }
    ));
    // ESP's single session: the first client's session is gone. (Its stale cookie now opens
    // yet another session, which in turn replaces the second client's, as on ESP.)
    let evicted = first.try_config(ConfigRequest::GetWifiStatus).await;
    assert!(matches!(
        evicted,
        Err(TransportError::ClosedWithoutResponse)
    ));
    handle.shutdown().await;
}

#[tokio::test]
async fn session_only_without_enable_offers_only_the_session() {
    let builder = builder(device_sec1(None))
        .mode(Mode::SessionOnly)
        .endpoint("custom-data", Some(success_handler()));
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    assert_eq!(handle.mode(), Mode::SessionOnly);
    let addr = handle.http_addrs()[0];
    let mut c = client::http(addr).await;
    let info = c.proto_ver().await;
    assert_eq!(info.caps, ["no_pop"]);
    c.handshake(sec1(None)).await.expect("handshake");
    assert_eq!(
        c.request("custom-data", b"x").await.expect("custom"),
        b"SUCCESS\0"
    );
    let refused = c.try_config(ConfigRequest::GetWifiStatus).await;
    assert!(matches!(
        refused,
        Err(TransportError::ClosedWithoutResponse)
    ));

    // A stop ends provisioning (END) but the session transport stays.
    let mut c = client::http(addr).await;
    c.handshake(sec1(None)).await.expect("handshake");
    handle.stop().await.expect("stop");
    wait_prov(&mut events, ProvEvent::End).await;
    handle.wait().await;
    assert_eq!(
        c.request("custom-data", b"y").await.expect("custom"),
        b"SUCCESS\0"
    );
    handle.shutdown().await;
    wait_prov(&mut events, ProvEvent::Deinit).await;
}

#[tokio::test]
async fn session_only_with_enable_provisions_then_keeps_the_session() {
    let builder = builder(device_sec1(Some("pop")))
        .mode(Mode::SessionOnly)
        .enable_provisioning()
        .endpoint("custom-data", Some(success_handler()));
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let mut c = client::http(handle.http_addrs()[0]).await;
    assert_eq!(c.proto_ver().await.caps, ["wifi_scan"]);
    c.handshake(sec1(Some("pop"))).await.expect("handshake");
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    assert!(matches!(c.wifi_status().await, WifiStatus::Connected(_)));
    wait_prov(&mut events, ProvEvent::End).await;
    assert_eq!(handle.state(), ProvState::Idle);

    // The same session goes on: custom endpoints and proto-ver stay, provisioning endpoints go,
    // and proto-ver is not regenerated (§11).
    assert_eq!(
        c.request("custom-data", b"z").await.expect("custom"),
        b"SUCCESS\0"
    );
    assert_eq!(c.proto_ver().await.caps, ["wifi_scan"]);
    let gone = c.try_config(ConfigRequest::GetWifiStatus).await;
    assert!(matches!(gone, Err(TransportError::ClosedWithoutResponse)));
    handle.shutdown().await;
}
