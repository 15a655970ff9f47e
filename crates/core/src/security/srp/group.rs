//! The SRP group of §6.1 with what every handshake reuses: the Montgomery parameters of N,
//! the multiplier k, and (with the `precomputed-tables` feature) a fixed-base table of g.
//!
//! Built once per process ([`Group::get`]) instead of once per handshake. The table of g costs
//! about as much as two and a half client handshakes save with it, so a process builds it only
//! once it has used g a few times: a one-shot client never pays for it, a device or a load
//! generator does so early.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};
use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use once_cell::race::OnceBox;

use super::table::PowerTable;
use super::{multiplier_k, BITS, G, N};

/// The longest exponent of g in the protocol: x, a 512-bit hash (a and b are 256 bits).
const G_EXPONENT_BITS: usize = 512;
/// Powers of g computed without the table before it is built (a client handshake takes two,
/// a device handshake one).
const G_TABLE_AFTER_USES: usize = 4;

/// The group, shared by every session of the process.
pub(crate) struct Group {
    params: Arc<BoxedMontyParams>,
    g: BoxedMontyForm,
    k: BoxedMontyForm,
    /// Built on demand (see the module documentation).
    g_table: OnceBox<PowerTable>,
    g_uses: AtomicUsize,
}

static GROUP: OnceBox<Group> = OnceBox::new();

impl Group {
    /// The process-wide group, built on first use (two threads racing may both build it; one
    /// result is kept).
    pub(crate) fn get() -> &'static Group {
        GROUP.get_or_init(|| Box::new(Group::build()))
    }

    fn build() -> Self {
        let n = BoxedUint::from_be_slice(&N, BITS)
            .ok()
            .and_then(|n| Odd::new(n).into());
        // N is a compile-time constant, odd and exactly 3072 bits: this cannot fail.
        let n = n.expect("N is an odd 3072-bit constant");
        let params = Arc::new(BoxedMontyParams::new_vartime(n));
        let g =
            BoxedMontyForm::new_with_arc(BoxedUint::from(u64::from(G)).widen(BITS), params.clone());
        let k = BoxedUint::from_be_slice(&multiplier_k(), BITS)
            .map(|k| BoxedMontyForm::new_with_arc(k, params.clone()))
            // A 64-byte value always fits in 3072 bits.
            .expect("k fits in 3072 bits");
        Group {
            params,
            g,
            k,
            g_table: OnceBox::new(),
            g_uses: AtomicUsize::new(0),
        }
    }

    /// The Montgomery parameters of N.
    pub(crate) fn params(&self) -> &Arc<BoxedMontyParams> {
        &self.params
    }

    /// An integer of at most 384 big-endian bytes, reduced mod N. `None` if longer.
    pub(crate) fn element(&self, bytes: &[u8]) -> Option<BoxedMontyForm> {
        let x = BoxedUint::from_be_slice(bytes, BITS).ok()?;
        let x = x.rem_vartime(self.params.modulus().as_nz_ref());
        Some(BoxedMontyForm::new_with_arc(x, self.params.clone()))
    }

    /// `g^e mod N` for a secret big-endian exponent, in time independent of its value.
    pub(crate) fn g_pow(&self, exponent: &[u8]) -> BoxedMontyForm {
        if let Some(power) = self.g_table().and_then(|t| t.pow_secret(exponent)) {
            return power;
        }
        self.g.pow(&super::exponent(exponent))
    }

    /// The table of g, once g has been used often enough to pay for it.
    fn g_table(&self) -> Option<&PowerTable> {
        if !cfg!(feature = "precomputed-tables") {
            return None;
        }
        if let Some(table) = self.g_table.get() {
            return Some(table);
        }
        if self.g_uses.fetch_add(1, Ordering::Relaxed) < G_TABLE_AFTER_USES {
            return None;
        }
        Some(
            self.g_table
                .get_or_init(|| Box::new(PowerTable::new(&self.g, &self.params, G_EXPONENT_BITS))),
        )
    }

    /// The multiplier k as a group element.
    pub(crate) fn k(&self) -> &BoxedMontyForm {
        &self.k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_plain_powers_of_g_agree() {
        let group = Group::get();
        for _ in 0..=G_TABLE_AFTER_USES {
            group.g_pow(&[1]);
        }
        assert_eq!(
            group.g_table().is_some(),
            cfg!(feature = "precomputed-tables")
        );
        let e = [
            0x80u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
            23, 24, 25, 26, 27, 28, 29, 30, 31,
        ];
        let plain = group.g.pow(&super::super::exponent(&e));
        assert_eq!(group.g_pow(&e).retrieve(), plain.retrieve());
    }
}
