//! Both proto-ver forms (§8: formatted cJSON up to network_provisioning 1.2.x, compact from
//! 1.3.0) and the session-only offer (§11), with the exact texts of `testdata/vectors`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use super::offers_provisioning;
use crate::client::remote_info;
use uniprov_core::proto_ver::Capabilities;
use uniprov_core::security::SecVer;

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/vectors/proto_ver.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["variants"].as_array().unwrap().clone()
}

/// The compact form of a vector text: no string in the vectors holds a TAB or a newline, so
/// dropping them (and the space after an array comma) gives `json_generator`'s output.
fn compact(formatted: &str) -> String {
    formatted
        .replace(['\n', '\t'], "")
        .replace("\", \"", "\",\"")
}

#[test]
fn every_vector_reads_the_same_formatted_and_compact() {
    let variants = vectors();
    assert_eq!(variants.len(), 18);
    for v in variants {
        let id = v["id"].as_str().unwrap();
        let text = v["text"].as_str().unwrap();
        assert_eq!(hex::encode(text), v["hex"].as_str().unwrap(), "{id}");
        let formatted = remote_info(text.as_bytes()).unwrap();
        let compact_text = compact(text);
        assert!(!compact_text.contains(['\t', '\n', ' ']), "{id}");
        let compacted = remote_info(compact_text.as_bytes()).unwrap();
        assert_eq!(formatted, compacted, "{id}");
        let inputs = &v["inputs"];
        assert_eq!(
            formatted.prov_ver.as_deref(),
            inputs["manager_version"].as_str(),
            "{id}"
        );
        assert_eq!(
            formatted.sec_ver,
            inputs["sec_ver"].as_u64().map(|n| SecVer::from(n as u32))
        );
        assert_eq!(
            formatted.sec_patch_ver,
            inputs["sec_patch_ver"].as_u64().map(|n| n as u32)
        );
        let caps: Vec<String> = serde_json::from_value(inputs["capabilities"].clone()).unwrap();
        assert_eq!(formatted.capabilities, Capabilities::parse(&caps), "{id}");
        assert_eq!(
            formatted.apps.len(),
            inputs["app_info"].as_array().unwrap().len(),
            "{id}"
        );
        assert_eq!(
            offers_provisioning(&formatted),
            !id.contains("session_only"),
            "{id}"
        );
    }
}

#[test]
fn exact_compact_texts_of_network_provisioning_1_3() {
    let sec2 = br#"{"prov":{"ver":"netprov-v1.2","sec_ver":2,"sec_patch_ver":1,"cap":["wifi_prov","wifi_scan"]}}"#;
    let info = remote_info(sec2).unwrap();
    assert_eq!(info.prov_ver.as_deref(), Some("netprov-v1.2"));
    assert_eq!(
        (info.sec_ver, info.sec_patch_ver),
        (Some(SecVer::Sec2), Some(1))
    );
    assert_eq!(info.capabilities, ["wifi_prov", "wifi_scan"]);
    assert!(offers_provisioning(&info));

    let apps = br#"{"my_app":{"ver":"1.345","cap":["cloud","local_ctrl"]},"prov":{"ver":"v1.1","sec_ver":1,"sec_patch_ver":0,"cap":["wifi_scan"]}}"#;
    let info = remote_info(apps).unwrap();
    assert_eq!(info.apps[0].label, "my_app");
    assert_eq!(info.apps[0].cap, ["cloud", "local_ctrl"]);
    assert_eq!(info.capabilities, ["wifi_scan"]);

    let session_only =
        br#"{"prov":{"ver":"netprov-v1.2","sec_ver":1,"sec_patch_ver":0,"cap":["no_pop"]}}"#;
    let info = remote_info(session_only).unwrap();
    assert!(info.has_capability("no_pop"));
    assert!(!offers_provisioning(&info));
}

#[test]
fn a_proto_ver_without_prov_is_given_the_benefit_of_the_doubt() {
    let info = remote_info(br#"{"my_app":{"ver":"1","cap":[]}}"#).unwrap();
    assert!(offers_provisioning(&info));
}
