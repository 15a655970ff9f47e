//! Conversions between the domain types of `messages` and the raw prost types they travel in.
//!
//! Shared by the three endpoint codecs. Every conversion from the wire is total over its input
//! and reports a [`DecodeError`] instead of panicking; every conversion to the wire produces
//! the canonical prost encoding of §2.11 (ascending fields, proto3 defaults omitted, set oneof
//! members emitted even when empty).

use crate::proto::network_config::{
    resp_get_thread_status, resp_get_wifi_status, RespGetThreadStatus, RespGetWifiStatus,
};
use crate::proto::network_constants as pbc;
use crate::proto::network_scan as pbs;

use super::{
    AuthMode, DecodeError, Status, ThreadAttached, ThreadFailReason, ThreadScanEntry,
    ThreadScanParams, ThreadStatus, WifiConnected, WifiFailReason, WifiScanEntry, WifiScanParams,
    WifiStatus,
};

impl Status {
    /// The `constants.Status` value on the wire (§2.1).
    pub fn to_wire(self) -> i32 {
        match self {
            Status::Success => 0,
            Status::InvalidSecScheme => 1,
            Status::InvalidProto => 2,
            Status::TooManySessions => 3,
            Status::InvalidArgument => 4,
            Status::InternalError => 5,
            Status::CryptoError => 6,
            Status::InvalidSession => 7,
        }
    }

    /// The status for a wire value, or `None` for a value outside `constants.Status` (§2.1).
    pub fn from_wire(value: i32) -> Option<Status> {
        Some(match value {
            0 => Status::Success,
            1 => Status::InvalidSecScheme,
            2 => Status::InvalidProto,
            3 => Status::TooManySessions,
            4 => Status::InvalidArgument,
            5 => Status::InternalError,
            6 => Status::CryptoError,
            7 => Status::InvalidSession,
            _ => return None,
        })
    }
}

/// A status field read from a peer; a value outside the enum is a malformed message.
pub(super) fn status(value: i32) -> Result<Status, DecodeError> {
    Status::from_wire(value).ok_or(DecodeError::Malformed)
}

const STA_CONNECTED: i32 = pbc::WifiStationState::Connected as i32;
const STA_CONNECTING: i32 = pbc::WifiStationState::Connecting as i32;
const STA_DISCONNECTED: i32 = pbc::WifiStationState::Disconnected as i32;
const STA_FAILED: i32 = pbc::WifiStationState::ConnectionFailed as i32;

fn wifi_fail_reason(value: i32) -> Result<WifiFailReason, DecodeError> {
    match value {
        0 => Ok(WifiFailReason::AuthError),
        1 => Ok(WifiFailReason::NetworkNotFound),
        _ => Err(DecodeError::Malformed),
    }
}

fn wifi_fail_reason_to_wire(reason: WifiFailReason) -> i32 {
    match reason {
        WifiFailReason::AuthError => 0,
        WifiFailReason::NetworkNotFound => 1,
    }
}

/// Reads the station state of a RespGetStatus (client side, §10.3).
///
/// `sta_state` decides; the oneof member must agree with it (`MsgMismatch` otherwise). Members
/// that protobuf readers treat as "absent = default" are read that way, as esp_prov and the apps
/// do: `Connected` without `connected` details (what firmware sends when its status handler
/// fails, vectors `resp_get_status_internal_error` / `_handler_failed_idf`) reads as connected
/// with empty details, and `ConnectionFailed` without `fail_reason` reads as `AuthError` (0).
/// `Disconnected`, never sent by ESP firmware, is accepted.
pub(super) fn wifi_status_from_wire(resp: RespGetWifiStatus) -> Result<WifiStatus, DecodeError> {
    use resp_get_wifi_status::State;
    match (resp.wifi_sta_state, resp.state) {
        (STA_CONNECTED, None) => Ok(WifiStatus::Connected(WifiConnected::default())),
        (STA_CONNECTED, Some(State::WifiConnected(c))) => {
            Ok(WifiStatus::Connected(WifiConnected {
                ip4_addr: c.ip4_addr,
                auth_mode: AuthMode(c.auth_mode),
                ssid: c.ssid,
                bssid: c.bssid,
                channel: c.channel,
            }))
        }
        (STA_CONNECTING, None) => Ok(WifiStatus::Connecting {
            attempts_remaining: None,
        }),
        // The firmware marks `connected` with a NULL pointer for Connecting (§2.11); a
        // protobuf encoder that emits the empty member instead means the same thing.
        (STA_CONNECTING, Some(State::WifiConnected(c)))
            if c == pbc::WifiConnectedState::default() =>
        {
            Ok(WifiStatus::Connecting {
                attempts_remaining: None,
            })
        }
        (STA_CONNECTING, Some(State::AttemptFailed(a))) => Ok(WifiStatus::Connecting {
            attempts_remaining: Some(a.attempts_remaining),
        }),
        (STA_DISCONNECTED, None) => Ok(WifiStatus::Disconnected),
        (STA_FAILED, None) => Ok(WifiStatus::Failed(WifiFailReason::AuthError)),
        (STA_FAILED, Some(State::WifiFailReason(r))) => {
            Ok(WifiStatus::Failed(wifi_fail_reason(r)?))
        }
        (STA_CONNECTED | STA_CONNECTING | STA_DISCONNECTED | STA_FAILED, Some(_)) => {
            Err(DecodeError::MsgMismatch)
        }
        _ => Err(DecodeError::Malformed),
    }
}

