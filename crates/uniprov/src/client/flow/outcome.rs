//! What a successful client operation produced, typed: the CLI turns it into text or JSON.

use uniprov_core::messages::{ThreadScanEntry, ThreadStatus, WifiScanEntry, WifiStatus};

use crate::client::device::Provisioned;

/// The result of a [`Job`](super::Job) that succeeded, one variant per [`Action`](super::Action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// proto-ver was read (it is in the report's `device`); nothing else was asked.
    Version,
    /// The device joined the network.
    Provisioned {
        /// The network joined.
        network: Provisioned,
        /// The `custom-data` endpoint's answer, when custom data was sent first.
        custom: Option<CustomReply>,
    },
    /// The networks the device sees.
    Networks(Networks),
    /// The device's connection state.
    Status(NetworkStatus),
    /// A prov-ctrl command was accepted.
    Ctrl(Ctrl),
    /// A custom endpoint answered.
    Custom(CustomReply),
}

/// A custom endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomReply {
    /// The endpoint asked.
    pub endpoint: String,
    /// Its decrypted response bytes.
    pub response: Vec<u8>,
}

/// Scan results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Networks {
    /// Wi-Fi access points.
    Wifi(Vec<WifiScanEntry>),
    /// Thread networks.
    Thread(Vec<ThreadScanEntry>),
}

/// A station or Thread state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkStatus {
    /// The Wi-Fi station state.
    Wifi(WifiStatus),
    /// The Thread attach state.
    Thread(ThreadStatus),
}

/// A prov-ctrl command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctrl {
    /// Reset a failed attempt so that new credentials are accepted.
    Reset,
    /// Restart provisioning on a provisioned device.
    Reprov,
}

impl Ctrl {
    /// The command's name (`"reset"`, `"reprov"`).
    pub fn name(self) -> &'static str {
        match self {
            Ctrl::Reset => "reset",
            Ctrl::Reprov => "reprov",
        }
    }
}
