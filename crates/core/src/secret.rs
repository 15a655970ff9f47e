//! A wrapper for secret values: zeroized on drop, `***` in `Debug`, not `Clone`.

use core::fmt;
use zeroize::Zeroize;

/// A secret value (PoP, password, verifier, key, passphrase).
///
/// It zeroizes its contents when dropped, prints as `***` with `Debug`, and is deliberately not
/// `Clone` or `Display`, so a secret cannot end up in a log line by accident. Use
/// [`Secret::expose`] at the one place that needs the value.
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// Borrows the secret value. Call it only where the value is used, never to log it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Mutably borrows the secret value.
    pub fn expose_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Zeroize + Clone> Secret<T> {
    /// An explicit copy, for the rare place that needs two owners of one secret.
    pub fn duplicate(&self) -> Self {
        Secret(self.0.clone())
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new(vec![b'p', b'w']);
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.expose(), &vec![b'p', b'w']);
    }
}
