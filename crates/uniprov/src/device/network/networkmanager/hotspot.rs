//! The SoftAP hotspot as NetworkManager settings, without D-Bus: what the hotspot is
//! ([`HotspotConfig`]), the checks on its SSID and key, and the profile (`a{sa{sv}}`) that
//! `AddAndActivateConnection2` receives. docs/protocol.md §9.1: the SSID is the service name
//! (≤ 32 bytes), WPA2-PSK with the service key (8..63 characters) or open, the device at
//! 192.168.4.1, where the phone apps and esp_prov look by default.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use dbus::arg::PropMap;
use uniprov_core::Secret;

use super::settings::var;
use crate::device::network::softap::{
    validate_service_key, validate_ssid, HotspotError, DEFAULT_ADDRESS,
};

/// The `connection.id` prefix of hotspot profiles. It is not [`super::mapping::PROFILE_PREFIX`]:
/// the station side's `forget` and `persist` never see a hotspot as one of their networks.
pub const HOTSPOT_PREFIX: &str = "uniprov-hotspot:";

/// What the hotspot looks like.
#[derive(Debug)]
pub struct HotspotConfig {
    /// The interface that hosts the hotspot: the station's own (one radio, one role at a time)
    /// or a second, AP-capable interface on the same radio (AP and station at once).
    pub iface: String,
    /// The SSID: the service name.
    pub ssid: String,
    /// The WPA2 passphrase (`--service-key`); `None`: an open network.
    pub key: Option<Secret<String>>,
    /// The device's address on the hotspot; NetworkManager's shared mode serves DHCP around it.
    pub address: Ipv4Addr,
    /// Prefix length of the hotspot's network.
    pub prefix: u32,
    /// The 2.4 GHz channel; `None`: NetworkManager chooses. Radios that run AP and station
    /// at once on one channel only need the home network's channel here.
    pub channel: Option<u32>,
    /// The captive portal's DNS responder's address (`network::captive_dns`): added to the
    /// hotspot's interface once it is up, and announced by DHCP as the clients' DNS server
    /// (`dnsmasq_dns.rs`). `None`: clients get NetworkManager's dnsmasq as DNS server, as
    /// before.
    pub captive_dns: Option<Ipv4Addr>,
}

impl HotspotConfig {
    /// An open hotspot named `ssid` on `iface` at 192.168.4.1/24, channel chosen by
    /// NetworkManager.
    pub fn new(iface: impl Into<String>, ssid: impl Into<String>) -> Self {
        HotspotConfig {
            iface: iface.into(),
            ssid: ssid.into(),
            key: None,
            address: DEFAULT_ADDRESS,
            prefix: 24,
            channel: None,
            captive_dns: None,
        }
    }

    /// The checks NetworkManager (and the 802.11 standard) would otherwise fail on later.
    pub fn validate(&self) -> Result<(), HotspotError> {
        validate_ssid(&self.ssid)?;
        if let Some(key) = &self.key {
            validate_service_key(key.expose())?;
        }
        if let Some(ch) = self.channel {
            if !(1..=14).contains(&ch) {
                return Err(HotspotError::Channel(ch));
            }
        }
        Ok(())
    }

    /// The hotspot profile's `connection.id`.
    pub fn profile_id(&self) -> String {
        format!("{HOTSPOT_PREFIX}{}", self.ssid)
    }
}

/// The hotspot profile: access-point mode, `ipv4.method shared` (NetworkManager runs the DHCP
/// server) at the configured address, never autoconnecting, bound to the interface.
pub fn hotspot_profile(cfg: &HotspotConfig, uuid: &str) -> HashMap<&'static str, PropMap> {
    let mut c = PropMap::new();
    c.insert("id".into(), var(cfg.profile_id()));
    c.insert("uuid".into(), var(uuid.to_owned()));
    c.insert("type".into(), var("802-11-wireless".to_owned()));
    c.insert("autoconnect".into(), var(false));
    c.insert("interface-name".into(), var(cfg.iface.clone()));
    let mut w = PropMap::new();
    w.insert("ssid".into(), var(cfg.ssid.as_bytes().to_vec()));
    w.insert("mode".into(), var("ap".to_owned()));
    w.insert("band".into(), var("bg".to_owned()));
    if let Some(ch) = cfg.channel {
        w.insert("channel".into(), var(ch));
    }
    let mut ip4 = PropMap::new();
    ip4.insert("method".into(), var("shared".to_owned()));
    // The first address is dnsmasq's (DHCP and DNS, `--listen-address`) and the device's.
    // The captive DNS address is not here: shared mode configures only the first address, and
    // refuses `ipv4.dns` (dnsmasq_dns.rs adds both its way).
    let addresses = vec![address_data(cfg.address, cfg.prefix)];
    ip4.insert("address-data".into(), var(addresses));
    let mut ip6 = PropMap::new();
    ip6.insert("method".into(), var("ignore".to_owned()));
    let mut s = HashMap::from([
        ("connection", c),
        ("802-11-wireless", w),
        ("ipv4", ip4),
        ("ipv6", ip6),
    ]);
    if let Some(key) = &cfg.key {
        let mut sec = PropMap::new();
        sec.insert("key-mgmt".into(), var("wpa-psk".to_owned()));
        // WPA2 only (RSN + CCMP), like the ESP SoftAP's WPA2-PSK.
        sec.insert("proto".into(), var(vec!["rsn".to_owned()]));
        sec.insert("pairwise".into(), var(vec!["ccmp".to_owned()]));
        sec.insert("group".into(), var(vec!["ccmp".to_owned()]));
        // The D-Bus message copies the key; our own copy stays a Secret.
        sec.insert("psk".into(), var(key.expose().clone()));
        s.insert("802-11-wireless-security", sec);
    }
    s
}

