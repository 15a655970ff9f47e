//! `--radio networkmanager`: a Wi-Fi station driven through NetworkManager's D-Bus API (the
//! `dbus` + `dbus-tokio` crates, libdbus underneath like bluer).
//!
//! * **Scan**: `Device.Wireless.RequestScan`, wait until `LastScan` changes, then read every
//!   `AccessPoint` (`Ssid`, `HwAddress`, `Strength` → RSSI, `Frequency` → channel, `Flags`,
//!   `WpaFlags`, `RsnFlags` → auth mode). A refused request (NetworkManager rate-limits scans)
//!   still returns the current list.
//! * **Connect** (one attempt): `AddAndActivateConnection2` with a profile named
//!   `uniprov:<ssid>`, `autoconnect=false`, bound to the interface, and `persist: "volatile"`: it
//!   lives only in NetworkManager's memory and NetworkManager deletes it when it deactivates. The
//!   device's `StateChanged` signals decide: ACTIVATED (link and DHCP done) → `Connected`;
//!   FAILED → `Disconnected` with the state reason mapped by [`mapping::disconnect_reason`]
//!   (`no-secrets`, what a wrong passphrase becomes without a secret agent, and the supplicant
//!   reasons → AuthFailed; `ssid-not-found` → NoApFound). A failed attempt's profile is deleted
//!   (NetworkManager does it too, as it is volatile), so nothing half-created stays behind.
//! * **Persist**: `Settings.Connection.Update2` with `autoconnect=true` and `to-disk`, which also
//!   ends the volatile state; then the older `uniprov:` profiles are deleted (the device keeps
//!   one provisioned network, like the ESP's single station config).
//! * Profiles whose id does not start with `uniprov:` are never changed or deleted.
//! * Thread is not supported.
//! * [`SoftAp`] (`uniprov device --softap`) puts a hotspot named after the service name in front
//!   of this backend: see its module.

pub mod dnsmasq_dns;
pub mod hotspot;
pub mod mapping;
mod settings;
mod softap;

pub use softap::SoftAp;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use dbus::arg::{prop_cast, PropMap};
use dbus::message::MatchRule;
use dbus::nonblock::stdintf::org_freedesktop_dbus::Properties;
use dbus::nonblock::{MsgMatch, Proxy, SyncConnection};
use dbus::Path;
use rand::RngCore;
use tokio::sync::{broadcast, Mutex};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};
use uniprov_core::messages::{WifiConnected, WifiCredentials, WifiScanEntry, WifiScanParams};

use self::mapping::{AttemptWatch, Verdict};
use self::settings::{ap_info, credentials_usable, profile, var, ApInfo};
use super::authmode::{channel_of_frequency, rssi_of_strength};
use super::{DisconnectReason, NetworkBackend, NetworkError, NetworkEvent};

/// Longest wait for a scan we asked for.
const SCAN_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for a scan already under way when ours was refused.
const SCAN_REFUSED_WAIT: Duration = Duration::from_secs(10);
/// Longest wait for access points to appear after a scan that found none.
const SCAN_SETTLE: Duration = Duration::from_secs(2);
/// How often the scan's progress is read.
const SCAN_POLL: Duration = Duration::from_millis(200);
const NM: &str = "org.freedesktop.NetworkManager";
const NM_PATH: &str = "/org/freedesktop/NetworkManager";
const SETTINGS_PATH: &str = "/org/freedesktop/NetworkManager/Settings";
const SETTINGS: &str = "org.freedesktop.NetworkManager.Settings";
const DEVICE: &str = "org.freedesktop.NetworkManager.Device";
const WIRELESS: &str = "org.freedesktop.NetworkManager.Device.Wireless";
const AP: &str = "org.freedesktop.NetworkManager.AccessPoint";
const CONNECTION: &str = "org.freedesktop.NetworkManager.Settings.Connection";
const IP4: &str = "org.freedesktop.NetworkManager.IP4Config";
/// `NM_SETTINGS_UPDATE2_FLAG_TO_DISK | NM_SETTINGS_UPDATE2_FLAG_NO_REAPPLY`.
const UPDATE_TO_DISK_NO_REAPPLY: u32 = 0x1 | 0x40;

/// Settings of the NetworkManager backend.
#[derive(Debug, Clone)]
pub struct NmConfig {
    /// The Wi-Fi interface NetworkManager manages, e.g. `wlan0`.
    pub iface: String,
    /// How long one activation may take (NetworkManager has its own timeouts below this).
    pub attempt_timeout: Duration,
}

