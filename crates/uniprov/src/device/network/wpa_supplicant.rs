//! `--radio wpa-supplicant`: a Wi-Fi station driven through wpa_supplicant's control socket, for
//! devices without NetworkManager.
//!
//! * **Scan**: `SCAN`, wait for `CTRL-EVENT-SCAN-RESULTS`, `SCAN_RESULTS` (the reply is capped at
//!   wpa_supplicant's 4 KiB reply buffer, about 50 networks).
//! * **Connect** (one attempt, see the trait contract): `ADD_NETWORK`, `SET_NETWORK` (SSID as
//!   hex, quoted passphrase, `key_mgmt WPA-PSK WPA-PSK-SHA256 SAE`), `SELECT_NETWORK`. The
//!   attempt ends with `CTRL-EVENT-CONNECTED` (then DHCP, below), `CTRL-EVENT-SSID-TEMP-DISABLED
//!   reason=WRONG_KEY` (AuthFailed), `CTRL-EVENT-NETWORK-NOT-FOUND` (NoApFound), or the attempt
//!   timeout (NoApFound). A failed attempt removes its network, so wpa_supplicant does not retry.
//!   `SELECT_NETWORK` disables the daemon's other networks for the attempt; those that were enabled
//!   before are enabled again when the attempt ends, whatever its outcome.
//! * **DHCP** is left to the system by default (dhcpcd, systemd-networkd or ifupdown watching the
//!   interface). With [`WpaConfig::dhcp_command`] the backend runs a client itself after the link
//!   is up (for example `udhcpc -i {iface} -n -q -t 5`; `{iface}` is replaced). Either way the
//!   attempt succeeds when `STATUS` shows an `ip_address` (wpa_supplicant reads it from the
//!   kernel), and fails with `Other(0)` when none arrives within [`WpaConfig::ip_timeout`].
//! * **Persist**: `SAVE_CONFIG` (needs `update_config=1` in wpa_supplicant's configuration).
//!   Until then the network lives only in the daemon's memory.
//! * Thread is not supported.

mod ctrl;
pub mod parse;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{broadcast, Mutex};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};
use uniprov_core::messages::{
    WifiConnected, WifiCredentials, WifiFailReason, WifiScanEntry, WifiScanParams,
};
use uniprov_core::Secret;

use self::ctrl::CtrlSocket;
use self::parse::{Event, Verdict};
use super::authmode::channel_of_frequency;
use super::{DisconnectReason, NetworkBackend, NetworkError, NetworkEvent};

/// Settings of the wpa_supplicant backend.
#[derive(Debug, Clone)]
pub struct WpaConfig {
    /// The interface's control socket, e.g. `/run/wpa_supplicant/wlan0`.
    pub ctrl_path: PathBuf,
    /// A DHCP client to run once the link is up (program and arguments; `{iface}` is replaced by
    /// the interface name, the control socket's file name). `None`: the system does DHCP.
    pub dhcp_command: Option<Vec<String>>,
    /// How long an attempt may take to associate before it fails with NoApFound.
    pub attempt_timeout: Duration,
    /// How long to wait for an IPv4 address once associated.
    pub ip_timeout: Duration,
}

impl WpaConfig {
    /// Defaults for the control socket at `ctrl_path`: no DHCP command, 60 s to associate,
    /// 30 s for an address.
    pub fn new(ctrl_path: impl Into<PathBuf>) -> Self {
        WpaConfig {
            ctrl_path: ctrl_path.into(),
            dhcp_command: None,
            attempt_timeout: Duration::from_secs(60),
            ip_timeout: Duration::from_secs(30),
        }
    }

