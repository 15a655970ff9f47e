//! The `--json` document and the manifest report file: JSON twins of the client library's
//! typed reports (quinn's perf binary keeps its JSON beside the typed stats the same way), and
//! the exit code of each error class. The library itself knows nothing of JSON or exit codes.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{json, Value};
use uniprov::client::flow::{Ctrl, CustomReply, NetworkStatus, Networks, Outcome};
use uniprov::client::manifest::{ManifestReport, RowResult};
use uniprov::client::{
    millis, ChoiceSource, ErrorClass, ErrorReport, MissingCredential, Provisioned, Remedy,
    RemoteInfo, Report, SecurityLevel, SecuritySummary, Timings, Warning,
};
use uniprov::core::messages::{
    AuthMode, ThreadAttached, ThreadFailReason, ThreadScanEntry, ThreadStatus, WifiConnected,
    WifiFailReason, WifiScanEntry, WifiStatus,
};

/// The process exit code of an error class (`0` is success and has no class).
pub fn exit_code(class: ErrorClass) -> u8 {
    match class {
        ErrorClass::Other => 1,
        ErrorClass::Usage => 2,
        ErrorClass::Unreachable => 3,
        ErrorClass::AuthFailed => 4,
        ErrorClass::WifiAuth => 5,
        ErrorClass::NetworkNotFound => 6,
        ErrorClass::Timeout => 7,
        ErrorClass::NotOffered => 8,
        ErrorClass::Backoff => 9,
    }
}

/// The exit code a report stands for (0 on success).
pub fn report_exit_code(report: &Report) -> u8 {
    report.error.as_ref().map_or(0, |e| exit_code(e.class))
}

/// The error's message as the CLI words it: a missing credential names its flags.
pub fn error_message(error: &ErrorReport) -> Cow<'_, str> {
    match error.missing_credential {
        Some(MissingCredential::Pop) => {
            "the device uses security 1 with a proof of possession; pass --pop".into()
        }
        Some(MissingCredential::Sec2Username) => {
            "the device uses security 2; pass --sec2_username and --sec2_pwd".into()
        }
        Some(MissingCredential::Sec2Password) => {
            "the device uses security 2; pass --sec2_pwd".into()
        }
        Some(MissingCredential::Network) => {
            "no --ssid given and no terminal to choose a network on".into()
        }
        None => Cow::Borrowed(&error.message),
    }
}

/// The `hint:` line for a remedy, worded with the CLI's commands and flags.
pub fn hint(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::RetryLaterOrCheckSec2User => {
            "wait 30 s and retry; if it persists, check --sec2-username and --sec-ver (`uniprov version` shows what the device offers)"
        }
        Remedy::CheckReachable => {
            "check that the device is in provisioning mode and reachable (--service_name, --transport)"
        }
        Remedy::CheckCredentials => {
            "check --pop or --sec2_username/--sec2_pwd and --sec_ver; `uniprov version` shows what the device offers"
        }
        Remedy::ResetThenProvision => {
            "reset the device's provisioning state with `uniprov ctrl reset` (same connection options), then provision again"
        }
        Remedy::WaitBackoff => {
            "wait the time given, then retry with the right PoP / password (each further failure doubles the wait, up to 30 s by default)"
        }
        Remedy::LongerTimeout => {
            "retry with a larger --timeout; if the device is stuck, run `uniprov ctrl reset`"
        }
        Remedy::ReprovThenProvision => {
            "restart provisioning with `uniprov ctrl reprov` (same connection options), then provision again"
        }
        Remedy::WaitForAttempt => {
            "wait for the attempt to end (`uniprov status`, same connection options); if it fails, `uniprov ctrl reset`"
        }
        Remedy::ResetFailedThenProvision => {
            "run `uniprov ctrl reset` (same connection options), then provision again"
        }
        Remedy::CheckStateThenResetOrReprov => {
            "`uniprov status` tells the device's state: after a failed attempt run `uniprov ctrl reset`, when connected `uniprov ctrl reprov`, then provision again"
        }
        Remedy::CheckEndpoint => {
            "check the endpoint name (`uniprov custom --endpoint NAME`; the ESP examples serve custom-data); a device that restarted or closed an idle session refuses too: retry"
        }
        Remedy::CheckSec2Patch => {
            "the session keys disagree; retry, and check the device's sec_patch_ver with `uniprov version`"
        }
        Remedy::EnableProvisioning => {
            "the device is provisioned already or its firmware has not enabled provisioning on this boot (network_prov_mgr_enable_provisioning(); `uniprov device --enable-provisioning`)"
        }
        Remedy::CheckOffer => "`uniprov version` shows what the device offers",
    }
}

