//! The SoftAP scheme through NetworkManager (`uniprov device --softap`): a hotspot named after the
//! service name, on which the HTTP transport is served, in front of the station backend.
//!
//! Order of events, and why:
//!
//! 1. **Scan first.** A radio in access-point mode cannot scan on most hardware (and a scan
//!    would take it off the hotspot's channel), so [`SoftAp::open`] scans *before* the hotspot
//!    starts and keeps the result; `prov-scan` is answered from it while the hotspot is up.
//!    This also gives NetworkManager the access-point list it needs to find the SSID later.
//! 2. **Hotspot.** `AddAndActivateConnection2` with a `uniprov-hotspot:<service name>` profile
//!    ([`hotspot::hotspot_profile`]), `persist: volatile` (never on disk; NetworkManager deletes
//!    it when it deactivates) and `bind-activation: dbus-client` (NetworkManager deactivates it
//!    when this process leaves the bus, so even a killed device leaves nothing behind).
//! 3. **Credentials.** Two layouts:
//!    * *Two interfaces on one radio* (the default where the driver's interface combinations
//!      allow AP+STA: the CLI adds `uapN` with [`crate::device::network::softap_iface`] and
//!      hands it to [`SoftAp::open_with`], which removes it again when the SoftAP ends; or an
//!      existing one given with `--softap-interface`): like an ESP in AP+STA mode, the hotspot
//!      stays up while the station connects, so the phone apps, which poll `GetStatus` over
//!      the hotspot after Apply (docs/apps.md §4), read `Connected` with the IP address. Radios
//!      that run both roles on one channel only (hwsim, brcmfmac) need the hotspot on the
//!      home network's channel (`--softap-channel`). NetworkManager's periodic scans on the
//!      disconnected station take the shared radio off the hotspot's channel for a moment, so
//!      a phone's join can need a few tries.
//!    * *One interface* (a radio without AP+STA, or `--softap-interface` naming the station's
//!      interface): the radio has one role at a time. `connect_wifi` keeps the hotspot up for
//!      [`ONE_ROLE_GRACE`] after Apply, long enough for the apps' first status poll (which
//!      reads `Connecting`), then tears it down and starts the station attempt. The phone
//!      loses the link, so the apps report a failure even when provisioning succeeds (the
//!      device says so at start); if the attempt fails the hotspot comes back and the phone
//!      can reconnect, read the failure and retry.
//! 4. **Teardown.** [`SoftAp::stop_hotspot`] after provisioning ended (the CLI calls it after the
//!    transports stopped) and on every error path.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use dbus::arg::PropMap;
use dbus::nonblock::stdintf::org_freedesktop_dbus::Properties;
use dbus::Path;
use rand::RngCore;
use tokio::sync::{broadcast, Mutex};
use tracing::{debug, info, warn};
use uniprov_core::messages::{WifiCredentials, WifiScanEntry, WifiScanParams};

use super::dnsmasq_dns::{add_address, remove_address, DnsDropIn, SHARED_DNSMASQ_DIR};
use super::hotspot::{hotspot_profile, HotspotConfig};
use super::settings::var;
use super::{err, mapping, NetworkManager, NmConfig, CONNECTION, DEVICE, NM, NM_PATH};
use crate::device::network::softap_iface::ApInterface;
use crate::device::network::{NetworkBackend, NetworkError, NetworkEvent};

const ACTIVE: &str = "org.freedesktop.NetworkManager.Connection.Active";
/// `NM_ACTIVE_CONNECTION_STATE_ACTIVATED`.
const ACTIVE_ACTIVATED: u32 = 2;
/// `NM_ACTIVE_CONNECTION_STATE_DEACTIVATING`: from here on, the activation has failed.
const ACTIVE_DEACTIVATING: u32 = 3;
/// How long the hotspot may take to come up or to go away.
const HOTSPOT_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(200);
/// Further scans before the hotspot when one finds no network at all.
const PRE_SCAN_RETRIES: usize = 2;
/// One interface: how long the hotspot stays up after Apply before the station attempt takes
/// the radio, so the apps' first `GetStatus` poll (Android: 2 s after Apply, iOS: at once)
/// still reaches the device.
pub const ONE_ROLE_GRACE: Duration = Duration::from_secs(4);
/// `NM_DEVICE_STATE_UNMANAGED`.
const DEVICE_UNMANAGED: u32 = 10;
/// How long NetworkManager may take to pick up an AP interface made at start.
const NEW_DEVICE_TIMEOUT: Duration = Duration::from_secs(20);

