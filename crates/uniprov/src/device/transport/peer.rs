//! Who sent a request, as far as the guessing limits care (PROTOCOL.md §7 item 3).
//!
//! HTTP requests carry the client's IP address. An IPv6 client is keyed by its /64 prefix (a
//! single host usually owns a whole /64, so per-address keys would be free to rotate); an
//! IPv4-mapped IPv6 address counts as the IPv4 address. The console, a serial port and the BLE
//! radio have no address worth trusting: each is one peer.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use super::session_id::{self, Kind};
use super::SessionId;

/// A peer of the device, as tracked by the guessing limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    /// An IP client (IPv6: the /64 prefix, host bits zero).
    Ip(IpAddr),
    /// The console (stdin/stdout or a serial port): one peer.
    Console,
    /// The BLE radio: one peer for all connections (BLE addresses are easily randomised).
    Ble,
    /// A request whose transport said nothing about its origin.
    Unknown,
}

impl Peer {
    /// The peer of a request from `ip` (when the transport knows it) in transport session
    /// `session`.
    pub fn of(ip: Option<IpAddr>, session: SessionId) -> Peer {
        match ip {
            Some(ip) => Peer::from_ip(ip),
            None => match session_id::kind(session) {
                Some(Kind::Console) => Peer::Console,
                Some(Kind::Ble) => Peer::Ble,
                Some(Kind::Http) | None => Peer::Unknown,
            },
        }
    }

    /// The peer of an IP address (see the module docs for IPv6).
    pub fn from_ip(ip: IpAddr) -> Peer {
        match ip {
            IpAddr::V4(v4) => Peer::Ip(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Peer::Ip(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    Peer::Ip(IpAddr::V6(Ipv6Addr::from(prefix)))
                }
            },
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Peer::Ip(IpAddr::V6(ip)) => write!(f, "{ip}/64"),
            Peer::Console => f.write_str("console"),
            Peer::Ble => f.write_str("ble"),
            Peer::Unknown => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_peers_are_their_64_prefix_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(Peer::from_ip(a), Peer::from_ip(b));
        assert_ne!(Peer::from_ip(a), Peer::from_ip(c));
        assert_eq!(Peer::from_ip(a).to_string(), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().expect("ip");
        assert_eq!(Peer::from_ip(mapped).to_string(), "10.0.0.7");
    }

    #[test]
    fn transports_without_addresses_are_one_peer_each() {
        assert_eq!(Peer::of(None, session_id::console(1)), Peer::Console);
        assert_eq!(Peer::of(None, session_id::console(2)), Peer::Console);
        assert_eq!(Peer::of(None, session_id::ble(3)), Peer::Ble);
        assert_eq!(Peer::of(None, session_id::http(3)), Peer::Unknown);
        let ip: IpAddr = "192.168.4.2".parse().expect("ip");
        assert_eq!(Peer::of(Some(ip), session_id::http(3)), Peer::Ip(ip));
    }
}
