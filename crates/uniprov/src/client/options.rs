//! What to connect to and what to send: transport targets, network credentials, timeouts.

use std::fmt;
use std::time::Duration;

use uniprov_core::messages::NetworkKind;
use uniprov_core::Secret;

use super::error::ClientError;

/// The default HTTP address of a device in SoftAP mode (§9.1).
pub const DEFAULT_HTTP_SERVICE: &str = "192.168.4.1:80";

/// The kind of link, which decides transport-specific defaults (scan paging, channel grouping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP (SoftAP scheme or any network interface).
    Http,
    /// BLE GATT.
    Ble,
    /// Console lines (a child process, a serial port, or this terminal).
    Console,
}

impl TransportKind {
    /// Scan results per request: 4 on BLE (every client does so, it fits the smallest GATT
    /// value limit, §10.6), everything at once elsewhere.
    pub fn scan_page_size(self) -> u32 {
        match self {
            TransportKind::Ble => 4,
            TransportKind::Http | TransportKind::Console => u32::MAX,
        }
    }

    /// ScanStart `group_channels`: 5 on SoftAP so the access point keeps beaconing between
    /// channel groups (esp_prov), 0 (all channels at once) elsewhere.
    pub fn scan_group_channels(self) -> u32 {
        match self {
            TransportKind::Http => 5,
            TransportKind::Ble | TransportKind::Console => 0,
        }
    }
}

/// Where the device is and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// HTTP to `host[:port]` (port 80 when absent).
    Http {
        /// `host[:port]`.
        authority: String,
    },
    /// BLE to the device advertising this exact name.
    Ble {
        /// Advertised local name.
        name: String,
        /// Adapter name (`hci0`); the first adapter when `None`.
        adapter: Option<String>,
    },
    /// Console protocol over the standard input and output of a child process.
    ConsoleExec {
        /// Shell command line of the child.
        command: String,
    },
    /// Console protocol over a serial port.
    ConsoleSerial {
        /// Device path (`/dev/ttyUSB0`).
        path: String,
        /// Baud rate.
        baud: u32,
    },
    /// Console protocol typed by a person: requests are printed, responses pasted back
    /// (esp_prov's console transport).
    ConsoleInteractive,
}

impl Target {
    /// The kind of link.
    pub fn kind(&self) -> TransportKind {
        match self {
            Target::Http { .. } => TransportKind::Http,
            Target::Ble { .. } => TransportKind::Ble,
            Target::ConsoleExec { .. }
            | Target::ConsoleSerial { .. }
            | Target::ConsoleInteractive => TransportKind::Console,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Http { authority } => write!(f, "http://{authority}"),
            Target::Ble {
                name,
                adapter: Some(a),
            } => write!(f, "ble:{name} (via {a})"),
            Target::Ble {
                name,
                adapter: None,
            } => write!(f, "ble:{name}"),
            // Only the program's name: the arguments may hold a device's PoP or password
            // (`--sec2-pwd`), and this text reaches the human output, `--json` and reports.
            Target::ConsoleExec { command } => {
                write!(f, "console: {} (arguments hidden)", program_name(command))
            }
            Target::ConsoleSerial { path, baud } => write!(f, "serial:{path}@{baud}"),
            Target::ConsoleInteractive => f.write_str("console (interactive)"),
        }
    }
}

