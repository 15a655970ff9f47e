//! The client subcommands: `provision`, `scan`, `status`, `ctrl`, `custom`, `version`,
//! `sec2-gen-cred`, and esp_prov's flag-only invocation.

mod args;
mod gen_cred;
mod json;
mod manifest_cmd;
mod output;
mod pick;
mod qr;
mod summary;

use clap::{ArgGroup, Args, Subcommand};
use uniprov::client::flow::{self, Action, Job};
use uniprov::client::manifest::parse_hex;
use uniprov::client::{ClientError, CUSTOM_DATA_ENDPOINT};
use uniprov::entropy::OsEntropy;

pub use args::{ConnArgs, NetworkArgs};
pub use gen_cred::GenCredArgs;
use output::Console;

/// Client subcommands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Send Wi-Fi credentials (or a Thread dataset) and wait until the device joined.
    /// Without --ssid the device scans and you pick a network.
    Provision(ProvisionArgs),
    /// List the networks the device sees.
    Scan(ConnArgs),
    /// Show the device's connection status.
    Status(ConnArgs),
    /// Control commands: reset a failed attempt, or restart provisioning.
    #[command(subcommand)]
    Ctrl(CtrlCommand),
    /// Send bytes to a custom endpoint and print the answer.
    Custom(CustomArgs),
    /// Show what the device's proto-ver says (no handshake).
    Version(ConnArgs),
    /// Make a security 2 salt and verifier for a device.
    #[command(name = "sec2-gen-cred")]
    Sec2GenCred(GenCredArgs),
}

/// `ctrl` subcommands.
#[derive(Debug, Subcommand)]
pub enum CtrlCommand {
    /// Reset the provisioning state after a failed attempt (new credentials accepted again).
    Reset(ConnArgs),
    /// Restart provisioning on a device that finished it.
    Reprov(ConnArgs),
}

/// Options of `provision`.
#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// Connection and security options.
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Network options.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Provision every device listed in this CSV file (see docs/client.md).
    #[arg(long, value_name = "FILE.csv", display_order = 22)]
    pub manifest: Option<std::path::PathBuf>,
    /// Devices provisioned at the same time (with --manifest).
    #[arg(long, default_value_t = 4, requires = "manifest", display_order = 22)]
    pub parallel: usize,
    /// Write the per-device results as JSON to this file (with --manifest).
    #[arg(
        long,
        value_name = "FILE.json",
        requires = "manifest",
        display_order = 22
    )]
    pub report: Option<std::path::PathBuf>,
}

/// Options of `custom`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("payload").required(true).args(["data", "hex"])))]
pub struct CustomArgs {
    /// Endpoint name.
    #[arg(long, default_value = CUSTOM_DATA_ENDPOINT)]
    pub endpoint: String,
    /// Request as text.
    #[arg(long)]
    pub data: Option<String>,
    /// Request as hex.
    #[arg(long)]
    pub hex: Option<String>,
    /// Connection and security options.
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// esp_prov's invocation without a subcommand: provisioning, `--reset`, `--reprov`, or
/// `--sec2_gen_cred`.
#[derive(Debug, Clone, Default, Args)]
pub struct EspProvArgs {
    /// Connection and security options.
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Network options.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Print a security 2 salt and verifier for --sec2_username/--sec2_pwd and exit.
    #[arg(long = "sec2-gen-cred", alias = "sec2_gen_cred", display_order = 22)]
    pub sec2_gen_cred: bool,
    /// Salt length for --sec2_gen_cred.
    #[arg(
        long = "sec2-salt-len",
        alias = "sec2_salt_len",
        default_value_t = 16,
        display_order = 22
    )]
    pub sec2_salt_len: u16,
}

