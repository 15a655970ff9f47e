//! [`Device`]: one provisioning session with one device, and its typed operations.

use std::time::Duration;

use tokio::time::Instant;

use tracing::{debug, info};
use uniprov_core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov_core::messages::ctrl::{CtrlRequest, CtrlResponse};
use uniprov_core::messages::{
    Status, ThreadAttached, ThreadStatus, WifiConnected, WifiCredentials, WifiStatus,
};
use uniprov_core::proto_ver::VersionInfo;
use uniprov_core::{Entropy, Secret};

use super::error::ClientError;
use super::negotiate::{negotiate, SecurityRequest, SecuritySummary, Warning};
use super::options::{DeviceOptions, NetworkCredentials, TransportKind};
use super::report::{DeviceInfo, Phase, Timings};
use super::session::{Session, VERSION_ENDPOINT};
use super::transport::ClientTransport;
use crate::entropy::OsEntropy;

/// The body of the proto-ver probe. Any non-empty body works (§8); esp_prov sends `---`.
pub const VERSION_PROBE: &[u8] = b"---";

const CONFIG_ENDPOINT: &str = "prov-config";
const CTRL_ENDPOINT: &str = "prov-ctrl";

/// One device: the link, what it said about itself, the chosen security and the time each
/// phase took.
///
/// ```no_run
/// # async fn demo(transport: Box<dyn uniprov::client::transport::ClientTransport>) -> Result<(), uniprov::client::ClientError> {
/// use uniprov::client::{Device, DeviceOptions, SecurityRequest, TransportKind};
/// use uniprov::core::Secret;
///
/// let security = SecurityRequest { pop: Some(Secret::new(b"abcd1234".to_vec())), ..Default::default() };
/// let mut device = Device::connect(transport, TransportKind::Http, security, DeviceOptions::default()).await?;
/// for warning in device.warnings() {
///     eprintln!("warning: {warning}");
/// }
/// device.set_wifi(b"myssid", &Secret::new(b"mypassword".to_vec())).await?;
/// device.apply().await?;
/// let connected = device.wait_connected().await?;
/// println!("joined with address {}", connected.ip4_addr);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Device {
    session: Session,
    kind: TransportKind,
    options: DeviceOptions,
    info: Option<DeviceInfo>,
    security: Option<SecuritySummary>,
    warnings: Vec<Warning>,
    timings: Timings,
}

impl Device {
    /// Wraps an open transport; no request is sent yet.
    pub fn new(
        transport: Box<dyn ClientTransport>,
        kind: TransportKind,
        options: DeviceOptions,
    ) -> Self {
        Device {
            session: Session::new(transport, options.request_timeout),
            kind,
            options,
            info: None,
            security: None,
            warnings: Vec::new(),
            timings: Timings::default(),
        }
    }

    /// Reads proto-ver, negotiates security and runs the handshake with OS randomness.
    pub async fn connect(
        transport: Box<dyn ClientTransport>,
        kind: TransportKind,
        security: SecurityRequest,
        options: DeviceOptions,
    ) -> Result<Self, ClientError> {
        let mut device = Device::new(transport, kind, options);
        device.read_version().await?;
        device.establish(security, &mut OsEntropy).await?;
        Ok(device)
    }

    /// Ends the link (BLE: disconnects, so that the device ends the session and advertises
    /// again). Call it when done, on success and on error; best effort, never fails.
    pub async fn close(&mut self) {
        self.session.close().await;
    }

    /// The link kind.
    pub fn kind(&self) -> TransportKind {
        self.kind
    }

    /// What proto-ver said, once read.
    pub fn info(&self) -> Option<&DeviceInfo> {
        self.info.as_ref()
    }

    /// The negotiated security, once established.
    pub fn security(&self) -> Option<&SecuritySummary> {
        self.security.as_ref()
    }

    /// Negotiation warnings (a downgrade, an overridden scheme). Show them to the person.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Time spent per phase so far.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// Mutable timings, for phases measured outside (opening the transport).
    pub fn timings_mut(&mut self) -> &mut Timings {
        &mut self.timings
    }

