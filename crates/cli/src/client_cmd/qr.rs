//! `--qr`: what a device's QR payload (docs/protocol.md §12) contributes to the options.
//!
//! The payload names the transport and the device, and carries the PoP (security 1) or the
//! password (security 2) and sometimes a username. Explicit flags win over it. Its `security`
//! member, and the credentials it carries, only set the *expected* level
//! ([`QrPayload::expected_level`], the core's rule): proto-ver still decides the scheme, and a
//! weaker scheme than expected is reported as a downgrade.

use uniprov::client::{ClientError, SecurityLevel, SecurityRequest};
use uniprov::core::qr::{QrPayload, QrTransport};
use uniprov::core::Secret;

/// The security 2 username the phone apps use when the payload has none.
pub const APP_DEFAULT_USERNAME: &str = "wifiprov";

/// The parts of a QR payload the client uses.
#[derive(Debug)]
pub struct QrOptions {
    /// Transport.
    pub transport: QrTransport,
    /// BLE device name or SoftAP SSID.
    pub name: String,
    expected: Option<SecurityLevel>,
    username: Option<String>,
    pop: Option<Secret<Vec<u8>>>,
}

impl QrOptions {
    /// Parses the payload text (the JSON, or the jumpstart URL that wraps it).
    pub fn parse(text: &str) -> Result<Self, ClientError> {
        let text = text.trim();
        // The jumpstart URL (`...qrcode.html?data={...}`), as printed or percent-encoded (what
        // a QR scanner or a browser's address bar hands over), or the bare JSON.
        let json = match text.split_once("data=") {
            Some((_, data)) if !text.starts_with('{') => {
                let data = data.split('&').next().unwrap_or(data);
                percent_decode(data).ok_or_else(|| {
                    ClientError::Usage(
                        "--qr: the URL's data is not valid percent-encoded UTF-8".into(),
                    )
                })?
            }
            _ if text.starts_with("%7B") || text.starts_with("%7b") => percent_decode(text)
                .ok_or_else(|| {
                    ClientError::Usage("--qr: not valid percent-encoded UTF-8".into())
                })?,
            _ => text.to_owned(),
        };
        let payload =
            QrPayload::parse(json.trim()).map_err(|e| ClientError::Usage(format!("--qr: {e}")))?;
        Ok(QrOptions {
            transport: payload.transport,
            name: payload.name.clone(),
            expected: payload.expected_level(),
            username: payload.username.clone(),
            pop: payload
                .pop
                .as_ref()
                .map(|p| Secret::new(p.expose().clone().into_bytes())),
        })
    }

    /// Fills what the flags left open.
    pub fn fill(&self, request: &mut SecurityRequest) {
        if request.pop.is_none() && request.password.is_none() {
            request.pop = self.pop.as_ref().map(Secret::duplicate);
        }
        if request.username.is_none() {
            request.username = self.username.clone();
        }
        request.default_username = Some(APP_DEFAULT_USERNAME.to_owned());
        request.expected = request.expected.max(self.expected);
    }
}

