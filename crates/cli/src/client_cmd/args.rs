//! The options of the client subcommands, in esp_prov's spelling (`--service_name`) and the
//! usual one (`--service-name`): [`ConnArgs`] (connection and security), which every
//! subcommand takes, and [`NetworkArgs`] (what to provision), which only `provision` and
//! esp_prov's flag-only form take, so that `uniprov scan --reset` does not parse.

use std::time::Duration;

use clap::{Args, ValueEnum};
use uniprov::client::manifest::parse_hex;
use uniprov::client::{
    ClientError, ClientOptions, NetworkCredentials, SecurityRequest, Target, DEFAULT_HTTP_SERVICE,
};
use uniprov::core::qr::QrTransport;
use uniprov::core::security::SecVer;
use uniprov::core::Secret;

use super::qr::QrOptions;

/// `--transport` values (esp_prov's, plus `http`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    /// HTTP to a device in SoftAP mode (default address 192.168.4.1:80).
    Softap,
    /// HTTP on any network: a `uniprov device`, an ESP on your LAN (same as softap).
    Http,
    /// HTTP on any network interface (esp_prov's name; same as http).
    Httpd,
    /// Bluetooth Low Energy.
    Ble,
    /// Console lines: --exec, --serial, or typed by hand.
    Console,
}

impl From<QrTransport> for TransportArg {
    fn from(transport: QrTransport) -> Self {
        match transport {
            QrTransport::Ble => TransportArg::Ble,
            QrTransport::Softap => TransportArg::Softap,
        }
    }
}

/// Connection and security options. The `display_order`s here and in [`NetworkArgs`] (2 to
/// 21; clap breaks ties by name, so `custom`'s `--hex` (2) still comes first, and the options
/// after these take 22) keep `--help` listing the options, and the global `--json` and `-v`
/// (22 and 23), in the order they had as one struct.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnArgs {
    /// Transport to the device.
    #[arg(long, value_enum, display_order = 2)]
    pub transport: Option<TransportArg>,
    /// HTTP host[:port] (default 192.168.4.1:80), or the BLE device name.
    #[arg(
        long = "service-name",
        alias = "service_name",
        value_name = "NAME",
        display_order = 3
    )]
    pub service_name: Option<String>,
    /// Security scheme; default: what the device's proto-ver says.
    #[arg(long = "sec-ver", alias = "sec_ver", value_parser = crate::sec_ver_arg::parser(), display_order = 4)]
    pub sec_ver: Option<SecVer>,
    /// Security 1 proof of possession.
    #[arg(long, env = "UNIPROV_POP", hide_env_values = true, display_order = 5)]
    pub pop: Option<String>,
    /// Security 2 username (default: `wifiprov`, like the device and the ESP apps).
    #[arg(
        long = "sec2-username",
        alias = "sec2_username",
        value_name = "USER",
        display_order = 6
    )]
    pub sec2_username: Option<String>,
    /// Security 2 password.
    #[arg(
        long = "sec2-pwd",
        alias = "sec2_pwd",
        value_name = "PASSWORD",
        env = "UNIPROV_SEC2_PWD",
        hide_env_values = true,
        display_order = 7
    )]
    pub sec2_pwd: Option<String>,
    /// BLE adapter (hci0); default: the first one.
    #[arg(
        long = "ble-adapter",
        alias = "ble_adapter",
        value_name = "NAME",
        display_order = 14
    )]
    pub ble_adapter: Option<String>,
    /// QR payload of the device (its JSON, or the jumpstart URL, also percent-encoded): fills
    /// transport, name, PoP/username, security.
    #[arg(long, value_name = "PAYLOAD", display_order = 15)]
    pub qr: Option<String>,
    /// Console transport: run this command and talk to its stdin/stdout.
    #[arg(
        long,
        value_name = "COMMAND",
        conflicts_with = "serial",
        display_order = 16
    )]
    pub exec: Option<String>,
    /// Console transport: serial port.
    #[arg(long, value_name = "PATH", display_order = 17)]
    pub serial: Option<String>,
    /// Serial speed.
    #[arg(long, default_value_t = 115_200, display_order = 18)]
    pub baud: u32,
    /// Console transport: the longest line, CR included, the device's console takes
    /// (default: 255 with --serial, ESP-IDF's line buffer; 16385 with --exec, uniprov's).
    #[arg(long = "console-max-line", value_name = "BYTES", display_order = 19)]
    pub console_max_line: Option<usize>,
    /// Seconds to wait for one response and for the device to join the network
    /// (defaults: 30 and 60).
    #[arg(long, value_name = "SECONDS", display_order = 20)]
    pub timeout: Option<f64>,
    /// Check that proto-ver's `prov.ver` is this (esp_prov's --proto_ver).
    #[arg(
        long = "proto-ver",
        alias = "proto_ver",
        value_name = "VERSION",
        display_order = 21
    )]
    pub proto_ver: Option<String>,
}

