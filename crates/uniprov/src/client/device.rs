//! [`RemoteDevice`]: one provisioning session with one remote device, and its typed
//! operations. Each operation is timed as a [`Phase`] by one helper, [`RemoteDevice::timed`].

use std::time::Duration;

use super::clock::Instant;

use tracing::{debug, info};
use uniprov_core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov_core::messages::ctrl::{CtrlRequest, CtrlResponse};
use uniprov_core::messages::{
    NetworkKind, Status, ThreadAttached, ThreadStatus, WifiConnected, WifiCredentials, WifiStatus,
};
use uniprov_core::proto_ver::VersionInfo;
use uniprov_core::{Entropy, Secret};

use super::error::ClientError;
use super::flow::{Ctrl, NetworkStatus};
use super::negotiate::{negotiate, SecurityRequest, SecuritySummary, Warning};
use super::options::{ClientOptions, Credentials, NetworkCredentials, TransportKind};
use super::report::{Phase, RemoteInfo, Timings};
use super::session::{Session, VERSION_ENDPOINT};
use super::transport::ClientTransport;

/// The body of the proto-ver probe. Any non-empty body works (§8); esp_prov sends `---`.
pub const VERSION_PROBE: &[u8] = b"---";

const CONFIG_ENDPOINT: &str = "prov-config";
const CTRL_ENDPOINT: &str = "prov-ctrl";

/// One device: the link, what it said about itself, the chosen security and the time each
/// phase took.
///
/// ```no_run
/// # async fn demo(transport: Box<dyn uniprov::client::transport::ClientTransport>) -> Result<(), uniprov::client::ClientError> {
/// use uniprov::client::{ClientOptions, NetworkCredentials, Provisioned, RemoteDevice, SecurityRequest, TransportKind};
/// use uniprov::core::Secret;
/// use uniprov::entropy::OsEntropy;
///
/// let security = SecurityRequest { pop: Some(Secret::new(b"abcd1234".to_vec())), ..Default::default() };
/// let options = ClientOptions::default();
/// let mut device = RemoteDevice::connect(transport, TransportKind::Http, security, options, &mut OsEntropy).await?;
/// for warning in device.warnings() {
///     eprintln!("warning: {warning}");
/// }
/// let credentials = NetworkCredentials::wifi(b"myssid".to_vec(), Secret::new(b"mypassword".to_vec()))?;
/// if let Provisioned::Wifi(connected) = device.provision(&credentials).await? {
///     println!("joined with address {}", connected.ip4_addr);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RemoteDevice {
    session: Session,
    kind: TransportKind,
    options: ClientOptions,
    info: Option<RemoteInfo>,
    security: Option<SecuritySummary>,
    warnings: Vec<Warning>,
    timings: Timings,
}

impl RemoteDevice {
    /// Wraps an open transport; no request is sent yet.
    pub fn new(
        transport: Box<dyn ClientTransport>,
        kind: TransportKind,
        options: ClientOptions,
    ) -> Self {
        RemoteDevice {
            session: Session::new(transport, options.request_timeout),
            kind,
            options,
            info: None,
            security: None,
            warnings: Vec::new(),
            timings: Timings::default(),
        }
    }

