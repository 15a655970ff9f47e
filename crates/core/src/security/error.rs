//! Errors of the handshakes and of the data-phase ciphers.
//!
//! Every variant says who is at fault (see [`Fault`]) and carries only static text: no error
//! ever contains a key, a proof, a PoP or a password.

use core::fmt;

/// Who caused an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The peer sent something malformed, out of place or hostile.
    Peer,
    /// The peer is well-behaved but does not know the same secret (wrong PoP or password, or a
    /// device that does not hold the verifier the client expects).
    Credentials,
    /// The local caller used the API wrongly (or configured it wrongly).
    Caller,
}

/// Why a handshake message was refused.
///
/// On the device, every one of these is signalled at the transport level, never with a
/// protobuf status (§3.3). A failed handshake poisons the session until the next
/// `SessionCmd0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The bytes are not a `SessionData` of the expected shape: undecodable protobuf, payload
    /// absent, or a response where a command was expected. The peer is at fault.
    Malformed(&'static str),
    /// `sec_ver` is not the configured scheme, the oneof payload belongs to another scheme, or
    /// `msg` disagrees with the payload (§3.1). The peer is at fault.
    SchemeMismatch(&'static str),
    /// A well-formed message that is not expected in the current state (a `SessionCmd1` before
    /// `SessionCmd0`, or any handshake message after a failure). The peer is at fault.
    UnexpectedMessage(&'static str),
    /// A parameter is out of range: wrong key, proof or nonce length, `A mod N == 0`,
    /// `u == 0`, a low-order X25519 key. Firmware calls this INVALID_SECURITY_PARAMS.
    /// The peer is at fault.
    InvalidParameters(&'static str),
    /// The proof did not verify: wrong PoP (sec1) or wrong username/password (sec2). Firmware
    /// calls this CREDENTIALS_MISMATCH. On the client this means the device's proof failed.
    CredentialsMismatch,
    /// The device answered with a non-`Success` status (firmware never does, §2.1).
    DeviceStatus(i32),
    /// The local caller used the API wrongly (for example `receive` before `start`, or after
    /// the handshake finished or failed), or the configuration is invalid.
    Misuse(&'static str),
}

impl HandshakeError {
    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            HandshakeError::Malformed(_)
            | HandshakeError::SchemeMismatch(_)
            | HandshakeError::UnexpectedMessage(_)
            | HandshakeError::InvalidParameters(_)
            | HandshakeError::DeviceStatus(_) => Fault::Peer,
            HandshakeError::CredentialsMismatch => Fault::Credentials,
            HandshakeError::Misuse(_) => Fault::Caller,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Malformed(why) => write!(f, "malformed handshake message: {why}"),
            HandshakeError::SchemeMismatch(why) => write!(f, "security scheme mismatch: {why}"),
            HandshakeError::UnexpectedMessage(why) => {
                write!(f, "handshake message out of order: {why}")
            }
            HandshakeError::InvalidParameters(why) => {
                write!(f, "invalid security parameters: {why}")
            }
            HandshakeError::CredentialsMismatch => {
                f.write_str("credentials mismatch: the peer's proof did not verify")
            }
            HandshakeError::DeviceStatus(s) => write!(f, "device answered with status {s}"),
            HandshakeError::Misuse(why) => write!(f, "handshake API misuse: {why}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HandshakeError {}

/// Why a data-phase message could not be encrypted or decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// The session has not completed its handshake (or it failed). Caller misuse locally; on
    /// the device it usually means the peer skipped the handshake.
    NotEstablished,
    /// AES-GCM authentication failed (sec2): tampered, truncated, replayed or reordered
    /// ciphertext, or a `sec_patch_ver` mismatch. The session state did not advance.
    Authentication,
    /// The sec2 patch-1 IV counter wrapped; the session must be re-established (§6.4).
    CounterExhausted,
    /// The sec1 CTR keystream is exhausted (2^128 blocks; unreachable in practice).
    KeystreamExhausted,
}

impl CryptoError {
    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            CryptoError::Authentication => Fault::Peer,
            CryptoError::NotEstablished
            | CryptoError::CounterExhausted
            | CryptoError::KeystreamExhausted => Fault::Caller,
        }
    }
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CryptoError::NotEstablished => "no established security session",
            CryptoError::Authentication => "message authentication failed",
            CryptoError::CounterExhausted => "IV counter exhausted; restart the session",
            CryptoError::KeystreamExhausted => "keystream exhausted; restart the session",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CryptoError {}
