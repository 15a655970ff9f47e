//! Fixed-base exponentiation with a table of precomputed powers.
//!
//! For a base `x` and 4-bit digits, row `i` of the table holds `x^(j·16^i)` for `j` in
//! `1..16`. Then `x^e = ∏ row[i][digit_i(e)]`: one multiplication per digit and no squaring,
//! about a fifth of the work of a windowed square-and-multiply. A 512-bit exponent takes 128
//! rows of 15 entries of 384 bytes (about 740 KB), built once: from the group for `g`, per
//! device for the verifier `v`.
//!
//! Two ways to use a table:
//! * [`PowerTable::pow_secret`] for secret exponents: every digit costs one multiplication
//!   (digit 0 multiplies by 1) and the entry is picked by a constant-time scan of the whole
//!   row, so neither timing nor memory access depends on the exponent's value.
//! * [`PowerTable::pow_public`] for public exponents (SRP's `u`): zero digits are skipped and
//!   entries are indexed directly.

use alloc::sync::Arc;
use alloc::vec::Vec;
use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::ConstantTimeSelect;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Bits per digit.
const DIGIT_BITS: usize = 4;
/// Entries per row: the non-zero digits.
const ROW_LEN: usize = (1 << DIGIT_BITS) - 1;

/// Powers of one base, for exponents of up to `4 · rows` bits.
pub(crate) struct PowerTable {
    params: Arc<BoxedMontyParams>,
    one: BoxedMontyForm,
    /// `rows[i][j - 1] = x^(j · 16^i)`.
    rows: Vec<[BoxedMontyForm; ROW_LEN]>,
}

impl PowerTable {
    /// The table of `base` for exponents of up to `max_bits` bits (rounded up to whole digits).
    pub(crate) fn new(
        base: &BoxedMontyForm,
        params: &Arc<BoxedMontyParams>,
        max_bits: usize,
    ) -> Self {
        let one = BoxedMontyForm::one((**params).clone());
        let row_count = max_bits.div_ceil(DIGIT_BITS);
        let mut rows = Vec::with_capacity(row_count);
        let mut row_base = base.clone();
        for _ in 0..row_count {
            let mut row: [BoxedMontyForm; ROW_LEN] = core::array::from_fn(|_| row_base.clone());
            for j in 1..ROW_LEN {
                row[j] = row[j - 1].mul(&row_base);
            }
            // The next row's base is this one's to the 16th: x^(16^(i+1)).
            row_base = row[ROW_LEN - 1].mul(&row_base);
            rows.push(row);
        }
        row_base.zeroize();
        PowerTable {
            params: params.clone(),
            one,
            rows,
        }
    }

    /// The largest exponent length in bytes the table covers.
    pub(crate) fn max_exponent_bytes(&self) -> usize {
        self.rows.len() * DIGIT_BITS / 8
    }

    /// `x^e` for a secret big-endian exponent `e` of at most [`Self::max_exponent_bytes`]
    /// bytes, in time and memory-access pattern that depend only on `e.len()`. `None` if `e`
    /// is longer than the table covers.
    pub(crate) fn pow_secret(&self, exponent: &[u8]) -> Option<BoxedMontyForm> {
        if exponent.len() > self.max_exponent_bytes() {
            return None;
        }
        let mut acc = self.one.clone();
        let mut pick = Zeroizing::new(self.one.as_montgomery().clone());
        for (i, digit) in digits(exponent).enumerate() {
            let row = &self.rows[i];
            pick.ct_assign(self.one.as_montgomery(), 1.into());
            for (j, entry) in row.iter().enumerate() {
                // `j + 1` and `digit` are both below 16.
                let choice = (digit).ct_eq(&((j + 1) as u8));
                pick.ct_assign(entry.as_montgomery(), choice);
            }
            let factor = Zeroizing::new(BoxedMontyForm::from_montgomery(
                (*pick).clone(),
                (*self.params).clone(),
            ));
            acc = Zeroizing::new(acc).mul(&factor);
        }
        Some(acc)
    }

    /// `x^e` for a public big-endian exponent `e`, in variable time. `None` if `e` is longer
    /// than the table covers.
    pub(crate) fn pow_public(&self, exponent: &[u8]) -> Option<BoxedMontyForm> {
        if exponent.len() > self.max_exponent_bytes() {
            return None;
        }
        let mut acc: Option<BoxedMontyForm> = None;
        for (i, digit) in digits(exponent).enumerate() {
            if digit == 0 {
                continue;
            }
            let entry = &self.rows[i][usize::from(digit) - 1];
            acc = Some(match acc {
                None => entry.clone(),
                Some(a) => a.mul(entry),
            });
        }
        Some(acc.unwrap_or_else(|| self.one.clone()))
    }
}

impl Drop for PowerTable {
    /// The verifier's table is as secret as the verifier.
    fn drop(&mut self) {
        for row in &mut self.rows {
            for entry in row.iter_mut() {
                entry.zeroize();
            }
        }
    }
}

/// The 4-bit digits of a big-endian number, least significant first.
fn digits(big_endian: &[u8]) -> impl Iterator<Item = u8> + '_ {
    big_endian
        .iter()
        .rev()
        .flat_map(|&byte| [byte & 0x0f, byte >> 4])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::srp::group::Group;
    use crypto_bigint::BoxedUint;

    fn plain_pow(base: &BoxedMontyForm, exponent: &[u8]) -> BoxedMontyForm {
        let bits = u32::try_from(exponent.len() * 8).unwrap_or(8);
        let e =
            BoxedUint::from_be_slice(exponent, bits.max(8)).unwrap_or_else(|_| BoxedUint::one());
        base.pow(&e)
    }

    fn sample_exponents() -> Vec<Vec<u8>> {
        let mut out = alloc::vec![
            alloc::vec![],
            alloc::vec![0],
            alloc::vec![1],
            alloc::vec![0x10],
            alloc::vec![0xff; 32],
            alloc::vec![0x00, 0x00, 0x01],
            alloc::vec![0xff; 64],
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in [1usize, 7, 31, 32, 33, 63, 64] {
            let mut e = alloc::vec![0u8; len];
            for b in e.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            out.push(e);
        }
        out
    }

    #[test]
    fn table_powers_equal_plain_exponentiation() {
        let group = Group::get();
        let base = group
            .element(&[0x12, 0x34, 0x56, 0x78, 0x9a])
            .expect("fits");
        let table = PowerTable::new(&base, group.params(), 512);
        assert_eq!(table.max_exponent_bytes(), 64);
        for e in sample_exponents() {
            let expected = plain_pow(&base, &e).retrieve();
            assert_eq!(
                table.pow_secret(&e).map(|r| r.retrieve()),
                Some(expected.clone()),
                "secret {e:02x?}"
            );
            assert_eq!(
                table.pow_public(&e).map(|r| r.retrieve()),
                Some(expected),
                "public {e:02x?}"
            );
        }
    }

    #[test]
    fn exponents_longer_than_the_table_are_refused() {
        let group = Group::get();
        let base = group.element(&[7]).expect("fits");
        let table = PowerTable::new(&base, group.params(), 256);
        assert!(table.pow_secret(&[1u8; 33]).is_none());
        assert!(table.pow_public(&[1u8; 33]).is_none());
        assert!(table.pow_secret(&[1u8; 32]).is_some());
    }
}
