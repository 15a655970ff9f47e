//! The one place where tokio's clock meets the core's: the core counts time from an epoch the
//! runtime chooses ([`uniprov_core::time::Instant`]); the device takes its epoch when it starts.
//! Paused-time tests drive the core too, since both directions go through `tokio::time`.

use tokio::time::Instant as TokioInstant;
use uniprov_core::time::Instant;

/// Converts between `tokio::time::Instant` and the core's instants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch: TokioInstant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub(crate) fn start() -> Clock {
        Clock {
            epoch: TokioInstant::now(),
        }
    }

    /// The core's now.
    pub(crate) fn now(&self) -> Instant {
        self.core(TokioInstant::now())
    }

    /// `at` on the core's clock (the epoch if earlier).
    pub(crate) fn core(&self, at: TokioInstant) -> Instant {
        Instant::from_duration(at.saturating_duration_since(self.epoch))
    }

    /// A core deadline on tokio's clock, for `sleep_until`.
    pub(crate) fn tokio(&self, at: Instant) -> TokioInstant {
        self.epoch
            .checked_add(at.since_epoch())
            // Beyond what the OS clock can represent: a deadline that never comes in practice.
            .unwrap_or_else(|| self.epoch + std::time::Duration::from_secs(86_400 * 365 * 30))
    }
}
