//! `uniprov device`: run this machine as a device that esp_prov, the ESP phone apps and
//! `uniprov provision` can provision, exactly like an ESP32 running `wifi_prov_mgr`.
//!
//! stderr carries the banner, one line per outcome (`narrate`) and warnings; `-v`/`-vv`/`-vvv`
//! or `RUST_LOG` add logs. `--events json` (or `--json`) writes one JSON object per event to
//! stdout. The exit status is 0 when provisioning ended (END), or when an already provisioned
//! device joined its stored network; [`EXIT_STORED_NETWORK_FAILED`] (3) when it could not; 1 on
//! other errors (`error:` and `hint:` lines, `startup`); Ctrl-C stops cleanly (0).
//!
//! [`run`] merges `--config`, then resolves the options once (`options.rs`: security, manager,
//! transports, radio, output); each step below gets only its part.

mod banner;
mod check;
mod config;
mod events;
mod hardening;
mod narrate;
mod options;
mod security;
mod softap;
pub mod startup;
#[cfg(test)]
mod tests;
pub(crate) mod web_page;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[cfg(not(all(target_os = "linux", feature = "networkmanager")))]
use anyhow::bail;
use clap::{Args, ValueEnum};
use uniprov::core::proto_ver::AppInfo;
use uniprov::core::security::SecVer;
use uniprov::device::manager::Mode;
use uniprov::device::network::sim::{SimConfig, SimRadio};
use uniprov::device::network::NetworkBackend;
use uniprov::device::runtime::{
    CustomRequest, DeviceBuilder, DeviceEvent, DeviceHandle, EndpointHandler,
};
use uniprov::device::storage;

use options::{ManagerOptions, Options, RadioOptions, TransportOptions};

