//! Provisioning many devices from a CSV manifest, concurrently.
//!
//! The manifest is a CSV file with a header row. Columns (any order; all but `transport`
//! may be left out or left empty):
//!
//! | Column | Meaning |
//! |---|---|
//! | `transport` | `softap`, `httpd`, `http`, `ble` or `console` (required) |
//! | `service_name` | HTTP `host[:port]` (default `192.168.4.1:80`), or the BLE device name |
//! | `sec_ver` | `0`, `1` or `2`; empty = from the device's proto-ver |
//! | `pop` | security 1 proof of possession |
//! | `username`, `password` | security 2 credentials |
//! | `ssid`, `passphrase` | Wi-Fi network |
//! | `network` | `wifi` or `thread`; empty = `thread` when `dataset_tlvs` is set, else `wifi` |
//! | `dataset_tlvs` | Thread operational dataset, hex |
//! | `exec` | console transport: the command whose stdin/stdout speak the console protocol |
//! | `serial`, `baud` | console transport: serial port and baud rate (default 115200) |
//! | `ble_adapter` | BLE adapter (`hci0`) |
//!
//! Lines starting with `#` are comments. Each row is one device; one failing row does not
//! stop the others.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::Semaphore;
use uniprov_core::security::SecVer;
use uniprov_core::{Entropy, Secret};

use super::error::ClientError;
use super::flow::{self, Action, Job, Silent};
use super::negotiate::SecurityRequest;
use super::options::{ClientOptions, NetworkCredentials, Target, DEFAULT_HTTP_SERVICE};
use super::report::Report;

/// The serial speed when a row names a port but no `baud`.
pub const DEFAULT_BAUD: u32 = 115_200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    transport: String,
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    sec_ver: Option<String>,
    #[serde(default)]
    pop: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    ssid: Option<String>,
    #[serde(default)]
    passphrase: Option<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    dataset_tlvs: Option<String>,
    #[serde(default)]
    exec: Option<String>,
    #[serde(default)]
    serial: Option<String>,
    #[serde(default)]
    baud: Option<String>,
    #[serde(default)]
    ble_adapter: Option<String>,
}

/// One validated manifest row.
#[derive(Debug)]
pub struct Entry {
    /// 1-based line number in the file (header = line 1).
    pub line: u64,
    /// The device.
    pub target: Target,
    /// Its security.
    pub security: SecurityRequest,
    /// Its network.
    pub credentials: NetworkCredentials,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

fn secret(value: Option<String>) -> Option<Secret<Vec<u8>>> {
    non_empty(value).map(|v| Secret::new(v.into_bytes()))
}

/// Parses a transport name as esp_prov spells it (`softap`/`httpd`, plus `http`).
pub fn parse_target(
    transport: &str,
    service_name: Option<String>,
    exec: Option<String>,
    serial: Option<(String, u32)>,
    ble_adapter: Option<String>,
) -> Result<Target, String> {
    match transport.to_ascii_lowercase().as_str() {
        "softap" | "httpd" | "http" => Ok(Target::Http {
            authority: service_name.unwrap_or_else(|| DEFAULT_HTTP_SERVICE.to_owned()),
        }),
        "ble" => match service_name {
            Some(name) => Ok(Target::Ble {
                name,
                adapter: ble_adapter,
            }),
            None => Err("the BLE transport needs the device name in service_name".into()),
        },
        "console" => Ok(match (exec, serial) {
            (Some(command), _) => Target::ConsoleExec { command },
            (None, Some((path, baud))) => Target::ConsoleSerial { path, baud },
            (None, None) => Target::ConsoleInteractive,
        }),
        other => Err(format!(
            "unknown transport {other:?} (softap, httpd, ble, console)"
        )),
    }
}

/// Decodes a hex string (spaces and a `0x` prefix allowed).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = text
        .trim()
        .trim_start_matches("0x")
        .split_whitespace()
        .collect();
    hex::decode(cleaned).map_err(|e| format!("not hex: {e}"))
}

