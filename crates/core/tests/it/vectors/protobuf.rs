//! `protobuf.json`: every plaintext encoding of prov-config / prov-scan / prov-ctrl (§2.11, §15.3).

use serde_json::{json, Value};
use uniprov_core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov_core::messages::ctrl::{CtrlRequest, CtrlResponse};
use uniprov_core::messages::scan::{ScanReply, ScanRequest, ScanResponse};
use uniprov_core::messages::{AuthMode, Status, ThreadStatus, WifiFailReason, WifiStatus};

use uniprov_testkit::vectors::{load, str_of};

/// Client requests whose vector bytes are the apps' form (empty member present) rather than
/// esp_prov's (`msg` alone): our client emits esp_prov's bytes, given here.
const APPS_FORMS: &[(&str, &str)] = &[
    ("cmd_apply_config_with_payload", "0804"),
    ("cmd_scan_status_with_payload", "0802"),
];

fn entries() -> Vec<Value> {
    load("protobuf.json")["entries"].as_array().unwrap().clone()
}

fn hex_of(entry: &Value) -> Vec<u8> {
    hex::decode(str_of(entry, "hex")).unwrap()
}

/// The canonical bytes our client emits for a request vector.
fn expected_request_bytes(entry: &Value) -> String {
    let id = str_of(entry, "id");
    APPS_FORMS
        .iter()
        .find(|(apps_id, _)| *apps_id == id)
        .map_or_else(|| str_of(entry, "hex").to_owned(), |(_, b)| (*b).to_owned())
}

fn family(entry: &Value) -> &str {
    match str_of(entry, "message_type") {
        "WiFiConfigPayload" | "NetworkConfigPayload" => "config",
        "WiFiScanPayload" | "NetworkScanPayload" => "scan",
        "WiFiCtrlPayload" | "NetworkCtrlPayload" => "ctrl",
        other => panic!("unknown message type {other}"),
    }
}

/// §2.11, §14: every client request decodes on the device and our client re-encodes it as
/// esp_prov does, byte for byte (the apps' empty-member forms map to esp_prov's msg-only bytes).
#[test]
fn s2_11_every_request_vector_decodes_and_reencodes_as_esp_prov() {
    let mut n = 0;
    for e in entries().iter().filter(|e| e["sender"] == "client") {
        let id = str_of(e, "id");
        let bytes = hex_of(e);
        let encoded = match family(e) {
            "config" => ConfigRequest::decode(&bytes)
                .unwrap_or_else(|err| panic!("{id}: {err}"))
                .encode(),
            "scan" => ScanRequest::decode(&bytes)
                .unwrap_or_else(|err| panic!("{id}: {err}"))
                .encode(),
            _ => CtrlRequest::decode(&bytes)
                .unwrap_or_else(|err| panic!("{id}: {err}"))
                .encode(),
        };
        assert_eq!(hex::encode(encoded), expected_request_bytes(e), "{id}");
        n += 1;
    }
    assert_eq!(n, 30, "client request vectors replayed");
}

/// §2.11: every device response decodes on the client and re-encodes on the device to exactly
/// the firmware's bytes.
#[test]
fn s2_11_every_response_vector_roundtrips_byte_exact() {
    let mut n = 0;
    for e in entries().iter().filter(|e| e["sender"] == "device") {
        let id = str_of(e, "id");
        let bytes = hex_of(e);
        let encoded = match family(e) {
            "config" => ConfigResponse::decode(&bytes)
                .unwrap_or_else(|err| panic!("{id}: {err}"))
                .encode(),
            "scan" => ScanResponse::decode(&bytes)
                .unwrap_or_else(|err| panic!("{id}: {err}"))
                .encode(),
            _ => CtrlResponse::decode(&bytes)
                .unwrap_or_else(|err| panic!("{id}: {err}"))
                .encode(),
        };
        assert_eq!(hex::encode(encoded), str_of(e, "hex"), "{id}");
        n += 1;
    }
    assert_eq!(n, 34, "device response vectors replayed");
}

fn wifi_state_word(state: &WifiStatus) -> &'static str {
    match state {
        WifiStatus::Connected(_) => "connected",
        WifiStatus::Connecting { .. } => "connecting",
        WifiStatus::Disconnected => "disconnected",
        WifiStatus::Failed(_) => "failed",
    }
}

fn thread_state_word(state: &ThreadStatus) -> &'static str {
    match state {
        ThreadStatus::Attached(_) => "attached",
        ThreadStatus::Attaching => "attaching",
        ThreadStatus::Detached => "detached",
        ThreadStatus::Failed(_) => "failed",
    }
}

