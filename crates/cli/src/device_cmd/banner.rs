//! What `uniprov device` prints at start (stderr): the QR payload of the ESP examples (§12),
//! the QR code itself, and the commands that provision this device.

use std::net::SocketAddr;

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
use uniprov::core::messages::NetworkKind;
use uniprov::core::qr::{QrPayload, QrTransport};
use uniprov::core::Secret;
use uniprov::device::runtime::DeviceHandle;

use super::options::OutputOptions;
use super::security::Shown;
use super::SecretArg;

/// How clients reach the device, as far as the banner tells.
pub(super) struct Reach {
    /// The network provisioned (the QR code names Thread).
    pub(super) network: NetworkKind,
    /// The console transport is served.
    pub(super) console: bool,
    /// The BLE transport is served.
    pub(super) ble: bool,
    /// The SoftAP scheme (`--softap`).
    pub(super) softap: Option<SoftApReach>,
    /// The HTTP port (of `--listen`).
    pub(super) http_port: u16,
}

/// The hotspot of the SoftAP scheme.
pub(super) struct SoftApReach {
    /// Its WPA2 key (`--service-key`); open without.
    pub(super) key: Option<SecretArg>,
}

/// `PROV_` and six hex digits derived from `/etc/machine-id` (or the host name), stable
/// across runs like the ESP examples' `PROV_` + the last three MAC bytes.
pub(super) fn default_service_name() -> String {
    let seed = std::fs::read("/etc/machine-id")
        .or_else(|_| std::fs::read("/proc/sys/kernel/hostname"))
        .unwrap_or_default();
    // FNV-1a: stable across builds (std's hasher makes no such promise).
    let hash = seed.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    });
    format!("PROV_{:06X}", hash & 0x00ff_ffff)
}

/// Prints the banner. The PoP / password appears only here, in the QR payload and the
/// commands, as the ESP examples print it, and only when `reveal` (by default: stderr is a
/// terminal, so a person is reading it rather than a log file); it is never logged.
pub(super) fn print(handle: &DeviceHandle, shown: &Shown, output: &OutputOptions) {
    let (reach, service_name, reveal) =
        (&output.reach, output.service_name.as_str(), output.reveal);
    let http = handle.http_addrs().first().map(|a| reachable(*a));
    eprintln!(
        "uniprov device {service_name:?}: proto-ver {}",
        compact(handle.proto_ver())
    );
    if let Shown::Sec0 = shown {
        eprintln!("*** SECURITY 0: no encryption, no authentication: anyone in range can read the credentials and provision this device ***");
    }
    let service_key = softap_key(reach);
    let hidden = !reveal && (has_secret(shown) || service_key.is_some());
    let ble = reach.ble;
    if http.is_some() || ble {
        if hidden {
            eprintln!("QR payload: hidden (it holds the PoP / password and stderr is not a terminal; --show-secrets always prints it)");
        } else {
            print_qr(&qr_payload(reach, service_name, shown));
        }
        eprintln!("Provision it with:");
    }
    if ble {
        let name = shell(service_name);
        eprintln!("  uniprov provision --transport ble --service-name {name}{} --ssid <SSID> --passphrase <PASSPHRASE>", client_security(shown, "uniprov", reveal));
        eprintln!("  esp_prov.py --transport ble --service_name {name}{} --ssid <SSID> --passphrase <PASSPHRASE>", client_security(shown, "esp_prov", reveal));
    }
    if reach.softap.is_some() {
        let security = if service_key.is_some() {
            "WPA2, --service-key"
        } else {
            "open"
        };
        let addr = uniprov::device::network::softap::DEFAULT_ADDRESS;
        let port = reach.http_port;
        eprintln!("  join the Wi-Fi {service_name:?} ({security}), then:");
        eprintln!("  uniprov provision --transport softap --service-name {addr}:{port}{} --ssid <SSID> --passphrase <PASSPHRASE>", client_security(shown, "uniprov", reveal));
    } else if let Some(addr) = http {
        eprintln!("  uniprov provision --transport http --service-name {addr}{} --ssid <SSID> --passphrase <PASSPHRASE>", client_security(shown, "uniprov", reveal));
        eprintln!("  esp_prov.py --transport softap --service_name {addr}{} --ssid <SSID> --passphrase <PASSPHRASE>", client_security(shown, "esp_prov", reveal));
    }
    if reach.console {
        let security = client_security(shown, "esp_prov", reveal);
        eprintln!("Console transport: type or pipe `<endpoint> <session> <hex>` lines (esp_prov.py --transport console{security})");
    }
}

