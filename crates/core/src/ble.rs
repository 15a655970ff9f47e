//! BLE GATT identifiers of the provisioning service (docs/protocol.md §9.2).
//!
//! One primary service; one characteristic per protocomm endpoint whose 128-bit UUID is the
//! service UUID with its 16-bit field (bytes 12-13 of the LSB-first array, characters 5-8 of
//! the string) replaced by the endpoint's 16-bit id. Clients map endpoints by the 0x2901 user
//! description (the endpoint name), not by UUID or order.
//!
//! [`Uuid128`] holds a UUID in its canonical (string, big-endian) byte order; firmware sources
//! and advertising data use the reversed, LSB-first array ([`Uuid128::to_le_bytes`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

/// A 128-bit UUID, stored in canonical (big-endian, string) byte order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid128([u8; 16]);

/// Default primary service UUID of the wifi/network provisioning BLE scheme.
pub const DEFAULT_SERVICE_UUID: Uuid128 = Uuid128([
    0x17, 0x75, 0x24, 0x4d, 0x6b, 0x43, 0x43, 0x9b, 0x87, 0x7c, 0x06, 0x0f, 0x2d, 0x9b, 0xed, 0x07,
]);

/// Service UUID set by the provisioning examples, and esp_prov's fallback.
pub const EXAMPLE_SERVICE_UUID: Uuid128 = Uuid128([
    0x02, 0x1a, 0x90, 0x04, 0x03, 0x82, 0x4a, 0xea, 0xbf, 0xf4, 0x6b, 0x3f, 0x1c, 0x5a, 0xdf, 0xb4,
]);

/// The Bluetooth SIG base UUID `00000000-0000-1000-8000-00805f9b34fb`.
pub const BLUETOOTH_BASE_UUID: Uuid128 = Uuid128([
    0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb,
]);

/// 16-bit UUID of the Characteristic User Description descriptor carrying the endpoint name.
pub const USER_DESCRIPTION_UUID16: u16 = 0x2901;

/// Endpoint id of `prov-ctrl`.
pub const PROV_CTRL_UUID16: u16 = 0xff4f;
/// Endpoint id of `prov-scan`.
pub const PROV_SCAN_UUID16: u16 = 0xff50;
/// Endpoint id of `prov-session`.
pub const PROV_SESSION_UUID16: u16 = 0xff51;
/// Endpoint id of `prov-config`.
pub const PROV_CONFIG_UUID16: u16 = 0xff52;
/// Endpoint id of `proto-ver`.
pub const PROTO_VER_UUID16: u16 = 0xff53;
/// Endpoint id of the first application (custom) endpoint; the next ones follow in creation
/// order.
pub const FIRST_CUSTOM_UUID16: u16 = 0xff54;

/// The standard endpoints and their ids, in the order the BLE scheme registers them.
pub const STANDARD_ENDPOINTS: [(&str, u16); 5] = [
    ("prov-ctrl", PROV_CTRL_UUID16),
    ("prov-scan", PROV_SCAN_UUID16),
    ("prov-session", PROV_SESSION_UUID16),
    ("prov-config", PROV_CONFIG_UUID16),
    ("proto-ver", PROTO_VER_UUID16),
];

/// Longest device name the BLE scheme accepts, in bytes.
pub const MAX_DEVICE_NAME_LEN: usize = 29;

/// Room for AD structures after the header bytes in the 31-byte scan response.
const SCAN_RESPONSE_ROOM: usize = 29;

/// Errors of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BleError {
    /// Not a UUID in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (or 32-hex-digit) form.
    BadUuid,
    /// The device name is longer than [`MAX_DEVICE_NAME_LEN`] bytes.
    NameTooLong,
    /// More custom endpoints than 16-bit ids above [`FIRST_CUSTOM_UUID16`].
    TooManyEndpoints,
}

impl fmt::Display for BleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BleError::BadUuid => "not a 128-bit UUID",
            BleError::NameTooLong => "BLE device name longer than 29 bytes",
            BleError::TooManyEndpoints => "too many custom endpoints for the 16-bit id range",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BleError {}