    fn iface(&self) -> String {
        self.ctrl_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The wpa_supplicant backend. See the [module documentation](self).
pub struct WpaSupplicant {
    inner: Arc<Inner>,
    monitor: JoinHandle<()>,
}

struct Inner {
    cfg: WpaConfig,
    ctrl: CtrlSocket,
    /// Serialises command sequences (a datagram socket pairs replies with requests by order).
    lock: Mutex<()>,
    raw: broadcast::Sender<Event>,
    events: broadcast::Sender<NetworkEvent>,
    attempt: Mutex<Option<Attempt>>,
}

/// The network this backend added and the task that watches it.
struct Attempt {
    id: u32,
    persisted: bool,
    /// Networks that were enabled before `SELECT_NETWORK` disabled them.
    others: Vec<u32>,
    task: Option<JoinHandle<()>>,
}

fn backend_err(what: &str, e: impl std::fmt::Display) -> NetworkError {
    NetworkError::Backend(format!("wpa_supplicant {what}: {e}"))
}

impl WpaSupplicant {
    /// Connects to wpa_supplicant's control socket and attaches a monitor for its events.
    pub async fn open(cfg: WpaConfig) -> Result<Self, NetworkError> {
        let ctrl = CtrlSocket::connect(&cfg.ctrl_path).map_err(|e| backend_err("socket", e))?;
        let mon = CtrlSocket::connect(&cfg.ctrl_path).map_err(|e| backend_err("socket", e))?;
        let reply = mon
            .request(b"ATTACH")
            .await
            .map_err(|e| backend_err("ATTACH", e))?;
        parse::expect_ok(&reply).map_err(|e| backend_err("ATTACH", e))?;
        let (raw, _) = broadcast::channel(64);
        let (events, _) = broadcast::channel(16);
        let inner = Arc::new(Inner {
            cfg,
            ctrl,
            lock: Mutex::new(()),
            raw: raw.clone(),
            events,
            attempt: Mutex::new(None),
        });
        let monitor = tokio::spawn(async move {
            loop {
                match mon.recv().await {
                    Ok(msg) => {
                        debug!(event = msg.trim_end(), "wpa_supplicant");
                        if let Some(ev) = parse::parse_event(&msg) {
                            let _ = raw.send(ev);
                        }
                    }
                    Err(e) => {
                        warn!(error = %e, "wpa_supplicant monitor socket failed");
                        break;
                    }
                }
            }
        });
        Ok(WpaSupplicant { inner, monitor })
    }
}

impl Drop for WpaSupplicant {
    fn drop(&mut self) {
        self.monitor.abort();
    }
}

impl Inner {
    async fn cmd(&self, command: &str) -> Result<String, NetworkError> {
        let _g = self.lock.lock().await;
        self.ctrl
            .request(command.as_bytes())
            .await
            .map_err(|e| backend_err(command, e))
    }

    async fn cmd_ok(&self, command: &str) -> Result<(), NetworkError> {
        parse::expect_ok(&self.cmd(command).await?).map_err(|e| backend_err(command, e))
    }

    /// `SET_NETWORK id <setting>`; the command text may hold the passphrase, so it is built in
    /// a [`Secret`] and never logged.
    async fn set_network(&self, id: u32, setting: &Secret<String>) -> Result<(), Refusal> {
        let name = setting.expose().split(' ').next().unwrap_or("").to_owned();
        let command = Secret::new(format!("SET_NETWORK {id} {}", setting.expose()).into_bytes());
        let _g = self.lock.lock().await;
        let reply = self
            .ctrl
            .request(command.expose())
            .await
            .map_err(|e| Refusal::Io(backend_err(&format!("SET_NETWORK {name}"), e)))?;
        parse::expect_ok(&reply).map_err(|_| Refusal::Refused(name))
    }

    /// Ids of the networks that are enabled now, except `except`.
    async fn enabled_networks(&self, except: Option<u32>) -> Result<Vec<u32>, NetworkError> {
        let list = self.cmd("LIST_NETWORKS").await?;
        Ok(list
            .lines()
            .skip(1)
            .filter(|l| !l.contains("[DISABLED]"))
            .filter_map(|l| l.split('\t').next()?.parse().ok())
            .filter(|id| Some(*id) != except)
            .collect())
    }

    /// Removes the attempt's network (unless persisted) and re-enables the others.
    async fn end_attempt(&self, a: &Attempt) {
        if !a.persisted {
            let _ = self.cmd_ok(&format!("REMOVE_NETWORK {}", a.id)).await;
        }
        for other in &a.others {
            let _ = self.cmd_ok(&format!("ENABLE_NETWORK {other}")).await;
        }
    }

    /// The details of the current link, once it has an IPv4 address.
    async fn connected_info(&self) -> Result<Option<WifiConnected>, NetworkError> {
        let st = parse::parse_status(&self.cmd("STATUS").await?);
        let (Some(ip), Some(bssid)) = (st.ip_address, st.bssid) else {
            return Ok(None);
        };
        if st.wpa_state != "COMPLETED" {
            return Ok(None);
        }
        let bss = self.cmd(&format!("BSS {}", hex_mac(&bssid))).await?;
        let flags = bss
            .lines()
            .find_map(|l| l.strip_prefix("flags="))
            .unwrap_or("");
        Ok(Some(WifiConnected {
            ip4_addr: ip.to_string(),
            auth_mode: parse::parse_flags(flags).auth_mode(),
            ssid: st.ssid.unwrap_or_default(),
            bssid: bssid.to_vec(),
            channel: i32::try_from(channel_of_frequency(st.freq.unwrap_or(0))).unwrap_or(0),
        }))
    }

    async fn run_dhcp(&self) {
        let Some(argv) = &self.cfg.dhcp_command else {
            return;
        };
        let iface = self.cfg.iface();
        let argv: Vec<String> = argv.iter().map(|a| a.replace("{iface}", &iface)).collect();
        let Some((prog, args)) = argv.split_first() else {
            return;
        };
        info!(command = ?argv, "running the DHCP client");
        let run = tokio::process::Command::new(prog)
            .args(args)
            .kill_on_drop(true)
            .status();
        match tokio::time::timeout(self.cfg.ip_timeout, run).await {
            Ok(Ok(s)) if s.success() => {}
            Ok(Ok(s)) => warn!(status = %s, "DHCP client failed"),
            Ok(Err(e)) => warn!(error = %e, "cannot run the DHCP client"),
            Err(_) => warn!("DHCP client timed out"),
        }
    }

    /// Watches one attempt on network `id` until its verdict, then (if it connected) the link
    /// until it is lost. Sends exactly one event per verdict and one per link loss.
    async fn watch(self: Arc<Self>, id: u32, mut rx: broadcast::Receiver<Event>) {
        let verdict = tokio::time::timeout(self.cfg.attempt_timeout, async {
            loop {
                match rx.recv().await {
                    Ok(ev) => {
                        if let Some(v) = parse::judge(id, &ev) {
                            return v;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        return Verdict::Failed(WifiFailReason::NetworkNotFound)
                    }
                }
            }
        })
        .await
        .unwrap_or(Verdict::Failed(WifiFailReason::NetworkNotFound));
        info!(network = id, ?verdict, "wpa_supplicant attempt");
        let event = match verdict {
            Verdict::Associated => match self.wait_for_address().await {
                Some(info) => NetworkEvent::Connected(info),
                None => NetworkEvent::Disconnected {
                    reason: DisconnectReason::Other(0),
                },
            },
            Verdict::Failed(WifiFailReason::AuthError) => NetworkEvent::Disconnected {
                reason: DisconnectReason::AuthFailed,
            },
            Verdict::Failed(WifiFailReason::NetworkNotFound) => NetworkEvent::Disconnected {
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
        if connected {
            self.watch_link(rx).await;
        }
    }

    async fn wait_for_address(&self) -> Option<WifiConnected> {
        self.run_dhcp().await;
        let deadline = tokio::time::Instant::now() + self.cfg.ip_timeout;
        loop {
            match self.connected_info().await {
                Ok(Some(info)) => return Some(info),
                Ok(None) => {}
                Err(e) => warn!(error = %e, "STATUS failed"),
            }
            if tokio::time::Instant::now() >= deadline {
                warn!("no IPv4 address on the link");
                return None;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn watch_link(&self, mut rx: broadcast::Receiver<Event>) {
        loop {
            let reason = match rx.recv().await {
                Ok(Event::Disconnected { reason, .. }) => reason.unwrap_or(0),
                Ok(Event::Terminating) | Err(broadcast::error::RecvError::Closed) => 0,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
            };
            let reason = DisconnectReason::from_esp_reason(reason);
            info!(?reason, "wpa_supplicant link lost");
            let _ = self.events.send(NetworkEvent::Disconnected { reason });
            return;
        }
    }

    /// Stops watching the current attempt and returns it.
    async fn take_attempt(&self) -> Option<Attempt> {
        let mut a = self.attempt.lock().await.take()?;
        if let Some(t) = a.task.take() {
            t.abort();
        }
        Some(a)
    }
}

enum Refusal {
    Io(NetworkError),
    Refused(String),
}

fn hex_mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[async_trait]
impl NetworkBackend for WpaSupplicant {
    async fn scan_wifi(&self, params: WifiScanParams) -> Result<Vec<WifiScanEntry>, NetworkError> {
        let i = &self.inner;
        let mut rx = i.raw.subscribe();
        let reply = i
            .cmd(if params.passive {
                "SCAN passive=1"
            } else {
                "SCAN"
            })
            .await?;
        // FAIL-BUSY: a scan is running already; its results will do.
        if reply.trim_end() != "FAIL-BUSY" {
            parse::expect_ok(&reply).map_err(|e| backend_err("SCAN", e))?;
        }
        let done = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match rx.recv().await {
                    Ok(Event::ScanResults) => return Ok(()),
                    Ok(Event::ScanFailed) => return Err(backend_err("SCAN", "scan failed")),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        return Err(backend_err("SCAN", "monitor closed"))
                    }
                }
            }
        })
        .await
        .map_err(|_| backend_err("SCAN", "no results within 30 s"))?;
        done?;
        Ok(parse::parse_scan_results(&i.cmd("SCAN_RESULTS").await?))
    }

    async fn connect_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError> {
        let i = &self.inner;
        if let Some(old) = i.take_attempt().await {
            i.end_attempt(&old).await;
        }
        let settings = match parse::network_settings(credentials) {
            Ok(s) => s,
            Err(e) => {
                // ESP accepts such credentials and then fails to authenticate; do the same.
                info!(error = %e, "credentials wpa_supplicant cannot use");
                let _ = i.events.send(NetworkEvent::Disconnected {
                    reason: DisconnectReason::AuthFailed,
                });
                return Ok(());
            }
        };
        let id = parse::network_id(&i.cmd("ADD_NETWORK").await?)
            .map_err(|e| backend_err("ADD_NETWORK", e))?;
        let others = i.enabled_networks(Some(id)).await?;
        let mut attempt = Attempt {
            id,
            persisted: false,
            others,
            task: None,
        };
        for s in &settings {
            let r = match i.set_network(id, s).await {
                Err(Refusal::Refused(name)) if s.expose().starts_with("key_mgmt ") => {
                    debug!(setting = name, "retrying key_mgmt without SAE");
                    let fallback = Secret::new(format!("key_mgmt {}", parse::FALLBACK_KEY_MGMT));
                    i.set_network(id, &fallback).await
                }
                Err(Refusal::Refused(name)) if name == "ieee80211w" => Ok(()),
                other => other,
            };
            if let Err(r) = r {
                i.end_attempt(&attempt).await;
                return Err(match r {
                    Refusal::Io(e) => e,
                    Refusal::Refused(name) => backend_err("SET_NETWORK", format!("{name} refused")),
                });
            }
        }
        let rx = i.raw.subscribe();
        if let Err(e) = i.cmd_ok(&format!("SELECT_NETWORK {id}")).await {
            i.end_attempt(&attempt).await;
            return Err(e);
        }
        info!(network = id, "wpa_supplicant attempt started");
        attempt.task = Some(tokio::spawn(Arc::clone(i).watch(id, rx)));
        *i.attempt.lock().await = Some(attempt);
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), NetworkError> {
        let i = &self.inner;
        match i.take_attempt().await {
            Some(a) if a.persisted => {
                let r = i.cmd_ok(&format!("DISABLE_NETWORK {}", a.id)).await;
                *i.attempt.lock().await = Some(a);
                r
            }
            Some(a) => {
                i.end_attempt(&a).await;
                Ok(())
            }
            None => Ok(()),
        }
    }

    async fn persist_wifi(&self, _credentials: &WifiCredentials) -> Result<(), NetworkError> {
        let i = &self.inner;
        let mut guard = i.attempt.lock().await;
        let Some(a) = guard.as_mut() else {
            return Err(backend_err(
                "SAVE_CONFIG",
                "no connected network to persist",
            ));
        };
        for other in std::mem::take(&mut a.others) {
            i.cmd_ok(&format!("ENABLE_NETWORK {other}")).await?;
        }
        i.cmd_ok("SAVE_CONFIG").await?;
        a.persisted = true;
        Ok(())
    }

    async fn forget(&self) -> Result<(), NetworkError> {
        let i = &self.inner;
        if let Some(mut a) = i.take_attempt().await {
            let was_persisted = a.persisted;
            a.persisted = false;
            i.end_attempt(&a).await;
            if was_persisted {
                i.cmd_ok("SAVE_CONFIG").await?;
            }
        }
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<NetworkEvent> {
        self.inner.events.subscribe()
    }
}