/// Options of `uniprov device`.
#[derive(Debug, Clone, Args)]
pub struct DeviceArgs {
    /// Read options from this TOML file (keys: long option names); the command line wins.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Validate the options (and the --config file) as a start would, print a summary, exit
    /// (0: valid; 1: the error). Opens nothing; a security 2 device needs credentials.
    #[arg(long)]
    pub check_config: bool,
    /// Transport to serve (repeatable; all share one provisioning manager).
    #[arg(long = "transport", value_enum, default_values_t = [TransportArg::Http])]
    pub transports: Vec<TransportArg>,
    /// HTTP listen address.
    #[arg(long, default_value = "0.0.0.0:80")]
    pub listen: SocketAddr,
    /// Serve the console transport on this serial port instead of stdin/stdout.
    #[arg(long)]
    pub serial: Option<String>,
    /// Serial baud rate.
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// Security scheme: 0 (plaintext, must be asked for), 1 (X25519 + PoP), 2 (SRP6a).
    #[arg(long, default_value_t = SecVer::Sec2, value_parser = crate::sec_ver_arg::parser())]
    pub sec_ver: SecVer,
    /// Security 1 proof of possession (without it, security 1 runs without PoP).
    #[arg(long, env = "UNIPROV_POP", hide_env_values = true)]
    pub pop: Option<SecretArg>,
    /// Security 2 username [default: `wifiprov`; `threadprov` with `--network thread`, the name
    /// the Android app forces for Thread devices].
    #[arg(long)]
    pub sec2_username: Option<String>,
    /// Security 2 password (random when neither it nor --sec2-salt/--sec2-verifier is given).
    #[arg(long, env = "UNIPROV_SEC2_PWD", hide_env_values = true)]
    pub sec2_pwd: Option<SecretArg>,
    /// Security 2 salt, hex (production: made offline with `sec2-gen-cred`).
    #[arg(long, requires = "sec2_verifier")]
    pub sec2_salt: Option<String>,
    /// Security 2 verifier, hex.
    #[arg(long, requires = "sec2_salt", hide_env_values = true)]
    pub sec2_verifier: Option<SecretArg>,
    /// Security 2 patch version: 1 (counter IV, IDF ≥ 5.4.1) or 0 (constant IV, older apps).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub sec_patch_ver: u8,
    /// Service name (SoftAP SSID / BLE name in the QR code); default `PROV_` + a stable id.
    #[arg(long)]
    pub service_name: Option<String>,
    /// Network to provision.
    #[arg(long, value_enum, default_value_t = NetworkArg::Wifi)]
    pub network: NetworkArg,
    /// Radio backend.
    #[arg(long, value_enum, default_value_t = RadioArg::Sim)]
    pub radio: RadioArg,
    /// Options of the Linux radios (`--radio wpa-supplicant|networkmanager`).
    #[cfg(target_os = "linux")]
    #[command(flatten)]
    pub linux_radio: crate::radio_args::LinuxRadioArgs,
    /// Options of the BLE transport (`--transport ble`).
    #[cfg(all(target_os = "linux", feature = "ble"))]
    #[command(flatten)]
    pub ble: crate::ble_args::BleArgs,
    /// Simulated radio world (TOML); the built-in one otherwise.
    #[arg(long, visible_alias = "sim")]
    pub sim_config: Option<PathBuf>,
    /// Simulated connect / attach delay, overriding the world's.
    #[arg(long)]
    pub sim_connect_delay_ms: Option<u64>,
    /// State directory (proven credentials, sec2 salt/verifier).
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Full provisioning, or session-only (the session stays after provisioning).
    #[arg(long, value_enum, default_value_t = ModeArg::Full)]
    pub mode: ModeArg,
    /// Session-only mode: offer provisioning this run.
    #[arg(long)]
    pub enable_provisioning: bool,
    /// Keep serving after success until stopped (allows ctrl reprov).
    #[arg(long)]
    pub no_auto_stop: bool,
    /// Time between the stop and the transport teardown.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(100..))]
    pub cleanup_delay_ms: u64,
    /// Auto-stop this long after a successful connection.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(5..=600))]
    pub autostop_timeout_s: u64,
    /// Cap of the scan result list.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u8).range(1..))]
    pub scan_max_entries: u8,
    /// Concurrent sessions (ESP: 1; the least recently used one is replaced).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_sessions: u16,
    /// Connection attempts before a failure is reported (0: ESP legacy).
    #[arg(long, default_value_t = 0)]
    pub wifi_conn_attempts: u32,
    /// After a reported failure (wrong passphrase, network not found), accept new credentials
    /// without prov-ctrl reset, as ESP's example does; the default (the phone apps never send
    /// prov-ctrl).
    #[arg(long, overrides_with = "no_reset_on_failure")]
    pub reset_on_failure: bool,
    /// Keep ESP's manager rule instead: after a failure, refuse new credentials until a prov-ctrl
    /// reset.
    #[arg(long, overrides_with = "reset_on_failure")]
    pub no_reset_on_failure: bool,
    /// Application entry of proto-ver, `LABEL:VERSION[:CAP,CAP...]` (repeatable).
    #[arg(long = "app-info", value_parser = parse_app_info)]
    pub app_info: Vec<AppInfo>,
    /// Custom endpoint answering `SUCCESS\0` like the ESP examples' `custom-data` (repeatable).
    #[arg(long = "custom-endpoint")]
    pub custom_endpoints: Vec<String>,
    /// Write events to stdout in this format.
    #[arg(long, value_enum)]
    pub events: Option<EventsFormat>,
    /// Provision even when credentials are stored (they stay until new ones are proven).
    #[arg(long, conflicts_with = "reset")]
    pub force_provisioning: bool,
    /// Forget stored credentials, then provision (ESP `reset_provisioning` at boot).
    #[arg(long)]
    pub reset: bool,
    /// The SoftAP scheme (`--softap`, with NetworkManager).
    #[command(flatten)]
    pub softap: softap::SoftApArgs,
    /// The browser provisioning page (`--web-page`, `--web-root`).
    #[command(flatten)]
    pub web: web_page::WebPageArgs,
    /// Limits against hostile clients (SECURITY.md).
    #[command(flatten)]
    pub hardening: hardening::HardeningArgs,
}

/// A secret option value (PoP, password, verifier): `***` in `Debug`, so printing the
/// parsed options never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretArg(pub String);

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::str::FromStr for SecretArg {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SecretArg(s.to_string()))
    }
}

