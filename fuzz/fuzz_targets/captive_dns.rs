//! `captive_dns::answer` (the captive portal's DNS responder) on arbitrary packets: it never
//! panics, never answers a response or a runt, keeps the query's id, sets the response bit,
//! stays within 512 bytes, and every answer record it carries is the device's address.
#![no_main]
#![forbid(unsafe_code)]

use std::net::Ipv4Addr;

use libfuzzer_sys::fuzz_target;
use uniprov::device::network::captive_dns::answer;

const DEVICE: Ipv4Addr = Ipv4Addr::new(192, 168, 4, 1);

fuzz_target!(|data: &[u8]| {
    let reply = answer(data, DEVICE);
    let is_query = data.len() >= 12 && data[2] & 0x80 == 0;
    let Some(reply) = reply else {
        assert!(!is_query, "a query got no answer at all");
        return;
    };
    assert!(is_query, "answered a runt or a response");
    assert!(reply.len() >= 12 && reply.len() <= 512, "{} bytes", reply.len());
    assert_eq!(reply[..2], data[..2], "id changed");
    assert!(reply[2] & 0x80 != 0, "not marked as a response");
    let answers = u16::from_be_bytes([reply[6], reply[7]]);
    if answers > 0 {
        // Every answer ends with the address (A records only, RDLENGTH 4).
        assert!(reply.ends_with(&DEVICE.octets()), "an answer that is not the device");
    }
});
