//! `ScanRequest::decode` (§2.8, §2.10) on arbitrary bytes; an accepted request encodes to bytes
//! that decode to an equal request.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::messages::scan::ScanRequest;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = ScanRequest::decode(data) {
        let bytes = request.encode();
        assert_eq!(
            ScanRequest::decode(&bytes),
            Ok(request),
            "{}",
            hex::encode(&bytes)
        );
    }
});
