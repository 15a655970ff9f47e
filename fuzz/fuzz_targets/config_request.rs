//! `ConfigRequest::decode` (§2.7, §2.10) on arbitrary bytes; an accepted request re-encodes to
//! bytes that decode and re-encode identically (requests hold secrets, so they are compared by
//! their encoding).
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::messages::config::ConfigRequest;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = ConfigRequest::decode(data) {
        let once = request.encode();
        match ConfigRequest::decode(&once) {
            Ok(again) => assert_eq!(again.encode(), once, "re-encoding is not stable"),
            Err(e) => panic!("own encoding {} rejected: {e}", hex::encode(&once)),
        }
    }
});
