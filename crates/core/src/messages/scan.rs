//! Endpoint `prov-scan` (docs/protocol.md §2.8, §2.10, §10.6).

use alloc::vec::Vec;

use super::{Status, ThreadScanEntry, ThreadScanParams, WifiScanEntry, WifiScanParams};

/// A legal prov-scan request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanRequest {
    /// CmdScanStart (`msg` 0).
    WifiStart(WifiScanParams),
    /// CmdScanStatus (`msg` 2; esp_prov sends `0802` with no payload).
    WifiStatus,
    /// CmdScanResult (`msg` 4).
    WifiResult {
        /// First entry.
        start_index: u32,
        /// Number of entries.
        count: u32,
    },
    /// CmdScanThreadStart (`msg` 6).
    ThreadStart(ThreadScanParams),
    /// CmdScanThreadStatus (`msg` 8).
    ThreadStatus,
    /// CmdScanThreadResult (`msg` 10).
    ThreadResult {
        /// First entry.
        start_index: u32,
        /// Number of entries.
        count: u32,
    },
}

/// The body of a prov-scan response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanReply {
    /// RespScanStart (Wi-Fi).
    WifiStarted,
    /// RespScanStatus (Wi-Fi).
    WifiStatus {
        /// `scan_finished`.
        finished: bool,
        /// `result_count`.
        result_count: u32,
    },
    /// RespScanResult (Wi-Fi).
    WifiResult(Vec<WifiScanEntry>),
    /// RespScanThreadStart.
    ThreadStarted,
    /// RespScanThreadStatus.
    ThreadStatus {
        /// `scan_finished`.
        finished: bool,
        /// `result_count`.
        result_count: u32,
    },
    /// RespScanThreadResult.
    ThreadResult(Vec<ThreadScanEntry>),
}

/// A prov-scan response: the outer `status` plus the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanResponse {
    /// The outer `status` field of `WiFiScanPayload` / `NetworkScanPayload`.
    pub status: Status,
    /// The reply payload.
    pub reply: ScanReply,
}

use prost::Message;

use super::{wire, DecodeError};
use crate::proto::network_scan::{self as pb, network_scan_payload::Payload};

// `NetworkScanMsgType` values (§2.10; the first six equal `WiFiScanMsgType`, §2.8).
const CMD_WIFI_START: i32 = pb::NetworkScanMsgType::TypeCmdScanWifiStart as i32;
const RESP_WIFI_START: i32 = pb::NetworkScanMsgType::TypeRespScanWifiStart as i32;
const CMD_WIFI_STATUS: i32 = pb::NetworkScanMsgType::TypeCmdScanWifiStatus as i32;
const RESP_WIFI_STATUS: i32 = pb::NetworkScanMsgType::TypeRespScanWifiStatus as i32;
const CMD_WIFI_RESULT: i32 = pb::NetworkScanMsgType::TypeCmdScanWifiResult as i32;
const RESP_WIFI_RESULT: i32 = pb::NetworkScanMsgType::TypeRespScanWifiResult as i32;
const CMD_THREAD_START: i32 = pb::NetworkScanMsgType::TypeCmdScanThreadStart as i32;
const RESP_THREAD_START: i32 = pb::NetworkScanMsgType::TypeRespScanThreadStart as i32;
const CMD_THREAD_STATUS: i32 = pb::NetworkScanMsgType::TypeCmdScanThreadStatus as i32;
const RESP_THREAD_STATUS: i32 = pb::NetworkScanMsgType::TypeRespScanThreadStatus as i32;
const CMD_THREAD_RESULT: i32 = pb::NetworkScanMsgType::TypeCmdScanThreadResult as i32;
const RESP_THREAD_RESULT: i32 = pb::NetworkScanMsgType::TypeRespScanThreadResult as i32;

fn is_request_msg(msg: i32) -> bool {
    (CMD_WIFI_START..=CMD_THREAD_RESULT).contains(&msg) && msg % 2 == 0
}