/// The NetworkManager station backend behind a SoftAP hotspot. See the
/// [module documentation](self).
pub struct SoftAp {
    inner: Arc<Inner>,
}

struct Inner {
    station: NetworkManager,
    cfg: HotspotConfig,
    /// The hotspot's NetworkManager device.
    device: Path<'static>,
    /// The hotspot and the station use the same interface (one role at a time).
    one_interface: bool,
    /// The scan made before the hotspot started.
    scan_cache: Mutex<Vec<WifiScanEntry>>,
    hotspot: Mutex<Option<Running>>,
    /// Provisioning is over: the hotspot never comes back.
    finished: AtomicBool,
    /// The AP interface made for the hotspot, removed after it.
    ap_iface: StdMutex<Option<ApInterface>>,
}

/// A running hotspot's profile and active connection.
struct Running {
    profile: Path<'static>,
    active: Path<'static>,
}

impl SoftAp {
    /// Opens the station backend on `station.iface`, scans, then starts the hotspot `hotspot`.
    pub async fn open(station: NmConfig, hotspot: HotspotConfig) -> Result<Self, NetworkError> {
        Self::open_with(station, hotspot, None).await
    }

    /// [`SoftAp::open`] on an AP interface this process made (`hotspot.iface` is its name):
    /// the SoftAP owns it and removes it when it stops, or at once if opening fails.
    pub async fn open_with(
        station: NmConfig,
        hotspot: HotspotConfig,
        ap_iface: Option<ApInterface>,
    ) -> Result<Self, NetworkError> {
        hotspot
            .validate()
            .map_err(|e| NetworkError::Backend(e.to_string()))?;
        let one_interface = station.iface == hotspot.iface;
        let station = NetworkManager::open(station).await?;
        let device = if one_interface {
            station.inner.device.clone()
        } else {
            let fresh = ap_iface.is_some();
            hotspot_device(&station, &hotspot.iface, fresh).await?
        };
        // The list prov-scan answers from until provisioning ends: an empty one (a scan that
        // raced NetworkManager's own at its start) is retried before giving up.
        let mut scan = station.scan_wifi(WifiScanParams::default()).await?;
        for _ in 0..PRE_SCAN_RETRIES {
            if !scan.is_empty() {
                break;
            }
            info!("the scan before the hotspot found no network; scanning again");
            tokio::time::sleep(POLL).await;
            scan = station.scan_wifi(WifiScanParams::default()).await?;
        }
        info!(
            networks = scan.len(),
            "scanned before starting the hotspot; prov-scan answers from this list"
        );
        let inner = Arc::new(Inner {
            station,
            cfg: hotspot,
            device,
            one_interface,
            scan_cache: Mutex::new(scan),
            hotspot: Mutex::new(None),
            finished: AtomicBool::new(false),
            ap_iface: StdMutex::new(ap_iface),
        });
        inner.start_hotspot().await?;
        if one_interface {
            let events = inner.station.subscribe();
            tokio::spawn(restart_after_failures(Arc::downgrade(&inner), events));
        }
        Ok(SoftAp { inner })
    }

    /// Tears the hotspot down for good (provisioning is over, or the device stops) and removes
    /// the AP interface made for it. Idempotent.
    pub async fn stop_hotspot(&self) {
        self.inner.finished.store(true, Ordering::SeqCst);
        self.inner.stop_hotspot().await;
        let made = self
            .inner
            .ap_iface
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(mut iface) = made {
            iface.remove();
        }
    }

    /// Whether AP and station run at once (two interfaces) rather than one after the other.
    pub fn concurrent(&self) -> bool {
        !self.inner.one_interface
    }
}

