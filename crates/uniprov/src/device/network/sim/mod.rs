//! The simulated radio (`--radio sim`, the default): a [`NetworkBackend`] over a [`SimConfig`]
//! world, with `tokio::time` delays so tests can run it on a paused clock.
//!
//! Behaviour, modelled on an ESP32 station:
//!
//! * `connect_wifi` with the right passphrase → [`NetworkEvent::Connected`] after
//!   `connect_delay`, with the address `192.168.1.(100 + index of the network)`.
//! * Wrong passphrase (or none, for a secured network) → `Disconnected(AuthFailed)`.
//! * Unknown SSID → `Disconnected(NoApFound)`.
//! * An open network accepts any passphrase (ESP's default auth threshold is open, so a station
//!   with a passphrase still joins an open AP).
//! * `attach_thread`: the dataset must be valid TLVs ([`NetworkError::InvalidDataset`] otherwise);
//!   network key, extended PAN id, PAN id and channel must all match one simulated network →
//!   `ThreadAttached` after `connect_delay`; else `ThreadFailed(NetworkNotFound)` after
//!   `thread_attach_timeout`.
//! * `disconnect` and a new attempt cancel the running attempt silently.

use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::broadcast;
use tokio::task::AbortHandle;
use tokio::time::{sleep, Duration};
use uniprov_core::messages::{
    ThreadAttached, ThreadFailReason, ThreadScanEntry, ThreadScanParams, WifiConnected,
    WifiCredentials, WifiScanEntry, WifiScanParams,
};
use uniprov_core::Secret;

use super::{dataset, DisconnectReason, NetworkBackend, NetworkError, NetworkEvent};

mod config;
#[cfg(test)]
mod manager_flow;
mod psk;
#[cfg(test)]
mod tests;

pub use config::{SimConfig, SimConfigError, SimThreadNetwork, SimWifiNetwork};

/// Capacity of the event channel (events are one per attempt).
const EVENT_CAPACITY: usize = 32;

/// The simulated radio.
#[derive(Debug)]
pub struct SimRadio {
    world: SimConfig,
    events: broadcast::Sender<NetworkEvent>,
    attempt: Mutex<Option<AbortHandle>>,
}

impl SimRadio {
    /// A radio in `world`.
    pub fn new(world: SimConfig) -> Self {
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        SimRadio {
            world,
            events,
            attempt: Mutex::new(None),
        }
    }

    /// The simulated world.
    pub fn world(&self) -> &SimConfig {
        &self.world
    }

    /// What an attempt with `credentials` ends in.
    fn wifi_outcome(&self, credentials: &WifiCredentials) -> NetworkEvent {
        let found = self
            .world
            .wifi
            .iter()
            .enumerate()
            .filter(|(_, n)| n.ssid.as_bytes() == credentials.ssid.as_slice())
            .max_by_key(|(_, n)| n.rssi);
        let Some((index, network)) = found else {
            return NetworkEvent::Disconnected {
                reason: DisconnectReason::NoApFound,
            };
        };
        let open = network.auth == uniprov_core::messages::AuthMode::OPEN;
        let unlocked = psk::accepts(
            network.passphrase.expose().as_bytes(),
            network.ssid.as_bytes(),
            credentials.passphrase.expose(),
        );
        if !open && !unlocked {
            return NetworkEvent::Disconnected {
                reason: DisconnectReason::AuthFailed,
            };
        }
        NetworkEvent::Connected(WifiConnected {
            ip4_addr: format!("192.168.1.{}", 100 + index.min(150)),
            auth_mode: network.auth,
            ssid: network.ssid.as_bytes().to_vec(),
            bssid: network.bssid.to_vec(),
            channel: i32::try_from(network.channel).unwrap_or(i32::MAX),
        })
    }

    /// The simulated Thread network a dataset joins, if any.
    fn thread_match(&self, tlvs: &[u8], info: &dataset::DatasetInfo) -> Option<&SimThreadNetwork> {
        let key = dataset::find(tlvs, dataset::tlv::NETWORK_KEY)?;
        self.world.thread.iter().find(|n| {
            n.network_key.expose().as_slice() == key
                && info.ext_pan_id == Some(n.ext_pan_id)
                && info.pan_id == Some(n.pan_id)
                && info.channel == Some(n.channel)
        })
    }

