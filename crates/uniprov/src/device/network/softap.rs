//! SoftAP settings that do not depend on the daemon running the hotspot: the checks on the
//! SSID (the service name) and the WPA2 key (`--service-key`), and the address (docs/protocol.md §9.1:
//! SSID ≤ 32 bytes, WPA2-PSK with a key of 8..63 characters or open, device at 192.168.4.1).

use std::net::Ipv4Addr;

/// The address ESP devices give their SoftAP (esp_netif default) and the clients' default.
pub const DEFAULT_ADDRESS: Ipv4Addr = Ipv4Addr::new(192, 168, 4, 1);

/// Why a hotspot setting is refused. Never contains the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HotspotError {
    /// The SSID must be 1 to 32 bytes.
    #[error("the service name is the SoftAP SSID: 1 to 32 bytes, got {0}")]
    SsidLength(usize),
    /// The key must be a WPA2 passphrase.
    #[error(
        "the service key is a WPA2 passphrase: 8 to 63 printable ASCII characters \
         (or 64 hex digits); got {0} characters"
    )]
    Key(usize),
    /// The channel must be a 2.4 GHz one.
    #[error("the SoftAP channel must be 1 to 14, got {0}")]
    Channel(u32),
}

/// The service name as an SSID: 1 to 32 bytes.
pub fn validate_ssid(ssid: &str) -> Result<(), HotspotError> {
    if (1..=32).contains(&ssid.len()) {
        Ok(())
    } else {
        Err(HotspotError::SsidLength(ssid.len()))
    }
}

/// A WPA2 passphrase: 8 to 63 printable ASCII characters, or a raw PSK of 64 hex digits.
pub fn validate_service_key(key: &str) -> Result<(), HotspotError> {
    let printable = key.bytes().all(|b| (0x20..0x7f).contains(&b));
    let passphrase = (8..=63).contains(&key.len()) && printable;
    let raw_psk = key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit());
    if passphrase || raw_psk {
        Ok(())
    } else {
        Err(HotspotError::Key(key.chars().count()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_keys_are_wpa2_passphrases() {
        for good in [
            "12345678",
            &"x".repeat(63),
            &"aB0f".repeat(16),
            "with space!",
        ] {
            assert_eq!(validate_service_key(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "1234567",
            &"x".repeat(64),
            &"x".repeat(65),
            "tab\there1",
            "ünïcödé!",
        ] {
            assert!(validate_service_key(bad).is_err(), "{bad:?}");
        }
    }
}
