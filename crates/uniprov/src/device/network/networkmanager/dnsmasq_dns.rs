//! Points the hotspot's DHCP clients at the captive portal's DNS responder
//! (`network::captive_dns`) for the moment NetworkManager starts the hotspot's dnsmasq.
//!
//! NetworkManager 1.42 (Debian 12) refuses `ipv4.dns` on a `method=shared` profile ("this
//! property is not allowed for 'method=shared'"), and its dnsmasq, bound to the hotspot's first
//! address, hands itself out as the clients' DNS server. What it does read is
//! `/etc/NetworkManager/dnsmasq-shared.d/` (`--conf-dir`, at dnsmasq's start only). So, just
//! for the activation, a file there holds one line:
//!
//! ```text
//! dhcp-option=tag:<iface>,option:dns-server,192.168.4.2
//! ```
//!
//! dnsmasq tags every DHCP request with the name of the interface it arrived on, so the line
//! changes nothing for any other shared connection, even one started while the file exists.
//! The file is removed as soon as the activation ended (dnsmasq has read it by then), when
//! dropped, and a stale one of an earlier, killed run is replaced.
//!
//! The responder's address itself ([`add_address`]): NetworkManager's shared mode configures
//! only the profile's *first* address (a second one in `address-data` is ignored, seen in the
//! radio lab), so the device adds `192.168.4.2/32` to the hotspot's interface with `ip` once the
//! hotspot is up and deletes it when the hotspot goes down. NetworkManager leaves addresses it
//! did not configure alone.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// Where NetworkManager's shared-mode dnsmasq reads extra configuration.
pub const SHARED_DNSMASQ_DIR: &str = "/etc/NetworkManager/dnsmasq-shared.d";

/// The line for `iface`'s DHCP clients; `None` for a name that is not a plain interface name
/// (letters, digits, `-`, `_`, `.`; at most 15 bytes), which could not be a dnsmasq tag.
pub fn dns_server_line(iface: &str, dns: Ipv4Addr) -> Option<String> {
    let plain = !iface.is_empty()
        && iface.len() <= 15
        && iface
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plain.then(|| format!("dhcp-option=tag:{iface},option:dns-server,{dns}\n"))
}

/// The drop-in file while it exists; removed on drop.
#[derive(Debug)]
pub struct DnsDropIn {
    path: PathBuf,
}

impl DnsDropIn {
    /// Writes `dir/uniprov-captive-<iface>.conf` (creating `dir` if needed).
    pub fn write(dir: &Path, iface: &str, dns: Ipv4Addr) -> std::io::Result<Self> {
        let line = dns_server_line(iface, dns).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{iface:?} is not a plain interface name"),
            )
        })?;
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("uniprov-captive-{iface}.conf"));
        let temp = dir.join(format!(".uniprov-captive-{iface}.conf.tmp"));
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(
            b"# uniprov device --softap: the captive portal's DNS for this hotspot's DHCP clients.\n\
              # Present only while NetworkManager starts the hotspot; safe to delete.\n",
        )?;
        file.write_all(line.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, &path)?;
        Ok(DnsDropIn { path })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DnsDropIn {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_file(&self.path) {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), %error, "cannot remove the dnsmasq drop-in");
            }
        }
    }
}

/// `ip -4 address replace ADDRESS/32 dev IFACE` (idempotent).
pub async fn add_address(iface: &str, address: Ipv4Addr) -> std::io::Result<()> {
    ip(&[
        "-4",
        "address",
        "replace",
        &format!("{address}/32"),
        "dev",
        iface,
    ])
    .await
}

/// `ip -4 address del ADDRESS/32 dev IFACE`.
pub async fn remove_address(iface: &str, address: Ipv4Addr) -> std::io::Result<()> {
    ip(&[
        "-4",
        "address",
        "del",
        &format!("{address}/32"),
        "dev",
        iface,
    ])
    .await
}

async fn ip(args: &[&str]) -> std::io::Result<()> {
    let output = tokio::process::Command::new("ip")
        .args(args)
        .kill_on_drop(true)
        .output()
        .await?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(std::io::Error::other(format!(
        "ip {}: {}",
        args.join(" "),
        stderr.trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DNS: Ipv4Addr = Ipv4Addr::new(192, 168, 4, 2);

    #[test]
    fn the_line_is_scoped_to_the_hotspot_interface() {
        assert_eq!(
            dns_server_line("uap0", DNS).as_deref(),
            Some("dhcp-option=tag:uap0,option:dns-server,192.168.4.2\n")
        );
        for bad in [
            "",
            "wlan0\nport=0",
            "a,b",
            "a b",
            "x".repeat(16).as_str(),
            "tag:x",
        ] {
            assert_eq!(dns_server_line(bad, DNS), None, "{bad:?}");
        }
    }

    #[test]
    fn the_file_exists_while_held_and_goes_with_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let shared = dir.path().join("dnsmasq-shared.d");
        let dropin = DnsDropIn::write(&shared, "uap0", DNS).expect("write");
        let text = std::fs::read_to_string(dropin.path()).expect("read");
        assert!(text.ends_with("dhcp-option=tag:uap0,option:dns-server,192.168.4.2\n"));
        assert_eq!(
            std::fs::read_dir(&shared).expect("dir").count(),
            1,
            "no temp file left"
        );
        // A stale file of a killed run is replaced.
        let again = DnsDropIn::write(&shared, "uap0", DNS).expect("rewrite");
        drop(dropin);
        assert!(
            !again.path().exists(),
            "one path: dropping either removes it"
        );
        drop(again);
        assert_eq!(std::fs::read_dir(&shared).expect("dir").count(), 0);
    }
}
