//! The guessing limits under a virtual clock: `now` is `t0 + offset`, no time passes.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use tokio::time::Instant;

use super::*;

fn ip(n: u8) -> Peer {
    Peer::Ip(IpAddr::V4(Ipv4Addr::new(192, 168, 4, n)))
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn five_failures_start_a_one_second_backoff_that_doubles_up_to_the_cap() {
    let t0 = Instant::now();
    let mut limiter = AuthLimiter::new(AuthLimits::default());
    let peer = ip(2);
    for _ in 0..4 {
        assert!(limiter.failure(peer, t0).is_empty());
        assert_eq!(limiter.check(peer, t0), Ok(()));
    }
    let started = limiter.failure(peer, t0);
    assert_eq!(
        started,
        vec![AuthBackoff {
            peer,
            scope: BackoffScope::Peer,
            failures: 5,
            delay: secs(1)
        }]
    );
    let blocked = limiter.check(peer, t0).expect_err("in backoff");
    assert_eq!(blocked.scope, BackoffScope::Peer);
    assert_eq!(blocked.remaining, secs(1));
    assert_eq!(limiter.check(peer, t0 + secs(1)), Ok(()), "over after 1 s");

    // Each further failure (after the previous backoff) doubles the delay, up to 30 s.
    let mut now = t0 + secs(1);
    let mut delays = Vec::new();
    for _ in 0..7 {
        let started = limiter.failure(peer, now);
        let delay = started[0].delay;
        delays.push(delay.as_secs());
        assert!(limiter
            .check(peer, now + delay - Duration::from_millis(1))
            .is_err());
        now += delay;
        assert_eq!(limiter.check(peer, now), Ok(()));
    }
    assert_eq!(delays, [2, 4, 8, 16, 30, 30, 30]);
}

#[test]
fn other_peers_are_not_affected_and_success_resets_the_peer() {
    let t0 = Instant::now();
    let mut limiter = AuthLimiter::new(AuthLimits::default());
    for _ in 0..5 {
        limiter.failure(ip(2), t0);
    }
    assert!(limiter.check(ip(2), t0).is_err());
    assert_eq!(
        limiter.check(ip(3), t0),
        Ok(()),
        "a different peer is served"
    );
    assert_eq!(limiter.check(Peer::Console, t0), Ok(()));
    limiter.success(ip(2));
    assert_eq!(limiter.failures(ip(2)), 0);
    assert_eq!(limiter.check(ip(2), t0), Ok(()), "success ends the backoff");
    for _ in 0..4 {
        assert!(
            limiter.failure(ip(2), t0).is_empty(),
            "counting from zero again"
        );
    }
}

#[test]
fn many_peers_together_trigger_the_global_backoff() {
    let t0 = Instant::now();
    let mut limiter = AuthLimiter::new(AuthLimits::default());
    // 20 peers, one guess each: no peer reaches its own limit.
    let mut started = Vec::new();
    for n in 0..20 {
        started.extend(limiter.failure(ip(n), t0));
    }
    assert_eq!(
        started,
        vec![AuthBackoff {
            peer: ip(19),
            scope: BackoffScope::Global,
            failures: 20,
            delay: secs(1)
        }]
    );
    let blocked = limiter.check(ip(200), t0).expect_err("everyone waits");
    assert_eq!(blocked.scope, BackoffScope::Global);
    assert_eq!(limiter.check(ip(200), t0 + secs(1)), Ok(()));
    // The next guess from anywhere doubles the global delay.
    let next = limiter.failure(ip(201), t0 + secs(1));
    assert_eq!(next[0].scope, BackoffScope::Global);
    assert_eq!(next[0].delay, secs(2));
}

#[test]
fn failures_are_forgotten_after_a_quiet_period() {
    let t0 = Instant::now();
    let mut limiter = AuthLimiter::new(AuthLimits::default());
    for _ in 0..4 {
        limiter.failure(ip(2), t0);
    }
    let later = t0 + secs(15 * 60);
    assert!(
        limiter.failure(ip(2), later).is_empty(),
        "count restarted at 1"
    );
    assert_eq!(limiter.failures(ip(2)), 1);
}

#[test]
fn the_peer_table_is_bounded_and_evicts_the_oldest() {
    let t0 = Instant::now();
    let limits = AuthLimits {
        max_peers: 8,
        global_max_failures: u32::MAX,
        ..AuthLimits::default()
    };
    let mut limiter = AuthLimiter::new(limits);
    for n in 0..=254u8 {
        limiter.failure(ip(n), t0 + Duration::from_millis(u64::from(n)));
        assert!(limiter.tracked() <= 8);
    }
    assert_eq!(limiter.failures(ip(254)), 1, "the newest is kept");
    assert_eq!(limiter.failures(ip(0)), 0, "the oldest went first");
}

#[test]
fn a_custom_cap_and_threshold_are_honoured() {
    let t0 = Instant::now();
    let limits = AuthLimits {
        max_failures: 1,
        backoff_cap: secs(1),
        ..AuthLimits::default()
    };
    let mut limiter = AuthLimiter::new(limits);
    let mut now = t0;
    for _ in 0..10 {
        let started = limiter.failure(Peer::Console, now);
        assert_eq!(started[0].delay, secs(1));
        now += secs(1);
    }
}
