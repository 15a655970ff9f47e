//! [`DeviceBuilder`]: everything ESP lets an application set before `start_provisioning`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use uniprov_core::device::Device;
use uniprov_core::manager::BackendOp;
use uniprov_core::messages::NetworkKind;
use uniprov_core::proto_ver::AppInfo;
use uniprov_core::protocomm::{EndpointKind, Protocomm};
use uniprov_core::security::{generate_sec2_credentials, DeviceSecurity, Sec2Patch};
use uniprov_core::{Entropy, Secret};

use super::actor::Actor;
use super::auth_limit::AuthLimits;
use super::clock::Clock;
use super::handle::{DeviceHandle, Shared};
use super::worker::{backend_worker, Internal, Job};
use super::{endpoint, version, DeviceEvent, EndpointHandler, StartError};
use crate::device::manager::{Action, AutoStop, ManagerConfig, Mode};
use crate::device::network::sim::SimRadio;
use crate::device::network::{NetworkBackend, NetworkEvent};
use crate::device::storage::{StateDir, StorageError, SEC2_SALT_LEN};
use crate::device::transport::{OpenContext, TransportEvent, TransportSpec};
use crate::entropy::{OsEntropy, SharedEntropy};

/// Capacity of the event channel; a subscriber that falls further behind loses the oldest.
const EVENT_CAPACITY: usize = 256;
/// Capacity of the request queue shared by the transports.
const QUEUE_CAPACITY: usize = 64;
/// Default idle-session timeout: long, because a person may sit on the phone app's password
/// screen for minutes between the handshake and the first request (docs/apps.md §3). Before that, a
/// session only goes when the table is full and it is the least recently used one.
pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

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

/// The device's configuration; [`start`](Self::start) runs it.
pub struct DeviceBuilder {
    security: Security,
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
            security: Security::Given(security),
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

    /// A device with security 2 from `username` / `password`, its salt kept in the
    /// [`state_dir`](Self::state_dir) (`sec2.json`), and otherwise as [`new`](Self::new): the
    /// first start draws a salt from the [`entropy`](Self::entropy) and stores it with the
    /// verifier, later starts reuse it, so the verifier only changes when the password does. A
    /// stored salt starting with 0x00, with which the phone apps and esp_prov can never log in,
    /// is replaced with a warning. Without a state directory every start draws a new salt.
    pub fn with_sec2_password(
        username: impl Into<String>,
        password: Secret<String>,
        patch: Sec2Patch,
    ) -> Self {
        let mut builder = Self::new(DeviceSecurity::Sec0);
        builder.security = Security::Sec2Password(Sec2Password {
            username: username.into(),
            password,
            patch,
        });
        builder
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

    /// Where proven credentials (and the salt of
    /// [`with_sec2_password`](Self::with_sec2_password)) are
    /// kept; without one nothing is persisted by the device.
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
    ///
    /// The steps, in order: storage (state directory, stored credentials, the sec2 salt),
    /// router (protocomm and its endpoints), transports (each opens itself), worker (the
    /// backend worker task), actor (the manager started and the device task spawned).
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
        let entropy = SharedEntropy::new(entropy);
        let backend = backend.unwrap_or_else(|| Arc::new(SimRadio::default()));
        let network = manager.network;

        // 1. Storage.
        let storage = Storage::open(state_dir, on_stored, backend.as_ref(), network).await?;
        let security = match security {
            Security::Given(security) => security,
            Security::Sec2Password(sec2) => {
                sec2.security(storage.dir.as_ref(), &mut entropy.clone())?
            }
        };
        let boot = Boot::decide(&mut manager, storage.stored.is_some(), on_stored);
        let offered = boot.run_manager && manager.provisioning_offered();
        let version = version::version_info(&security, network, offered, &apps).to_text();

        // 2. Router.
        let endpoint_names: Vec<String> = endpoints.iter().map(|(n, _)| n.clone()).collect();
        let (protocomm, handlers) = router(security, max_sessions, &version, endpoints)?;

        // 3. Transports.
        let (queue, queue_rx) = mpsc::channel::<TransportEvent>(QUEUE_CAPACITY);
        let (stop_transports, transports_stopped) = watch::channel(false);
        let running = if boot.run_manager {
            let cx = |stop| OpenContext {
                queue: &queue,
                stop,
                max_sessions,
                endpoints: &endpoint_names,
                entropy: &entropy,
            };
            open_transports(specs, transports_stopped, cx).await?
        } else {
            Running::default()
        };

        // 4. Worker.
        let worker = Worker::spawn(Arc::clone(&backend), storage.dir);
        if let Some(credentials) = storage.stored {
            let _ = events.send(DeviceEvent::AlreadyProvisioned { network });
            if boot.connect_stored {
                let _ = worker.ops.send(Job::from(credentials));
            }
        }

        // 5. Actor.
        let clock = Clock::start();
        let (device, actions) = start_device(protocomm, manager, &clock, boot.run_manager);
        let (state_tx, state_rx) = watch::channel(device.state());
        let (finished_tx, finished_rx) = watch::channel(false);
        let (commands, commands_rx) = mpsc::channel(16);
        let shared = Arc::new(Shared {
            events: events.clone(),
            queue: queue.clone(),
            http_addrs: running.http_addrs,
            version,
            mode: device.manager().config().mode,
            network,
        });
        let mut actor = Actor::new(super::actor::Parts {
            device,
            clock,
            backend,
            entropy: Box::new(entropy),
            handlers,
            events,
            state: state_tx,
            ops: worker.ops,
            internal: worker.internal,
            stop_transports,
            transports: running.tasks,
            provisioned: boot.provisioned,
            auth_limits,
            session_idle_timeout,
            max_sessions,
        });
        actor.begin(actions);
        tokio::spawn(actor.run(
            super::actor::Inputs {
                queue: queue_rx,
                commands: commands_rx,
                internal: worker.internal_rx,
                network: worker.network_events,
            },
            worker.task,
            finished_tx,
        ));
        Ok(DeviceHandle::new(commands, shared, state_rx, finished_rx))
    }
}