    /// Requests proto-ver (body `---`, like esp_prov) and parses it (§8).
    pub async fn read_version(&mut self) -> Result<&DeviceInfo, ClientError> {
        let started = Instant::now();
        let raw = self
            .session
            .raw_request(VERSION_ENDPOINT, VERSION_PROBE)
            .await;
        self.timings.record(Phase::ProtoVer, started.elapsed());
        let info = device_info(&raw?)?;
        debug!(?info, "proto-ver");
        Ok(self.info.insert(info))
    }

    /// Negotiates the security scheme against proto-ver (read first if it was not) and runs
    /// the handshake.
    pub async fn establish<E: Entropy + Send>(
        &mut self,
        request: SecurityRequest,
        entropy: &mut E,
    ) -> Result<&SecuritySummary, ClientError> {
        if self.info.is_none() {
            self.read_version().await?;
        }
        let offer = self
            .info
            .as_ref()
            .map(DeviceInfo::security_offer)
            .unwrap_or_default();
        let negotiated = negotiate(request, &offer)?;
        self.warnings.extend(negotiated.warnings);
        let summary = negotiated.security.summary(negotiated.source);
        info!(sec_ver = summary.sec_ver, source = ?summary.source, "security chosen");
        self.security = Some(summary);
        let started = Instant::now();
        let result = self.session.establish(negotiated.security, entropy).await;
        self.timings.record(Phase::Handshake, started.elapsed());
        result?;
        self.security
            .as_ref()
            .ok_or(ClientError::UnexpectedResponse(CONFIG_ENDPOINT))
    }

    /// Sends `data` to a custom endpoint through the session cipher; returns the decrypted
    /// response.
    pub async fn custom(&mut self, endpoint: &str, data: &[u8]) -> Result<Vec<u8>, ClientError> {
        let started = Instant::now();
        let result = self.session.request(endpoint, data).await;
        self.timings.record(Phase::Custom, started.elapsed());
        result
    }

