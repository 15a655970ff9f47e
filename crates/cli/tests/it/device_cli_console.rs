//! `uniprov device --transport console` as a real child process, driven over its stdin/stdout
//! by the console client (§9.3).

use uniprov_testkit::client;

use client::Client;
use tokio::process::Command;
use uniprov::client::transport::{ConsoleClient, ConsoleClientConfig};
use uniprov::core::messages::ctrl::CtrlRequest;
use uniprov::core::messages::{Status, WifiFailReason, WifiStatus};
use uniprov::core::security::Sec2Patch;

fn device(extra: &[&str], state: &std::path::Path) -> Client<ConsoleClient> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_uniprov"));
    command
        .args([
            "device",
            "--transport",
            "console",
            "--sim-connect-delay-ms",
            "0",
        ])
        .args(["--cleanup-delay-ms", "100", "--state-dir"])
        .arg(state)
        .args(extra)
        .env("RUST_LOG", "warn")
        // The device's banner would land in the test output.
        .stderr(std::process::Stdio::null());
    Client::new(ConsoleClient::exec(command, ConsoleClientConfig::default()).expect("spawn"))
}

/// Asks GetStatus until the station is no longer connecting. Every iteration is a round trip
/// through the child process (no sleeping): with a zero connect delay the outcome is immediate.
async fn settled_status(c: &mut Client<ConsoleClient>) -> WifiStatus {
    for _ in 0..10_000 {
        match c.wifi_status().await {
            WifiStatus::Connecting { .. } => tokio::task::yield_now().await,
            other => return other,
        }
    }
    panic!("the station never settled");
}

#[tokio::test]
async fn console_sec2_provisions_with_app_info_and_custom_endpoint() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut c = device(
        &[
            "--sec-ver",
            "2",
            "--sec2-username",
            "wifiprov",
            "--sec2-pwd",
            "abcd1234",
            "--app-info",
            "demo:1.0:a,b",
            "--custom-endpoint",
            "custom-data",
        ],
        state.path(),
    );
    let info = c.proto_ver().await;
    assert_eq!(info.apps[0].label, "demo");
    assert_eq!(info.apps[0].cap, ["a", "b"]);
    assert_eq!(
        (info.sec_ver, info.sec_patch_ver),
        (Some(uniprov::core::security::SecVer::Sec2), Some(1))
    );
    c.handshake(client::sec2("wifiprov", "abcd1234", Sec2Patch::V1))
        .await
        .expect("handshake");
    assert_eq!(
        c.request("custom-data", b"hello").await.expect("custom"),
        b"SUCCESS\0"
    );
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    assert!(matches!(
        settled_status(&mut c).await,
        WifiStatus::Connected(_)
    ));
    assert!(
        state.path().join("sec2.json").exists(),
        "salt and verifier kept"
    );
}

#[tokio::test]
async fn console_sec1_wrong_passphrase_then_reset_then_success() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut c = device(&["--sec-ver", "1", "--pop", "abcd1234"], state.path());
    c.handshake(client::sec1(Some("abcd1234")))
        .await
        .expect("handshake");
    c.send_credentials("HomeNetwork", "wrong-password").await;
    assert_eq!(
        settled_status(&mut c).await,
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    assert_eq!(c.ctrl(CtrlRequest::WifiReset).await.status, Status::Success);
    c.send_credentials("NoSuchNetwork", "password123").await;
    assert_eq!(
        settled_status(&mut c).await,
        WifiStatus::Failed(WifiFailReason::NetworkNotFound)
    );
    assert_eq!(c.ctrl(CtrlRequest::WifiReset).await.status, Status::Success);
    c.send_credentials("HomeNetwork", "password123").await;
    assert!(matches!(
        settled_status(&mut c).await,
        WifiStatus::Connected(_)
    ));
}

#[tokio::test]
async fn console_sec0_needs_asking_and_scans_in_pages() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut c = device(&["--sec-ver", "0", "--scan-max-entries", "3"], state.path());
    assert_eq!(c.proto_ver().await.caps, ["no_sec", "wifi_scan"]);
    c.handshake(client::sec0()).await.expect("handshake");
    let ssids: Vec<_> = c
        .scan_all(2)
        .await
        .into_iter()
        .map(|e| String::from_utf8_lossy(&e.ssid).into_owned())
        .collect();
    assert_eq!(ssids, ["HomeNetwork", "Office-5G", "CoffeeShop"]);
}
