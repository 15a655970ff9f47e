//! `ble_uuids.json`: service and characteristic UUIDs (§9.2).

use uniprov_core::ble::{
    self, Uuid128, DEFAULT_SERVICE_UUID, EXAMPLE_SERVICE_UUID, USER_DESCRIPTION_UUID16,
};

use uniprov_testkit::vectors::{load, str_of};

fn le(hex_text: &str) -> [u8; 16] {
    hex::decode(hex_text).unwrap().try_into().unwrap()
}

/// §9.2: for both service UUIDs, every characteristic UUID is derived from the service UUID
/// and the endpoint id, in string and LSB-first form, and the GATT table lists the endpoints
/// with their ids (customs from ff54 in creation order).
#[test]
fn s9_2_every_characteristic_uuid_is_derived_from_its_service() {
    let v = load("ble_uuids.json");
    assert_eq!(
        u16::from_str_radix(str_of(&v, "user_description_descriptor"), 16).unwrap(),
        USER_DESCRIPTION_UUID16
    );
    assert_eq!(
        Uuid128::from_uuid16(0xff52).to_string(),
        str_of(&v, "android_legacy_fallback_uuid")
    );
    let services = v["services"].as_array().unwrap();
    assert_eq!(services.len(), 2);
    for (s, known) in services
        .iter()
        .zip([DEFAULT_SERVICE_UUID, EXAMPLE_SERVICE_UUID])
    {
        let service: Uuid128 = str_of(s, "service_uuid").parse().unwrap();
        assert_eq!(service, known);
        assert_eq!(service.to_string(), str_of(s, "service_uuid"));
        assert_eq!(
            service.to_le_bytes(),
            le(str_of(s, "service_uuid_le_bytes"))
        );
        assert_eq!(Uuid128::from_le_bytes(service.to_le_bytes()), service);

        let chars = s["characteristics"].as_array().unwrap();
        let customs: Vec<&str> = chars
            .iter()
            .filter(|c| str_of(c, "role").starts_with("custom_"))
            .map(|c| c["endpoint_name"].as_str().unwrap_or("app-endpoint"))
            .collect();
        let table = ble::gatt_table(service, &customs).unwrap();
        assert_eq!(table.len(), chars.len());
        for (c, ours) in chars.iter().zip(&table) {
            let role = str_of(c, "role");
            let id = u16::from_str_radix(str_of(c, "uuid16"), 16).unwrap();
            let uuid = service.with_uuid16(id);
            assert_eq!(uuid.to_string(), str_of(c, "uuid"), "{role}");
            assert_eq!(uuid.to_le_bytes(), le(str_of(c, "uuid_le_bytes")), "{role}");
            assert_eq!(uuid.uuid16(), id, "{role}");
            assert_eq!((ours.uuid16, ours.uuid), (id, uuid), "{role}");
            if let Some(n) = role.strip_prefix("custom_") {
                let index: usize = n.parse().unwrap();
                assert_eq!(ble::custom_endpoint_uuid16(index - 1), Some(id), "{role}");
            } else {
                assert_eq!(ble::endpoint_uuid16(role), Some(id), "{role}");
                assert_eq!(ours.name, str_of(c, "endpoint_name"), "{role}");
            }
        }
    }
}
