//! `--qr`: what a device's QR payload (docs/protocol.md §12) contributes to the options.
//!
//! The payload names the transport and the device, and carries the PoP (security 1) or the
//! password (security 2) and sometimes a username. Explicit flags win over it. Its `security`
//! member, and the credentials it carries, only set the *expected* level: proto-ver still
//! decides the scheme, and a weaker scheme than expected is reported as a downgrade.

use uniprov::client::{ClientError, SecurityLevel, SecurityRequest};
use uniprov::core::qr::{QrPayload, QrTransport};
use uniprov::core::Secret;

use super::args::TransportArg;

/// The security 2 username the phone apps use when the payload has none.
pub const APP_DEFAULT_USERNAME: &str = "wifiprov";

/// The parts of a QR payload the client uses.
#[derive(Debug)]
pub struct QrOptions {
    /// Transport.
    pub transport: TransportArg,
    /// BLE device name or SoftAP SSID.
    pub name: String,
    security: Option<u8>,
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
            transport: match payload.transport {
                QrTransport::Ble => TransportArg::Ble,
                QrTransport::Softap => TransportArg::Softap,
            },
            name: payload.name.clone(),
            security: payload.security,
            username: payload.username.clone(),
            pop: payload
                .pop
                .as_ref()
                .map(|p| Secret::new(p.expose().clone().into_bytes())),
        })
    }

    /// The level the payload promises: its `security` member when it is 0 to 2, else implied
    /// by what it carries (a username: security 2; a PoP: security 1 with PoP).
    pub fn expected_level(&self) -> Option<SecurityLevel> {
        let has_pop = self.pop.as_ref().is_some_and(|p| !p.expose().is_empty());
        match self.security {
            Some(0) => Some(SecurityLevel::Sec0),
            Some(1) if has_pop => Some(SecurityLevel::Sec1Pop),
            Some(1) => Some(SecurityLevel::Sec1NoPop),
            Some(2) => Some(SecurityLevel::Sec2),
            _ if self.username.is_some() => Some(SecurityLevel::Sec2),
            _ if has_pop => Some(SecurityLevel::Sec1Pop),
            _ => None,
        }
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
        request.expected = request.expected.max(self.expected_level());
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

    fn offer(sec_ver: u32) -> SecurityOffer {
        SecurityOffer {
            sec_ver: Some(sec_ver),
            sec_patch_ver: Some(1),
            no_sec: sec_ver == 0,
            no_pop: false,
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
        assert_eq!(parsed.transport, TransportArg::Ble);
        assert_eq!(parsed.name, "PROV_1A2B3C");
        let n = negotiate(request(qr), &offer(1)).unwrap();
        assert_eq!(n.security.level(), SecurityLevel::Sec1Pop);
        assert!(n.warnings.is_empty(), "{:?}", n.warnings);
    }

    #[test]
    fn s12_sec2_payload_uses_pop_as_password() {
        let qr = r#"{"ver":"v1","name":"PROV_X","username":"wifiprov","pop":"abcd1234","transport":"softap"}"#;
        let n = negotiate(request(qr), &offer(2)).unwrap();
        assert_eq!(n.security.level(), SecurityLevel::Sec2);
        assert!(n.warnings.is_empty());
    }

    #[test]
    fn s12_payload_without_username_gets_the_app_default_for_sec2() {
        let qr = r#"{"ver":"v1","name":"PROV_X","pop":"abcd1234","transport":"ble"}"#;
        let n = negotiate(request(qr), &offer(2)).unwrap();
        assert!(
            matches!(n.security, uniprov::client::ChosenSecurity::Sec2 { ref username, .. } if username == "wifiprov")
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
            TransportArg::Softap
        );
        let encoded = "https://espressif.github.io/esp-jumpstart/qrcode.html?data=%7B%22ver%22%3A%22v1%22%2C%22name%22%3A%22PROV%20N%22%2C%22transport%22%3A%22ble%22%7D";
        let parsed = QrOptions::parse(encoded).unwrap();
        assert_eq!(parsed.name, "PROV N");
        assert_eq!(parsed.transport, TransportArg::Ble);
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
