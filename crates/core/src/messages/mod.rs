//! Validated endpoint messages (docs/protocol.md §2, §10, §14).
//!
//! Each endpoint has a request enum whose variants are the legal requests, and a response type.
//! Decoding happens once, at this boundary: a `msg` that disagrees with the oneof payload, or a
//! missing required payload, is rejected here. Where the reference client sends `msg` alone
//! (ApplyConfig `0804`, ScanStatus `0802`, CtrlReset `0801`, CtrlReprov `0803`), decoding
//! dispatches on `msg`.
//!
//! The Wi-Fi messages of wifi_provisioning and network_provisioning are byte-identical, so one set
//! of types serves both; the Thread variants exist only in network_provisioning.
//!
//! Both roles use these types: the device decodes requests and encodes responses, the client
//! encodes requests and decodes responses.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Secret;

pub mod config;
pub mod ctrl;
mod error;
pub mod scan;
mod wire;

pub use error::DecodeError;

/// Status carried in responses (`constants.proto`, docs/protocol.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0
    Success,
    /// 1
    InvalidSecScheme,
    /// 2
    InvalidProto,
    /// 3
    TooManySessions,
    /// 4
    InvalidArgument,
    /// 5
    InternalError,
    /// 6
    CryptoError,
    /// 7
    InvalidSession,
}

/// A Wi-Fi authentication mode. Firmware copies the raw ESP-IDF `wifi_auth_mode_t`, so values
/// beyond the proto enum (8 = WAPI_PSK ... 16 = WPA_ENTERPRISE) occur and are kept as they are.
/// The default is `OPEN` (0), the protobuf default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AuthMode(pub i32);

impl AuthMode {
    /// Open network.
    pub const OPEN: AuthMode = AuthMode(0);
    /// WEP.
    pub const WEP: AuthMode = AuthMode(1);
    /// WPA-PSK.
    pub const WPA_PSK: AuthMode = AuthMode(2);
    /// WPA2-PSK.
    pub const WPA2_PSK: AuthMode = AuthMode(3);
    /// WPA/WPA2-PSK mixed.
    pub const WPA_WPA2_PSK: AuthMode = AuthMode(4);
    /// WPA2-Enterprise.
    pub const WPA2_ENTERPRISE: AuthMode = AuthMode(5);
    /// WPA3-PSK (SAE).
    pub const WPA3_PSK: AuthMode = AuthMode(6);
    /// WPA2/WPA3-PSK mixed.
    pub const WPA2_WPA3_PSK: AuthMode = AuthMode(7);

    /// The ESP-IDF name of the mode (`"WPA2_PSK"`), or `None` for a value this build does not know.
    pub fn name(self) -> Option<&'static str> {
        const NAMES: [&str; 17] = [
            "Open",
            "WEP",
            "WPA_PSK",
            "WPA2_PSK",
            "WPA_WPA2_PSK",
            "WPA2_ENTERPRISE",
            "WPA3_PSK",
            "WPA2_WPA3_PSK",
            "WAPI_PSK",
            "OWE",
            "WPA3_ENT_192",
            "WPA3_EXT_PSK",
            "WPA3_EXT_PSK_MIXED_MODE",
            "DPP",
            "WPA3_ENTERPRISE",
            "WPA2_WPA3_ENTERPRISE",
            "WPA_ENTERPRISE",
        ];
        usize::try_from(self.0)
            .ok()
            .and_then(|i| NAMES.get(i).copied())
    }
}

/// Wi-Fi credentials received in CmdSetConfig (docs/protocol.md §2.7, §10.4).
///
/// `bssid` and `channel` travel on the wire but the ESP manager ignores them.
#[derive(Debug)]
pub struct WifiCredentials {
    /// SSID bytes (not necessarily UTF-8), at most 32 bytes once validated by the device.
    pub ssid: Vec<u8>,
    /// Passphrase bytes, at most 63 once validated; empty for an open network.
    pub passphrase: Secret<Vec<u8>>,
    /// BSSID: empty or 6 bytes.
    pub bssid: Vec<u8>,
    /// Channel hint (0 = any).
    pub channel: i32,
}

