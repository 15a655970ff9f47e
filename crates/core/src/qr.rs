//! The QR-code payload that seeds the phone apps (docs/protocol.md §12).
//!
//! A compact JSON object. The provisioning examples print it as
//! `{"ver":"v1","name":…,["username":…,]["pop":…,]"transport":…[,"network":…]}`;
//! [`QrPayload::to_json`] writes exactly that, plus the app-side keys `security` and
//! `password` when set. [`QrPayload::parse`] reads a payload the way the Espressif Android
//! and iOS libraries do. Where they disagree, this module follows the stricter reading so that
//! a payload it accepts works in both apps:
//!
//! * `name` is required (iOS; Android would accept a missing name as `""`, useless to find a
//!   device by).
//! * `username` is kept whenever present (Android; iOS reads it only when the security guess
//!   is 2, which is also the default guess, so both agree on every example).
//! * `network` is read (iOS; Android ignores it); an unknown value reads as absent.
//! * Members of the wrong JSON type read as absent (iOS `as? String`).
//!
//! The QR code is only a hint: the security scheme actually used comes from proto-ver (§8).

use alloc::format;
use alloc::string::String;
use core::fmt;

use serde_json::{Map, Value};

use crate::messages::NetworkKind;
use crate::proto_ver::push_json_string;
use crate::security::{SecVer, SecurityLevel};
use crate::Secret;

/// The page the examples print the payload after (unencoded), to render the QR code.
pub const JUMPSTART_URL_PREFIX: &str =
    "https://espressif.github.io/esp-jumpstart/qrcode.html?data=";

/// How the app reaches the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrTransport {
    /// BLE: `name` is the advertised device name.
    Ble,
    /// SoftAP + HTTP: `name` is the SSID of the device's access point.
    Softap,
}

impl QrTransport {
    /// The wire spelling: `"ble"` or `"softap"`.
    pub fn as_str(self) -> &'static str {
        match self {
            QrTransport::Ble => "ble",
            QrTransport::Softap => "softap",
        }
    }
}

/// A QR payload (§12).
#[derive(Debug)]
pub struct QrPayload {
    /// `name`: BLE device name or SoftAP SSID.
    pub name: String,
    /// `transport`.
    pub transport: QrTransport,
    /// `security`: the app's initial guess of the scheme (the examples never print it).
    pub security: Option<SecVer>,
    /// `username`: the security 2 identity.
    pub username: Option<String>,
    /// `pop`: the security 1 proof of possession, or the security 2 password.
    pub pop: Option<Secret<String>>,
    /// `password`: the SoftAP Wi-Fi passphrase (not the PoP; the examples never print it).
    pub softap_password: Option<Secret<String>>,
    /// `network`: `"wifi"` or `"thread"` (network_provisioning examples, read by iOS).
    pub network: Option<NetworkKind>,
}

/// Why a QR payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrError {
    /// The text is not a JSON object.
    NotJsonObject,
    /// `transport` is missing or neither `ble` nor `softap` (both apps refuse it).
    BadTransport,
    /// `name` is missing or not a string (iOS refuses it).
    MissingName,
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QrError::NotJsonObject => "QR payload is not a JSON object",
            QrError::BadTransport => "QR payload has no valid transport (ble or softap)",
            QrError::MissingName => "QR payload has no device name",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for QrError {}

