//! `--events json`: one JSON object per event on stdout.

use std::io::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use uniprov::core::messages::NetworkKind;
use uniprov::core::messages::{ThreadFailReason, WifiFailReason};
use uniprov::device::manager::ProvEvent;
use uniprov::device::network::{DisconnectReason, NetworkEvent};
use uniprov::device::runtime::{DeviceBuilder, DeviceEvent, DeviceHandle};

use super::EventsFormat;

/// The task that writes events.
pub(super) struct EventWriter {
    extra: mpsc::UnboundedSender<Value>,
    task: JoinHandle<()>,
}

/// Starts writing events (from the very first) when asked to.
pub(super) fn spawn_writer(
    builder: &DeviceBuilder,
    format: Option<EventsFormat>,
) -> Option<EventWriter> {
    let EventsFormat::Json = format?;
    let events = builder.subscribe();
    let (extra, extra_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(write_events(events, extra_rx));
    Some(EventWriter { extra, task })
}

impl EventWriter {
    /// Announces the listening addresses (`{"event":"listening",...}`).
    pub(super) fn listening(&self, handle: &DeviceHandle) {
        for addr in handle.http_addrs() {
            let line = json!({"event": "listening", "transport": "http", "addr": addr.to_string()});
            let _ = self.extra.send(line);
        }
    }

    /// Waits until the DEINIT event has been written.
    pub(super) async fn finish(self) {
        drop(self.extra);
        let _ = self.task.await;
    }
}

async fn write_events(
    mut events: broadcast::Receiver<DeviceEvent>,
    mut extra: mpsc::UnboundedReceiver<Value>,
) {
    let mut extra_open = true;
    loop {
        // Device events first: INIT and START are queued before `start` returns, so they
        // precede the `listening` line.
        let line = tokio::select! {
            biased;
            event = events.recv() => match event {
                Ok(event) => {
                    let last = event == DeviceEvent::Prov(ProvEvent::Deinit);
                    write_line(&to_json(&event));
                    if last {
                        return;
                    }
                    continue;
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    json!({"event": "lagged", "missed": missed})
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            value = extra.recv(), if extra_open => match value {
                Some(value) => value,
                None => {
                    extra_open = false;
                    continue;
                }
            },
        };
        write_line(&line);
    }
}

fn write_line(value: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

/// The JSON form of an event. Never contains a passphrase or a dataset.
pub(super) fn to_json(event: &DeviceEvent) -> Value {
    match event {
        DeviceEvent::Prov(event) => serde_json::to_value(ProvEventJson(event))
            .unwrap_or_else(|_| json!({"event": "unknown"})),
        DeviceEvent::AlreadyProvisioned { network } => json!({
            "event": "already_provisioned",
            "network": network_name(*network),
        }),
        DeviceEvent::Network(NetworkEvent::Connected(info)) => json!({
            "event": "network",
            "state": "connected",
            "ssid": String::from_utf8_lossy(&info.ssid),
            "ip4_addr": info.ip4_addr,
            "channel": info.channel,
        }),
        DeviceEvent::Network(NetworkEvent::Disconnected { reason }) => json!({
            "event": "network",
            "state": "disconnected",
            "reason": ReasonJson(*reason),
        }),
        DeviceEvent::Network(NetworkEvent::ThreadAttached(info)) => json!({
            "event": "network",
            "state": "thread_attached",
            "name": info.name,
            "pan_id": info.pan_id,
            "channel": info.channel,
        }),
        DeviceEvent::AuthBackoff(backoff) => json!({
            "event": "auth_backoff",
            "peer": backoff.peer.to_string(),
            "scope": backoff.scope.as_str(),
            "failures": backoff.failures,
            "delay_ms": u64::try_from(backoff.delay.as_millis()).unwrap_or(u64::MAX),
        }),
        DeviceEvent::Network(NetworkEvent::ThreadFailed(reason)) => json!({
            "event": "network",
            "state": "thread_failed",
            "reason": format!("{reason:?}"),
        }),
    }
}

fn network_name(network: NetworkKind) -> &'static str {
    match network {
        NetworkKind::Wifi => "wifi",
        NetworkKind::Thread => "thread",
    }
}

/// A provisioning event as `--events json` writes it: `{"event": "cred_recv", "ssid": "HomeNetwork"}`
/// (the event's snake_case name, then its fields; never a passphrase or a dataset).
pub(super) struct ProvEventJson<'a>(pub(super) &'a ProvEvent);

impl Serialize for ProvEventJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let name = match self.0 {
            ProvEvent::Init => "init",
            ProvEvent::Start => "start",
            ProvEvent::SetStaConfig => "set_sta_config",
            ProvEvent::CredRecv { .. } => "cred_recv",
            ProvEvent::CredFail { .. } => "cred_fail",
            ProvEvent::CredSuccess => "cred_success",
            ProvEvent::ThreadDatasetRecv => "thread_dataset_recv",
            ProvEvent::ThreadDatasetFail { .. } => "thread_dataset_fail",
            ProvEvent::ThreadDatasetSuccess => "thread_dataset_success",
            ProvEvent::End => "end",
            ProvEvent::Deinit => "deinit",
        };
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("event", name)?;
        match self.0 {
            ProvEvent::CredRecv { ssid } => map.serialize_entry("ssid", ssid)?,
            ProvEvent::CredFail { reason } => {
                map.serialize_entry("reason", wifi_reason(*reason))?
            }
            ProvEvent::ThreadDatasetFail { reason } => {
                map.serialize_entry("reason", thread_reason(*reason))?;
            }
            _ => {}
        }
        map.end()
    }
}

fn wifi_reason(reason: WifiFailReason) -> &'static str {
    match reason {
        WifiFailReason::AuthError => "auth_error",
        WifiFailReason::NetworkNotFound => "network_not_found",
    }
}

fn thread_reason(reason: ThreadFailReason) -> &'static str {
    match reason {
        ThreadFailReason::DatasetInvalid => "dataset_invalid",
        ThreadFailReason::NetworkNotFound => "network_not_found",
    }
}

/// A disconnect reason: `{"kind": "auth_failed"}`, `{"kind": "other", "code": 3}`.
struct ReasonJson(DisconnectReason);

impl Serialize for ReasonJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self.0 {
            DisconnectReason::AuthFailed => map.serialize_entry("kind", "auth_failed")?,
            DisconnectReason::NoApFound => map.serialize_entry("kind", "no_ap_found")?,
            DisconnectReason::Other(code) => {
                map.serialize_entry("kind", "other")?;
                map.serialize_entry("code", &code)?;
            }
        }
        map.end()
    }
}
