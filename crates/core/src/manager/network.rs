//! What the radio tells the manager: the outcome of an attempt ([`NetworkEvent`]) and of a
//! scan ([`ScanResult`]). The runtime's network backend produces them; the manager only reads
//! them.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::messages::{ThreadAttached, ThreadFailReason, WifiConnected};

/// What a backend reports about the attempt it was asked to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkEvent {
    /// The station joined the network and has an IPv4 address (ESP: `IP_EVENT_STA_GOT_IP`).
    Connected(WifiConnected),
    /// The attempt failed or the link was lost (ESP: `WIFI_EVENT_STA_DISCONNECTED`).
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// The Thread interface attached (OpenThread role child/router/leader).
    ThreadAttached(ThreadAttached),
    /// Attaching failed.
    ThreadFailed(ThreadFailReason),
}

/// For people and logs: `connected to "HomeNetwork" (IPv4 192.168.1.100, WPA2_PSK, channel 6)`,
/// never raw byte lists.
impl fmt::Display for NetworkEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkEvent::Connected(info) => {
                let auth = info
                    .auth_mode
                    .name()
                    .map_or_else(|| format!("auth mode {}", info.auth_mode.0), str::to_owned);
                write!(
                    f,
                    "connected to {:?} (IPv4 {}, {auth}, channel {})",
                    String::from_utf8_lossy(&info.ssid),
                    info.ip4_addr,
                    info.channel
                )
            }
            NetworkEvent::Disconnected { reason } => write!(f, "disconnected: {reason}"),
            NetworkEvent::ThreadAttached(info) => write!(
                f,
                "attached to Thread network {:?} (PAN 0x{:04x}, channel {})",
                info.name, info.pan_id, info.channel
            ),
            NetworkEvent::ThreadFailed(reason) => write!(f, "Thread attach failed: {reason:?}"),
        }
    }
}

/// Why a Wi-Fi station attempt ended, in the classes the manager distinguishes (§10.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// The passphrase was refused (MIC failure, 4-way handshake timeout, auth failure).
    AuthFailed,
    /// No access point with that SSID answered.
    NoApFound,
    /// Anything else, with the raw IEEE 802.11 / ESP-IDF reason code.
    Other(u16),
}

impl DisconnectReason {
    /// Classifies an ESP-IDF `wifi_err_reason_t` (also the IEEE 802.11 reason codes wpa_supplicant
    /// reports): 14 MIC_FAILURE, 15 4WAY_HANDSHAKE_TIMEOUT, 202 AUTH_FAIL, 204 HANDSHAKE_TIMEOUT are
    /// authentication failures; 201 NO_AP_FOUND is "not found" (§10.3).
    pub fn from_esp_reason(code: u16) -> Self {
        match code {
            14 | 15 | 202 | 204 => DisconnectReason::AuthFailed,
            201 => DisconnectReason::NoApFound,
            other => DisconnectReason::Other(other),
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::AuthFailed => {
                f.write_str("authentication failed (wrong passphrase?)")
            }
            DisconnectReason::NoApFound => {
                f.write_str("network not found (wrong SSID or out of range?)")
            }
            DisconnectReason::Other(code) => write!(f, "reason code {code}"),
        }
    }
}

/// A scan that could not be run. The manager answers the scan's waiter InternalError and keeps
/// no results; why it failed is the runtime's to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScanFailed;

impl fmt::Display for ScanFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the scan failed")
    }
}

/// The outcome of a scan the manager asked for: what it found, in any order, or a failure.
pub type ScanResult<T> = Result<Vec<T>, ScanFailed>;