/// A transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    /// HTTP (SoftAP scheme; `esp_prov --transport softap`).
    Http,
    /// Console lines on stdin/stdout or `--serial`.
    Console,
    /// BLE GATT over BlueZ (`esp_prov --transport ble`; cargo feature `ble`).
    #[cfg(all(target_os = "linux", feature = "ble"))]
    Ble,
}

/// A network kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NetworkArg {
    /// Wi-Fi credentials.
    Wifi,
    /// A Thread dataset.
    Thread,
}

/// A radio backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RadioArg {
    /// The simulated radio.
    Sim,
    /// wpa_supplicant through its control socket (Linux).
    #[cfg(target_os = "linux")]
    WpaSupplicant,
    /// NetworkManager over D-Bus (Linux, cargo feature `networkmanager`).
    // Always accepted, so that a build without the feature says how to get one.
    #[cfg(target_os = "linux")]
    Networkmanager,
}

#[cfg(target_os = "linux")]
async fn linux_radio(
    linux: &crate::radio_args::LinuxRadioArgs,
    name: &str,
) -> anyhow::Result<Arc<dyn NetworkBackend>> {
    linux
        .open(name)
        .await?
        .ok_or_else(|| {
            startup::Explained::error(
                format!("this uniprov was built without the {name} radio"),
                format!(
                    "rebuild with the feature: sudo apt install libdbus-1-dev pkg-config && cargo build --release -p uniprov-cli --features {name}"
                ),
            )
        })
}

/// A manager mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Classic provisioning: everything stops afterwards.
    Full,
    /// The protocomm session stays after provisioning (§11).
    SessionOnly,
}

/// An event output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventsFormat {
    /// One JSON object per line.
    Json,
}

