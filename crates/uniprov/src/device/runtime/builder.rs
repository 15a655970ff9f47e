//! [`DeviceBuilder`]: everything ESP lets an application set before `start_provisioning`;
//! `start.rs` runs it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use uniprov_core::messages::NetworkKind;
use uniprov_core::proto_ver::AppInfo;
use uniprov_core::security::{generate_sec2_credentials, DeviceSecurity, Sec2Patch};
use uniprov_core::{Entropy, Secret};

use super::auth_limit::AuthLimits;
use super::{endpoint, DeviceEvent, EndpointHandler, StartError};
use crate::device::manager::{AutoStop, ManagerConfig, Mode};
use crate::device::network::NetworkBackend;
use crate::device::storage::{StateDir, StorageError, SEC2_SALT_LEN};
use crate::device::transport::TransportSpec;
use crate::entropy::OsEntropy;

/// Capacity of the event channel; a subscriber that falls further behind loses the oldest.
const EVENT_CAPACITY: usize = 256;
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
    pub(super) security: Security,
    pub(super) manager: ManagerConfig,
    pub(super) apps: Vec<AppInfo>,
    pub(super) endpoints: Vec<(String, Option<EndpointHandler>)>,
    pub(super) backend: Option<Arc<dyn NetworkBackend>>,
    pub(super) state_dir: Option<PathBuf>,
    pub(super) max_sessions: usize,
    pub(super) auth_limits: AuthLimits,
    pub(super) session_idle_timeout: Duration,
    pub(super) transports: Vec<TransportSpec>,
    pub(super) on_stored: OnStoredCredentials,
    pub(super) entropy: Box<dyn Entropy + Send>,
    pub(super) events: broadcast::Sender<DeviceEvent>,
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

    pub(super) fn validate(&self) -> Result<(), StartError> {
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
}

/// The device's security, or how to make it at start.
#[derive(Debug)]
pub(super) enum Security {
    /// As given to [`DeviceBuilder::new`].
    Given(DeviceSecurity),
    /// [`DeviceBuilder::with_sec2_password`].
    Sec2Password(Sec2Password),
}

/// Security 2 from a password, its salt kept in the state directory.
#[derive(Debug)]
pub(super) struct Sec2Password {
    username: String,
    password: Secret<String>,
    patch: Sec2Patch,
}

impl Sec2Password {
    /// The device's security: salt from `dir` (kept there), or a new one without a directory.
    pub(super) fn security(
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
