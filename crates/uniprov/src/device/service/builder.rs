//! [`DeviceBuilder`]: everything ESP lets an application set before `start_provisioning`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};
use uniprov_core::device::Device;
use uniprov_core::manager::BackendOp;
use uniprov_core::messages::NetworkKind;
use uniprov_core::proto_ver::AppInfo;
use uniprov_core::protocomm::{EndpointKind, Protocomm};
use uniprov_core::security::DeviceSecurity;
use uniprov_core::Entropy;

use super::actor::{Actor, Internal};
use super::auth_limit::AuthLimits;
use super::clock::Clock;
use super::effects::{backend_worker, Job};
use super::handle::{DeviceHandle, Shared};
use super::{endpoint, transports, version, DeviceEvent, EndpointHandler};
use crate::device::manager::{AutoStop, ManagerConfig, Mode};
use crate::device::network::sim::SimRadio;
use crate::device::network::{NetworkBackend, NetworkError};
use crate::device::storage::{StateDir, StorageError};
use crate::device::transport::{ConsoleConfig, HttpConfig, TransportEvent};
use crate::entropy::OsEntropy;

/// Capacity of the event channel; a subscriber that falls further behind loses the oldest.
const EVENT_CAPACITY: usize = 256;
/// Capacity of the request queue shared by the transports.
const QUEUE_CAPACITY: usize = 64;
/// Default idle-session timeout: long, because a person may sit on the phone app's password
/// screen for minutes between the handshake and the first request (docs/apps.md §3). Before that, a
/// session only goes when the table is full and it is the least recently used one.
pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// A transport the device serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TransportSpec {
    /// An HTTP server (§9.1). Its `max_tracked_sessions` is set to the device's
    /// [`DeviceBuilder::max_sessions`].
    Http(HttpConfig),
    /// A console (§9.3).
    Console {
        /// Line limit and echo.
        config: ConsoleConfig,
        /// Where the console lines come from.
        io: ConsoleIo,
    },
    /// A BLE GATT server over BlueZ (§9.2). Its custom endpoints are the device's declared
    /// endpoints (whatever the config lists is replaced), in declaration order.
    #[cfg(all(target_os = "linux", feature = "ble"))]
    Ble(crate::device::transport::ble::BleConfig),
}

/// Where a console transport reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleIo {
    /// This process's standard input and output (nothing else may write to stdout).
    Stdio,
    /// A serial port, 8N1.
    Serial {
        /// Device path (`/dev/ttyUSB0`).
        path: String,
        /// Baud rate.
        baud: u32,
    },
}

/// What to do at start when the state directory holds proven credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnStoredCredentials {
    /// Connect with them and do not provision (ESP examples: `is_provisioned` → skip
    /// provisioning). Session-only mode still starts the session, without provisioning.
    #[default]
    Connect,
    /// Provision anyway; the stored credentials stay until new ones are proven.
    Provision,
    /// Forget them (ESP `reset_provisioning`), then provision.
    Forget,
}

/// Why the device did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The state directory could not be opened or read.
    #[error("state directory: {0}")]
    Storage(#[from] StorageError),
    /// The network backend failed (forgetting credentials).
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// A transport could not be opened.
    #[error("cannot open {target}: {source}")]
    Transport {
        /// The address or port.
        target: String,
        /// Why.
        source: std::io::Error,
    },
    /// A custom endpoint name is empty, reserved or given twice.
    #[error("invalid custom endpoint name {0:?}")]
    Endpoint(String),
    /// An application label is empty, `"prov"` or given twice (§8).
    #[error("invalid app info label {0:?}")]
    AppInfo(String),
}

/// The device's configuration; [`start`](Self::start) runs it.
pub struct DeviceBuilder {
    security: DeviceSecurity,
    manager: ManagerConfig,
    apps: Vec<AppInfo>,
    endpoints: Vec<(String, Option<EndpointHandler>)>,
    backend: Option<Arc<dyn NetworkBackend>>,
    state_dir: Option<PathBuf>,
    max_sessions: usize,
    auth_limits: AuthLimits,
    session_idle_timeout: Duration,
    transports: Vec<TransportSpec>,
    on_stored: OnStoredCredentials,
    entropy: Box<dyn Entropy + Send>,
    events: broadcast::Sender<DeviceEvent>,
}