fn address_data(address: Ipv4Addr, prefix: u32) -> PropMap {
    let mut data = PropMap::new();
    data.insert("address".into(), var(address.to_string()));
    data.insert("prefix".into(), var(prefix));
    data
}

#[cfg(test)]
mod tests {
    use dbus::arg::{prop_cast, RefArg};

    use super::*;

    fn text(s: &HashMap<&'static str, PropMap>, section: &str, key: &str) -> Option<String> {
        prop_cast::<String>(s.get(section)?, key).cloned()
    }

    #[test]
    fn an_open_hotspot_is_a_shared_access_point_at_192_168_4_1() {
        let cfg = HotspotConfig::new("wlan1", "PROV_abc");
        let s = hotspot_profile(&cfg, "uuid-1");
        assert_eq!(
            text(&s, "connection", "id").as_deref(),
            Some("uniprov-hotspot:PROV_abc")
        );
        assert_eq!(text(&s, "connection", "uuid").as_deref(), Some("uuid-1"));
        assert_eq!(
            text(&s, "connection", "interface-name").as_deref(),
            Some("wlan1")
        );
        assert_eq!(
            prop_cast::<bool>(&s["connection"], "autoconnect"),
            Some(&false)
        );
        assert_eq!(
            prop_cast::<Vec<u8>>(&s["802-11-wireless"], "ssid"),
            Some(&b"PROV_abc".to_vec())
        );
        assert_eq!(text(&s, "802-11-wireless", "mode").as_deref(), Some("ap"));
        assert!(!s["802-11-wireless"].contains_key("channel"));
        assert_eq!(text(&s, "ipv4", "method").as_deref(), Some("shared"));
        let data = &s["ipv4"]["address-data"];
        let first = data
            .0
            .as_iter()
            .and_then(|mut i| i.next())
            .expect("one address");
        let mut fields = first.as_iter().expect("a dict").collect::<Vec<_>>();
        let value_of = |fields: &mut Vec<&dyn RefArg>, k: &str| {
            let i = fields.iter().position(|f| f.as_str() == Some(k))?;
            fields.get(i + 1).map(|v| format!("{v:?}"))
        };
        assert!(value_of(&mut fields, "address").is_some_and(|v| v.contains("192.168.4.1")));
        assert!(value_of(&mut fields, "prefix").is_some_and(|v| v.contains("24")));
        assert!(!s.contains_key("802-11-wireless-security"), "open network");
        assert_eq!(data.0.as_iter().map(|i| i.count()), Some(1));
    }

    #[test]
    fn the_captive_dns_address_is_not_in_the_profile() {
        let mut cfg = HotspotConfig::new("uap0", "PROV_abc");
        cfg.captive_dns = Some(Ipv4Addr::new(192, 168, 4, 2));
        let s = hotspot_profile(&cfg, "u");
        let data = format!("{:?}", s["ipv4"]["address-data"]);
        assert!(
            data.contains("192.168.4.1") && !data.contains("192.168.4.2"),
            "{data}"
        );
        assert!(!s["ipv4"].contains_key("dns"), "refused with method=shared");
    }

    #[test]
    fn a_service_key_makes_it_wpa2_psk_on_the_chosen_channel() {
        let mut cfg = HotspotConfig::new("uap0", "PROV_abc");
        cfg.key = Some(Secret::new("softap-key-1".to_owned()));
        cfg.channel = Some(6);
        let s = hotspot_profile(&cfg, "u");
        let sec = &s["802-11-wireless-security"];
        assert_eq!(
            prop_cast::<String>(sec, "key-mgmt").map(String::as_str),
            Some("wpa-psk")
        );
        assert_eq!(
            prop_cast::<String>(sec, "psk").map(String::as_str),
            Some("softap-key-1")
        );
        assert_eq!(
            prop_cast::<Vec<String>>(sec, "proto"),
            Some(&vec!["rsn".to_owned()])
        );
        assert_eq!(prop_cast::<u32>(&s["802-11-wireless"], "channel"), Some(&6));
        assert_eq!(text(&s, "802-11-wireless", "band").as_deref(), Some("bg"));
    }

    #[test]
    fn the_error_never_shows_the_key() {
        let mut cfg = HotspotConfig::new("wlan1", "PROV_abc");
        cfg.key = Some(Secret::new("short".to_owned()));
        let e = cfg.validate().expect_err("too short");
        assert!(!e.to_string().contains("short"), "{e}");
        assert!(!format!("{cfg:?}").contains("short"));
    }

    #[test]
    fn ssids_and_channels_are_checked() {
        assert!(HotspotConfig::new("w", "").validate().is_err());
        assert!(HotspotConfig::new("w", "x".repeat(33)).validate().is_err());
        assert!(HotspotConfig::new("w", "x".repeat(32)).validate().is_ok());
        let mut cfg = HotspotConfig::new("w", "PROV_1");
        cfg.channel = Some(36);
        assert_eq!(cfg.validate(), Err(HotspotError::Channel(36)));
        cfg.channel = Some(11);
        assert_eq!(cfg.validate(), Ok(()));
    }
}