fn parse_app_info(text: &str) -> Result<AppInfo, String> {
    let mut parts = text.splitn(3, ':');
    let label = parts.next().unwrap_or_default();
    let ver = parts.next().ok_or("expected LABEL:VERSION[:CAP,CAP...]")?;
    if label.is_empty() || label == "prov" {
        return Err("the label must be non-empty and not \"prov\"".into());
    }
    let cap = parts
        .next()
        .map(|caps| {
            caps.split(',')
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Ok(AppInfo {
        label: label.into(),
        ver: ver.into(),
        cap,
    })
}

/// Runs `uniprov device` until provisioning ends, the device connected with stored
/// credentials, or Ctrl-C.
pub async fn run(args: DeviceArgs) -> anyhow::Result<ExitCode> {
    // `--json` (set before the file is merged) stays.
    let events = args.events;
    let mut args = config::apply(args)?;
    args.events = args.events.or(events);
    let check_only = args.check_config;
    let options = Options::resolve(args);
    if check_only {
        println!("{}", check::check(&options)?);
        return Ok(ExitCode::SUCCESS);
    }
    options.refuse_conflicts()?;
    let secret = security::configure(&options.security)?;
    let service_name = &options.output.service_name;
    if softap::check(&options.radio, &options.transports, service_name)? {
        return run_softap(&options, secret).await;
    }
    let backend = backend(&options.radio).await?;
    serve(&options, secret, backend).await
}

/// `--softap`: scan, hotspot, serve; the hotspot goes down however serving ends.
#[cfg(all(target_os = "linux", feature = "networkmanager"))]
async fn run_softap(options: &Options, secret: security::Configured) -> anyhow::Result<ExitCode> {
    use uniprov::device::network::captive_dns::CAPTIVE_DNS_ADDRESS;
    let captive = options.transports.captive_portal()?.is_some();
    let dns_address = captive.then_some(CAPTIVE_DNS_ADDRESS);
    let softap = softap::open(&options.radio, &options.output.service_name, dns_address).await?;
    let (stop_dns, dns_stopped) = tokio::sync::oneshot::channel();
    // Without its DNS the portal still works for a person who browses to the device's
    // address: a warning, like a failed drop-in or address (networkmanager/softap.rs).
    let dns = match captive {
        true => match softap::captive_dns(dns_stopped).await {
            Ok(task) => Some(task),
            Err(e) => {
                tracing::warn!(
                    "{e:#}: phones will not open the page by themselves (browse to http://{}/)",
                    uniprov::device::network::softap::DEFAULT_ADDRESS
                );
                None
            }
        },
        false => None,
    };
    let backend: Arc<dyn NetworkBackend> = softap.clone();
    let served = serve(options, secret, backend).await;
    drop(stop_dns);
    if let Some(task) = dns {
        let _ = task.await;
    }
    softap.stop_hotspot().await;
    served
}

#[cfg(not(all(target_os = "linux", feature = "networkmanager")))]
async fn run_softap(_options: &Options, _secret: security::Configured) -> anyhow::Result<ExitCode> {
    bail!("--softap needs a build with the networkmanager feature")
}

/// Starts the device on `backend` and runs it until the end (see [`supervise`]).
async fn serve(
    options: &Options,
    secret: security::Configured,
    backend: Arc<dyn NetworkBackend>,
) -> anyhow::Result<ExitCode> {
    let output = &options.output;
    let stored = stored_network(options.manager.state_dir.as_deref());
    let builder = builder(
        secret.device,
        &options.manager,
        &options.transports,
        &output.service_name,
    )?
    .backend(backend);
    let events_out = events::spawn_writer(&builder, output.events);
    narrate::spawn(&builder);
    // Subscribed before start: the stored credentials' outcome can come at once.
    let events = builder.subscribe();
    let handle = builder
        .start()
        .await
        .map_err(|e| startup::explain_start(e, options.transports.listen))?;
    banner::print(&handle, &secret.shown, output);
    if let Some(out) = &events_out {
        out.listening(&handle);
    }
    let code = supervise(options.manager.mode, &handle, events, stored.as_deref()).await;
    handle.shutdown().await;
    if let Some(out) = events_out {
        out.finish().await;
    }
    Ok(code)
}

/// The device as configured (without its backend).
fn builder(
    device: security::DeviceSide,
    manager: &ManagerOptions,
    transports: &TransportOptions,
    service_name: &str,
) -> anyhow::Result<DeviceBuilder> {
    let mut b = device
        .builder()
        .network(manager.network)
        .mode(manager.mode)
        .cleanup_delay(manager.cleanup_delay)
        .auto_stop(manager.auto_stop)
        .scan_max_entries(manager.scan_max_entries)
        .wifi_conn_attempts(manager.wifi_conn_attempts)
        .reset_on_failure(manager.reset_on_failure)
        .max_sessions(manager.max_sessions)
        .on_stored_credentials(manager.on_stored)
        .auth_limits(manager.auth_limits.clone())
        .session_idle_timeout(manager.session_idle_timeout);
    if manager.enable_provisioning {
        b = b.enable_provisioning();
    }
    if let Some(dir) = &manager.state_dir {
        b = b.state_dir(dir.clone());
    }
    for app in &manager.app_info {
        b = b.app_info(app.clone());
    }
    for name in &manager.custom_endpoints {
        b = b.endpoint(name, Some(demo_handler()));
    }
    for spec in transports.specs(service_name)? {
        b = b.transport(spec);
    }
    Ok(b)
}

async fn backend(radio: &RadioOptions) -> anyhow::Result<Arc<dyn NetworkBackend>> {
    match radio.radio {
        #[cfg(target_os = "linux")]
        RadioArg::WpaSupplicant => linux_radio(&radio.linux, "wpa-supplicant").await,
        #[cfg(target_os = "linux")]
        RadioArg::Networkmanager => linux_radio(&radio.linux, "networkmanager").await,
        RadioArg::Sim => {
            let mut world = match &radio.sim_config {
                Some(path) => load_sim_config(path)?,
                None => SimConfig::default(),
            };
            if let Some(delay) = radio.sim_connect_delay {
                world.connect_delay = delay;
            }
            Ok(Arc::new(SimRadio::new(world)))
        }
    }
}

/// Reads `--sim-config`; errors in one line.
fn load_sim_config(path: &std::path::Path) -> anyhow::Result<SimConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        startup::Explained::error(
            format!(
                "cannot read --sim-config {}: {}",
                path.display(),
                startup::os_text(&e)
            ),
            "give the path of a TOML world file (format: README, \"The simulated radio\")",
        )
    })?;
    SimConfig::from_toml(&text).map_err(|error| match &error {
        uniprov::device::network::sim::SimConfigError::Parse(toml) => startup::toml_error(
            path,
            &text,
            toml,
            "fix the file (format: README, \"The simulated radio\")",
        ),
        other => startup::Explained::error(
            format!("{}: {other}", path.display()),
            "fix the file (format: README, \"The simulated radio\")",
        ),
    })
}

