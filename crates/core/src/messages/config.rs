//! Endpoint `prov-config` (docs/protocol.md §2.7, §2.10, §10.2-§10.4).

use alloc::vec::Vec;

use super::{Status, ThreadStatus, WifiCredentials, WifiStatus};
use crate::Secret;

/// A legal prov-config request.
#[derive(Debug)]
pub enum ConfigRequest {
    /// CmdGetStatus (`msg` 0).
    GetWifiStatus,
    /// CmdSetConfig (`msg` 2).
    SetWifiConfig(WifiCredentials),
    /// CmdApplyConfig (`msg` 4; esp_prov sends `0804` with no payload).
    ApplyWifiConfig,
    /// CmdGetThreadStatus (`msg` 6).
    GetThreadStatus,
    /// CmdSetThreadConfig (`msg` 8): raw operational dataset TLVs.
    SetThreadDataset(Secret<Vec<u8>>),
    /// CmdApplyThreadConfig (`msg` 10).
    ApplyThreadConfig,
}

/// A prov-config response. `msg` on the wire is always the request's `msg + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigResponse {
    /// RespGetStatus.
    WifiStatus {
        /// Status of the request.
        status: Status,
        /// Station state.
        state: WifiStatus,
    },
    /// RespSetConfig.
    SetWifiConfig(Status),
    /// RespApplyConfig.
    ApplyWifiConfig(Status),
    /// RespGetThreadStatus.
    ThreadStatus {
        /// Status of the request.
        status: Status,
        /// Attach state.
        state: ThreadStatus,
    },
    /// RespSetThreadConfig.
    SetThreadDataset(Status),
    /// RespApplyThreadConfig.
    ApplyThreadConfig(Status),
}

use prost::Message;
use zeroize::Zeroize;

use super::wire;
use super::{DecodeError, WifiConnected};
use crate::proto::network_config::{self as pb, network_config_payload::Payload};

// `NetworkConfigMsgType` values (§2.10; the first six equal `WiFiConfigMsgType`, §2.7).
const CMD_GET_WIFI_STATUS: i32 = pb::NetworkConfigMsgType::TypeCmdGetWifiStatus as i32;
const RESP_GET_WIFI_STATUS: i32 = pb::NetworkConfigMsgType::TypeRespGetWifiStatus as i32;
const CMD_SET_WIFI_CONFIG: i32 = pb::NetworkConfigMsgType::TypeCmdSetWifiConfig as i32;
const RESP_SET_WIFI_CONFIG: i32 = pb::NetworkConfigMsgType::TypeRespSetWifiConfig as i32;
const CMD_APPLY_WIFI_CONFIG: i32 = pb::NetworkConfigMsgType::TypeCmdApplyWifiConfig as i32;
const RESP_APPLY_WIFI_CONFIG: i32 = pb::NetworkConfigMsgType::TypeRespApplyWifiConfig as i32;
const CMD_GET_THREAD_STATUS: i32 = pb::NetworkConfigMsgType::TypeCmdGetThreadStatus as i32;
const RESP_GET_THREAD_STATUS: i32 = pb::NetworkConfigMsgType::TypeRespGetThreadStatus as i32;
const CMD_SET_THREAD_CONFIG: i32 = pb::NetworkConfigMsgType::TypeCmdSetThreadConfig as i32;
const RESP_SET_THREAD_CONFIG: i32 = pb::NetworkConfigMsgType::TypeRespSetThreadConfig as i32;
const CMD_APPLY_THREAD_CONFIG: i32 = pb::NetworkConfigMsgType::TypeCmdApplyThreadConfig as i32;
const RESP_APPLY_THREAD_CONFIG: i32 = pb::NetworkConfigMsgType::TypeRespApplyThreadConfig as i32;

fn is_request_msg(msg: i32) -> bool {
    (CMD_GET_WIFI_STATUS..=CMD_APPLY_THREAD_CONFIG).contains(&msg) && msg % 2 == 0
}

fn is_response_msg(msg: i32) -> bool {
    (RESP_GET_WIFI_STATUS..=RESP_APPLY_THREAD_CONFIG).contains(&msg) && msg % 2 == 1
}

/// Zeroizes the secrets a decoded payload may carry before it is dropped.
fn scrub(payload: Option<Payload>) {
    match payload {
        Some(Payload::CmdSetWifiConfig(mut c)) => c.passphrase.zeroize(),
        Some(Payload::CmdSetThreadConfig(mut c)) => c.dataset.zeroize(),
        _ => {}
    }
}

/// Rejects a request whose `msg` and payload disagree, zeroizing any secret it carried.
fn reject_request(msg: i32, payload: Option<Payload>) -> DecodeError {
    scrub(payload);
    if is_request_msg(msg) {
        DecodeError::MsgMismatch
    } else {
        DecodeError::UnknownMsg(msg)
    }
}

