//! The text of wpa_supplicant's control interface, as pure functions: replies (`SCAN_RESULTS`,
//! `STATUS`, `ADD_NETWORK`, `OK`/`FAIL`), unsolicited events (`<3>CTRL-EVENT-...`), the
//! `SET_NETWORK` values for a set of credentials, and the verdict of one connection attempt.
//!
//! Nothing here does IO; the socket adapter in `wpa_supplicant.rs` feeds these functions.

use std::net::Ipv4Addr;

use uniprov_core::messages::{WifiCredentials, WifiFailReason, WifiScanEntry};
use uniprov_core::Secret;

use super::super::authmode::{channel_of_frequency, ApSecurity};

/// A reply that is not the expected `OK` (for example `FAIL` or `FAIL-BUSY`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("wpa_supplicant replied {0:?}")]
pub struct Refused(pub String);

/// Accepts exactly `OK` (with or without the trailing newline).
pub fn expect_ok(reply: &str) -> Result<(), Refused> {
    if reply.trim_end() == "OK" {
        Ok(())
    } else {
        Err(Refused(reply.trim_end().to_owned()))
    }
}

/// The network id that `ADD_NETWORK` returns.
pub fn network_id(reply: &str) -> Result<u32, Refused> {
    reply
        .trim_end()
        .parse()
        .map_err(|_| Refused(reply.trim_end().to_owned()))
}

/// Undoes wpa_supplicant's `printf_encode` (used for SSIDs in `SCAN_RESULTS`, `STATUS` and
/// events): `\\`, `\"`, `\e`, `\n`, `\r`, `\t` and `\xHH`. Malformed escapes are kept literally.
pub fn decode_ssid(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let (byte, used) = match b[i + 1] {
            b'\\' => (b'\\', 2),
            b'"' => (b'"', 2),
            b'e' => (0x1b, 2),
            b'n' => (b'\n', 2),
            b'r' => (b'\r', 2),
            b't' => (b'\t', 2),
            b'x' => match b.get(i + 2..i + 4).and_then(hex_byte) {
                Some(v) => (v, 4),
                None => (b'\\', 1),
            },
            _ => (b'\\', 1),
        };
        out.push(byte);
        i += used;
    }
    out
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(s, 16).ok()
}

/// Parses `aa:bb:cc:dd:ee:ff`.
pub fn parse_bssid(text: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = text.split(':');
    for slot in out.iter_mut() {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *slot = hex_byte(p.as_bytes())?;
    }
    parts.next().is_none().then_some(out)
}

/// Reads the flags column of `SCAN_RESULTS` (`[WPA2-PSK+SAE-CCMP][ESS]`).
pub fn parse_flags(flags: &str) -> ApSecurity {
    let mut s = ApSecurity::default();
    for token in flags.split(['[', ']']).filter(|t| !t.is_empty()) {
        let rsn = token.starts_with("WPA2-") || token.starts_with("RSN-");
        let wpa = token.starts_with("WPA-");
        let eap = token.contains("EAP");
        let psk = token.contains("PSK");
        let sae = token.contains("SAE");
        s.owe |= token.contains("OWE");
        s.wep |= token == "WEP";
        s.rsn_psk |= rsn && psk;
        s.rsn_sae |= rsn && sae;
        s.rsn_eap |= rsn && eap;
        s.wpa_psk |= wpa && psk;
        s.wpa_eap |= wpa && eap;
    }
    s
}

/// Parses `SCAN_RESULTS` (`bssid / frequency / signal level / flags / ssid` header, then one
/// tab-separated line per BSS), strongest first. Malformed lines are skipped.
pub fn parse_scan_results(text: &str) -> Vec<WifiScanEntry> {
    let mut out: Vec<WifiScanEntry> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.splitn(5, '\t');
            let bssid = parse_bssid(f.next()?)?;
            let freq: u32 = f.next()?.parse().ok()?;
            let rssi: i32 = f.next()?.parse().ok()?;
            let flags = f.next()?;
            let ssid = decode_ssid(f.next().unwrap_or(""));
            Some(WifiScanEntry {
                ssid,
                channel: channel_of_frequency(freq),
                rssi,
                bssid: bssid.to_vec(),
                auth: parse_flags(flags).auth_mode(),
            })
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.rssi));
    out
}