/// The NetworkManager device of the hotspot's interface `iface`. A `fresh` interface (made at
/// start) is waited for until NetworkManager manages it (and asked to, if it stays unmanaged).
async fn hotspot_device(
    station: &NetworkManager,
    iface: &str,
    fresh: bool,
) -> Result<Path<'static>, NetworkError> {
    let nm = &station.inner;
    let deadline = tokio::time::Instant::now() + NEW_DEVICE_TIMEOUT;
    let mut asked_to_manage = false;
    loop {
        let found: Result<(Path<'static>,), _> = nm
            .proxy(NM_PATH)
            .method_call(NM, "GetDeviceByIpIface", (iface,))
            .await;
        let late = tokio::time::Instant::now() >= deadline;
        match found {
            Ok((path,)) if !fresh => return Ok(path),
            Ok((path,)) => {
                let state: u32 = nm
                    .proxy(path.clone())
                    .get(DEVICE, "State")
                    .await
                    .unwrap_or(0);
                if state >= mapping::state::DISCONNECTED {
                    return Ok(path);
                }
                if late {
                    return Err(err(
                        &format!("device {iface}"),
                        "NetworkManager does not manage it",
                    ));
                }
                if state == DEVICE_UNMANAGED && !asked_to_manage {
                    asked_to_manage = true;
                    let r: Result<(), _> = nm.proxy(path).set(DEVICE, "Managed", true).await;
                    if let Err(e) = r {
                        debug!(error = %e, %iface, "cannot set the AP interface managed");
                    }
                }
            }
            Err(e) if !fresh || late => return Err(err(&format!("device {iface}"), e)),
            Err(_) => {}
        }
        tokio::time::sleep(POLL).await;
    }
}

impl Inner {
    async fn start_hotspot(&self) -> Result<(), NetworkError> {
        let mut guard = self.hotspot.lock().await;
        if guard.is_some() || self.finished.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut seed = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let settings = hotspot_profile(&self.cfg, &mapping::uuid_v4(seed));
        // Held until the activation ended: dnsmasq reads it as NetworkManager starts it.
        let _dns_dropin = self.cfg.captive_dns.and_then(|dns| {
            let dir = std::path::Path::new(SHARED_DNSMASQ_DIR);
            match DnsDropIn::write(dir, &self.cfg.iface, dns) {
                Ok(dropin) => Some(dropin),
                Err(error) => {
                    warn!(
                        %error,
                        dir = SHARED_DNSMASQ_DIR,
                        "cannot point the hotspot's DHCP clients at the captive portal's DNS: \
                         phones will not open the page by themselves (browse to http://{}/)",
                        self.cfg.address
                    );
                    None
                }
            }
        });
        let mut options = PropMap::new();
        options.insert("persist".into(), var("volatile".to_owned()));
        options.insert("bind-activation".into(), var("dbus-client".to_owned()));
        let nm = &self.station.inner;
        let (profile, active): (Path<'static>, Path<'static>) = nm
            .proxy(NM_PATH)
            .method_call(
                NM,
                "AddAndActivateConnection2",
                (settings, self.device.clone(), Path::from("/"), options),
            )
            .await
            .map_err(|e| err("hotspot AddAndActivateConnection2", e))?;
        let running = Running { profile, active };
        if let Err(e) = self.await_activated(&running.active).await {
            self.remove(&running).await;
            return Err(e);
        }
        if let Some(dns) = self.cfg.captive_dns {
            if let Err(error) = add_address(&self.cfg.iface, dns).await {
                warn!(%error, "cannot add the captive portal's DNS address");
            }
        }
        info!(
            ssid = %self.cfg.ssid,
            iface = %self.cfg.iface,
            address = %self.cfg.address,
            secured = self.cfg.key.is_some(),
            "SoftAP hotspot up"
        );
        *guard = Some(running);
        Ok(())
    }

    async fn await_activated(&self, active: &Path<'static>) -> Result<(), NetworkError> {
        let proxy = self.station.inner.proxy(active.clone());
        let deadline = tokio::time::Instant::now() + HOTSPOT_TIMEOUT;
        loop {
            let state: u32 = proxy
                .get(ACTIVE, "State")
                .await
                .map_err(|e| err("the hotspot failed to start", e))?;
            match state {
                ACTIVE_ACTIVATED => return Ok(()),
                s if s >= ACTIVE_DEACTIVATING => {
                    return Err(err("hotspot", "NetworkManager could not start it"))
                }
                _ if tokio::time::Instant::now() >= deadline => {
                    return Err(err("hotspot", "timed out starting it"))
                }
                _ => tokio::time::sleep(POLL).await,
            }
        }
    }

