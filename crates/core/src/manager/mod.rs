//! The provisioning manager (ESP `wifi_prov_mgr` / `network_prov_mgr`, docs/protocol.md §10, §11) as a
//! synchronous, deterministic state machine.
//!
//! Sans-IO: decoded requests, network events and the current time ([`Instant`]) go in;
//! responses, [`Action`]s (connect, scan, persist, emit an event, stop the transport, ...) come
//! out. [`Device`](crate::device::Device) owns a [`Manager`] beside the router and feeds it;
//! the runtime carries out the actions on its radio, storage and transports, sleeps until
//! [`Manager::poll_timeout`] and then calls [`Manager::on_timer`]. Nothing here spawns a task or
//! reads a clock, so every rule is tested with a virtual clock.
//!
//! # Where this differs from ESP, and why
//!
//! * **Credentials are persisted only after the connection succeeded**
//!   ([`BackendOp::PersistWifi`] on `Connected`). ESP writes them to NVS before trying them, so a
//!   wrong password strands the device (§16). For the same reason a ctrl reset in FAIL does not
//!   erase anything on disk: nothing unproven is there.
//! * **No 1 s connect delay.** ESP delays `esp_wifi_connect` by 1 s so the Apply response leaves
//!   before the radio switches channel (SoftAP); our transports do not share the radio, so
//!   [`BackendOp::Connect`] follows the Apply at once.
//! * **No hanging scans.** ESP records scan results only in STARTED and never clears its scanning
//!   flag otherwise, so a blocking ScanStart outside STARTED hangs (§10.6). Here a ScanStart outside
//!   STARTED answers InternalError, and a finished scan always clears the flag. A blocking
//!   ScanStart that finds a scan running waits for it and is answered with its outcome (ESP
//!   answers at once, before any result exists).
//! * **Station events during STOPPING are ignored** (ESP would move the state back to SUCCESS or
//!   FAIL while the teardown is pending).
//! * A ctrl reset / reprov leaves the station state "not connecting yet" (GetStatus: Connecting)
//!   instead of keeping the last failure.
//! * **Reset after a failure by default** ([`ManagerConfig::reset_on_failure`]): what ESP's
//!   `wifi_prov_mgr` example does in its CRED_FAIL handler happens inside the manager, so a
//!   wrong passphrase can be corrected from the stock apps, which never send prov-ctrl. The
//!   failure stays readable by GetStatus until the next Apply.
//!
//! ESP quirks that are kept because clients rely on them are documented at the code.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::messages::{
    config::{ConfigRequest, ConfigResponse},
    ctrl::{CtrlRequest, CtrlResponse},
    NetworkKind, Status,
};

mod config;
mod events;
mod network;
mod scan;
mod thread;
mod wifi;

#[cfg(test)]
mod tests;

pub use config::{
    AutoStop, ManagerConfig, Mode, DEFAULT_AUTO_STOP_TIMEOUT, DEFAULT_CLEANUP_DELAY,
    DEFAULT_THREAD_ATTACH_TIMEOUT, MIN_CLEANUP_DELAY,
};
pub use events::{Action, BackendOp, ProvEvent};
pub use network::{DisconnectReason, NetworkEvent, ScanFailed, ScanResult};
pub use scan::ScanOutcome;

use crate::time::Instant;

/// The manager's state (`wifi_prov_mgr_state_t`, §10.2). Ordered as in ESP, which compares
/// states (`state >= CRED_RECV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProvState {
    /// Not running.
    Idle,
    /// Starting (transient; never observed between calls here).
    Starting,
    /// Waiting for credentials.
    Started,
    /// Credentials received, connecting (Thread: dataset received, attaching).
    CredRecv,
    /// Connecting failed.
    Fail,
    /// Connected.
    Success,
    /// Stop requested; the teardown follows after the cleanup delay.
    Stopping,
}

/// Misuse of the manager by the runtime (not a peer error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagerError {
    /// `start` while running.
    AlreadyRunning,
}

