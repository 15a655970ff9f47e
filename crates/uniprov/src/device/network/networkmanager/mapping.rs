//! NetworkManager's numbers, mapped without D-Bus: device states and state reasons to attempt
//! verdicts, access-point flag sets to [`ApSecurity`], and the naming of the profiles this backend
//! owns. The adapter in `networkmanager.rs` only moves values between D-Bus and these functions.

use super::super::authmode::ApSecurity;
use super::super::DisconnectReason;

/// `NM_DEVICE_STATE_*` values the backend looks at.
pub mod state {
    /// Disconnected.
    pub const DISCONNECTED: u32 = 30;
    /// Preparing an activation: the first state of an attempt.
    pub const PREPARE: u32 = 40;
    /// Activated: the link is up and IP configuration is done.
    pub const ACTIVATED: u32 = 100;
    /// Failed.
    pub const FAILED: u32 = 120;
}

/// `NM_DEVICE_STATE_REASON_*` values the backend maps.
pub mod reason {
    /// IP configuration could not be reserved.
    pub const IP_CONFIG_UNAVAILABLE: u32 = 5;
    /// Secrets were required but not provided: what a wrong passphrase becomes without an agent.
    pub const NO_SECRETS: u32 = 7;
    /// The supplicant disconnected (802.1X / 4-way handshake).
    pub const SUPPLICANT_DISCONNECT: u32 = 8;
    /// The supplicant failed.
    pub const SUPPLICANT_FAILED: u32 = 10;
    /// The supplicant timed out.
    pub const SUPPLICANT_TIMEOUT: u32 = 11;
    /// DHCP failed.
    pub const DHCP_FAILED: u32 = 17;
    /// The SSID was not found.
    pub const SSID_NOT_FOUND: u32 = 53;
    /// Another activation replaced the current one.
    pub const NEW_ACTIVATION: u32 = 60;
}

/// `NM_802_11_AP_FLAGS_PRIVACY`.
pub const AP_FLAGS_PRIVACY: u32 = 0x1;
const SEC_KEY_MGMT_PSK: u32 = 0x100;
const SEC_KEY_MGMT_802_1X: u32 = 0x200;
const SEC_KEY_MGMT_SAE: u32 = 0x400;
const SEC_KEY_MGMT_OWE: u32 = 0x800;
const SEC_KEY_MGMT_OWE_TM: u32 = 0x1000;
const SEC_KEY_MGMT_EAP_SUITE_B_192: u32 = 0x2000;

/// Reads an access point's `Flags`, `WpaFlags` and `RsnFlags`.
pub fn ap_security(flags: u32, wpa: u32, rsn: u32) -> ApSecurity {
    ApSecurity {
        wep: flags & AP_FLAGS_PRIVACY != 0 && wpa == 0 && rsn == 0,
        wpa_psk: wpa & SEC_KEY_MGMT_PSK != 0,
        wpa_eap: wpa & SEC_KEY_MGMT_802_1X != 0,
        rsn_psk: rsn & SEC_KEY_MGMT_PSK != 0,
        rsn_sae: rsn & SEC_KEY_MGMT_SAE != 0,
        rsn_eap: rsn & (SEC_KEY_MGMT_802_1X | SEC_KEY_MGMT_EAP_SUITE_B_192) != 0,
        owe: rsn & (SEC_KEY_MGMT_OWE | SEC_KEY_MGMT_OWE_TM) != 0,
    }
}

/// The `802-11-wireless-security.key-mgmt` for a passphrase: `sae` for a WPA3-only access point,
/// else `wpa-psk` (NetworkManager then also accepts WPA2/WPA3 transition networks). `None` for an
/// empty passphrase (open network: no security setting).
pub fn key_mgmt(passphrase_empty: bool, ap: Option<ApSecurity>) -> Option<&'static str> {
    if passphrase_empty {
        return None;
    }
    match ap {
        Some(s) if s.rsn_sae && !s.rsn_psk && !s.wpa_psk => Some("sae"),
        _ => Some("wpa-psk"),
    }
}

/// Maps the reason of a failed activation to the classes the manager knows (§10.3).
///
/// Without a secret agent a wrong passphrase ends as `no-secrets`; the supplicant reasons are
/// the 4-way handshake failing. Others (DHCP, IP configuration, ...) are `Other(0)`: their
/// NetworkManager number is logged but not passed on, since `Other` carries IEEE 802.11 codes.
pub fn disconnect_reason(nm_reason: u32) -> DisconnectReason {
    match nm_reason {
        reason::NO_SECRETS
        | reason::SUPPLICANT_DISCONNECT
        | reason::SUPPLICANT_FAILED
        | reason::SUPPLICANT_TIMEOUT => DisconnectReason::AuthFailed,
        reason::SSID_NOT_FOUND => DisconnectReason::NoApFound,
        _ => DisconnectReason::Other(0),
    }
}

/// What the device's state changes say about one activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The device reached ACTIVATED (link up, IP configured).
    Activated,
    /// The activation failed, with the device's state reason.
    Failed(u32),
}