/// Why a Wi-Fi connection failed (`WifiConnectFailedReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WifiFailReason {
    /// 0: wrong passphrase (4-way handshake / auth failure).
    AuthError,
    /// 1: the SSID was not found.
    NetworkNotFound,
}

/// The connected station's details (`WifiConnectedState`).
///
/// The all-empty value ([`Default`]) stands for "connected, no details": what firmware reports
/// when its status handler fails (§10.3); it is encoded without a `connected` member.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WifiConnected {
    /// Dotted IPv4 address.
    pub ip4_addr: String,
    /// Authentication mode of the joined network.
    pub auth_mode: AuthMode,
    /// SSID bytes.
    pub ssid: Vec<u8>,
    /// BSSID (6 bytes).
    pub bssid: Vec<u8>,
    /// Channel.
    pub channel: i32,
}

/// The station state reported by GetStatus (docs/protocol.md §10.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WifiStatus {
    /// `sta_state = Connecting`, optionally with `attempt_failed{attempts_remaining}`.
    Connecting {
        /// Present when a connection attempt failed and the device retries.
        attempts_remaining: Option<u32>,
    },
    /// `sta_state = Connected` with details.
    Connected(WifiConnected),
    /// `sta_state = Disconnected` (firmware never sends it; clients accept it).
    Disconnected,
    /// `sta_state = ConnectionFailed` with the reason.
    Failed(WifiFailReason),
}

/// Thread attach state (`ThreadNetworkState`, docs/protocol.md §10.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadStatus {
    /// Attaching.
    Attaching,
    /// Attached, with details from the active dataset.
    Attached(ThreadAttached),
    /// Detached ("Dettached" upstream).
    Detached,
    /// Attaching failed with the reason.
    Failed(ThreadFailReason),
}

/// Details of an attached Thread network (`ThreadAttachState`).
///
/// As for [`WifiConnected`], the all-empty value ([`Default`]) is encoded without a member.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadAttached {
    /// PAN id.
    pub pan_id: u32,
    /// Extended PAN id (8 bytes).
    pub ext_pan_id: Vec<u8>,
    /// Channel.
    pub channel: u32,
    /// Network name.
    pub name: String,
}

/// Why attaching to a Thread network failed (`ThreadAttachFailedReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadFailReason {
    /// 0: the dataset TLVs are invalid.
    DatasetInvalid,
    /// 1: no such network answered.
    NetworkNotFound,
}

/// Parameters of a Wi-Fi ScanStart (docs/protocol.md §10.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WifiScanParams {
    /// Respond only after the scan finished.
    pub blocking: bool,
    /// Passive scan.
    pub passive: bool,
    /// 0 = all channels at once; N = N channels at a time with a pause between groups.
    pub group_channels: u32,
    /// Dwell time per channel in milliseconds (0 = default).
    pub period_ms: u32,
}

/// Parameters of a Thread ScanStart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadScanParams {
    /// Respond only after the scan finished.
    pub blocking: bool,
    /// Channel mask, 0 = all channels.
    pub channel_mask: u32,
}

/// One Wi-Fi scan result (`WiFiScanResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WifiScanEntry {
    /// SSID bytes (at most 32).
    pub ssid: Vec<u8>,
    /// Channel.
    pub channel: u32,
    /// Signal strength in dBm (negative).
    pub rssi: i32,
    /// BSSID (6 bytes).
    pub bssid: Vec<u8>,
    /// Authentication mode.
    pub auth: AuthMode,
}

/// One Thread scan result (`ThreadScanResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadScanEntry {
    /// PAN id.
    pub pan_id: u32,
    /// Channel.
    pub channel: u32,
    /// Signal strength in dBm.
    pub rssi: i32,
    /// Link quality indicator.
    pub lqi: u32,
    /// Extended address (8 bytes).
    pub ext_addr: Vec<u8>,
    /// Network name.
    pub network_name: String,
    /// Extended PAN id (8 bytes).
    pub ext_pan_id: Vec<u8>,
}

/// Which network a request is about (Thread exists only in network_provisioning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkKind {
    /// Wi-Fi.
    Wifi,
    /// Thread.
    Thread,
}

#[cfg(test)]
mod tests;
