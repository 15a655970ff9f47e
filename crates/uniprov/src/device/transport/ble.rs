//! BLE GATT transport over BlueZ (cargo feature `ble`: the `bluer` crate for the adapter and
//! advertising, the GATT application on D-Bus directly, [`gatt`]), docs/protocol.md §9.2.
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
//! * Advertising: flags and the service UUID in the advertising data, the local name in the
//!   scan response (bluetoothd's layout), and the optional manufacturer data, which bluetoothd
//!   puts into the advertising data: trimmed to the 8 bytes that fit there
//!   ([`links::manufacturer_entry`]; ESP-IDF trims to what fits beside the name in its scan
//!   response, §9.2). A company id without data bytes is left out, with a warning: bluetoothd
//!   refuses an empty `ManufacturerData` value. Re-registered after every disconnect.
//! * **GAP Device Name** (0x2A00): bluetoothd serves the adapter's Alias there, so the transport
//!   sets the Alias to the service name while it runs (Android shows the GAP name after a
//!   connection, docs/apps.md §1) and restores it in [`BleTransport::stop`] (an Alias that was the
//!   system name is reset to follow it again).
//! * **Answer deadline**: a request the manager has not answered within [`ANSWER_DEADLINE`]
//!   (18 s; e.g. held by a slow scan) is refused, so the phone gets an ATT error well before its
//!   30 s ATT timeout and bluetoothd's D-Bus call (25 s) never times out.
//! * **GATT handles**: the whole attribute table is the same on every start (with the same
//!   service UUID and custom endpoints), so a phone or a BlueZ central that cached it keeps
//!   working after the device restarts, as with an ESP32's fixed table. The service declaration
//!   is at [`SERVICE_HANDLE`] (0x0040, BlueZ's `Handle` property), then per endpoint, in
//!   [`gatt_table`] order (ESP's: `prov-ctrl`, `prov-scan`, `prov-session`, `prov-config`,
//!   `proto-ver`, then the custom endpoints in creation order), the characteristic declaration,
//!   its value and its 0x2901 descriptor: 0x0041/0x0042/0x0043 for `prov-ctrl`, 0x0044/0x0045/
//!   0x0046 for `prov-scan`, and so on (3 handles per endpoint, as NimBLE lays out ESP's).
//!   How: BlueZ 5.66 (Debian 12) adds an application's characteristics and descriptors in the
//!   order of the application's `GetManagedObjects` answer, each at the next free handle of
//!   the service; a per-characteristic `Handle` is only honoured by the gatt-db of BlueZ 5.75
//!   and later. bluer 0.17 answers `GetManagedObjects` through dbus-crossroads, from a hash map
//!   (a different order in every process), so the transport exports the GATT application
//!   itself ([`gatt`]): on a D-Bus connection of its own, with its own `GetManagedObjects` whose
//!   answer lists the objects in table order, and `org.bluez.GattManager1.RegisterApplication`
//!   / `UnregisterApplication`. bluer still does the adapter, Alias, advertising and device
//!   events. If bluetoothd cannot place the service at its handle (another application holds
//!   the range) it is registered where BlueZ puts it, with a warning; the characteristics then
//!   still follow in the same order. The handles bluetoothd wrote back are logged
//!   (`BLE GATT handles`). bluetoothd's GATT service carries Service Changed and the Database
//!   Hash, which tell caching clients when a table did change (e.g. other custom endpoints).
//! * Guessing limits: every request carries the client's Bluetooth address, so the online
//!   guessing limit counts per BLE peer ([`super::Origin::Ble`]).
//! * **Service Changed**: bluetoothd's own GATT database always contains the GATT service
//!   (0x1801) with the Service Changed characteristic (`populate_gatt_service` in
//!   `src/gatt-database.c`), so clients that cache attribute tables (iOS, §16) are told when the
//!   table changes; the application need not add it.
//!
//! The GATT calls ([`gatt`]) are one-line forwards into [`Shared`], which keeps its logic in
//! [`links`].