impl fmt::Display for ManagerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagerError::AlreadyRunning => {
                f.write_str("the provisioning manager is already running")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ManagerError {}

/// What the pending stop ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopKind {
    /// `stop_provisioning`: END; session-only mode keeps the transport.
    Stop,
    /// `deinit`: END, the transport goes in every mode, DEINIT.
    Deinit,
}

/// The provisioning manager.
#[derive(Debug)]
pub struct Manager {
    config: ManagerConfig,
    state: ProvState,
    transport_up: bool,
    provisioning_up: bool,
    wifi: wifi::WifiSide,
    thread: thread::ThreadSide,
    scan: scan::ScanSide,
    auto_stop_at: Option<Instant>,
    cleanup: Option<(Instant, StopKind)>,
}

impl Manager {
    /// A new, idle manager and its INIT event.
    pub fn new(config: ManagerConfig) -> (Self, Vec<Action>) {
        let manager = Manager {
            config,
            state: ProvState::Idle,
            transport_up: false,
            provisioning_up: false,
            wifi: wifi::WifiSide::default(),
            thread: thread::ThreadSide::default(),
            scan: scan::ScanSide::default(),
            auto_stop_at: None,
            cleanup: None,
        };
        (manager, vec![Action::Emit(ProvEvent::Init)])
    }

    /// The configuration.
    pub fn config(&self) -> &ManagerConfig {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> ProvState {
        self.state
    }

    /// Whether prov-ctrl / prov-scan / prov-config are being served.
    pub fn provisioning_endpoints_up(&self) -> bool {
        self.provisioning_up
    }

    /// Whether the transport (with prov-session and proto-ver) is up.
    pub fn transport_up(&self) -> bool {
        self.transport_up
    }

    /// Starts provisioning (`start_provisioning`): transport, endpoints, STARTED, START. The RAM
    /// copy of any previous credentials is dropped; nothing on disk changes.
    pub fn start(&mut self, _now: Instant) -> Result<Vec<Action>, ManagerError> {
        if self.state != ProvState::Idle {
            return Err(ManagerError::AlreadyRunning);
        }
        let mut actions = Vec::new();
        if !self.transport_up {
            self.transport_up = true;
            actions.push(Action::StartTransport);
        }
        if self.config.provisioning_offered() {
            self.provisioning_up = true;
            actions.push(Action::RegisterProvisioningEndpoints);
        }
        self.wifi = wifi::WifiSide::default();
        self.thread = thread::ThreadSide::default();
        self.scan = scan::ScanSide::default();
        self.state = ProvState::Started;
        actions.push(Action::Emit(ProvEvent::Start));
        Ok(actions)
    }

    /// Requests a stop (`stop_provisioning`, non-blocking): STOPPING now, the teardown (and END)
    /// after the cleanup delay. A no-op when not running or already stopping.
    pub fn stop(&mut self, now: Instant) -> Vec<Action> {
        self.request_stop(now, StopKind::Stop);
        Vec::new()
    }

    /// Tears everything down (`deinit`): like [`Manager::stop`], but the transport goes in
    /// session-only mode too, and DEINIT follows END. When idle, this happens at once.
    pub fn deinit(&mut self, now: Instant) -> Vec<Action> {
        match self.state {
            ProvState::Idle => {
                let mut actions = Vec::new();
                if core::mem::take(&mut self.transport_up) {
                    actions.push(Action::StopTransport);
                }
                actions.push(Action::Emit(ProvEvent::Deinit));
                actions
            }
            ProvState::Stopping => {
                if let Some((_, kind)) = &mut self.cleanup {
                    *kind = StopKind::Deinit;
                }
                Vec::new()
            }
            _ => {
                self.request_stop(now, StopKind::Deinit);
                Vec::new()
            }
        }
    }

    /// Erases stored network credentials (ESP `reset_provisioning`).
    pub fn reset_provisioning(&mut self) -> Vec<Action> {
        vec![Action::Backend(BackendOp::ForgetCredentials)]
    }

    fn request_stop(&mut self, now: Instant, kind: StopKind) {
        if !(ProvState::Started..=ProvState::Success).contains(&self.state) {
            return;
        }
        self.state = ProvState::Stopping;
        self.auto_stop_at = None;
        self.thread.attach_deadline = None;
        self.scan.free_results();
        self.cleanup = Some((now + self.config.effective_cleanup_delay(), kind));
    }

    /// When [`Manager::on_timer`] wants to be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.auto_stop_at,
            self.cleanup.map(|(at, _)| at),
            self.thread.attach_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the timers that are due at `now`: auto-stop, Thread attach timeout, teardown.
    pub fn on_timer(&mut self, now: Instant) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.thread.attach_deadline.is_some_and(|at| at <= now) {
            actions.extend(self.thread_attach_timed_out(now));
        }
        if self.auto_stop_at.is_some_and(|at| at <= now) {
            self.auto_stop_at = None;
            self.request_stop(now, StopKind::Stop);
        }
        if let Some((at, kind)) = self.cleanup {
            if at <= now {
                self.cleanup = None;
                actions.extend(self.finish_stop(kind));
            }
        }
        actions
    }