fn is_response_msg(msg: i32) -> bool {
    (RESP_WIFI_START..=RESP_THREAD_RESULT).contains(&msg) && msg % 2 == 1
}

impl ScanRequest {
    /// Decodes a prov-scan request (device side, §2.8, §2.10, §14).
    ///
    /// Dispatches on `msg`. ScanStatus and ScanThreadStatus (empty sub-messages) are accepted
    /// with `msg` alone, as esp_prov sends them (`0802`, `0808`), or with the empty member, as
    /// the apps do (`08026200`). Start and Result requests need their member
    /// (`MissingPayload`). The outer `status` of a request is ignored. A response `msg` is
    /// `UnknownMsg`; a member other than the one `msg` names is `MsgMismatch`.
    pub fn decode(bytes: &[u8]) -> Result<ScanRequest, DecodeError> {
        let payload = pb::NetworkScanPayload::decode(bytes).map_err(|_| DecodeError::Malformed)?;
        match (payload.msg, payload.payload) {
            (CMD_WIFI_START, Some(Payload::CmdScanWifiStart(c))) => {
                Ok(ScanRequest::WifiStart(c.into()))
            }
            (CMD_WIFI_STATUS, None | Some(Payload::CmdScanWifiStatus(_))) => {
                Ok(ScanRequest::WifiStatus)
            }
            (CMD_WIFI_RESULT, Some(Payload::CmdScanWifiResult(c))) => Ok(ScanRequest::WifiResult {
                start_index: c.start_index,
                count: c.count,
            }),
            (CMD_THREAD_START, Some(Payload::CmdScanThreadStart(c))) => {
                Ok(ScanRequest::ThreadStart(c.into()))
            }
            (CMD_THREAD_STATUS, None | Some(Payload::CmdScanThreadStatus(_))) => {
                Ok(ScanRequest::ThreadStatus)
            }
            (CMD_THREAD_RESULT, Some(Payload::CmdScanThreadResult(c))) => {
                Ok(ScanRequest::ThreadResult {
                    start_index: c.start_index,
                    count: c.count,
                })
            }
            (CMD_WIFI_START | CMD_WIFI_RESULT | CMD_THREAD_START | CMD_THREAD_RESULT, None) => {
                Err(DecodeError::MissingPayload)
            }
            (msg, _) if is_request_msg(msg) => Err(DecodeError::MsgMismatch),
            (msg, _) => Err(DecodeError::UnknownMsg(msg)),
        }
    }

    /// Encodes the request the way esp_prov does (client side, §2.11, §13): ScanStatus and
    /// ScanThreadStatus as `msg` alone (`0802`, `0808`), every other request with its member.
    /// The apps add an empty member to ScanStatus (`08026200`); devices accept both (§14).
    pub fn encode(&self) -> Vec<u8> {
        let (msg, member) = match *self {
            ScanRequest::WifiStart(p) => {
                (CMD_WIFI_START, Some(Payload::CmdScanWifiStart(p.into())))
            }
            ScanRequest::WifiStatus => (CMD_WIFI_STATUS, None),
            ScanRequest::WifiResult { start_index, count } => (
                CMD_WIFI_RESULT,
                Some(Payload::CmdScanWifiResult(pb::CmdScanWifiResult {
                    start_index,
                    count,
                })),
            ),
            ScanRequest::ThreadStart(p) => (
                CMD_THREAD_START,
                Some(Payload::CmdScanThreadStart(p.into())),
            ),
            ScanRequest::ThreadStatus => (CMD_THREAD_STATUS, None),
            ScanRequest::ThreadResult { start_index, count } => (
                CMD_THREAD_RESULT,
                Some(Payload::CmdScanThreadResult(pb::CmdScanThreadResult {
                    start_index,
                    count,
                })),
            ),
        };
        pb::NetworkScanPayload {
            msg,
            status: 0,
            payload: member,
        }
        .encode_to_vec()
    }
}

