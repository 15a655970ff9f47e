//! The BLE client transport over btleplug (BlueZ on Linux). A thin adapter: which service and
//! which characteristic to use is decided by the radio-free [`mapping`](super::mapping).
//!
//! Each request is a write with response to the endpoint's characteristic followed by a read
//! of the same characteristic (§9.2). BlueZ performs long writes (prepare/execute) and long
//! reads (read blob) by itself, which sec2's ~400-byte handshake messages need.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use btleplug::api::{
    Central, CentralEvent, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::StreamExt;
use tracing::{debug, info};
use uuid::Uuid;

use super::mapping::{
    select_service, service_candidates, DiscoveredCharacteristic, DiscoveredService, EndpointMap,
    USER_DESCRIPTION_UUID,
};
use crate::client::error::ClientError;
use crate::client::transport::{ClientTransport, TransportError};

/// A connected provisioning service.
pub struct BleClient {
    peripheral: Peripheral,
    endpoints: EndpointMap,
    characteristics: BTreeMap<Uuid, Characteristic>,
    /// Set by [`ClientTransport::close`]: the drop need not disconnect again.
    closed: bool,
}

impl std::fmt::Debug for BleClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BleClient")
            .field("service", &self.endpoints.service())
            .finish_non_exhaustive()
    }
}

fn unreachable(target: &str, error: impl std::fmt::Display + std::fmt::Debug) -> ClientError {
    // Some btleplug errors (BlueZ's D-Bus errors wrapped in `Other`) display as nothing.
    let mut text = error.to_string();
    if text.trim().is_empty() {
        text = format!("{error:?}");
    }
    ClientError::Unreachable(TransportError::Unreachable {
        target: target.to_owned(),
        source: io::Error::other(text),
    })
}

async fn pick_adapter(name: Option<&str>) -> Result<Adapter, ClientError> {
    let manager = Manager::new().await.map_err(|e| unreachable("BlueZ", e))?;
    let adapters = manager
        .adapters()
        .await
        .map_err(|e| unreachable("BlueZ", e))?;
    for adapter in adapters {
        let info = adapter.adapter_info().await.unwrap_or_default();
        if name.is_none_or(|n| info.split_whitespace().next() == Some(n)) {
            debug!(adapter = %info, "using adapter");
            return Ok(adapter);
        }
    }
    Err(unreachable(
        name.unwrap_or("BLE"),
        "no such Bluetooth adapter",
    ))
}

async fn local_name(peripheral: &Peripheral) -> Option<(String, Vec<Uuid>)> {
    let properties = peripheral.properties().await.ok()??;
    Some((properties.local_name?, properties.services))
}

/// The first known peripheral named exactly `name`.
async fn known(adapter: &Adapter, name: &str) -> Option<(Peripheral, Vec<Uuid>)> {
    for peripheral in adapter.peripherals().await.unwrap_or_default() {
        if let Some((found, services)) = local_name(&peripheral).await {
            if found == name {
                return Some((peripheral, services));
            }
        }
    }
    None
}

/// Scans until a peripheral advertises exactly `name` (esp_prov matches the name exactly).
///
/// Besides the discovery events, the known peripherals are looked at twice a second: BlueZ may
/// learn the name from a later scan response without btleplug reporting an update.
async fn find(adapter: &Adapter, name: &str) -> Result<(Peripheral, Vec<Uuid>), ClientError> {
    let mut events = adapter.events().await.map_err(|e| unreachable(name, e))?;
    adapter
        .start_scan(ScanFilter::default())
        .await
        .map_err(|e| unreachable(name, e))?;
    let mut poll = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            event = events.next() => {
                let Some(event) = event else { break };
                let (CentralEvent::DeviceDiscovered(id) | CentralEvent::DeviceUpdated(id)) = event
                else {
                    continue;
                };
                let Ok(peripheral) = adapter.peripheral(&id).await else {
                    continue;
                };
                if let Some((found, services)) = local_name(&peripheral).await {
                    if found == name {
                        return Ok((peripheral, services));
                    }
                }
            }
            _ = poll.tick() => {
                if let Some(hit) = known(adapter, name).await {
                    return Ok(hit);
                }
            }
        }
    }
    Err(unreachable(name, "the adapter stopped scanning"))
}

/// Asks BlueZ to drop the link, waiting at most five seconds. Without it bluetoothd keeps the
/// connection after our D-Bus client is gone: the device never sees its session end, and the
/// next connect to it fails with EBUSY.
async fn disconnect(peripheral: &Peripheral) {
    match tokio::time::timeout(Duration::from_secs(5), peripheral.disconnect()).await {
        Ok(Ok(())) => debug!(peripheral = %peripheral.address(), "disconnected"),
        Ok(Err(e)) => debug!(error = %e, "BLE disconnect failed"),
        Err(_) => debug!("BLE disconnect timed out"),
    }
}

