//! `ScanResponse::decode` (client side) on arbitrary bytes; an accepted response encodes to
//! bytes that decode to an equal response.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::messages::scan::ScanResponse;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = ScanResponse::decode(data) {
        let bytes = response.encode();
        assert_eq!(
            ScanResponse::decode(&bytes),
            Ok(response),
            "{}",
            hex::encode(&bytes)
        );
    }
});