/// The core's device (router and manager), its manager started when it runs, and its first
/// actions.
fn start_device(
    protocomm: Protocomm,
    config: ManagerConfig,
    clock: &Clock,
    run: bool,
) -> (Device, Vec<Action>) {
    let (mut device, mut actions) = Device::new(protocomm, config);
    if run {
        match device.start(clock.now()) {
            Ok(started) => actions.extend(started),
            Err(error) => tracing::error!(%error, "manager start"),
        }
    }
    (device, actions)
}

/// The device's security, or how to make it at start.
#[derive(Debug)]
enum Security {
    /// As given to [`DeviceBuilder::new`].
    Given(DeviceSecurity),
    /// [`DeviceBuilder::with_sec2_password`].
    Sec2Password(Sec2Password),
}

/// Security 2 from a password, its salt kept in the state directory.
#[derive(Debug)]
struct Sec2Password {
    username: String,
    password: Secret<String>,
    patch: Sec2Patch,
}

impl Sec2Password {
    /// The device's security: salt from `dir` (kept there), or a new one without a directory.
    fn security(
        self,
        dir: Option<&StateDir>,
        entropy: &mut dyn Entropy,
    ) -> Result<DeviceSecurity, StorageError> {
        let username = self.username.as_bytes();
        let password = self.password.expose().as_bytes();
        let credentials = match dir {
            Some(dir) => dir.sec2_credentials(username, password, entropy)?,
            None => generate_sec2_credentials(username, password, SEC2_SALT_LEN, entropy),
        };
        Ok(DeviceSecurity::Sec2 {
            salt: credentials.salt,
            verifier: credentials.verifier,
            patch: self.patch,
        })
    }
}

/// Step 1, storage: the state directory opened, stored credentials forgotten when asked, and
/// the ones left loaded.
struct Storage {
    dir: Option<StateDir>,
    /// The stored credentials for the device's network, as the operation that connects with them.
    stored: Option<BackendOp>,
}