    /// Sends a raw (encrypted) request to `endpoint` without recording a phase.
    pub async fn request(
        &mut self,
        endpoint: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, ClientError> {
        self.session.request(endpoint, plaintext).await
    }

    async fn config(&mut self, request: ConfigRequest) -> Result<ConfigResponse, ClientError> {
        let bytes = Secret::new(request.encode());
        let response = self
            .session
            .request(CONFIG_ENDPOINT, bytes.expose())
            .await?;
        ConfigResponse::decode(&response).map_err(|source| ClientError::Decode {
            endpoint: CONFIG_ENDPOINT.into(),
            source,
        })
    }

    /// Sends Wi-Fi credentials (SetConfig). They take effect with [`Device::apply`].
    pub async fn set_wifi(
        &mut self,
        ssid: &[u8],
        passphrase: &Secret<Vec<u8>>,
    ) -> Result<(), ClientError> {
        let credentials = NetworkCredentials::Wifi {
            ssid: ssid.to_vec(),
            passphrase: passphrase.duplicate(),
        };
        credentials.validate()?;
        let request = ConfigRequest::SetWifiConfig(WifiCredentials {
            ssid: ssid.to_vec(),
            passphrase: passphrase.duplicate(),
            bssid: Vec::new(),
            channel: 0,
        });
        let started = Instant::now();
        let response = self.config(request).await;
        self.timings.record(Phase::Set, started.elapsed());
        match response? {
            ConfigResponse::SetWifiConfig(Status::Success) => Ok(()),
            ConfigResponse::SetWifiConfig(status) => Err(ClientError::Refused {
                operation: "set config",
                status,
            }),
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// Applies the credentials sent with [`Device::set_wifi`] (ApplyConfig).
    pub async fn apply(&mut self) -> Result<(), ClientError> {
        let started = Instant::now();
        let response = self.config(ConfigRequest::ApplyWifiConfig).await;
        self.timings.record(Phase::Apply, started.elapsed());
        match response? {
            ConfigResponse::ApplyWifiConfig(Status::Success) => Ok(()),
            ConfigResponse::ApplyWifiConfig(status) => Err(ClientError::Refused {
                operation: "apply",
                status,
            }),
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// The Wi-Fi station state (GetStatus).
    pub async fn status(&mut self) -> Result<WifiStatus, ClientError> {
        match self.config(ConfigRequest::GetWifiStatus).await? {
            ConfigResponse::WifiStatus {
                status: Status::Success,
                state,
            } => Ok(state),
            ConfigResponse::WifiStatus { status, .. } => Err(ClientError::Refused {
                operation: "get status",
                status,
            }),
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// Polls the status until the device joined the network, failed, or the connect timeout
    /// passed. The poll interval starts short and grows (200 ms → 1 s by default) instead of
    /// esp_prov's fixed 5 s.
    pub async fn wait_connected(&mut self) -> Result<WifiConnected, ClientError> {
        let started = Instant::now();
        let result = self.poll_wifi(started).await;
        self.timings.record(Phase::Connected, started.elapsed());
        result
    }

    async fn poll_wifi(&mut self, started: Instant) -> Result<WifiConnected, ClientError> {
        let mut delay = self.options.poll_initial;
        loop {
            match self.status().await? {
                WifiStatus::Connected(connected) => return Ok(connected),
                WifiStatus::Failed(reason) => return Err(ClientError::WifiFailed(reason)),
                WifiStatus::Connecting { attempts_remaining } => {
                    debug!(?attempts_remaining, "connecting");
                }
                WifiStatus::Disconnected => debug!("disconnected"),
            }
            delay = pause(
                &self.options,
                started,
                delay,
                "the device to join the Wi-Fi network",
            )
            .await?;
        }
    }

    /// Sends, applies and waits: the whole Wi-Fi or Thread provisioning after the handshake.
    pub async fn provision(
        &mut self,
        credentials: &NetworkCredentials,
    ) -> Result<Provisioned, ClientError> {
        credentials.validate()?;
        match credentials {
            NetworkCredentials::Wifi { ssid, passphrase } => {
                self.set_wifi(ssid, passphrase).await?;
                self.apply().await?;
                Ok(Provisioned::Wifi(self.wait_connected().await?))
            }
            NetworkCredentials::Thread { dataset } => {
                self.set_thread_dataset(dataset).await?;
                self.apply_thread().await?;
                Ok(Provisioned::Thread(self.wait_thread_attached().await?))
            }
        }
    }

    async fn ctrl(&mut self, request: CtrlRequest) -> Result<(), ClientError> {
        let started = Instant::now();
        let response = self.session.request(CTRL_ENDPOINT, &request.encode()).await;
        self.timings.record(Phase::Ctrl, started.elapsed());
        let response = CtrlResponse::decode(&response?).map_err(|source| ClientError::Decode {
            endpoint: CTRL_ENDPOINT.into(),
            source,
        })?;
        if response.request != request {
            return Err(ClientError::UnexpectedResponse(CTRL_ENDPOINT));
        }
        match response.status {
            Status::Success => Ok(()),
            status => Err(ClientError::Refused {
                operation: ctrl_name(request),
                status,
            }),
        }
    }

    /// Resets the provisioning state after a failed attempt so new credentials are accepted
    /// (prov-ctrl reset; ESP-IDF ≥ 5.1). Thread devices get the Thread reset.
    pub async fn ctrl_reset(&mut self) -> Result<(), ClientError> {
        let thread = self.info.as_ref().is_some_and(DeviceInfo::is_thread);
        self.ctrl(if thread {
            CtrlRequest::ThreadReset
        } else {
            CtrlRequest::WifiReset
        })
        .await
    }

    /// Restarts provisioning on a device that finished it (prov-ctrl reprov; needs the device
    /// to have auto-stop disabled).
    pub async fn ctrl_reprov(&mut self) -> Result<(), ClientError> {
        let thread = self.info.as_ref().is_some_and(DeviceInfo::is_thread);
        self.ctrl(if thread {
            CtrlRequest::ThreadReprov
        } else {
            CtrlRequest::WifiReprov
        })
        .await
    }

    /// Sends a Thread operational dataset (SetThreadConfig).
    pub async fn set_thread_dataset(
        &mut self,
        dataset: &Secret<Vec<u8>>,
    ) -> Result<(), ClientError> {
        self.require_capability("thread_prov")?;
        let request = ConfigRequest::SetThreadDataset(dataset.duplicate());
        let started = Instant::now();
        let response = self.config(request).await;
        self.timings.record(Phase::Set, started.elapsed());
        match response? {
            ConfigResponse::SetThreadDataset(Status::Success) => Ok(()),
            ConfigResponse::SetThreadDataset(status) => Err(ClientError::Refused {
                operation: "set thread dataset",
                status,
            }),
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// Applies the Thread dataset (ApplyThreadConfig).
    pub async fn apply_thread(&mut self) -> Result<(), ClientError> {
        let started = Instant::now();
        let response = self.config(ConfigRequest::ApplyThreadConfig).await;
        self.timings.record(Phase::Apply, started.elapsed());
        match response? {
            ConfigResponse::ApplyThreadConfig(Status::Success) => Ok(()),
            ConfigResponse::ApplyThreadConfig(status) => Err(ClientError::Refused {
                operation: "apply thread dataset",
                status,
            }),
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// The Thread attach state (GetThreadStatus).
    pub async fn thread_status(&mut self) -> Result<ThreadStatus, ClientError> {
        match self.config(ConfigRequest::GetThreadStatus).await? {
            ConfigResponse::ThreadStatus {
                status: Status::Success,
                state,
            } => Ok(state),
            ConfigResponse::ThreadStatus { status, .. } => Err(ClientError::Refused {
                operation: "get thread status",
                status,
            }),
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// Polls the Thread status until attached, failed, or the connect timeout passed.
    pub async fn wait_thread_attached(&mut self) -> Result<ThreadAttached, ClientError> {
        let started = Instant::now();
        let result = self.poll_thread(started).await;
        self.timings.record(Phase::Connected, started.elapsed());
        result
    }

    async fn poll_thread(&mut self, started: Instant) -> Result<ThreadAttached, ClientError> {
        let mut delay = self.options.poll_initial;
        loop {
            match self.thread_status().await? {
                ThreadStatus::Attached(attached) => return Ok(attached),
                ThreadStatus::Failed(reason) => return Err(ClientError::ThreadFailed(reason)),
                ThreadStatus::Attaching | ThreadStatus::Detached => {}
            }
            delay = pause(
                &self.options,
                started,
                delay,
                "the device to attach to the Thread network",
            )
            .await?;
        }
    }

    pub(crate) fn require_capability(&self, cap: &'static str) -> Result<(), ClientError> {
        match &self.info {
            Some(info) if !info.has_capability(cap) => Err(ClientError::NotOffered(cap)),
            _ => Ok(()),
        }
    }

    pub(crate) fn options(&self) -> &DeviceOptions {
        &self.options
    }

    pub(crate) fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

/// What provisioning achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisioned {
    /// The device joined the Wi-Fi network.
    Wifi(WifiConnected),
    /// The device attached to the Thread network.
    Thread(ThreadAttached),
}

/// Sleeps `delay` unless that passes the connect deadline; returns the next delay (doubled,
/// capped at `poll_max`).
async fn pause(
    options: &DeviceOptions,
    started: Instant,
    delay: Duration,
    what: &'static str,
) -> Result<Duration, ClientError> {
    let limit = options.connect_timeout;
    if started.elapsed() + delay > limit {
        return Err(ClientError::Timeout {
            phase: what,
            after: limit,
        });
    }
    let next = (delay * 2).min(options.poll_max.max(options.poll_initial));
    tokio::time::sleep(delay).await;
    Ok(next)
}

fn ctrl_name(request: CtrlRequest) -> &'static str {
    match request {
        CtrlRequest::WifiReset | CtrlRequest::ThreadReset => "reset",
        CtrlRequest::WifiReprov | CtrlRequest::ThreadReprov => "reprov",
    }
}

/// Parses a proto-ver response into [`DeviceInfo`].
pub fn device_info(raw: &[u8]) -> Result<DeviceInfo, ClientError> {
    let parsed = VersionInfo::parse(raw).map_err(|e| ClientError::BadVersion(e.to_string()))?;
    Ok(DeviceInfo::from(parsed))
}