/// Builds a RespGetStatus as ESP firmware fills it (device side, §2.11, §10.3).
///
/// `Connecting` without attempt information carries nothing after `sta_state` (the firmware's
/// NULL-pointer quirk); `Failed(AuthError)` emits `fail_reason` 0 as `50 00`. `Connected` with
/// all-empty details emits no `connected` member: that is what firmware sends when its status
/// handler fails (see [`super::config::ConfigResponse::wifi_status_unavailable`]).
pub(super) fn wifi_status_to_wire(status: Status, state: &WifiStatus) -> RespGetWifiStatus {
    use resp_get_wifi_status::State;
    let (sta, member) = match state {
        WifiStatus::Connected(c) if *c == WifiConnected::default() => (STA_CONNECTED, None),
        WifiStatus::Connected(c) => (
            STA_CONNECTED,
            Some(State::WifiConnected(pbc::WifiConnectedState {
                ip4_addr: c.ip4_addr.clone(),
                auth_mode: c.auth_mode.0,
                ssid: c.ssid.clone(),
                bssid: c.bssid.clone(),
                channel: c.channel,
            })),
        ),
        WifiStatus::Connecting {
            attempts_remaining: None,
        } => (STA_CONNECTING, None),
        WifiStatus::Connecting {
            attempts_remaining: Some(n),
        } => (
            STA_CONNECTING,
            Some(State::AttemptFailed(pbc::WifiAttemptFailed {
                attempts_remaining: *n,
            })),
        ),
        WifiStatus::Disconnected => (STA_DISCONNECTED, None),
        WifiStatus::Failed(r) => (
            STA_FAILED,
            Some(State::WifiFailReason(wifi_fail_reason_to_wire(*r))),
        ),
    };
    RespGetWifiStatus {
        status: status.to_wire(),
        wifi_sta_state: sta,
        state: member,
    }
}

const THREAD_ATTACHED: i32 = pbc::ThreadNetworkState::Attached as i32;
const THREAD_ATTACHING: i32 = pbc::ThreadNetworkState::Attaching as i32;
const THREAD_DETACHED: i32 = pbc::ThreadNetworkState::Dettached as i32;
const THREAD_FAILED: i32 = pbc::ThreadNetworkState::AttachingFailed as i32;

fn thread_fail_reason(value: i32) -> Result<ThreadFailReason, DecodeError> {
    match value {
        0 => Ok(ThreadFailReason::DatasetInvalid),
        1 => Ok(ThreadFailReason::NetworkNotFound),
        _ => Err(DecodeError::Malformed),
    }
}

fn thread_fail_reason_to_wire(reason: ThreadFailReason) -> i32 {
    match reason {
        ThreadFailReason::DatasetInvalid => 0,
        ThreadFailReason::NetworkNotFound => 1,
    }
}

/// Reads the attach state of a RespGetThreadStatus (client side, §10.7); same rules as
/// [`wifi_status_from_wire`].
pub(super) fn thread_status_from_wire(
    resp: RespGetThreadStatus,
) -> Result<ThreadStatus, DecodeError> {
    use resp_get_thread_status::State;
    match (resp.thread_state, resp.state) {
        (THREAD_ATTACHED, None) => Ok(ThreadStatus::Attached(ThreadAttached::default())),
        (THREAD_ATTACHED, Some(State::ThreadAttached(a))) => {
            Ok(ThreadStatus::Attached(ThreadAttached {
                pan_id: a.pan_id,
                ext_pan_id: a.ext_pan_id,
                channel: a.channel,
                name: a.name,
            }))
        }
        (THREAD_ATTACHING, None) => Ok(ThreadStatus::Attaching),
        (THREAD_ATTACHING, Some(State::ThreadAttached(a)))
            if a == pbc::ThreadAttachState::default() =>
        {
            Ok(ThreadStatus::Attaching)
        }
        (THREAD_DETACHED, None) => Ok(ThreadStatus::Detached),
        (THREAD_FAILED, None) => Ok(ThreadStatus::Failed(ThreadFailReason::DatasetInvalid)),
        (THREAD_FAILED, Some(State::ThreadFailReason(r))) => {
            Ok(ThreadStatus::Failed(thread_fail_reason(r)?))
        }
        (THREAD_ATTACHED | THREAD_ATTACHING | THREAD_DETACHED | THREAD_FAILED, Some(_)) => {
            Err(DecodeError::MsgMismatch)
        }
        _ => Err(DecodeError::Malformed),
    }
}