impl ConfigRequest {
    /// Decodes a prov-config request (device side, §2.7, §2.10, §14).
    ///
    /// Dispatches on `msg`. Requests whose sub-message is empty (GetStatus, ApplyConfig and
    /// their Thread twins) are accepted with `msg` alone, as esp_prov sends ApplyConfig (`0804`),
    /// or with the empty member, as the apps send it (`08047200`). SetConfig and SetThreadConfig
    /// need their member (`MissingPayload`). A response `msg` is `UnknownMsg`; a member that is
    /// not the one `msg` names is `MsgMismatch`.
    pub fn decode(bytes: &[u8]) -> Result<ConfigRequest, DecodeError> {
        let payload =
            pb::NetworkConfigPayload::decode(bytes).map_err(|_| DecodeError::Malformed)?;
        match (payload.msg, payload.payload) {
            (CMD_GET_WIFI_STATUS, None | Some(Payload::CmdGetWifiStatus(_))) => {
                Ok(ConfigRequest::GetWifiStatus)
            }
            (CMD_SET_WIFI_CONFIG, Some(Payload::CmdSetWifiConfig(cmd))) => {
                let pb::CmdSetWifiConfig {
                    ssid,
                    passphrase,
                    bssid,
                    channel,
                } = cmd;
                Ok(ConfigRequest::SetWifiConfig(WifiCredentials {
                    ssid,
                    passphrase: Secret::new(passphrase),
                    bssid,
                    channel,
                }))
            }
            (CMD_APPLY_WIFI_CONFIG, None | Some(Payload::CmdApplyWifiConfig(_))) => {
                Ok(ConfigRequest::ApplyWifiConfig)
            }
            (CMD_GET_THREAD_STATUS, None | Some(Payload::CmdGetThreadStatus(_))) => {
                Ok(ConfigRequest::GetThreadStatus)
            }
            (CMD_SET_THREAD_CONFIG, Some(Payload::CmdSetThreadConfig(cmd))) => {
                Ok(ConfigRequest::SetThreadDataset(Secret::new(cmd.dataset)))
            }
            (CMD_APPLY_THREAD_CONFIG, None | Some(Payload::CmdApplyThreadConfig(_))) => {
                Ok(ConfigRequest::ApplyThreadConfig)
            }
            (CMD_SET_WIFI_CONFIG | CMD_SET_THREAD_CONFIG, None) => Err(DecodeError::MissingPayload),
            (msg, other) => Err(reject_request(msg, other)),
        }
    }

    /// Encodes the request the way esp_prov does (client side, §2.11, §13).
    ///
    /// GetStatus and GetThreadStatus carry their empty member (`5200`, `0806820100`);
    /// ApplyConfig and ApplyThreadConfig are `msg` alone (`0804`, `080a`). These are esp_prov's
    /// exact bytes, the reference client every firmware is tested with; a device must accept
    /// both forms anyway (§14), and the apps' `08047200` decodes to the same request.
    ///
    /// The returned bytes contain the passphrase or dataset in clear: encrypt them and drop
    /// them. The intermediate protobuf copy is zeroized here.
    pub fn encode(&self) -> Vec<u8> {
        let (msg, member) = match self {
            ConfigRequest::GetWifiStatus => (
                CMD_GET_WIFI_STATUS,
                Some(Payload::CmdGetWifiStatus(pb::CmdGetWifiStatus {})),
            ),
            ConfigRequest::SetWifiConfig(c) => (
                CMD_SET_WIFI_CONFIG,
                Some(Payload::CmdSetWifiConfig(pb::CmdSetWifiConfig {
                    ssid: c.ssid.clone(),
                    passphrase: c.passphrase.expose().clone(),
                    bssid: c.bssid.clone(),
                    channel: c.channel,
                })),
            ),
            ConfigRequest::ApplyWifiConfig => (CMD_APPLY_WIFI_CONFIG, None),
            ConfigRequest::GetThreadStatus => (
                CMD_GET_THREAD_STATUS,
                Some(Payload::CmdGetThreadStatus(pb::CmdGetThreadStatus {})),
            ),
            ConfigRequest::SetThreadDataset(d) => (
                CMD_SET_THREAD_CONFIG,
                Some(Payload::CmdSetThreadConfig(pb::CmdSetThreadConfig {
                    dataset: d.expose().clone(),
                })),
            ),
            ConfigRequest::ApplyThreadConfig => (CMD_APPLY_THREAD_CONFIG, None),
        };
        let mut payload = pb::NetworkConfigPayload {
            msg,
            payload: member,
        };
        let bytes = payload.encode_to_vec();
        scrub(payload.payload.take());
        bytes
    }
}

