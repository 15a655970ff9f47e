//! What the stock phone apps need from the device runtime (docs/apps.md §3, §5), through loopback
//! HTTP with security 2 like the apps: a wrong passphrase corrected from the app without
//! prov-ctrl, and a blocking ScanStart that finds a scan already running.

use crate::device;
use uniprov_testkit::client;

use std::sync::Arc;
use std::time::Duration;

use client::{sec2, Client};
use device::{builder, device_sec2, drain_prov, wait_prov};
use uniprov::client::transport::HttpClient;
use uniprov::core::messages::scan::{ScanReply, ScanRequest};
use uniprov::core::messages::{Status, WifiFailReason, WifiScanParams, WifiStatus};
use uniprov::core::security::Sec2Patch;
use uniprov::device::manager::ProvEvent;
use uniprov::device::network::sim::{SimConfig, SimRadio};
use uniprov::device::runtime::{DeviceBuilder, DeviceHandle};

const PASSWORD: &str = "app-password";

/// A security 2 device on loopback whose simulated attempts take `connect_ms` and scans
/// `scan_ms`.
fn app_device(connect_ms: u64, scan_ms: u64) -> DeviceBuilder {
    let radio = SimRadio::new(SimConfig {
        connect_delay: Duration::from_millis(connect_ms),
        scan_duration: Duration::from_millis(scan_ms),
        ..SimConfig::default()
    });
    builder(device_sec2("wifiprov", PASSWORD, Sec2Patch::V1)).backend(Arc::new(radio))
}

async fn app(handle: &DeviceHandle) -> Client<HttpClient> {
    let mut c = client::http(handle.http_addrs()[0]).await;
    c.handshake(sec2("wifiprov", PASSWORD, Sec2Patch::V1))
        .await
        .expect("handshake");
    c
}

/// The apps' status poll: GetStatus until it is no longer Connecting (50 ms apart here).
async fn poll_until_settled(c: &mut Client<HttpClient>) -> WifiStatus {
    let poll = async {
        loop {
            match c.wifi_status().await {
                WifiStatus::Connecting { .. } => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                settled => return settled,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), poll)
        .await
        .expect("status settled")
}

#[tokio::test]
async fn wrong_passphrase_is_corrected_from_the_app_without_prov_ctrl() {
    let builder = app_device(100, 0);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let mut c = app(&handle).await;

    assert_eq!(
        c.send_credentials("HomeNetwork", "password124").await,
        (Status::Success, Status::Success)
    );
    // The app's poll reads the failure (and reads it again: it stays until the next Apply).
    assert_eq!(
        poll_until_settled(&mut c).await,
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    assert_eq!(
        c.wifi_status().await,
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    assert!(!handle.is_provisioned().await.expect("query"));

    // The person types the right passphrase: the app's next SetConfig + Apply, no prov-ctrl.
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    let WifiStatus::Connected(info) = poll_until_settled(&mut c).await else {
        panic!("expected Connected");
    };
    assert_eq!(info.ssid, b"HomeNetwork");
    assert!(handle.is_provisioned().await.expect("query"));
    wait_prov(&mut events, ProvEvent::End).await;
    handle.shutdown().await;
}

#[tokio::test]
async fn a_new_session_after_the_failure_works_too_and_events_tell_the_story() {
    let builder = app_device(0, 0);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let mut c = app(&handle).await;
    c.send_credentials("NoSuchNetwork", "password123").await;
    assert_eq!(
        poll_until_settled(&mut c).await,
        WifiStatus::Failed(WifiFailReason::NetworkNotFound)
    );
    // The app reconnects (a new handshake) for the second try.
    let mut again = app(&handle).await;
    assert_eq!(
        again.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    assert!(matches!(
        poll_until_settled(&mut again).await,
        WifiStatus::Connected(_)
    ));
    wait_prov(&mut events, ProvEvent::End).await;
    let seen = drain_prov(&mut events);
    assert!(seen.is_empty(), "nothing after END: {seen:?}");
    handle.shutdown().await;
}

#[tokio::test]
async fn without_reset_on_failure_the_app_is_stuck_until_ctrl_reset() {
    let handle = app_device(0, 0)
        .reset_on_failure(false)
        .start()
        .await
        .expect("start");
    let mut c = app(&handle).await;
    c.send_credentials("HomeNetwork", "password124").await;
    assert_eq!(
        poll_until_settled(&mut c).await,
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::InternalError),
        "ESP's manager rule: rejected until a ctrl reset"
    );
    handle.shutdown().await;
}

fn blocking_start() -> ScanRequest {
    ScanRequest::WifiStart(WifiScanParams {
        blocking: true,
        passive: false,
        group_channels: 0,
        period_ms: 120,
    })
}

#[tokio::test]
async fn a_blocking_scan_start_that_finds_a_scan_running_waits_for_its_results() {
    // A 400 ms scan: long enough that an early answer would be seen as "not finished".
    let handle = app_device(0, 400).start().await.expect("start");
    let mut first = app(&handle).await;
    let non_blocking = ScanRequest::WifiStart(WifiScanParams {
        blocking: false,
        ..WifiScanParams::default()
    });
    let started = first.try_scan(non_blocking).await.expect("start");
    assert_eq!(started.status, Status::Success);

    // Android's ScanStart (blocking) while that scan runs, then its one ScanStatus.
    let mut android = app(&handle).await;
    let answer = android.try_scan(blocking_start()).await.expect("start");
    assert_eq!(answer.status, Status::Success);
    let status = android
        .try_scan(ScanRequest::WifiStatus)
        .await
        .expect("status");
    assert_eq!(
        status.reply,
        ScanReply::WifiStatus {
            finished: true,
            result_count: 5
        },
        "answered only once the running scan finished, with its results"
    );
    handle.shutdown().await;
}

/// A blocking ScanStart: its status and when its answer came.
async fn timed_start(c: &mut Client<HttpClient>, t0: std::time::Instant) -> (Status, Duration) {
    let answer = c.try_scan(blocking_start()).await.expect("answer");
    (answer.status, t0.elapsed())
}

#[tokio::test]
async fn blocking_scan_starts_of_two_sessions_share_one_scan() {
    let handle = app_device(0, 300).start().await.expect("start");
    let mut a = app(&handle).await;
    let mut b = app(&handle).await;
    let t0 = std::time::Instant::now();
    let (ra, rb) = tokio::join!(timed_start(&mut a, t0), timed_start(&mut b, t0));
    // Neither is answered before the one scan (300 ms) finished.
    for (status, elapsed) in [ra, rb] {
        assert_eq!(status, Status::Success);
        assert!(
            elapsed >= Duration::from_millis(250),
            "answered after {elapsed:?}"
        );
    }
    for c in [&mut a, &mut b] {
        let status = c.try_scan(ScanRequest::WifiStatus).await.expect("status");
        assert_eq!(
            status.reply,
            ScanReply::WifiStatus {
                finished: true,
                result_count: 5
            }
        );
    }
    handle.shutdown().await;
}
