//! `QrPayload::parse` (§12) on arbitrary text; a parsed payload prints to JSON that parses back
//! to the same members.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::qr::QrPayload;

/// The members of a payload, secrets exposed (this is a test).
fn members(q: &QrPayload) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        (&q.name, q.transport, q.security, &q.username),
        q.pop.as_ref().map(|p| p.expose()),
        q.softap_password.as_ref().map(|p| p.expose()),
        q.network,
        q.initial_security_guess(),
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(qr) = QrPayload::parse(text) {
        let json = qr.to_json();
        let _ = qr.to_url();
        match QrPayload::parse(&json) {
            Ok(again) => assert_eq!(members(&again), members(&qr), "{json}"),
            Err(e) => panic!("own JSON {json:?} rejected: {e}"),
        }
    }
});
