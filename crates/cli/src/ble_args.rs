//! The `uniprov device` options of the BLE transport (`--transport ble`, cargo feature `ble`).
//! The device command flattens [`BleArgs`] and turns them into a
//! [`BleConfig`](uniprov::device::transport::ble::BleConfig) with [`BleArgs::config`].

use clap::Args;
use uniprov::core::ble::{check_device_name, Uuid128, DEFAULT_SERVICE_UUID};
use uniprov::device::transport::ble::BleConfig;

/// Options of the BLE GATT transport.
#[derive(Debug, Clone, Args)]
pub struct BleArgs {
    /// BlueZ adapter of the BLE transport (`hci0`); default: BlueZ's default adapter.
    #[arg(long = "ble-adapter", value_name = "HCI")]
    pub ble_adapter: Option<String>,
    /// Primary GATT service UUID of the BLE transport (the ESP examples' default).
    #[arg(long = "ble-service-uuid", value_name = "UUID", default_value_t = DEFAULT_SERVICE_UUID,
          value_parser = parse_uuid)]
    pub ble_service_uuid: Uuid128,
    /// Manufacturer data to advertise, hex, company id first (little-endian, as ESP-IDF's
    /// `wifi_prov_scheme_ble_set_mfg_data`); trimmed to the 8 bytes that fit the advertisement
    /// (company id included). A company id alone is not advertised (BlueZ refuses empty data).
    #[arg(long = "ble-mfg-data", value_name = "HEX", value_parser = parse_mfg_data)]
    pub ble_mfg_data: Option<MfgData>,
}

/// Manufacturer data bytes (company id first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfgData(pub Vec<u8>);

fn parse_uuid(text: &str) -> Result<Uuid128, String> {
    Uuid128::parse(text.trim()).map_err(|e| e.to_string())
}

/// Hex (spaces, `:` and a `0x` prefix allowed), at least the 2-byte company id.
fn parse_mfg_data(text: &str) -> Result<MfgData, String> {
    let text = text.trim();
    let text = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let bytes = hex::decode(&digits).map_err(|e| format!("not hex: {e}"))?;
    if bytes.len() < 2 {
        return Err("needs at least the 2-byte company id".into());
    }
    if bytes.len() > 29 {
        return Err("longer than an advertising packet (29 bytes of data at most)".into());
    }
    Ok(MfgData(bytes))
}

impl BleArgs {
    /// The transport settings advertising `device_name` (the service name, at most 29 bytes).
    pub fn config(&self, device_name: &str) -> anyhow::Result<BleConfig> {
        check_device_name(device_name)
            .map_err(|e| anyhow::anyhow!("--service-name {device_name:?} as BLE name: {e}"))?;
        let mut config = BleConfig::new(device_name);
        config.adapter = self.ble_adapter.clone();
        config.service_uuid = self.ble_service_uuid;
        config.manufacturer_data = self.ble_mfg_data.as_ref().map(|d| d.0.clone());
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfg_data_is_hex_with_a_company_id() {
        assert_eq!(
            parse_mfg_data("0xE502 0102").expect("hex"),
            MfgData(vec![0xe5, 0x02, 0x01, 0x02])
        );
        assert_eq!(
            parse_mfg_data("e5:02").expect("hex"),
            MfgData(vec![0xe5, 0x02])
        );
        for bad in ["", "e5", "zz00", "e50", &"00".repeat(30)] {
            assert!(parse_mfg_data(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uuid_default_and_parse() {
        let u = parse_uuid("1775244d-6b43-439b-877c-060f2d9bed07").expect("uuid");
        assert_eq!(u, DEFAULT_SERVICE_UUID);
        assert!(parse_uuid("not-a-uuid").is_err());
    }

    #[test]
    fn config_checks_the_name() {
        let args = BleArgs {
            ble_adapter: Some("hci1".into()),
            ble_service_uuid: DEFAULT_SERVICE_UUID,
            ble_mfg_data: Some(MfgData(vec![1, 2, 3])),
        };
        let c = args.config("PROV_123456").expect("config");
        assert_eq!(c.adapter.as_deref(), Some("hci1"));
        assert_eq!(c.manufacturer_data, Some(vec![1, 2, 3]));
        assert!(args.config(&"x".repeat(30)).is_err());
    }
}
