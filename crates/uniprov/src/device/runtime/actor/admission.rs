//! The device task's hardening: online guessing limits on `prov-session` (docs/protocol.md §7 item
//! 3) and the idle-session timeout. The decisions live in the sans-IO
//! [`AuthLimiter`](super::super::auth_limit::AuthLimiter) and
//! [`IdleSessions`](super::super::idle::IdleSessions); this file feeds them and reports.

use std::time::Duration;

use tokio::time::Instant;
use uniprov_core::device::{Outcome, Refused};
use uniprov_core::protocomm::Refusal;
use uniprov_core::security::HandshakeError;

use super::super::{endpoint, DeviceEvent};
use super::Actor;
use crate::device::transport::{Peer, SessionId};

impl Actor {
    /// Whether a request may be routed: `prov-session` requests of a peer in backoff are
    /// refused without touching the handshake (no arithmetic, no waiting); the error is the
    /// time until handshakes are accepted again.
    pub(super) fn admit(&self, peer: Peer, name: &str, now: Instant) -> Result<(), Duration> {
        if name != endpoint::SESSION {
            return Ok(());
        }
        match self.auth.check(peer, now) {
            Ok(()) => Ok(()),
            Err(blocked) => {
                tracing::debug!(
                    %peer,
                    scope = blocked.scope.as_str(),
                    remaining_ms = blocked.remaining.as_millis() as u64,
                    "handshake refused: peer in backoff"
                );
                Err(blocked.remaining)
            }
        }
    }

    /// Counts the outcome of a `prov-session` request: a refused proof is a failed guess, an
    /// established session a success.
    pub(super) fn after_session_step(
        &mut self,
        peer: Peer,
        session: SessionId,
        outcome: &Outcome,
        now: Instant,
    ) {
        match outcome {
            Outcome::Refuse(Refused::Router(Refusal::Handshake(
                HandshakeError::CredentialsMismatch,
            ))) => {
                tracing::info!(%peer, session, "handshake failed: wrong PoP or password");
                for backoff in self.auth.failure(peer, now) {
                    tracing::warn!(
                        %peer,
                        scope = backoff.scope.as_str(),
                        failures = backoff.failures,
                        delay_ms = backoff.delay.as_millis() as u64,
                        "too many failed handshakes: refusing handshakes for a while"
                    );
                    self.emit(DeviceEvent::AuthBackoff(backoff));
                }
            }
            Outcome::Send(_) if self.parts.device.is_established(session) => {
                tracing::debug!(%peer, session, "session established");
                self.auth.success(peer);
            }
            _ => {}
        }
    }

    /// Marks `session` as used now; a session that was already idle for the timeout is closed
    /// first (the request then meets a fresh, unestablished session).
    pub(super) fn touch(&mut self, session: SessionId, now: Instant) {
        let device = &self.parts.device;
        let expired = self.idle.touch(session, now, |id| device.has_session(id));
        if expired && self.parts.device.has_session(session) {
            tracing::debug!(session, "idle session closed");
            self.parts.device.close_session(session);
        }
    }

    /// Closes the sessions nobody used for the idle timeout.
    pub(super) fn sweep_idle(&mut self, now: Instant) {
        for session in self.idle.sweep(now) {
            if self.parts.device.has_session(session) {
                tracing::debug!(session, "idle session closed");
                self.parts.device.close_session(session);
            }
        }
    }
}
