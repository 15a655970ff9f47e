//! The device task: one loop over the transport queue, the handles' commands, network events,
//! scan completions and the manager's timer.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use uniprov_core::messages::config::ConfigRequest;
use uniprov_core::messages::ctrl::CtrlRequest;
use uniprov_core::messages::scan::ScanRequest;
use uniprov_core::messages::NetworkKind;
use uniprov_core::protocomm::{EndpointKind, Protocomm, Routed};
use uniprov_core::{Entropy, Secret};

mod commands;
mod guard;

use super::auth_limit::{AuthLimiter, AuthLimits};
use super::effects::{BackendOp, Internal};
use super::handle::Command;
use super::idle::IdleSessions;
use super::{endpoint, CustomRequest, DeviceEvent, EndpointHandler};
use crate::device::manager::{Action, Manager, ProvEvent, ProvState, ScanOutcome};
use crate::device::network::{NetworkBackend, NetworkEvent};
use crate::device::transport::{Answer, Peer, SessionId, TransportEvent, TransportRequest};

/// A blocking ScanStart waiting for its scan.
struct PendingReply {
    session: SessionId,
    reply: oneshot::Sender<Answer>,
}

/// Everything the task owns.
pub(super) struct Parts {
    pub(super) protocomm: Protocomm,
    pub(super) manager: Manager,
    pub(super) backend: Arc<dyn NetworkBackend>,
    pub(super) entropy: Box<dyn Entropy + Send>,
    pub(super) handlers: Vec<(String, EndpointHandler)>,
    pub(super) events: broadcast::Sender<DeviceEvent>,
    pub(super) state: watch::Sender<ProvState>,
    pub(super) ops: mpsc::UnboundedSender<BackendOp>,
    pub(super) internal: mpsc::UnboundedSender<Internal>,
    pub(super) stop_transports: watch::Sender<bool>,
    pub(super) transports: JoinSet<()>,
    pub(super) provisioned: bool,
    pub(super) auth_limits: AuthLimits,
    pub(super) session_idle_timeout: std::time::Duration,
    pub(super) max_sessions: usize,
}

/// The channels the task listens on.
pub(super) struct Inputs {
    pub(super) queue: mpsc::Receiver<TransportEvent>,
    pub(super) commands: mpsc::Receiver<Command>,
    pub(super) internal: mpsc::UnboundedReceiver<Internal>,
    /// The backend's events, subscribed before the backend worker started.
    pub(super) network: broadcast::Receiver<NetworkEvent>,
}

/// The device task's state.
pub(super) struct Actor {
    protocomm: Protocomm,
    manager: Manager,
    backend: Arc<dyn NetworkBackend>,
    entropy: Box<dyn Entropy + Send>,
    handlers: HashMap<String, EndpointHandler>,
    events: broadcast::Sender<DeviceEvent>,
    state: watch::Sender<ProvState>,
    ops: mpsc::UnboundedSender<BackendOp>,
    internal: mpsc::UnboundedSender<Internal>,
    stop_transports: watch::Sender<bool>,
    transports: JoinSet<()>,
    transport_up: bool,
    provisioned: bool,
    /// The last outcome the backend reported (for the state outside provisioning).
    last_network: Option<NetworkEvent>,
    /// Blocking ScanStarts waiting for the running scan of each kind.
    pending_wifi_scans: Vec<PendingReply>,
    pending_thread_scans: Vec<PendingReply>,
    done: bool,
    /// Failed handshakes per peer and overall.
    auth: AuthLimiter,
    /// Last use of every session.
    idle: IdleSessions,
}

impl Actor {
    pub(super) fn new(parts: Parts) -> Self {
        Actor {
            protocomm: parts.protocomm,
            manager: parts.manager,
            backend: parts.backend,
            entropy: parts.entropy,
            handlers: parts.handlers.into_iter().collect(),
            events: parts.events,
            state: parts.state,
            ops: parts.ops,
            internal: parts.internal,
            stop_transports: parts.stop_transports,
            transports: parts.transports,
            transport_up: false,
            provisioned: parts.provisioned,
            last_network: None,
            pending_wifi_scans: Vec::new(),
            pending_thread_scans: Vec::new(),
            done: false,
            auth: AuthLimiter::new(parts.auth_limits),
            idle: IdleSessions::new(
                parts.session_idle_timeout,
                parts.max_sessions,
                Instant::now(),
            ),
        }
    }