/// Runs esp_prov's flag-only form.
pub async fn run_esp_prov(args: EspProvArgs, json: bool) -> u8 {
    if args.sec2_gen_cred {
        let username = args
            .conn
            .sec2_username
            .unwrap_or_else(|| qr::APP_DEFAULT_USERNAME.to_owned());
        let Some(password) = args.conn.sec2_pwd else {
            let error = ClientError::Usage("--sec2_gen_cred needs --sec2_pwd".into());
            output::print_early_error("sec2-gen-cred", json, &error);
            return json::exit_code(error.class());
        };
        return gen_cred::run(
            &GenCredArgs {
                username,
                password,
                salt_len: args.sec2_salt_len,
            },
            json,
        );
    }
    let args = ProvisionArgs {
        conn: args.conn,
        network: args.network,
        manifest: None,
        parallel: 1,
        report: None,
    };
    provision(args, json).await
}

/// Runs a client subcommand; returns the exit code.
pub async fn run(command: ClientCommand, json: bool) -> u8 {
    match command {
        ClientCommand::Provision(args) => provision(args, json).await,
        ClientCommand::Scan(conn) => {
            device_job("scan", &conn, None, json, || Ok(Action::Scan)).await
        }
        ClientCommand::Status(conn) => {
            device_job("status", &conn, None, json, || Ok(Action::Status)).await
        }
        ClientCommand::Ctrl(CtrlCommand::Reset(conn)) => {
            device_job("ctrl reset", &conn, None, json, || Ok(Action::Reset)).await
        }
        ClientCommand::Ctrl(CtrlCommand::Reprov(conn)) => {
            device_job("ctrl reprov", &conn, None, json, || Ok(Action::Reprov)).await
        }
        ClientCommand::Custom(args) => {
            let payload = match (&args.data, &args.hex) {
                (Some(text), _) => Ok(text.clone().into_bytes()),
                (None, Some(hex)) => {
                    parse_hex(hex).map_err(|e| ClientError::Usage(format!("--hex: {e}")))
                }
                (None, None) => Err(ClientError::Usage("give --data or --hex".into())),
            };
            let endpoint = args.endpoint.clone();
            device_job("custom", &args.conn, None, json, move || {
                Ok(Action::Custom {
                    endpoint,
                    data: payload?,
                })
            })
            .await
        }
        ClientCommand::Version(conn) => {
            device_job("version", &conn, None, json, || Ok(Action::Version)).await
        }
        ClientCommand::Sec2GenCred(args) => gen_cred::run(&args, json),
    }
}

async fn provision(args: ProvisionArgs, json: bool) -> u8 {
    if let Some(path) = &args.manifest {
        return manifest_cmd::run(path, &args, json).await;
    }
    let network = args.network;
    let command = if network.reset {
        "ctrl reset"
    } else if network.reprov {
        "ctrl reprov"
    } else {
        "provision"
    };
    let passphrase = network.passphrase.clone();
    device_job(command, &args.conn, passphrase, json, move || {
        let credentials = network.credentials()?;
        Ok(if network.reset {
            Action::Reset
        } else if network.reprov {
            Action::Reprov
        } else {
            Action::Provision {
                credentials,
                custom_data: network.custom_data.map(String::into_bytes),
            }
        })
    })
    .await
}

/// Resolves the options, runs one job against one device, prints the outcome. `passphrase`
/// is the one given for the interactive network choice (`provision` without `--ssid`).
async fn device_job(
    command: &str,
    conn: &ConnArgs,
    passphrase: Option<String>,
    json: bool,
    action: impl FnOnce() -> Result<Action, ClientError>,
) -> u8 {
    let resolved = match conn.resolve() {
        Ok(r) => r,
        Err(error) => {
            output::print_early_error(command, json, &error);
            return json::exit_code(error.class());
        }
    };
    let target = resolved.target.to_string();
    let action = match action() {
        Ok(a) => a,
        Err(error) => {
            output::print_early_error(command, json, &error);
            return json::exit_code(error.class());
        }
    };
    if !json {
        for note in &resolved.notes {
            eprintln!("note: {note}");
        }
    }
    let job = Job {
        target: resolved.target,
        security: resolved.security,
        options: resolved.options,
        action,
        expect_version: conn.proto_ver.clone(),
    };
    let mut console = Console::new(json, passphrase);
    let report = flow::run(job, &mut console, &mut OsEntropy).await;
    console.finish();
    if json {
        output::print_json(command, Some(&target), &report);
    } else {
        summary::print(command, &target, &report);
    }
    json::report_exit_code(&report)
}
