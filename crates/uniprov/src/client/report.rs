//! What a client operation reports: phase timings, what the device said about itself, the
//! chosen security, warnings, the outcome or the error. Serializes to the CLI's `--json`
//! document and to the manifest report.

use std::time::Duration;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use uniprov_core::proto_ver::VersionInfo;

use super::error::{ClientError, ErrorClass};
use super::negotiate::{SecuritySummary, Warning};
use super::SecurityOffer;

/// A timed step of a client operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Opening the transport (BLE scan + connect + discovery; HTTP and console open lazily).
    Connect,
    /// The proto-ver request.
    ProtoVer,
    /// The security handshake.
    Handshake,
    /// A Wi-Fi or Thread scan (start, status, all result pages).
    Scan,
    /// SetConfig (Wi-Fi credentials or Thread dataset).
    Set,
    /// ApplyConfig.
    Apply,
    /// From apply until the device reported connected (or failed).
    Connected,
    /// A prov-ctrl request.
    Ctrl,
    /// A custom-endpoint request.
    Custom,
    /// A status request.
    Status,
}

impl Phase {
    /// The snake-case name used in JSON and in human output.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::ProtoVer => "proto_ver",
            Phase::Handshake => "handshake",
            Phase::Scan => "scan",
            Phase::Set => "set",
            Phase::Apply => "apply",
            Phase::Connected => "connected",
            Phase::Ctrl => "ctrl",
            Phase::Custom => "custom",
            Phase::Status => "status",
        }
    }
}

/// Phase durations in the order the phases ran. A phase that ran twice accumulates.
/// Serializes as a JSON object of milliseconds: `{"connect": 1.25, "proto_ver": 3.5, ...}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings(Vec<(Phase, Duration)>);

impl Timings {
    /// Adds `took` to `phase`.
    pub fn record(&mut self, phase: Phase, took: Duration) {
        match self.0.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, d)) => *d += took,
            None => self.0.push((phase, took)),
        }
    }

    /// The phases in the order they first ran.
    pub fn iter(&self) -> impl Iterator<Item = (Phase, Duration)> + '_ {
        self.0.iter().copied()
    }

    /// The duration of one phase.
    pub fn get(&self, phase: Phase) -> Option<Duration> {
        self.0.iter().find(|(p, _)| *p == phase).map(|(_, d)| *d)
    }

    /// The sum of all phases.
    pub fn total(&self) -> Duration {
        self.0.iter().map(|(_, d)| *d).sum()
    }
}

impl Serialize for Timings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (phase, took) in &self.0 {
            map.serialize_entry(phase.name(), &millis(*took))?;
        }
        map.end()
    }
}

/// Milliseconds with microsecond resolution.
pub fn millis(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

/// One application's entry in proto-ver (`set_app_info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    /// The top-level label.
    pub label: String,
    /// Its version string.
    pub ver: String,
    /// Its capabilities.
    pub cap: Vec<String>,
}

/// What the device's proto-ver response says (§8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    /// `prov.ver` (`"v1.1"`, `"netprov-v1.2"`).
    pub prov_ver: Option<String>,
    /// `prov.sec_ver`; absent on ESP-IDF v4.x.
    pub sec_ver: Option<u32>,
    /// `prov.sec_patch_ver`; absent before the March-2025 fix.
    pub sec_patch_ver: Option<u32>,
    /// `prov.cap`.
    pub capabilities: Vec<String>,
    /// Application entries, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<AppInfo>,
}

impl From<VersionInfo> for DeviceInfo {
    fn from(v: VersionInfo) -> Self {
        DeviceInfo {
            prov_ver: Some(v.prov_ver).filter(|s| !s.is_empty()),
            sec_ver: v.sec_ver,
            sec_patch_ver: v.sec_patch_ver,
            capabilities: v.caps,
            apps: v
                .apps
                .into_iter()
                .map(|a| AppInfo {
                    label: a.label,
                    ver: a.ver,
                    cap: a.cap,
                })
                .collect(),
        }
    }
}

impl DeviceInfo {
    /// Whether `prov.cap` lists `cap`.
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities.iter().any(|c| c == cap)
    }

    /// The security-relevant part, for [`negotiate`](super::negotiate::negotiate).
    pub fn security_offer(&self) -> SecurityOffer {
        SecurityOffer {
            sec_ver: self.sec_ver,
            sec_patch_ver: self.sec_patch_ver,
            no_sec: self.has_capability("no_sec"),
            no_pop: self.has_capability("no_pop"),
        }
    }

    /// Whether the device takes a Thread dataset (network_provisioning Thread build).
    pub fn is_thread(&self) -> bool {
        self.has_capability("thread_prov")
    }
}

/// A failure as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorReport {
    /// The class (`"auth_failed"`).
    pub class: ErrorClass,
    /// The exit code of the class.
    pub exit_code: u8,
    /// The message.
    pub message: String,
    /// How to recover, when there is a known way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'static str>,
}

impl From<&ClientError> for ErrorReport {
    fn from(error: &ClientError) -> Self {
        let class = error.class();
        ErrorReport {
            class,
            exit_code: class.exit_code(),
            message: error_chain(error),
            hint: error.hint(),
        }
    }
}

/// The error's message followed by its sources, `": "`-separated, without repeats.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

/// The record of one client operation against one device.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Whether the operation succeeded.
    pub ok: bool,
    /// The device's proto-ver information, once read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceInfo>,
    /// The chosen security, once negotiated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<SecuritySummary>,
    /// Negotiation warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// Phase durations in milliseconds.
    pub phases_ms: Timings,
    /// The operation's result (shape depends on the operation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// The failure, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

impl Report {
    /// The exit code this report stands for (0 on success).
    pub fn exit_code(&self) -> u8 {
        self.error.as_ref().map_or(0, |e| e.exit_code)
    }
}
