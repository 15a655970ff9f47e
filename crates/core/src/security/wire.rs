//! The `prov-session` envelope (§2.2–§2.5): decoding into validated handshake messages and
//! encoding of the replies.
//!
//! Parse, don't validate: a `SessionData` is accepted only if `sec_ver`, the oneof payload and
//! `msg` all agree (§3.1); everything past this module works with [`Sec1Message`] /
//! [`Sec2Message`] whose variants are the legal messages. Encoding goes through prost, which
//! emits the canonical bytes of §2.11 (ascending fields, defaults omitted, set oneof members
//! always present).

use alloc::vec::Vec;
use prost::Message;

use super::error::HandshakeError;
use crate::proto::constants::Status;
use crate::proto::sec0::{sec0_payload, S0SessionResp, Sec0MsgType, Sec0Payload};
use crate::proto::sec1::{
    sec1_payload, Sec1MsgType, Sec1Payload, SessionCmd0, SessionCmd1, SessionResp0, SessionResp1,
};
use crate::proto::sec2::{
    sec2_payload, S2SessionCmd0, S2SessionCmd1, S2SessionResp0, S2SessionResp1, Sec2MsgType,
    Sec2Payload,
};
use crate::proto::session::{session_data::Proto, SecSchemeVersion, SessionData};

/// A security 1 handshake message whose `msg` and payload agree.
pub(crate) enum Sec1Message {
    Cmd0(SessionCmd0),
    Resp0(SessionResp0),
    Cmd1(SessionCmd1),
    Resp1(SessionResp1),
}

/// A security 2 handshake message whose `msg` and payload agree.
pub(crate) enum Sec2Message {
    Cmd0(S2SessionCmd0),
    Resp0(S2SessionResp0),
    Cmd1(S2SessionCmd1),
    Resp1(S2SessionResp1),
}

/// Decodes the envelope and checks `sec_ver` against the configured scheme.
fn envelope(bytes: &[u8], scheme: SecSchemeVersion) -> Result<Option<Proto>, HandshakeError> {
    let data = SessionData::decode(bytes)
        .map_err(|_| HandshakeError::Malformed("not a SessionData protobuf"))?;
    if data.sec_ver != scheme as i32 {
        return Err(HandshakeError::SchemeMismatch(
            "sec_ver differs from the configured security scheme",
        ));
    }
    Ok(data.proto)
}

/// Decodes a security 0 `SessionData`. Only `sec_ver` is checked, as firmware does (§4).
pub(crate) fn check_sec0(bytes: &[u8]) -> Result<Option<Sec0Payload>, HandshakeError> {
    match envelope(bytes, SecSchemeVersion::SecScheme0)? {
        Some(Proto::Sec0(p)) => Ok(Some(p)),
        _ => Ok(None),
    }
}

/// Decodes a security 1 `SessionData` into the message it carries.
pub(crate) fn parse_sec1(bytes: &[u8]) -> Result<Sec1Message, HandshakeError> {
    let payload = match envelope(bytes, SecSchemeVersion::SecScheme1)? {
        Some(Proto::Sec1(p)) => p,
        Some(_) => return Err(HandshakeError::SchemeMismatch("payload is not sec1")),
        None => return Err(HandshakeError::Malformed("SessionData without payload")),
    };
    use sec1_payload::Payload as P;
    let msg = Sec1MsgType::try_from(payload.msg)
        .map_err(|_| HandshakeError::Malformed("unknown sec1 message type"))?;
    match (msg, payload.payload) {
        (Sec1MsgType::SessionCommand0, Some(P::Sc0(m))) => Ok(Sec1Message::Cmd0(m)),
        (Sec1MsgType::SessionResponse0, Some(P::Sr0(m))) => Ok(Sec1Message::Resp0(m)),
        (Sec1MsgType::SessionCommand1, Some(P::Sc1(m))) => Ok(Sec1Message::Cmd1(m)),
        (Sec1MsgType::SessionResponse1, Some(P::Sr1(m))) => Ok(Sec1Message::Resp1(m)),
        (_, None) => Err(HandshakeError::Malformed("sec1 message without payload")),
        _ => Err(HandshakeError::SchemeMismatch(
            "sec1 msg disagrees with its payload",
        )),
    }
}

