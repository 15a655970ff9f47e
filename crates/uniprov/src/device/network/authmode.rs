//! Mapping the security features a Linux radio stack reports for an access point to the ESP-IDF
//! authentication mode that scan results and GetStatus carry (docs/protocol.md §2.6, §10.6).
//!
//! wpa_supplicant reports flags such as `[WPA2-PSK+SAE-CCMP]`, NetworkManager reports `WpaFlags`
//! and `RsnFlags` bit sets; both backends reduce them to [`ApSecurity`] and call
//! [`ApSecurity::auth_mode`], so the two radios agree on every network.

use uniprov_core::messages::AuthMode;

/// ESP-IDF `WIFI_AUTH_OWE`, beyond the named constants of [`AuthMode`].
pub const AUTH_OWE: AuthMode = AuthMode(9);
/// ESP-IDF `WIFI_AUTH_WPA_ENTERPRISE` (WPA1 with 802.1X only).
pub const AUTH_WPA_ENTERPRISE: AuthMode = AuthMode(16);

/// What an access point offers, independent of the daemon that reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ApSecurity {
    /// Privacy bit without WPA/RSN: WEP.
    pub wep: bool,
    /// WPA1 with a pre-shared key.
    pub wpa_psk: bool,
    /// WPA1 with 802.1X.
    pub wpa_eap: bool,
    /// RSN (WPA2) with a pre-shared key.
    pub rsn_psk: bool,
    /// RSN with SAE (WPA3-Personal).
    pub rsn_sae: bool,
    /// RSN with 802.1X (WPA2/WPA3-Enterprise).
    pub rsn_eap: bool,
    /// Opportunistic Wireless Encryption.
    pub owe: bool,
}

impl ApSecurity {
    /// The ESP-IDF authentication mode of the access point.
    pub fn auth_mode(self) -> AuthMode {
        match self {
            ApSecurity { rsn_eap: true, .. } => AuthMode::WPA2_ENTERPRISE,
            ApSecurity { wpa_eap: true, .. } => AUTH_WPA_ENTERPRISE,
            ApSecurity {
                rsn_sae: true,
                rsn_psk: true,
                ..
            } => AuthMode::WPA2_WPA3_PSK,
            ApSecurity { rsn_sae: true, .. } => AuthMode::WPA3_PSK,
            ApSecurity {
                wpa_psk: true,
                rsn_psk: true,
                ..
            } => AuthMode::WPA_WPA2_PSK,
            ApSecurity { rsn_psk: true, .. } => AuthMode::WPA2_PSK,
            ApSecurity { wpa_psk: true, .. } => AuthMode::WPA_PSK,
            ApSecurity { owe: true, .. } => AUTH_OWE,
            ApSecurity { wep: true, .. } => AuthMode::WEP,
            _ => AuthMode::OPEN,
        }
    }
}

/// The Wi-Fi channel of a centre frequency in MHz (2.4, 5 and 6 GHz bands); 0 if unknown.
pub fn channel_of_frequency(mhz: u32) -> u32 {
    match mhz {
        2484 => 14,
        2412..=2472 if (mhz - 2407) % 5 == 0 => (mhz - 2407) / 5,
        5955..=7115 if (mhz - 5950) % 5 == 0 => (mhz - 5950) / 5,
        5000..=5900 if mhz % 5 == 0 => (mhz - 5000) / 5,
        _ => 0,
    }
}

/// A daemon's signal quality in percent (NetworkManager `Strength`) as an RSSI in dBm.
///
/// NetworkManager derives the percentage linearly from dBm between -100 dBm (0 %) and -40 dBm
/// (100 %) for nl80211 drivers (`nm_wifi_utils_level_to_quality`); this is its inverse.
pub fn rssi_of_strength(percent: u8) -> i32 {
    let p = i32::from(percent.min(100));
    -100 + (p * 60) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wpa2_wpa3_transition_is_mixed_mode() {
        let s = ApSecurity {
            rsn_psk: true,
            rsn_sae: true,
            ..Default::default()
        };
        assert_eq!(s.auth_mode(), AuthMode::WPA2_WPA3_PSK);
    }

    #[test]
    fn each_single_feature_maps_to_its_mode() {
        let d = ApSecurity::default();
        assert_eq!(d.auth_mode(), AuthMode::OPEN);
        assert_eq!(ApSecurity { wep: true, ..d }.auth_mode(), AuthMode::WEP);
        assert_eq!(
            ApSecurity { wpa_psk: true, ..d }.auth_mode(),
            AuthMode::WPA_PSK
        );
        assert_eq!(
            ApSecurity { rsn_psk: true, ..d }.auth_mode(),
            AuthMode::WPA2_PSK
        );
        assert_eq!(
            ApSecurity {
                wpa_psk: true,
                rsn_psk: true,
                ..d
            }
            .auth_mode(),
            AuthMode::WPA_WPA2_PSK
        );
        assert_eq!(
            ApSecurity { rsn_sae: true, ..d }.auth_mode(),
            AuthMode::WPA3_PSK
        );
        assert_eq!(
            ApSecurity { rsn_eap: true, ..d }.auth_mode(),
            AuthMode::WPA2_ENTERPRISE
        );
        assert_eq!(
            ApSecurity { wpa_eap: true, ..d }.auth_mode(),
            AUTH_WPA_ENTERPRISE
        );
        assert_eq!(ApSecurity { owe: true, ..d }.auth_mode(), AUTH_OWE);
    }

    #[test]
    fn frequencies_map_to_channels_in_every_band() {
        assert_eq!(channel_of_frequency(2412), 1);
        assert_eq!(channel_of_frequency(2437), 6);
        assert_eq!(channel_of_frequency(2472), 13);
        assert_eq!(channel_of_frequency(2484), 14);
        assert_eq!(channel_of_frequency(5180), 36);
        assert_eq!(channel_of_frequency(5825), 165);
        assert_eq!(channel_of_frequency(5955), 1);
        assert_eq!(channel_of_frequency(6115), 33);
        assert_eq!(channel_of_frequency(0), 0);
        assert_eq!(channel_of_frequency(2413), 0);
    }

    #[test]
    fn strength_percent_maps_to_dbm_range() {
        assert_eq!(rssi_of_strength(100), -40);
        assert_eq!(rssi_of_strength(0), -100);
        assert_eq!(rssi_of_strength(50), -70);
        assert_eq!(rssi_of_strength(255), -40);
    }
}
