//! Endpoint `prov-ctrl` (docs/protocol.md §2.9, §2.10, §10.2).

/// A legal prov-ctrl request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtrlRequest {
    /// CmdCtrlReset (`msg` 1; esp_prov sends `0801` alone).
    WifiReset,
    /// CmdCtrlReprov (`msg` 3; esp_prov sends `0803` alone).
    WifiReprov,
    /// CmdCtrlThreadReset (`msg` 5).
    ThreadReset,
    /// CmdCtrlThreadReprov (`msg` 7).
    ThreadReprov,
}

/// A prov-ctrl response: which request it answers, and the outer `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CtrlResponse {
    /// The request this answers (`msg` on the wire is the request's + 1).
    pub request: CtrlRequest,
    /// The outer `status` field.
    pub status: super::Status,
}

use alloc::vec::Vec;

use prost::Message;

use super::{wire, DecodeError};
use crate::proto::network_ctrl::{self as pb, network_ctrl_payload::Payload};

impl CtrlRequest {
    /// The request's `msg` on the wire (`NetworkCtrlMsgType`, §2.9, §2.10).
    pub fn msg(self) -> i32 {
        match self {
            CtrlRequest::WifiReset => pb::NetworkCtrlMsgType::TypeCmdCtrlWifiReset as i32,
            CtrlRequest::WifiReprov => pb::NetworkCtrlMsgType::TypeCmdCtrlWifiReprov as i32,
            CtrlRequest::ThreadReset => pb::NetworkCtrlMsgType::TypeCmdCtrlThreadReset as i32,
            CtrlRequest::ThreadReprov => pb::NetworkCtrlMsgType::TypeCmdCtrlThreadReprov as i32,
        }
    }

    /// The request for a request `msg` (1, 3, 5, 7), or `None`.
    fn from_msg(msg: i32) -> Option<CtrlRequest> {
        [
            CtrlRequest::WifiReset,
            CtrlRequest::WifiReprov,
            CtrlRequest::ThreadReset,
            CtrlRequest::ThreadReprov,
        ]
        .into_iter()
        .find(|r| r.msg() == msg)
    }

    /// Whether `member` is the (empty) command member that belongs to this request.
    fn is_own_command(self, member: &Payload) -> bool {
        matches!(
            (self, member),
            (CtrlRequest::WifiReset, Payload::CmdCtrlWifiReset(_))
                | (CtrlRequest::WifiReprov, Payload::CmdCtrlWifiReprov(_))
                | (CtrlRequest::ThreadReset, Payload::CmdCtrlThreadReset(_))
                | (CtrlRequest::ThreadReprov, Payload::CmdCtrlThreadReprov(_))
        )
    }

    /// Whether `member` is the (empty) response member that answers this request.
    fn is_own_response(self, member: &Payload) -> bool {
        matches!(
            (self, member),
            (CtrlRequest::WifiReset, Payload::RespCtrlWifiReset(_))
                | (CtrlRequest::WifiReprov, Payload::RespCtrlWifiReprov(_))
                | (CtrlRequest::ThreadReset, Payload::RespCtrlThreadReset(_))
                | (CtrlRequest::ThreadReprov, Payload::RespCtrlThreadReprov(_))
        )
    }

    fn response_member(self) -> Payload {
        match self {
            CtrlRequest::WifiReset => Payload::RespCtrlWifiReset(pb::RespCtrlWifiReset {}),
            CtrlRequest::WifiReprov => Payload::RespCtrlWifiReprov(pb::RespCtrlWifiReprov {}),
            CtrlRequest::ThreadReset => Payload::RespCtrlThreadReset(pb::RespCtrlThreadReset {}),
            CtrlRequest::ThreadReprov => Payload::RespCtrlThreadReprov(pb::RespCtrlThreadReprov {}),
        }
    }

    /// Decodes a prov-ctrl request (device side, §2.9, §2.10, §14).
    ///
    /// Every ctrl sub-message is empty, so `msg` decides: esp_prov sends `msg` alone (`0801`,
    /// `0803`, `0805`, `0807`); an empty member that agrees with `msg` is accepted too, one that
    /// does not is `MsgMismatch`. `msg` 0 (TypeCtrlReserved) and response values are
    /// `UnknownMsg`. The outer `status` of a request is ignored.
    pub fn decode(bytes: &[u8]) -> Result<CtrlRequest, DecodeError> {
        let payload = pb::NetworkCtrlPayload::decode(bytes).map_err(|_| DecodeError::Malformed)?;
        let request =
            CtrlRequest::from_msg(payload.msg).ok_or(DecodeError::UnknownMsg(payload.msg))?;
        match &payload.payload {
            None => Ok(request),
            Some(member) if request.is_own_command(member) => Ok(request),
            Some(_) => Err(DecodeError::MsgMismatch),
        }
    }

    /// Encodes the request as esp_prov does (client side, §2.11): `msg` alone.
    pub fn encode(&self) -> Vec<u8> {
        pb::NetworkCtrlPayload {
            msg: self.msg(),
            status: 0,
            payload: None,
        }
        .encode_to_vec()
    }
}

impl CtrlResponse {
    /// Decodes a prov-ctrl response (client side, §2.9, §2.10).
    ///
    /// `msg` names the request answered (request + 1). The response members are empty, so
    /// `msg` alone is accepted; a member that disagrees with `msg` is `MsgMismatch`. Request
    /// values and 0 are `UnknownMsg`.
    pub fn decode(bytes: &[u8]) -> Result<CtrlResponse, DecodeError> {
        let payload = pb::NetworkCtrlPayload::decode(bytes).map_err(|_| DecodeError::Malformed)?;
        let request = payload
            .msg
            .checked_sub(1)
            .and_then(CtrlRequest::from_msg)
            .ok_or(DecodeError::UnknownMsg(payload.msg))?;
        let status = wire::status(payload.status)?;
        match &payload.payload {
            None => {}
            Some(member) if request.is_own_response(member) => {}
            Some(_) => return Err(DecodeError::MsgMismatch),
        }
        Ok(CtrlResponse { request, status })
    }

    /// Encodes the response as ESP firmware does (device side, §2.11): `msg` = request + 1,
    /// outer `status`, the empty member always set (`08026200`, `080210056200`).
    pub fn encode(&self) -> Vec<u8> {
        pb::NetworkCtrlPayload {
            msg: self.request.msg() + 1,
            status: self.status.to_wire(),
            payload: Some(self.request.response_member()),
        }
        .encode_to_vec()
    }
}
