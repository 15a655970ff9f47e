//! The device's endpoint router (§1, §3): `proto-ver`, `prov-session` and encrypted request
//! endpoints, over a bounded table of concurrent transport sessions.
//!
//! The router decides nothing about the payloads: a request endpoint's plaintext goes to the
//! caller's handler, whose answer comes back through [`Protocomm::respond`]. Every refusal is
//! reported as a [`Refusal`], which transports turn into "close without a response" (§3.3).
//!
//! Sessions: ESP-IDF holds exactly one session and any new transport session replaces it
//! (§3.2, §7 item 10). Here the table holds up to `max_sessions` independent sessions and
//! evicts the least recently used one when a new one does not fit; `max_sessions == 1` gives
//! the ESP behaviour. Recency is a counter bumped on every call, so no clock is needed.

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::security::{
    CryptoError, DeviceSecurity, DeviceSession, HandshakeError, PreparedSecurity,
};
use crate::Entropy;

/// What an endpoint does with its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// Answers the version text, unencrypted, whatever the session (`proto-ver`, §8).
    Version,
    /// The security handshake (`prov-session`), unencrypted.
    Session,
    /// An application endpoint whose requests and responses are encrypted with the session
    /// (`prov-config`, `prov-scan`, `prov-ctrl`, custom endpoints).
    Request,
}

/// Why an endpoint could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    /// An endpoint of that name already exists.
    Duplicate,
    /// The name is empty.
    EmptyName,
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointError::Duplicate => "an endpoint of that name already exists",
            EndpointError::EmptyName => "endpoint names must not be empty",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EndpointError {}

/// The outcome of a request the router accepted.
pub enum Routed {
    /// Send these bytes back as they are (proto-ver text, prov-session answer).
    Reply(Vec<u8>),
    /// Hand the decrypted request to the endpoint's handler, then call
    /// [`Protocomm::respond`] with its answer.
    Request {
        /// The endpoint the request was addressed to.
        endpoint: String,
        /// The decrypted request.
        plaintext: Vec<u8>,
    },
}

impl fmt::Debug for Routed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Decrypted payloads may hold passphrases: lengths only.
        match self {
            Routed::Reply(b) => write!(f, "Reply({} bytes)", b.len()),
            Routed::Request {
                endpoint,
                plaintext,
            } => write!(f, "Request({endpoint}, {} bytes)", plaintext.len()),
        }
    }
}

/// Why the router refused a request. Transports close without a response (§3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No endpoint of that name is registered.
    UnknownEndpoint,
    /// The transport session is not open (or was evicted).
    NoSession,
    /// The handshake message was refused.
    Handshake(HandshakeError),
    /// Decryption or encryption failed, or the session is not established.
    Crypto(CryptoError),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownEndpoint => f.write_str("unknown endpoint"),
            Refusal::NoSession => f.write_str("no such session"),
            Refusal::Handshake(e) => write!(f, "{e}"),
            Refusal::Crypto(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Refusal::Handshake(e) => Some(e),
            Refusal::Crypto(e) => Some(e),
            _ => None,
        }
    }
}

/// One entry of the session table.
struct Slot {
    id: u64,
    session: DeviceSession,
    last_used: u64,
}

/// The device endpoint router.
pub struct Protocomm {
    /// The security configuration, prepared once for all sessions.
    security: PreparedSecurity,
    version: Vec<u8>,
    endpoints: Vec<(String, EndpointKind)>,
    sessions: Vec<Slot>,
    max_sessions: usize,
    clock: u64,
}

impl Protocomm {
    /// A router with no endpoints, an empty version text and room for `max_sessions`
    /// concurrent sessions (at least 1).
    pub fn new(security: DeviceSecurity, max_sessions: usize) -> Self {
        Self::with_shared(Arc::new(security), max_sessions)
    }

    /// Like [`new`](Self::new) with a configuration shared with other owners.
    ///
    /// Prepares the configuration ([`PreparedSecurity`]): with security 2 and the
    /// `precomputed-tables` feature this takes about as long as a few handshakes.
    pub fn with_shared(security: Arc<DeviceSecurity>, max_sessions: usize) -> Self {
        Self::prepared(PreparedSecurity::new(security), max_sessions)
    }

    /// Like [`new`](Self::new) with a configuration prepared beforehand (routers created
    /// often for one configuration share its preparation).
    pub fn prepared(security: PreparedSecurity, max_sessions: usize) -> Self {
        Protocomm {
            security,
            version: Vec::new(),
            endpoints: Vec::new(),
            sessions: Vec::new(),
            max_sessions: max_sessions.max(1),
            clock: 0,
        }
    }

    /// The security configuration.
    pub fn security(&self) -> &Arc<DeviceSecurity> {
        self.security.security()
    }

    /// Sets the text `proto-ver` answers, sent verbatim (no NUL, §3.1).
    pub fn set_version(&mut self, text: Vec<u8>) {
        self.version = text;
    }