impl std::fmt::Debug for DeviceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceBuilder")
            .field("security", &self.security)
            .field("manager", &self.manager)
            .field("apps", &self.apps)
            .field("transports", &self.transports)
            .field("max_sessions", &self.max_sessions)
            .field("auth_limits", &self.auth_limits)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .finish_non_exhaustive()
    }
}

impl DeviceBuilder {
    /// A device with `security` and ESP's defaults: Wi-Fi, full mode, auto-stop 30 s after
    /// success, cleanup delay 1 s, 16 scan entries, 16 sessions, the simulated radio, no
    /// transport, no state directory (nothing persisted); plus the hardening defaults:
    /// [`AuthLimits::default`] and a 15-minute idle-session timeout. After a failed attempt
    /// the state machine resets itself ([`reset_on_failure`](Self::reset_on_failure)), as
    /// ESP-IDF's example does.
    pub fn new(security: DeviceSecurity) -> Self {
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        DeviceBuilder {
            security,
            manager: ManagerConfig::default(),
            apps: Vec::new(),
            endpoints: Vec::new(),
            backend: None,
            state_dir: None,
            max_sessions: 16,
            auth_limits: AuthLimits::default(),
            session_idle_timeout: DEFAULT_SESSION_IDLE_TIMEOUT,
            transports: Vec::new(),
            on_stored: OnStoredCredentials::default(),
            entropy: Box::new(OsEntropy),
            events,
        }
    }

    /// The whole manager configuration at once.
    pub fn manager_config(mut self, config: ManagerConfig) -> Self {
        self.manager = config;
        self
    }

    /// Which network the device provisions.
    pub fn network(mut self, network: NetworkKind) -> Self {
        self.manager.network = network;
        self
    }

