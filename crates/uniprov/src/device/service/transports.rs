//! Opening the transports at start and running them until the device stops them.

use std::io::Read;
use std::net::SocketAddr;

use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::builder::{ConsoleIo, StartError, TransportSpec};
use crate::device::transport::console::open_serial;
use crate::device::transport::{ConsoleTransport, HttpTransport, RequestQueue};

/// The running transports.
#[derive(Default)]
pub(super) struct Running {
    /// One task per transport; each ends after the stop signal.
    pub(super) tasks: JoinSet<()>,
    /// The bound HTTP addresses, in the order of the specs.
    pub(super) http_addrs: Vec<SocketAddr>,
}

/// Resolves when `stop` turns true or its sender is gone.
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Opens every transport (`endpoints`: the declared custom endpoints, which BLE needs for its
/// GATT table) (errors surface here, before anything runs) and spawns its task.
pub(super) async fn start(
    specs: Vec<TransportSpec>,
    #[cfg_attr(
        not(all(target_os = "linux", feature = "ble")),
        allow(unused_variables)
    )]
    endpoints: &[String],
    queue: &RequestQueue,
    stop: watch::Receiver<bool>,
    max_sessions: usize,
) -> Result<Running, StartError> {
    let mut running = Running::default();
    for spec in specs {
        match spec {
            TransportSpec::Http(mut config) => {
                config.max_tracked_sessions = max_sessions.max(1);
                let transport = HttpTransport::new(config, queue.clone());
                let listener = transport
                    .bind()
                    .await
                    .map_err(|source| StartError::Transport {
                        target: transport.config().listen.to_string(),
                        source,
                    })?;
                let addr = listener
                    .local_addr()
                    .map_err(|source| StartError::Transport {
                        target: transport.config().listen.to_string(),
                        source,
                    })?;
                tracing::info!(%addr, "HTTP transport listening");
                running.http_addrs.push(addr);
                let shutdown = stopped(stop.clone());
                running.tasks.spawn(
                    transport
                        .serve(listener, shutdown)
                        .instrument(tracing::info_span!("http-server", %addr)),
                );
            }
            TransportSpec::Console {
                config,
                io: ConsoleIo::Serial { path, baud },
            } => {
                let port = open_serial(&path, baud).map_err(|source| StartError::Transport {
                    target: path.clone(),
                    source,
                })?;
                tracing::info!(%path, baud, "console transport on serial port");
                let (reader, writer) = tokio::io::split(port);
                let serve = ConsoleTransport::new(config).serve(
                    reader,
                    writer,
                    queue.clone(),
                    stopped(stop.clone()),
                );
                running.tasks.spawn(
                    async move {
                        if let Err(error) = serve.await {
                            tracing::warn!(%error, "serial console ended");
                        }
                    }
                    .instrument(tracing::info_span!("console", %path)),
                );
            }
            TransportSpec::Console {
                config,
                io: ConsoleIo::Stdio,
            } => {
                tracing::info!("console transport on stdin/stdout");
                let serve = ConsoleTransport::new(config).serve(
                    stdin_stream(),
                    tokio::io::stdout(),
                    queue.clone(),
                    stopped(stop.clone()),
                );
                running.tasks.spawn(
                    async move {
                        match serve.await {
                            Ok(()) => tracing::info!("console input ended"),
                            Err(error) => tracing::warn!(%error, "console ended"),
                        }
                    }
                    .instrument(tracing::info_span!("console", io = "stdio")),
                );
            }
            #[cfg(all(target_os = "linux", feature = "ble"))]
            TransportSpec::Ble(mut config) => {
                config.custom_endpoints = endpoints.to_vec();
                let target = format!(
                    "BLE adapter {}",
                    config.adapter.as_deref().unwrap_or("(default)")
                );
                let ble = crate::device::transport::ble::BleTransport::start(config, queue.clone())
                    .await
                    .map_err(|e| StartError::Transport {
                        target,
                        source: std::io::Error::other(e),
                    })?;
                let shutdown = stopped(stop.clone());
                running.tasks.spawn(async move {
                    shutdown.await;
                    // Disconnects the clients, then unregisters the application and the
                    // advertisement.
                    ble.stop().await;
                    tracing::info!("BLE transport stopped");
                });
            }
        }
    }
    Ok(running)
}

/// Standard input as an async stream, read by a plain thread.
///
/// `tokio::io::stdin` reads on the blocking pool, and a read that never returns keeps the
/// runtime from shutting down; a detached thread does not keep the process alive.
fn stdin_stream() -> tokio::io::DuplexStream {
    let (mut writer, reader) = tokio::io::duplex(4096);
    let runtime = tokio::runtime::Handle::current();
    let spawned = std::thread::Builder::new()
        .name("uniprov-stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut chunk = [0u8; 1024];
            loop {
                let n = match stdin.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if runtime.block_on(writer.write_all(&chunk[..n])).is_err() {
                    break;
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the stdin reader");
    }
    reader
}