impl Storage {
    async fn open(
        state_dir: Option<PathBuf>,
        on_stored: OnStoredCredentials,
        backend: &dyn NetworkBackend,
        network: NetworkKind,
    ) -> Result<Self, StartError> {
        let dir = state_dir.map(StateDir::open).transpose()?;
        if on_stored == OnStoredCredentials::Forget {
            backend.forget().await?;
            if let Some(dir) = &dir {
                dir.clear_network()?;
            }
        }
        let stored = stored_credentials(dir.as_ref(), network)?;
        Ok(Storage { dir, stored })
    }
}

/// What this start does: provision, or connect with the stored credentials (or both, in
/// session-only mode).
struct Boot {
    /// Credentials were stored.
    provisioned: bool,
    /// The stored credentials are used (and provisioning is not offered).
    connect_stored: bool,
    /// The manager runs (and the transports open).
    run_manager: bool,
}

impl Boot {
    fn decide(
        manager: &mut ManagerConfig,
        provisioned: bool,
        on_stored: OnStoredCredentials,
    ) -> Self {
        let connect_stored = provisioned && on_stored == OnStoredCredentials::Connect;
        if connect_stored {
            // A provisioned boot offers no provisioning; session-only mode keeps its session.
            manager.enable_provisioning = false;
        }
        let run_manager = !connect_stored || manager.mode == Mode::SessionOnly;
        Boot {
            provisioned,
            connect_stored,
            run_manager,
        }
    }
}

/// Step 2, router: the protocomm router with proto-ver, prov-session and the custom endpoints
/// that have a handler, and those handlers.
fn router(
    security: DeviceSecurity,
    max_sessions: usize,
    version: &str,
    endpoints: Vec<(String, Option<EndpointHandler>)>,
) -> Result<(Protocomm, HashMap<String, EndpointHandler>), StartError> {
    let mut protocomm = Protocomm::new(security, max_sessions);
    protocomm.set_version(version.as_bytes().to_vec());
    for (name, kind) in [
        (endpoint::VERSION, EndpointKind::Version),
        (endpoint::SESSION, EndpointKind::Session),
    ] {
        protocomm
            .add_endpoint(name, kind)
            .map_err(|_| StartError::Endpoint(name.into()))?;
    }
    let mut handlers = HashMap::new();
    for (name, handler) in endpoints {
        if let Some(handler) = handler {
            protocomm
                .add_endpoint(&name, EndpointKind::Request)
                .map_err(|_| StartError::Endpoint(name.clone()))?;
            handlers.insert(name, handler);
        }
    }
    Ok((protocomm, handlers))
}

/// The running transports.
#[derive(Default)]
struct Running {
    /// One task per transport; each ends after the stop signal.
    tasks: JoinSet<()>,
    /// The bound HTTP addresses, in the order of the specs.
    http_addrs: Vec<SocketAddr>,
}

/// Step 3, transports: opens every transport (errors surface here, before anything runs) and
/// spawns its task.
async fn open_transports<'a>(
    specs: Vec<TransportSpec>,
    stop: watch::Receiver<bool>,
    cx: impl Fn(watch::Receiver<bool>) -> OpenContext<'a>,
) -> Result<Running, StartError> {
    let mut running = Running::default();
    for spec in specs {
        let opened = spec.open(cx(stop.clone())).await?;
        running.http_addrs.extend(opened.http_addr);
        running.tasks.spawn(opened.task);
    }
    Ok(running)
}

/// Step 4, worker: the backend worker task and the channels to and from it.
struct Worker {
    ops: mpsc::UnboundedSender<Job>,
    internal: mpsc::UnboundedSender<Internal>,
    internal_rx: mpsc::UnboundedReceiver<Internal>,
    network_events: broadcast::Receiver<NetworkEvent>,
    task: JoinHandle<()>,
}

impl Worker {
    fn spawn(backend: Arc<dyn NetworkBackend>, state_dir: Option<StateDir>) -> Self {
        let (ops, ops_rx) = mpsc::unbounded_channel::<Job>();
        let (internal, internal_rx) = mpsc::unbounded_channel::<Internal>();
        // Subscribed before the worker runs: the outcome of connecting with stored
        // credentials can come at once and must not be missed.
        let network_events = backend.subscribe();
        let task = tokio::spawn(backend_worker(backend, state_dir, ops_rx, internal.clone()));
        Worker {
            ops,
            internal,
            internal_rx,
            network_events,
            task,
        }
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
