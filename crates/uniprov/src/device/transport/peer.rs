//! Who sent a request, as far as the guessing limits care (docs/protocol.md §7 item 3).
//!
//! HTTP requests carry the client's IP address. An IPv6 client is keyed by its /64 prefix (a
//! single host usually owns a whole /64, so per-address keys would be free to rotate); an
//! IPv4-mapped IPv6 address counts as the IPv4 address. A BLE client is keyed by its Bluetooth
//! address (a phone's resolvable private address changes every ~15 minutes at most, so a guesser
//! that rotates addresses is held by the global count of `auth_limit`, as one with many IP
//! addresses is). The console, a serial port and a request without an origin are one peer each.

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
    /// A BLE client, by its Bluetooth address (as BlueZ shows it, most significant byte first).
    Ble([u8; 6]),
    /// A request whose transport said nothing about its origin.
    Unknown,
}

/// Where a request came from, as far as its transport knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An IP client (HTTP).
    Ip(IpAddr),
    /// A BLE client's Bluetooth address.
    Ble([u8; 6]),
}

impl From<IpAddr> for Origin {
    fn from(ip: IpAddr) -> Self {
        Origin::Ip(ip)
    }
}

impl Peer {
    /// The peer of a request from `origin` (when the transport knows it) in transport session
    /// `session`.
    pub fn of(origin: Option<Origin>, session: SessionId) -> Peer {
        match origin {
            Some(Origin::Ip(ip)) => Peer::from_ip(ip),
            Some(Origin::Ble(addr)) => Peer::Ble(addr),
            None => match session_id::kind(session) {
                Some(Kind::Console) => Peer::Console,
                Some(Kind::Ble) | Some(Kind::Http) | None => Peer::Unknown,
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
            Peer::Ble(a) => write!(
                f,
                "ble {:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
                a[0], a[1], a[2], a[3], a[4], a[5]
            ),
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
        assert_eq!(Peer::of(None, session_id::ble(3)), Peer::Unknown);
        assert_eq!(Peer::of(None, session_id::http(3)), Peer::Unknown);
        let ip: IpAddr = "192.168.4.2".parse().expect("ip");
        assert_eq!(Peer::of(Some(ip.into()), session_id::http(3)), Peer::Ip(ip));
    }

    #[test]
    fn ble_clients_are_one_peer_per_bluetooth_address() {
        let phone_a = [0xF0, 0, 0, 0, 0, 0x01];
        let phone_b = [0xF0, 0, 0, 0, 0, 0x02];
        let a1 = Peer::of(Some(Origin::Ble(phone_a)), session_id::ble(1));
        let a2 = Peer::of(Some(Origin::Ble(phone_a)), session_id::ble(2));
        let b = Peer::of(Some(Origin::Ble(phone_b)), session_id::ble(3));
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_eq!(a1.to_string(), "ble F0:00:00:00:00:01");
    }
}
