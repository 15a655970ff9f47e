//! BLE GATT transport over BlueZ (cargo feature `ble`, the `bluer` crate), PROTOCOL.md §9.2.
//!
//! * One primary service (default `1775244d-…`, or configured); per endpoint one characteristic
//!   with Read and Write (with response), UUID derived by [`uniprov_core::ble::gatt_table`], and a
//!   read-only 0x2901 User Description holding the endpoint name.
//! * A client writes a request and then reads the same characteristic: the write waits for the
//!   manager's answer and stores it per characteristic per connection ([`links::Links`]); a
//!   refused request fails the write (BlueZ answers ATT 0x0e "Unlikely Error" for
//!   `org.bluez.Error.Failed`, where NimBLE sends 0x04; clients treat both as failure) and keeps
//!   the old value. Long writes (Prepare/Execute) reach us merged into one value by bluetoothd;
//!   long reads come as reads at an offset. Requests are limited to 512 bytes, as NimBLE.
//! * One protocomm session per connection: `SessionOpened` before its first request,
//!   `SessionClosed` when the device disconnects; the stored values go with it.
//! * Advertising: the service UUID in the advertising data, the local name and the optional
//!   manufacturer data (trimmed to fit beside the name, §9.2) placed by bluetoothd, which puts
//!   what does not fit into the scan response. Re-registered after every disconnect.
//! * **Service Changed**: bluetoothd's own GATT database always contains the GATT service
//!   (0x1801) with the Service Changed characteristic (`populate_gatt_service` in
//!   `src/gatt-database.c`), so clients that cache attribute tables (iOS, §16) are told when the
//!   table changes; the application need not add it.
//!
//! The bluer callbacks are one-line forwards into [`Shared`], which keeps its logic in
//! [`links`].

pub mod links;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};

use bluer::adv::{Advertisement, AdvertisementHandle};
use bluer::gatt::local::{
    Application, ApplicationHandle, Characteristic, CharacteristicRead, CharacteristicWrite,
    CharacteristicWriteMethod, Descriptor, DescriptorRead, ReqError, Service,
};
use bluer::{Adapter, Address, DeviceEvent, DeviceProperty, Uuid};
use futures_util::StreamExt;
use tokio::sync::Mutex;
use tracing::{debug, info, warn};
use uniprov_core::ble::{gatt_table, Uuid128, DEFAULT_SERVICE_UUID, USER_DESCRIPTION_UUID16};

use self::links::{AccessError, Links, Peer, Write};
use super::{ask, RequestQueue, TransportEvent};

/// Settings of the BLE transport.
#[derive(Debug, Clone)]
pub struct BleConfig {
    /// BlueZ adapter (`hci0`); `None`: the default adapter.
    pub adapter: Option<String>,
    /// The advertised device name (at most 29 bytes, §9.2), e.g. `PROV_1a2b3c`.
    pub device_name: String,
    /// Primary service UUID.
    pub service_uuid: Uuid128,
    /// Custom endpoints after the five standard ones, in creation order.
    pub custom_endpoints: Vec<String>,
    /// Manufacturer data including the 2-byte company id (little-endian), as ESP-IDF takes it.
    pub manufacturer_data: Option<Vec<u8>>,
}

impl BleConfig {
    /// The default service UUID, no custom endpoints, no manufacturer data.
    pub fn new(device_name: impl Into<String>) -> Self {
        BleConfig {
            adapter: None,
            device_name: device_name.into(),
            service_uuid: DEFAULT_SERVICE_UUID,
            custom_endpoints: Vec::new(),
            manufacturer_data: None,
        }
    }
}

