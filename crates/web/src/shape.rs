//! What the page gets back: the library's typed results as plain JavaScript objects
//! (docs/web-api.md), built as JSON and parsed by the browser. Never a secret.

use serde_json::{json, Value};
use uniprov::client::transport::TransportError;
use uniprov::client::{ClientError, Remedy, RemoteInfo, SecuritySummary, Timings};
use uniprov::core::messages::{AuthMode, WifiConnected, WifiFailReason, WifiScanEntry, WifiStatus};
use uniprov::core::qr::QrPayload;
use uniprov::core::security::SecVer;
use wasm_bindgen::JsValue;

/// A JSON value as a JavaScript value.
pub fn to_js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::UNDEFINED)
}

/// proto-ver, as `{ provVer, capabilities, secVer, secPatch }`.
pub fn info(info: &RemoteInfo) -> Value {
    json!({
        "provVer": info.prov_ver,
        "capabilities": info.capabilities.iter().map(|c| c.as_str().to_owned()).collect::<Vec<_>>(),
        "secVer": info.sec_ver.map(sec_ver_number),
        "secPatch": info.sec_patch_ver,
    })
}

/// The negotiated scheme, as `{ secVer, patch }`.
pub fn security(summary: &SecuritySummary) -> Value {
    json!({
        "secVer": sec_ver_number(summary.sec_ver),
        "patch": summary.sec_patch_ver.map(u32::from),
    })
}

fn sec_ver_number(sec_ver: SecVer) -> u32 {
    u32::from(sec_ver)
}

/// Scan results, as `[{ ssid, bssid, channel, rssi, auth }]`.
pub fn networks(entries: &[WifiScanEntry]) -> Value {
    entries
        .iter()
        .map(|entry| {
            json!({
                "ssid": String::from_utf8_lossy(&entry.ssid),
                "bssid": bssid(&entry.bssid),
                "channel": entry.channel,
                "rssi": entry.rssi,
                "auth": auth_name(entry.auth),
            })
        })
        .collect()
}

/// A joined network, as `{ state: "connected", ip }`.
pub fn connected(connected: &WifiConnected) -> Value {
    json!({ "state": "connected", "ip": connected.ip4_addr })
}

/// The station state.
pub fn status(status: &WifiStatus) -> Value {
    match status {
        WifiStatus::Connected(c) => connected(c),
        WifiStatus::Connecting { attempts_remaining } => {
            json!({ "state": "connecting", "attemptsRemaining": attempts_remaining })
        }
        WifiStatus::Disconnected => json!({ "state": "disconnected" }),
        WifiStatus::Failed(reason) => json!({
            "state": "failed",
            "reason": match reason {
                WifiFailReason::AuthError => "auth_error",
                WifiFailReason::NetworkNotFound => "network_not_found",
            },
        }),
    }
}

/// Milliseconds per phase, as `{ proto_ver: 3.1, … }`.
pub fn timings(timings: &Timings) -> Value {
    let map = timings
        .iter()
        .map(|(phase, took)| (phase.name().to_owned(), json!(took.as_secs_f64() * 1000.0)))
        .collect::<serde_json::Map<_, _>>();
    Value::Object(map)
}

/// A QR payload, without the SoftAP passphrase (the page does not join networks).
pub fn qr(payload: &QrPayload) -> Value {
    json!({
        "name": payload.name,
        "transport": payload.transport.as_str(),
        "security": payload.security.map(sec_ver_number),
        "username": payload.username,
        "pop": payload.pop.as_ref().map(|p| p.expose().clone()),
    })
}

/// A failure, as `{ class, message, hint?, retryAfter? }`.
pub fn error(error: &ClientError) -> Value {
    if let ClientError::Transport {
        source: TransportError::LineTooLong { len, max, .. },
        ..
    } = error
    {
        // The library's text names the CLI's option; the page has its own switch.
        return json!({
            "class": error.class().name(),
            "message": format!(
                "a {len}-byte console line does not fit the device's console, which takes at \
                 most {max} bytes per line (an ESP-IDF console: 255, too short for security 2)"
            ),
            "hint": "a uniprov device's console takes longer lines: tick \"Long lines\"; \
                     an ESP32 over its serial console needs security 0 or 1 (use Bluetooth \
                     or its hotspot for security 2)",
        });
    }
    let mut value = json!({
        "class": error.class().name(),
        "message": uniprov::client::error_chain(error),
    });
    if let Some(hint) = error.remedy().map(hint) {
        value["hint"] = json!(hint);
    }
    if let ClientError::Backoff {
        retry_after: Some(wait),
    } = error
    {
        value["retryAfter"] = json!(wait.as_secs_f64());
    }
    value
}

/// A failure the page itself caused or the browser reported, as an error object.
pub fn usage(class: &str, message: &str) -> Value {
    json!({ "class": class, "message": message })
}

/// The page's wording of a remedy (the CLI words them with its flags and commands).
fn hint(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::RetryLaterOrCheckSec2User => {
            "wait 30 s and try again; if it persists, check the username and the security version"
        }
        Remedy::CheckReachable => {
            "check that the device is in provisioning mode and in reach (its hotspot, Bluetooth or cable)"
        }
        Remedy::CheckCredentials => {
            "check the proof of possession or the username and password (printed on the device or its QR code)"
        }
        Remedy::ResetThenProvision | Remedy::ResetFailedThenProvision => {
            "the device keeps its last attempt: send the network again (the page resets the attempt first)"
        }
        Remedy::WaitBackoff => {
            "the device refuses attempts for a while after wrong secrets: wait, then try with the right one"
        }
        Remedy::LongerTimeout => "the device did not answer in time: try again",
        Remedy::ReprovThenProvision => {
            "the device is already connected to a network; restart its provisioning first"
        }
        Remedy::WaitForAttempt => "the device is still trying to connect: wait for it to finish",
        Remedy::CheckStateThenResetOrReprov => {
            "refresh the device's status, then try again"
        }
        Remedy::CheckEndpoint => "the device has no such endpoint, or it restarted: try again",
        Remedy::CheckSec2Patch => {
            "the session keys disagree: try again; the device may run another security 2 version"
        }
        Remedy::EnableProvisioning => {
            "the device is provisioned already or has not enabled provisioning"
        }
        Remedy::CheckOffer => "the device does not offer this",
    }
}

fn bssid(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn auth_name(auth: AuthMode) -> String {
    auth.name()
        .map_or_else(|| format!("unknown_{}", auth.0), str::to_ascii_lowercase)
}