    /// Reads proto-ver, negotiates security and runs the handshake with randomness from
    /// `entropy`.
    pub async fn connect<E: Entropy + Send>(
        transport: Box<dyn ClientTransport>,
        kind: TransportKind,
        security: SecurityRequest,
        options: ClientOptions,
        entropy: &mut E,
    ) -> Result<Self, ClientError> {
        let mut device = RemoteDevice::new(transport, kind, options);
        device.read_version().await?;
        device.establish(security, entropy).await?;
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
    pub fn info(&self) -> Option<&RemoteInfo> {
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

    /// The network the device provisions: Thread when proto-ver lists `thread_prov`, else
    /// Wi-Fi.
    pub fn network(&self) -> NetworkKind {
        if self.info.as_ref().is_some_and(RemoteInfo::is_thread) {
            NetworkKind::Thread
        } else {
            NetworkKind::Wifi
        }
    }

    /// Time spent per phase so far.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// Mutable timings, for phases measured outside (opening the transport).
    pub fn timings_mut(&mut self) -> &mut Timings {
        &mut self.timings
    }

    /// Runs `operation` and adds the time it took to `phase`, on success and on error.
    pub(crate) async fn timed<T>(
        &mut self,
        phase: Phase,
        operation: impl AsyncFnOnce(&mut Self) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let started = Instant::now();
        let result = operation(self).await;
        self.timings.record(phase, started.elapsed());
        result
    }

    /// Requests proto-ver (body `---`, like esp_prov) and parses it (§8).
    pub async fn read_version(&mut self) -> Result<&RemoteInfo, ClientError> {
        let raw = self
            .timed(Phase::ProtoVer, async |device: &mut Self| {
                device
                    .session
                    .raw_request(VERSION_ENDPOINT, VERSION_PROBE)
                    .await
            })
            .await?;
        let info = remote_info(&raw)?;
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
            .map(RemoteInfo::security_offer)
            .unwrap_or_default();
        let negotiated = negotiate(request, &offer)?;
        self.warnings.extend(negotiated.warnings);
        let summary = SecuritySummary::new(&negotiated.security, negotiated.source);
        info!(sec_ver = %summary.sec_ver, source = ?summary.source, "security chosen");
        self.security = Some(summary);
        let security = negotiated.security;
        self.timed(Phase::Handshake, async |device: &mut Self| {
            device.session.establish(security, entropy).await
        })
        .await?;
        self.security
            .as_ref()
            .ok_or(ClientError::UnexpectedResponse(CONFIG_ENDPOINT))
    }

    /// Sends `data` to a custom endpoint through the session cipher; returns the decrypted
    /// response.
    pub async fn custom(&mut self, endpoint: &str, data: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.timed(Phase::Custom, async |device: &mut Self| {
            device.session.request(endpoint, data).await
        })
        .await
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

    /// Sends Wi-Fi credentials (SetConfig) or a Thread dataset (SetThreadConfig). They take
    /// effect with [`RemoteDevice::apply`].
    pub async fn set(&mut self, credentials: &NetworkCredentials) -> Result<(), ClientError> {
        let (request, operation) = match credentials.checked() {
            Credentials::Wifi { ssid, passphrase } => (
                ConfigRequest::SetWifiConfig(WifiCredentials {
                    ssid: ssid.clone(),
                    passphrase: passphrase.duplicate(),
                    bssid: Vec::new(),
                    channel: 0,
                }),
                "set config",
            ),
            Credentials::Thread { dataset } => {
                self.require_capability("thread_prov")?;
                (
                    ConfigRequest::SetThreadDataset(dataset.duplicate()),
                    "set thread dataset",
                )
            }
        };
        let response = self
            .timed(Phase::Set, async |device: &mut Self| {
                device.config(request).await
            })
            .await?;
        match response {
            ConfigResponse::SetWifiConfig(Status::Success)
            | ConfigResponse::SetThreadDataset(Status::Success) => Ok(()),
            ConfigResponse::SetWifiConfig(status) | ConfigResponse::SetThreadDataset(status) => {
                Err(ClientError::Refused { operation, status })
            }
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// Applies the credentials sent with [`RemoteDevice::set`] (ApplyConfig or
    /// ApplyThreadConfig).
    pub async fn apply(&mut self, network: NetworkKind) -> Result<(), ClientError> {
        let (request, operation) = match network {
            NetworkKind::Wifi => (ConfigRequest::ApplyWifiConfig, "apply"),
            NetworkKind::Thread => (ConfigRequest::ApplyThreadConfig, "apply thread dataset"),
        };
        let response = self
            .timed(Phase::Apply, async |device: &mut Self| {
                device.config(request).await
            })
            .await?;
        match response {
            ConfigResponse::ApplyWifiConfig(Status::Success)
            | ConfigResponse::ApplyThreadConfig(Status::Success) => Ok(()),
            ConfigResponse::ApplyWifiConfig(status) | ConfigResponse::ApplyThreadConfig(status) => {
                Err(ClientError::Refused { operation, status })
            }
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// The state of the device's network: the Wi-Fi station (GetStatus) or the Thread attach
    /// state (GetThreadStatus), after [`RemoteDevice::network`].
    pub async fn network_status(&mut self) -> Result<NetworkStatus, ClientError> {
        self.status_of(self.network()).await
    }

    async fn status_of(&mut self, network: NetworkKind) -> Result<NetworkStatus, ClientError> {
        let (request, operation) = match network {
            NetworkKind::Wifi => (ConfigRequest::GetWifiStatus, "get status"),
            NetworkKind::Thread => (ConfigRequest::GetThreadStatus, "get thread status"),
        };
        match self.config(request).await? {
            ConfigResponse::WifiStatus {
                status: Status::Success,
                state,
            } => Ok(NetworkStatus::Wifi(state)),
            ConfigResponse::ThreadStatus {
                status: Status::Success,
                state,
            } => Ok(NetworkStatus::Thread(state)),
            ConfigResponse::WifiStatus { status, .. }
            | ConfigResponse::ThreadStatus { status, .. } => {
                Err(ClientError::Refused { operation, status })
            }
            _ => Err(ClientError::UnexpectedResponse(CONFIG_ENDPOINT)),
        }
    }

    /// Polls the status of `network` until the device joined it, failed, or the connect
    /// timeout passed. The poll interval starts short and grows (200 ms → 1 s by default)
    /// instead of esp_prov's fixed 5 s.
    pub async fn wait_joined(&mut self, network: NetworkKind) -> Result<Provisioned, ClientError> {
        self.timed(Phase::Connected, async |device: &mut Self| {
            device.poll_joined(network, Instant::now()).await
        })
        .await
    }

    async fn poll_joined(
        &mut self,
        network: NetworkKind,
        started: Instant,
    ) -> Result<Provisioned, ClientError> {
        let mut delay = self.options.poll_initial;
        let what = match network {
            NetworkKind::Wifi => "the device to join the Wi-Fi network",
            NetworkKind::Thread => "the device to attach to the Thread network",
        };
        loop {
            match self.status_of(network).await? {
                NetworkStatus::Wifi(WifiStatus::Connected(connected)) => {
                    return Ok(Provisioned::Wifi(connected))
                }
                NetworkStatus::Thread(ThreadStatus::Attached(attached)) => {
                    return Ok(Provisioned::Thread(attached))
                }
                NetworkStatus::Wifi(WifiStatus::Failed(reason)) => {
                    return Err(ClientError::WifiFailed(reason))
                }
                NetworkStatus::Thread(ThreadStatus::Failed(reason)) => {
                    return Err(ClientError::ThreadFailed(reason))
                }
                NetworkStatus::Wifi(WifiStatus::Connecting { attempts_remaining }) => {
                    debug!(?attempts_remaining, "connecting");
                }
                NetworkStatus::Wifi(WifiStatus::Disconnected) => debug!("disconnected"),
                NetworkStatus::Thread(ThreadStatus::Attaching | ThreadStatus::Detached) => {}
            }
            delay = pause(&self.options, started, delay, what).await?;
        }
    }

    /// Sends, applies and waits: the whole Wi-Fi or Thread provisioning after the handshake.
    pub async fn provision(
        &mut self,
        credentials: &NetworkCredentials,
    ) -> Result<Provisioned, ClientError> {
        let network = credentials.network();
        self.set(credentials).await?;
        self.apply(network).await?;
        self.wait_joined(network).await
    }

    /// Sends a prov-ctrl command: `reset` after a failed attempt so new credentials are
    /// accepted (ESP-IDF ≥ 5.1), `reprov` to restart provisioning on a device that finished it
    /// (needs auto-stop disabled). Thread devices get the Thread commands.
    pub async fn ctrl(&mut self, command: Ctrl) -> Result<(), ClientError> {
        let request = match (command, self.network()) {
            (Ctrl::Reset, NetworkKind::Wifi) => CtrlRequest::WifiReset,
            (Ctrl::Reset, NetworkKind::Thread) => CtrlRequest::ThreadReset,
            (Ctrl::Reprov, NetworkKind::Wifi) => CtrlRequest::WifiReprov,
            (Ctrl::Reprov, NetworkKind::Thread) => CtrlRequest::ThreadReprov,
        };
        let response = self
            .timed(Phase::Ctrl, async |device: &mut Self| {
                device
                    .session
                    .request(CTRL_ENDPOINT, &request.encode())
                    .await
            })
            .await?;
        let response = CtrlResponse::decode(&response).map_err(|source| ClientError::Decode {
            endpoint: CTRL_ENDPOINT.into(),
            source,
        })?;
        if response.request != request {
            return Err(ClientError::UnexpectedResponse(CTRL_ENDPOINT));
        }
        match response.status {
            Status::Success => Ok(()),
            status => Err(ClientError::Refused {
                operation: command.name(),
                status,
            }),
        }
    }

    pub(crate) fn require_capability(&self, cap: &'static str) -> Result<(), ClientError> {
        match &self.info {
            Some(info) if !info.has_capability(cap) => Err(ClientError::NotOffered(cap)),
            _ => Ok(()),
        }
    }

    pub(crate) fn options(&self) -> &ClientOptions {
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
    options: &ClientOptions,
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
    super::clock::sleep(delay).await;
    Ok(next)
}

/// Parses a proto-ver response into [`RemoteInfo`].
pub fn remote_info(raw: &[u8]) -> Result<RemoteInfo, ClientError> {
    let parsed = VersionInfo::parse(raw).map_err(|e| ClientError::BadVersion(e.to_string()))?;
    Ok(RemoteInfo::from(parsed))
}