/// A report as JSON, members in the order of the manifest report file.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<RemoteInfoJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security: Option<SecurityJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<WarningJson>,
    phases_ms: TimingsJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson<'a>>,
}

impl<'a> ReportJson<'a> {
    /// The JSON twin of `report`.
    pub fn new(report: &'a Report) -> Self {
        ReportJson {
            ok: report.ok,
            device: report.device.as_ref().map(RemoteInfoJson::new),
            security: report.security.as_ref().map(SecurityJson::new),
            warnings: report.warnings.iter().map(WarningJson::new).collect(),
            phases_ms: TimingsJson(&report.phases),
            result: report.result.as_ref().and_then(outcome_json),
            error: report.error.as_ref().map(ErrorJson::new),
        }
    }
}

#[derive(Serialize)]
struct RemoteInfoJson<'a> {
    prov_ver: Option<&'a str>,
    sec_ver: Option<u32>,
    sec_patch_ver: Option<u32>,
    capabilities: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    apps: Vec<AppJson<'a>>,
}

#[derive(Serialize)]
struct AppJson<'a> {
    label: &'a str,
    ver: &'a str,
    cap: &'a [String],
}

impl<'a> RemoteInfoJson<'a> {
    fn new(info: &'a RemoteInfo) -> Self {
        RemoteInfoJson {
            prov_ver: info.prov_ver.as_deref(),
            sec_ver: info.sec_ver.map(u32::from),
            sec_patch_ver: info.sec_patch_ver,
            capabilities: info.capabilities.iter().map(|c| c.as_str()).collect(),
            apps: info
                .apps
                .iter()
                .map(|a| AppJson {
                    label: &a.label,
                    ver: &a.ver,
                    cap: &a.cap,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct SecurityJson<'a> {
    sec_ver: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    sec_patch_ver: Option<u32>,
    level: &'static str,
    pop: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    source: &'static str,
}

impl<'a> SecurityJson<'a> {
    fn new(s: &'a SecuritySummary) -> Self {
        SecurityJson {
            sec_ver: s.sec_ver.into(),
            sec_patch_ver: s.sec_patch_ver.map(u32::from),
            level: level_name(s.level),
            pop: s.pop,
            username: s.username.as_deref(),
            source: match s.source {
                ChoiceSource::Explicit => "explicit",
                ChoiceSource::SecVer => "sec_ver",
                ChoiceSource::Capabilities => "capabilities",
            },
        }
    }
}

fn level_name(level: SecurityLevel) -> &'static str {
    match level {
        SecurityLevel::Sec0 => "sec0",
        SecurityLevel::Sec1NoPop => "sec1_no_pop",
        SecurityLevel::Sec1Pop => "sec1_pop",
        SecurityLevel::Sec2 => "sec2",
    }
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum WarningJson {
    Downgrade {
        expected: &'static str,
        chosen: &'static str,
    },
    Overridden {
        requested: u32,
        advertised: u32,
    },
    UnknownPatch {
        sec_patch_ver: u32,
    },
}

impl WarningJson {
    fn new(warning: &Warning) -> Self {
        match warning {
            Warning::Downgrade { expected, chosen } => WarningJson::Downgrade {
                expected: level_name(*expected),
                chosen: level_name(*chosen),
            },
            Warning::Overridden {
                requested,
                advertised,
            } => WarningJson::Overridden {
                requested: (*requested).into(),
                advertised: (*advertised).into(),
            },
            Warning::UnknownPatch { sec_patch_ver } => WarningJson::UnknownPatch {
                sec_patch_ver: *sec_patch_ver,
            },
        }
    }
}

/// Phase durations as a JSON object of milliseconds: `{"connect": 1.25, "proto_ver": 3.5}`
/// (serde_json sorts the members).
struct TimingsJson<'a>(&'a Timings);

impl Serialize for TimingsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (phase, took) in self.0.iter() {
            map.serialize_entry(phase.name(), &millis(took))?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    class: &'static str,
    exit_code: u8,
    message: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'static str>,
}

impl<'a> ErrorJson<'a> {
    fn new(error: &'a ErrorReport) -> Self {
        ErrorJson {
            class: error.class.name(),
            exit_code: exit_code(error.class),
            message: error_message(error),
            hint: error.remedy.map(hint),
        }
    }
}

/// A manifest run as JSON (the `--report` file, and the `--json` document's members).
#[derive(Serialize)]
pub struct ManifestJson<'a> {
    ok: bool,
    total: usize,
    succeeded: usize,
    failed: usize,
    devices: Vec<RowJson<'a>>,
}

#[derive(Serialize)]
struct RowJson<'a> {
    line: u64,
    target: &'a str,
    #[serde(flatten)]
    report: ReportJson<'a>,
}

impl<'a> ManifestJson<'a> {
    /// The JSON twin of `report`.
    pub fn new(report: &'a ManifestReport) -> Self {
        ManifestJson {
            ok: report.ok,
            total: report.total,
            succeeded: report.succeeded,
            failed: report.failed,
            devices: report
                .devices
                .iter()
                .map(|row: &RowResult| RowJson {
                    line: row.line,
                    target: &row.target,
                    report: ReportJson::new(&row.report),
                })
                .collect(),
        }
    }
}

/// The `result` member of a report: `None` for `version` (its data is `device`).
pub fn outcome_json(outcome: &Outcome) -> Option<Value> {
    Some(match outcome {
        Outcome::Version => return None,
        Outcome::Provisioned { network, custom } => {
            let mut result = match network {
                Provisioned::Wifi(connected) => wifi_connected_json(connected),
                Provisioned::Thread(attached) => thread_attached_json(attached),
            };
            if let (Some(custom), Some(map)) = (custom, result.as_object_mut()) {
                map.insert("custom".into(), custom_json(custom));
            }
            result
        }
        Outcome::Networks(Networks::Wifi(entries)) => {
            let list: Vec<_> = entries.iter().map(scan_entry_json).collect();
            json!({ "network": "wifi", "entries": list })
        }
        Outcome::Networks(Networks::Thread(entries)) => {
            let list: Vec<_> = entries.iter().map(thread_scan_entry_json).collect();
            json!({ "network": "thread", "entries": list })
        }
        Outcome::Status(NetworkStatus::Wifi(status)) => wifi_status_json(status),
        Outcome::Status(NetworkStatus::Thread(status)) => thread_status_json(status),
        Outcome::Ctrl(Ctrl::Reset) => json!({ "ctrl": "reset" }),
        Outcome::Ctrl(Ctrl::Reprov) => json!({ "ctrl": "reprov" }),
        Outcome::Custom(reply) => custom_json(reply),
    })
}

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
fn thread_scan_entry_json(e: &ThreadScanEntry) -> Value {
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
fn wifi_connected_json(c: &WifiConnected) -> Value {
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
fn thread_attached_json(a: &ThreadAttached) -> Value {
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
fn wifi_status_json(s: &WifiStatus) -> Value {
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
fn thread_status_json(s: &ThreadStatus) -> Value {
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
fn custom_json(reply: &CustomReply) -> Value {
    let response = &reply.response;
    let trimmed = response.strip_suffix(&[0]).unwrap_or(response);
    json!({
        "endpoint": reply.endpoint,
        "response_hex": hex::encode(response),
        "response_text": std::str::from_utf8(trimmed).ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The wording of the two remedies the library's client tests check by kind
    // (`uniprov/tests/it/client_device.rs`): the commands a person runs next.
    #[test]
    fn hints_name_the_commands_to_run() {
        assert!(hint(Remedy::ResetThenProvision).contains("ctrl reset"));
        let state = hint(Remedy::CheckStateThenResetOrReprov);
        assert!(
            state.contains("ctrl reset") && state.contains("ctrl reprov"),
            "{state}"
        );
    }

    #[test]
    fn every_error_class_has_its_documented_exit_code() {
        let table = [
            (ErrorClass::Other, 1),
            (ErrorClass::Usage, 2),
            (ErrorClass::Unreachable, 3),
            (ErrorClass::AuthFailed, 4),
            (ErrorClass::WifiAuth, 5),
            (ErrorClass::NetworkNotFound, 6),
            (ErrorClass::Timeout, 7),
            (ErrorClass::NotOffered, 8),
            (ErrorClass::Backoff, 9),
        ];
        for (class, code) in table {
            assert_eq!(exit_code(class), code, "{class:?}");
        }
    }
}