    /// The teardown after the cleanup delay (§10.2 stop_provisioning, §11).
    fn finish_stop(&mut self, kind: StopKind) -> Vec<Action> {
        let mut actions = Vec::new();
        if core::mem::take(&mut self.provisioning_up) {
            actions.push(Action::RemoveProvisioningEndpoints);
        }
        let keep_transport = self.config.mode == Mode::SessionOnly && kind == StopKind::Stop;
        if !keep_transport && core::mem::take(&mut self.transport_up) {
            actions.push(Action::StopTransport);
        }
        self.state = ProvState::Idle;
        actions.push(Action::Emit(ProvEvent::End));
        if kind == StopKind::Deinit {
            actions.push(Action::Emit(ProvEvent::Deinit));
        }
        actions
    }

    /// Starts the auto-stop timer after a success, if auto-stop is enabled.
    fn arm_auto_stop(&mut self, now: Instant) {
        if let AutoStop::Enabled { timeout } = self.config.auto_stop {
            self.auto_stop_at = Some(now + timeout);
        }
    }

    /// ESP's `*_done()`: the client saw the success, so stop now if auto-stop is enabled.
    fn done(&mut self, now: Instant) {
        if matches!(self.config.auto_stop, AutoStop::Enabled { .. }) {
            self.request_stop(now, StopKind::Stop);
        }
    }

    /// Whether the provisioning endpoints are served and the state machine runs.
    fn serving(&self) -> bool {
        self.provisioning_up && self.state >= ProvState::Started
    }

    /// Handles a prov-config request.
    pub fn handle_config(
        &mut self,
        request: ConfigRequest,
        now: Instant,
    ) -> (ConfigResponse, Vec<Action>) {
        match request {
            ConfigRequest::GetWifiStatus => self.get_wifi_status(now),
            ConfigRequest::SetWifiConfig(credentials) => (
                ConfigResponse::SetWifiConfig(self.set_wifi_config(credentials)),
                Vec::new(),
            ),
            ConfigRequest::ApplyWifiConfig => {
                let (status, actions) = self.apply_wifi_config(now);
                (ConfigResponse::ApplyWifiConfig(status), actions)
            }
            ConfigRequest::GetThreadStatus => self.get_thread_status(now),
            ConfigRequest::SetThreadDataset(dataset) => (
                ConfigResponse::SetThreadDataset(self.set_thread_dataset(dataset)),
                Vec::new(),
            ),
            ConfigRequest::ApplyThreadConfig => {
                let (status, actions) = self.apply_thread_config(now);
                (ConfigResponse::ApplyThreadConfig(status), actions)
            }
        }
    }

    /// Handles a prov-ctrl request.
    pub fn handle_ctrl(
        &mut self,
        request: CtrlRequest,
        now: Instant,
    ) -> (CtrlResponse, Vec<Action>) {
        let kind = match request {
            CtrlRequest::WifiReset | CtrlRequest::WifiReprov => NetworkKind::Wifi,
            CtrlRequest::ThreadReset | CtrlRequest::ThreadReprov => NetworkKind::Thread,
        };
        let (status, actions) = match self.precheck(kind) {
            Err(status) => (status, Vec::new()),
            Ok(()) => match request {
                CtrlRequest::WifiReset | CtrlRequest::ThreadReset => self.ctrl_reset(),
                CtrlRequest::WifiReprov | CtrlRequest::ThreadReprov => self.ctrl_reprov(now),
            },
        };
        (CtrlResponse { request, status }, actions)
    }

