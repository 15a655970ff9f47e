//! [`TransportSpec`]: which transports a device serves, and how each one opens at start. Each
//! transport owns its opening (`HttpTransport::open`, `ConsoleTransport::open`,
//! `BleTransport::open`); this file only picks the one a spec names.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use tokio::sync::watch;

use super::{ConsoleConfig, ConsoleTransport, HttpConfig, HttpTransport, RequestQueue};
use crate::entropy::SharedEntropy;

/// A transport the device serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TransportSpec {
    /// An HTTP server (§9.1). Its `max_tracked_sessions` is set to the device's
    /// [`DeviceBuilder::max_sessions`](crate::device::runtime::DeviceBuilder::max_sessions).
    Http(HttpConfig),
    /// A console (§9.3).
    Console {
        /// Line limit and echo.
        config: ConsoleConfig,
        /// Where the console lines come from.
        io: ConsoleIo,
    },
    /// A BLE GATT server over BlueZ (§9.2). Its custom endpoints are the device's declared
    /// endpoints (whatever the config lists is replaced), in declaration order.
    #[cfg(all(target_os = "linux", feature = "ble"))]
    Ble(super::ble::BleConfig),
}

/// Where a console transport reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleIo {
    /// This process's standard input and output (nothing else may write to stdout).
    Stdio,
    /// A serial port, 8N1.
    Serial {
        /// Device path (`/dev/ttyUSB0`).
        path: String,
        /// Baud rate.
        baud: u32,
    },
}

/// A transport that could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open {target}: {source}")]
pub struct OpenError {
    /// The address, port or adapter.
    pub target: String,
    /// Why.
    pub source: std::io::Error,
}

/// What the device tells a transport as it opens it.
pub(crate) struct OpenContext<'a> {
    /// Where requests go.
    pub(crate) queue: &'a RequestQueue,
    /// Turns true when the transport is to stop.
    pub(crate) stop: watch::Receiver<bool>,
    /// The device's session limit (HTTP tracks as many cookies).
    pub(crate) max_sessions: usize,
    /// The declared custom endpoints (BLE lists them in its GATT table).
    #[cfg_attr(not(all(target_os = "linux", feature = "ble")), allow(dead_code))]
    pub(crate) endpoints: &'a [String],
    /// The device's randomness (HTTP session cookies).
    pub(crate) entropy: &'a SharedEntropy,
}

/// The task of an open transport.
pub(crate) type TransportTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// An open transport: its task (which ends after the stop signal) and, for HTTP, the bound
/// address.
pub(crate) struct Opened {
    pub(crate) task: TransportTask,
    pub(crate) http_addr: Option<SocketAddr>,
}

impl TransportSpec {
    /// Opens the transport (errors surface here, before anything runs); the returned task
    /// serves it.
    pub(crate) async fn open(self, cx: OpenContext<'_>) -> Result<Opened, OpenError> {
        match self {
            TransportSpec::Http(config) => HttpTransport::open(config, cx).await,
            TransportSpec::Console { config, io } => ConsoleTransport::open(config, io, cx),
            #[cfg(all(target_os = "linux", feature = "ble"))]
            TransportSpec::Ble(config) => super::ble::BleTransport::open(config, cx).await,
        }
    }
}

/// Resolves when `stop` turns true or its sender is gone.
pub(crate) async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}