/// Builds a RespGetThreadStatus as network_provisioning firmware fills it (device side):
/// `Attaching` carries nothing after `thread_state` (same NULL-pointer quirk as Wi-Fi).
pub(super) fn thread_status_to_wire(status: Status, state: &ThreadStatus) -> RespGetThreadStatus {
    use resp_get_thread_status::State;
    let (code, member) = match state {
        ThreadStatus::Attached(a) if *a == ThreadAttached::default() => (THREAD_ATTACHED, None),
        ThreadStatus::Attached(a) => (
            THREAD_ATTACHED,
            Some(State::ThreadAttached(pbc::ThreadAttachState {
                pan_id: a.pan_id,
                ext_pan_id: a.ext_pan_id.clone(),
                channel: a.channel,
                name: a.name.clone(),
            })),
        ),
        ThreadStatus::Attaching => (THREAD_ATTACHING, None),
        ThreadStatus::Detached => (THREAD_DETACHED, None),
        ThreadStatus::Failed(r) => (
            THREAD_FAILED,
            Some(State::ThreadFailReason(thread_fail_reason_to_wire(*r))),
        ),
    };
    RespGetThreadStatus {
        status: status.to_wire(),
        thread_state: code,
        state: member,
    }
}

impl From<pbs::CmdScanWifiStart> for WifiScanParams {
    fn from(c: pbs::CmdScanWifiStart) -> Self {
        WifiScanParams {
            blocking: c.blocking,
            passive: c.passive,
            group_channels: c.group_channels,
            period_ms: c.period_ms,
        }
    }
}

impl From<WifiScanParams> for pbs::CmdScanWifiStart {
    fn from(p: WifiScanParams) -> Self {
        pbs::CmdScanWifiStart {
            blocking: p.blocking,
            passive: p.passive,
            group_channels: p.group_channels,
            period_ms: p.period_ms,
        }
    }
}

impl From<pbs::CmdScanThreadStart> for ThreadScanParams {
    fn from(c: pbs::CmdScanThreadStart) -> Self {
        ThreadScanParams {
            blocking: c.blocking,
            channel_mask: c.channel_mask,
        }
    }
}

impl From<ThreadScanParams> for pbs::CmdScanThreadStart {
    fn from(p: ThreadScanParams) -> Self {
        pbs::CmdScanThreadStart {
            blocking: p.blocking,
            channel_mask: p.channel_mask,
        }
    }
}

impl From<pbs::WiFiScanResult> for WifiScanEntry {
    fn from(r: pbs::WiFiScanResult) -> Self {
        WifiScanEntry {
            ssid: r.ssid,
            channel: r.channel,
            rssi: r.rssi,
            bssid: r.bssid,
            auth: AuthMode(r.auth),
        }
    }
}

impl From<&WifiScanEntry> for pbs::WiFiScanResult {
    fn from(e: &WifiScanEntry) -> Self {
        pbs::WiFiScanResult {
            ssid: e.ssid.clone(),
            channel: e.channel,
            rssi: e.rssi,
            bssid: e.bssid.clone(),
            auth: e.auth.0,
        }
    }
}

impl From<pbs::ThreadScanResult> for ThreadScanEntry {
    fn from(r: pbs::ThreadScanResult) -> Self {
        ThreadScanEntry {
            pan_id: r.pan_id,
            channel: r.channel,
            rssi: r.rssi,
            lqi: r.lqi,
            ext_addr: r.ext_addr,
            network_name: r.network_name,
            ext_pan_id: r.ext_pan_id,
        }
    }
}

impl From<&ThreadScanEntry> for pbs::ThreadScanResult {
    fn from(e: &ThreadScanEntry) -> Self {
        pbs::ThreadScanResult {
            pan_id: e.pan_id,
            channel: e.channel,
            rssi: e.rssi,
            lqi: e.lqi,
            ext_addr: e.ext_addr.clone(),
            network_name: e.network_name.clone(),
            ext_pan_id: e.ext_pan_id.clone(),
        }
    }
}
