//! What a client operation reports: phase timings, what the device said about itself, the
//! chosen security, warnings, the outcome or the error. Typed data only: the CLI shapes it
//! into text, its `--json` document and the manifest report.

use std::time::Duration;

use uniprov_core::proto_ver::{Capabilities, Capability, VersionInfo};
use uniprov_core::security::SecVer;

use super::error::{ClientError, ErrorClass, MissingCredential, Remedy};
use super::flow::Outcome;
use super::negotiate::{SecuritySummary, Warning};
use super::SecurityOffer;

/// A timed step of a client operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Milliseconds with microsecond resolution.
pub fn millis(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

/// One application's entry in proto-ver (`set_app_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    /// The top-level label.
    pub label: String,
    /// Its version string.
    pub ver: String,
    /// Its capabilities.
    pub cap: Vec<String>,
}

/// What the device's proto-ver response says (§8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteInfo {
    /// `prov.ver` (`"v1.1"`, `"netprov-v1.2"`).
    pub prov_ver: Option<String>,
    /// `prov.sec_ver`; absent on ESP-IDF v4.x.
    pub sec_ver: Option<SecVer>,
    /// `prov.sec_patch_ver`; absent before the March-2025 fix.
    pub sec_patch_ver: Option<u32>,
    /// `prov.cap`.
    pub capabilities: Capabilities,
    /// Application entries, in order.
    pub apps: Vec<AppInfo>,
}

impl From<VersionInfo> for RemoteInfo {
    fn from(v: VersionInfo) -> Self {
        RemoteInfo {
            sec_ver: v.sec_ver,
            capabilities: v.caps,
            prov_ver: Some(v.prov_ver).filter(|s| !s.is_empty()),
            sec_patch_ver: v.sec_patch_ver,
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

impl RemoteInfo {
    /// Whether `prov.cap` lists `cap`.
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities.iter().any(|c| c.as_str() == cap)
    }

    /// The security-relevant part, for [`negotiate`](super::negotiate::negotiate).
    pub fn security_offer(&self) -> SecurityOffer {
        SecurityOffer {
            sec_ver: self.sec_ver,
            sec_patch_ver: self.sec_patch_ver,
            capabilities: self.capabilities.clone(),
        }
    }

    /// Whether the device takes a Thread dataset (network_provisioning Thread build).
    pub fn is_thread(&self) -> bool {
        self.capabilities.contains(&Capability::ThreadProv)
    }
}

/// A failure as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    /// The class (what the CLI's exit code stands for).
    pub class: ErrorClass,
    /// The message.
    pub message: String,
    /// How to recover, when there is a known way (the CLI words it).
    pub remedy: Option<Remedy>,
    /// The credential that was missing, when that was the failure (the CLI words it as the
    /// flag that gives it).
    pub missing_credential: Option<MissingCredential>,
}

impl From<&ClientError> for ErrorReport {
    fn from(error: &ClientError) -> Self {
        ErrorReport {
            class: error.class(),
            message: error_chain(error),
            remedy: error.remedy(),
            missing_credential: match error {
                ClientError::MissingCredential(missing) => Some(*missing),
                _ => None,
            },
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
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Whether the operation succeeded.
    pub ok: bool,
    /// The device's proto-ver information, once read.
    pub device: Option<RemoteInfo>,
    /// The chosen security, once negotiated.
    pub security: Option<SecuritySummary>,
    /// Negotiation warnings.
    pub warnings: Vec<Warning>,
    /// Phase durations.
    pub phases: Timings,
    /// What the operation produced, on success.
    pub result: Option<Outcome>,
    /// The failure, if any.
    pub error: Option<ErrorReport>,
}
