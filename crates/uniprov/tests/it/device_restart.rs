//! Restarting a library device over the same state directory (§10.8 `is_provisioned`): proven
//! credentials are used instead of provisioning again, unless told otherwise.

use crate::device;
use uniprov_testkit::client;

use std::path::Path;

use device::{builder, drain_prov, wait_for, wait_prov};
use uniprov::core::messages::{NetworkKind, WifiStatus};
use uniprov::core::security::DeviceSecurity;
use uniprov::device::manager::{Mode, ProvEvent, ProvState};
use uniprov::device::network::NetworkEvent;
use uniprov::device::runtime::{DeviceEvent, OnStoredCredentials};

/// Provisions HomeNetwork into `dir` and shuts down.
async fn provision_once(dir: &Path) {
    let builder = builder(DeviceSecurity::Sec0).state_dir(dir);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    handle
        .configure_sta(client::creds("HomeNetwork", "password123"))
        .await
        .expect("configure");
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    handle.shutdown().await;
    assert!(dir.join("wifi.json").exists(), "persisted after success");
}

fn connected(event: &DeviceEvent) -> bool {
    matches!(event, DeviceEvent::Network(NetworkEvent::Connected(_)))
}

#[tokio::test]
async fn a_provisioned_device_connects_and_does_not_provision_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    provision_once(dir.path()).await;

    let builder = builder(DeviceSecurity::Sec0).state_dir(dir.path());
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("restart");
    wait_for(&mut events, connected).await;
    assert!(handle.http_addrs().is_empty(), "no transport is opened");
    assert_eq!(handle.state(), ProvState::Idle);
    handle.wait().await;
    assert!(handle.is_provisioned().await.expect("query"));
    assert!(matches!(
        handle.wifi_state().await.expect("state"),
        WifiStatus::Connected(_)
    ));
    handle.shutdown().await;
    let seen = drain_prov(&mut events);
    assert!(!seen.contains(&ProvEvent::Start), "{seen:?}");
}

#[tokio::test]
async fn already_provisioned_is_announced_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    provision_once(dir.path()).await;
    let builder = builder(DeviceSecurity::Sec0).state_dir(dir.path());
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("restart");
    let first = events.recv().await.expect("event");
    assert_eq!(
        first,
        DeviceEvent::AlreadyProvisioned {
            network: NetworkKind::Wifi
        }
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn force_and_forget_provision_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    provision_once(dir.path()).await;
    for (policy, kept) in [
        (OnStoredCredentials::Provision, true),
        (OnStoredCredentials::Forget, false),
    ] {
        let builder = builder(DeviceSecurity::Sec0)
            .state_dir(dir.path())
            .on_stored_credentials(policy);
        let mut events = builder.subscribe();
        let handle = builder.start().await.expect("restart");
        assert_eq!(handle.state(), ProvState::Started, "{policy:?}");
        assert_eq!(handle.http_addrs().len(), 1);
        wait_prov(&mut events, ProvEvent::Start).await;
        assert_eq!(handle.is_provisioned().await.expect("query"), kept);
        assert_eq!(dir.path().join("wifi.json").exists(), kept, "{policy:?}");
        handle.shutdown().await;
    }
}

#[tokio::test]
async fn session_only_on_a_provisioned_device_keeps_only_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    provision_once(dir.path()).await;
    let builder = builder(DeviceSecurity::Sec0)
        .state_dir(dir.path())
        .mode(Mode::SessionOnly)
        .enable_provisioning();
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("restart");
    wait_for(&mut events, connected).await;
    let mut c = client::http(handle.http_addrs()[0]).await;
    assert_eq!(
        c.proto_ver().await.caps,
        ["no_sec"],
        "no provisioning offered"
    );
    c.handshake(client::sec0()).await.expect("handshake");
    let config = c
        .try_config(uniprov::core::messages::config::ConfigRequest::GetWifiStatus)
        .await;
    assert!(config.is_err(), "prov-config is not served");
    handle.shutdown().await;
}
