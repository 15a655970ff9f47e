//! The proto-ver text, built once at start (§8, §11).

use uniprov_core::messages::NetworkKind;
use uniprov_core::proto_ver::{
    AppInfo, Capability, VersionInfo, NETWORK_PROV_VERSION, WIFI_PROV_VERSION,
};
use uniprov_core::security::{DeviceSecurity, Sec2Patch};

/// The proto-ver content of a device:
///
/// * `prov.ver`: `"v1.1"` for Wi-Fi (ESP-IDF wifi_provisioning), `"netprov-v1.2"` for Thread
///   (network_provisioning, the only manager that provisions Thread);
/// * `sec_ver`; `sec_patch_ver` 1 for security 2 patch 1, else 0;
/// * `cap`: `no_sec` (security 0) or `no_pop` (security 1 without PoP) first, then `wifi_scan`
///   or `thread_prov`, `thread_scan`, but only when `provisioning_offered` (session-only mode
///   without `enable_provisioning` lists only `no_sec`/`no_pop`, §11);
/// * the application entries first, in the order given.
pub fn version_info(
    security: &DeviceSecurity,
    network: NetworkKind,
    provisioning_offered: bool,
    apps: &[AppInfo],
) -> VersionInfo {
    let patch = match security {
        DeviceSecurity::Sec2 { patch, .. } => *patch,
        // ESP firmware with the patch-version feature prints 0 for the other schemes.
        DeviceSecurity::Sec0 | DeviceSecurity::Sec1 { .. } => Sec2Patch::V0,
    };
    let mut caps = Vec::new();
    match security {
        DeviceSecurity::Sec0 => caps.push(Capability::NoSec),
        DeviceSecurity::Sec1 { pop: None } => caps.push(Capability::NoPop),
        _ => {}
    }
    let prov_ver = match network {
        NetworkKind::Wifi => WIFI_PROV_VERSION,
        NetworkKind::Thread => NETWORK_PROV_VERSION,
    };
    if provisioning_offered {
        match network {
            NetworkKind::Wifi => caps.push(Capability::WifiScan),
            NetworkKind::Thread => {
                caps.push(Capability::ThreadProv);
                caps.push(Capability::ThreadScan);
            }
        }
    }
    VersionInfo {
        apps: apps.to_vec(),
        prov_ver: prov_ver.to_string(),
        sec_ver: Some(security.sec_ver()),
        sec_patch_ver: Some(patch.into()),
        caps: caps.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uniprov_core::security::SecVer;
    use uniprov_core::Secret;

    fn sec2(patch: Sec2Patch) -> DeviceSecurity {
        DeviceSecurity::Sec2 {
            salt: vec![1],
            verifier: Secret::new(vec![2]),
            patch,
        }
    }

    #[test]
    fn wifi_sec2_patch1_is_byte_identical_to_idf_v5_5() {
        let text = version_info(&sec2(Sec2Patch::V1), NetworkKind::Wifi, true, &[]).to_text();
        let expected = "{\n\t\"prov\":\t{\n\t\t\"ver\":\t\"v1.1\",\n\t\t\"sec_ver\":\t2,\n\t\t\"sec_patch_ver\":\t1,\n\t\t\"cap\":\t[\"wifi_scan\"]\n\t}\n}";
        assert_eq!(text, expected);
    }

    #[test]
    fn caps_follow_security_network_and_mode() {
        let caps = |s: &DeviceSecurity, n, offered| version_info(s, n, offered, &[]).caps;
        assert_eq!(
            caps(&DeviceSecurity::Sec0, NetworkKind::Wifi, true),
            ["no_sec", "wifi_scan"]
        );
        assert_eq!(
            caps(
                &DeviceSecurity::Sec1 { pop: None },
                NetworkKind::Thread,
                true
            ),
            ["no_pop", "thread_prov", "thread_scan"]
        );
        let with_pop = DeviceSecurity::Sec1 {
            pop: Some(Secret::new(b"abcd1234".to_vec())),
        };
        assert_eq!(caps(&with_pop, NetworkKind::Wifi, true), ["wifi_scan"]);
        assert_eq!(
            caps(&DeviceSecurity::Sec0, NetworkKind::Wifi, false),
            ["no_sec"]
        );
        let info = version_info(&sec2(Sec2Patch::V0), NetworkKind::Thread, true, &[]);
        assert_eq!(
            (info.prov_ver.as_str(), info.sec_ver, info.sec_patch_ver),
            ("netprov-v1.2", Some(SecVer::Sec2), Some(0))
        );
    }
}
