//! The idle-session timeout: a protocomm session nobody used for `timeout` is closed, so its
//! keys and handshake state do not stay in memory until evicted.
//!
//! The default is long (15 minutes, [`DEFAULT_SESSION_IDLE_TIMEOUT`]): the phone apps have no
//! keep-alive and a person may sit on the password screen for minutes between the handshake
//! and the first encrypted request (docs/apps.md §3); closing that session makes the app fail. The
//! session table is bounded anyway (`max_sessions`, least recently used evicted when a new
//! session needs the room), so the timeout is not what bounds memory; it only ends sessions
//! that were abandoned while the table had room.
//!
//! [`DEFAULT_SESSION_IDLE_TIMEOUT`]: super::DEFAULT_SESSION_IDLE_TIMEOUT
//!
//! The device task touches a session on every request and on open, forgets it on close, and
//! sweeps at [`IdleSessions::next_sweep`]. Sweeps run every eighth of the timeout (at least
//! every 50 ms), so a session is closed between `timeout` and `1.125 · timeout` after its last
//! use. Sans-IO: every call takes `now`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::device::transport::SessionId;

/// Last use of every open session.
#[derive(Debug)]
pub(crate) struct IdleSessions {
    timeout: Duration,
    last_used: HashMap<SessionId, Instant>,
    next_sweep: Instant,
    /// Entries kept before stale ones (sessions the router evicted) are pruned.
    soft_cap: usize,
}

impl IdleSessions {
    /// Sessions idle for `timeout` are closed; `max_sessions` is the router's table size.
    pub(crate) fn new(timeout: Duration, max_sessions: usize, now: Instant) -> Self {
        let mut idle = IdleSessions {
            timeout,
            last_used: HashMap::new(),
            next_sweep: now,
            soft_cap: max_sessions.saturating_mul(2).saturating_add(64),
        };
        idle.next_sweep = now + idle.interval();
        idle
    }

    fn interval(&self) -> Duration {
        (self.timeout / 8).max(Duration::from_millis(50))
    }

    /// `session` was used (or opened) at `now`. `is_open` tells which entries are still open
    /// in the router, to prune the table when it passes its soft cap.
    ///
    /// Returns `true` when the session had already been idle for the timeout: the caller closes
    /// it before serving the request, so expiry does not depend on a sweep having run first.
    pub(crate) fn touch(
        &mut self,
        session: SessionId,
        now: Instant,
        is_open: impl Fn(SessionId) -> bool,
    ) -> bool {
        let expired = self
            .last_used
            .insert(session, now)
            .is_some_and(|last| now.saturating_duration_since(last) >= self.timeout);
        if self.last_used.len() > self.soft_cap {
            self.last_used
                .retain(|id, _| *id == session || is_open(*id));
        }
        expired
    }

    /// `session` was closed.
    pub(crate) fn forget(&mut self, session: SessionId) {
        self.last_used.remove(&session);
    }

    /// When [`sweep`](Self::sweep) is due.
    pub(crate) fn next_sweep(&self) -> Instant {
        self.next_sweep
    }

    /// The sessions idle since `now - timeout` or longer; they are forgotten here and must be
    /// closed by the caller.
    pub(crate) fn sweep(&mut self, now: Instant) -> Vec<SessionId> {
        self.next_sweep = now + self.interval();
        let timeout = self.timeout;
        let expired: Vec<SessionId> = self
            .last_used
            .iter()
            .filter(|(_, last)| now.saturating_duration_since(**last) >= timeout)
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            self.last_used.remove(id);
        }
        expired
    }

    /// Sessions tracked.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.last_used.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_idle_for_the_timeout_are_swept_and_used_ones_stay() {
        let t0 = Instant::now();
        let minute = Duration::from_secs(60);
        let mut idle = IdleSessions::new(5 * minute, 16, t0);
        idle.touch(1, t0, |_| true);
        idle.touch(2, t0, |_| true);
        assert_eq!(idle.next_sweep(), t0 + Duration::from_millis(37_500));
        idle.touch(2, t0 + 4 * minute, |_| true);
        assert!(idle.sweep(t0 + 4 * minute).is_empty());
        assert_eq!(idle.sweep(t0 + 5 * minute), vec![1]);
        assert_eq!(idle.sweep(t0 + 9 * minute), vec![2]);
        assert_eq!(idle.len(), 0);
    }

    #[test]
    fn the_default_keeps_a_session_through_minutes_on_the_password_screen() {
        let t0 = Instant::now();
        let timeout = crate::device::runtime::DEFAULT_SESSION_IDLE_TIMEOUT;
        assert_eq!(timeout, Duration::from_secs(15 * 60));
        let mut idle = IdleSessions::new(timeout, 16, t0);
        idle.touch(1, t0, |_| true);
        // Sweeps every 112.5 s find nothing for the first 14 minutes.
        while idle.next_sweep() < t0 + Duration::from_secs(14 * 60) {
            let now = idle.next_sweep();
            assert!(idle.sweep(now).is_empty(), "closed after {:?}", now - t0);
        }
        // The first request 10 minutes after the handshake finds the session open.
        assert!(!idle.touch(1, t0 + Duration::from_secs(10 * 60), |_| true));
        assert_eq!(idle.sweep(t0 + Duration::from_secs(25 * 60)), vec![1]);
    }

    #[test]
    fn a_request_after_the_timeout_reports_expiry_without_a_sweep() {
        let t0 = Instant::now();
        let mut idle = IdleSessions::new(Duration::from_secs(60), 16, t0);
        assert!(!idle.touch(1, t0, |_| true), "a new session is not expired");
        assert!(!idle.touch(1, t0 + Duration::from_secs(59), |_| true));
        assert!(idle.touch(1, t0 + Duration::from_secs(119), |_| true));
    }

    #[test]
    fn closed_sessions_are_forgotten_and_the_table_stays_bounded() {
        let t0 = Instant::now();
        let mut idle = IdleSessions::new(Duration::from_secs(1), 4, t0);
        idle.touch(1, t0, |_| true);
        idle.forget(1);
        assert!(idle.sweep(t0 + Duration::from_secs(2)).is_empty());
        // The router holds only session 0; everything else was evicted there.
        for id in 0..10_000 {
            idle.touch(id, t0, |open| open == 0);
            assert!(idle.len() <= 4 * 2 + 64 + 1);
        }
    }
}
