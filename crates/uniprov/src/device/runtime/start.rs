//! [`DeviceBuilder::start`]: the device's start, in its steps (storage, router, transports,
//! worker, device task), each a function or a small type of this file.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use uniprov_core::device::Device;
use uniprov_core::manager::BackendOp;
use uniprov_core::messages::NetworkKind;
use uniprov_core::protocomm::{EndpointKind, Protocomm};
use uniprov_core::security::DeviceSecurity;

use super::actor::Actor;
use super::builder::{DeviceBuilder, OnStoredCredentials, Security};
use super::clock::Clock;
use super::handle::{DeviceHandle, Shared};
use super::worker::{backend_worker, Internal, Job};
use super::{endpoint, version, DeviceEvent, EndpointHandler, StartError};
use crate::device::manager::{Action, ManagerConfig, Mode};
use crate::device::network::sim::SimRadio;
use crate::device::network::{NetworkBackend, NetworkEvent};
use crate::device::storage::{StateDir, StorageError};
use crate::device::transport::{OpenContext, TransportEvent, TransportSpec};
use crate::entropy::SharedEntropy;

/// Capacity of the request queue shared by the transports.
const QUEUE_CAPACITY: usize = 64;

impl DeviceBuilder {
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
