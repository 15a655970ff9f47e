//! The core's notion of time: an [`Instant`] on a clock the caller runs.
//!
//! The core reads no clock. Every timed call ([`Device::on_timer`], the manager's deadlines)
//! takes the current instant as an argument, and deadlines come back as instants
//! ([`Device::poll_timeout`]). The caller picks the epoch: a runtime takes one base instant at
//! start and hands in the time elapsed since then; tests start a virtual clock at
//! [`Instant::ZERO`] and move it by hand. Only differences between instants of the same clock
//! mean anything.
//!
//! [`Device::on_timer`]: crate::device::Device::on_timer
//! [`Device::poll_timeout`]: crate::device::Device::poll_timeout

use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

/// A point in time: the time elapsed since the caller's epoch.
///
/// Arithmetic saturates: an instant never goes below the epoch and never overflows, so no
/// input (however large a configured timeout) makes the core panic.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant {
    since_epoch: Duration,
}

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant {
        since_epoch: Duration::ZERO,
    };

    /// The instant `since_epoch` after the epoch.
    pub const fn from_duration(since_epoch: Duration) -> Instant {
        Instant { since_epoch }
    }

    /// The instant `millis` milliseconds after the epoch.
    pub const fn from_millis(millis: u64) -> Instant {
        Instant::from_duration(Duration::from_millis(millis))
    }

    /// The instant `secs` seconds after the epoch.
    pub const fn from_secs(secs: u64) -> Instant {
        Instant::from_duration(Duration::from_secs(secs))
    }

    /// The time elapsed since the epoch.
    pub const fn since_epoch(self) -> Duration {
        self.since_epoch
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.since_epoch.saturating_sub(earlier.since_epoch)
    }

    /// `self + by`, or `None` on overflow.
    pub fn checked_add(self, by: Duration) -> Option<Instant> {
        self.since_epoch.checked_add(by).map(Instant::from_duration)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the largest instant.
    fn add(self, by: Duration) -> Instant {
        Instant::from_duration(self.since_epoch.saturating_add(by))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, by: Duration) {
        *self = *self + by;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the epoch.
    fn sub(self, by: Duration) -> Instant {
        Instant::from_duration(self.since_epoch.saturating_sub(by))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturates at zero (see [`Instant::saturating_duration_since`]).
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({:?})", self.since_epoch)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.since_epoch.subsec_micros();
        write!(f, "{}.{micros:06}s", self.since_epoch.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_with_durations() {
        let t = Instant::from_secs(10);
        assert_eq!(t + Duration::from_millis(500), Instant::from_millis(10_500));
        assert_eq!(t - Duration::from_secs(3), Instant::from_secs(7));
        assert_eq!(Instant::from_secs(12) - t, Duration::from_secs(2));
        let mut u = t;
        u += Duration::from_secs(1);
        assert_eq!(u, Instant::from_secs(11));
        assert!(t < u);
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Instant::ZERO - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(Instant::ZERO - Instant::from_secs(1), Duration::ZERO);
        let max = Instant::from_duration(Duration::MAX);
        assert_eq!(max + Duration::from_secs(1), max);
        assert_eq!(max.checked_add(Duration::from_secs(1)), None);
    }

    #[test]
    fn display_in_seconds() {
        let t = Instant::from_millis(1_234);
        assert_eq!(alloc::format!("{t}"), "1.234000s");
    }
}
