//! The device side of the protocol as one object: the protocomm router and the provisioning
//! manager behind one request call (docs/protocol.md §1, §3, §10, §11).
//!
//! [`Device`] takes a request's bytes and answers with bytes and [`Action`]s: routing,
//! decryption, decoding, the manager's rules, encoding and encryption all happen inside one
//! [`Device::handle_request`]. The runtime keeps only IO: it admits requests, carries out the
//! actions (radio, storage, transports), runs the timers and scans, and calls the
//! application's handlers of custom endpoints.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::entropy::Entropy;
use crate::manager::Manager;
use crate::manager::{
    Action, ManagerConfig, ManagerError, NetworkEvent, ProvState, ScanOutcome, ScanResult,
};
use crate::messages::config::{ConfigRequest, ConfigResponse};
use crate::messages::ctrl::{CtrlRequest, CtrlResponse};
use crate::messages::scan::ScanRequest;
use crate::messages::{
    DecodeError, NetworkKind, Status, ThreadScanEntry, WifiCredentials, WifiScanEntry,
};
use crate::protocomm::{EndpointError, EndpointKind, Protocomm, Refusal, Routed};
use crate::secret::Secret;
use crate::time::Instant;

/// The endpoint names of the provisioning service (§1).
pub mod endpoint {
    /// Configuration (credentials, status).
    pub const CONFIG: &str = "prov-config";
    /// Scan.
    pub const SCAN: &str = "prov-scan";
    /// Control (reset, reprov).
    pub const CTRL: &str = "prov-ctrl";
    /// The security handshake.
    pub const SESSION: &str = "prov-session";
    /// The version text.
    pub const VERSION: &str = "proto-ver";

    /// The endpoints the manager registers and removes with provisioning.
    pub const PROVISIONING: [&str; 3] = [CTRL, SCAN, CONFIG];

    /// Whether `name` is one of the service's own endpoints.
    pub fn is_reserved(name: &str) -> bool {
        [CONFIG, SCAN, CTRL, SESSION, VERSION].contains(&name)
    }
}

/// The provisioning device: protocomm router and provisioning manager.
///
/// # Method families
///
/// * **Requests.** [`handle_request`](Self::handle_request) serves one request of a transport
///   session and returns a [`Reply`]: bytes to send, a refusal (close without a response,
///   §3.3), a blocking scan to hold, or a custom endpoint's plaintext for the application's
///   handler, whose answer goes back through [`respond`](Self::respond). Transport sessions
///   come and go with [`open_session`](Self::open_session) /
///   [`close_session`](Self::close_session).
/// * **Time.** [`poll_timeout`](Self::poll_timeout) says when the next timer is due;
///   [`on_timer`](Self::on_timer) runs the timers due at `now` (auto-stop, Thread attach
///   timeout, teardown). Every call that can arm a timer takes `now`; the caller runs the clock
///   ([`Instant`]).
/// * **Radio.** [`on_network_event`](Self::on_network_event) feeds an attempt's outcome;
///   [`on_wifi_scan_done`](Self::on_wifi_scan_done) /
///   [`on_thread_scan_done`](Self::on_thread_scan_done) a scan's results, answering the held
///   blocking scans.
/// * **Application calls.** [`start`](Self::start), [`stop`](Self::stop),
///   [`deinit`](Self::deinit), [`configure_wifi`](Self::configure_wifi),
///   [`ctrl`](Self::ctrl), [`reset_provisioning`](Self::reset_provisioning),
///   [`add_endpoint`](Self::add_endpoint), [`remove_endpoint`](Self::remove_endpoint).
///
/// Every call that returns [`Action`]s has already done their router side (provisioning
/// endpoints registered or removed); the caller does the rest, in order: transports, the
/// radio and storage work of [`Action::Backend`], scans, events.
#[derive(Debug)]
pub struct Device {
    protocomm: Protocomm,
    manager: Manager,
}

/// What became of a request: its answer and the actions for the runtime.
#[derive(Debug)]
pub struct Reply {
    /// The answer.
    pub outcome: Outcome,
    /// What the runtime must do, in order, after answering.
    pub actions: Vec<Action>,
}

