//! `proto_ver.json`: the 18 proto-ver texts (§8, §15.4), printed by the device byte for byte
//! and read by the client to esp_prov's conclusions.

use serde_json::Value;
use uniprov_core::proto_ver::{
    self, AppInfo, Capabilities, VersionInfo, CAP_NO_POP, CAP_NO_SEC, CAP_WIFI_SCAN,
};
use uniprov_core::security::SecVer;

use uniprov_testkit::vectors::{load, str_of};

fn variants() -> Vec<Value> {
    load("proto_ver.json")["variants"]
        .as_array()
        .unwrap()
        .clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn opt_u32(v: &Value) -> Option<u32> {
    v.as_u64().map(|n| u32::try_from(n).unwrap())
}

/// The device-side value the firmware was configured with.
fn from_inputs(inputs: &Value) -> VersionInfo {
    VersionInfo {
        apps: inputs["app_info"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| AppInfo {
                label: str_of(a, "label").to_owned(),
                ver: str_of(a, "ver").to_owned(),
                cap: strings(&a["cap"]),
            })
            .collect(),
        prov_ver: str_of(inputs, "manager_version").to_owned(),
        sec_ver: opt_u32(&inputs["sec_ver"]).map(SecVer::from),
        sec_patch_ver: opt_u32(&inputs["sec_patch_ver"]),
        caps: Capabilities::parse(&strings(&inputs["capabilities"])),
    }
}

/// §8, §15.4: the device prints every variant exactly as cJSON_Print does.
#[test]
fn s15_4_device_prints_every_variant_byte_exact() {
    let all = variants();
    assert_eq!(all.len(), 18);
    for v in &all {
        let id = str_of(v, "id");
        let text = from_inputs(&v["inputs"]).to_text();
        assert_eq!(text, str_of(v, "text"), "{id}");
        assert_eq!(hex::encode(text.as_bytes()), str_of(v, "hex"), "{id}");
        assert_eq!(text.len() as u64, v["length"].as_u64().unwrap(), "{id}");
    }
}

/// §8: the client parses every variant back to the inputs, from the formatted text and from
/// a compact re-serialisation of the same JSON.
#[test]
fn s8_client_parses_every_variant_formatted_and_compact() {
    for v in &variants() {
        let id = str_of(v, "id");
        let expected = from_inputs(&v["inputs"]);
        let parsed = VersionInfo::parse(str_of(v, "text").as_bytes());
        assert_eq!(parsed.as_ref(), Ok(&expected), "{id}");
        // Compact JSON (serde_json may reorder the top-level keys; app order is not compared).
        let compact = serde_json::to_string(&v["json"]).unwrap();
        let parsed = VersionInfo::parse(compact.as_bytes()).unwrap();
        assert_eq!(parsed.prov_ver, expected.prov_ver, "{id} compact");
        assert_eq!(parsed.caps, expected.caps, "{id} compact");
        assert_eq!(parsed.sec_ver, expected.sec_ver, "{id} compact");
    }
}

/// §8, §13: from each variant the client concludes what esp_prov concludes (capabilities,
/// auto-selected scheme, no_pop, wifi_scan, sec_patch_ver, version match).
#[test]
fn s13_client_reaches_esp_prov_conclusions_for_every_variant() {
    for v in &variants() {
        let id = str_of(v, "id");
        let reading = &v["esp_prov_reading"];
        let text = str_of(v, "text").as_bytes();
        let info = VersionInfo::parse(text).unwrap();
        // has_capability("none") is true exactly when the response is a version object.
        assert_eq!(reading["capabilities_present"], true, "{id}");
        // esp_prov without --sec_ver: 0 with no_sec, else 1 (it never picks 2 by itself).
        let auto = if info.has_capability(CAP_NO_SEC) {
            0
        } else {
            1
        };
        assert_eq!(reading["auto_selected_sec_ver"], auto, "{id}");
        assert_eq!(reading["no_pop"], info.has_capability(CAP_NO_POP), "{id}");
        assert_eq!(
            reading["wifi_scan"],
            info.has_capability(CAP_WIFI_SCAN),
            "{id}"
        );
        assert_eq!(reading["sec_patch_ver"], info.sec_patch_ver(), "{id}");
        let manager = str_of(&v["inputs"], "manager_version");
        assert_eq!(
            reading["version_match"],
            proto_ver::version_matches(text, manager),
            "{id}"
        );
        // Our own choice of scheme honours sec_ver when present (§12, §14).
        let expected_scheme = opt_u32(&v["inputs"]["sec_ver"]).unwrap_or(auto);
        assert_eq!(u32::from(info.security_scheme()), expected_scheme, "{id}");
    }
}
