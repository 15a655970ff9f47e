//! The SoftAP's own interface: whether a Wi-Fi radio can run an access point beside its station
//! (AP+STA, as an ESP32 does while provisioning), and the AP interface made for it.
//!
//! The answer comes from the driver's *valid interface combinations* as nl80211 reports them
//! (`iw phy PHY info`): one combination must allow a `managed` and an `AP` interface at once.
//! Such a radio gets a second interface, `iw dev STATION interface add uapN type __ap addr MAC`
//! (an address of its own: mac80211 refuses an AP with the station's address), removed
//! again when the SoftAP ends ([`ApInterface::remove`], and on drop for every other exit path).
//! Many radios (hwsim, brcmfmac, most USB dongles' drivers) allow both only on **one channel**
//! (`#channels <= 1`): the hotspot then has to be on the home network's channel.

use std::process::Command;

use tracing::{info, warn};

/// One valid interface combination, as far as AP+STA cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApStaCombination {
    /// How many different channels the interfaces may use at once (`#channels <= N`).
    pub channels: u32,
}

/// The best combination allowing a station and an access point at once (most channels), or
/// `None` when no combination does. `info` is the output of `iw phy PHY info` (or `iw list`
/// for one radio).
pub fn ap_sta_combination(info: &str) -> Option<ApStaCombination> {
    combinations(info)
        .iter()
        .filter_map(|c| parse_combination(c))
        .max_by_key(|c| c.channels)
}

/// The text of each combination (a `* ` line and its continuation lines) of the
/// `valid interface combinations:` section.
fn combinations(info: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut section_indent = None;
    for line in info.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        match section_indent {
            None => {
                if text.starts_with("valid interface combinations") {
                    section_indent = Some(indent);
                }
            }
            Some(header) => {
                if text.is_empty() || indent <= header {
                    break;
                }
                if let Some(rest) = text.strip_prefix("* ") {
                    out.push(rest.to_owned());
                } else if let Some(last) = out.last_mut() {
                    last.push(' ');
                    last.push_str(text);
                }
            }
        }
    }
    out
}

/// `#{ managed } <= 1, #{ AP, P2P-client } <= 1, total <= 2, #channels <= 1`: AP+STA when a
/// station and an AP fit in the groups (two slots when one group holds both) and in the total.
fn parse_combination(text: &str) -> Option<ApStaCombination> {
    let mut groups: Vec<(Vec<String>, u32)> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("#{") {
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let types = after[..end]
            .split(',')
            .map(|t| t.trim().to_owned())
            .collect();
        let limit = number_after(&after[end..], "<=")?;
        groups.push((types, limit));
        rest = &after[end..];
    }
    let total = rest_value(text, "total <=").unwrap_or(u32::MAX);
    let channels = rest_value(text, "#channels <=").unwrap_or(1);
    let holds = |ty: &str| {
        groups
            .iter()
            .position(|(types, limit)| *limit > 0 && types.iter().any(|t| t == ty))
    };
    let (sta, ap) = (holds("managed")?, holds("AP")?);
    let fits = if sta == ap { groups[sta].1 >= 2 } else { true };
    (fits && total >= 2).then_some(ApStaCombination { channels })
}

fn number_after(text: &str, marker: &str) -> Option<u32> {
    let at = text.find(marker)? + marker.len();
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn rest_value(text: &str, marker: &str) -> Option<u32> {
    text.find(marker)
        .and_then(|at| number_after(&text[at..], marker))
}

/// What the station's radio can do for a SoftAP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RadioRoles {
    /// AP and station at once (on at most `channels` channels).
    ApSta {
        /// The radio (`phy0`).
        phy: String,
        /// `#channels <= N` of the best combination.
        channels: u32,
    },
    /// One role at a time, and why (no combination, or the radio could not be asked).
    OneRole(String),
}