pub mod gatt;
pub mod links;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use bluer::adv::{Advertisement, AdvertisementHandle};
use bluer::{Adapter, Address, DeviceEvent, DeviceProperty, Uuid};
use futures_util::StreamExt;
use tokio::sync::Mutex;
use tracing::{debug, info, warn};
use uniprov_core::ble::{gatt_table, Uuid128, DEFAULT_SERVICE_UUID};

use self::gatt::{GattApp, GattError};
use self::links::{AccessError, Links, Peer, Write};
use super::open::{stopped, OpenContext, OpenError, Opened};
use super::{ask_from, Origin, RequestQueue, TransportEvent};

/// How long a write waits for the manager's answer before it is refused (see the module docs).
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(18);

/// The fixed handle of the provisioning service's declaration. BlueZ's own services (GAP, GATT)
/// end well below it; up to 0x4000 - 1 handles follow for the characteristics.
pub const SERVICE_HANDLE: u16 = 0x0040;

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
    /// The D-Bus connection of the GATT application, or bluetoothd's answer on it, failed.
    #[error("BlueZ GATT application: {0}")]
    Dbus(#[from] dbus::Error),
}

/// The running transport; dropping it unregisters the application and the advertisement.
pub struct BleTransport {
    shared: Arc<Shared>,
    /// `None` only while [`BleTransport::stop`] unregisters it.
    app: Option<GattApp>,
    /// The adapter's Alias before the transport set it to the service name; `None` when it was
    /// the system name (restored by resetting it to "").
    previous_alias: Option<String>,
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

fn gatt_error(e: AccessError) -> GattError {
    match e {
        AccessError::InvalidOffset => GattError::InvalidOffset,
        AccessError::TooLong => GattError::InvalidValueLength,
    }
}

impl BleTransport {
    /// Opens a device's BLE transport with the device's custom endpoints in its GATT table;
    /// its task stops the transport after the stop signal.
    pub(crate) async fn open(mut cfg: BleConfig, cx: OpenContext<'_>) -> Result<Opened, OpenError> {
        cfg.custom_endpoints = cx.endpoints.to_vec();
        let target = format!(
            "BLE adapter {}",
            cfg.adapter.as_deref().unwrap_or("(default)")
        );
        let ble = Self::start(cfg, cx.queue.clone())
            .await
            .map_err(|e| OpenError {
                target,
                source: std::io::Error::other(e),
            })?;
        let shutdown = stopped(cx.stop);
        Ok(Opened {
            task: Box::pin(async move {
                shutdown.await;
                // Disconnects the clients, then unregisters the application and the
                // advertisement.
                ble.stop().await;
                tracing::info!("BLE transport stopped");
            }),
            http_addr: None,
        })
    }

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
        if let Some(data) = &cfg.manufacturer_data {
            if links::manufacturer_entry(data).is_none() {
                warn!(
                    len = data.len(),
                    "manufacturer data not advertised: BlueZ cannot send a company id without \
                     data bytes"
                );
            }
        }
        let previous_alias = set_alias(&adapter, &cfg.device_name).await?;
        let shared = Arc::new(Shared {
            cfg,
            adapter,
            queue,
            links: StdMutex::new(Links::default()),
            adv: Mutex::new(None),
        });
        let names: Vec<(String, Uuid128)> =
            table.iter().map(|c| (c.name.clone(), c.uuid)).collect();
        let app = match GattApp::register(&shared, &names, SERVICE_HANDLE).await {
            Ok(app) => app,
            Err(e) => {
                warn!(
                    error = %e,
                    handle = SERVICE_HANDLE,
                    "bluetoothd cannot place the service at its fixed handle; letting it choose \
                     (the handles may change between restarts)"
                );
                match GattApp::register(&shared, &names, 0).await {
                    Ok(app) => app,
                    Err(e) => {
                        restore_alias(&shared.adapter, previous_alias).await;
                        return Err(e);
                    }
                }
            }
        };
        log_handles(&app).await;
        if let Err(e) = shared.advertise().await {
            restore_alias(&shared.adapter, previous_alias).await;
            return Err(e.into());
        }
        info!(
            adapter = shared.adapter.name(),
            name = shared.cfg.device_name,
            "BLE transport up"
        );
        Ok(BleTransport {
            shared,
            app: Some(app),
            previous_alias,
        })
    }

