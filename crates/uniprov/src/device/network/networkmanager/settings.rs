//! The D-Bus values the NetworkManager backend sends and reads: the connection profile
//! (`a{sa{sv}}`) and access-point properties.

use std::collections::HashMap;

use dbus::arg::{prop_cast, PropMap, RefArg, Variant};
use uniprov_core::messages::WifiCredentials;

use super::super::authmode::ApSecurity;
use super::{mapping, NmConfig};

pub(super) fn var<T: RefArg + 'static>(v: T) -> Variant<Box<dyn RefArg>> {
    Variant(Box::new(v))
}

/// The profile for an attempt (`autoconnect` false) or for persisting it (true).
pub(super) fn profile(
    cfg: &NmConfig,
    creds: &WifiCredentials,
    uuid: &str,
    key_mgmt: Option<&str>,
    autoconnect: bool,
) -> HashMap<&'static str, PropMap> {
    let mut c = PropMap::new();
    c.insert("id".into(), var(mapping::profile_id(&creds.ssid)));
    c.insert("uuid".into(), var(uuid.to_owned()));
    c.insert("type".into(), var("802-11-wireless".to_owned()));
    c.insert("autoconnect".into(), var(autoconnect));
    c.insert("interface-name".into(), var(cfg.iface.clone()));
    let mut w = PropMap::new();
    w.insert("ssid".into(), var(creds.ssid.clone()));
    w.insert("mode".into(), var("infrastructure".to_owned()));
    let mut ip4 = PropMap::new();
    ip4.insert("method".into(), var("auto".to_owned()));
    let mut s = HashMap::from([("connection", c), ("802-11-wireless", w), ("ipv4", ip4)]);
    if let Some(k) = key_mgmt {
        let mut sec = PropMap::new();
        sec.insert("key-mgmt".into(), var(k.to_owned()));
        // The D-Bus message copies the passphrase; our own copy stays in `creds` (a Secret).
        let psk = String::from_utf8_lossy(creds.passphrase.expose()).into_owned();
        sec.insert("psk".into(), var(psk));
        s.insert("802-11-wireless-security", sec);
    }
    s
}

/// An access point's properties, read from `GetAll`.
pub(super) struct ApInfo {
    pub(super) ssid: Vec<u8>,
    pub(super) bssid: Vec<u8>,
    pub(super) strength: u8,
    pub(super) frequency: u32,
    pub(super) security: ApSecurity,
}

pub(super) fn ap_info(m: &PropMap) -> Option<ApInfo> {
    let mac = prop_cast::<String>(m, "HwAddress")?;
    let bssid: Vec<u8> = mac
        .split(':')
        .filter_map(|p| u8::from_str_radix(p, 16).ok())
        .collect();
    let u = |k: &str| prop_cast::<u32>(m, k).copied().unwrap_or(0);
    Some(ApInfo {
        ssid: prop_cast::<Vec<u8>>(m, "Ssid")?.clone(),
        bssid,
        strength: prop_cast::<u8>(m, "Strength").copied().unwrap_or(0),
        frequency: u("Frequency"),
        security: mapping::ap_security(u("Flags"), u("WpaFlags"), u("RsnFlags")),
    })
}

/// Credentials NetworkManager accepts: SSID 1..=32 bytes; no passphrase, 8..=63 printable
/// ASCII characters, or a raw PSK of 64 hex digits.
pub(super) fn credentials_usable(c: &WifiCredentials) -> bool {
    let p = c.passphrase.expose();
    (1..=32).contains(&c.ssid.len())
        && (p.is_empty()
            || (p.len() == 64 && p.iter().all(u8::is_ascii_hexdigit))
            || ((8..=63).contains(&p.len()) && p.iter().all(|b| (0x20..0x7f).contains(b))))
}