    async fn stop_hotspot(&self) {
        let Some(running) = self.hotspot.lock().await.take() else {
            return;
        };
        self.remove(&running).await;
        self.await_device_idle().await;
        info!(ssid = %self.cfg.ssid, "SoftAP hotspot down");
    }

    /// Deactivates and deletes the hotspot profile (each step may find it gone already), and
    /// takes the captive DNS address off the interface.
    async fn remove(&self, running: &Running) {
        if let Some(dns) = self.cfg.captive_dns {
            if let Err(error) = remove_address(&self.cfg.iface, dns).await {
                debug!(%error, "captive DNS address already gone");
            }
        }
        let nm = &self.station.inner;
        let r: Result<(), _> = nm
            .proxy(NM_PATH)
            .method_call(NM, "DeactivateConnection", (running.active.clone(),))
            .await;
        if let Err(e) = r {
            debug!(error = %e, "hotspot not active");
        }
        let r: Result<(), _> = nm
            .proxy(running.profile.clone())
            .method_call(CONNECTION, "Delete", ())
            .await;
        if let Err(e) = r {
            debug!(error = %e, "hotspot profile already gone");
        }
    }

    /// Waits until the hotspot's device left the hotspot (below PREPARE), so a station attempt
    /// on the same device does not see the hotspot's state changes.
    async fn await_device_idle(&self) {
        let proxy = self.station.inner.proxy(self.device.clone());
        let deadline = tokio::time::Instant::now() + HOTSPOT_TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            match proxy.get::<u32>(DEVICE, "State").await {
                Ok(s) if s < mapping::state::PREPARE || s == mapping::state::FAILED => return,
                Ok(_) => tokio::time::sleep(POLL).await,
                Err(_) => return,
            }
        }
        warn!("the hotspot's device did not go idle");
    }
}

/// One interface: a failed station attempt brings the hotspot back, so the phone can reconnect,
/// read the failure (§10.3) and send other credentials. Ends with the backend.
async fn restart_after_failures(inner: Weak<Inner>, mut events: broadcast::Receiver<NetworkEvent>) {
    loop {
        match events.recv().await {
            Ok(NetworkEvent::Disconnected { reason }) => {
                let Some(inner) = inner.upgrade() else { return };
                if inner.finished.load(Ordering::SeqCst) {
                    return;
                }
                info!(?reason, "station attempt failed: bringing the hotspot back");
                if let Err(e) = inner.start_hotspot().await {
                    warn!(error = %e, "could not restart the hotspot");
                }
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

#[async_trait]
impl NetworkBackend for SoftAp {
    async fn scan_wifi(&self, params: WifiScanParams) -> Result<Vec<WifiScanEntry>, NetworkError> {
        let i = &self.inner;
        if i.hotspot.lock().await.is_some() {
            debug!("hotspot up: answering with the scan made before it started");
            return Ok(i.scan_cache.lock().await.clone());
        }
        let fresh = i.station.scan_wifi(params).await?;
        *i.scan_cache.lock().await = fresh.clone();
        Ok(fresh)
    }

    async fn connect_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError> {
        let i = &self.inner;
        if i.one_interface {
            info!(
                grace_s = ONE_ROLE_GRACE.as_secs(),
                "one interface: the hotspot stays up for one more status poll, then goes down for \
                 the station attempt"
            );
            tokio::time::sleep(ONE_ROLE_GRACE).await;
            info!("one interface: the hotspot goes down for the station attempt");
            i.stop_hotspot().await;
        }
        i.station.connect_wifi(credentials).await
    }

    async fn disconnect(&self) -> Result<(), NetworkError> {
        self.inner.station.disconnect().await
    }

    async fn persist_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError> {
        self.inner.station.persist_wifi(credentials).await
    }

    async fn forget(&self) -> Result<(), NetworkError> {
        self.inner.station.forget().await
    }

    fn subscribe(&self) -> broadcast::Receiver<NetworkEvent> {
        self.inner.station.subscribe()
    }
}
