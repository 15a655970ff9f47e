//! Whether a device offers provisioning at all, from its proto-ver (§8, §11).
//!
//! network_provisioning 1.4.0's session-only mode serves `prov-session`, `proto-ver` and the
//! application's endpoints without `prov-config`, `prov-scan` and `prov-ctrl` unless the firmware
//! enabled provisioning on this boot; its proto-ver then lists none of the provisioning
//! capabilities (`cap` is `[]`, or only `no_sec` / `no_pop`). Every full-mode firmware lists at
//! least `wifi_scan` (ESP-IDF `wifi_provisioning` since v4.0) or `wifi_prov` / `thread_prov`
//! (network_provisioning). A proto-ver without a `prov` object (custom firmware) is given the
//! benefit of the doubt. After provisioning a session-only device keeps its old proto-ver
//! although the endpoints are gone; that shows as a missing endpoint (HTTP 404, no BLE
//! characteristic), which [`ClientError::transport`](super::ClientError::transport) reports the
//! same way.
//!
//! Pure; tested with the exact proto-ver texts of the reference vectors, formatted (cJSON, ESP-IDF
//! and network_provisioning ≤ 1.2) and compact (network_provisioning ≥ 1.3.0).

use super::report::RemoteInfo;

/// The capabilities that mean "this device takes network credentials or scans".
const PROVISIONING_CAPABILITIES: [&str; 4] =
    ["wifi_prov", "wifi_scan", "thread_prov", "thread_scan"];

/// `false` when proto-ver shows a device that serves no provisioning endpoints (§11).
pub fn offers_provisioning(info: &RemoteInfo) -> bool {
    info.prov_ver.is_none()
        || PROVISIONING_CAPABILITIES
            .iter()
            .any(|cap| info.has_capability(cap))
}

#[cfg(test)]
#[path = "negotiate_offer_tests.rs"]
mod tests;
