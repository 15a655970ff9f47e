//! Starting library devices for tests: loopback HTTP, a fast simulated radio, event waits.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use uniprov::core::security::{generate_sec2_credentials, DeviceSecurity, Sec2Patch};
use uniprov::core::Secret;
use uniprov::device::manager::ProvEvent;
use uniprov::device::network::sim::{SimConfig, SimRadio};
use uniprov::device::runtime::{DeviceBuilder, DeviceEvent, EndpointHandler, TransportSpec};
use uniprov::device::transport::HttpConfig;
use uniprov::entropy::OsEntropy;

/// The simulated radio's built-in world, answering at once.
pub fn fast_radio() -> Arc<SimRadio> {
    Arc::new(SimRadio::new(SimConfig {
        connect_delay: Duration::ZERO,
        scan_duration: Duration::ZERO,
        ..SimConfig::default()
    }))
}

/// HTTP on an ephemeral loopback port.
pub fn loopback_http() -> TransportSpec {
    TransportSpec::Http(HttpConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        ..HttpConfig::default()
    })
}

/// A device with `security`, HTTP on loopback and the fast radio.
pub fn builder(security: DeviceSecurity) -> DeviceBuilder {
    DeviceBuilder::new(security)
        .transport(loopback_http())
        .backend(fast_radio())
        .cleanup_delay(Duration::from_millis(100))
}

/// Security 1 device side.
pub fn device_sec1(pop: Option<&str>) -> DeviceSecurity {
    DeviceSecurity::Sec1 {
        pop: pop.map(|p| Secret::new(p.as_bytes().to_vec())),
    }
}

/// Security 2 device side, with freshly generated salt and verifier.
pub fn device_sec2(username: &str, password: &str, patch: Sec2Patch) -> DeviceSecurity {
    let creds =
        generate_sec2_credentials(username.as_bytes(), password.as_bytes(), 16, &mut OsEntropy);
    DeviceSecurity::Sec2 {
        salt: creds.salt,
        verifier: creds.verifier,
        patch,
    }
}

/// The ESP example's custom-data handler: answers `SUCCESS\0`.
pub fn success_handler() -> EndpointHandler {
    Arc::new(|_request| Some(b"SUCCESS\0".to_vec()))
}

/// Waits (at most 120 s, a guard against hangs; virtual time under a paused clock) for the first event matching `want`.
pub async fn wait_for(
    events: &mut broadcast::Receiver<DeviceEvent>,
    want: impl Fn(&DeviceEvent) -> bool,
) -> DeviceEvent {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(event) if want(&event) => return event,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("event stream closed"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .expect("event did not arrive")
}

/// Waits for a provisioning event.
pub async fn wait_prov(events: &mut broadcast::Receiver<DeviceEvent>, want: ProvEvent) {
    wait_for(events, |e| *e == DeviceEvent::Prov(want.clone())).await;
}

/// Every provisioning event received so far, without waiting.
pub fn drain_prov(events: &mut broadcast::Receiver<DeviceEvent>) -> Vec<ProvEvent> {
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let DeviceEvent::Prov(e) = event {
            seen.push(e);
        }
    }
    seen
}