impl Uuid128 {
    /// From canonical (big-endian, string-order) bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Uuid128 {
        Uuid128(bytes)
    }

    /// From the LSB-first array of firmware sources and advertising data.
    pub const fn from_le_bytes(mut bytes: [u8; 16]) -> Uuid128 {
        let mut i = 0;
        while i < 8 {
            let t = bytes[i];
            bytes[i] = bytes[15 - i];
            bytes[15 - i] = t;
            i += 1;
        }
        Uuid128(bytes)
    }

    /// Canonical (big-endian, string-order) bytes.
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// The LSB-first array of firmware sources and advertising data.
    pub const fn to_le_bytes(self) -> [u8; 16] {
        Uuid128::from_le_bytes(self.0).0
    }

    /// A 16-bit SIG UUID expanded on the Bluetooth base UUID (`0000xxxx-0000-1000-8000-…`).
    pub const fn from_uuid16(id: u16) -> Uuid128 {
        BLUETOOTH_BASE_UUID.with_uuid16(id)
    }

    /// This UUID with its 16-bit field (string characters 5-8; LSB-first bytes 12-13)
    /// replaced by `id`: the characteristic UUID of endpoint `id` under this service (§9.2).
    pub const fn with_uuid16(self, id: u16) -> Uuid128 {
        let mut bytes = self.0;
        let [hi, lo] = id.to_be_bytes();
        bytes[2] = hi;
        bytes[3] = lo;
        Uuid128(bytes)
    }

    /// The 16-bit field (string characters 5-8).
    pub const fn uuid16(self) -> u16 {
        u16::from_be_bytes([self.0[2], self.0[3]])
    }

    /// Parses the hyphenated form (any case) or 32 hex digits without hyphens.
    pub fn parse(text: &str) -> Result<Uuid128, BleError> {
        let digits = match text.len() {
            36 => {
                let b = text.as_bytes();
                let hyphens_ok = [8, 13, 18, 23]
                    .iter()
                    .all(|&i| b.get(i).copied() == Some(b'-'));
                if !hyphens_ok {
                    return Err(BleError::BadUuid);
                }
                b.iter()
                    .copied()
                    .filter(|&c| c != b'-')
                    .collect::<Vec<u8>>()
            }
            32 => text.as_bytes().to_vec(),
            _ => return Err(BleError::BadUuid),
        };
        let mut out = [0u8; 16];
        if digits.len() != 32 {
            return Err(BleError::BadUuid);
        }
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let (Some(&h), Some(&l)) = (pair.first(), pair.get(1)) else {
                return Err(BleError::BadUuid);
            };
            *byte = hex_value(h)? << 4 | hex_value(l)?;
        }
        Ok(Uuid128(out))
    }
}

fn hex_value(c: u8) -> Result<u8, BleError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(BleError::BadUuid),
    }
}

impl fmt::Display for Uuid128 {
    /// Lower-case hyphenated form, `1775244d-6b43-439b-877c-060f2d9bed07`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uuid128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid128({self})")
    }
}

impl FromStr for Uuid128 {
    type Err = BleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid128::parse(s)
    }
}

/// The 16-bit id of a standard endpoint (`prov-ctrl` … `proto-ver`), or `None`.
pub fn endpoint_uuid16(name: &str) -> Option<u16> {
    STANDARD_ENDPOINTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| *id)
}

/// The 16-bit id of the custom endpoint created `index`-th (0 = first, `0xff54`), or `None`
/// beyond `0xffff`.
pub fn custom_endpoint_uuid16(index: usize) -> Option<u16> {
    u16::try_from(index)
        .ok()
        .and_then(|i| FIRST_CUSTOM_UUID16.checked_add(i))
}

/// One characteristic of the provisioning service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Characteristic {
    /// Endpoint name, the value of its 0x2901 descriptor (ASCII, no NUL).
    pub name: String,
    /// The endpoint's 16-bit id.
    pub uuid16: u16,
    /// The characteristic UUID.
    pub uuid: Uuid128,
}