impl NmConfig {
    /// Defaults for interface `iface`: 90 s per attempt.
    pub fn new(iface: impl Into<String>) -> Self {
        NmConfig {
            iface: iface.into(),
            attempt_timeout: Duration::from_secs(90),
        }
    }
}

/// The NetworkManager backend. See the [module documentation](self).
pub struct NetworkManager {
    inner: Arc<Inner>,
    io: JoinHandle<()>,
}

struct Inner {
    cfg: NmConfig,
    conn: Arc<SyncConnection>,
    device: Path<'static>,
    /// The device's `StateChanged` as (new state, reason).
    states: broadcast::Sender<(u32, u32)>,
    events: broadcast::Sender<NetworkEvent>,
    attempt: Mutex<Option<Attempt>>,
    _match: MsgMatch,
}

struct Attempt {
    profile: Path<'static>,
    active: Path<'static>,
    persisted: bool,
    task: Option<JoinHandle<()>>,
}

fn err(what: &str, e: impl std::fmt::Display) -> NetworkError {
    NetworkError::Backend(format!("NetworkManager {what}: {e}"))
}

impl NetworkManager {
    /// Connects to the system bus and finds the NetworkManager device of `cfg.iface`.
    pub async fn open(cfg: NmConfig) -> Result<Self, NetworkError> {
        let (resource, conn) =
            dbus_tokio::connection::new_system_sync().map_err(|e| err("system bus", e))?;
        let io = tokio::spawn(async move {
            let e = resource.await;
            warn!(error = %e, "lost the D-Bus connection");
        });
        let nm = Proxy::new(NM, NM_PATH, Duration::from_secs(10), conn.clone());
        let (device,): (Path<'static>,) = nm
            .method_call(NM, "GetDeviceByIpIface", (cfg.iface.as_str(),))
            .await
            .map_err(|e| err(&format!("device {}", cfg.iface), e))?;
        let (states, _) = broadcast::channel(64);
        let tx = states.clone();
        let rule = MatchRule::new_signal(DEVICE, "StateChanged").with_path(device.clone());
        let m = conn.add_match(rule).await.map_err(|e| err("AddMatch", e))?;
        let m = m.cb(move |_, (new, old, reason): (u32, u32, u32)| {
            debug!(new, old, reason, "NetworkManager device state");
            let _ = tx.send((new, reason));
            true
        });
        let (events, _) = broadcast::channel(16);
        let inner = Inner {
            cfg,
            conn,
            device,
            states,
            events,
            attempt: Mutex::new(None),
            _match: m,
        };
        Ok(NetworkManager {
            inner: Arc::new(inner),
            io,
        })
    }
}

impl Drop for NetworkManager {
    fn drop(&mut self) {
        self.io.abort();
    }
}

impl Inner {
    fn proxy<'a>(&self, path: impl Into<Path<'a>>) -> Proxy<'a, Arc<SyncConnection>> {
        Proxy::new(NM, path, Duration::from_secs(30), self.conn.clone())
    }

    async fn access_points(&self) -> Result<Vec<ApInfo>, NetworkError> {
        let (paths,): (Vec<Path<'static>>,) = self
            .proxy(self.device.clone())
            .method_call(WIRELESS, "GetAllAccessPoints", ())
            .await
            .map_err(|e| err("GetAllAccessPoints", e))?;
        let mut out = Vec::new();
        for p in paths {
            // An access point can vanish between the list and the read: skip it.
            let info = match self.proxy(p).get_all(AP).await {
                Ok(m) => ap_info(&m),
                Err(_) => None,
            };
            out.extend(info.filter(|a| !a.ssid.is_empty()));
        }
        Ok(out)
    }

    async fn delete_profile(&self, profile: &Path<'static>) {
        let r: Result<(), _> = self
            .proxy(profile.clone())
            .method_call(CONNECTION, "Delete", ())
            .await;
        if let Err(e) = r {
            debug!(error = %e, "profile already gone");
        }
    }

    /// Deactivates the attempt's connection and deletes its profile unless it was persisted.
    async fn end_attempt(&self, a: &Attempt) {
        let r: Result<(), _> = self
            .proxy(NM_PATH)
            .method_call(NM, "DeactivateConnection", (a.active.clone(),))
            .await;
        if let Err(e) = r {
            debug!(error = %e, "connection not active");
        }
        if !a.persisted {
            self.delete_profile(&a.profile).await;
        }
    }

    async fn take_attempt(&self) -> Option<Attempt> {
        let mut a = self.attempt.lock().await.take()?;
        if let Some(t) = a.task.take() {
            t.abort();
        }
        Some(a)
    }

    /// Paths of the profiles this backend owns (id prefix `uniprov:`).
    async fn own_profiles(&self) -> Result<Vec<Path<'static>>, NetworkError> {
        let (all,): (Vec<Path<'static>>,) = self
            .proxy(SETTINGS_PATH)
            .method_call(SETTINGS, "ListConnections", ())
            .await
            .map_err(|e| err("ListConnections", e))?;
        let mut own = Vec::new();
        for p in all {
            let reply: Result<(HashMap<String, PropMap>,), _> = self
                .proxy(p.clone())
                .method_call(CONNECTION, "GetSettings", ())
                .await;
            let mine = match reply {
                Ok((s,)) => s
                    .get("connection")
                    .and_then(|c| prop_cast::<String>(c, "id"))
                    .is_some_and(|id| mapping::is_own_profile(id)),
                Err(_) => false,
            };
            if mine {
                own.push(p);
            }
        }
        Ok(own)
    }

    async fn connected_info(&self) -> Option<WifiConnected> {
        let dev = self.proxy(self.device.clone());
        let ip4: Path<'static> = dev.get(DEVICE, "Ip4Config").await.ok()?;
        let ip = {
            let data: Vec<PropMap> = self.proxy(ip4).get(IP4, "AddressData").await.ok()?;
            data.iter()
                .find_map(|a| prop_cast::<String>(a, "address").cloned())
        }?;
        let ap_path: Path<'static> = dev.get(WIRELESS, "ActiveAccessPoint").await.ok()?;
        let ap = match self.proxy(ap_path).get_all(AP).await {
            Ok(m) => ap_info(&m),
            Err(_) => None,
        }?;
        Some(WifiConnected {
            ip4_addr: ip,
            auth_mode: ap.security.auth_mode(),
            ssid: ap.ssid,
            bssid: ap.bssid,
            channel: i32::try_from(channel_of_frequency(ap.frequency)).unwrap_or(0),
        })
    }

    /// Watches one activation until its verdict, then the link until it is lost.
    async fn watch(self: Arc<Self>, mut rx: broadcast::Receiver<(u32, u32)>) {
        let mut w = AttemptWatch::default();
        let verdict = tokio::time::timeout(self.cfg.attempt_timeout, async {
            loop {
                match rx.recv().await {
                    Ok((new, reason)) => {
                        if let Some(v) = w.on_state(new, reason) {
                            return Some(v);
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .await
        .ok()
        .flatten();
        info!(?verdict, "NetworkManager activation");
        let event = match verdict {
            Some(Verdict::Activated) => match self.connected_info().await {
                Some(info) => NetworkEvent::Connected(info),
                None => NetworkEvent::Disconnected {
                    reason: DisconnectReason::Other(0),
                },
            },
            Some(Verdict::Failed(r)) => NetworkEvent::Disconnected {
                reason: mapping::disconnect_reason(r),
            },
            None => NetworkEvent::Disconnected {
                reason: DisconnectReason::NoApFound,
            },
        };
        let connected = matches!(event, NetworkEvent::Connected(_));
        if !connected {
            if let Some(a) = self.attempt.lock().await.take() {
                self.end_attempt(&a).await;
            }
        }
        let _ = self.events.send(event);
        if !connected {
            return;
        }
        loop {
            match rx.recv().await {
                Ok((new, reason))
                    if new < mapping::state::ACTIVATED || new == mapping::state::FAILED =>
                {
                    let reason = mapping::disconnect_reason(reason);
                    info!(?reason, "NetworkManager link lost");
                    let _ = self.events.send(NetworkEvent::Disconnected { reason });
                    return;
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

#[async_trait]
impl NetworkBackend for NetworkManager {
    async fn scan_wifi(&self, _params: WifiScanParams) -> Result<Vec<WifiScanEntry>, NetworkError> {
        let i = &self.inner;
        let dev = i.proxy(i.device.clone());
        let before: i64 = dev
            .get(WIRELESS, "LastScan")
            .await
            .map_err(|e| err("LastScan", e))?;
        let asked: Result<(), _> = dev
            .method_call(WIRELESS, "RequestScan", (PropMap::new(),))
            .await;
        // Refused mostly means NetworkManager is scanning already (at its start, say): its
        // scan's results are as fresh as ours would be, so wait for it, but not as long.
        let wait = match asked {
            Ok(()) => SCAN_TIMEOUT,
            Err(e) => {
                debug!(error = %e, "scan request refused; waiting for the scan under way");
                SCAN_REFUSED_WAIT
            }
        };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let now: i64 = dev
                .get(WIRELESS, "LastScan")
                .await
                .map_err(|e| err("LastScan", e))?;
            if now != before || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(SCAN_POLL).await;
        }
        // NetworkManager updates LastScan before it has exported every access point it
        // found; an empty list right after a scan is given a moment to fill.
        let settle = tokio::time::Instant::now() + SCAN_SETTLE;
        let mut found = i.access_points().await?;
        while found.is_empty() && tokio::time::Instant::now() < settle {
            tokio::time::sleep(SCAN_POLL).await;
            found = i.access_points().await?;
        }
        Ok(found
            .into_iter()
            .map(|a| WifiScanEntry {
                channel: channel_of_frequency(a.frequency),
                rssi: rssi_of_strength(a.strength),
                auth: a.security.auth_mode(),
                ssid: a.ssid,
                bssid: a.bssid,
            })
            .collect())
    }

    async fn connect_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError> {
        let i = &self.inner;
        if let Some(old) = i.take_attempt().await {
            i.end_attempt(&old).await;
        }
        if !credentials_usable(credentials) {
            info!("credentials NetworkManager cannot use");
            let _ = i.events.send(NetworkEvent::Disconnected {
                reason: DisconnectReason::AuthFailed,
            });
            return Ok(());
        }
        let ap = i
            .access_points()
            .await?
            .into_iter()
            .find(|a| a.ssid == credentials.ssid)
            .map(|a| a.security);
        let key_mgmt = mapping::key_mgmt(credentials.passphrase.expose().is_empty(), ap);
        let mut seed = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let uuid = mapping::uuid_v4(seed);
        let rx = i.states.subscribe();
        let mut options = PropMap::new();
        options.insert("persist".into(), var("volatile".to_owned()));
        options.insert("bind-activation".into(), var("none".to_owned()));
        let call = i.proxy(NM_PATH).method_call(
            NM,
            "AddAndActivateConnection2",
            (
                profile(&i.cfg, credentials, &uuid, key_mgmt, false),
                i.device.clone(),
                Path::from("/"),
                options,
            ),
        );
        let (profile_path, active): (Path<'static>, Path<'static>) = call
            .await
            .map_err(|e| err("AddAndActivateConnection2", e))?;
        info!(profile = %profile_path, "NetworkManager activation started");
        let task = tokio::spawn(Arc::clone(i).watch(rx));
        *i.attempt.lock().await = Some(Attempt {
            profile: profile_path,
            active,
            persisted: false,
            task: Some(task),
        });
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), NetworkError> {
        let i = &self.inner;
        if let Some(a) = i.take_attempt().await {
            i.end_attempt(&a).await;
            if a.persisted {
                *i.attempt.lock().await = Some(a);
            }
        }
        Ok(())
    }

    async fn persist_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError> {
        let i = &self.inner;
        let mut guard = i.attempt.lock().await;
        let Some(a) = guard.as_mut() else {
            return Err(err("persist", "no connected network to persist"));
        };
        let uuid: String = {
            let (s,): (HashMap<String, PropMap>,) = i
                .proxy(a.profile.clone())
                .method_call(CONNECTION, "GetSettings", ())
                .await
                .map_err(|e| err("GetSettings", e))?;
            s.get("connection")
                .and_then(|c| prop_cast::<String>(c, "uuid"))
                .cloned()
                .unwrap_or_default()
        };
        let key_mgmt = {
            let (s,): (HashMap<String, PropMap>,) = i
                .proxy(a.profile.clone())
                .method_call(CONNECTION, "GetSettings", ())
                .await
                .map_err(|e| err("GetSettings", e))?;
            s.get("802-11-wireless-security")
                .and_then(|c| prop_cast::<String>(c, "key-mgmt"))
                .cloned()
        };
        let settings = profile(&i.cfg, credentials, &uuid, key_mgmt.as_deref(), true);
        let call = i.proxy(a.profile.clone()).method_call(
            CONNECTION,
            "Update2",
            (settings, UPDATE_TO_DISK_NO_REAPPLY, PropMap::new()),
        );
        let _: (PropMap,) = call.await.map_err(|e| err("Update2", e))?;
        a.persisted = true;
        for p in i.own_profiles().await? {
            if p != a.profile {
                i.delete_profile(&p).await;
            }
        }
        Ok(())
    }

    async fn forget(&self) -> Result<(), NetworkError> {
        let i = &self.inner;
        if let Some(a) = i.take_attempt().await {
            i.end_attempt(&Attempt {
                persisted: false,
                ..a
            })
            .await;
        }
        for p in i.own_profiles().await? {
            i.delete_profile(&p).await;
        }
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<NetworkEvent> {
        self.inner.events.subscribe()
    }
}