impl ScanResponse {
    /// Decodes a prov-scan response (client side, §2.8, §2.10, §10.6).
    ///
    /// The reply kind comes from `msg`; the member must agree (`MsgMismatch`). RespScanStart
    /// and RespScanThreadStart are empty, so `msg` alone is accepted for them; the other replies
    /// need their member (`MissingPayload`). A request `msg` is `UnknownMsg`. Unknown auth
    /// modes in results are kept ([`super::AuthMode`]).
    pub fn decode(bytes: &[u8]) -> Result<ScanResponse, DecodeError> {
        let payload = pb::NetworkScanPayload::decode(bytes).map_err(|_| DecodeError::Malformed)?;
        let status = wire::status(payload.status)?;
        let reply = match (payload.msg, payload.payload) {
            (RESP_WIFI_START, None | Some(Payload::RespScanWifiStart(_))) => ScanReply::WifiStarted,
            (RESP_WIFI_STATUS, Some(Payload::RespScanWifiStatus(r))) => ScanReply::WifiStatus {
                finished: r.scan_finished,
                result_count: r.result_count,
            },
            (RESP_WIFI_RESULT, Some(Payload::RespScanWifiResult(r))) => {
                ScanReply::WifiResult(r.entries.into_iter().map(Into::into).collect())
            }
            (RESP_THREAD_START, None | Some(Payload::RespScanThreadStart(_))) => {
                ScanReply::ThreadStarted
            }
            (RESP_THREAD_STATUS, Some(Payload::RespScanThreadStatus(r))) => {
                ScanReply::ThreadStatus {
                    finished: r.scan_finished,
                    result_count: r.result_count,
                }
            }
            (RESP_THREAD_RESULT, Some(Payload::RespScanThreadResult(r))) => {
                ScanReply::ThreadResult(r.entries.into_iter().map(Into::into).collect())
            }
            (msg, None) if is_response_msg(msg) => return Err(DecodeError::MissingPayload),
            (msg, _) if is_response_msg(msg) => return Err(DecodeError::MsgMismatch),
            (msg, _) => return Err(DecodeError::UnknownMsg(msg)),
        };
        Ok(ScanResponse { status, reply })
    }

    /// Encodes the response as ESP firmware does (device side, §2.8, §2.11): `msg` = request
    /// + 1, the outer `status`, the member always set (`08015a00` for RespScanStart).
    pub fn encode(&self) -> Vec<u8> {
        let (msg, member) = match &self.reply {
            ScanReply::WifiStarted => (
                RESP_WIFI_START,
                Payload::RespScanWifiStart(pb::RespScanWifiStart {}),
            ),
            ScanReply::WifiStatus {
                finished,
                result_count,
            } => (
                RESP_WIFI_STATUS,
                Payload::RespScanWifiStatus(pb::RespScanWifiStatus {
                    scan_finished: *finished,
                    result_count: *result_count,
                }),
            ),
            ScanReply::WifiResult(entries) => (
                RESP_WIFI_RESULT,
                Payload::RespScanWifiResult(pb::RespScanWifiResult {
                    entries: entries.iter().map(Into::into).collect(),
                }),
            ),
            ScanReply::ThreadStarted => (
                RESP_THREAD_START,
                Payload::RespScanThreadStart(pb::RespScanThreadStart {}),
            ),
            ScanReply::ThreadStatus {
                finished,
                result_count,
            } => (
                RESP_THREAD_STATUS,
                Payload::RespScanThreadStatus(pb::RespScanThreadStatus {
                    scan_finished: *finished,
                    result_count: *result_count,
                }),
            ),
            ScanReply::ThreadResult(entries) => (
                RESP_THREAD_RESULT,
                Payload::RespScanThreadResult(pb::RespScanThreadResult {
                    entries: entries.iter().map(Into::into).collect(),
                }),
            ),
        };
        pb::NetworkScanPayload {
            msg,
            status: self.status.to_wire(),
            payload: Some(member),
        }
        .encode_to_vec()
    }
}