/// The fields of `STATUS` that the backend uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `wpa_state` (`COMPLETED`, `SCANNING`, `DISCONNECTED`, ...).
    pub wpa_state: String,
    /// The current network's SSID.
    pub ssid: Option<Vec<u8>>,
    /// The current BSSID.
    pub bssid: Option<[u8; 6]>,
    /// The current frequency in MHz.
    pub freq: Option<u32>,
    /// The id of the current network.
    pub id: Option<u32>,
    /// The interface's IPv4 address, which wpa_supplicant reads from the kernel.
    pub ip_address: Option<Ipv4Addr>,
    /// The negotiated key management (`WPA2-PSK`, `SAE`, `NONE`, ...).
    pub key_mgmt: Option<String>,
}

/// Parses the `key=value` lines of `STATUS`.
pub fn parse_status(text: &str) -> Status {
    let mut s = Status::default();
    for (k, v) in text.lines().filter_map(|l| l.split_once('=')) {
        match k {
            "wpa_state" => s.wpa_state = v.to_owned(),
            "ssid" => s.ssid = Some(decode_ssid(v)),
            "bssid" => s.bssid = parse_bssid(v),
            "freq" => s.freq = v.parse().ok(),
            "id" => s.id = v.parse().ok(),
            "ip_address" => s.ip_address = v.parse().ok(),
            "key_mgmt" => s.key_mgmt = Some(v.to_owned()),
            _ => {}
        }
    }
    s
}

/// An unsolicited message of an attached monitor socket that the backend acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `CTRL-EVENT-CONNECTED - Connection to BSSID completed [id=N id_str=]`.
    Connected {
        /// The network id, when reported.
        id: Option<u32>,
    },
    /// `CTRL-EVENT-SSID-TEMP-DISABLED id=N ssid="..." auth_failures=K duration=D reason=R`.
    TempDisabled {
        /// The network id.
        id: Option<u32>,
        /// `WRONG_KEY`, `AUTH_FAILED`, `CONN_FAILED`, ...
        reason: String,
    },
    /// `CTRL-EVENT-NETWORK-NOT-FOUND`: a scan found no enabled network.
    NetworkNotFound,
    /// `CTRL-EVENT-DISCONNECTED bssid=... reason=N [locally_generated=1]`.
    Disconnected {
        /// The IEEE 802.11 reason code.
        reason: Option<u16>,
        /// The station itself ended the link.
        locally_generated: bool,
    },
    /// `CTRL-EVENT-SCAN-RESULTS`: a scan finished.
    ScanResults,
    /// `CTRL-EVENT-SCAN-FAILED`.
    ScanFailed,
    /// `CTRL-EVENT-TERMINATING`: wpa_supplicant is exiting.
    Terminating,
}

/// The value of a `name=value` token in an event line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split([' ', '[', ']'])
        .find_map(|t| t.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

/// Parses one monitor message (`<3>CTRL-EVENT-...`); `None` for messages the backend ignores.
pub fn parse_event(msg: &str) -> Option<Event> {
    let line = msg.trim_end();
    let line = match line.strip_prefix('<') {
        Some(rest) => rest.split_once('>').map_or(line, |(_, body)| body),
        None => line,
    };
    let (name, _) = line.split_once(' ').unwrap_or((line, ""));
    let id = || field(line, "id").and_then(|v| v.parse().ok());
    Some(match name {
        "CTRL-EVENT-CONNECTED" => Event::Connected { id: id() },
        "CTRL-EVENT-SSID-TEMP-DISABLED" => Event::TempDisabled {
            id: id(),
            reason: field(line, "reason").unwrap_or("").to_owned(),
        },
        "CTRL-EVENT-NETWORK-NOT-FOUND" => Event::NetworkNotFound,
        "CTRL-EVENT-DISCONNECTED" => Event::Disconnected {
            reason: field(line, "reason").and_then(|v| v.parse().ok()),
            locally_generated: field(line, "locally_generated") == Some("1"),
        },
        "CTRL-EVENT-SCAN-RESULTS" => Event::ScanResults,
        "CTRL-EVENT-SCAN-FAILED" => Event::ScanFailed,
        "CTRL-EVENT-TERMINATING" => Event::Terminating,
        _ => return None,
    })
}

/// Credentials that wpa_supplicant cannot take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// The SSID is empty or longer than 32 bytes.
    #[error("the SSID must have 1 to 32 bytes")]
    Ssid,
    /// A WPA passphrase needs 8 to 63 printable ASCII characters.
    #[error("a WPA passphrase needs 8 to 63 printable ASCII characters")]
    Passphrase,
}

