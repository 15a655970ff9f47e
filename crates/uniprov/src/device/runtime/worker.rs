//! The backend worker: carries out the manager's radio and storage actions in order, so the
//! device task never waits for the backend and a Disconnect never overtakes the Connect
//! that follows it.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use uniprov_core::manager::BackendOp;
use uniprov_core::messages::{ThreadFailReason, ThreadScanEntry, WifiScanEntry};

use crate::device::network::{DisconnectReason, NetworkBackend, NetworkError, NetworkEvent};
use crate::device::storage::StateDir;

/// What the device's own helper tasks (this worker, the scan tasks) report to the device task.
pub(super) enum Internal {
    /// A Wi-Fi scan finished.
    WifiScan(Result<Vec<WifiScanEntry>, NetworkError>),
    /// A Thread scan finished.
    ThreadScan(Result<Vec<ThreadScanEntry>, NetworkError>),
    /// An outcome the worker synthesised (an attempt that could not start).
    Network(NetworkEvent),
}

/// One backend operation (the core's [`BackendOp`]), and who waits for its result.
pub(super) struct Job {
    pub(super) op: BackendOp,
    /// Told the result of a [`BackendOp::ForgetCredentials`] (`DeviceHandle::reset_provisioning`).
    pub(super) done: Option<oneshot::Sender<Result<(), String>>>,
}

impl From<BackendOp> for Job {
    fn from(op: BackendOp) -> Job {
        Job { op, done: None }
    }
}

/// Runs operations until the device task drops its sender.
pub(super) async fn backend_worker(
    backend: Arc<dyn NetworkBackend>,
    state_dir: Option<StateDir>,
    mut ops: mpsc::UnboundedReceiver<Job>,
    internal: mpsc::UnboundedSender<Internal>,
) {
    while let Some(Job { op, done }) = ops.recv().await {
        match op {
            BackendOp::Connect(credentials) => {
                if let Err(error) = backend.connect_wifi(&credentials).await {
                    // An attempt that could not even start is reported as "not found", a
                    // final failure: an unmapped reason would make the manager retry forever.
                    tracing::warn!(%error, "connect failed to start");
                    let reason = DisconnectReason::NoApFound;
                    let _ = internal.send(Internal::Network(NetworkEvent::Disconnected { reason }));
                }
            }
            BackendOp::AttachThread(dataset) => {
                if let Err(error) = backend.attach_thread(&dataset).await {
                    tracing::warn!(%error, "attach failed to start");
                    let reason = match error {
                        NetworkError::InvalidDataset(_) => ThreadFailReason::DatasetInvalid,
                        _ => ThreadFailReason::NetworkNotFound,
                    };
                    let _ = internal.send(Internal::Network(NetworkEvent::ThreadFailed(reason)));
                }
            }
            BackendOp::Disconnect => {
                if let Err(error) = backend.disconnect().await {
                    tracing::warn!(%error, "disconnect failed");
                }
            }
            BackendOp::PersistWifi(credentials) => {
                let result = match backend.persist_wifi(&credentials).await {
                    Ok(()) => store(&state_dir, |d| {
                        d.store_wifi(&credentials.ssid, &credentials.passphrase)
                    }),
                    Err(error) => Err(error.to_string()),
                };
                log_persist(result);
            }
            BackendOp::PersistThread(dataset) => {
                let result = match backend.persist_thread(&dataset).await {
                    Ok(()) => store(&state_dir, |d| d.store_thread(&dataset)),
                    Err(error) => Err(error.to_string()),
                };
                log_persist(result);
            }
            BackendOp::ForgetCredentials => {
                let result = match backend.forget().await {
                    Ok(()) => store(&state_dir, StateDir::clear_network),
                    Err(error) => Err(error.to_string()),
                };
                if let Err(error) = &result {
                    tracing::warn!(%error, "forgetting credentials failed");
                }
                if let Some(done) = done {
                    let _ = done.send(result);
                }
            }
        }
    }
}

fn store(
    dir: &Option<StateDir>,
    write: impl FnOnce(&StateDir) -> Result<(), crate::device::storage::StorageError>,
) -> Result<(), String> {
    match dir {
        Some(dir) => write(dir).map_err(|e| e.to_string()),
        None => Ok(()),
    }
}

fn log_persist(result: Result<(), String>) {
    match result {
        Ok(()) => tracing::info!("proven credentials persisted"),
        Err(error) => tracing::error!(%error, "persisting proven credentials failed"),
    }
}
