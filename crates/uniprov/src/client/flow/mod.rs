//! Whole client operations against one device, from opening the transport to the report:
//! what the `uniprov` subcommands and the manifest runner execute. A run ends in a [`Report`]
//! whose result is a typed [`Outcome`]; how it is shown (text, JSON) is the caller's business.

mod outcome;
#[cfg(not(target_arch = "wasm32"))]
mod run;

use uniprov_core::messages::WifiScanEntry;

use super::error::{ClientError, MissingCredential};
use super::negotiate::{SecurityRequest, Warning};
use super::options::{ClientOptions, NetworkCredentials, Target};
use super::report::Phase;
use super::transport::MaybeSend;

pub use outcome::{Ctrl, CustomReply, NetworkStatus, Networks, Outcome};
#[cfg(not(target_arch = "wasm32"))]
pub use run::run;

/// What to do once the session is up.
#[derive(Debug)]
pub enum Action {
    /// Only read proto-ver (no handshake).
    Version,
    /// Send credentials, apply, wait until connected. Without credentials the device scans and
    /// [`Hooks::choose_network`] picks one.
    Provision {
        /// The network; `None` = scan and ask.
        credentials: Option<NetworkCredentials>,
        /// Bytes for the `custom-data` endpoint, sent before the credentials (esp_prov's
        /// `--custom_data`).
        custom_data: Option<Vec<u8>>,
    },
    /// Scan for networks (Wi-Fi, or Thread on a Thread device).
    Scan,
    /// Read the station (or Thread) status.
    Status,
    /// prov-ctrl reset.
    Reset,
    /// prov-ctrl reprov.
    Reprov,
    /// Send bytes to a custom endpoint.
    Custom {
        /// Endpoint name.
        endpoint: String,
        /// Request bytes.
        data: Vec<u8>,
    },
}

/// One job: where, with which security, what.
#[derive(Debug)]
pub struct Job {
    /// The device.
    pub target: Target,
    /// The security the person asked for.
    pub security: SecurityRequest,
    /// Timeouts and tuning.
    pub options: ClientOptions,
    /// The operation.
    pub action: Action,
    /// Fail unless proto-ver's `prov.ver` is this (esp_prov's `--proto_ver`).
    pub expect_version: Option<String>,
}

/// Callbacks of a running job: progress display and the interactive network choice.
pub trait Hooks: MaybeSend {
    /// A phase is about to start.
    fn phase(&mut self, _phase: Phase) {}

    /// Negotiation produced a warning (also recorded in the report).
    fn warning(&mut self, _warning: &Warning) {}

    /// Provisioning without credentials: pick a network from the scan results and return the
    /// credentials, or fail (by default [`MissingCredential::Network`]: nobody can be asked).
    fn choose_network(
        &mut self,
        entries: &[WifiScanEntry],
    ) -> Result<NetworkCredentials, ClientError> {
        let _ = entries;
        Err(ClientError::MissingCredential(MissingCredential::Network))
    }
}

/// Hooks that show nothing and cannot ask (manifest rows, `--json`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Hooks for Silent {}