/// The ESP examples' `custom-data` handler: logs the length (never the content) and answers
/// `SUCCESS\0`.
fn demo_handler() -> EndpointHandler {
    Arc::new(|request: CustomRequest<'_>| {
        tracing::info!(
            endpoint = request.endpoint,
            len = request.data.len(),
            "custom endpoint request"
        );
        Some(b"SUCCESS\0".to_vec())
    })
}

/// Exit status of a provisioned device whose stored network could not be joined (the unit
/// retries it later; see README, "Linux install").
pub const EXIT_STORED_NETWORK_FAILED: u8 = 3;

/// The SSID of the stored Wi-Fi credentials (for messages), if any.
fn stored_network(state_dir: Option<&std::path::Path>) -> Option<String> {
    let stored = storage::StateDir::open(state_dir?)
        .ok()?
        .load_wifi()
        .ok()??;
    Some(format!("{:?}", String::from_utf8_lossy(&stored.ssid)))
}

/// Waits for the end: provisioning ended (END) in full mode, the stored credentials' outcome
/// on a provisioned boot, or Ctrl-C.
async fn supervise(
    mode: Mode,
    handle: &DeviceHandle,
    mut events: tokio::sync::broadcast::Receiver<DeviceEvent>,
    stored: Option<&str>,
) -> ExitCode {
    use uniprov::device::network::NetworkEvent;
    let keeps_session = mode == Mode::SessionOnly;
    let provisioning = handle.state() != uniprov::device::manager::ProvState::Idle;
    let network = stored.map_or_else(
        || "the stored network".to_owned(),
        |s| format!("the stored network {s}"),
    );
    let end = async {
        if provisioning {
            handle.wait().await;
            if keeps_session {
                eprintln!("Provisioning ended; the session stays up (Ctrl-C to stop)");
                std::future::pending::<()>().await;
            }
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "Already provisioned: joining {network} (to provision again: --force-provisioning, or --reset to forget it)"
        );
        loop {
            let event = match events.recv().await {
                Ok(DeviceEvent::Network(event)) => event,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    return ExitCode::FAILURE;
                }
            };
            let code = match &event {
                NetworkEvent::Connected(_) | NetworkEvent::ThreadAttached(_) => {
                    eprintln!("{}; nothing to provision", capitalised(&event.to_string()));
                    ExitCode::SUCCESS
                }
                NetworkEvent::Disconnected { reason } => {
                    stored_network_failed(&network, &reason.to_string());
                    ExitCode::from(EXIT_STORED_NETWORK_FAILED)
                }
                NetworkEvent::ThreadFailed(reason) => {
                    stored_network_failed(&network, &format!("{reason:?}"));
                    ExitCode::from(EXIT_STORED_NETWORK_FAILED)
                }
            };
            if keeps_session {
                eprintln!("The session stays up (Ctrl-C to stop)");
                std::future::pending::<()>().await;
            }
            return code;
        }
    };
    tokio::select! {
        code = end => code,
        () = interrupted() => {
            tracing::info!("interrupted: stopping");
            ExitCode::SUCCESS
        }
    }
}

fn stored_network_failed(network: &str, reason: &str) {
    eprintln!("error: cannot join {network}: {reason}");
    eprintln!(
        "hint: if the network changed, provision again with `uniprov device --force-provisioning` (keeps the stored network until new credentials work) or `--reset` (forgets it); otherwise retry later (exit status {EXIT_STORED_NETWORK_FAILED})"
    );
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn interrupted() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