/// Asks nl80211 (through `iw`) what the radio of `station` can do.
pub fn probe(station: &str) -> RadioRoles {
    let phy_file = format!("/sys/class/net/{station}/phy80211/name");
    let phy = match std::fs::read_to_string(&phy_file) {
        Ok(p) => p.trim().to_owned(),
        Err(e) => return RadioRoles::OneRole(format!("{station} is no Wi-Fi interface ({e})")),
    };
    let output = match Command::new("iw").args(["phy", &phy, "info"]).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => return RadioRoles::OneRole(format!("`iw phy {phy} info` failed: {}", o.status)),
        Err(e) => return RadioRoles::OneRole(format!("cannot run `iw` ({e})")),
    };
    match ap_sta_combination(&String::from_utf8_lossy(&output.stdout)) {
        Some(c) => RadioRoles::ApSta {
            phy,
            channels: c.channels,
        },
        None => RadioRoles::OneRole(format!(
            "no valid interface combination of {phy} allows an AP beside a station"
        )),
    }
}

/// A MAC address for the AP interface beside `station`: the station's with the locally
/// administered bit set and the last byte changed, the first such address no interface of this
/// machine has. `None` when the station's address cannot be read (iw then copies it).
fn own_address(station: &str) -> Option<String> {
    let station_addr = std::fs::read_to_string(format!("/sys/class/net/{station}/address")).ok()?;
    let taken: Vec<String> = std::fs::read_dir("/sys/class/net")
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| std::fs::read_to_string(e.path().join("address")).ok())
                .map(|a| a.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    ap_address(station_addr.trim(), &taken)
}