/// What esp_prov's response parsers return, recomputed from our decoded value.
fn esp_prov_reading(family: &str, bytes: &[u8]) -> Value {
    match family {
        "config" => match ConfigResponse::decode(bytes).unwrap() {
            ConfigResponse::WifiStatus { state, .. } => json!(wifi_state_word(&state)),
            ConfigResponse::ThreadStatus { state, .. } => json!(thread_state_word(&state)),
            ConfigResponse::SetWifiConfig(s)
            | ConfigResponse::ApplyWifiConfig(s)
            | ConfigResponse::SetThreadDataset(s)
            | ConfigResponse::ApplyThreadConfig(s) => json!(s.to_wire()),
        },
        "scan" => match ScanResponse::decode(bytes).unwrap().reply {
            ScanReply::WifiStarted | ScanReply::ThreadStarted => Value::Null,
            ScanReply::WifiStatus {
                finished,
                result_count,
            }
            | ScanReply::ThreadStatus {
                finished,
                result_count,
            } => json!({"finished": finished, "count": result_count}),
            ScanReply::WifiResult(entries) => {
                let mut list = Vec::new();
                for e in entries {
                    // esp_prov indexes a table of the 8 proto enum names and raises beyond it.
                    let auth = match e.auth.name() {
                        Some(name) if e.auth <= AuthMode::WPA2_WPA3_PSK => name,
                        _ => return json!("raises IndexError"),
                    };
                    list.push(json!({
                        "ssid": String::from_utf8(e.ssid).unwrap(),
                        "bssid": hex::encode(e.bssid),
                        "channel": e.channel,
                        "rssi": e.rssi,
                        "auth": auth,
                    }));
                }
                Value::Array(list)
            }
            ScanReply::ThreadResult(entries) => Value::Array(
                entries
                    .into_iter()
                    .map(|e| {
                        json!({
                            "pan_id": e.pan_id,
                            "ext_pan_id": hex::encode(e.ext_pan_id),
                            "network_name": e.network_name,
                            "channel": e.channel,
                            "rssi": e.rssi,
                            "lqi": e.lqi,
                            "ext_addr": hex::encode(e.ext_addr),
                        })
                    })
                    .collect(),
            ),
        },
        _ => match CtrlResponse::decode(bytes).unwrap().status {
            Status::Success => Value::Null,
            _ => json!("raises RuntimeError"),
        },
    }
}

/// §10.3, §10.6: the client reaches esp_prov's conclusion for every response vector (states,
/// statuses, scan lists). Where esp_prov raises IndexError on an auth mode outside its name
/// table, we decode the entry and keep the raw mode; the test maps "no name" to esp_prov's word.
#[test]
fn s10_client_reads_every_response_like_esp_prov() {
    for e in entries().iter().filter(|e| e["sender"] == "device") {
        let id = str_of(e, "id");
        let ours = esp_prov_reading(family(e), &hex_of(e));
        // serde_json compares objects regardless of key order.
        let theirs = &e["esp_prov_result"];
        assert_eq!(&ours, theirs, "{id}");
    }
}

/// §2.11: the decoded values carry the details, not just the state word.
#[test]
fn s2_11_response_details_are_decoded() {
    let connected = hex::decode(
        "08015a245a220a0c3139322e3136382e312e343210031a066d797373696422061122334455662806",
    )
    .unwrap();
    let ConfigResponse::WifiStatus {
        status: Status::Success,
        state: WifiStatus::Connected(c),
    } = ConfigResponse::decode(&connected).unwrap()
    else {
        panic!("not a connected status");
    };
    assert_eq!(c.ip4_addr, "192.168.1.42");
    assert_eq!(c.auth_mode.name(), Some("WPA2_PSK"));
    assert_eq!(c.ssid, b"myssid");
    assert_eq!(c.bssid, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
    assert_eq!(c.channel, 6);

    let attempts = hex::decode("08015a06100162020802").unwrap();
    assert!(matches!(
        ConfigResponse::decode(&attempts).unwrap(),
        ConfigResponse::WifiStatus {
            state: WifiStatus::Connecting {
                attempts_remaining: Some(2)
            },
            ..
        }
    ));
    let not_found = hex::decode("08015a0410035001").unwrap();
    assert!(matches!(
        ConfigResponse::decode(&not_found).unwrap(),
        ConfigResponse::WifiStatus {
            state: WifiStatus::Failed(WifiFailReason::NetworkNotFound),
            ..
        }
    ));
    let internal = hex::decode("08015a020805").unwrap();
    assert_eq!(
        ConfigResponse::decode(&internal).unwrap(),
        ConfigResponse::wifi_status_unavailable(Status::InternalError)
    );
}

/// §2.7, §2.10: the device sees the credentials and dataset the client sent.
#[test]
fn s2_7_set_config_requests_carry_credentials_and_dataset() {
    for e in entries() {
        let id = str_of(&e, "id");
        let fields = &e["fields"];
        if let Some(cmd) = fields
            .get("cmd_set_config")
            .or_else(|| fields.get("cmd_set_wifi_config"))
        {
            let Ok(ConfigRequest::SetWifiConfig(c)) = ConfigRequest::decode(&hex_of(&e)) else {
                panic!("{id}: not SetWifiConfig");
            };
            assert_eq!(c.ssid, str_of(&cmd["ssid"], "ascii").as_bytes(), "{id}");
            assert_eq!(
                c.passphrase.expose().as_slice(),
                str_of(&cmd["passphrase"], "ascii").as_bytes(),
                "{id}"
            );
            let bssid = cmd["bssid"]["hex"].as_str().unwrap_or("");
            assert_eq!(hex::encode(&c.bssid), bssid, "{id}");
            assert_eq!(i64::from(c.channel), cmd["channel"].as_i64().unwrap_or(0));
        }
        if let Some(cmd) = fields.get("cmd_set_thread_config") {
            let Ok(ConfigRequest::SetThreadDataset(d)) = ConfigRequest::decode(&hex_of(&e)) else {
                panic!("{id}: not SetThreadDataset");
            };
            assert_eq!(hex::encode(d.expose()), str_of(&cmd["dataset"], "hex"));
        }
    }
}
