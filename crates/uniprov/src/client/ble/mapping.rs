//! The radio-free part of the BLE client (docs/protocol.md §9.2): which GATT service is the
//! provisioning service, and which characteristic serves which endpoint.
//!
//! Endpoints are found by the 0x2901 *Characteristic User Description* descriptor whose value is
//! the endpoint name, never by handle order: custom endpoints and session-only mode (§11) change
//! the order. Only when a device exposes no descriptors does the client fall back to deriving
//! the UUID from the service UUID and the manager's fixed 16-bit ids, like esp_prov.

use std::collections::BTreeMap;

use uniprov_core::ble::{self as core_ble, Uuid128};
use uuid::Uuid;

/// The default provisioning service UUID of the ESP-IDF BLE scheme.
pub const DEFAULT_SERVICE_UUID: Uuid = Uuid::from_bytes(core_ble::DEFAULT_SERVICE_UUID.to_bytes());

/// The service UUID the ESP-IDF examples set, and esp_prov's fallback when the advertisement
/// does not name exactly one service.
pub const EXAMPLE_SERVICE_UUID: Uuid = Uuid::from_bytes(core_ble::EXAMPLE_SERVICE_UUID.to_bytes());

/// The 16-bit Characteristic User Description descriptor (0x2901) as a 128-bit UUID.
pub const USER_DESCRIPTION_UUID: Uuid =
    Uuid::from_bytes(Uuid128::from_uuid16(core_ble::USER_DESCRIPTION_UUID16).to_bytes());

const SIG_BASE_MASK: u128 = 0x0000_0000_ffff_ffff_ffff_ffff_ffff_ffff;
const SIG_BASE: u128 = 0x0000_0000_0000_1000_8000_0080_5f9b_34fb;

/// The examples' first custom endpoint, which esp_prov also knows without descriptors.
const CUSTOM_DATA: &str = "custom-data";

/// The 16-bit id of an endpoint when a device exposes no 0x2901 descriptors: the manager's
/// fixed ids (§1), plus `custom-data` as the first custom endpoint.
fn fallback_id(endpoint: &str) -> Option<u16> {
    core_ble::endpoint_uuid16(endpoint)
        .or_else(|| (endpoint == CUSTOM_DATA).then_some(core_ble::FIRST_CUSTOM_UUID16))
}

/// Whether `uuid` is a Bluetooth SIG short UUID (`0000xxxx-0000-1000-8000-00805f9b34fb`).
pub fn is_sig_uuid(uuid: Uuid) -> bool {
    uuid.as_u128() & SIG_BASE_MASK == SIG_BASE
}

/// The characteristic UUID of endpoint `id` in `service`: bytes 12 and 13 of the little-endian
/// UUID (characters 5 to 8 of the string form) replaced by the id (§9.2).
pub fn derive_endpoint_uuid(service: Uuid, id: u16) -> Uuid {
    Uuid::from_bytes(
        Uuid128::from_bytes(*service.as_bytes())
            .with_uuid16(id)
            .to_bytes(),
    )
}

/// The provisioning-service candidates of an advertisement, best first: the 128-bit
/// (non-SIG) service UUIDs in advertised order. When there are none, esp_prov's fallback
/// [`EXAMPLE_SERVICE_UUID`] and the default [`DEFAULT_SERVICE_UUID`].
pub fn service_candidates(advertised: &[Uuid]) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = Vec::new();
    for uuid in advertised.iter().copied().filter(|u| !is_sig_uuid(*u)) {
        if !out.contains(&uuid) {
            out.push(uuid);
        }
    }
    if out.is_empty() {
        out.extend([EXAMPLE_SERVICE_UUID, DEFAULT_SERVICE_UUID]);
    }
    out
}

/// One discovered characteristic: its UUID and the raw value of its 0x2901 descriptor, if it
/// has one and it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredCharacteristic {
    /// Characteristic UUID.
    pub uuid: Uuid,
    /// Raw value of the user-description descriptor.
    pub user_description: Option<Vec<u8>>,
}

/// One discovered GATT service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredService {
    /// Service UUID.
    pub uuid: Uuid,
    /// Its characteristics.
    pub characteristics: Vec<DiscoveredCharacteristic>,
}

/// The endpoint name in a descriptor value: ASCII without NUL (trailing NULs tolerated),
/// lower-cased like esp_prov. `None` when it is not text.
pub fn endpoint_name(descriptor: &[u8]) -> Option<String> {
    let end = descriptor
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i + 1);
    let text = std::str::from_utf8(&descriptor[..end]).ok()?.trim();
    (!text.is_empty()).then(|| text.to_ascii_lowercase())
}

/// Picks the provisioning service among the discovered ones: the first advertised candidate
/// that has a `prov-session` characteristic, else any service that has one, else the first
/// candidate that was discovered at all.
pub fn select_service<'a>(
    candidates: &[Uuid],
    services: &'a [DiscoveredService],
) -> Option<&'a DiscoveredService> {
    let has_session = |s: &DiscoveredService| {
        s.characteristics.iter().any(|c| {
            c.user_description
                .as_deref()
                .and_then(endpoint_name)
                .as_deref()
                == Some("prov-session")
        })
    };
    let by_uuid = |u: &Uuid| services.iter().find(|s| s.uuid == *u);
    candidates
        .iter()
        .filter_map(by_uuid)
        .find(|s| has_session(s))
        .or_else(|| services.iter().find(|s| has_session(s)))
        .or_else(|| candidates.iter().find_map(by_uuid))
}

/// Endpoint name → characteristic UUID for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointMap {
    service: Uuid,
    by_name: BTreeMap<String, Uuid>,
}

impl EndpointMap {
    /// Builds the map from the service's characteristics and their descriptors. The first
    /// characteristic wins when two carry the same name.
    pub fn new(service: &DiscoveredService) -> Self {
        let mut by_name = BTreeMap::new();
        for c in &service.characteristics {
            if let Some(name) = c.user_description.as_deref().and_then(endpoint_name) {
                by_name.entry(name).or_insert(c.uuid);
            }
        }
        EndpointMap {
            service: service.uuid,
            by_name,
        }
    }

    /// The service UUID.
    pub fn service(&self) -> Uuid {
        self.service
    }

    /// Whether any descriptor named an endpoint.
    pub fn has_descriptors(&self) -> bool {
        !self.by_name.is_empty()
    }

    /// The endpoint names found, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The characteristic of `endpoint`: from the descriptors; when the device exposes no
    /// descriptors at all, derived from the service UUID and the manager's fixed ids.
    pub fn resolve(&self, endpoint: &str) -> Option<Uuid> {
        let endpoint = endpoint.to_ascii_lowercase();
        if let Some(uuid) = self.by_name.get(&endpoint) {
            return Some(*uuid);
        }
        if self.has_descriptors() {
            return None;
        }
        fallback_id(&endpoint).map(|id| derive_endpoint_uuid(self.service, id))
    }
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
