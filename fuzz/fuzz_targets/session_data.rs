//! `DeviceSession::handle_session_data` (§4-§6, device side) on one arbitrary `prov-session`
//! message. The first byte picks the configuration ([`uniprov_testkit::vectors::security::device_any`]:
//! security 0, security 1 with four PoP variants, security 2 with two credential sets × two
//! patch versions); the rest is the message. Afterwards the data phase is tried with the same
//! bytes: it must refuse unless the session is established, and never panic.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::security::DeviceSession;
use uniprov_testkit::entropy::TapeEntropy;
use uniprov_fuzz::input::Reader;
use uniprov_testkit::vectors::security as vectors;

fuzz_target!(|data: &[u8]| {
    let mut input = Reader::new(data);
    let security = vectors::device_any(input.byte());
    let message = input.rest();
    let mut session = DeviceSession::new(&security);
    let mut entropy = TapeEntropy::seeded(1);
    let result = session.handle_session_data(message, &mut entropy);
    if let Ok(reply) = &result {
        assert!(!reply.is_empty());
    }
    let established = session.is_established();
    assert_eq!(session.decrypt(message).is_ok(), established);
    assert_eq!(session.encrypt(message).is_ok(), established);
});