/// Whether the banner would show a secret.
fn has_secret(shown: &Shown) -> bool {
    match shown {
        Shown::Sec0 | Shown::Sec1 { pop: None } => false,
        Shown::Sec1 { pop: Some(_) } => true,
        Shown::Sec2 { password, .. } => password.is_some(),
    }
}

/// The hotspot's WPA2 key, with `--softap --service-key`.
fn softap_key(reach: &Reach) -> Option<&str> {
    reach
        .softap
        .as_ref()
        .and_then(|s| s.key.as_ref())
        .map(|k| k.0.as_str())
}

fn print_qr(payload: &QrPayload) {
    let json = payload.to_json();
    eprintln!("QR payload: {json}");
    match QrCode::new(json.as_bytes()) {
        Ok(code) => {
            let art = code
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .quiet_zone(true)
                .build();
            eprintln!("{art}");
        }
        Err(error) => tracing::warn!(%error, "payload too long for a QR code"),
    }
    eprintln!("Or open: {}", payload.to_url());
}

/// A listening address a client on this machine can connect to.
fn reachable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    }
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn qr_payload(reach: &Reach, name: &str, shown: &Shown) -> QrPayload {
    let (username, pop) = match shown {
        Shown::Sec0 => (None, None),
        Shown::Sec1 { pop } => (None, pop.as_ref().map(Secret::duplicate)),
        Shown::Sec2 {
            username, password, ..
        } => (
            Some(username.clone()),
            password.as_ref().map(Secret::duplicate),
        ),
    };
    QrPayload {
        name: name.to_string(),
        // The QR code names one transport: BLE when served (what the phone apps prefer).
        transport: if reach.ble {
            QrTransport::Ble
        } else {
            QrTransport::Softap
        },
        security: None,
        username,
        pop,
        // The apps join the hotspot with it (the QR's "password").
        softap_password: softap_key(reach).map(|k| Secret::new(k.to_owned())),
        network: match reach.network {
            NetworkKind::Wifi => None,
            NetworkKind::Thread => Some(NetworkKind::Thread),
        },
    }
}

/// The security options of a client command (`uniprov` or `esp_prov` spelling); secrets
/// appear as `<POP>` / `<PASSWORD>` unless `reveal`.
pub(super) fn client_security(shown: &Shown, tool: &str, reveal: bool) -> String {
    let esp = tool == "esp_prov";
    let flag = |name: &str| {
        if esp {
            format!("--{}", name.replace('-', "_"))
        } else {
            format!("--{name}")
        }
    };
    match shown {
        Shown::Sec0 => format!(" {} 0", flag("sec-ver")),
        Shown::Sec1 { pop: None } => format!(" {} 1", flag("sec-ver")),
        Shown::Sec1 { pop: Some(pop) } => {
            let pop = if reveal {
                shell(pop.expose())
            } else {
                "<POP>".to_string()
            };
            format!(" {} 1 {} {pop}", flag("sec-ver"), flag("pop"))
        }
        Shown::Sec2 {
            username,
            password,
            patch,
        } => {
            let pwd = password
                .as_ref()
                .filter(|_| reveal)
                .map_or_else(|| "<PASSWORD>".to_string(), |p| shell(p.expose()));
            let mut s = format!(
                " {} 2 {} {} {} {pwd}",
                flag("sec-ver"),
                flag("sec2-username"),
                shell(username),
                flag("sec2-pwd")
            );
            if *patch == 0 && !esp {
                s.push_str(" --sec-patch-ver 0");
            }
            s
        }
    }
}

/// Quotes `text` for a POSIX shell when needed.
fn shell(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