/// The answer to a request.
#[derive(Debug)]
pub enum Outcome {
    /// Send these bytes.
    Send(Vec<u8>),
    /// Close without a response (§3.3).
    Refuse(Refused),
    /// A blocking ScanStart: keep the request; the scan's completion
    /// ([`Device::on_wifi_scan_done`] / [`Device::on_thread_scan_done`]) answers it.
    Hold(NetworkKind),
    /// A request to a custom endpoint: run the application's handler on the plaintext and hand
    /// its answer to [`Device::respond`].
    Custom {
        /// The endpoint name.
        endpoint: String,
        /// The decrypted request (may hold secrets: zeroized when dropped).
        plaintext: Secret<Vec<u8>>,
    },
}

/// Why a request gets no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The router refused it (unknown endpoint, no session, handshake, decryption).
    Router(Refusal),
    /// The decrypted request did not decode.
    Undecodable(DecodeError),
    /// The manager or the application's handler refused it (a ScanResult page out of range,
    /// no handler, a handler answering `None`).
    Unanswered,
    /// The response could not be encrypted (the session went away or broke).
    Response(Refusal),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Router(refusal) => write!(f, "refused: {refusal}"),
            Refused::Undecodable(error) => write!(f, "undecodable request: {error}"),
            Refused::Unanswered => f.write_str("no answer"),
            Refused::Response(refusal) => write!(f, "response not sent: {refusal}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Refused {}

impl Reply {
    fn new(outcome: Outcome) -> Reply {
        Reply {
            outcome,
            actions: Vec::new(),
        }
    }

    fn refuse(why: Refused) -> Reply {
        Reply::new(Outcome::Refuse(why))
    }
}

impl Device {
    /// A device serving `protocomm` (with its version, session and custom endpoints
    /// registered) and a new, idle manager; the manager's first actions (its INIT event).
    pub fn new(protocomm: Protocomm, config: ManagerConfig) -> (Device, Vec<Action>) {
        let (manager, actions) = Manager::new(config);
        let mut device = Device { protocomm, manager };
        device.apply(&actions);
        (device, actions)
    }

    /// The manager (read-only: calls that change it go through the device, which keeps the
    /// router in step).
    pub fn manager(&self) -> &Manager {
        &self.manager
    }

    /// The manager's state.
    pub fn state(&self) -> ProvState {
        self.manager.state()
    }

    /// The router (read-only).
    pub fn protocomm(&self) -> &Protocomm {
        &self.protocomm
    }

    // ---- requests ----------------------------------------------------------------------------

    /// Opens transport session `id` with a fresh handshake state (see
    /// [`Protocomm::open_session`]).
    pub fn open_session(&mut self, id: u64) {
        self.protocomm.open_session(id);
    }

    /// Closes transport session `id` (no effect if absent).
    pub fn close_session(&mut self, id: u64) {
        self.protocomm.close_session(id);
    }

    /// Whether transport session `id` is open.
    pub fn has_session(&self, id: u64) -> bool {
        self.protocomm.has_session(id)
    }

    /// Whether transport session `id` is open and has completed its handshake.
    pub fn is_established(&self, id: u64) -> bool {
        self.protocomm.is_established(id)
    }

    /// Serves one request of transport session `session` to `endpoint`: route and decrypt,
    /// decode, the manager's rules, encode and encrypt.
    pub fn handle_request(
        &mut self,
        now: Instant,
        session: u64,
        endpoint: &str,
        body: &[u8],
        entropy: &mut dyn Entropy,
    ) -> Reply {
        let (endpoint, plaintext) = match self.protocomm.receive(session, endpoint, body, entropy) {
            Err(refusal) => return Reply::refuse(Refused::Router(refusal)),
            Ok(Routed::Reply(bytes)) => return Reply::new(Outcome::Send(bytes)),
            Ok(Routed::Request {
                endpoint,
                plaintext,
            }) => (endpoint, Secret::new(plaintext)),
        };
        let (answer, actions) = match endpoint.as_str() {
            endpoint::CONFIG => match ConfigRequest::decode(plaintext.expose()) {
                Ok(request) => {
                    let (response, actions) = self.manager.handle_config(request, now);
                    (Ok(response.encode()), actions)
                }
                Err(error) => (Err(Refused::Undecodable(error)), Vec::new()),
            },
            endpoint::SCAN => match ScanRequest::decode(plaintext.expose()) {
                Ok(request) => {
                    let kind = scan_kind(&request);
                    match self.manager.handle_scan(request, now) {
                        (ScanOutcome::Reply(response), actions) => (Ok(response.encode()), actions),
                        (ScanOutcome::Pending, actions) => {
                            self.apply(&actions);
                            return Reply {
                                outcome: Outcome::Hold(kind),
                                actions,
                            };
                        }
                        (ScanOutcome::Refused, actions) => (Err(Refused::Unanswered), actions),
                    }
                }
                Err(error) => (Err(Refused::Undecodable(error)), Vec::new()),
            },
            endpoint::CTRL => match CtrlRequest::decode(plaintext.expose()) {
                Ok(request) => {
                    let (response, actions) = self.manager.handle_ctrl(request, now);
                    (Ok(response.encode()), actions)
                }
                Err(error) => (Err(Refused::Undecodable(error)), Vec::new()),
            },
            _ => {
                return Reply::new(Outcome::Custom {
                    endpoint,
                    plaintext,
                })
            }
        };
        // Encrypted before the actions' router side: a response to a request that ends
        // provisioning still leaves under the session it came in.
        let outcome = match answer.and_then(|plain| self.encrypt(session, &plain)) {
            Ok(bytes) => Outcome::Send(bytes),
            Err(why) => Outcome::Refuse(why),
        };
        self.apply(&actions);
        Reply { outcome, actions }
    }

    /// Encrypts an answer for transport session `session`: a custom endpoint handler's, or a
    /// held scan's (`None`: the handler refused).
    pub fn respond(&mut self, session: u64, plaintext: Option<&[u8]>) -> Result<Vec<u8>, Refused> {
        let plaintext = plaintext.ok_or(Refused::Unanswered)?;
        self.encrypt(session, plaintext)
    }

    fn encrypt(&mut self, session: u64, plaintext: &[u8]) -> Result<Vec<u8>, Refused> {
        self.protocomm
            .respond(session, plaintext)
            .map_err(Refused::Response)
    }

    /// Registers a custom endpoint. The service's own names count as taken
    /// ([`EndpointError::Duplicate`]), registered or not.
    pub fn add_endpoint(&mut self, name: &str) -> Result<(), EndpointError> {
        if endpoint::is_reserved(name) {
            return Err(EndpointError::Duplicate);
        }
        self.protocomm.add_endpoint(name, EndpointKind::Request)
    }

    /// Removes a custom endpoint (no effect if absent or reserved).
    pub fn remove_endpoint(&mut self, name: &str) {
        if !endpoint::is_reserved(name) {
            self.protocomm.remove_endpoint(name);
        }
    }

    // ---- time --------------------------------------------------------------------------------

    /// When [`on_timer`](Self::on_timer) wants to be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.manager.poll_timeout()
    }

    /// Runs the timers that are due at `now`.
    pub fn on_timer(&mut self, now: Instant) -> Vec<Action> {
        let actions = self.manager.on_timer(now);
        self.apply(&actions);
        actions
    }

    // ---- radio -------------------------------------------------------------------------------

    /// Feeds an event of the network backend.
    pub fn on_network_event(&mut self, event: NetworkEvent, now: Instant) -> Vec<Action> {
        let actions = self.manager.on_network_event(event, now);
        self.apply(&actions);
        actions
    }

    /// A Wi-Fi scan finished. Returns the plaintext answer of the blocking ScanStarts held for
    /// it (each goes through [`respond`](Self::respond) for its session), if any.
    pub fn on_wifi_scan_done(
        &mut self,
        result: ScanResult<WifiScanEntry>,
        now: Instant,
    ) -> Option<Vec<u8>> {
        self.manager
            .on_wifi_scan_done(result, now)
            .map(|r| r.encode())
    }

    /// A Thread scan finished; like [`on_wifi_scan_done`](Self::on_wifi_scan_done).
    pub fn on_thread_scan_done(
        &mut self,
        result: ScanResult<ThreadScanEntry>,
        now: Instant,
    ) -> Option<Vec<u8>> {
        self.manager
            .on_thread_scan_done(result, now)
            .map(|r| r.encode())
    }

    // ---- application calls -------------------------------------------------------------------

    /// Starts provisioning (see [`Manager::start`]).
    pub fn start(&mut self, now: Instant) -> Result<Vec<Action>, ManagerError> {
        let actions = self.manager.start(now)?;
        self.apply(&actions);
        Ok(actions)
    }

    /// Requests a stop (see [`Manager::stop`]).
    pub fn stop(&mut self, now: Instant) -> Vec<Action> {
        let actions = self.manager.stop(now);
        self.apply(&actions);
        actions
    }

    /// Tears everything down (see [`Manager::deinit`]).
    pub fn deinit(&mut self, now: Instant) -> Vec<Action> {
        let actions = self.manager.deinit(now);
        self.apply(&actions);
        actions
    }

    /// Erases stored network credentials (ESP `reset_provisioning`).
    pub fn reset_provisioning(&mut self) -> Vec<Action> {
        self.manager.reset_provisioning()
    }

    /// ESP's `wifi_prov_mgr_configure_sta`: SetConfig, then, if accepted, ApplyConfig, as a
    /// client would send them. The status is the first that is not Success.
    pub fn configure_wifi(
        &mut self,
        credentials: WifiCredentials,
        now: Instant,
    ) -> (Status, Vec<Action>) {
        let set = ConfigRequest::SetWifiConfig(credentials);
        let (status, actions) = match self.manager.handle_config(set, now) {
            (ConfigResponse::SetWifiConfig(Status::Success), _) => {
                let apply = ConfigRequest::ApplyWifiConfig;
                match self.manager.handle_config(apply, now) {
                    (ConfigResponse::ApplyWifiConfig(status), actions) => (status, actions),
                    (_, actions) => (Status::InternalError, actions),
                }
            }
            (ConfigResponse::SetWifiConfig(status), _) => (status, Vec::new()),
            _ => (Status::InternalError, Vec::new()),
        };
        self.apply(&actions);
        (status, actions)
    }

    /// A prov-ctrl request from the application (ESP's reset / reprov calls).
    pub fn ctrl(&mut self, request: CtrlRequest, now: Instant) -> (CtrlResponse, Vec<Action>) {
        let (response, actions) = self.manager.handle_ctrl(request, now);
        self.apply(&actions);
        (response, actions)
    }

    /// The router side of `actions`.
    fn apply(&mut self, actions: &[Action]) {
        for action in actions {
            match action {
                Action::RegisterProvisioningEndpoints => {
                    for name in endpoint::PROVISIONING {
                        // Already there after a restart without a teardown: nothing to do.
                        let _ = self.protocomm.add_endpoint(name, EndpointKind::Request);
                    }
                }
                Action::RemoveProvisioningEndpoints => {
                    for name in endpoint::PROVISIONING {
                        self.protocomm.remove_endpoint(name);
                    }
                }
                Action::StartTransport
                | Action::StopTransport
                | Action::Backend(_)
                | Action::StartWifiScan(_)
                | Action::StartThreadScan(_)
                | Action::Emit(_) => {}
            }
        }
    }
}

/// The network a scan request is about.
fn scan_kind(request: &ScanRequest) -> NetworkKind {
    match request {
        ScanRequest::WifiStart(_) | ScanRequest::WifiStatus | ScanRequest::WifiResult { .. } => {
            NetworkKind::Wifi
        }
        _ => NetworkKind::Thread,
    }
}

#[cfg(test)]
#[path = "device_tests.rs"]
mod tests;
