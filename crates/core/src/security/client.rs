//! The client side of the handshakes: [`ClientHandshake`] produces the commands, checks the
//! device's responses and ends in a [`ClientSession`].

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use super::cipher::SessionCipher;
use super::error::{CryptoError, HandshakeError};
use super::{sec1, sec2, wire, ClientSecurity};
use crate::proto::sec0::{sec0_payload, Sec0MsgType};
use crate::Entropy;

/// A client handshake, from `SessionCmd0` to an established [`ClientSession`].
pub struct ClientHandshake {
    security: ClientSecurity,
    state: ClientState,
}

/// The client handshake, named after what it awaits.
enum ClientState {
    NotStarted,
    Sec0AwaitResp,
    Sec1AwaitResp0(sec1::ClientAwaitResp0),
    Sec1AwaitResp1(sec1::ClientAwaitResp1),
    Sec2AwaitResp0(Box<sec2::ClientAwaitResp0>),
    Sec2AwaitResp1(Box<sec2::ClientAwaitResp1>),
    /// Established (the session was handed out) or failed.
    Finished,
}

/// What to do after a device response.
pub enum ClientStep {
    /// Write these bytes to `prov-session` and feed the answer to
    /// [`ClientHandshake::receive`].
    Send(Vec<u8>),
    /// The handshake is complete (security 0: right after its response).
    Established(ClientSession),
}

impl fmt::Debug for ClientStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientStep::Send(b) => f.debug_tuple("Send").field(&b.len()).finish(),
            ClientStep::Established(_) => f.write_str("Established"),
        }
    }
}

impl ClientHandshake {
    /// A handshake for `security`; call [`start`](Self::start) next.
    pub fn new(security: ClientSecurity) -> Self {
        ClientHandshake {
            security,
            state: ClientState::NotStarted,
        }
    }

    /// Returns the `SessionCmd0` bytes to write to `prov-session`. Calling it again starts a
    /// new handshake (the device restarts on any `SessionCmd0`, §3.2).
    ///
    /// Entropy drawn: security 1, 32 bytes (the X25519 private key); security 2, 32 bytes (the
    /// SRP exponent a, whose top bit is then forced as esp_prov does).
    pub fn start(&mut self, entropy: &mut dyn Entropy) -> Vec<u8> {
        let (request, state) = match &self.security {
            ClientSecurity::Sec0 => (super::sec0_command(), ClientState::Sec0AwaitResp),
            ClientSecurity::Sec1 { pop } => {
                let (req, st) = sec1::client_cmd0(sec1::pop_digest(pop.as_ref()), entropy);
                (req, ClientState::Sec1AwaitResp0(st))
            }
            ClientSecurity::Sec2 {
                username,
                password,
                patch,
            } => {
                let creds = sec2::ClientCredentials {
                    username: username.clone(),
                    password: password.duplicate(),
                    patch: *patch,
                };
                let (req, st) = sec2::client_cmd0(creds, entropy);
                (req, ClientState::Sec2AwaitResp0(Box::new(st)))
            }
        };
        self.state = state;
        request
    }

    /// Feeds the device's answer to the last command. Any error ends the handshake; call
    /// [`start`](Self::start) to try again.
    pub fn receive(
        &mut self,
        response: &[u8],
        _entropy: &mut dyn Entropy,
    ) -> Result<ClientStep, HandshakeError> {
        match core::mem::replace(&mut self.state, ClientState::Finished) {
            ClientState::NotStarted => {
                self.state = ClientState::NotStarted;
                Err(HandshakeError::Misuse("receive called before start"))
            }
            ClientState::Finished => Err(HandshakeError::Misuse(
                "the handshake already finished or failed; call start",
            )),
            ClientState::Sec0AwaitResp => {
                sec0_response(response)?;
                Ok(established(SessionCipher::Plain))
            }
            ClientState::Sec1AwaitResp0(st) => {
                let (req, next) = sec1::client_resp0(response, st)?;
                self.state = ClientState::Sec1AwaitResp1(next);
                Ok(ClientStep::Send(req))
            }
            ClientState::Sec1AwaitResp1(st) => Ok(established(sec1::client_resp1(response, st)?)),
            ClientState::Sec2AwaitResp0(st) => {
                let (req, next) = sec2::client_resp0(response, *st)?;
                self.state = ClientState::Sec2AwaitResp1(Box::new(next));
                Ok(ClientStep::Send(req))
            }
            ClientState::Sec2AwaitResp1(st) => Ok(established(sec2::client_resp1(response, *st)?)),
        }
    }
}

impl fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("security", &self.security)
            .finish_non_exhaustive()
    }
}

fn established(cipher: SessionCipher) -> ClientStep {
    ClientStep::Established(ClientSession { cipher })
}

/// Checks the security 0 response: `sec_ver` 0 and a successful `S0SessionResp`.
fn sec0_response(response: &[u8]) -> Result<(), HandshakeError> {
    let payload = wire::check_sec0(response)?.ok_or(HandshakeError::Malformed(
        "SessionData without sec0 payload",
    ))?;
    match payload.payload {
        Some(sec0_payload::Payload::Sr(sr))
            if payload.msg == Sec0MsgType::S0SessionResponse as i32 =>
        {
            wire::require_success(sr.status)
        }
        Some(_) => Err(HandshakeError::SchemeMismatch(
            "expected S0_Session_Response",
        )),
        None => Err(HandshakeError::Malformed("sec0 response without payload")),
    }
}

/// An established client session: encrypts requests and decrypts responses.
///
/// With security 1 the keystream is shared by both directions (§5), so requests and
/// responses must be processed in wire order; with security 2 patch 1 the IV counter is
/// shared likewise (§6.4).
pub struct ClientSession {
    cipher: SessionCipher,
}

impl ClientSession {
    /// Encrypts a request.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.cipher.encrypt(plaintext)
    }

    /// Decrypts a response.
    pub fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.cipher.decrypt(ciphertext)
    }
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSession")
    }
}
