//! Whole client operations against one device, from opening the transport to the report:
//! what the `uniprov` subcommands and the manifest runner execute.

mod json;

use tokio::time::Instant;

use tracing::{info_span, Instrument};
use uniprov_core::messages::WifiScanEntry;

use super::connect::open;
use super::device::{Device, Provisioned};
use super::error::{ClientError, DeviceState};
use super::negotiate::{SecurityRequest, Warning};
use super::negotiate_offer::offers_provisioning;
use super::options::{DeviceOptions, NetworkCredentials, Target};
use super::report::{Phase, Report};
use crate::entropy::OsEntropy;

pub use json::{scan_entry_json, wifi_status_json};

/// What to do once the session is up.
#[derive(Debug)]
pub enum Action {
    /// Only read proto-ver (no handshake).
    Version,
    /// Send credentials, apply, wait until connected. Without credentials the device scans and
    /// [`Hooks::choose_network`] picks one.
    Provision {
        /// The network; `None` = scan and ask.
        credentials: Option<NetworkCredentials>,
        /// Bytes for the `custom-data` endpoint, sent before the credentials (esp_prov's
        /// `--custom_data`).
        custom_data: Option<Vec<u8>>,
    },
    /// Scan for networks (Wi-Fi, or Thread on a Thread device).
    Scan,
    /// Read the station (or Thread) status.
    Status,
    /// prov-ctrl reset.
    Reset,
    /// prov-ctrl reprov.
    Reprov,
    /// Send bytes to a custom endpoint.
    Custom {
        /// Endpoint name.
        endpoint: String,
        /// Request bytes.
        data: Vec<u8>,
    },
}

/// One job: where, with which security, what.
#[derive(Debug)]
pub struct Job {
    /// The device.
    pub target: Target,
    /// The security the person asked for.
    pub security: SecurityRequest,
    /// Timeouts and tuning.
    pub options: DeviceOptions,
    /// The operation.
    pub action: Action,
    /// Fail unless proto-ver's `prov.ver` is this (esp_prov's `--proto_ver`).
    pub expect_version: Option<String>,
}

/// Callbacks of a running job: progress display and the interactive network choice.
pub trait Hooks: Send {
    /// A phase is about to start.
    fn phase(&mut self, _phase: Phase) {}

    /// Negotiation produced a warning (also recorded in the report).
    fn warning(&mut self, _warning: &Warning) {}

    /// Provisioning without credentials: pick a network from the scan results and return the
    /// credentials, or fail (for example [`ClientError::Usage`] when nobody can be asked).
    fn choose_network(
        &mut self,
        entries: &[WifiScanEntry],
    ) -> Result<NetworkCredentials, ClientError> {
        let _ = entries;
        Err(ClientError::Usage(
            "no --ssid given and no terminal to choose a network on".into(),
        ))
    }
}

/// Hooks that show nothing and cannot ask (manifest rows, `--json`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Hooks for Silent {}

/// Runs a job and reports what happened. Never fails: the error is in the report.
pub async fn run(job: Job, hooks: &mut dyn Hooks) -> Report {
    let span = info_span!("device", target = %job.target);
    let mut report = Report::default();
    let mut device = None;
    let mut outcome = execute(job, hooks, &mut device, &mut report)
        .instrument(span.clone())
        .await;
    if let (Err(error), Some(device)) = (&outcome, &mut device) {
        if let Some(explained) = explain_refusal(error, device).instrument(span).await {
            outcome = Err(explained);
        }
    }
    if let Some(device) = &mut device {
        // Before the report is complete, on every outcome: a BLE link must not outlive us.
        device.close().await;
        report.device = device.info().cloned();
        report.security = device.security().cloned();
        report.warnings = device.warnings().to_vec();
        for (phase, took) in device.timings().iter() {
            report.phases_ms.record(phase, took);
        }
    }
    match outcome {
        Ok(result) => {
            report.ok = true;
            report.result = result;
        }
        Err(error) => report.error = Some((&error).into()),
    }
    report
}

/// A refused provisioning or control request, with the device's state read by a status
/// request, so that the hint names a command that works in that state.
async fn explain_refusal(error: &ClientError, device: &mut Device) -> Option<ClientError> {
    use uniprov_core::messages::{ThreadStatus, WifiStatus};
    let ClientError::Refused { operation, .. } = error else {
        return None;
    };
    let operation = *operation;
    if !matches!(
        operation,
        "set config" | "apply" | "set thread dataset" | "apply thread dataset" | "reset" | "reprov"
    ) {
        return None;
    }
    let state = if device.info().is_some_and(|i| i.is_thread()) {
        match device.thread_status().await.ok()? {
            ThreadStatus::Attached(_) => DeviceState::Connected,
            ThreadStatus::Attaching => DeviceState::Connecting,
            ThreadStatus::Failed(_) => DeviceState::Failed,
            ThreadStatus::Detached => return None,
        }
    } else {
        match device.status().await.ok()? {
            WifiStatus::Connected(_) => DeviceState::Connected,
            WifiStatus::Connecting { .. } => DeviceState::Connecting,
            WifiStatus::Failed(_) => DeviceState::Failed,
            WifiStatus::Disconnected => return None,
        }
    };
    Some(ClientError::WrongState { operation, state })
}

