//! The core endpoint router (§1, §3) with several sessions and endpoints.
//!
//! Input: `selector (1) ‖ max_sessions (1) ‖ device entropy tape (48) ‖ chunks`. The selector
//! picks the security ([`uniprov_testkit::vectors::security::device_any`]); the table holds
//! `1 + max_sessions % 4` sessions. Each chunk op is `session (bits 0-1) ‖ action (bits 2-4)`:
//! actions 0-4 send `body` to endpoint `ENDPOINTS[action]`, 5 sends an empty body to the
//! endpoint named by `body` (usually unknown), 6 answers the session's pending request with
//! `body` (`respond`), 7 opens (bit 5 clear) or closes (bit 5 set) the session.
//!
//! Properties: the table never exceeds its size; `proto-ver` always answers the version text;
//! an unknown endpoint is refused; a request endpoint of a security 1/2 session answers only
//! when the session is established; routing never panics.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::protocomm::{EndpointKind, Refusal, Routed};
use uniprov_core::security::DeviceSecurity;
use uniprov_testkit::entropy::TapeEntropy;
use uniprov_fuzz::input::{Reader, TAPE_LEN};
use uniprov_fuzz::responder::{self, ENDPOINTS, VERSION};
use uniprov_testkit::vectors::security as vectors;

fuzz_target!(|data: &[u8]| {
    let mut input = Reader::new(data);
    let security = vectors::device_any(input.byte());
    let sec0 = matches!(security, DeviceSecurity::Sec0);
    let max_sessions = 1 + usize::from(input.byte() % 4);
    let mut entropy = TapeEntropy::new(input.take(TAPE_LEN));
    let mut router = responder::protocomm(security, max_sessions);
    while let Some(chunk) = input.chunk() {
        let session = u64::from(chunk.op & 3);
        let action = usize::from((chunk.op >> 2) & 7);
        match action {
            0..=4 => {
                let (name, kind) = ENDPOINTS[action];
                let established = router.is_established(session);
                let routed = router.receive(session, name, chunk.body, &mut entropy);
                match (kind, routed) {
                    (EndpointKind::Version, Ok(Routed::Reply(text))) => assert_eq!(text, VERSION),
                    (EndpointKind::Version, other) => panic!("proto-ver answered {other:?}"),
                    (EndpointKind::Session, Ok(Routed::Reply(r))) => assert!(!r.is_empty()),
                    (EndpointKind::Session, Err(Refusal::Handshake(_))) => {}
                    (EndpointKind::Session, other) => panic!("prov-session answered {other:?}"),
                    (EndpointKind::Request, Ok(Routed::Request { endpoint, .. })) => {
                        assert_eq!(endpoint, name);
                        assert!(sec0 || established, "request routed without a handshake");
                    }
                    (EndpointKind::Request, Ok(Routed::Reply(_))) => panic!("request got a reply"),
                    (EndpointKind::Request, Err(_)) => {}
                }
            }
            5 => {
                let name = String::from_utf8_lossy(chunk.body);
                let known = ENDPOINTS.iter().any(|(n, _)| *n == name);
                let routed = router.receive(session, &name, &[], &mut entropy);
                if !known {
                    assert!(
                        matches!(routed, Err(Refusal::UnknownEndpoint)),
                        "{routed:?}"
                    );
                }
            }
            6 => {
                let _ = router.respond(session, chunk.body);
            }
            _ if chunk.op & 0x20 == 0 => {
                router.open_session(session);
                assert!(router.has_session(session));
                assert!(sec0 || !router.is_established(session));
            }
            _ => {
                router.close_session(session);
                assert!(!router.has_session(session));
            }
        }
        assert!(
            router.session_count() <= max_sessions,
            "session table overflow"
        );
    }
});