/// The characteristics of a provisioning service: the five standard endpoints, then the
/// custom ones in creation order (§9.2).
pub fn gatt_table(service: Uuid128, custom: &[&str]) -> Result<Vec<Characteristic>, BleError> {
    let standard = STANDARD_ENDPOINTS.iter().map(|(n, id)| Ok((*n, *id)));
    let customs = custom.iter().enumerate().map(|(i, n)| {
        custom_endpoint_uuid16(i)
            .map(|id| (*n, id))
            .ok_or(BleError::TooManyEndpoints)
    });
    standard
        .chain(customs)
        .map(|entry| {
            entry.map(|(name, uuid16)| Characteristic {
                name: name.into(),
                uuid16,
                uuid: service.with_uuid16(uuid16),
            })
        })
        .collect()
}

/// Checks a BLE device name against the scheme's limit of 29 bytes.
pub fn check_device_name(name: &str) -> Result<(), BleError> {
    if name.len() > MAX_DEVICE_NAME_LEN {
        Err(BleError::NameTooLong)
    } else {
        Ok(())
    }
}

/// The part of the manufacturer data (company id included) that fits in the scan response
/// next to a device name of `name_len` bytes: `29 − (name_len + 2)` bytes, truncated, or
/// nothing when no room is left (§9.2).
pub fn scan_response_manufacturer_data(name_len: usize, data: &[u8]) -> &[u8] {
    let usable = SCAN_RESPONSE_ROOM.saturating_sub(name_len.saturating_add(2));
    data.get(..usable.min(data.len())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn s9_2_uuid_text_forms_parse_and_bad_ones_do_not() {
        let u = Uuid128::parse("1775244D-6B43-439B-877C-060F2D9BED07");
        assert_eq!(u, Ok(DEFAULT_SERVICE_UUID));
        assert_eq!(
            Uuid128::parse("1775244d6b43439b877c060f2d9bed07"),
            Ok(DEFAULT_SERVICE_UUID)
        );
        for bad in [
            "",
            "1775244d-6b43-439b-877c-060f2d9bed0",
            "1775244d-6b43-439b-877c-060f2d9bed0g",
            "1775244d+6b43-439b-877c-060f2d9bed07",
            "1775244d-6b43-439b-877c-060f2d9b-d07",
            "é775244d-6b43-439b-877c-060f2d9bed0",
        ] {
            assert_eq!(Uuid128::parse(bad), Err(BleError::BadUuid), "{bad}");
        }
        assert_eq!(DEFAULT_SERVICE_UUID.uuid16(), 0x244d);
        assert_eq!(
            Uuid128::from_uuid16(0xff52).to_string(),
            "0000ff52-0000-1000-8000-00805f9b34fb"
        );
    }

    #[test]
    fn s9_2_manufacturer_data_is_truncated_to_the_room_left_by_the_name() {
        let data = [
            0xe5, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        ];
        // "PROV_1A2B3C" (11 bytes): 29 - 13 = 16 bytes of data fit.
        assert_eq!(scan_response_manufacturer_data(11, &data).len(), 16);
        assert_eq!(scan_response_manufacturer_data(0, &data[..4]), &data[..4]);
        assert_eq!(scan_response_manufacturer_data(26, &data), &data[..1]);
        assert!(scan_response_manufacturer_data(27, &data).is_empty());
        assert!(scan_response_manufacturer_data(29, &data).is_empty());
        assert!(scan_response_manufacturer_data(usize::MAX, &data).is_empty());
        assert_eq!(check_device_name("PROV_ABCDEFGHIJKLMNOPQRSTUVWX"), Ok(()));
        assert_eq!(
            check_device_name("PROV_ABCDEFGHIJKLMNOPQRSTUVWXY"),
            Err(BleError::NameTooLong)
        );
    }

    #[test]
    fn s9_2_custom_ids_run_out_at_ffff() {
        assert_eq!(custom_endpoint_uuid16(0), Some(0xff54));
        assert_eq!(custom_endpoint_uuid16(0xab), Some(0xffff));
        assert_eq!(custom_endpoint_uuid16(0xac), None);
        assert_eq!(custom_endpoint_uuid16(usize::MAX), None);
    }
}
