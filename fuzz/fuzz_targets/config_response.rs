//! `ConfigResponse::decode` (client side) on arbitrary bytes; an accepted response encodes to
//! bytes that decode to an equal response.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::messages::config::ConfigResponse;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = ConfigResponse::decode(data) {
        let bytes = response.encode();
        assert_eq!(
            ConfigResponse::decode(&bytes),
            Ok(response),
            "{}",
            hex::encode(&bytes)
        );
    }
});