    /// Registers an endpoint.
    pub fn add_endpoint(&mut self, name: &str, kind: EndpointKind) -> Result<(), EndpointError> {
        if name.is_empty() {
            return Err(EndpointError::EmptyName);
        }
        if self.has_endpoint(name) {
            return Err(EndpointError::Duplicate);
        }
        self.endpoints.push((name.to_string(), kind));
        Ok(())
    }

    /// Removes an endpoint (no effect if absent).
    pub fn remove_endpoint(&mut self, name: &str) {
        self.endpoints.retain(|(n, _)| n != name);
    }

    /// Whether an endpoint of that name is registered.
    pub fn has_endpoint(&self, name: &str) -> bool {
        self.endpoint(name).is_some()
    }

    fn endpoint(&self, name: &str) -> Option<EndpointKind> {
        self.endpoints
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k)
    }

    /// Opens transport session `id` with a fresh handshake state, replacing any session of
    /// that id. When the table is full the least recently used session is evicted.
    pub fn open_session(&mut self, id: u64) {
        self.close_session(id);
        if self.sessions.len() >= self.max_sessions {
            if let Some(lru) = self
                .sessions
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| s.last_used)
                .map(|(i, _)| i)
            {
                self.sessions.swap_remove(lru);
            }
        }
        let last_used = self.tick();
        self.sessions.push(Slot {
            id,
            session: DeviceSession::prepared(&self.security),
            last_used,
        });
    }

    /// Closes transport session `id` (no effect if absent).
    pub fn close_session(&mut self, id: u64) {
        self.sessions.retain(|s| s.id != id);
    }

    /// Whether transport session `id` is open.
    pub fn has_session(&self, id: u64) -> bool {
        self.sessions.iter().any(|s| s.id == id)
    }

    /// Whether transport session `id` is open and has completed its handshake.
    pub fn is_established(&self, id: u64) -> bool {
        self.sessions
            .iter()
            .any(|s| s.id == id && s.session.is_established())
    }

    /// The number of open sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The session `id`, marked as just used.
    fn slot(&mut self, id: u64) -> Option<&mut DeviceSession> {
        let now = self.tick();
        let slot = self.sessions.iter_mut().find(|s| s.id == id)?;
        slot.last_used = now;
        Some(&mut slot.session)
    }

    /// Routes one request of transport session `session` to `endpoint` (§3.1).
    ///
    /// * `Version`: the version text, whatever the session state (the body is ignored).
    /// * `Session`: the handshake; an unknown session id is opened first (possibly evicting
    ///   the least recently used session).
    /// * `Request`: with security 0 the body passes through without any session; with
    ///   security 1/2 the session must exist and be established, and the body is decrypted.
    pub fn receive(
        &mut self,
        session: u64,
        endpoint: &str,
        body: &[u8],
        entropy: &mut dyn Entropy,
    ) -> Result<Routed, Refusal> {
        let kind = self.endpoint(endpoint).ok_or(Refusal::UnknownEndpoint)?;
        match kind {
            EndpointKind::Version => {
                self.slot(session);
                Ok(Routed::Reply(self.version.clone()))
            }
            EndpointKind::Session => {
                if !self.has_session(session) {
                    self.open_session(session);
                }
                let slot = self.slot(session).ok_or(Refusal::NoSession)?;
                slot.handle_session_data(body, entropy)
                    .map(Routed::Reply)
                    .map_err(Refusal::Handshake)
            }
            EndpointKind::Request => {
                let sec0 = matches!(**self.security.security(), DeviceSecurity::Sec0);
                let plaintext = match self.slot(session) {
                    Some(s) => s.decrypt(body).map_err(Refusal::Crypto)?,
                    // §1: security 0 has no decrypt hook; handlers run without a session.
                    None if sec0 => body.to_vec(),
                    None => return Err(Refusal::NoSession),
                };
                Ok(Routed::Request {
                    endpoint: endpoint.to_string(),
                    plaintext,
                })
            }
        }
    }

    /// Encrypts a handler's response for transport session `session`. An empty response is
    /// still encrypted (sec2: the 16-byte tag alone, §3.1).
    pub fn respond(&mut self, session: u64, plaintext: &[u8]) -> Result<Vec<u8>, Refusal> {
        let sec0 = matches!(**self.security.security(), DeviceSecurity::Sec0);
        match self.slot(session) {
            Some(s) => s.encrypt(plaintext).map_err(Refusal::Crypto),
            None if sec0 => Ok(plaintext.to_vec()),
            None => Err(Refusal::NoSession),
        }
    }
}

impl fmt::Debug for Protocomm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protocomm")
            .field("security", &self.security)
            .field("endpoints", &self.endpoints)
            .field("sessions", &self.sessions.len())
            .field("max_sessions", &self.max_sessions)
            .finish()
    }
}
