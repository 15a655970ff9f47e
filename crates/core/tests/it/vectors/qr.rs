//! `qr.json`: the QR payloads of the examples and how the apps read them (§12).

use serde_json::Value;
use uniprov_core::messages::NetworkKind;
use uniprov_core::qr::{QrError, QrPayload};

use uniprov_testkit::vectors::{load, str_of};

fn examples() -> Vec<Value> {
    load("qr.json")["examples"].as_array().unwrap().clone()
}

fn network_word(n: Option<NetworkKind>) -> Value {
    match n {
        None => Value::Null,
        Some(NetworkKind::Wifi) => "wifi".into(),
        Some(NetworkKind::Thread) => "thread".into(),
    }
}

/// §12: every valid example parses to the apps' reading and prints back to the same bytes
/// (payload and jumpstart URL); every invalid one is refused for the documented reason.
#[test]
fn s12_every_qr_example_parses_like_the_apps_and_prints_back() {
    let all = examples();
    assert_eq!(all.len(), 10);
    for e in &all {
        let id = str_of(e, "id");
        let p = &e["parsed"];
        let payload = str_of(e, "payload");
        let valid_both = p["valid_android"] == true && p["valid_ios"] == true;
        match QrPayload::parse(payload) {
            Ok(qr) => {
                assert!(valid_both, "{id}: accepted, but an app refuses it");
                assert_eq!(qr.name, str_of(p, "device_name"), "{id}");
                assert_eq!(qr.transport.as_str(), str_of(p, "transport"), "{id}");
                let pop = qr.pop.as_ref().map_or("", |s| s.expose().as_str());
                assert_eq!(pop, str_of(p, "pop"), "{id}");
                assert_eq!(qr.username.as_deref(), p["username"].as_str(), "{id}");
                let pw = qr.softap_password.as_ref().map(|s| s.expose().as_str());
                assert_eq!(pw, p["softap_password"].as_str(), "{id}");
                assert_eq!(network_word(qr.network), p["network"], "{id}");
                assert_eq!(
                    qr.security.map(|s| u64::from(u32::from(s))),
                    p["security_field"].as_u64(),
                    "{id}"
                );
                assert_eq!(
                    u64::from(u32::from(qr.initial_security_guess())),
                    p["initial_security_guess"].as_u64().unwrap(),
                    "{id}"
                );
                assert_eq!(qr.to_json(), payload, "{id}");
                assert_eq!(qr.to_url(), str_of(e, "url"), "{id}");
            }
            Err(err) => {
                assert!(!valid_both, "{id}: refused ({err}) but both apps accept it");
                let expected = if p["transport"].is_null() {
                    QrError::BadTransport
                } else {
                    // Android accepts a missing name; we follow iOS (module docs).
                    assert_eq!(p["valid_ios"], false, "{id}");
                    QrError::MissingName
                };
                assert_eq!(err, expected, "{id}");
            }
        }
    }
}