/// A BLE transport error.
#[derive(Debug, thiserror::Error)]
pub enum BleError {
    /// The configuration is invalid (name too long, too many endpoints).
    #[error("BLE configuration: {0}")]
    Config(#[from] uniprov_core::ble::BleError),
    /// BlueZ refused or failed.
    #[error("BlueZ: {0}")]
    Bluez(#[from] bluer::Error),
}

/// The running transport; dropping it unregisters the application and the advertisement.
pub struct BleTransport {
    shared: Arc<Shared>,
    _app: ApplicationHandle,
}

/// State shared by the GATT callbacks.
struct Shared {
    cfg: BleConfig,
    adapter: Adapter,
    queue: RequestQueue,
    links: StdMutex<Links>,
    adv: Mutex<Option<AdvertisementHandle>>,
}

fn uuid(u: Uuid128) -> Uuid {
    Uuid::from_bytes(u.to_bytes())
}

fn req_error(e: AccessError) -> ReqError {
    match e {
        AccessError::InvalidOffset => ReqError::InvalidOffset,
        AccessError::TooLong => ReqError::InvalidValueLength,
    }
}

impl BleTransport {
    /// Registers the GATT application and starts advertising; requests go to `queue`.
    pub async fn start(cfg: BleConfig, queue: RequestQueue) -> Result<Self, BleError> {
        uniprov_core::ble::check_device_name(&cfg.device_name)?;
        let custom: Vec<&str> = cfg.custom_endpoints.iter().map(String::as_str).collect();
        let table = gatt_table(cfg.service_uuid, &custom)?;
        let session = bluer::Session::new().await?;
        let adapter = match &cfg.adapter {
            Some(name) => session.adapter(name)?,
            None => session.default_adapter().await?,
        };
        adapter.set_powered(true).await?;
        let shared = Arc::new(Shared {
            cfg,
            adapter,
            queue,
            links: StdMutex::new(Links::default()),
            adv: Mutex::new(None),
        });
        let characteristics = table
            .iter()
            .enumerate()
            .map(|(idx, c)| characteristic(&shared, idx, c.name.clone(), c.uuid))
            .collect();
        let app = Application {
            services: vec![Service {
                uuid: uuid(shared.cfg.service_uuid),
                primary: true,
                characteristics,
                ..Default::default()
            }],
            ..Default::default()
        };
        let app = shared.adapter.serve_gatt_application(app).await?;
        shared.advertise().await?;
        info!(
            adapter = shared.adapter.name(),
            name = shared.cfg.device_name,
            "BLE transport up"
        );
        Ok(BleTransport { shared, _app: app })
    }

    /// Stops advertising and disconnects the connected clients, as ESP-IDF's protocomm does when
    /// it stops the BLE transport; then the application is unregistered (the drop). BlueZ keeps
    /// a client's link after the GATT application is gone otherwise, and that client's next
    /// connect fails.
    pub async fn stop(self) {
        self.shared.adv.lock().await.take();
        let peers = self.shared.links().peers();
        for peer in peers {
            let addr = Address(peer);
            let disconnected = match self.shared.adapter.device(addr) {
                Ok(device) => {
                    tokio::time::timeout(std::time::Duration::from_secs(5), device.disconnect())
                        .await
                        .map_err(|_| "timed out".to_owned())
                        .and_then(|r| r.map_err(|e| e.to_string()))
                }
                Err(e) => Err(e.to_string()),
            };
            match disconnected {
                Ok(()) => debug!(peer = %addr, "BLE client disconnected at stop"),
                Err(error) => warn!(peer = %addr, %error, "cannot disconnect the BLE client"),
            }
        }
    }

    /// The adapter's name (`hci0`).
    pub fn adapter_name(&self) -> &str {
        self.shared.adapter.name()
    }
}

fn characteristic(shared: &Arc<Shared>, idx: usize, name: String, id: Uuid128) -> Characteristic {
    let (r, w) = (Arc::clone(shared), Arc::clone(shared));
    let endpoint = name.clone();
    Characteristic {
        uuid: uuid(id),
        read: Some(CharacteristicRead {
            read: true,
            fun: Box::new(move |req| {
                let r = Arc::clone(&r);
                Box::pin(async move { r.read(req.device_address, idx, req.offset) })
            }),
            ..Default::default()
        }),
        write: Some(CharacteristicWrite {
            write: true,
            method: CharacteristicWriteMethod::Fun(Box::new(move |value, req| {
                let (w, ep) = (Arc::clone(&w), endpoint.clone());
                Box::pin(async move {
                    w.write(req.device_address, idx, ep, req.offset, value)
                        .await
                })
            })),
            ..Default::default()
        }),
        descriptors: vec![Descriptor {
            uuid: uuid(Uuid128::from_uuid16(USER_DESCRIPTION_UUID16)),
            read: Some(DescriptorRead {
                read: true,
                fun: Box::new(move |_req| {
                    let v = name.clone().into_bytes();
                    Box::pin(async move { Ok(v) })
                }),
                ..Default::default()
            }),
            ..Default::default()
        }],
        ..Default::default()
    }
}

impl Shared {
    fn links(&self) -> std::sync::MutexGuard<'_, Links> {
        self.links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self, addr: Address, chr: usize, offset: u16) -> Result<Vec<u8>, ReqError> {
        self.links().on_read(addr.0, chr, offset).map_err(req_error)
    }

    async fn write(
        self: Arc<Self>,
        addr: Address,
        chr: usize,
        endpoint: String,
        offset: u16,
        value: Vec<u8>,
    ) -> Result<(), ReqError> {
        let peer: Peer = addr.0;
        let step = self
            .links()
            .on_write(peer, offset, value.len())
            .map_err(req_error)?;
        let Write::Dispatch { session, opened } = step else {
            return Ok(());
        };
        if let Some(s) = opened {
            debug!(peer = %addr, session = s, "BLE session opened");
            if self
                .queue
                .send(TransportEvent::SessionOpened(s))
                .await
                .is_err()
            {
                return Err(ReqError::Failed);
            }
            tokio::spawn(Arc::clone(&self).watch_disconnect(addr));
        }
        let answer = ask(&self.queue, session, endpoint, value).await;
        if self.links().on_answer(peer, session, chr, answer) {
            Ok(())
        } else {
            Err(ReqError::Failed)
        }
    }

    /// Waits until `addr` disconnects, then closes its session and advertises again.
    async fn watch_disconnect(self: Arc<Self>, addr: Address) {
        let events = match self.adapter.device(addr) {
            Ok(dev) => dev.events().await,
            Err(e) => Err(e),
        };
        match events {
            Ok(mut events) => {
                while let Some(ev) = events.next().await {
                    if matches!(
                        ev,
                        DeviceEvent::PropertyChanged(DeviceProperty::Connected(false))
                    ) {
                        break;
                    }
                }
            }
            Err(e) => warn!(error = %e, peer = %addr, "cannot watch the BLE connection"),
        }
        let closed = self.links().on_disconnect(addr.0);
        if let Some(s) = closed {
            debug!(peer = %addr, session = s, "BLE session closed");
            let _ = self.queue.send(TransportEvent::SessionClosed(s)).await;
        }
        if let Err(e) = self.advertise().await {
            warn!(error = %e, "cannot restart advertising");
        }
    }

    /// (Re)registers the advertisement.
    async fn advertise(&self) -> Result<(), bluer::Error> {
        let mut slot = self.adv.lock().await;
        slot.take();
        let name = &self.cfg.device_name;
        let manufacturer_data = self
            .cfg
            .manufacturer_data
            .as_deref()
            .and_then(|d| links::manufacturer_entry(name.len(), d))
            .into_iter()
            .collect();
        let adv = Advertisement {
            advertisement_type: bluer::adv::Type::Peripheral,
            service_uuids: BTreeSet::from([uuid(self.cfg.service_uuid)]),
            local_name: Some(name.clone()),
            discoverable: Some(true),
            manufacturer_data,
            ..Default::default()
        };
        *slot = Some(self.adapter.advertise(adv).await?);
        Ok(())
    }
}
