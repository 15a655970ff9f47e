//! The options of `uniprov device`, resolved once into what each part of the command needs:
//! security, manager (with the device-wide limits), transports, radio, output. `run` splits
//! the merged [`DeviceArgs`] here and hands each helper its part.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use uniprov::core::messages::NetworkKind;
use uniprov::core::proto_ver::AppInfo;
use uniprov::core::security::SecVer;
use uniprov::device::manager::{AutoStop, Mode};
use uniprov::device::runtime::{AuthLimits, ConsoleIo, OnStoredCredentials, TransportSpec};
use uniprov::device::storage;
use uniprov::device::transport::{ConsoleConfig, HttpConfig, StaticSite};

use super::softap::SoftApArgs;
use super::web_page::{self, WebPageArgs};
use super::{
    banner, security, DeviceArgs, EventsFormat, ModeArg, NetworkArg, RadioArg, SecretArg,
    TransportArg,
};

/// Everything `uniprov device` was asked for, by concern.
pub(super) struct Options {
    pub(super) security: SecurityOptions,
    pub(super) manager: ManagerOptions,
    pub(super) transports: TransportOptions,
    pub(super) radio: RadioOptions,
    pub(super) output: OutputOptions,
}

/// The security scheme as given (parsed and checked by `security::configure`).
pub(super) struct SecurityOptions {
    /// The scheme.
    pub(super) sec_ver: SecVer,
    /// Security 1 proof of possession.
    pub(super) pop: Option<SecretArg>,
    /// Security 2 username, the default for the network filled in.
    pub(super) username: String,
    /// Security 2 password.
    pub(super) password: Option<SecretArg>,
    /// Security 2 salt and verifier, hex.
    pub(super) salt_verifier: Option<(String, SecretArg)>,
    /// Security 2 patch version (0 or 1).
    pub(super) patch: u8,
}

/// The provisioning manager and the device around it.
pub(super) struct ManagerOptions {
    pub(super) network: NetworkKind,
    pub(super) mode: Mode,
    pub(super) enable_provisioning: bool,
    pub(super) auto_stop: AutoStop,
    pub(super) cleanup_delay: Duration,
    pub(super) scan_max_entries: u8,
    pub(super) wifi_conn_attempts: u32,
    pub(super) reset_on_failure: bool,
    pub(super) max_sessions: usize,
    pub(super) auth_limits: AuthLimits,
    pub(super) session_idle_timeout: Duration,
    pub(super) on_stored: OnStoredCredentials,
    /// The state directory (given, or the default for this user).
    pub(super) state_dir: Option<PathBuf>,
    pub(super) app_info: Vec<AppInfo>,
    pub(super) custom_endpoints: Vec<String>,
}

/// The transports to serve.
pub(super) struct TransportOptions {
    /// Each one once, in the order given.
    pub(super) kinds: Vec<TransportArg>,
    /// HTTP listen address.
    pub(super) listen: SocketAddr,
    /// HTTP connections served at once.
    pub(super) max_connections: usize,
    /// The console's serial port, and its baud rate.
    pub(super) serial: Option<(String, u32)>,
    /// BLE options.
    #[cfg(all(target_os = "linux", feature = "ble"))]
    pub(super) ble: crate::ble_args::BleArgs,
    /// The browser provisioning page's options.
    pub(super) web: WebPageArgs,
    /// `--softap` (the page's default is on with it).
    pub(super) softap: bool,
}

/// The network backend.
pub(super) struct RadioOptions {
    pub(super) radio: RadioArg,
    /// `--sim-config`.
    pub(super) sim_config: Option<PathBuf>,
    /// `--sim-connect-delay-ms`.
    pub(super) sim_connect_delay: Option<Duration>,
    /// The Linux radios' options.
    #[cfg(target_os = "linux")]
    pub(super) linux: crate::radio_args::LinuxRadioArgs,
    /// The SoftAP scheme.
    pub(super) softap: SoftApArgs,
}

/// What the command prints.
pub(super) struct OutputOptions {
    /// Events on stdout.
    pub(super) events: Option<EventsFormat>,
    /// The service name (SoftAP SSID / BLE name in the QR code).
    pub(super) service_name: String,
    /// Whether the banner shows the PoP / password.
    pub(super) reveal: bool,
    /// What the banner says about reaching the device.
    pub(super) reach: banner::Reach,
}

