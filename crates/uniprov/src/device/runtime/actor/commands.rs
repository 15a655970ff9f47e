//! The handles' commands: ESP's manager calls after start.

use tokio::sync::oneshot;
use uniprov_core::manager::BackendOp;
use uniprov_core::messages::{NetworkKind, ThreadStatus, WifiFailReason, WifiStatus};

use super::super::handle::{Command, HandleError};
use super::super::worker::Job;
use super::super::NetworkState;
use super::Actor;
use crate::device::manager::{Action, ProvState};
use crate::device::network::{DisconnectReason, NetworkEvent};

impl Actor {
    pub(super) fn on_command(&mut self, command: Command) {
        let now = self.now();
        match command {
            Command::Stop => {
                let actions = self.parts.device.stop(now);
                self.execute(actions);
            }
            Command::Deinit => {
                let actions = self.parts.device.deinit(now);
                self.execute(actions);
            }
            Command::Register {
                name,
                handler,
                reply,
            } => {
                let added = self
                    .parts
                    .device
                    .add_endpoint(&name)
                    .map_err(|_| HandleError::Endpoint(name.clone()));
                if added.is_ok() {
                    self.parts.handlers.insert(name, handler);
                }
                let _ = reply.send(added);
            }
            Command::Unregister { name, reply } => {
                if self.parts.handlers.remove(&name).is_some() {
                    self.parts.device.remove_endpoint(&name);
                }
                let _ = reply.send(());
            }
            Command::NetworkState(reply) => {
                let _ = reply.send(self.network_state());
            }
            Command::ConfigureSta { credentials, reply } => {
                let (status, actions) = self.parts.device.configure_wifi(credentials, now);
                self.execute(actions);
                let _ = reply.send(status);
            }
            Command::Ctrl { request, reply } => {
                let (response, actions) = self.parts.device.ctrl(request, now);
                self.execute(actions);
                let _ = reply.send(response.status);
            }
            Command::ResetProvisioning(reply) => {
                let mut reply = Some(reply);
                for action in self.parts.device.reset_provisioning() {
                    match action {
                        Action::Backend(BackendOp::ForgetCredentials) => self.forget(reply.take()),
                        other => self.execute(vec![other]),
                    }
                }
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(()));
                }
            }
            Command::IsProvisioned(reply) => {
                let _ = reply.send(self.parts.provisioned);
            }
        }
    }

    fn network_state(&self) -> NetworkState {
        let manager = self.parts.device.manager();
        let provisioning = manager.state() >= ProvState::CredRecv;
        match manager.config().network {
            NetworkKind::Wifi if provisioning => NetworkState::Wifi(manager.wifi_status()),
            NetworkKind::Thread if provisioning => NetworkState::Thread(manager.thread_status()),
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
        self.op(Job {
            op: BackendOp::ForgetCredentials,
            done: reply,
        });
    }
}