    /// Stops advertising and disconnects the connected clients, as ESP-IDF's protocomm does when
    /// it stops the BLE transport; then the application is unregistered. BlueZ keeps a client's
    /// link after the GATT application is gone otherwise, and that client's next connect fails.
    pub async fn stop(mut self) {
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
        if let Some(app) = self.app.take() {
            app.unregister().await;
        }
        restore_alias(&self.shared.adapter, self.previous_alias).await;
    }

    /// The adapter's name (`hci0`).
    pub fn adapter_name(&self) -> &str {
        self.shared.adapter.name()
    }
}

/// Sets the adapter's Alias (the GAP Device Name bluetoothd serves) to `name`; returns what to
/// restore: the previous Alias, or `None` when it was the system name.
async fn set_alias(adapter: &Adapter, name: &str) -> Result<Option<String>, bluer::Error> {
    let alias = adapter.alias().await?;
    let system = adapter.system_name().await.unwrap_or_default();
    adapter.set_alias(name.to_owned()).await?;
    debug!(
        alias = name,
        "adapter alias (GAP Device Name) set to the service name"
    );
    Ok((alias != system).then_some(alias))
}

/// Puts the adapter's Alias back (`None`: reset to the system name).
async fn restore_alias(adapter: &Adapter, previous: Option<String>) {
    let restored = previous.unwrap_or_default();
    if let Err(e) = adapter.set_alias(restored).await {
        warn!(error = %e, "cannot restore the adapter's alias");
    }
}

/// Logs the handles bluetoothd assigned (it writes them back while registering; waits up to 1 s).
async fn log_handles(app: &GattApp) {
    for _ in 0..20 {
        let (service, chars) = app.handles();
        if service != 0 && chars.iter().all(|(_, c, d)| *c != 0 && *d != 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let h = |h: u16| {
        if h == 0 {
            "?".to_owned()
        } else {
            format!("0x{h:04x}")
        }
    };
    let (service, chars) = app.handles();
    let table: Vec<String> = chars
        .iter()
        .map(|(name, c, d)| format!("{name}={}/{}", h(*c), h(*d)))
        .collect();
    info!(
        service = %h(service),
        characteristics = table.join(" "),
        "BLE GATT handles"
    );
}

impl Shared {
    fn links(&self) -> std::sync::MutexGuard<'_, Links> {
        self.links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self, addr: Address, chr: usize, offset: u16) -> Result<Vec<u8>, GattError> {
        self.links()
            .on_read(addr.0, chr, offset)
            .map_err(gatt_error)
    }

    async fn write(
        self: Arc<Self>,
        addr: Address,
        chr: usize,
        endpoint: String,
        offset: u16,
        value: Vec<u8>,
    ) -> Result<(), GattError> {
        let peer: Peer = addr.0;
        let step = self
            .links()
            .on_write(peer, offset, value.len())
            .map_err(gatt_error)?;
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
                return Err(GattError::Failed);
            }
            tokio::spawn(Arc::clone(&self).watch_disconnect(addr));
        }
        let origin = Some(Origin::Ble(peer));
        let asked = ask_from(&self.queue, origin, session, endpoint.clone(), value);
        let answer = match tokio::time::timeout(ANSWER_DEADLINE, asked).await {
            Ok(answer) => answer,
            Err(_) => {
                warn!(
                    peer = %addr,
                    %endpoint,
                    "no answer within {} s: refusing the request before the phone's ATT timeout",
                    ANSWER_DEADLINE.as_secs()
                );
                return Err(GattError::Failed);
            }
        };
        if self
            .links()
            .on_answer(peer, session, chr, answer.into_response())
        {
            Ok(())
        } else {
            Err(GattError::Failed)
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
            .and_then(links::manufacturer_entry)
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