/// The `SET_NETWORK` commands (without the `SET_NETWORK <id> ` prefix) for a set of credentials.
///
/// The SSID goes as hex, so any bytes are fine. The passphrase is quoted (wpa_supplicant takes the
/// text between the first and the last quote, so quotes inside are kept) and comes back wrapped in
/// [`Secret`]. An empty passphrase means an open network. `key_mgmt` offers WPA-PSK and SAE, so the
/// same profile joins WPA2, WPA2/WPA3 and WPA3 networks; [`FALLBACK_KEY_MGMT`] is for builds
/// without SAE. BSSID and channel are ignored, as the ESP-IDF manager does (§10.4).
pub fn network_settings(creds: &WifiCredentials) -> Result<Vec<Secret<String>>, CredentialError> {
    if creds.ssid.is_empty() || creds.ssid.len() > 32 {
        return Err(CredentialError::Ssid);
    }
    let ssid: String = creds.ssid.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = vec![
        Secret::new(format!("ssid {ssid}")),
        Secret::new("scan_ssid 1".into()),
    ];
    let pass = creds.passphrase.expose();
    if pass.is_empty() {
        out.push(Secret::new("key_mgmt NONE".into()));
        return Ok(out);
    }
    let raw_psk = pass.len() == 64 && pass.iter().all(u8::is_ascii_hexdigit);
    if !raw_psk
        && (!(8..=63).contains(&pass.len()) || !pass.iter().all(|b| (0x20..0x7f).contains(b)))
    {
        return Err(CredentialError::Passphrase);
    }
    let mut psk = String::with_capacity(pass.len() + 6);
    if raw_psk {
        // wpa_supplicant takes a raw PSK as 64 hex digits without quotes.
        psk.push_str("psk ");
        psk.extend(pass.iter().map(|&b| char::from(b)));
    } else {
        psk.push_str("psk \"");
        psk.extend(pass.iter().map(|&b| char::from(b)));
        psk.push('"');
    }
    out.push(Secret::new(psk));
    out.push(Secret::new(format!("key_mgmt {PREFERRED_KEY_MGMT}")));
    out.push(Secret::new("ieee80211w 1".into()));
    Ok(out)
}

/// Key management offered for a passphrase: WPA2 and WPA3 personal.
pub const PREFERRED_KEY_MGMT: &str = "WPA-PSK WPA-PSK-SHA256 SAE";
/// Key management when wpa_supplicant was built without SAE.
pub const FALLBACK_KEY_MGMT: &str = "WPA-PSK";

/// What one connection attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The link is up (4-way handshake done); an IPv4 address is still to come.
    Associated,
    /// The attempt failed for good.
    Failed(WifiFailReason),
}

/// Judges the events of one connection attempt on network `id`.
///
/// `WRONG_KEY` and `AUTH_FAILED` mean AuthError (the ESP maps the 4-way-handshake failures the
/// same way, §10.3); `CTRL-EVENT-NETWORK-NOT-FOUND` means NetworkNotFound. Other events leave the
/// attempt running: wpa_supplicant retries by itself, and the adapter ends an attempt that gives
/// no verdict with a timeout.
pub fn judge(id: u32, event: &Event) -> Option<Verdict> {
    match event {
        Event::Connected { id: got } if got.is_none_or(|g| g == id) => Some(Verdict::Associated),
        Event::TempDisabled { id: got, reason } if got.is_none_or(|g| g == id) => {
            matches!(reason.as_str(), "WRONG_KEY" | "AUTH_FAILED")
                .then_some(Verdict::Failed(WifiFailReason::AuthError))
        }
        Event::NetworkNotFound => Some(Verdict::Failed(WifiFailReason::NetworkNotFound)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