    /// Full or session-only mode (§11).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.manager.mode = mode;
        self
    }

    /// Session-only mode: offer provisioning this run (`enable_provisioning`).
    pub fn enable_provisioning(mut self) -> Self {
        self.manager.enable_provisioning = true;
        self
    }

    /// Auto-stop after success (§10.5).
    pub fn auto_stop(mut self, auto_stop: AutoStop) -> Self {
        self.manager.auto_stop = auto_stop;
        self
    }

    /// `disable_auto_stop(cleanup_delay)`: only an explicit stop ends the service.
    pub fn disable_auto_stop(mut self, cleanup_delay: Duration) -> Self {
        self.manager.auto_stop = AutoStop::Disabled;
        self.manager.cleanup_delay = cleanup_delay;
        self
    }

    /// Time between a stop and the transport teardown (at least 100 ms are used).
    pub fn cleanup_delay(mut self, delay: Duration) -> Self {
        self.manager.cleanup_delay = delay;
        self
    }

    /// Cap of the scan result list (1-255).
    pub fn scan_max_entries(mut self, max: u8) -> Self {
        self.manager.scan_max_entries = max;
        self
    }

    /// Connection attempts before a failure is reported (0: ESP legacy, §10.3).
    pub fn wifi_conn_attempts(mut self, attempts: u32) -> Self {
        self.manager.wifi_conn_attempts = attempts;
        self
    }

    /// Whether the state machine goes back to STARTED by itself once a failure is reported
    /// (default `true`, ESP's example with `CONFIG_EXAMPLE_RESET_PROV_MGR_ON_FAILURE`): the
    /// status still reads the failure, and the next SetConfig + Apply is accepted without a
    /// ctrl reset, which the phone apps never send. `false`: ESP's manager rule, FAIL until
    /// ctrl reset ([`DeviceHandle::reset_on_failure`] does it from the application).
    pub fn reset_on_failure(mut self, enabled: bool) -> Self {
        self.manager.reset_on_failure = enabled;
        self
    }

    /// `set_app_info`: an application entry of the proto-ver text, in call order.
    pub fn app_info(mut self, app: AppInfo) -> Self {
        self.apps.push(app);
        self
    }

    /// `endpoint_create` (+ `endpoint_register` when `handler` is given): declares a custom
    /// endpoint; without a handler its requests are refused until
    /// [`DeviceHandle::register_endpoint`].
    pub fn endpoint(mut self, name: &str, handler: Option<EndpointHandler>) -> Self {
        self.endpoints.push((name.to_string(), handler));
        self
    }

    /// The network backend (default: the simulated radio with its built-in world).
    pub fn backend(mut self, backend: Arc<dyn NetworkBackend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Where proven credentials are kept; without one nothing is persisted by the device.
    pub fn state_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(path.into());
        self
    }

    /// Concurrent protocomm sessions (ESP: 1; the least recently used one is evicted).
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max.max(1);
        self
    }

    /// Online guessing limits for the handshake (default [`AuthLimits::default`]: backoff
    /// after 5 failures per peer or 20 overall, 1 s doubling up to 30 s).
    pub fn auth_limits(mut self, limits: AuthLimits) -> Self {
        self.auth_limits = limits;
        self
    }

    /// Sessions unused for this long are closed (default 15 minutes, see
    /// [`DEFAULT_SESSION_IDLE_TIMEOUT`]; at least 1 s is used). A full session table evicts the
    /// least recently used session earlier, whatever this says.
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.session_idle_timeout = timeout.max(Duration::from_secs(1));
        self
    }

    /// Adds a transport; several transports share the one manager.
    pub fn transport(mut self, transport: TransportSpec) -> Self {
        self.transports.push(transport);
        self
    }

    /// What to do with stored credentials at start.
    pub fn on_stored_credentials(mut self, policy: OnStoredCredentials) -> Self {
        self.on_stored = policy;
        self
    }

    /// The randomness for handshakes (default: the OS generator).
    pub fn entropy(mut self, entropy: Box<dyn Entropy + Send>) -> Self {
        self.entropy = entropy;
        self
    }

    /// A receiver of every event from the very first (INIT, START).
    pub fn subscribe(&self) -> broadcast::Receiver<DeviceEvent> {
        self.events.subscribe()
    }

    fn validate(&self) -> Result<(), StartError> {
        for (i, (name, _)) in self.endpoints.iter().enumerate() {
            let duplicate = self.endpoints[..i].iter().any(|(n, _)| n == name);
            if name.is_empty() || endpoint::is_reserved(name) || duplicate {
                return Err(StartError::Endpoint(name.clone()));
            }
        }
        for (i, app) in self.apps.iter().enumerate() {
            let duplicate = self.apps[..i].iter().any(|a| a.label == app.label);
            if app.label.is_empty() || app.label == "prov" || duplicate {
                return Err(StartError::AppInfo(app.label.clone()));
            }
        }
        Ok(())
    }

    /// Starts the device (ESP `start_provisioning`, or a plain connect when already
    /// provisioned): opens the transports, then runs the device task.
    pub async fn start(self) -> Result<DeviceHandle, StartError> {
        self.validate()?;
        let DeviceBuilder {
            security,
            mut manager,
            apps,
            endpoints,
            backend,
            state_dir,
            max_sessions,
            auth_limits,
            session_idle_timeout,
            transports: specs,
            on_stored,
            entropy,
            events,
        } = self;
        let backend = backend.unwrap_or_else(|| Arc::new(SimRadio::default()));
        let state_dir = state_dir.map(StateDir::open).transpose()?;
        let network = manager.network;

        if on_stored == OnStoredCredentials::Forget {
            backend.forget().await?;
            if let Some(dir) = &state_dir {
                dir.clear_network()?;
            }
        }
        let stored = stored_credentials(state_dir.as_ref(), network)?;
        let provisioned = stored.is_some();
        let connect_stored = provisioned && on_stored == OnStoredCredentials::Connect;
        if connect_stored {
            // A provisioned boot offers no provisioning; session-only mode keeps its session.
            manager.enable_provisioning = false;
        }
        let run_manager = !connect_stored || manager.mode == Mode::SessionOnly;
        let offered = run_manager && manager.provisioning_offered();
        let version = version::version_info(&security, network, offered, &apps).to_text();

        let mut protocomm = Protocomm::new(security, max_sessions);
        protocomm.set_version(version.clone().into_bytes());
        for (name, kind) in [
            (endpoint::VERSION, EndpointKind::Version),
            (endpoint::SESSION, EndpointKind::Session),
        ] {
            protocomm
                .add_endpoint(name, kind)
                .map_err(|_| StartError::Endpoint(name.into()))?;
        }
        let endpoint_names: Vec<String> = endpoints.iter().map(|(n, _)| n.clone()).collect();
        let mut handlers = std::collections::HashMap::new();
        for (name, handler) in endpoints {
            if let Some(handler) = handler {
                protocomm
                    .add_endpoint(&name, EndpointKind::Request)
                    .map_err(|_| StartError::Endpoint(name.clone()))?;
                handlers.insert(name, handler);
            }
        }

        let (queue, queue_rx) = mpsc::channel::<TransportEvent>(QUEUE_CAPACITY);
        let (stop_transports, transports_stopped) = watch::channel(false);
        let running = if run_manager {
            transports::start(
                specs,
                &endpoint_names,
                &queue,
                transports_stopped,
                max_sessions,
            )
            .await?
        } else {
            transports::Running::default()
        };

        let clock = Clock::start();
        let (mut device, mut actions) = Device::new(protocomm, manager);
        let (ops, ops_rx) = mpsc::unbounded_channel::<Job>();
        let (internal, internal_rx) = mpsc::unbounded_channel::<Internal>();
        // Subscribed before the worker runs: the outcome of connecting with stored
        // credentials can come at once and must not be missed.
        let network_events = backend.subscribe();
        let worker = tokio::spawn(backend_worker(
            Arc::clone(&backend),
            state_dir,
            ops_rx,
            internal.clone(),
        ));
        if let Some(credentials) = stored {
            let _ = events.send(DeviceEvent::AlreadyProvisioned { network });
            if connect_stored {
                let _ = ops.send(Job::from(credentials));
            }
        }
        if run_manager {
            match device.start(clock.now()) {
                Ok(started) => actions.extend(started),
                Err(error) => tracing::error!(%error, "manager start"),
            }
        }
        let (state_tx, state_rx) = watch::channel(device.state());
        let (finished_tx, finished_rx) = watch::channel(false);
        let (commands, commands_rx) = mpsc::channel(16);
        let shared = Arc::new(Shared {
            events: events.clone(),
            queue: queue.clone(),
            http_addrs: running.http_addrs.clone(),
            version,
            mode: device.manager().config().mode,
            network,
        });
        let mut actor = Actor::new(super::actor::Parts {
            device,
            clock,
            backend,
            entropy,
            handlers,
            events,
            state: state_tx,
            ops,
            internal,
            stop_transports,
            transports: running.tasks,
            provisioned,
            auth_limits,
            session_idle_timeout,
            max_sessions,
        });
        actor.begin(actions);
        tokio::spawn(actor.run(
            super::actor::Inputs {
                queue: queue_rx,
                commands: commands_rx,
                internal: internal_rx,
                network: network_events,
            },
            worker,
            finished_tx,
        ));
        Ok(DeviceHandle::new(commands, shared, state_rx, finished_rx))
    }
}

/// The stored credentials for `network` as the backend operation that connects with them.
fn stored_credentials(
    dir: Option<&StateDir>,
    network: NetworkKind,
) -> Result<Option<BackendOp>, StorageError> {
    let Some(dir) = dir else { return Ok(None) };
    Ok(match network {
        NetworkKind::Wifi => dir.load_wifi()?.map(|w| {
            BackendOp::Connect(uniprov_core::messages::WifiCredentials {
                ssid: w.ssid,
                passphrase: w.passphrase,
                bssid: Vec::new(),
                channel: 0,
            })
        }),
        NetworkKind::Thread => dir
            .load_thread()?
            .map(|t| BackendOp::AttachThread(t.dataset)),
    })
}
