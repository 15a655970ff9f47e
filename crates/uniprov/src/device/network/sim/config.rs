//! The simulated radio's world: which networks exist, read from TOML.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use uniprov_core::messages::AuthMode;
use uniprov_core::Secret;

/// The networks and timings of the simulated radio.
///
/// ```toml
/// connect_delay_ms = 2000     # time until Connected / Disconnected (0 allowed)
/// scan_duration_ms = 300      # time a scan takes
/// thread_attach_timeout_ms = 20000
///
/// [[wifi]]
/// ssid = "HomeNetwork"
/// passphrase = "password123"
/// auth = "wpa2_psk"           # ESP-IDF name in any case, or the raw number
/// rssi = -40
/// channel = 6
/// bssid = "24:0a:c4:00:00:01"
///
/// [[thread]]
/// name = "OpenThread-1"
/// pan_id = 0x1234
/// ext_pan_id = "dead00beef00cafe"
/// channel = 15
/// network_key = "00112233445566778899aabbccddeeff"
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Wi-Fi access points in range.
    #[serde(default)]
    pub wifi: Vec<SimWifiNetwork>,
    /// Thread networks in range.
    #[serde(default)]
    pub thread: Vec<SimThreadNetwork>,
    /// Time from `connect_wifi` / `attach_thread` to the outcome (TOML `connect_delay_ms`).
    #[serde(
        rename = "connect_delay_ms",
        deserialize_with = "millis",
        default = "default_connect"
    )]
    pub connect_delay: Duration,
    /// Time a scan takes (TOML `scan_duration_ms`).
    #[serde(
        rename = "scan_duration_ms",
        deserialize_with = "millis",
        default = "default_scan"
    )]
    pub scan_duration: Duration,
    /// Time after which attaching with a dataset that matches no network fails (TOML
    /// `thread_attach_timeout_ms`; ESP's attach timer is 20 s).
    #[serde(
        rename = "thread_attach_timeout_ms",
        deserialize_with = "millis",
        default = "default_attach_timeout"
    )]
    pub thread_attach_timeout: Duration,
}

/// A simulated access point.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimWifiNetwork {
    /// SSID (at most 32 bytes).
    pub ssid: String,
    /// Passphrase; empty (the default) for an open network.
    #[serde(deserialize_with = "secret_string", default = "empty_secret")]
    pub passphrase: Secret<String>,
    /// Authentication mode: an ESP-IDF name (`"wpa2_psk"`, `"open"`, ...) or the raw number.
    #[serde(deserialize_with = "auth_mode")]
    pub auth: AuthMode,
    /// Signal strength in dBm.
    pub rssi: i32,
    /// Channel.
    pub channel: u32,
    /// BSSID as `aa:bb:cc:dd:ee:ff`.
    #[serde(deserialize_with = "mac")]
    pub bssid: [u8; 6],
}

/// A simulated Thread network.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimThreadNetwork {
    /// Network name (at most 16 bytes).
    pub name: String,
    /// PAN id.
    pub pan_id: u16,
    /// Extended PAN id, 16 hex digits.
    #[serde(deserialize_with = "hex8")]
    pub ext_pan_id: [u8; 8],
    /// Channel (11 to 26).
    pub channel: u16,
    /// Network key, 32 hex digits.
    #[serde(deserialize_with = "secret_hex16")]
    pub network_key: Secret<Vec<u8>>,
    /// Signal strength of the discovery response in dBm.
    #[serde(default = "default_thread_rssi")]
    pub rssi: i32,
    /// Link quality indicator of the discovery response.
    #[serde(default = "default_lqi")]
    pub lqi: u32,
}

/// A TOML file that is not a valid simulated world.
#[derive(Debug, thiserror::Error)]
pub enum SimConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The TOML does not describe a world.
    #[error("invalid simulated radio configuration: {0}")]
    Parse(#[from] toml::de::Error),
    /// A value is out of range.
    #[error("invalid simulated radio configuration: {0}")]
    Invalid(String),
}

impl SimConfig {
    /// Parses and checks a TOML world.
    pub fn from_toml(text: &str) -> Result<Self, SimConfigError> {
        let config: SimConfig = toml::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    /// Reads [`SimConfig::from_toml`] from a file.
    pub fn load(path: &Path) -> Result<Self, SimConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text)
    }

    fn check(&self) -> Result<(), SimConfigError> {
        for w in &self.wifi {
            if w.ssid.len() > 32 || w.passphrase.expose().len() > 63 {
                return Err(SimConfigError::Invalid(format!(
                    "Wi-Fi network {:?}: ssid ≤ 32 and passphrase ≤ 63 bytes",
                    w.ssid
                )));
            }
        }
        for t in &self.thread {
            if t.name.is_empty() || t.name.len() > 16 || !(11..=26).contains(&t.channel) {
                return Err(SimConfigError::Invalid(format!(
                    "Thread network {:?}: name 1-16 bytes, channel 11-26",
                    t.name
                )));
            }
        }
        Ok(())
    }
}

