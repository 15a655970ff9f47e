//! Constructors of [`SessionId`]s: the transport kind sits in the top 16 bits, the transport's
//! own identifier in the low bits, so a cookie, a console number and a BLE connection handle
//! with the same numeric value are still different sessions.

use super::SessionId;

/// The transport a [`SessionId`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An HTTP cookie session.
    Http,
    /// A console session (the number typed on the line).
    Console,
    /// A BLE connection.
    Ble,
}

const HTTP: u64 = 1 << 48;
const CONSOLE: u64 = 2 << 48;
const BLE: u64 = 3 << 48;
const LOW: u64 = (1 << 48) - 1;

/// The session of the HTTP cookie `session=<cookie>` (§9.1).
pub const fn http(cookie: u32) -> SessionId {
    HTTP | cookie as u64
}

/// The console session typed as `n` on the command line (§9.3; ESP-IDF's id is a `uint32_t`).
pub const fn console(n: u32) -> SessionId {
    CONSOLE | n as u64
}

/// The session of the BLE connection handle `conn` (§3.2).
pub const fn ble(conn: u16) -> SessionId {
    BLE | conn as u64
}

/// The transport of `id`, if it was made by this module.
pub const fn kind(id: SessionId) -> Option<Kind> {
    match id & !LOW {
        HTTP => Some(Kind::Http),
        CONSOLE => Some(Kind::Console),
        BLE => Some(Kind::Ble),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_number_on_different_transports_gives_different_sessions() {
        assert_ne!(http(7), console(7));
        assert_ne!(console(7), ble(7));
        assert_ne!(http(7), ble(7));
        assert_eq!(kind(http(u32::MAX)), Some(Kind::Http));
        assert_eq!(kind(console(0)), Some(Kind::Console));
        assert_eq!(kind(ble(u16::MAX)), Some(Kind::Ble));
        assert_eq!(kind(0), None);
    }
}
