//! Process-wide counters of the security 2 device's handshakes, for operators and tests:
//! how often clients sent the short values the stock phone apps produce, and how often the
//! first draw of b would have made a stripping client fail (see [`super::sec2`]).
//!
//! Plain relaxed atomics: a snapshot is a consistent count of each field, not of all fields
//! at one instant.

use core::sync::atomic::{AtomicUsize, Ordering};

/// A snapshot of [`sec2_device_statistics`](super::sec2_device_statistics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sec2DeviceStatistics {
    /// `S2SessionCmd0` answered.
    pub handshakes: usize,
    /// ... whose A was shorter than 384 bytes (the apps' `MIN(A)`; ESP-IDF refuses it).
    pub short_a: usize,
    /// ... whose first b gave a B shorter than 384 bytes.
    pub first_b_short_b: usize,
    /// ... whose first b gave a K starting with 0x00.
    pub first_b_k_leading_zero: usize,
    /// ... whose first b gave an expected M starting with 0x00.
    pub first_b_m_leading_zero: usize,
    /// ... that a device with ESP-IDF's rules (A of exactly 384 bytes, M of exactly 64, b
    /// used as drawn, the full K) would have failed for a client that strips leading zeros
    /// the way the Android app does: a short A, or K or M starting with 0x00.
    pub strict_failures_stripping_client: usize,
    /// Extra draws of b made to avoid a leading zero in B, K or M.
    pub b_redraws: usize,
    /// Handshakes that kept a b with a leading zero (draw cap reached, or replay).
    pub kept_leading_zero: usize,
    /// `S2SessionCmd1` accepted with a proof shorter than 64 bytes.
    pub short_m1: usize,
    /// `S2SessionCmd1` accepted in the stripped-K form (only possible with a kept leading zero).
    pub stripped_k_proofs: usize,
}

impl Sec2DeviceStatistics {
    /// The counts since `earlier` (field by field).
    pub fn since(&self, earlier: &Sec2DeviceStatistics) -> Sec2DeviceStatistics {
        Sec2DeviceStatistics {
            handshakes: self.handshakes.wrapping_sub(earlier.handshakes),
            short_a: self.short_a.wrapping_sub(earlier.short_a),
            first_b_short_b: self.first_b_short_b.wrapping_sub(earlier.first_b_short_b),
            first_b_k_leading_zero: self
                .first_b_k_leading_zero
                .wrapping_sub(earlier.first_b_k_leading_zero),
            first_b_m_leading_zero: self
                .first_b_m_leading_zero
                .wrapping_sub(earlier.first_b_m_leading_zero),
            strict_failures_stripping_client: self
                .strict_failures_stripping_client
                .wrapping_sub(earlier.strict_failures_stripping_client),
            b_redraws: self.b_redraws.wrapping_sub(earlier.b_redraws),
            kept_leading_zero: self
                .kept_leading_zero
                .wrapping_sub(earlier.kept_leading_zero),
            short_m1: self.short_m1.wrapping_sub(earlier.short_m1),
            stripped_k_proofs: self
                .stripped_k_proofs
                .wrapping_sub(earlier.stripped_k_proofs),
        }
    }
}

pub(crate) static HANDSHAKES: AtomicUsize = AtomicUsize::new(0);
pub(crate) static SHORT_A: AtomicUsize = AtomicUsize::new(0);
pub(crate) static FIRST_B_SHORT_B: AtomicUsize = AtomicUsize::new(0);
pub(crate) static FIRST_B_K_ZERO: AtomicUsize = AtomicUsize::new(0);
pub(crate) static FIRST_B_M_ZERO: AtomicUsize = AtomicUsize::new(0);
pub(crate) static STRICT_FAILURES: AtomicUsize = AtomicUsize::new(0);
pub(crate) static B_REDRAWS: AtomicUsize = AtomicUsize::new(0);
pub(crate) static KEPT_LEADING_ZERO: AtomicUsize = AtomicUsize::new(0);
pub(crate) static SHORT_M1: AtomicUsize = AtomicUsize::new(0);
pub(crate) static STRIPPED_K_PROOFS: AtomicUsize = AtomicUsize::new(0);

/// Adds one to `counter`.
pub(crate) fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Adds one to `counter` when `condition` holds.
pub(crate) fn bump_if(condition: bool, counter: &AtomicUsize) {
    if condition {
        bump(counter);
    }
}

/// The current counts.
pub(crate) fn snapshot() -> Sec2DeviceStatistics {
    let get = |c: &AtomicUsize| c.load(Ordering::Relaxed);
    Sec2DeviceStatistics {
        handshakes: get(&HANDSHAKES),
        short_a: get(&SHORT_A),
        first_b_short_b: get(&FIRST_B_SHORT_B),
        first_b_k_leading_zero: get(&FIRST_B_K_ZERO),
        first_b_m_leading_zero: get(&FIRST_B_M_ZERO),
        strict_failures_stripping_client: get(&STRICT_FAILURES),
        b_redraws: get(&B_REDRAWS),
        kept_leading_zero: get(&KEPT_LEADING_ZERO),
        short_m1: get(&SHORT_M1),
        stripped_k_proofs: get(&STRIPPED_K_PROOFS),
    }
}