async fn execute(
    job: Job,
    hooks: &mut dyn Hooks,
    slot: &mut Option<Device>,
    report: &mut Report,
) -> Result<Option<serde_json::Value>, ClientError> {
    let Job {
        target,
        security,
        options,
        action,
        expect_version,
    } = job;
    if let Action::Provision {
        credentials: Some(c),
        ..
    } = &action
    {
        c.validate()?;
    }
    hooks.phase(Phase::Connect);
    let started = Instant::now();
    let opened = open(&target, &options).await;
    report.phases_ms.record(Phase::Connect, started.elapsed());
    let device = slot.insert(Device::new(opened?, target.kind(), options));
    hooks.phase(Phase::ProtoVer);
    let info = device.read_version().await?;
    if let Some(expected) = expect_version {
        let found = info.prov_ver.clone().unwrap_or_default();
        if found != expected {
            return Err(ClientError::VersionMismatch { expected, found });
        }
    }
    if matches!(action, Action::Version) {
        return Ok(None);
    }
    if needs_provisioning(&action) && !offers_provisioning(info) {
        return Err(ClientError::ProvisioningNotOffered(
            "its proto-ver lists no provisioning capability (wifi_prov, wifi_scan, thread_prov)"
                .into(),
        ));
    }
    hooks.phase(Phase::Handshake);
    let result = device.establish(security, &mut OsEntropy).await.map(|_| ());
    for warning in device.warnings() {
        hooks.warning(warning);
    }
    result?;
    match action {
        Action::Version => Ok(None),
        Action::Provision {
            credentials,
            custom_data,
        } => provision(device, hooks, credentials, custom_data)
            .await
            .map(Some),
        Action::Scan => {
            hooks.phase(Phase::Scan);
            scan(device).await.map(Some)
        }
        Action::Status => {
            hooks.phase(Phase::Status);
            status(device).await.map(Some)
        }
        Action::Reset => {
            hooks.phase(Phase::Ctrl);
            device.ctrl_reset().await?;
            Ok(Some(serde_json::json!({ "ctrl": "reset" })))
        }
        Action::Reprov => {
            hooks.phase(Phase::Ctrl);
            device.ctrl_reprov().await?;
            Ok(Some(serde_json::json!({ "ctrl": "reprov" })))
        }
        Action::Custom { endpoint, data } => {
            hooks.phase(Phase::Custom);
            let response = device.custom(&endpoint, &data).await?;
            Ok(Some(json::custom_json(&endpoint, &response)))
        }
    }
}

/// Whether `action` needs prov-config, prov-scan or prov-ctrl (§11: a session-only device
/// serves none of them).
fn needs_provisioning(action: &Action) -> bool {
    match action {
        Action::Provision { .. }
        | Action::Scan
        | Action::Status
        | Action::Reset
        | Action::Reprov => true,
        Action::Version | Action::Custom { .. } => false,
    }
}

async fn provision(
    device: &mut Device,
    hooks: &mut dyn Hooks,
    credentials: Option<NetworkCredentials>,
    custom_data: Option<Vec<u8>>,
) -> Result<serde_json::Value, ClientError> {
    let mut custom = None;
    if let Some(data) = custom_data {
        hooks.phase(Phase::Custom);
        let response = device.custom("custom-data", &data).await?;
        custom = Some(json::custom_json("custom-data", &response));
    }
    let credentials = match credentials {
        Some(c) => c,
        None => {
            hooks.phase(Phase::Scan);
            let entries = device.scan_wifi().await?;
            let chosen = hooks.choose_network(&entries)?;
            chosen.validate()?;
            chosen
        }
    };
    hooks.phase(Phase::Set);
    let mut result = match device.provision(&credentials).await? {
        Provisioned::Wifi(connected) => json::wifi_connected_json(&connected),
        Provisioned::Thread(attached) => json::thread_attached_json(&attached),
    };
    if let (Some(custom), Some(map)) = (custom, result.as_object_mut()) {
        map.insert("custom".into(), custom);
    }
    Ok(result)
}

async fn scan(device: &mut Device) -> Result<serde_json::Value, ClientError> {
    if device.info().is_some_and(|i| i.is_thread()) {
        let entries = device.scan_thread().await?;
        let list: Vec<_> = entries.iter().map(json::thread_scan_entry_json).collect();
        Ok(serde_json::json!({ "network": "thread", "entries": list }))
    } else {
        let entries = device.scan_wifi().await?;
        let list: Vec<_> = entries.iter().map(scan_entry_json).collect();
        Ok(serde_json::json!({ "network": "wifi", "entries": list }))
    }
}

async fn status(device: &mut Device) -> Result<serde_json::Value, ClientError> {
    let started = Instant::now();
    let result = if device.info().is_some_and(|i| i.is_thread()) {
        device
            .thread_status()
            .await
            .map(|s| json::thread_status_json(&s))
    } else {
        device.status().await.map(|s| wifi_status_json(&s))
    };
    device
        .timings_mut()
        .record(Phase::Status, started.elapsed());
    result
}
