//! Online guessing limits for the handshake (docs/protocol.md §7 item 3: ESP-IDF allows unlimited
//! online PoP / password guesses).
//!
//! A *failure* is a `SessionCmd1` refused because the proof did not verify (wrong PoP or
//! password, `CredentialsMismatch`); malformed or out-of-order messages are not guesses and do
//! not count. Failures are counted per [`Peer`] and globally:
//!
//! * after `max_failures` failures of one peer, that peer is in *backoff* for
//!   `base · 2^(failures − max_failures)`, capped at `backoff_cap` (defaults: 5 failures, 1 s
//!   doubling up to 30 s). Every further failure restarts the backoff, longer;
//! * after `global_max_failures` failures of all peers together (default 20, four peers'
//!   worth), every peer is in backoff the same way, so a guesser with many addresses is slowed
//!   down too (at the price of a denial of service for legitimate clients while it lasts);
//! * while in backoff, every `prov-session` request of the peer is refused at once (closed
//!   without a response, §3.3): no handshake arithmetic, no waiting task;
//! * a successful handshake forgets the peer's failures and resets the global count; failures
//!   older than `forget_after` (15 min) are forgotten too;
//! * at most `max_peers` peers are remembered (default 1024): when full, forgotten entries go
//!   first, then the one whose last failure is oldest. A guesser that floods the table to wash
//!   out its own entry is still held by the global count.
//!
//! Sans-IO: every call takes `now`, so tests drive it with a virtual clock.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::device::transport::Peer;

#[cfg(test)]
#[path = "auth_limit/tests.rs"]
mod tests;

/// The limits; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthLimits {
    /// Failures of one peer before its backoff starts (default 5).
    pub max_failures: u32,
    /// Failures of all peers together before everyone backs off (default 20).
    pub global_max_failures: u32,
    /// The first backoff (default 1 s); each further failure doubles it.
    pub backoff_base: Duration,
    /// The longest backoff (default 30 s).
    pub backoff_cap: Duration,
    /// Failures this old are forgotten (default 15 min).
    pub forget_after: Duration,
    /// Peers remembered at once (default 1024).
    pub max_peers: usize,
}

impl Default for AuthLimits {
    fn default() -> Self {
        AuthLimits {
            max_failures: 5,
            global_max_failures: 20,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(30),
            forget_after: Duration::from_secs(15 * 60),
            max_peers: 1024,
        }
    }
}

/// Which count put a peer into backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackoffScope {
    /// The peer's own failures.
    Peer,
    /// The failures of all peers together.
    Global,
}

impl BackoffScope {
    /// `"peer"` or `"global"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackoffScope::Peer => "peer",
            BackoffScope::Global => "global",
        }
    }
}

/// A backoff that just started (reported as [`DeviceEvent::AuthBackoff`]).
///
/// [`DeviceEvent::AuthBackoff`]: super::DeviceEvent::AuthBackoff
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthBackoff {
    /// The peer whose failed handshake started it.
    pub peer: Peer,
    /// Whether the peer's own count or the global one is over its limit.
    pub scope: BackoffScope,
    /// The failures counted in that scope.
    pub failures: u32,
    /// How long handshakes are refused (the peer's, or everyone's for [`BackoffScope::Global`]).
    pub delay: Duration,
}

/// A refused handshake request: the peer is in backoff for `remaining`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    /// Which backoff.
    pub scope: BackoffScope,
    /// Time until handshakes are accepted again.
    pub remaining: Duration,
}

/// Failures of one peer (or of all).
#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Instant,
    blocked_until: Option<Instant>,
}

impl Record {
    fn new(now: Instant) -> Self {
        Record {
            failures: 0,
            last_failure: now,
            blocked_until: None,
        }
    }