impl ConfigResponse {
    /// The RespGetStatus that firmware sends when it cannot read the station state: `status`
    /// and nothing else (network_provisioning answers `InternalError`, bytes `08015a020805`;
    /// IDF 5.5 answers an empty member, `08015a00`, §10.3). Readers see `sta_state` Connected,
    /// so clients must look at `status` first.
    pub fn wifi_status_unavailable(status: Status) -> ConfigResponse {
        ConfigResponse::WifiStatus {
            status,
            state: WifiStatus::Connected(WifiConnected::default()),
        }
    }

    /// Decodes a prov-config response (client side, §2.7, §2.10, §10.3).
    ///
    /// The member must be the one `msg` names (`MsgMismatch`, or `MissingPayload` when absent:
    /// the status lives inside it). A request `msg` is `UnknownMsg`. The station state is read
    /// leniently, as every ESP client reads it: `Disconnected`, unknown auth modes and
    /// Connecting with `attempt_failed` are accepted.
    pub fn decode(bytes: &[u8]) -> Result<ConfigResponse, DecodeError> {
        let payload =
            pb::NetworkConfigPayload::decode(bytes).map_err(|_| DecodeError::Malformed)?;
        let response = match (payload.msg, payload.payload) {
            (RESP_GET_WIFI_STATUS, Some(Payload::RespGetWifiStatus(r))) => {
                ConfigResponse::WifiStatus {
                    status: wire::status(r.status)?,
                    state: wire::wifi_status_from_wire(r)?,
                }
            }
            (RESP_SET_WIFI_CONFIG, Some(Payload::RespSetWifiConfig(r))) => {
                ConfigResponse::SetWifiConfig(wire::status(r.status)?)
            }
            (RESP_APPLY_WIFI_CONFIG, Some(Payload::RespApplyWifiConfig(r))) => {
                ConfigResponse::ApplyWifiConfig(wire::status(r.status)?)
            }
            (RESP_GET_THREAD_STATUS, Some(Payload::RespGetThreadStatus(r))) => {
                ConfigResponse::ThreadStatus {
                    status: wire::status(r.status)?,
                    state: wire::thread_status_from_wire(r)?,
                }
            }
            (RESP_SET_THREAD_CONFIG, Some(Payload::RespSetThreadConfig(r))) => {
                ConfigResponse::SetThreadDataset(wire::status(r.status)?)
            }
            (RESP_APPLY_THREAD_CONFIG, Some(Payload::RespApplyThreadConfig(r))) => {
                ConfigResponse::ApplyThreadConfig(wire::status(r.status)?)
            }
            (msg, None) if is_response_msg(msg) => return Err(DecodeError::MissingPayload),
            (msg, other) => {
                scrub(other);
                return Err(if is_response_msg(msg) {
                    DecodeError::MsgMismatch
                } else {
                    DecodeError::UnknownMsg(msg)
                });
            }
        };
        Ok(response)
    }

    /// Encodes the response as ESP firmware does (device side, §2.11): `msg` = request + 1,
    /// the member always set, the status inside it. Byte-identical to the firmware, including
    /// the Connecting quirk (`08015a021001`) and `fail_reason` AuthError (`5000`).
    pub fn encode(&self) -> Vec<u8> {
        let (msg, member) = match self {
            ConfigResponse::WifiStatus { status, state } => (
                RESP_GET_WIFI_STATUS,
                Payload::RespGetWifiStatus(wire::wifi_status_to_wire(*status, state)),
            ),
            ConfigResponse::SetWifiConfig(s) => (
                RESP_SET_WIFI_CONFIG,
                Payload::RespSetWifiConfig(pb::RespSetWifiConfig {
                    status: s.to_wire(),
                }),
            ),
            ConfigResponse::ApplyWifiConfig(s) => (
                RESP_APPLY_WIFI_CONFIG,
                Payload::RespApplyWifiConfig(pb::RespApplyWifiConfig {
                    status: s.to_wire(),
                }),
            ),
            ConfigResponse::ThreadStatus { status, state } => (
                RESP_GET_THREAD_STATUS,
                Payload::RespGetThreadStatus(wire::thread_status_to_wire(*status, state)),
            ),
            ConfigResponse::SetThreadDataset(s) => (
                RESP_SET_THREAD_CONFIG,
                Payload::RespSetThreadConfig(pb::RespSetThreadConfig {
                    status: s.to_wire(),
                }),
            ),
            ConfigResponse::ApplyThreadConfig(s) => (
                RESP_APPLY_THREAD_CONFIG,
                Payload::RespApplyThreadConfig(pb::RespApplyThreadConfig {
                    status: s.to_wire(),
                }),
            ),
        };
        pb::NetworkConfigPayload {
            msg,
            payload: Some(member),
        }
        .encode_to_vec()
    }
}