/// `%XX` escapes decoded (`+` stays: the jumpstart page encodes spaces as `%20`); `None` for a
/// bad escape or invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use uniprov::client::{negotiate, SecurityOffer};
    use uniprov::core::proto_ver::{Capabilities, Capability};
    use uniprov::core::security::{ClientSecurity, SecVer};

    fn offer(sec_ver: u32) -> SecurityOffer {
        SecurityOffer {
            sec_ver: Some(SecVer::from(sec_ver)),
            sec_patch_ver: Some(1),
            capabilities: if sec_ver == 0 {
                [Capability::NoSec].into_iter().collect()
            } else {
                Capabilities::default()
            },
        }
    }

    fn request(qr: &str) -> SecurityRequest {
        let mut request = SecurityRequest::default();
        QrOptions::parse(qr).unwrap().fill(&mut request);
        request
    }

    #[test]
    fn s12_sec1_payload_fills_pop_and_expects_sec1() {
        let qr = r#"{"ver":"v1","name":"PROV_1A2B3C","pop":"abcd1234","transport":"ble"}"#;
        let parsed = QrOptions::parse(qr).unwrap();
        assert_eq!(parsed.transport, QrTransport::Ble);
        assert_eq!(parsed.name, "PROV_1A2B3C");
        let n = negotiate(request(qr), &offer(1)).unwrap();
        assert_eq!(SecurityLevel::of(&n.security), SecurityLevel::Sec1Pop);
        assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    }

    #[test]
    fn s12_sec2_payload_uses_pop_as_password() {
        let qr = r#"{"ver":"v1","name":"PROV_X","username":"wifiprov","pop":"abcd1234","transport":"softap"}"#;
        let n = negotiate(request(qr), &offer(2)).unwrap();
        assert_eq!(SecurityLevel::of(&n.security), SecurityLevel::Sec2);
        assert!(n.warnings.is_empty());
    }

    #[test]
    fn s12_payload_without_username_gets_the_app_default_for_sec2() {
        let qr = r#"{"ver":"v1","name":"PROV_X","pop":"abcd1234","transport":"ble"}"#;
        let n = negotiate(request(qr), &offer(2)).unwrap();
        assert!(
            matches!(n.security, ClientSecurity::Sec2 { ref username, .. } if username == b"wifiprov")
        );
    }

    #[test]
    fn s7_sec2_payload_against_a_sec0_device_is_a_downgrade() {
        let qr = r#"{"ver":"v1","name":"PROV_X","username":"wifiprov","pop":"abcd1234","transport":"ble"}"#;
        let n = negotiate(request(qr), &offer(0)).unwrap();
        assert_eq!(n.warnings.len(), 1);
        let qr = r#"{"ver":"v1","name":"PROV_X","transport":"ble","security":1,"pop":"p"}"#;
        let n = negotiate(request(qr), &offer(0)).unwrap();
        assert_eq!(n.warnings.len(), 1);
    }

    #[test]
    fn no_pop_payload_expects_nothing() {
        let qr = r#"{"ver":"v1","name":"PROV_X","transport":"ble","network":"wifi"}"#;
        let n = negotiate(request(qr), &offer(0)).unwrap();
        assert!(n.warnings.is_empty());
    }

    #[test]
    fn jumpstart_urls_and_bad_payloads() {
        let url = r#"https://espressif.github.io/esp-jumpstart/qrcode.html?data={"ver":"v1","name":"N","transport":"softap"}"#;
        assert_eq!(
            QrOptions::parse(url).unwrap().transport,
            QrTransport::Softap
        );
        let encoded = "https://espressif.github.io/esp-jumpstart/qrcode.html?data=%7B%22ver%22%3A%22v1%22%2C%22name%22%3A%22PROV%20N%22%2C%22transport%22%3A%22ble%22%7D";
        let parsed = QrOptions::parse(encoded).unwrap();
        assert_eq!(parsed.name, "PROV N");
        assert_eq!(parsed.transport, QrTransport::Ble);
        assert!(QrOptions::parse("https://x/qrcode.html?data=%7B%2").is_err());
        assert!(QrOptions::parse(r#"{"name":"N"}"#).is_err());
        assert!(QrOptions::parse("not json").is_err());
    }

    #[test]
    fn every_shared_vector_payload_that_the_apps_accept_parses() {
        let text = include_str!("../../../../testdata/vectors/qr.json");
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut checked = 0;
        for example in json["examples"].as_array().unwrap() {
            let payload = example["payload"].as_str().unwrap();
            let valid = example["parsed"]["valid_ios"].as_bool().unwrap_or(false);
            if valid {
                let parsed = QrOptions::parse(payload).unwrap();
                assert_eq!(
                    parsed.name,
                    example["parsed"]["device_name"].as_str().unwrap()
                );
                checked += 1;
            }
        }
        assert!(checked > 0);
    }
}
