//! The `uniprov device` options of the Linux radios (`--radio wpa-supplicant|networkmanager`).
//! The device command flattens [`LinuxRadioArgs`] and calls [`LinuxRadioArgs::open`] for a
//! `--radio` name that is not `sim`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use uniprov::device::network::linux::{self, LinuxRadioOptions};
use uniprov::device::network::NetworkBackend;

/// Options of the Linux Wi-Fi backends.
#[derive(Debug, Clone, Default, Args)]
pub struct LinuxRadioArgs {
    /// Wi-Fi interface of the Linux radios.
    #[arg(long = "wifi-iface", value_name = "IFACE", default_value = "wlan0")]
    pub wifi_iface: String,
    /// wpa_supplicant control socket (default /run/wpa_supplicant/<IFACE>).
    #[arg(long = "wpa-ctrl", value_name = "PATH")]
    pub wpa_ctrl: Option<PathBuf>,
    /// DHCP client the wpa-supplicant radio runs once the link is up, e.g.
    /// "udhcpc -i {iface} -n -q -t 5"; default: left to the system.
    #[arg(long = "dhcp-command", value_name = "COMMAND")]
    pub dhcp_command: Option<String>,
}

impl LinuxRadioArgs {
    /// Opens the Linux radio `name`; `Ok(None)` when `name` is not one of this build.
    pub async fn open(&self, name: &str) -> anyhow::Result<Option<Arc<dyn NetworkBackend>>> {
        let opts = LinuxRadioOptions {
            iface: Some(self.wifi_iface.clone()),
            wpa_ctrl: self.wpa_ctrl.clone(),
            dhcp_command: self
                .dhcp_command
                .as_deref()
                .map(|c| c.split_whitespace().map(str::to_owned).collect()),
        };
        linux::open(name, &opts)
            .await
            .with_context(|| format!("opening the {name} radio on {}", self.wifi_iface))
    }
}