/// The file name of the program a shell command line starts (`/usr/bin/foo --x y` → `foo`),
/// without quotes; leading `NAME=value` assignments (which may be secrets) are skipped; `sh`
/// when nothing is left.
fn program_name(command: &str) -> &str {
    command
        .split_whitespace()
        .find(|word| !word.contains('='))
        .map(|word| word.trim_matches(|c| c == '\'' || c == '"'))
        .and_then(|word| word.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .unwrap_or("sh")
}

/// The credentials to give the device, checked once when built: an SSID of 1 to 32 bytes with
/// a passphrase that is empty (open network), 8 to 63 bytes or 64 hex digits; or a Thread
/// dataset of 1 to 254 bytes.
#[derive(Debug)]
pub struct NetworkCredentials(Credentials);

/// The checked credentials (private so that only the constructors make them).
#[derive(Debug)]
pub(crate) enum Credentials {
    /// Wi-Fi.
    Wifi {
        /// SSID bytes.
        ssid: Vec<u8>,
        /// Passphrase.
        passphrase: Secret<Vec<u8>>,
    },
    /// A Thread operational dataset (TLVs).
    Thread {
        /// The dataset.
        dataset: Secret<Vec<u8>>,
    },
}

impl NetworkCredentials {
    /// Wi-Fi credentials; fails ([`ClientError::Usage`]) when the SSID or passphrase cannot be
    /// valid.
    pub fn wifi(ssid: Vec<u8>, passphrase: Secret<Vec<u8>>) -> Result<Self, ClientError> {
        if ssid.is_empty() || ssid.len() > 32 {
            return Err(ClientError::Usage(format!(
                "the SSID must be 1 to 32 bytes long (got {})",
                ssid.len()
            )));
        }
        let len = passphrase.expose().len();
        let raw_psk = len == 64 && passphrase.expose().iter().all(u8::is_ascii_hexdigit);
        if !raw_psk && (len > 63 || (1..8).contains(&len)) {
            return Err(ClientError::Usage(format!(
                "the passphrase must be empty (open network), 8 to 63 bytes long, or a raw PSK of 64 hex digits (got {len} bytes)"
            )));
        }
        Ok(NetworkCredentials(Credentials::Wifi { ssid, passphrase }))
    }

    /// A Thread dataset; fails ([`ClientError::Usage`]) when it is empty or too long.
    pub fn thread(dataset: Secret<Vec<u8>>) -> Result<Self, ClientError> {
        let len = dataset.expose().len();
        if len == 0 || len > 254 {
            return Err(ClientError::Usage(format!(
                "the Thread dataset must be 1 to 254 bytes long (got {len})"
            )));
        }
        Ok(NetworkCredentials(Credentials::Thread { dataset }))
    }

    /// The network these credentials are for.
    pub fn network(&self) -> NetworkKind {
        match self.0 {
            Credentials::Wifi { .. } => NetworkKind::Wifi,
            Credentials::Thread { .. } => NetworkKind::Thread,
        }
    }

    /// The SSID of Wi-Fi credentials.
    pub fn ssid(&self) -> Option<&[u8]> {
        match &self.0 {
            Credentials::Wifi { ssid, .. } => Some(ssid),
            Credentials::Thread { .. } => None,
        }
    }

    /// The dataset of Thread credentials.
    pub fn dataset(&self) -> Option<&Secret<Vec<u8>>> {
        match &self.0 {
            Credentials::Thread { dataset } => Some(dataset),
            Credentials::Wifi { .. } => None,
        }
    }

    pub(crate) fn checked(&self) -> &Credentials {
        &self.0
    }
}

/// Timeouts and tuning of a [`RemoteDevice`](super::RemoteDevice).
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Longest wait for one response (a blocking scan answers only when the scan is done).
    pub request_timeout: Duration,
    /// Longest wait for the device to join the network after apply.
    pub connect_timeout: Duration,
    /// Scan results per request; `None` = the transport's default (4 on BLE, all on HTTP).
    pub scan_page_size: Option<u32>,
    /// First status poll interval after apply; doubles up to `poll_max`.
    pub poll_initial: Duration,
    /// Longest interval between status polls.
    pub poll_max: Duration,
    /// Console transports: the longest request line the device's console takes, CR included.
    /// `None`: 255 on a serial port (an ESP32, §9.3), 16385 with a child process (a
    /// `uniprov device`). See [`ConsoleClientConfig::max_line`](super::transport::ConsoleClientConfig).
    pub console_max_line: Option<usize>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(60),
            scan_page_size: None,
            poll_initial: Duration::from_millis(50),
            poll_max: Duration::from_secs(1),
            console_max_line: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_command_line_shows_only_the_program() {
        for (command, shown) in [
            (
                "'/usr/bin/uniprov' 'device' '--sec2-pwd' 'secret'",
                "console: uniprov (arguments hidden)",
            ),
            (
                "UNIPROV_SEC2_PWD=secret ./dev --pop x",
                "console: dev (arguments hidden)",
            ),
            ("", "console: sh (arguments hidden)"),
        ] {
            let target = Target::ConsoleExec {
                command: command.into(),
            };
            assert_eq!(target.to_string(), shown);
        }
    }
}
