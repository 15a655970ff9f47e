//! BLE mapping without a radio (docs/protocol.md §9.2).

#![allow(clippy::unwrap_used)]

use super::*;

fn u(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

fn ch(uuid: &str, name: Option<&[u8]>) -> DiscoveredCharacteristic {
    DiscoveredCharacteristic {
        uuid: u(uuid),
        user_description: name.map(<[u8]>::to_vec),
    }
}

#[test]
fn endpoint_uuids_replace_characters_5_to_8_of_the_service_uuid() {
    assert_eq!(
        derive_endpoint_uuid(DEFAULT_SERVICE_UUID, 0xff51),
        u("1775ff51-6b43-439b-877c-060f2d9bed07")
    );
    assert_eq!(
        derive_endpoint_uuid(EXAMPLE_SERVICE_UUID, 0xff4f),
        u("021aff4f-0382-4aea-bff4-6b3f1c5adfb4")
    );
}

#[test]
fn derived_uuids_match_the_shared_vectors() {
    let text = include_str!("../../../../../testdata/vectors/ble_uuids.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut checked = 0;
    for service in json["services"].as_array().unwrap() {
        let svc = u(service["service_uuid"].as_str().unwrap());
        for c in service["characteristics"].as_array().unwrap() {
            let id = u16::from_str_radix(c["uuid16"].as_str().unwrap(), 16).unwrap();
            assert_eq!(
                derive_endpoint_uuid(svc, id),
                u(c["uuid"].as_str().unwrap())
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} characteristics checked");
}

#[test]
fn service_candidates_skip_sig_uuids_and_fall_back_like_esp_prov() {
    let adv = [
        u("0000180a-0000-1000-8000-00805f9b34fb"),
        DEFAULT_SERVICE_UUID,
    ];
    assert_eq!(service_candidates(&adv), vec![DEFAULT_SERVICE_UUID]);
    assert_eq!(
        service_candidates(&[]),
        vec![EXAMPLE_SERVICE_UUID, DEFAULT_SERVICE_UUID]
    );
}

#[test]
fn endpoints_are_mapped_by_descriptor_not_by_order() {
    // Session-only order (§11): custom endpoint before the provisioning endpoints.
    let svc = DiscoveredService {
        uuid: DEFAULT_SERVICE_UUID,
        characteristics: vec![
            ch(
                "1775ff51-6b43-439b-877c-060f2d9bed07",
                Some(b"prov-session"),
            ),
            ch("1775ff53-6b43-439b-877c-060f2d9bed07", Some(b"proto-ver\0")),
            ch("1775ff54-6b43-439b-877c-060f2d9bed07", Some(b"custom-data")),
            ch("1775ff55-6b43-439b-877c-060f2d9bed07", Some(b"PROV-CONFIG")),
        ],
    };
    let map = EndpointMap::new(&svc);
    assert_eq!(
        map.resolve("prov-config"),
        Some(u("1775ff55-6b43-439b-877c-060f2d9bed07"))
    );
    assert_eq!(
        map.resolve("proto-ver"),
        Some(u("1775ff53-6b43-439b-877c-060f2d9bed07"))
    );
    // Named descriptors exist, so a missing endpoint is "not offered", not derived.
    assert_eq!(map.resolve("prov-scan"), None);
    assert_eq!(
        map.names().collect::<Vec<_>>(),
        ["custom-data", "proto-ver", "prov-config", "prov-session"]
    );
}

#[test]
fn without_descriptors_endpoints_are_derived() {
    let svc = DiscoveredService {
        uuid: DEFAULT_SERVICE_UUID,
        characteristics: vec![ch("1775ff51-6b43-439b-877c-060f2d9bed07", None)],
    };
    let map = EndpointMap::new(&svc);
    assert!(!map.has_descriptors());
    assert_eq!(
        map.resolve("prov-scan"),
        Some(u("1775ff50-6b43-439b-877c-060f2d9bed07"))
    );
    assert_eq!(map.resolve("my-endpoint"), None);
}

#[test]
fn descriptor_values_that_are_not_names_are_ignored() {
    assert_eq!(endpoint_name(b"\xff\xfe"), None);
    assert_eq!(endpoint_name(b""), None);
    assert_eq!(endpoint_name(b"\0\0"), None);
    assert_eq!(endpoint_name(b" Proto-Ver "), Some("proto-ver".into()));
}

#[test]
fn the_service_with_prov_session_is_selected() {
    let other = DiscoveredService {
        uuid: u("0000180a-0000-1000-8000-00805f9b34fb"),
        characteristics: vec![ch("00002a29-0000-1000-8000-00805f9b34fb", Some(b"maker"))],
    };
    let prov = DiscoveredService {
        uuid: EXAMPLE_SERVICE_UUID,
        characteristics: vec![ch(
            "021aff51-0382-4aea-bff4-6b3f1c5adfb4",
            Some(b"prov-session"),
        )],
    };
    let services = [other.clone(), prov.clone()];
    // The advertisement named another 128-bit service: the one with prov-session still wins.
    let chosen = select_service(&[u("12345678-1234-1234-1234-123456789abc")], &services);
    assert_eq!(chosen.map(|s| s.uuid), Some(EXAMPLE_SERVICE_UUID));
    assert_eq!(select_service(&[], &[other]).map(|s| s.uuid), None);
}