impl Default for SimConfig {
    /// The built-in world, used when no file is given:
    ///
    /// | SSID | passphrase | auth | RSSI | channel |
    /// |---|---|---|---|---|
    /// | `HomeNetwork` | `password123` | WPA2-PSK | -40 | 6 |
    /// | `Office-5G` | `correct horse battery` | WPA2/WPA3-PSK | -55 | 36 |
    /// | `CoffeeShop` | (open) | open | -62 | 1 |
    /// | `Neighbor-WPA3` | `sae-secret-42` | WPA3-PSK | -71 | 11 |
    /// | `FarAway` | `faraway2024` | WPA/WPA2-PSK | -86 | 13 |
    ///
    /// Thread: `OpenThread-1` (PAN 0x1234, ext PAN `dead00beef00cafe`, channel 15, key
    /// `00112233445566778899aabbccddeeff`) and `OpenThread-2` (PAN 0xabcd, ext PAN
    /// `0123456789abcdef`, channel 20, key `ffeeddccbbaa99887766554433221100`).
    ///
    /// Connect delay 2 s, scan 300 ms, Thread attach timeout 20 s.
    fn default() -> Self {
        let wifi = |ssid: &str, pass: &str, auth, rssi, channel, last| SimWifiNetwork {
            ssid: ssid.into(),
            passphrase: Secret::new(pass.into()),
            auth,
            rssi,
            channel,
            bssid: [0x24, 0x0a, 0xc4, 0x00, 0x00, last],
        };
        let thread =
            |name: &str, pan_id, ext_pan_id, channel, key: [u8; 16], rssi| SimThreadNetwork {
                name: name.into(),
                pan_id,
                ext_pan_id,
                channel,
                network_key: Secret::new(key.to_vec()),
                rssi,
                lqi: 255,
            };
        SimConfig {
            wifi: vec![
                wifi("HomeNetwork", "password123", AuthMode::WPA2_PSK, -40, 6, 1),
                wifi(
                    "Office-5G",
                    "correct horse battery",
                    AuthMode::WPA2_WPA3_PSK,
                    -55,
                    36,
                    2,
                ),
                wifi("CoffeeShop", "", AuthMode::OPEN, -62, 1, 3),
                wifi(
                    "Neighbor-WPA3",
                    "sae-secret-42",
                    AuthMode::WPA3_PSK,
                    -71,
                    11,
                    4,
                ),
                wifi("FarAway", "faraway2024", AuthMode::WPA_WPA2_PSK, -86, 13, 5),
            ],
            thread: vec![
                thread(
                    "OpenThread-1",
                    0x1234,
                    [0xde, 0xad, 0x00, 0xbe, 0xef, 0x00, 0xca, 0xfe],
                    15,
                    [
                        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                        0xcc, 0xdd, 0xee, 0xff,
                    ],
                    -58,
                ),
                thread(
                    "OpenThread-2",
                    0xabcd,
                    [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
                    20,
                    [
                        0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44,
                        0x33, 0x22, 0x11, 0x00,
                    ],
                    -75,
                ),
            ],
            connect_delay: default_connect(),
            scan_duration: default_scan(),
            thread_attach_timeout: default_attach_timeout(),
        }
    }
}

fn default_connect() -> Duration {
    Duration::from_secs(2)
}

fn default_scan() -> Duration {
    Duration::from_millis(300)
}

fn default_attach_timeout() -> Duration {
    Duration::from_secs(20)
}

fn default_thread_rssi() -> i32 {
    -60
}

fn default_lqi() -> u32 {
    255
}

fn empty_secret() -> Secret<String> {
    Secret::new(String::new())
}

fn millis<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_millis)
}

fn secret_string<'de, D: Deserializer<'de>>(d: D) -> Result<Secret<String>, D::Error> {
    String::deserialize(d).map(Secret::new)
}

fn auth_mode<'de, D: Deserializer<'de>>(d: D) -> Result<AuthMode, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i32),
        Name(String),
    }
    match Raw::deserialize(d)? {
        Raw::Number(n) => Ok(AuthMode(n)),
        Raw::Name(name) => (0..=16)
            .map(AuthMode)
            .find(|m| m.name().is_some_and(|n| n.eq_ignore_ascii_case(&name)))
            .ok_or_else(|| serde::de::Error::custom(format!("unknown auth mode {name:?}"))),
    }
}

fn mac<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 6], D::Error> {
    let text = String::deserialize(d)?;
    let bytes = hex::decode(text.replace([':', '-'], "")).map_err(serde::de::Error::custom)?;
    bytes
        .try_into()
        .map_err(|_| serde::de::Error::custom("a BSSID has 6 bytes"))
}

fn hex8<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 8], D::Error> {
    let bytes = hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)?;
    bytes
        .try_into()
        .map_err(|_| serde::de::Error::custom("an extended PAN id has 8 bytes"))
}

fn secret_hex16<'de, D: Deserializer<'de>>(d: D) -> Result<Secret<Vec<u8>>, D::Error> {
    let text = Secret::new(String::deserialize(d)?);
    let bytes = Secret::new(hex::decode(text.expose()).map_err(serde::de::Error::custom)?);
    if bytes.expose().len() != 16 {
        return Err(serde::de::Error::custom("a network key has 16 bytes"));
    }
    Ok(bytes)
}
