//! [`DeviceHandle`]: the calls ESP allows after `start_provisioning`.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use uniprov_core::messages::{
    ctrl::CtrlRequest, NetworkKind, Status, WifiCredentials, WifiFailReason, WifiStatus,
};

use super::{DeviceEvent, EndpointHandler, NetworkState};
use crate::device::manager::{Mode, ProvState};
use crate::device::transport::RequestQueue;

/// Why a handle call failed.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The device task has ended.
    #[error("the device has stopped")]
    Gone,
    /// The manager refused (ESP returns `ESP_FAIL`); the wire status it would have answered.
    #[error("refused by the provisioning manager: {0:?}")]
    Refused(Status),
    /// A custom endpoint name is empty, reserved or already registered.
    #[error("invalid endpoint {0:?}")]
    Endpoint(String),
    /// Forgetting the credentials failed.
    #[error("reset failed: {0}")]
    Reset(String),
}

/// What the handles ask the device task.
pub(super) enum Command {
    /// `stop_provisioning` (non-blocking).
    Stop,
    /// `deinit`: stop everything, including a session-only transport.
    Deinit,
    /// `endpoint_register`.
    Register {
        name: String,
        handler: EndpointHandler,
        reply: oneshot::Sender<Result<(), HandleError>>,
    },
    /// `endpoint_unregister`.
    Unregister {
        name: String,
        reply: oneshot::Sender<()>,
    },
    /// `get_wifi_state` / Thread state.
    NetworkState(oneshot::Sender<NetworkState>),
    /// `configure_sta`.
    ConfigureSta {
        credentials: WifiCredentials,
        reply: oneshot::Sender<Status>,
    },
    /// `reset_sm_state_on_failure` / `reset_sm_state_for_reprovision`.
    Ctrl {
        request: CtrlRequest,
        reply: oneshot::Sender<Status>,
    },
    /// `reset_provisioning`.
    ResetProvisioning(oneshot::Sender<Result<(), String>>),
    /// `is_provisioned`.
    IsProvisioned(oneshot::Sender<bool>),
}

/// What every handle shares.
pub(super) struct Shared {
    pub(super) events: broadcast::Sender<DeviceEvent>,
    pub(super) queue: RequestQueue,
    pub(super) http_addrs: Vec<SocketAddr>,
    pub(super) version: String,
    pub(super) mode: Mode,
    pub(super) network: NetworkKind,
}

/// A handle on a running device. Cheap to clone; the device shuts down (as by
/// [`shutdown`](Self::shutdown)) when the last handle is dropped.
#[derive(Clone)]
pub struct DeviceHandle {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
    state: watch::Receiver<ProvState>,
    finished: watch::Receiver<bool>,
}

impl std::fmt::Debug for DeviceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceHandle")
            .field("state", &*self.state.borrow())
            .field("http_addrs", &self.shared.http_addrs)
            .finish_non_exhaustive()
    }
}

impl DeviceHandle {
    pub(super) fn new(
        commands: mpsc::Sender<Command>,
        shared: Arc<Shared>,
        state: watch::Receiver<ProvState>,
        finished: watch::Receiver<bool>,
    ) -> Self {
        DeviceHandle {
            commands,
            shared,
            state,
            finished,
        }
    }

