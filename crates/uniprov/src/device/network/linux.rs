//! Opening the Linux radio backends by name, for the CLI's `--radio` option.
//!
//! | `--radio`        | backend                                  | needs                         |
//! |------------------|------------------------------------------|-------------------------------|
//! | `wpa-supplicant` | [`super::wpa_supplicant::WpaSupplicant`] | a wpa_supplicant control socket |
//! | `networkmanager` | `super::networkmanager::NetworkManager`  | cargo feature `networkmanager` |

use std::path::PathBuf;
use std::sync::Arc;

use super::wpa_supplicant::{WpaConfig, WpaSupplicant};
use super::{NetworkBackend, NetworkError};

/// Where and how to reach the system's Wi-Fi daemon.
#[derive(Debug, Clone, Default)]
pub struct LinuxRadioOptions {
    /// The Wi-Fi interface (`wlan0` when unset).
    pub iface: Option<String>,
    /// wpa_supplicant's control socket (default `/run/wpa_supplicant/<iface>`).
    pub wpa_ctrl: Option<PathBuf>,
    /// A DHCP client the wpa_supplicant backend runs once the link is up (program and
    /// arguments, `{iface}` replaced); `None`: the system does DHCP.
    pub dhcp_command: Option<Vec<String>>,
}

/// The names [`open`] accepts in this build.
pub fn radio_names() -> &'static [&'static str] {
    if cfg!(feature = "networkmanager") {
        &["wpa-supplicant", "networkmanager"]
    } else {
        &["wpa-supplicant"]
    }
}

/// Opens the backend called `name` (`wpa-supplicant`, `networkmanager`); `Ok(None)` for a name
/// that is not a Linux radio of this build.
pub async fn open(
    name: &str,
    opts: &LinuxRadioOptions,
) -> Result<Option<Arc<dyn NetworkBackend>>, NetworkError> {
    let iface = opts.iface.clone().unwrap_or_else(|| "wlan0".to_owned());
    match name {
        "wpa-supplicant" => {
            let path = opts
                .wpa_ctrl
                .clone()
                .unwrap_or_else(|| PathBuf::from("/run/wpa_supplicant").join(&iface));
            let mut cfg = WpaConfig::new(path);
            cfg.dhcp_command = opts.dhcp_command.clone();
            Ok(Some(Arc::new(WpaSupplicant::open(cfg).await?)))
        }
        #[cfg(feature = "networkmanager")]
        "networkmanager" => {
            let cfg = super::networkmanager::NmConfig::new(iface);
            Ok(Some(Arc::new(
                super::networkmanager::NetworkManager::open(cfg).await?,
            )))
        }
        _ => Ok(None),
    }
}
