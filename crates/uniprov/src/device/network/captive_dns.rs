//! The captive portal's DNS (`uniprov device --softap` with the page on): every name resolves
//! to the device's address, so a phone that joins the hotspot sends its connectivity check to
//! the device, which redirects it to the provisioning page (`transport/captive.rs`).
//!
//! Why a responder of our own, and where it listens: NetworkManager's `shared` mode starts a
//! dnsmasq for the hotspot bound to the hotspot's *first* address, port 53, for DHCP and DNS,
//! so 192.168.4.1:53 is taken. The hotspot's interface gets a second address
//! ([`CAPTIVE_DNS_ADDRESS`], outside dnsmasq's DHCP range `.10`–`.254`, added once the hotspot
//! is up: `networkmanager/dnsmasq_dns.rs`), this responder listens there, and dnsmasq's DHCP names it as
//! the clients' DNS server through a one-line drop-in scoped to the hotspot's interface, present
//! only while the hotspot activates (`networkmanager/dnsmasq_dns.rs`; NetworkManager 1.42
//! refuses `ipv4.dns` on a shared profile). The usual recipe, `address=/#/192.168.4.1` in
//! `/etc/NetworkManager/dnsmasq-shared.d/`, would apply to every shared connection's dnsmasq on
//! the machine for as long as the file exists; a firewall redirect of port 53 is global state
//! too.
//!
//! The responder ([`answer`]) is a pure function of the query bytes: standard queries
//! (opcode 0) with one question get an authoritative answer: `A` (and `ANY`) in class `IN`:
//! the device's address with a TTL of [`TTL_SECONDS`]; any other type: no answer, no error
//! (`AAAA` included, so a client falls back to `A`). Responses are never answered; other
//! opcodes get `NOTIMP`, malformed questions (compression pointers, labels over 63 bytes,
//! names over 255) `FORMERR`, a packet shorter than a header nothing. Additional records of the
//! query (EDNS) are ignored; every answer fits 512 bytes. It never panics on any input
//! (`captive_dns/tests.rs` feeds it a million pseudo-random and mutated packets).

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::UdpSocket;

/// Where the responder listens on the hotspot: the hotspot's second address (the first,
/// 192.168.4.1, has NetworkManager's dnsmasq on port 53).
pub const CAPTIVE_DNS_ADDRESS: Ipv4Addr = Ipv4Addr::new(192, 168, 4, 2);

/// TTL of the answers: short, since the names are the real internet's once the phone leaves.
pub const TTL_SECONDS: u32 = 1;

const HEADER: usize = 12;
const TYPE_A: u16 = 1;
const TYPE_ANY: u16 = 255;
const CLASS_IN: u16 = 1;
const CLASS_ANY: u16 = 255;
const RCODE_FORMERR: u8 = 1;
const RCODE_NOTIMP: u8 = 4;

/// The answer to one DNS query packet: every `A` question answered with `address`; `None` for
/// packets that get no answer (shorter than a header, or a response).
pub fn answer(query: &[u8], address: Ipv4Addr) -> Option<Vec<u8>> {
    let header = query.get(..HEADER)?;
    let flags = u16::from_be_bytes([header[2], header[3]]);
    if flags & 0x8000 != 0 {
        return None; // a response: never answer one (no loops between responders)
    }
    let opcode = ((flags >> 11) & 0x0f) as u8;
    let recursion_desired = flags & 0x0100 != 0;
    let id = [header[0], header[1]];
    if opcode != 0 {
        return Some(error_only(id, opcode, recursion_desired, RCODE_NOTIMP));
    }
    let questions = u16::from_be_bytes([header[4], header[5]]);
    let Some(question) = (questions == 1)
        .then(|| parse_question(&query[HEADER..]))
        .flatten()
    else {
        return Some(error_only(id, opcode, recursion_desired, RCODE_FORMERR));
    };
    let answered = matches!(question.qtype, TYPE_A | TYPE_ANY)
        && matches!(question.qclass, CLASS_IN | CLASS_ANY);
    let mut out = Vec::with_capacity(HEADER + question.bytes.len() + 16);
    out.extend_from_slice(&id);
    // QR, opcode 0, AA, RD as asked; RA clear; RCODE 0.
    let flags: u16 = 0x8000 | 0x0400 | if recursion_desired { 0x0100 } else { 0 };
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // QDCOUNT
    out.extend_from_slice(&u16::from(answered).to_be_bytes()); // ANCOUNT
    out.extend_from_slice(&[0, 0, 0, 0]); // NSCOUNT, ARCOUNT
    out.extend_from_slice(question.bytes);
    if answered {
        out.extend_from_slice(&[0xc0, HEADER as u8]); // the question's name
        out.extend_from_slice(&TYPE_A.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&TTL_SECONDS.to_be_bytes());
        out.extend_from_slice(&4u16.to_be_bytes());
        out.extend_from_slice(&address.octets());
    }
    Some(out)
}

/// One question: its bytes on the wire (name, type, class), type and class.
struct Question<'a> {
    bytes: &'a [u8],
    qtype: u16,
    qclass: u16,
}

/// The first question of `body` (the bytes after the header): uncompressed labels of at most
/// 63 bytes, a name of at most 255 bytes, then type and class.
fn parse_question(body: &[u8]) -> Option<Question<'_>> {
    let mut at = 0usize;
    loop {
        let length = usize::from(*body.get(at)?);
        if length == 0 {
            at += 1;
            break;
        }
        if length > 63 {
            return None; // a compression pointer (0xc0) or a reserved label type
        }
        at += 1 + length;
        if at > 255 {
            return None;
        }
    }
    let fixed = body.get(at..at + 4)?;
    Some(Question {
        bytes: &body[..at + 4],
        qtype: u16::from_be_bytes([fixed[0], fixed[1]]),
        qclass: u16::from_be_bytes([fixed[2], fixed[3]]),
    })
}

/// A header-only response with `rcode`.
fn error_only(id: [u8; 2], opcode: u8, recursion_desired: bool, rcode: u8) -> Vec<u8> {
    let flags: u16 = 0x8000
        | (u16::from(opcode & 0x0f) << 11)
        | if recursion_desired { 0x0100 } else { 0 }
        | u16::from(rcode);
    let mut out = Vec::with_capacity(HEADER);
    out.extend_from_slice(&id);
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&[0; 8]);
    out
}

/// The responder on an open UDP socket: answers every query with `address` until `shutdown`
/// completes. Receive errors (ICMP port unreachable from an earlier answer, and the like) are
/// skipped.
pub async fn serve(socket: UdpSocket, address: Ipv4Addr, shutdown: impl Future<Output = ()>) {
    let mut buffer = [0u8; 512];
    tokio::pin!(shutdown);
    loop {
        let received = tokio::select! {
            () = &mut shutdown => break,
            received = socket.recv_from(&mut buffer) => received,
        };
        let (length, peer) = match received {
            Ok(received) => received,
            Err(error) => {
                tracing::trace!(%error, "DNS receive failed");
                continue;
            }
        };
        let Some(response) = answer(&buffer[..length], address) else {
            continue;
        };
        tracing::trace!(%peer, "DNS query answered");
        if let Err(error) = socket.send_to(&response, peer).await {
            tracing::debug!(%peer, %error, "DNS answer not sent");
        }
    }
}

/// Binds `listen` (port 53 on [`CAPTIVE_DNS_ADDRESS`] on a device) for [`serve`].
pub async fn bind(listen: SocketAddr) -> std::io::Result<UdpSocket> {
    UdpSocket::bind(listen).await
}

#[cfg(test)]
mod tests;