/// What to provision: network credentials, custom data, or a control command instead.
#[derive(Debug, Clone, Default, Args)]
pub struct NetworkArgs {
    /// Wi-Fi network to join; without it the device scans and you pick one.
    #[arg(long, display_order = 8)]
    pub ssid: Option<String>,
    /// Wi-Fi passphrase (empty: open network).
    #[arg(
        long,
        env = "UNIPROV_PASSPHRASE",
        hide_env_values = true,
        display_order = 9
    )]
    pub passphrase: Option<String>,
    /// Data for the device's `custom-data` endpoint, sent before the credentials.
    #[arg(
        long = "custom-data",
        alias = "custom_data",
        value_name = "STRING",
        display_order = 10
    )]
    pub custom_data: Option<String>,
    /// Reset the device's provisioning state (prov-ctrl) and exit.
    #[arg(long, display_order = 11)]
    pub reset: bool,
    /// Restart provisioning on a provisioned device (prov-ctrl) and exit.
    #[arg(long, conflicts_with = "reset", display_order = 12)]
    pub reprov: bool,
    /// Thread operational dataset (hex TLVs) instead of Wi-Fi credentials.
    #[arg(
        long = "dataset-tlvs",
        alias = "dataset_tlvs",
        value_name = "HEX",
        display_order = 13
    )]
    pub dataset_tlvs: Option<String>,
}

/// Everything the connection options say, resolved (QR merged, explicit flags winning).
#[derive(Debug)]
pub struct Resolved {
    /// The device.
    pub target: Target,
    /// The security request.
    pub security: SecurityRequest,
    /// Timeouts.
    pub options: ClientOptions,
    /// Notes for people (the QR names a SoftAP network to join first, ...).
    pub notes: Vec<String>,
}

fn usage(message: impl Into<String>) -> ClientError {
    ClientError::Usage(message.into())
}

impl ConnArgs {
    /// Resolves the target and the security.
    pub fn resolve(&self) -> Result<Resolved, ClientError> {
        let qr = match &self.qr {
            Some(text) => Some(QrOptions::parse(text)?),
            None => None,
        };
        let mut notes = Vec::new();
        let target = self.target(qr.as_ref(), &mut notes)?;
        let security = self.security(qr.as_ref());
        Ok(Resolved {
            target,
            security,
            options: self.device_options()?,
            notes,
        })
    }

    /// Timeouts from `--timeout`.
    pub fn device_options(&self) -> Result<ClientOptions, ClientError> {
        let mut options = ClientOptions::default();
        if let Some(seconds) = self.timeout {
            let timeout = Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| usage("--timeout must be a positive number of seconds"))?;
            options.request_timeout = timeout;
            options.connect_timeout = timeout;
        }
        options.console_max_line = self.console_max_line;
        Ok(options)
    }

    fn target(
        &self,
        qr: Option<&QrOptions>,
        notes: &mut Vec<String>,
    ) -> Result<Target, ClientError> {
        let transport = self.transport.or(match (&self.exec, &self.serial) {
            (Some(_), _) | (_, Some(_)) => Some(TransportArg::Console),
            _ => qr.map(|q| TransportArg::from(q.transport)),
        });
        let name = self.service_name.clone();
        Ok(match transport.unwrap_or(TransportArg::Softap) {
            TransportArg::Softap | TransportArg::Http | TransportArg::Httpd => {
                if let (Some(qr), None) = (qr, &name) {
                    if qr.transport == QrTransport::Softap {
                        notes.push(format!(
                            "join the device's Wi-Fi network {:?} first; connecting to {DEFAULT_HTTP_SERVICE}",
                            qr.name
                        ));
                    }
                }
                Target::Http {
                    authority: name.unwrap_or_else(|| DEFAULT_HTTP_SERVICE.to_owned()),
                }
            }
            TransportArg::Ble => {
                let name = name
                    .or_else(|| {
                        qr.filter(|q| q.transport == QrTransport::Ble)
                            .map(|q| q.name.clone())
                    })
                    .ok_or_else(|| {
                        usage("--transport ble needs --service_name DEVICE_NAME (or --qr)")
                    })?;
                Target::Ble {
                    name,
                    adapter: self.ble_adapter.clone(),
                }
            }
            TransportArg::Console => match (&self.exec, &self.serial) {
                (Some(command), _) => Target::ConsoleExec {
                    command: command.clone(),
                },
                (None, Some(path)) => Target::ConsoleSerial {
                    path: path.clone(),
                    baud: self.baud,
                },
                (None, None) => Target::ConsoleInteractive,
            },
        })
    }

    fn security(&self, qr: Option<&QrOptions>) -> SecurityRequest {
        let bytes = |s: &String| Secret::new(s.clone().into_bytes());
        let mut request = SecurityRequest {
            sec_ver: self.sec_ver,
            pop: self.pop.as_ref().map(bytes),
            username: self.sec2_username.clone(),
            password: self.sec2_pwd.as_ref().map(bytes),
            expected: None,
            default_username: Some(super::qr::APP_DEFAULT_USERNAME.to_owned()),
        };
        if let Some(qr) = qr {
            qr.fill(&mut request);
        }
        request
    }
}

impl NetworkArgs {
    /// Credentials from `--ssid`/`--passphrase` or `--dataset_tlvs`; `None` when neither.
    pub fn credentials(&self) -> Result<Option<NetworkCredentials>, ClientError> {
        let credentials = match (&self.ssid, &self.dataset_tlvs) {
            (Some(_), Some(_)) => {
                return Err(usage("give either --ssid or --dataset_tlvs, not both"))
            }
            (Some(ssid), None) => NetworkCredentials::wifi(
                ssid.clone().into_bytes(),
                Secret::new(self.passphrase.clone().unwrap_or_default().into_bytes()),
            )?,
            (None, Some(hex)) => NetworkCredentials::thread(Secret::new(
                parse_hex(hex).map_err(|e| usage(format!("--dataset_tlvs: {e}")))?,
            ))?,
            (None, None) => return Ok(None),
        };
        Ok(Some(credentials))
    }
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
