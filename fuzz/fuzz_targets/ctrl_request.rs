//! `CtrlRequest::decode` (§2.9, §2.10) on arbitrary bytes; an accepted request encodes to bytes
//! that decode to an equal request.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::messages::ctrl::CtrlRequest;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = CtrlRequest::decode(data) {
        let bytes = request.encode();
        assert_eq!(
            CtrlRequest::decode(&bytes),
            Ok(request),
            "{}",
            hex::encode(&bytes)
        );
    }
});