    /// Carries out the manager's first actions (INIT, START, ...) before the task runs, so
    /// they are emitted by the time [`DeviceBuilder::start`] returns.
    ///
    /// [`DeviceBuilder::start`]: super::DeviceBuilder::start
    pub(super) fn begin(&mut self, initial: Vec<Action>) {
        self.execute(initial);
        self.publish_state();
    }

    /// Runs until DEINIT, then stops the transports and the worker and reports `finished`.
    pub(super) async fn run(
        mut self,
        inputs: Inputs,
        worker: JoinHandle<()>,
        finished: watch::Sender<bool>,
    ) {
        let Inputs {
            mut queue,
            mut commands,
            mut internal,
            mut network,
        } = inputs;
        let mut network_open = true;
        let mut commands_open = true;
        while !self.done {
            let deadline = self.manager.poll_timeout();
            tokio::select! {
                Some(event) = queue.recv() => self.on_transport(event),
                command = commands.recv(), if commands_open => match command {
                    Some(command) => self.on_command(command),
                    None => {
                        // Every handle is gone: nobody can stop us any more, so deinit.
                        commands_open = false;
                        let actions = self.manager.deinit(Instant::now());
                        self.execute(actions);
                    }
                },
                event = network.recv(), if network_open => match event {
                    Ok(event) => self.on_network(event),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "network events lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => network_open = false,
                },
                Some(event) = internal.recv() => self.on_internal(event),
                () = tokio::time::sleep_until(self.idle.next_sweep()) => {
                    self.sweep_idle(Instant::now());
                }
                () = sleep_until(deadline) => self.on_timer(),
            }
            self.publish_state();
        }
        // Teardown: refuse what is still queued, let the transports finish, drain the worker.
        let _ = self.stop_transports.send(true);
        drop(queue);
        while self.transports.join_next().await.is_some() {}
        let Actor { ops, .. } = self;
        drop(ops);
        let _ = worker.await;
        let _ = finished.send(true);
    }

    fn publish_state(&self) {
        let now = self.manager.state();
        self.state
            .send_if_modified(|s| std::mem::replace(s, now) != now);
    }

    fn emit(&self, event: DeviceEvent) {
        // No subscriber is fine.
        let _ = self.events.send(event);
    }

    fn now() -> Instant {
        Instant::now()
    }

    // ---- transports -------------------------------------------------------------------------

    fn on_transport(&mut self, event: TransportEvent) {
        match event {
            TransportEvent::SessionOpened(id) => {
                self.idle.forget(id);
                self.protocomm.open_session(id);
                self.touch(id, Instant::now());
            }
            TransportEvent::SessionClosed(id) => {
                self.protocomm.close_session(id);
                self.idle.forget(id);
            }
            TransportEvent::Request(request) => self.on_request(request),
        }
    }

    fn on_request(&mut self, request: TransportRequest) {
        let TransportRequest {
            session,
            endpoint,
            body,
            peer,
            reply,
        } = request;
        if !self.transport_up {
            let _ = reply.send(Answer::Refused);
            return;
        }
        let peer = Peer::of(peer, session);
        let span = tracing::debug_span!("request", session, %endpoint, len = body.len());
        let _entered = span.enter();
        let now = Self::now();
        if let Err(retry_after) = self.admit(peer, &endpoint, now) {
            let _ = reply.send(Answer::Backoff { retry_after });
            return;
        }
        self.touch(session, now);
        let routed = self
            .protocomm
            .receive(session, &endpoint, &body, &mut *self.entropy);
        if endpoint == super::endpoint::SESSION {
            self.after_session_step(peer, session, &routed, now);
        }
        let (answer, actions) = match routed {
            Err(refusal) => {
                tracing::debug!(%refusal, "refused");
                (None, Vec::new())
            }
            Ok(Routed::Reply(bytes)) => (Some(bytes), Vec::new()),
            Ok(Routed::Request {
                endpoint,
                plaintext,
            }) => {
                // Decrypted payloads may hold passphrases: zeroized when dropped.
                let plaintext = Secret::new(plaintext);
                match self.dispatch(session, &endpoint, plaintext.expose()) {
                    Dispatch::Answer(response, actions) => {
                        let encrypted = response.and_then(|r| self.encrypt(session, &r));
                        (encrypted, actions)
                    }
                    Dispatch::Pending(kind, actions) => {
                        self.hold(kind, PendingReply { session, reply });
                        self.execute(actions);
                        return;
                    }
                }
            }
        };
        if answer.is_none() {
            tracing::debug!("request refused: closing without a response");
        }
        let _ = reply.send(answer.into());
        self.execute(actions);
    }

