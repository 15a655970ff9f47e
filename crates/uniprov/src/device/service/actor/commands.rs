//! The handles' commands: ESP's manager calls after start.

use tokio::sync::oneshot;
use tokio::time::Instant;
use uniprov_core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov_core::messages::{NetworkKind, Status, ThreadStatus, WifiFailReason, WifiStatus};
use uniprov_core::protocomm::EndpointKind;

use super::super::effects::BackendOp;
use super::super::handle::{Command, HandleError};
use super::super::{endpoint, NetworkState};
use super::Actor;
use crate::device::manager::{Action, ProvState};
use crate::device::network::{DisconnectReason, NetworkEvent};

impl Actor {
    pub(super) fn on_command(&mut self, command: Command) {
        let now = Instant::now();
        match command {
            Command::Stop => {
                let actions = self.manager.stop(now);
                self.execute(actions);
            }
            Command::Deinit => {
                let actions = self.manager.deinit(now);
                self.execute(actions);
            }
            Command::Register {
                name,
                handler,
                reply,
            } => {
                let added = if endpoint::is_reserved(&name) {
                    Err(HandleError::Endpoint(name.clone()))
                } else {
                    self.protocomm
                        .add_endpoint(&name, EndpointKind::Request)
                        .map_err(|_| HandleError::Endpoint(name.clone()))
                };
                if added.is_ok() {
                    self.handlers.insert(name, handler);
                }
                let _ = reply.send(added);
            }
            Command::Unregister { name, reply } => {
                if self.handlers.remove(&name).is_some() {
                    self.protocomm.remove_endpoint(&name);
                }
                let _ = reply.send(());
            }
            Command::NetworkState(reply) => {
                let _ = reply.send(self.network_state());
            }
            Command::ConfigureSta { credentials, reply } => {
                let set = ConfigRequest::SetWifiConfig(credentials);
                let status = match self.manager.handle_config(set, now) {
                    (ConfigResponse::SetWifiConfig(Status::Success), _) => {
                        let apply = ConfigRequest::ApplyWifiConfig;
                        let (response, actions) = self.manager.handle_config(apply, now);
                        self.execute(actions);
                        match response {
                            ConfigResponse::ApplyWifiConfig(status) => status,
                            _ => Status::InternalError,
                        }
                    }
                    (ConfigResponse::SetWifiConfig(status), _) => status,
                    _ => Status::InternalError,
                };
                let _ = reply.send(status);
            }
            Command::Ctrl { request, reply } => {
                let (response, actions) = self.manager.handle_ctrl(request, now);
                self.execute(actions);
                let _ = reply.send(response.status);
            }
            Command::ResetProvisioning(reply) => {
                let mut reply = Some(reply);
                for action in self.manager.reset_provisioning() {
                    match action {
                        Action::ForgetCredentials => self.forget(reply.take()),
                        other => self.execute(vec![other]),
                    }
                }
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(()));
                }
            }
            Command::IsProvisioned(reply) => {
                let _ = reply.send(self.provisioned);
            }
        }
    }

    fn network_state(&self) -> NetworkState {
        let provisioning = self.manager.state() >= ProvState::CredRecv;
        match self.manager.config().network {
            NetworkKind::Wifi if provisioning => NetworkState::Wifi(self.manager.wifi_status()),
            NetworkKind::Thread if provisioning => {
                NetworkState::Thread(self.manager.thread_status())
            }
            NetworkKind::Wifi => NetworkState::Wifi(match &self.last_network {
                Some(NetworkEvent::Connected(info)) => WifiStatus::Connected(info.clone()),
                Some(NetworkEvent::Disconnected { reason }) => match reason {
                    DisconnectReason::AuthFailed => WifiStatus::Failed(WifiFailReason::AuthError),
                    DisconnectReason::NoApFound => {
                        WifiStatus::Failed(WifiFailReason::NetworkNotFound)
                    }
                    DisconnectReason::Other(_) => WifiStatus::Disconnected,
                },
                _ => WifiStatus::Connecting {
                    attempts_remaining: None,
                },
            }),
            NetworkKind::Thread => NetworkState::Thread(match &self.last_network {
                Some(NetworkEvent::ThreadAttached(info)) => ThreadStatus::Attached(info.clone()),
                Some(NetworkEvent::ThreadFailed(reason)) => ThreadStatus::Failed(*reason),
                _ => ThreadStatus::Attaching,
            }),
        }
    }

    pub(super) fn forget(&mut self, reply: Option<oneshot::Sender<Result<(), String>>>) {
        self.provisioned = false;
        let _ = self.ops.send(BackendOp::Forget(reply));
    }
}
