//! The runner: a [`Job`] from opening its transport to the [`Report`]. Native only: in the
//! browser the page opens the transport and drives [`RemoteDevice`] itself.

use tracing::{info_span, Instrument};
use uniprov_core::Entropy;

use crate::client::clock::Instant;
use crate::client::connect::open;
use crate::client::device::RemoteDevice;
use crate::client::error::{ClientError, DeviceState};
use crate::client::negotiate_offer::offers_provisioning;
use crate::client::report::{Phase, Report};
use crate::client::CUSTOM_DATA_ENDPOINT;

use super::{
    Action, Ctrl, CustomReply, Hooks, Job, NetworkCredentials, NetworkStatus, Networks, Outcome,
};

/// Runs a job and reports what happened. Never fails: the error is in the report. `entropy`
/// feeds the security handshake (the CLI passes [`OsEntropy`](crate::entropy::OsEntropy)).
pub async fn run<E: Entropy + Send>(job: Job, hooks: &mut dyn Hooks, entropy: &mut E) -> Report {
    let span = info_span!("device", target = %job.target);
    let mut report = Report::default();
    let mut device = None;
    let mut outcome = execute(job, hooks, entropy, &mut device, &mut report)
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
            report.phases.record(phase, took);
        }
    }
    match outcome {
        Ok(result) => {
            report.ok = true;
            report.result = Some(result);
        }
        Err(error) => report.error = Some((&error).into()),
    }
    report
}

/// A refused provisioning or control request, with the device's state read by a status
/// request, so that the hint names a command that works in that state.
async fn explain_refusal(error: &ClientError, device: &mut RemoteDevice) -> Option<ClientError> {
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
    let state = match device.network_status().await.ok()? {
        NetworkStatus::Thread(ThreadStatus::Attached(_))
        | NetworkStatus::Wifi(WifiStatus::Connected(_)) => DeviceState::Connected,
        NetworkStatus::Thread(ThreadStatus::Attaching)
        | NetworkStatus::Wifi(WifiStatus::Connecting { .. }) => DeviceState::Connecting,
        NetworkStatus::Thread(ThreadStatus::Failed(_))
        | NetworkStatus::Wifi(WifiStatus::Failed(_)) => DeviceState::Failed,
        NetworkStatus::Thread(ThreadStatus::Detached)
        | NetworkStatus::Wifi(WifiStatus::Disconnected) => return None,
    };
    Some(ClientError::WrongState { operation, state })
}

async fn execute<E: Entropy + Send>(
    job: Job,
    hooks: &mut dyn Hooks,
    entropy: &mut E,
    slot: &mut Option<RemoteDevice>,
    report: &mut Report,
) -> Result<Outcome, ClientError> {
    let Job {
        target,
        security,
        options,
        action,
        expect_version,
    } = job;
    hooks.phase(Phase::Connect);
    let started = Instant::now();
    let opened = open(&target, &options).await;
    report.phases.record(Phase::Connect, started.elapsed());
    let device = slot.insert(RemoteDevice::new(opened?, target.kind(), options));
    hooks.phase(Phase::ProtoVer);
    let info = device.read_version().await?;
    if let Some(expected) = expect_version {
        let found = info.prov_ver.clone().unwrap_or_default();
        if found != expected {
            return Err(ClientError::VersionMismatch { expected, found });
        }
    }
    if matches!(action, Action::Version) {
        return Ok(Outcome::Version);
    }
    if needs_provisioning(&action) && !offers_provisioning(info) {
        return Err(ClientError::ProvisioningNotOffered(
            "its proto-ver lists no provisioning capability (wifi_prov, wifi_scan, thread_prov)"
                .into(),
        ));
    }
    hooks.phase(Phase::Handshake);
    let result = device.establish(security, entropy).await.map(|_| ());
    for warning in device.warnings() {
        hooks.warning(warning);
    }
    result?;
    match action {
        Action::Version => Ok(Outcome::Version),
        Action::Provision {
            credentials,
            custom_data,
        } => provision(device, hooks, credentials, custom_data).await,
        Action::Scan => {
            hooks.phase(Phase::Scan);
            scan(device).await.map(Outcome::Networks)
        }
        Action::Status => {
            hooks.phase(Phase::Status);
            status(device).await.map(Outcome::Status)
        }
        Action::Reset => {
            hooks.phase(Phase::Ctrl);
            device.ctrl(Ctrl::Reset).await?;
            Ok(Outcome::Ctrl(Ctrl::Reset))
        }
        Action::Reprov => {
            hooks.phase(Phase::Ctrl);
            device.ctrl(Ctrl::Reprov).await?;
            Ok(Outcome::Ctrl(Ctrl::Reprov))
        }
        Action::Custom { endpoint, data } => {
            hooks.phase(Phase::Custom);
            let response = device.custom(&endpoint, &data).await?;
            Ok(Outcome::Custom(CustomReply { endpoint, response }))
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
    device: &mut RemoteDevice,
    hooks: &mut dyn Hooks,
    credentials: Option<NetworkCredentials>,
    custom_data: Option<Vec<u8>>,
) -> Result<Outcome, ClientError> {
    let mut custom = None;
    if let Some(data) = custom_data {
        hooks.phase(Phase::Custom);
        let response = device.custom(CUSTOM_DATA_ENDPOINT, &data).await?;
        custom = Some(CustomReply {
            endpoint: CUSTOM_DATA_ENDPOINT.to_owned(),
            response,
        });
    }
    let credentials = match credentials {
        Some(c) => c,
        None => {
            hooks.phase(Phase::Scan);
            let entries = device.scan_wifi().await?;
            hooks.choose_network(&entries)?
        }
    };
    hooks.phase(Phase::Set);
    let network = device.provision(&credentials).await?;
    Ok(Outcome::Provisioned { network, custom })
}

async fn scan(device: &mut RemoteDevice) -> Result<Networks, ClientError> {
    let network = device.network();
    device.scan(network).await
}

async fn status(device: &mut RemoteDevice) -> Result<NetworkStatus, ClientError> {
    device
        .timed(Phase::Status, async |device: &mut RemoteDevice| {
            device.network_status().await
        })
        .await
}
