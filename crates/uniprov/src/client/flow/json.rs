//! JSON shapes of operation results (the `result` member of a report).

use serde_json::{json, Value};
use uniprov_core::messages::{
    AuthMode, ThreadAttached, ThreadFailReason, ThreadScanEntry, ThreadStatus, WifiConnected,
    WifiFailReason, WifiScanEntry, WifiStatus,
};

/// SSID bytes as text; invalid UTF-8 is replaced, so also give the hex when it is not text.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mac(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn auth(mode: AuthMode) -> Value {
    match mode.name() {
        Some(name) => json!(name),
        None => json!(mode.0),
    }
}

/// A Wi-Fi scan entry.
pub fn scan_entry_json(e: &WifiScanEntry) -> Value {
    json!({
        "ssid": text(&e.ssid),
        "bssid": mac(&e.bssid),
        "channel": e.channel,
        "rssi": e.rssi,
        "auth": auth(e.auth),
    })
}

/// A Thread scan entry.
pub fn thread_scan_entry_json(e: &ThreadScanEntry) -> Value {
    json!({
        "network_name": e.network_name,
        "pan_id": e.pan_id,
        "ext_pan_id": hex::encode(&e.ext_pan_id),
        "ext_addr": hex::encode(&e.ext_addr),
        "channel": e.channel,
        "rssi": e.rssi,
        "lqi": e.lqi,
    })
}

/// The details of a joined Wi-Fi network.
pub fn wifi_connected_json(c: &WifiConnected) -> Value {
    json!({
        "network": "wifi",
        "state": "connected",
        "ssid": text(&c.ssid),
        "ip4_addr": c.ip4_addr,
        "bssid": mac(&c.bssid),
        "channel": c.channel,
        "auth": auth(c.auth_mode),
    })
}

/// The details of an attached Thread network.
pub fn thread_attached_json(a: &ThreadAttached) -> Value {
    json!({
        "network": "thread",
        "state": "attached",
        "name": a.name,
        "pan_id": a.pan_id,
        "ext_pan_id": hex::encode(&a.ext_pan_id),
        "channel": a.channel,
    })
}

/// A Wi-Fi station state.
pub fn wifi_status_json(s: &WifiStatus) -> Value {
    match s {
        WifiStatus::Connected(c) => wifi_connected_json(c),
        WifiStatus::Connecting { attempts_remaining } => {
            json!({ "network": "wifi", "state": "connecting", "attempts_remaining": attempts_remaining })
        }
        WifiStatus::Disconnected => json!({ "network": "wifi", "state": "disconnected" }),
        WifiStatus::Failed(reason) => json!({
            "network": "wifi",
            "state": "failed",
            "reason": match reason {
                WifiFailReason::AuthError => "auth_error",
                WifiFailReason::NetworkNotFound => "network_not_found",
            },
        }),
    }
}

/// A Thread attach state.
pub fn thread_status_json(s: &ThreadStatus) -> Value {
    match s {
        ThreadStatus::Attached(a) => thread_attached_json(a),
        ThreadStatus::Attaching => json!({ "network": "thread", "state": "attaching" }),
        ThreadStatus::Detached => json!({ "network": "thread", "state": "detached" }),
        ThreadStatus::Failed(reason) => json!({
            "network": "thread",
            "state": "failed",
            "reason": match reason {
                ThreadFailReason::DatasetInvalid => "dataset_invalid",
                ThreadFailReason::NetworkNotFound => "network_not_found",
            },
        }),
    }
}

/// A custom endpoint's response: hex always, text when it is UTF-8 (trailing NULs dropped,
/// the examples answer `"SUCCESS\0"`).
pub fn custom_json(endpoint: &str, response: &[u8]) -> Value {
    let trimmed = response.strip_suffix(&[0]).unwrap_or(response);
    json!({
        "endpoint": endpoint,
        "response_hex": hex::encode(response),
        "response_text": std::str::from_utf8(trimmed).ok(),
    })
}
