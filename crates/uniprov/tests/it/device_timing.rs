//! Auto-stop and cleanup timing of the device runtime under a paused clock (§10.5), driven
//! through the library API and the request queue (no sockets, so virtual time is exact).

use crate::device;
use uniprov_testkit::client;

use std::time::Duration;

use device::wait_prov;
use tokio::sync::oneshot;
use tokio::time::Instant;
use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::messages::{Status, WifiStatus};
use uniprov::core::security::DeviceSecurity;
use uniprov::device::manager::{ProvEvent, ProvState};
use uniprov::device::runtime::{DeviceBuilder, DeviceHandle, HandleError};
use uniprov::device::transport::{TransportEvent, TransportRequest};

/// Sends one security 0 prov-config request straight into the device's queue.
async fn config(handle: &DeviceHandle, request: ConfigRequest) -> Option<ConfigResponse> {
    let queue = handle.request_queue();
    queue
        .send(TransportEvent::SessionOpened(7))
        .await
        .expect("queue");
    let (reply, answer) = oneshot::channel();
    let request = TransportRequest {
        session: 7,
        endpoint: "prov-config".into(),
        body: request.encode(),
        peer: None,
        reply,
    };
    queue
        .send(TransportEvent::Request(request))
        .await
        .expect("queue");
    let bytes = answer.await.expect("answered").into_response()?;
    Some(ConfigResponse::decode(&bytes).expect("response"))
}

#[tokio::test(start_paused = true)]
async fn auto_stop_ends_30s_after_success_plus_the_cleanup_delay() {
    let builder = DeviceBuilder::new(DeviceSecurity::Sec0);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let t0 = Instant::now();
    handle
        .configure_sta(client::creds("HomeNetwork", "password123"))
        .await
        .expect("configure");
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    assert_eq!(
        t0.elapsed(),
        Duration::from_secs(2),
        "simulated connect delay"
    );
    wait_prov(&mut events, ProvEvent::End).await;
    assert_eq!(t0.elapsed(), Duration::from_secs(2 + 30 + 1));
    assert_eq!(handle.state(), ProvState::Idle);
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn reporting_connected_stops_after_exactly_the_cleanup_delay() {
    let builder =
        DeviceBuilder::new(DeviceSecurity::Sec0).cleanup_delay(Duration::from_millis(500));
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    handle
        .configure_sta(client::creds("HomeNetwork", "password123"))
        .await
        .expect("configure");
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    let t0 = Instant::now();
    let status = config(&handle, ConfigRequest::GetWifiStatus).await;
    assert!(matches!(
        status,
        Some(ConfigResponse::WifiStatus {
            status: Status::Success,
            state: WifiStatus::Connected(_)
        })
    ));
    assert_eq!(handle.state(), ProvState::Stopping);
    // During the cleanup delay the transport still answers.
    assert!(config(&handle, ConfigRequest::GetWifiStatus)
        .await
        .is_some());
    wait_prov(&mut events, ProvEvent::End).await;
    assert_eq!(t0.elapsed(), Duration::from_millis(500));
    assert!(config(&handle, ConfigRequest::GetWifiStatus)
        .await
        .is_none());
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cleanup_delay_is_at_least_100ms() {
    let builder = DeviceBuilder::new(DeviceSecurity::Sec0).cleanup_delay(Duration::from_millis(10));
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let t0 = Instant::now();
    handle.stop().await.expect("stop");
    wait_prov(&mut events, ProvEvent::End).await;
    assert_eq!(t0.elapsed(), Duration::from_millis(100));
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn without_auto_stop_only_an_explicit_stop_ends_and_reprov_is_allowed() {
    let builder =
        DeviceBuilder::new(DeviceSecurity::Sec0).disable_auto_stop(Duration::from_millis(200));
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    handle
        .configure_sta(client::creds("HomeNetwork", "password123"))
        .await
        .expect("configure");
    wait_prov(&mut events, ProvEvent::CredSuccess).await;
    assert!(config(&handle, ConfigRequest::GetWifiStatus)
        .await
        .is_some());
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(handle.state(), ProvState::Success, "no auto-stop");

    handle.reset_for_reprovision().await.expect("reprov");
    wait_prov(&mut events, ProvEvent::Start).await;
    assert_eq!(handle.state(), ProvState::Started);

    let t0 = Instant::now();
    handle.stop().await.expect("stop");
    wait_prov(&mut events, ProvEvent::End).await;
    assert_eq!(t0.elapsed(), Duration::from_millis(200));
    assert!(matches!(
        handle.reset_for_reprovision().await,
        Err(HandleError::Refused(Status::InternalError))
    ));
    handle.shutdown().await;
    assert!(matches!(handle.stop().await, Err(HandleError::Gone)));
}