/// Connects, with two more attempts after a failure. A link left over from an earlier client
/// that did not disconnect makes the kernel refuse a new one (EBUSY, BlueZ's "Input/output
/// error"): each retry first asks BlueZ to drop whatever link there is.
async fn connect(peripheral: &Peripheral, name: &str) -> Result<(), ClientError> {
    let mut attempt = 1;
    loop {
        match peripheral.connect().await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 3 => {
                debug!(attempt, error = %e, "BLE connect failed; disconnecting and retrying");
                let _ = peripheral.disconnect().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                attempt += 1;
            }
            Err(e) => return Err(unreachable(name, format!("connect: {e} ({e:?})"))),
        }
    }
}

impl BleClient {
    /// Finds the device advertising `name`, connects, discovers the provisioning service and
    /// maps its endpoints by their 0x2901 descriptors. `timeout` bounds the whole procedure.
    /// On failure (a timeout included) a link made meanwhile is disconnected again.
    pub async fn connect(
        name: &str,
        adapter: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        // The peripheral once found, for the disconnect after a failure or a timeout.
        let found = std::sync::Mutex::new(None::<Peripheral>);
        let connecting = async {
            let adapter = pick_adapter(adapter).await?;
            let (peripheral, advertised) = find(&adapter, name).await?;
            let _ = adapter.stop_scan().await;
            *found
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(peripheral.clone());
            debug!(peripheral = %peripheral.address(), "connecting");
            connect(&peripheral, name).await?;
            debug!("connected; discovering services");
            peripheral
                .discover_services()
                .await
                .map_err(|e| unreachable(name, format!("service discovery: {e} ({e:?})")))?;
            Self::map(peripheral, &advertised, name).await
        };
        let result = match tokio::time::timeout(timeout, connecting).await {
            Ok(result) => result,
            Err(_) => Err(ClientError::Timeout {
                phase: "the BLE device",
                after: timeout,
            }),
        };
        if result.is_err() {
            let peripheral = found
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(peripheral) = peripheral {
                disconnect(&peripheral).await;
            }
        }
        result
    }

    async fn map(
        peripheral: Peripheral,
        advertised: &[Uuid],
        name: &str,
    ) -> Result<Self, ClientError> {
        let mut discovered = Vec::new();
        let mut characteristics = BTreeMap::new();
        for service in peripheral.services() {
            let mut chars = Vec::new();
            for c in &service.characteristics {
                let descriptor = c
                    .descriptors
                    .iter()
                    .find(|d| d.uuid == USER_DESCRIPTION_UUID);
                let user_description = match descriptor {
                    Some(d) => peripheral.read_descriptor(d).await.ok(),
                    None => None,
                };
                chars.push(DiscoveredCharacteristic {
                    uuid: c.uuid,
                    user_description,
                });
                characteristics.insert(c.uuid, c.clone());
            }
            discovered.push(DiscoveredService {
                uuid: service.uuid,
                characteristics: chars,
            });
        }
        let candidates = service_candidates(advertised);
        let service = select_service(&candidates, &discovered)
            .ok_or_else(|| unreachable(name, "no provisioning service on the device"))?;
        let endpoints = EndpointMap::new(service);
        info!(service = %endpoints.service(), endpoints = ?endpoints.names().collect::<Vec<_>>(), "BLE endpoints");
        Ok(BleClient {
            peripheral,
            endpoints,
            characteristics,
            closed: false,
        })
    }
}

#[async_trait::async_trait]
impl ClientTransport for BleClient {
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let characteristic = self
            .endpoints
            .resolve(endpoint)
            .and_then(|uuid| self.characteristics.get(&uuid))
            .ok_or_else(|| TransportError::NoEndpoint(endpoint.to_owned()))?;
        // A refused request is an ATT error on the write (NimBLE) or a disconnect
        // (Bluedroid), §3.3: both mean "no response".
        self.peripheral
            .write(characteristic, body, WriteType::WithResponse)
            .await
            .map_err(|e| {
                debug!(endpoint, error = %e, "write refused");
                TransportError::ClosedWithoutResponse
            })?;
        self.peripheral
            .read(characteristic)
            .await
            .map_err(|e| TransportError::Io(io::Error::other(e.to_string())))
    }

    async fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            disconnect(&self.peripheral).await;
        }
    }
}

/// A client dropped without [`ClientTransport::close`]: a disconnect on the runtime, which may
/// not run to the end if the process exits right after.
impl Drop for BleClient {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let peripheral = self.peripheral.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = peripheral.disconnect().await;
            });
        }
    }
}
