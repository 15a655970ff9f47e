//! The device task: one loop over the transport queue, the handles' commands, network events,
//! scan completions and the timers. The protocol is the core's [`Device`]; this task is its IO:
//! admission (guessing limits, idle sessions), channels, the backend worker, scans, timers and
//! the application's custom endpoint handlers.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use uniprov_core::device::{Device, Outcome, Refused};
use uniprov_core::manager::{BackendOp, ScanFailed, ScanResult};
use uniprov_core::messages::NetworkKind;
use uniprov_core::Entropy;

mod admission;
mod commands;

use super::auth_limit::{AuthLimiter, AuthLimits};
use super::clock::Clock;
use super::handle::Command;
use super::idle::IdleSessions;
use super::worker::{Internal, Job};
use super::{endpoint, CustomRequest, DeviceEvent, EndpointHandler};
use crate::device::manager::{Action, ProvEvent, ProvState};
use crate::device::network::{NetworkBackend, NetworkError, NetworkEvent};
use crate::device::transport::{Answer, Peer, SessionId, TransportEvent, TransportRequest};

/// A blocking ScanStart waiting for its scan.
struct PendingReply {
    session: SessionId,
    reply: oneshot::Sender<Answer>,
}

/// Everything the task owns, as the builder hands it over.
pub(super) struct Parts {
    /// The protocol: router and manager.
    pub(super) device: Device,
    /// The core's clock.
    pub(super) clock: Clock,
    pub(super) backend: Arc<dyn NetworkBackend>,
    pub(super) entropy: Box<dyn Entropy + Send>,
    pub(super) handlers: HashMap<String, EndpointHandler>,
    pub(super) events: broadcast::Sender<DeviceEvent>,
    pub(super) state: watch::Sender<ProvState>,
    pub(super) ops: mpsc::UnboundedSender<Job>,
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

/// The device task's state: what it was given, and what the IO side keeps.
pub(super) struct Actor {
    parts: Parts,
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
            auth: AuthLimiter::new(parts.auth_limits.clone()),
            idle: IdleSessions::new(
                parts.session_idle_timeout,
                parts.max_sessions,
                Instant::now(),
            ),
            parts,
            last_network: None,
            pending_wifi_scans: Vec::new(),
            pending_thread_scans: Vec::new(),
            done: false,
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
            let clock = self.parts.clock;
            let deadline = self.parts.device.poll_timeout().map(|at| clock.tokio(at));
            tokio::select! {
                Some(event) = queue.recv() => self.on_transport(event),
                command = commands.recv(), if commands_open => match command {
                    Some(command) => self.on_command(command),
                    None => {
                        // Every handle is gone: nobody can stop us any more, so deinit.
                        commands_open = false;
                        let actions = self.parts.device.deinit(self.now());
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
        let _ = self.parts.stop_transports.send(true);
        drop(queue);
        while self.parts.transports.join_next().await.is_some() {}
        let Parts { ops, .. } = self.parts;
        drop(ops);
        let _ = worker.await;
        let _ = finished.send(true);
    }

    fn publish_state(&self) {
        let now = self.parts.device.state();
        self.parts
            .state
            .send_if_modified(|s| std::mem::replace(s, now) != now);
    }

    fn emit(&self, event: DeviceEvent) {
        // No subscriber is fine.
        let _ = self.parts.events.send(event);
    }

    /// Now on the core's clock.
    fn now(&self) -> uniprov_core::time::Instant {
        self.parts.clock.now()
    }

    // ---- transports -------------------------------------------------------------------------

    fn on_transport(&mut self, event: TransportEvent) {
        match event {
            TransportEvent::SessionOpened(id) => {
                self.idle.forget(id);
                self.parts.device.open_session(id);
                self.touch(id, Instant::now());
            }
            TransportEvent::SessionClosed(id) => {
                self.parts.device.close_session(id);
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
        if !self.parts.device.manager().transport_up() {
            let _ = reply.send(Answer::Refused);
            return;
        }
        let peer = Peer::of(peer, session);
        let span = tracing::debug_span!("request", session, %endpoint, len = body.len());
        let _entered = span.enter();
        let now = Instant::now();
        if let Err(retry_after) = self.admit(peer, &endpoint, now) {
            let _ = reply.send(Answer::Backoff { retry_after });
            return;
        }
        self.touch(session, now);
        let core_now = self.parts.clock.core(now);
        let handled = self.parts.device.handle_request(
            core_now,
            session,
            &endpoint,
            &body,
            &mut *self.parts.entropy,
        );
        if endpoint == endpoint::SESSION {
            self.after_session_step(peer, session, &handled.outcome, now);
        }
        let answer = match handled.outcome {
            Outcome::Send(bytes) => Ok(bytes),
            Outcome::Refuse(why) => Err(why),
            Outcome::Hold(kind) => {
                self.hold(kind, PendingReply { session, reply });
                self.execute(handled.actions);
                return;
            }
            Outcome::Custom {
                endpoint,
                plaintext,
            } => {
                let answer = self.parts.handlers.get(&endpoint).and_then(|handler| {
                    handler(CustomRequest {
                        endpoint: &endpoint,
                        session,
                        data: plaintext.expose(),
                    })
                });
                self.parts.device.respond(session, answer.as_deref())
            }
        };
        let _ = reply.send(answer_of(answer));
        self.execute(handled.actions);
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
        let now = self.now();
        let (plaintext, kind) = match event {
            Internal::Network(event) => return self.on_network(event),
            Internal::WifiScan(result) => (
                self.parts
                    .device
                    .on_wifi_scan_done(scan_result(result), now),
                NetworkKind::Wifi,
            ),
            Internal::ThreadScan(result) => (
                self.parts
                    .device
                    .on_thread_scan_done(scan_result(result), now),
                NetworkKind::Thread,
            ),
        };
        // `None`: no blocking start waited for this scan.
        let Some(plaintext) = plaintext else { return };
        let waiting = std::mem::take(match kind {
            NetworkKind::Wifi => &mut self.pending_wifi_scans,
            NetworkKind::Thread => &mut self.pending_thread_scans,
        });
        for PendingReply { session, reply } in waiting {
            let answer = self.parts.device.respond(session, Some(&plaintext));
            let _ = reply.send(answer_of(answer));
        }
    }

    fn on_network(&mut self, event: NetworkEvent) {
        tracing::info!(%event, "network");
        self.last_network = Some(event.clone());
        self.emit(DeviceEvent::Network(event.clone()));
        let before = self.parts.device.state();
        let now = self.now();
        let actions = self.parts.device.on_network_event(event, now);
        self.note_reset(before);
        self.execute(actions);
    }

    fn on_timer(&mut self) {
        let before = self.parts.device.state();
        let now = self.now();
        let actions = self.parts.device.on_timer(now);
        self.note_reset(before);
        self.execute(actions);
    }

    /// Logs the manager's own reset after a failure (`reset_on_failure`).
    fn note_reset(&self, before: ProvState) {
        if before > ProvState::Started && self.parts.device.state() == ProvState::Started {
            tracing::info!("provisioning attempt failed: ready for new credentials");
        }
    }

    // ---- actions ----------------------------------------------------------------------------

    /// Carries out the IO side of `actions` (the core already did the router side).
    fn execute(&mut self, actions: Vec<Action>) {
        for action in actions {
            self.execute_one(action);
        }
    }

    fn execute_one(&mut self, action: Action) {
        match action {
            Action::StartTransport | Action::RegisterProvisioningEndpoints => {}
            Action::RemoveProvisioningEndpoints => self.refuse_pending_scans(),
            Action::StopTransport => {
                self.refuse_pending_scans();
                let _ = self.parts.stop_transports.send(true);
            }
            Action::Backend(op) => self.op(Job::from(op)),
            Action::StartWifiScan(params) => {
                let backend = Arc::clone(&self.parts.backend);
                let internal = self.parts.internal.clone();
                tokio::spawn(async move {
                    let result = backend.scan_wifi(params).await;
                    let _ = internal.send(Internal::WifiScan(result));
                });
            }
            Action::StartThreadScan(params) => {
                let backend = Arc::clone(&self.parts.backend);
                let internal = self.parts.internal.clone();
                tokio::spawn(async move {
                    let result = backend.scan_thread(params).await;
                    let _ = internal.send(Internal::ThreadScan(result));
                });
            }
            Action::Emit(event) => {
                tracing::info!(?event, "provisioning event");
                if event == ProvEvent::Deinit {
                    self.done = true;
                }
                self.emit(DeviceEvent::Prov(event));
            }
        }
    }

    /// Hands a job to the backend worker, noting whether the device is provisioned.
    pub(super) fn op(&mut self, job: Job) {
        match job.op {
            BackendOp::PersistWifi(_) | BackendOp::PersistThread(_) => {
                self.parts.provisioned = true;
            }
            BackendOp::ForgetCredentials => self.parts.provisioned = false,
            BackendOp::Connect(_) | BackendOp::AttachThread(_) | BackendOp::Disconnect => {}
        }
        // The worker only ends after this task dropped its sender.
        let _ = self.parts.ops.send(job);
    }

    fn refuse_pending_scans(&mut self) {
        let wifi = std::mem::take(&mut self.pending_wifi_scans);
        let thread = std::mem::take(&mut self.pending_thread_scans);
        for pending in wifi.into_iter().chain(thread) {
            let _ = pending.reply.send(Answer::Refused);
        }
    }
}

/// The one place a refusal becomes the transports' silence (§3.3).
fn answer_of(answer: Result<Vec<u8>, Refused>) -> Answer {
    match answer {
        Ok(bytes) => Answer::Response(bytes),
        Err(why) => {
            tracing::debug!(%why, "request refused: closing without a response");
            Answer::Refused
        }
    }
}

/// A backend's scan outcome as the core takes it; the reason is only logged.
fn scan_result<T>(result: Result<Vec<T>, NetworkError>) -> ScanResult<T> {
    result.map_err(|error| {
        tracing::debug!(%error, "scan failed");
        ScanFailed
    })
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