    async fn send(&self, command: Command) -> Result<(), HandleError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| HandleError::Gone)
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, HandleError> {
        let (reply, answer) = oneshot::channel();
        self.send(make(reply)).await?;
        answer.await.map_err(|_| HandleError::Gone)
    }

    /// A receiver of the events from now on.
    pub fn events(&self) -> broadcast::Receiver<DeviceEvent> {
        self.shared.events.subscribe()
    }

    /// The manager's state.
    pub fn state(&self) -> ProvState {
        *self.state.borrow()
    }

    /// `get_mode`: the mode the device was started in.
    pub fn mode(&self) -> Mode {
        self.shared.mode
    }

    /// The network the device provisions.
    pub fn network(&self) -> NetworkKind {
        self.shared.network
    }

    /// The addresses the HTTP transports listen on (useful with port 0).
    pub fn http_addrs(&self) -> &[SocketAddr] {
        &self.shared.http_addrs
    }

    /// The proto-ver text, fixed at start (§8).
    pub fn proto_ver(&self) -> &str {
        &self.shared.version
    }

    /// The device's request queue, for transports the application runs itself (the analogue
    /// of ESP's `set_httpd_handle`: `HttpTransport::new(config, handle.request_queue())`
    /// gives `HttpConnection` services to mount into the application's own hyper server).
    /// Requests are refused once the device stopped its transports.
    pub fn request_queue(&self) -> RequestQueue {
        self.shared.queue.clone()
    }

    /// `stop_provisioning`: requests a stop and returns at once; the teardown (and END)
    /// follows after the cleanup delay. Session-only mode keeps the session transport.
    pub async fn stop(&self) -> Result<(), HandleError> {
        self.send(Command::Stop).await
    }

    /// `wait`: resolves when the manager is idle (provisioning ended, or never started because
    /// the device was already provisioned), or the device has stopped.
    pub async fn wait(&self) {
        let mut state = self.state.clone();
        let _ = state.wait_for(|s| *s == ProvState::Idle).await;
    }

    /// `deinit`: stops everything (the cleanup delay still applies), then waits until the
    /// device task, its transports and its backend worker have ended.
    pub async fn shutdown(&self) {
        let _ = self.send(Command::Deinit).await;
        self.finished().await;
    }

    /// Resolves when the device task has ended.
    pub async fn finished(&self) {
        let mut finished = self.finished.clone();
        let _ = finished.wait_for(|f| *f).await;
    }

    /// `endpoint_register`: serves `name` with `handler` from now on (`name` should have been
    /// declared with [`DeviceBuilder::endpoint`](super::DeviceBuilder::endpoint) when a BLE
    /// transport needs its characteristic).
    pub async fn register_endpoint(
        &self,
        name: &str,
        handler: EndpointHandler,
    ) -> Result<(), HandleError> {
        let name = name.to_string();
        self.ask(|reply| Command::Register {
            name,
            handler,
            reply,
        })
        .await?
    }

    /// `endpoint_unregister`: requests to `name` are refused from now on.
    pub async fn unregister_endpoint(&self, name: &str) -> Result<(), HandleError> {
        let name = name.to_string();
        self.ask(|reply| Command::Unregister { name, reply }).await
    }

    /// `get_wifi_state` (or the Thread state): during provisioning the manager's view, else
    /// the last outcome the backend reported.
    pub async fn network_state(&self) -> Result<NetworkState, HandleError> {
        self.ask(Command::NetworkState).await
    }

    /// `get_wifi_state`: the station state as GetStatus reports it.
    pub async fn wifi_state(&self) -> Result<WifiStatus, HandleError> {
        match self.network_state().await? {
            NetworkState::Wifi(status) => Ok(status),
            NetworkState::Thread(_) => Err(HandleError::Refused(Status::InvalidArgument)),
        }
    }

    /// `get_wifi_disconnect_reason`: the reason of a failed provisioning attempt, if any.
    pub async fn wifi_disconnect_reason(&self) -> Result<Option<WifiFailReason>, HandleError> {
        Ok(match self.wifi_state().await? {
            WifiStatus::Failed(reason) => Some(reason),
            _ => None,
        })
    }

    /// `configure_sta`: the ApplyConfig path with credentials from the application.
    pub async fn configure_sta(&self, credentials: WifiCredentials) -> Result<(), HandleError> {
        let status = self
            .ask(|reply| Command::ConfigureSta { credentials, reply })
            .await?;
        match status {
            Status::Success => Ok(()),
            other => Err(HandleError::Refused(other)),
        }
    }

    async fn ctrl(&self, request: CtrlRequest) -> Result<(), HandleError> {
        match self.ask(|reply| Command::Ctrl { request, reply }).await? {
            Status::Success => Ok(()),
            other => Err(HandleError::Refused(other)),
        }
    }

    /// `reset_sm_state_on_failure`: after a failure, accept new credentials (ctrl reset). With
    /// [`DeviceBuilder::reset_on_failure`](super::DeviceBuilder::reset_on_failure) on (the
    /// default) the manager already did this itself, and this is a success no-op.
    pub async fn reset_on_failure(&self) -> Result<(), HandleError> {
        self.ctrl(match self.shared.network {
            NetworkKind::Wifi => CtrlRequest::WifiReset,
            NetworkKind::Thread => CtrlRequest::ThreadReset,
        })
        .await
    }

    /// `reset_sm_state_for_reprovision`: start over (needs auto-stop disabled; ctrl reprov).
    pub async fn reset_for_reprovision(&self) -> Result<(), HandleError> {
        self.ctrl(match self.shared.network {
            NetworkKind::Wifi => CtrlRequest::WifiReprov,
            NetworkKind::Thread => CtrlRequest::ThreadReprov,
        })
        .await
    }

    /// `reset_provisioning`: forgets the stored credentials (backend and state directory).
    pub async fn reset_provisioning(&self) -> Result<(), HandleError> {
        self.ask(Command::ResetProvisioning)
            .await?
            .map_err(HandleError::Reset)
    }

    /// `is_provisioned`: whether proven credentials are stored.
    pub async fn is_provisioned(&self) -> Result<bool, HandleError> {
        self.ask(Command::IsProvisioned).await
    }
}