    fn encrypt(&mut self, session: SessionId, response: &[u8]) -> Option<Vec<u8>> {
        match self.protocomm.respond(session, response) {
            Ok(bytes) => Some(bytes),
            Err(refusal) => {
                tracing::debug!(%refusal, "response not sent");
                None
            }
        }
    }

    fn dispatch(&mut self, session: SessionId, name: &str, plaintext: &[u8]) -> Dispatch {
        let now = Self::now();
        match name {
            endpoint::CONFIG => match ConfigRequest::decode(plaintext) {
                Ok(request) => {
                    let (response, actions) = self.manager.handle_config(request, now);
                    Dispatch::Answer(Some(response.encode()), actions)
                }
                Err(error) => Dispatch::refused(error),
            },
            endpoint::SCAN => match ScanRequest::decode(plaintext) {
                Ok(request) => {
                    let kind = match request {
                        ScanRequest::WifiStart(_)
                        | ScanRequest::WifiStatus
                        | ScanRequest::WifiResult { .. } => NetworkKind::Wifi,
                        _ => NetworkKind::Thread,
                    };
                    match self.manager.handle_scan(request, now) {
                        (ScanOutcome::Reply(response), actions) => {
                            Dispatch::Answer(Some(response.encode()), actions)
                        }
                        (ScanOutcome::Pending, actions) => Dispatch::Pending(kind, actions),
                        (ScanOutcome::Refused, actions) => Dispatch::Answer(None, actions),
                    }
                }
                Err(error) => Dispatch::refused(error),
            },
            endpoint::CTRL => match CtrlRequest::decode(plaintext) {
                Ok(request) => {
                    let (response, actions) = self.manager.handle_ctrl(request, now);
                    Dispatch::Answer(Some(response.encode()), actions)
                }
                Err(error) => Dispatch::refused(error),
            },
            custom => match self.handlers.get(custom) {
                Some(handler) => {
                    let request = CustomRequest {
                        endpoint: custom,
                        session,
                        data: plaintext,
                    };
                    Dispatch::Answer(handler(request), Vec::new())
                }
                None => Dispatch::Answer(None, Vec::new()),
            },
        }
    }

    fn hold(&mut self, kind: NetworkKind, pending: PendingReply) {
        let waiting = match kind {
            NetworkKind::Wifi => &mut self.pending_wifi_scans,
            NetworkKind::Thread => &mut self.pending_thread_scans,
        };
        // Requests whose client went away (a closed HTTP connection, a new request on the
        // console) need no answer; dropping them keeps the list bounded by the live requests.
        waiting.retain(|p| !p.reply.is_closed());
        waiting.push(pending);
    }

    // ---- internal and network events --------------------------------------------------------

    fn on_internal(&mut self, event: Internal) {
        let now = Self::now();
        let (response, kind) = match event {
            Internal::Network(event) => return self.on_network(event),
            Internal::WifiScan(result) => (
                self.manager.on_wifi_scan_done(result, now),
                NetworkKind::Wifi,
            ),
            Internal::ThreadScan(result) => (
                self.manager.on_thread_scan_done(result, now),
                NetworkKind::Thread,
            ),
        };
        // `None`: no blocking start waited for this scan.
        let Some(response) = response else { return };
        let waiting = std::mem::take(match kind {
            NetworkKind::Wifi => &mut self.pending_wifi_scans,
            NetworkKind::Thread => &mut self.pending_thread_scans,
        });
        let plaintext = response.encode();
        for PendingReply { session, reply } in waiting {
            let answer = self.encrypt(session, &plaintext);
            let _ = reply.send(answer.into());
        }
    }

