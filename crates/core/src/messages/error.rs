//! Errors of the message boundary.

use core::fmt;

/// Why an endpoint payload was rejected while decoding. The peer is at fault in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes are not a valid protobuf encoding of the endpoint's payload.
    Malformed,
    /// The `msg` value is not a request (or response) this endpoint knows.
    UnknownMsg(i32),
    /// `msg` says one thing and the oneof payload carries another.
    MsgMismatch,
    /// A request that needs a payload (for example SetConfig) arrived without it.
    MissingPayload,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Malformed => f.write_str("malformed protobuf payload"),
            DecodeError::UnknownMsg(m) => write!(f, "unknown message type {m}"),
            DecodeError::MsgMismatch => f.write_str("message type disagrees with its payload"),
            DecodeError::MissingPayload => f.write_str("required payload missing"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}