    /// The status for a request about `kind` before its handler runs: InvalidArgument for the
    /// network this device does not provision, InternalError when not serving (as
    /// network_provisioning answers when its manager is not running).
    fn precheck(&self, kind: NetworkKind) -> Result<(), Status> {
        if kind != self.config.network {
            Err(Status::InvalidArgument)
        } else if !self.serving() {
            Err(Status::InternalError)
        } else {
            Ok(())
        }
    }

    /// ctrl reset (`reset_sm_state_on_failure`, network_provisioning ≥ 1.2.2): STARTED → success
    /// no-op that also resets the attempt counter (and, here, forgets a failure the automatic
    /// reset left for GetStatus); FAIL → forget the RAM credentials, stop the radio, STARTED;
    /// otherwise InternalError.
    fn ctrl_reset(&mut self) -> (Status, Vec<Action>) {
        match self.state {
            ProvState::Started => {
                self.wifi.attempts_completed = 0;
                self.wifi.forget_failure();
                self.thread.forget_failure();
                (Status::Success, Vec::new())
            }
            ProvState::Fail => {
                self.clear_attempt();
                self.state = ProvState::Started;
                (
                    Status::Success,
                    vec![Action::Backend(BackendOp::Disconnect)],
                )
            }
            _ => (Status::InternalError, Vec::new()),
        }
    }

    /// ctrl reprov (`reset_sm_state_for_reprovision`): needs auto-stop disabled; any running state
    /// → forget the RAM credentials, leave the network, STARTED, START again. The credentials on
    /// disk stay until new ones are proven.
    fn ctrl_reprov(&mut self, _now: Instant) -> (Status, Vec<Action>) {
        if self.config.auto_stop != AutoStop::Disabled || self.state == ProvState::Stopping {
            return (Status::InternalError, Vec::new());
        }
        self.clear_attempt();
        self.auto_stop_at = None;
        self.state = ProvState::Started;
        (
            Status::Success,
            vec![
                Action::Backend(BackendOp::Disconnect),
                Action::Emit(ProvEvent::Start),
            ],
        )
    }

    fn clear_attempt(&mut self) {
        self.wifi.clear_attempt();
        self.thread.clear_attempt();
    }

    /// The ESP example's `reset_sm_state_on_failure()` on CRED_FAIL / DATASET_FAIL, when
    /// [`ManagerConfig::reset_on_failure`] is on: FAIL → STARTED, the RAM credentials and the
    /// attempt counter are forgotten, and the reported failure stays for GetStatus (ESP's reset
    /// does not touch `wifi_state` / the reason either) until the next Apply. Returns whether it
    /// reset; the caller then stops the radio if an attempt may still be running.
    fn reset_after_failure(&mut self) -> bool {
        if !self.config.reset_on_failure || self.state != ProvState::Fail {
            return false;
        }
        self.wifi.forget_attempt();
        self.thread.forget_attempt();
        self.state = ProvState::Started;
        true
    }

    /// Feeds an event of the network backend.
    pub fn on_network_event(&mut self, event: NetworkEvent, now: Instant) -> Vec<Action> {
        // ESP handles station events only from CRED_RECV on (§10.2); see the module docs for
        // STOPPING.
        if !(ProvState::CredRecv..=ProvState::Success).contains(&self.state) {
            return Vec::new();
        }
        match (self.config.network, event) {
            (NetworkKind::Wifi, NetworkEvent::Connected(info)) => self.wifi_connected(info, now),
            (NetworkKind::Wifi, NetworkEvent::Disconnected { reason }) => {
                self.wifi_disconnected(reason)
            }
            (NetworkKind::Thread, NetworkEvent::ThreadAttached(info)) => {
                self.thread_attached(info, now)
            }
            (NetworkKind::Thread, NetworkEvent::ThreadFailed(reason)) => self.thread_failed(reason),
            _ => Vec::new(),
        }
    }
}