    fn blocked(&self, now: Instant) -> Option<Duration> {
        self.blocked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Counts a failure; the backoff that starts, if the count is over `threshold`.
    fn fail(&mut self, now: Instant, threshold: u32, limits: &AuthLimits) -> Option<Duration> {
        if now.saturating_duration_since(self.last_failure) >= limits.forget_after {
            *self = Record::new(now);
        }
        self.failures = self.failures.saturating_add(1);
        self.last_failure = now;
        if self.failures < threshold.max(1) {
            return None;
        }
        let doublings = (self.failures - threshold.max(1)).min(31);
        let delay = limits
            .backoff_base
            .saturating_mul(1u32 << doublings)
            .min(limits.backoff_cap);
        self.blocked_until = Some(now + delay);
        Some(delay)
    }
}

/// The failure counts; see the module docs.
#[derive(Debug)]
pub(crate) struct AuthLimiter {
    limits: AuthLimits,
    peers: HashMap<Peer, Record>,
    global: Option<Record>,
}

impl AuthLimiter {
    /// No failures yet.
    pub(crate) fn new(limits: AuthLimits) -> Self {
        AuthLimiter {
            limits,
            peers: HashMap::new(),
            global: None,
        }
    }

    /// Whether `peer` may run a handshake step now.
    pub(crate) fn check(&self, peer: Peer, now: Instant) -> Result<(), Blocked> {
        let global = self.global.as_ref().and_then(|g| g.blocked(now));
        let own = self.peers.get(&peer).and_then(|r| r.blocked(now));
        match (own, global) {
            (Some(own), Some(global)) if global > own => Err(Blocked {
                scope: BackoffScope::Global,
                remaining: global,
            }),
            (Some(remaining), _) => Err(Blocked {
                scope: BackoffScope::Peer,
                remaining,
            }),
            (None, Some(remaining)) => Err(Blocked {
                scope: BackoffScope::Global,
                remaining,
            }),
            (None, None) => Ok(()),
        }
    }

    /// Counts a failed handshake of `peer`; the backoffs that start because of it.
    pub(crate) fn failure(&mut self, peer: Peer, now: Instant) -> Vec<AuthBackoff> {
        let mut started = Vec::new();
        if !self.peers.contains_key(&peer) {
            self.make_room(now);
        }
        let limits = &self.limits;
        let record = self.peers.entry(peer).or_insert_with(|| Record::new(now));
        if let Some(delay) = record.fail(now, limits.max_failures, limits) {
            started.push(AuthBackoff {
                peer,
                scope: BackoffScope::Peer,
                failures: record.failures,
                delay,
            });
        }
        let global = self.global.get_or_insert_with(|| Record::new(now));
        if let Some(delay) = global.fail(now, limits.global_max_failures, limits) {
            started.push(AuthBackoff {
                peer,
                scope: BackoffScope::Global,
                failures: global.failures,
                delay,
            });
        }
        started
    }

    /// A successful handshake of `peer`: its failures and the global count are forgotten.
    pub(crate) fn success(&mut self, peer: Peer) {
        self.peers.remove(&peer);
        self.global = None;
    }

    /// The failures currently counted for `peer` (0 when forgotten).
    #[cfg(test)]
    pub(crate) fn failures(&self, peer: Peer) -> u32 {
        self.peers.get(&peer).map_or(0, |r| r.failures)
    }

    /// The number of peers remembered.
    #[cfg(test)]
    pub(crate) fn tracked(&self) -> usize {
        self.peers.len()
    }

    /// Frees one entry when the table is full: expired entries first, then the oldest.
    fn make_room(&mut self, now: Instant) {
        let max = self.limits.max_peers.max(1);
        if self.peers.len() < max {
            return;
        }
        let forget_after = self.limits.forget_after;
        self.peers.retain(|_, r| {
            now.saturating_duration_since(r.last_failure) < forget_after || r.blocked(now).is_some()
        });
        while self.peers.len() >= max {
            let oldest = self
                .peers
                .iter()
                .min_by_key(|(_, r)| r.last_failure)
                .map(|(p, _)| *p);
            match oldest {
                Some(peer) => self.peers.remove(&peer),
                None => break,
            };
        }
    }
}