    /// Sends `event` after `delay`, replacing (cancelling) the running attempt.
    fn schedule(&self, delay: Duration, event: NetworkEvent) {
        let events = self.events.clone();
        let task = tokio::spawn(async move {
            sleep(delay).await;
            // Nobody listening is fine: the outcome is simply not observed.
            let _ = events.send(event);
        });
        self.replace_attempt(Some(task.abort_handle()));
    }

    fn replace_attempt(&self, next: Option<AbortHandle>) {
        let mut slot = match self.attempt.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(old) = std::mem::replace(&mut *slot, next) {
            old.abort();
        }
    }
}

impl Default for SimRadio {
    /// A radio in the built-in world ([`SimConfig::default`]).
    fn default() -> Self {
        SimRadio::new(SimConfig::default())
    }
}

impl Drop for SimRadio {
    fn drop(&mut self) {
        self.replace_attempt(None);
    }
}

#[async_trait]
impl NetworkBackend for SimRadio {
    async fn scan_wifi(&self, _params: WifiScanParams) -> Result<Vec<WifiScanEntry>, NetworkError> {
        sleep(self.world.scan_duration).await;
        Ok(self
            .world
            .wifi
            .iter()
            .map(|n| WifiScanEntry {
                ssid: n.ssid.as_bytes().to_vec(),
                channel: n.channel,
                rssi: n.rssi,
                bssid: n.bssid.to_vec(),
                auth: n.auth,
            })
            .collect())
    }

    async fn connect_wifi(&self, credentials: &WifiCredentials) -> Result<(), NetworkError> {
        let outcome = self.wifi_outcome(credentials);
        self.schedule(self.world.connect_delay, outcome);
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), NetworkError> {
        self.replace_attempt(None);
        Ok(())
    }

    async fn persist_wifi(&self, _credentials: &WifiCredentials) -> Result<(), NetworkError> {
        Ok(())
    }

    async fn persist_thread(&self, _dataset: &Secret<Vec<u8>>) -> Result<(), NetworkError> {
        Ok(())
    }

    async fn forget(&self) -> Result<(), NetworkError> {
        Ok(())
    }

    async fn scan_thread(
        &self,
        params: ThreadScanParams,
    ) -> Result<Vec<ThreadScanEntry>, NetworkError> {
        sleep(self.world.scan_duration).await;
        let in_mask = |channel: u16| {
            params.channel_mask == 0
                || 1u32
                    .checked_shl(u32::from(channel))
                    .is_some_and(|bit| params.channel_mask & bit != 0)
        };
        Ok(self
            .world
            .thread
            .iter()
            .filter(|n| in_mask(n.channel))
            .map(|n| {
                let mut ext_addr = n.ext_pan_id;
                ext_addr.reverse();
                ThreadScanEntry {
                    pan_id: u32::from(n.pan_id),
                    channel: u32::from(n.channel),
                    rssi: n.rssi,
                    lqi: n.lqi,
                    ext_addr: ext_addr.to_vec(),
                    network_name: n.name.clone(),
                    ext_pan_id: n.ext_pan_id.to_vec(),
                }
            })
            .collect())
    }

    async fn attach_thread(&self, dataset: &Secret<Vec<u8>>) -> Result<(), NetworkError> {
        let tlvs = dataset.expose();
        let info = dataset::parse(tlvs)?;
        let (delay, event) = match self.thread_match(tlvs, &info) {
            Some(n) => (
                self.world.connect_delay,
                NetworkEvent::ThreadAttached(ThreadAttached {
                    pan_id: u32::from(n.pan_id),
                    ext_pan_id: n.ext_pan_id.to_vec(),
                    channel: u32::from(n.channel),
                    name: n.name.clone(),
                }),
            ),
            None => (
                self.world.thread_attach_timeout,
                NetworkEvent::ThreadFailed(ThreadFailReason::NetworkNotFound),
            ),
        };
        self.schedule(delay, event);
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<NetworkEvent> {
        self.events.subscribe()
    }
}