impl Row {
    fn into_entry(self, line: u64) -> Result<Entry, String> {
        let baud = match non_empty(self.baud) {
            Some(b) => b
                .parse()
                .map_err(|_| format!("baud {b:?} is not a number"))?,
            None => DEFAULT_BAUD,
        };
        let serial = non_empty(self.serial).map(|p| (p, baud));
        let target = parse_target(
            &self.transport,
            non_empty(self.service_name),
            non_empty(self.exec),
            serial,
            non_empty(self.ble_adapter),
        )?;
        let sec_ver = match non_empty(self.sec_ver) {
            Some(v) => match v.as_str() {
                "0" => Some(SecVer::Sec0),
                "1" => Some(SecVer::Sec1),
                "2" => Some(SecVer::Sec2),
                _ => return Err(format!("sec_ver {v:?} is not 0, 1 or 2")),
            },
            None => None,
        };
        let security = SecurityRequest {
            sec_ver,
            pop: secret(self.pop),
            username: non_empty(self.username),
            password: secret(self.password),
            expected: None,
            // The ESP default, as on the command line and in `uniprov device`.
            default_username: Some("wifiprov".to_owned()),
        };
        let dataset = match non_empty(self.dataset_tlvs) {
            Some(h) => Some(parse_hex(&h).map_err(|e| format!("dataset_tlvs: {e}"))?),
            None => None,
        };
        let network = non_empty(self.network).map(|n| n.to_ascii_lowercase());
        let credentials = match (network.as_deref(), dataset) {
            (Some("thread") | None, Some(d)) => NetworkCredentials::thread(Secret::new(d)),
            (Some("thread"), None) => return Err("network thread needs dataset_tlvs".into()),
            (Some("wifi") | None, None) => {
                let ssid = non_empty(self.ssid).ok_or("a Wi-Fi row needs an ssid")?;
                NetworkCredentials::wifi(
                    ssid.into_bytes(),
                    Secret::new(self.passphrase.unwrap_or_default().into_bytes()),
                )
            }
            (Some("wifi"), Some(_)) => return Err("network wifi does not take dataset_tlvs".into()),
            (Some(other), _) => return Err(format!("network {other:?} is not wifi or thread")),
        }
        .map_err(|e| e.to_string())?;
        Ok(Entry {
            line,
            target,
            security,
            credentials,
        })
    }
}

/// Parses a manifest. Every row is checked; the first bad row fails the whole file with its
/// line number, before any device is contacted.
pub fn parse(reader: impl std::io::Read) -> Result<Vec<Entry>, ClientError> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(reader);
    let usage = |e: csv::Error| ClientError::Usage(format!("manifest: {e}"));
    let headers = csv.headers().map_err(usage)?.clone();
    let mut entries = Vec::new();
    for record in csv.records() {
        let record = record.map_err(usage)?;
        let line = record.position().map_or(0, csv::Position::line);
        let row: Row = record.deserialize(Some(&headers)).map_err(usage)?;
        let entry = row
            .into_entry(line)
            .map_err(|e| ClientError::Usage(format!("manifest line {line}: {e}")))?;
        entries.push(entry);
    }
    if entries.is_empty() {
        return Err(ClientError::Usage("manifest: no devices listed".into()));
    }
    Ok(entries)
}

/// Reads and parses a manifest file.
pub fn load(path: &Path) -> Result<Vec<Entry>, ClientError> {
    let file = std::fs::File::open(path).map_err(|source| ClientError::Io {
        context: format!("reading {}", path.display()),
        source,
    })?;
    parse(file)
}

/// The result of one row.
#[derive(Debug, Clone)]
pub struct RowResult {
    /// Line in the manifest.
    pub line: u64,
    /// The device, as text.
    pub target: String,
    /// What happened.
    pub report: Report,
}

/// The result of a whole manifest.
#[derive(Debug, Clone)]
pub struct ManifestReport {
    /// Whether every device succeeded.
    pub ok: bool,
    /// Rows.
    pub total: usize,
    /// Rows that succeeded.
    pub succeeded: usize,
    /// Rows that failed.
    pub failed: usize,
    /// Per-row results, in manifest order.
    pub devices: Vec<RowResult>,
}

/// Provisions every entry with at most `parallel` devices at a time. `on_done` is called as
/// each device finishes (for a progress bar). One failure does not stop the others. Each
/// device's handshake draws from its own copy of `entropy`.
pub async fn run<E: Entropy + Clone + Send + 'static>(
    entries: Vec<Entry>,
    parallel: usize,
    options: ClientOptions,
    entropy: E,
    on_done: impl Fn(&RowResult) + Send + Sync + 'static,
) -> ManifestReport {
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let on_done = Arc::new(on_done);
    let mut tasks = Vec::with_capacity(entries.len());
    for entry in entries {
        let permits = Arc::clone(&permits);
        let on_done = Arc::clone(&on_done);
        let options = options.clone();
        let line = entry.line;
        let target = entry.target.to_string();
        let name = target.clone();
        let mut entropy = entropy.clone();
        let task = tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let job = Job {
                target: entry.target,
                security: entry.security,
                options,
                action: Action::Provision {
                    credentials: Some(entry.credentials),
                    custom_data: None,
                },
                expect_version: None,
            };
            let report = flow::run(job, &mut Silent, &mut entropy).await;
            let result = RowResult {
                line,
                target: name,
                report,
            };
            on_done(&result);
            result
        });
        tasks.push((line, target, task));
    }
    let mut devices = Vec::with_capacity(tasks.len());
    for (line, target, task) in tasks {
        let result = match task.await {
            Ok(result) => result,
            Err(join) => {
                let error = ClientError::Usage(format!("internal error: {join}"));
                let report = Report {
                    error: Some((&error).into()),
                    ..Report::default()
                };
                RowResult {
                    line,
                    target,
                    report,
                }
            }
        };
        devices.push(result);
    }
    let succeeded = devices.iter().filter(|d| d.report.ok).count();
    ManifestReport {
        ok: succeeded == devices.len(),
        total: devices.len(),
        succeeded,
        failed: devices.len() - succeeded,
        devices,
    }
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