impl QrPayload {
    /// The compact JSON text, in the examples' key order: `ver`, `name`, `username`, `pop`,
    /// `transport`, then the app-side `security`, `password`, and `network`. Absent members
    /// are left out; strings are JSON-escaped (the examples' `snprintf` does not escape, so
    /// the bytes are identical for every name without `"`, `\` or control characters).
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"ver\":\"v1\"");
        push_member(&mut out, "name", &self.name);
        if let Some(user) = &self.username {
            push_member(&mut out, "username", user);
        }
        if let Some(pop) = &self.pop {
            push_member(&mut out, "pop", pop.expose());
        }
        push_member(&mut out, "transport", self.transport.as_str());
        if let Some(security) = self.security {
            out.push_str(&format!(",\"security\":{security}"));
        }
        if let Some(password) = &self.softap_password {
            push_member(&mut out, "password", password.expose());
        }
        if let Some(network) = self.network {
            let word = match network {
                NetworkKind::Wifi => "wifi",
                NetworkKind::Thread => "thread",
            };
            push_member(&mut out, "network", word);
        }
        out.push('}');
        out
    }

    /// The jumpstart URL the examples print: [`JUMPSTART_URL_PREFIX`] + the payload, not
    /// percent-encoded.
    pub fn to_url(&self) -> String {
        format!("{JUMPSTART_URL_PREFIX}{}", self.to_json())
    }

    /// Reads a payload as the apps do (see the module documentation for the choices made
    /// where Android and iOS differ). `transport` and `network` are case-insensitive.
    pub fn parse(text: &str) -> Result<QrPayload, QrError> {
        let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(text) else {
            return Err(QrError::NotJsonObject);
        };
        let transport = match string(&obj, "transport") {
            Some(t) if t.eq_ignore_ascii_case("ble") => QrTransport::Ble,
            Some(t) if t.eq_ignore_ascii_case("softap") => QrTransport::Softap,
            _ => return Err(QrError::BadTransport),
        };
        let name = string(&obj, "name").ok_or(QrError::MissingName)?;
        let network = string(&obj, "network").and_then(|n| {
            if n.eq_ignore_ascii_case("wifi") {
                Some(NetworkKind::Wifi)
            } else if n.eq_ignore_ascii_case("thread") {
                Some(NetworkKind::Thread)
            } else {
                None
            }
        });
        Ok(QrPayload {
            name: name.into(),
            transport,
            security: obj
                .get("security")
                .and_then(Value::as_u64)
                .and_then(|n| u8::try_from(n).ok())
                .map(|n| SecVer::from(u32::from(n))),
            username: string(&obj, "username").map(Into::into),
            pop: string(&obj, "pop").map(|p| Secret::new(p.into())),
            softap_password: string(&obj, "password").map(|p| Secret::new(p.into())),
            network,
        })
    }

    /// The scheme the phone apps try first: `security` when it is 0, 1 or 2, else 2. The
    /// proto-ver `sec_ver` overrides it (§12).
    pub fn initial_security_guess(&self) -> SecVer {
        match self.security {
            Some(s @ (SecVer::Sec0 | SecVer::Sec1 | SecVer::Sec2)) => s,
            _ => SecVer::Sec2,
        }
    }

    /// The level the payload promises (what a client measures a downgrade against): its
    /// `security` member when it is 0 to 2, else implied by what it carries (a username:
    /// security 2; a non-empty PoP: security 1 with PoP). The QR code is only a hint: proto-ver
    /// still decides the scheme (§12).
    pub fn expected_level(&self) -> Option<SecurityLevel> {
        let has_pop = self.pop.as_ref().is_some_and(|p| !p.expose().is_empty());
        match self.security {
            Some(SecVer::Sec0) => Some(SecurityLevel::Sec0),
            Some(SecVer::Sec1) if has_pop => Some(SecurityLevel::Sec1Pop),
            Some(SecVer::Sec1) => Some(SecurityLevel::Sec1NoPop),
            Some(SecVer::Sec2) => Some(SecurityLevel::Sec2),
            _ if self.username.is_some() => Some(SecurityLevel::Sec2),
            _ if has_pop => Some(SecurityLevel::Sec1Pop),
            _ => None,
        }
    }
}

fn string<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

fn push_member(out: &mut String, key: &str, value: &str) {
    out.push(',');
    push_json_string(out, key);
    out.push(':');
    push_json_string(out, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s12_odd_payloads_are_read_like_the_apps() {
        let qr = QrPayload::parse(
            r#"{"name":"N","transport":"SoftAP","security":7,"pop":5,"network":"zigbee"}"#,
        );
        let Ok(qr) = qr else {
            panic!("{qr:?}");
        };
        assert_eq!(qr.transport, QrTransport::Softap);
        assert_eq!(qr.security, Some(SecVer::Unknown(7)));
        assert_eq!(qr.expected_level(), None);
        assert_eq!(qr.initial_security_guess(), SecVer::Sec2);
        assert!(qr.pop.is_none());
        assert!(qr.network.is_none());
        assert_eq!(QrPayload::parse("[1]").err(), Some(QrError::NotJsonObject));
        assert_eq!(
            QrPayload::parse("PROV_1").err(),
            Some(QrError::NotJsonObject)
        );
        assert_eq!(
            QrPayload::parse(r#"{"name":"N","transport":"wifi"}"#).err(),
            Some(QrError::BadTransport)
        );
    }

    #[test]
    fn s12_names_with_quotes_stay_valid_json() {
        let qr = QrPayload {
            name: "a\"b".into(),
            transport: QrTransport::Ble,
            security: Some(SecVer::Sec1),
            username: None,
            pop: None,
            softap_password: None,
            network: None,
        };
        let text = qr.to_json();
        assert_eq!(
            text,
            r#"{"ver":"v1","name":"a\"b","transport":"ble","security":1}"#
        );
        assert_eq!(QrPayload::parse(&text).map(|q| q.name), Ok("a\"b".into()));
    }
}