impl Options {
    /// Splits the merged options.
    pub(super) fn resolve(args: DeviceArgs) -> Self {
        let kinds = dedup(&args.transports);
        let network = match args.network {
            NetworkArg::Wifi => NetworkKind::Wifi,
            NetworkArg::Thread => NetworkKind::Thread,
        };
        let service_name = args
            .service_name
            .clone()
            .unwrap_or_else(banner::default_service_name);
        let reach = banner::Reach {
            network,
            console: kinds.contains(&TransportArg::Console),
            ble: uses_ble(&kinds),
            softap: args.softap.softap.then(|| banner::SoftApReach {
                key: args.softap.service_key.clone(),
            }),
            http_port: args.listen.port(),
        };
        let hardening = &args.hardening;
        Options {
            security: SecurityOptions {
                sec_ver: args.sec_ver,
                pop: args.pop,
                username: security::sec2_username(args.sec2_username.as_deref(), args.network),
                password: args.sec2_pwd,
                salt_verifier: args.sec2_salt.zip(args.sec2_verifier),
                patch: args.sec_patch_ver,
            },
            manager: ManagerOptions {
                network,
                mode: match args.mode {
                    ModeArg::Full => Mode::Full,
                    ModeArg::SessionOnly => Mode::SessionOnly,
                },
                enable_provisioning: args.enable_provisioning,
                auto_stop: if args.no_auto_stop {
                    AutoStop::Disabled
                } else {
                    AutoStop::Enabled {
                        timeout: Duration::from_secs(args.autostop_timeout_s),
                    }
                },
                cleanup_delay: Duration::from_millis(args.cleanup_delay_ms),
                scan_max_entries: args.scan_max_entries,
                wifi_conn_attempts: args.wifi_conn_attempts,
                reset_on_failure: !args.no_reset_on_failure,
                max_sessions: usize::from(args.max_sessions),
                auth_limits: hardening.auth_limits(),
                session_idle_timeout: hardening.session_idle_timeout(),
                on_stored: if args.reset {
                    OnStoredCredentials::Forget
                } else if args.force_provisioning {
                    OnStoredCredentials::Provision
                } else {
                    OnStoredCredentials::Connect
                },
                state_dir: args.state_dir.or_else(storage::default_state_dir),
                app_info: args.app_info,
                custom_endpoints: args.custom_endpoints,
            },
            transports: TransportOptions {
                kinds,
                listen: args.listen,
                max_connections: hardening.max_connections(),
                serial: args.serial.map(|path| (path, args.baud)),
                #[cfg(all(target_os = "linux", feature = "ble"))]
                ble: args.ble,
                web: args.web,
                softap: args.softap.softap,
            },
            radio: RadioOptions {
                radio: args.radio,
                sim_config: args.sim_config,
                sim_connect_delay: args.sim_connect_delay_ms.map(Duration::from_millis),
                #[cfg(target_os = "linux")]
                linux: args.linux_radio,
                softap: args.softap,
            },
            output: OutputOptions {
                events: args.events,
                service_name,
                reveal: hardening.reveal(),
                reach,
            },
        }
    }

    /// Refuses `--events` when the console transport owns stdout, and a page without HTTP.
    pub(super) fn refuse_conflicts(&self) -> anyhow::Result<()> {
        if self.transports.console_on_stdio() && self.output.events.is_some() {
            bail!("--events writes to stdout, which the console transport owns: use --serial");
        }
        self.transports.refuse_page_without_http()
    }
}

impl TransportOptions {
    /// Whether `kind` is served.
    pub(super) fn serves(&self, kind: TransportArg) -> bool {
        self.kinds.contains(&kind)
    }

    /// Whether the console transport is on stdin/stdout.
    pub(super) fn console_on_stdio(&self) -> bool {
        self.serves(TransportArg::Console) && self.serial.is_none()
    }

    /// The transports as the library takes them (BLE advertises `service_name`).
    pub(super) fn specs(
        &self,
        #[cfg_attr(
            not(all(target_os = "linux", feature = "ble")),
            allow(unused_variables)
        )]
        service_name: &str,
    ) -> anyhow::Result<Vec<TransportSpec>> {
        let mut specs = Vec::new();
        for kind in &self.kinds {
            specs.push(match kind {
                TransportArg::Http => TransportSpec::Http(HttpConfig {
                    listen: self.listen,
                    max_connections: self.max_connections,
                    site: self.site()?,
                    ..HttpConfig::default()
                }),
                TransportArg::Console => match &self.serial {
                    Some((path, baud)) => TransportSpec::Console {
                        config: ConsoleConfig {
                            echo: true,
                            ..ConsoleConfig::default()
                        },
                        io: ConsoleIo::Serial {
                            path: path.clone(),
                            baud: *baud,
                        },
                    },
                    None => TransportSpec::Console {
                        config: ConsoleConfig::default(),
                        io: ConsoleIo::Stdio,
                    },
                },
                #[cfg(all(target_os = "linux", feature = "ble"))]
                TransportArg::Ble => TransportSpec::Ble(self.ble.config(service_name)?),
            });
        }
        Ok(specs)
    }
}

impl TransportOptions {
    /// The page the HTTP transport serves on `GET` (read now), when it serves one.
    fn site(&self) -> anyhow::Result<Option<Arc<StaticSite>>> {
        if !self.web.enabled(self.softap)? {
            return Ok(None);
        }
        let (site, source) = web_page::load(self.web.web_root.as_deref())?;
        web_page::announce(&site, &source);
        Ok(Some(Arc::new(site)))
    }

    /// Refuses a page asked for explicitly without the HTTP transport that would serve it.
    pub(super) fn refuse_page_without_http(&self) -> anyhow::Result<()> {
        if self.web.explicit() && self.web.enabled(self.softap)? && !self.serves(TransportArg::Http)
        {
            bail!("--web-page / --web-root serve the page on the HTTP transport: add --transport http");
        }
        Ok(())
    }
}

fn dedup(transports: &[TransportArg]) -> Vec<TransportArg> {
    let mut unique = Vec::new();
    for t in transports {
        if !unique.contains(t) {
            unique.push(*t);
        }
    }
    unique
}

/// Whether `--transport ble` is among the transports.
fn uses_ble(kinds: &[TransportArg]) -> bool {
    #[cfg(all(target_os = "linux", feature = "ble"))]
    {
        kinds.contains(&TransportArg::Ble)
    }
    #[cfg(not(all(target_os = "linux", feature = "ble")))]
    {
        let _ = kinds;
        false
    }
}
