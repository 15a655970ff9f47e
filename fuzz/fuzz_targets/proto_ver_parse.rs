//! `VersionInfo::parse` (§8, client side) on arbitrary bytes; a parsed version prints (cJSON
//! layout) to text that parses back to the same value. `version_matches` never panics.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use uniprov_core::proto_ver::{self, VersionInfo};

fuzz_target!(|data: &[u8]| {
    let _ = proto_ver::version_matches(data, proto_ver::WIFI_PROV_VERSION);
    if let Ok(info) = VersionInfo::parse(data) {
        let _ = (info.security_scheme(), info.sec_patch_ver());
        let text = info.to_text();
        assert_eq!(VersionInfo::parse(text.as_bytes()), Ok(info), "{text:?}");
    }
});