    fn on_network(&mut self, event: NetworkEvent) {
        tracing::info!(%event, "network");
        self.last_network = Some(event.clone());
        self.emit(DeviceEvent::Network(event.clone()));
        let before = self.manager.state();
        let actions = self.manager.on_network_event(event, Self::now());
        self.note_reset(before);
        self.execute(actions);
    }

    fn on_timer(&mut self) {
        let before = self.manager.state();
        let actions = self.manager.on_timer(Instant::now());
        self.note_reset(before);
        self.execute(actions);
    }

    /// Logs the manager's own reset after a failure (`reset_on_failure`).
    fn note_reset(&self, before: ProvState) {
        if before > ProvState::Started && self.manager.state() == ProvState::Started {
            tracing::info!("provisioning attempt failed: ready for new credentials");
        }
    }

    // ---- actions ----------------------------------------------------------------------------

    fn execute(&mut self, actions: Vec<Action>) {
        for action in actions {
            self.execute_one(action);
        }
    }

    fn execute_one(&mut self, action: Action) {
        match action {
            Action::StartTransport => self.transport_up = true,
            Action::RegisterProvisioningEndpoints => {
                for name in [endpoint::CTRL, endpoint::SCAN, endpoint::CONFIG] {
                    if self
                        .protocomm
                        .add_endpoint(name, EndpointKind::Request)
                        .is_err()
                    {
                        tracing::debug!(name, "endpoint already registered");
                    }
                }
            }
            Action::RemoveProvisioningEndpoints => {
                for name in [endpoint::CTRL, endpoint::SCAN, endpoint::CONFIG] {
                    self.protocomm.remove_endpoint(name);
                }
                self.refuse_pending_scans();
            }
            Action::StopTransport => {
                self.transport_up = false;
                self.refuse_pending_scans();
                let _ = self.stop_transports.send(true);
            }
            Action::Connect(credentials) => self.op(BackendOp::Connect(credentials)),
            Action::AttachThread(dataset) => self.op(BackendOp::Attach(dataset)),
            Action::Disconnect => self.op(BackendOp::Disconnect),
            Action::StartWifiScan(params) => {
                let backend = Arc::clone(&self.backend);
                let internal = self.internal.clone();
                tokio::spawn(async move {
                    let result = backend.scan_wifi(params).await;
                    let _ = internal.send(Internal::WifiScan(result));
                });
            }
            Action::StartThreadScan(params) => {
                let backend = Arc::clone(&self.backend);
                let internal = self.internal.clone();
                tokio::spawn(async move {
                    let result = backend.scan_thread(params).await;
                    let _ = internal.send(Internal::ThreadScan(result));
                });
            }
            Action::PersistWifi(credentials) => {
                self.provisioned = true;
                self.op(BackendOp::PersistWifi(credentials));
            }
            Action::PersistThread(dataset) => {
                self.provisioned = true;
                self.op(BackendOp::PersistThread(dataset));
            }
            Action::ForgetCredentials => self.forget(None),
            Action::Emit(event) => {
                tracing::info!(?event, "provisioning event");
                if event == ProvEvent::Deinit {
                    self.done = true;
                }
                self.emit(DeviceEvent::Prov(event));
            }
        }
    }

    fn op(&self, op: BackendOp) {
        // The worker only ends after this task dropped its sender.
        let _ = self.ops.send(op);
    }

    fn refuse_pending_scans(&mut self) {
        let wifi = std::mem::take(&mut self.pending_wifi_scans);
        let thread = std::mem::take(&mut self.pending_thread_scans);
        for pending in wifi.into_iter().chain(thread) {
            let _ = pending.reply.send(Answer::Refused);
        }
    }
}

/// What a decrypted request turned into.
enum Dispatch {
    /// Encrypt and send this (or refuse with `None`), then carry out the actions.
    Answer(Option<Vec<u8>>, Vec<Action>),
    /// A blocking scan: hold the reply until the scan of this kind completes.
    Pending(NetworkKind, Vec<Action>),
}

impl Dispatch {
    fn refused(error: impl std::fmt::Display) -> Dispatch {
        tracing::debug!(%error, "undecodable request");
        Dispatch::Answer(None, Vec::new())
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