/// Watches the device's `StateChanged(new, old, reason)` signals for one activation.
///
/// Changes before the activation begins (the device leaving an older connection: DEACTIVATING,
/// DISCONNECTED with `new-activation`) are not verdicts; the attempt starts when the device
/// enters PREPARE..ACTIVATED.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttemptWatch {
    started: bool,
}

impl AttemptWatch {
    /// Feeds one state change; returns the verdict once there is one.
    pub fn on_state(&mut self, new: u32, reason: u32) -> Option<Verdict> {
        match new {
            state::ACTIVATED => Some(Verdict::Activated),
            s if (state::PREPARE..state::ACTIVATED).contains(&s) => {
                self.started = true;
                None
            }
            state::FAILED if self.started => Some(Verdict::Failed(reason)),
            state::DISCONNECTED if self.started && reason != reason::NEW_ACTIVATION => {
                Some(Verdict::Failed(reason))
            }
            _ => None,
        }
    }
}

/// The `connection.id` prefix of every profile this backend creates; profiles without it are
/// never modified or deleted.
pub const PROFILE_PREFIX: &str = "uniprov:";

/// The `connection.id` for a network: the prefix and the SSID (lossy UTF-8).
pub fn profile_id(ssid: &[u8]) -> String {
    format!("{PROFILE_PREFIX}{}", String::from_utf8_lossy(ssid))
}

/// Whether a profile id belongs to this backend.
pub fn is_own_profile(id: &str) -> bool {
    id.starts_with(PROFILE_PREFIX)
}

/// A random (version 4) UUID for a new profile, from 16 random bytes.
pub fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use uniprov_core::messages::AuthMode;

    #[test]
    fn wrong_passphrase_reasons_are_auth_failures() {
        for r in [7, 8, 10, 11] {
            assert_eq!(
                disconnect_reason(r),
                DisconnectReason::AuthFailed,
                "reason {r}"
            );
        }
        assert_eq!(disconnect_reason(53), DisconnectReason::NoApFound);
        assert_eq!(
            disconnect_reason(reason::DHCP_FAILED),
            DisconnectReason::Other(0)
        );
        assert_eq!(
            disconnect_reason(reason::IP_CONFIG_UNAVAILABLE),
            DisconnectReason::Other(0)
        );
    }

    #[test]
    fn activation_succeeds_at_activated() {
        let mut w = AttemptWatch::default();
        assert_eq!(w.on_state(40, 0), None);
        assert_eq!(w.on_state(50, 0), None);
        assert_eq!(w.on_state(70, 0), None);
        assert_eq!(w.on_state(100, 0), Some(Verdict::Activated));
    }

    #[test]
    fn failure_carries_the_reason() {
        let mut w = AttemptWatch::default();
        w.on_state(40, 0);
        w.on_state(60, 0);
        assert_eq!(w.on_state(120, 7), Some(Verdict::Failed(7)));
    }

    #[test]
    fn leaving_an_older_connection_is_no_verdict() {
        let mut w = AttemptWatch::default();
        assert_eq!(w.on_state(110, 60), None);
        assert_eq!(w.on_state(30, 60), None);
        assert_eq!(
            w.on_state(120, 36),
            None,
            "a failure before the attempt started"
        );
        w.on_state(40, 0);
        assert_eq!(w.on_state(30, 60), None, "replaced by a newer activation");
        assert_eq!(w.on_state(30, 38), Some(Verdict::Failed(38)));
    }

    #[test]
    fn ap_flags_map_to_auth_modes() {
        assert_eq!(ap_security(0, 0, 0).auth_mode(), AuthMode::OPEN);
        assert_eq!(ap_security(1, 0, 0).auth_mode(), AuthMode::WEP);
        assert_eq!(ap_security(1, 0, 0x188).auth_mode(), AuthMode::WPA2_PSK);
        assert_eq!(
            ap_security(1, 0x144, 0x188).auth_mode(),
            AuthMode::WPA_WPA2_PSK
        );
        assert_eq!(
            ap_security(1, 0, 0x588).auth_mode(),
            AuthMode::WPA2_WPA3_PSK
        );
        assert_eq!(ap_security(1, 0, 0x488).auth_mode(), AuthMode::WPA3_PSK);
        assert_eq!(
            ap_security(1, 0, 0x288).auth_mode(),
            AuthMode::WPA2_ENTERPRISE
        );
        assert_eq!(ap_security(0, 0, 0x800).auth_mode(), AuthMode(9));
    }

    #[test]
    fn key_mgmt_prefers_psk_unless_the_ap_is_sae_only() {
        assert_eq!(key_mgmt(true, None), None);
        assert_eq!(key_mgmt(false, None), Some("wpa-psk"));
        assert_eq!(key_mgmt(false, Some(ap_security(1, 0, 0x488))), Some("sae"));
        assert_eq!(
            key_mgmt(false, Some(ap_security(1, 0, 0x588))),
            Some("wpa-psk")
        );
    }

    #[test]
    fn own_profiles_are_recognised_by_their_prefix() {
        assert_eq!(profile_id(b"lab"), "uniprov:lab");
        assert!(is_own_profile("uniprov:lab"));
        assert!(!is_own_profile("Wired connection 1"));
    }

    #[test]
    fn uuid_has_version_and_variant_bits() {
        let u = uuid_v4([0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }
}