/// Decodes a security 2 `SessionData` into the message it carries.
pub(crate) fn parse_sec2(bytes: &[u8]) -> Result<Sec2Message, HandshakeError> {
    let payload = match envelope(bytes, SecSchemeVersion::SecScheme2)? {
        Some(Proto::Sec2(p)) => p,
        Some(_) => return Err(HandshakeError::SchemeMismatch("payload is not sec2")),
        None => return Err(HandshakeError::Malformed("SessionData without payload")),
    };
    use sec2_payload::Payload as P;
    let msg = Sec2MsgType::try_from(payload.msg)
        .map_err(|_| HandshakeError::Malformed("unknown sec2 message type"))?;
    match (msg, payload.payload) {
        (Sec2MsgType::S2SessionCommand0, Some(P::Sc0(m))) => Ok(Sec2Message::Cmd0(m)),
        (Sec2MsgType::S2SessionResponse0, Some(P::Sr0(m))) => Ok(Sec2Message::Resp0(m)),
        (Sec2MsgType::S2SessionCommand1, Some(P::Sc1(m))) => Ok(Sec2Message::Cmd1(m)),
        (Sec2MsgType::S2SessionResponse1, Some(P::Sr1(m))) => Ok(Sec2Message::Resp1(m)),
        (_, None) => Err(HandshakeError::Malformed("sec2 message without payload")),
        _ => Err(HandshakeError::SchemeMismatch(
            "sec2 msg disagrees with its payload",
        )),
    }
}

/// Fails unless a response status is `Success` (firmware never sends another value, §2.1).
pub(crate) fn require_success(status: i32) -> Result<(), HandshakeError> {
    if status == Status::Success as i32 {
        Ok(())
    } else {
        Err(HandshakeError::DeviceStatus(status))
    }
}

/// Encodes a security 0 payload.
pub(crate) fn encode_sec0(msg: Sec0MsgType, payload: sec0_payload::Payload) -> Vec<u8> {
    let p = Sec0Payload {
        msg: msg as i32,
        payload: Some(payload),
    };
    SessionData {
        sec_ver: SecSchemeVersion::SecScheme0 as i32,
        proto: Some(Proto::Sec0(p)),
    }
    .encode_to_vec()
}

/// The security 0 device response `52 05 08 01 aa 01 00` (§4).
pub(crate) fn sec0_response() -> Vec<u8> {
    encode_sec0(
        Sec0MsgType::S0SessionResponse,
        sec0_payload::Payload::Sr(S0SessionResp {
            status: Status::Success as i32,
        }),
    )
}

/// Encodes a security 1 message (the `msg` value follows from the variant).
pub(crate) fn encode_sec1(message: Sec1Message) -> Vec<u8> {
    use sec1_payload::Payload as P;
    let (msg, payload) = match message {
        Sec1Message::Cmd0(m) => (Sec1MsgType::SessionCommand0, P::Sc0(m)),
        Sec1Message::Resp0(m) => (Sec1MsgType::SessionResponse0, P::Sr0(m)),
        Sec1Message::Cmd1(m) => (Sec1MsgType::SessionCommand1, P::Sc1(m)),
        Sec1Message::Resp1(m) => (Sec1MsgType::SessionResponse1, P::Sr1(m)),
    };
    let p = Sec1Payload {
        msg: msg as i32,
        payload: Some(payload),
    };
    SessionData {
        sec_ver: SecSchemeVersion::SecScheme1 as i32,
        proto: Some(Proto::Sec1(p)),
    }
    .encode_to_vec()
}

/// Encodes a security 2 message (the `msg` value follows from the variant).
pub(crate) fn encode_sec2(message: Sec2Message) -> Vec<u8> {
    use sec2_payload::Payload as P;
    let (msg, payload) = match message {
        Sec2Message::Cmd0(m) => (Sec2MsgType::S2SessionCommand0, P::Sc0(m)),
        Sec2Message::Resp0(m) => (Sec2MsgType::S2SessionResponse0, P::Sr0(m)),
        Sec2Message::Cmd1(m) => (Sec2MsgType::S2SessionCommand1, P::Sc1(m)),
        Sec2Message::Resp1(m) => (Sec2MsgType::S2SessionResponse1, P::Sr1(m)),
    };
    let p = Sec2Payload {
        msg: msg as i32,
        payload: Some(payload),
    };
    SessionData {
        sec_ver: SecSchemeVersion::SecScheme2 as i32,
        proto: Some(Proto::Sec2(p)),
    }
    .encode_to_vec()
}