/// The AP address for a station address `aa:bb:cc:dd:ee:ff`, avoiding `taken`.
fn ap_address(station: &str, taken: &[String]) -> Option<String> {
    let mut bytes = [0u8; 6];
    let mut parts = station.split(':');
    for b in &mut bytes {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    // Locally administered, unicast.
    bytes[0] = (bytes[0] | 0x02) & !0x01;
    let last = bytes[5];
    (1..=255u8).find_map(|flip| {
        bytes[5] = last ^ flip;
        let text = bytes.map(|b| format!("{b:02x}")).join(":");
        (!taken.contains(&text)).then_some(text)
    })
}

/// An AP interface this process created; removed by [`ApInterface::remove`] or on drop.
#[derive(Debug)]
pub struct ApInterface {
    name: String,
    removed: bool,
}

/// Why the AP interface could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot add the AP interface {name} to {station}: {why}")]
pub struct ApInterfaceError {
    name: String,
    station: String,
    why: String,
}

impl ApInterface {
    /// Adds an AP interface beside `station`: the first free name of `uap0` ... `uap9`.
    pub fn create(station: &str) -> Result<Self, ApInterfaceError> {
        let name = (0..10)
            .map(|i| format!("uap{i}"))
            .find(|n| !std::path::Path::new(&format!("/sys/class/net/{n}")).exists())
            .unwrap_or_else(|| "uap9".to_owned());
        let error = |why: String| ApInterfaceError {
            name: name.clone(),
            station: station.to_owned(),
            why,
        };
        let mut args = vec!["dev", station, "interface", "add", &name, "type", "__ap"];
        // mac80211 refuses to bring up an AP interface with the address of the running
        // station on the same radio (ENOTUNIQ: wpa_supplicant then "couldn't grab" it), and
        // `interface add` copies the station's address: give the AP one of its own.
        let addr = own_address(station);
        if let Some(addr) = &addr {
            args.extend(["addr", addr.as_str()]);
        }
        let output = Command::new("iw")
            .args(&args)
            .output()
            .map_err(|e| error(e.to_string()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            return Err(error(format!("{} {stderr}", output.status)));
        }
        info!(iface = %name, %station, "AP interface added beside the station");
        Ok(ApInterface {
            name,
            removed: false,
        })
    }

    /// The interface's name (`uap0`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Deletes the interface (`iw dev NAME del`). Idempotent.
    pub fn remove(&mut self) {
        if std::mem::replace(&mut self.removed, true) {
            return;
        }
        match Command::new("iw").args(["dev", &self.name, "del"]).output() {
            Ok(o) if o.status.success() => info!(iface = %self.name, "AP interface removed"),
            Ok(o) => {
                warn!(iface = %self.name, status = %o.status, "cannot remove the AP interface")
            }
            Err(e) => warn!(iface = %self.name, error = %e, "cannot remove the AP interface"),
        }
    }
}

impl Drop for ApInterface {
    fn drop(&mut self) {
        self.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ap_gets_its_own_locally_administered_address() {
        let taken = vec![
            "02:00:00:00:01:00".to_owned(),
            "02:00:00:00:01:01".to_owned(),
        ];
        assert_eq!(
            ap_address("02:00:00:00:01:00", &taken).as_deref(),
            Some("02:00:00:00:01:02")
        );
        assert_eq!(
            ap_address("b8:27:eb:12:34:56", &[]).as_deref(),
            Some("ba:27:eb:12:34:57")
        );
        assert_eq!(ap_address("not a mac", &[]), None);
        assert_eq!(ap_address("02:00:00:00:01", &[]), None);
    }

    const HWSIM: &str = "Wiphy phy1
\tmax # scan SSIDs: 255
\tSupported interface modes:
\t\t * managed
\t\t * AP
\tvalid interface combinations:
\t\t * #{ managed } <= 2048, #{ AP, mesh point } <= 16, #{ P2P-client, P2P-GO } <= 2048, #{ P2P-device } <= 1,
\t\t   total <= 2048, #channels <= 1, STA/AP BI must match, radar detect widths: { 20 MHz (no HT), 20 MHz }

\tHT Capability overrides:
";

    const STA_ONLY: &str = "Wiphy phy0
\tvalid interface combinations:
\t\t * #{ managed } <= 1, #{ P2P-device } <= 1, #{ P2P-client, P2P-GO } <= 1,
\t\t   total <= 3, #channels <= 2
\tDevice supports TX status socket option.
";

    const TWO_COMBOS: &str = "Wiphy phy0
\tvalid interface combinations:
\t\t * #{ managed } <= 1, #{ P2P-device } <= 1, #{ P2P-client, P2P-GO } <= 1,
\t\t   total <= 3, #channels <= 2
\t\t * #{ managed } <= 1, #{ AP } <= 1, #{ P2P-client } <= 1, #{ P2P-device } <= 1,
\t\t   total <= 4, #channels <= 1
\tDevice supports SAE with AUTHENTICATOR offload in AP mode.
";

    #[test]
    fn hwsim_runs_ap_and_station_on_one_channel() {
        assert_eq!(
            ap_sta_combination(HWSIM),
            Some(ApStaCombination { channels: 1 })
        );
    }

    #[test]
    fn a_station_only_radio_has_no_ap_sta() {
        assert_eq!(ap_sta_combination(STA_ONLY), None);
        assert_eq!(
            ap_sta_combination("Wiphy phy0\n\tSupported interface modes:\n"),
            None
        );
    }

    #[test]
    fn the_combination_with_an_ap_is_found_among_several() {
        assert_eq!(
            ap_sta_combination(TWO_COMBOS),
            Some(ApStaCombination { channels: 1 })
        );
    }

    #[test]
    fn one_group_for_both_roles_needs_two_slots_and_the_total_must_allow_two() {
        let shared = "\tvalid interface combinations:\n\t\t * #{ managed, AP } <= 1, total <= 1, #channels <= 1\n";
        assert_eq!(ap_sta_combination(shared), None);
        let two = "\tvalid interface combinations:\n\t\t * #{ managed, AP } <= 2, total <= 2, #channels <= 2\n";
        assert_eq!(
            ap_sta_combination(two),
            Some(ApStaCombination { channels: 2 })
        );
        let total = "\tvalid interface combinations:\n\t\t * #{ managed } <= 1, #{ AP } <= 1, total <= 1, #channels <= 1\n";
        assert_eq!(ap_sta_combination(total), None);
    }
}
