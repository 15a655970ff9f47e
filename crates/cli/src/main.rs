//! `uniprov`: the command-line front end.
//!
//! Client subcommands live in `client_cmd`; exit codes are documented in `docs/client.md`
//! (0 ok, 1 other, 2 usage, 3 unreachable, 4 authentication, 5 Wi-Fi auth, 6 network not
//! found, 7 timeout).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(all(target_os = "linux", feature = "ble"))]
mod ble_args;
mod client_cmd;
mod device_cmd;
mod logging;
#[cfg(target_os = "linux")]
mod radio_args;
mod sec_ver_arg;
mod web_cmd;

use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};

/// Provision ESP32 and uniprov devices (a faster drop-in for esp_prov), or be one.
///
/// Without a subcommand the esp_prov options are accepted as they are:
/// `uniprov --transport softap --sec_ver 1 --pop abcd1234 --ssid myssid --passphrase mypassword`.
#[derive(Debug, Parser)]
#[command(name = "uniprov", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    esp_prov: client_cmd::EspProvArgs,
    /// Print exactly one JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
}

// Parsed once at start-up: the size difference of the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Client(client_cmd::ClientCommand),
    /// Run this machine as a provisionable device (like an ESP32 with wifi_prov_mgr).
    Device(device_cmd::DeviceArgs),
    /// Serve the browser provisioning page on this machine (Web Bluetooth / Web Serial).
    Web(web_cmd::WebArgs),
}

/// `error: <cause>` (each cause of the chain once) and, when known, `hint: <what to do>`.
fn print_error(err: &anyhow::Error) {
    if let Some(explained) = device_cmd::startup::explanation(err) {
        eprintln!("error: {}", explained.message);
        if let Some(hint) = explained.hint {
            eprintln!("hint: {hint}");
        }
        return;
    }
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text = text.trim().trim_start_matches("error: ");
        if message.contains(text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(text);
    }
    eprintln!("error: {message}");
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The one log set-up, for every subcommand.
    logging::init(cli.verbose);
    match cli.command {
        Some(Command::Device(mut args)) => {
            // `--json` on the device: its events as JSON lines on stdout.
            if cli.json && args.events.is_none() {
                args.events = Some(device_cmd::EventsFormat::Json);
            }
            match device_cmd::run(args).await {
                Ok(code) => code,
                Err(err) => {
                    print_error(&err);
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Web(args)) => web_cmd::run(args).await.unwrap_or_else(|err| {
            print_error(&err);
            ExitCode::FAILURE
        }),
        Some(Command::Client(command)) => ExitCode::from(client_cmd::run(command, cli.json).await),
        // Bare `uniprov`: usage, rather than provisioning esp_prov's default 192.168.4.1.
        None if std::env::args_os().len() <= 1 => {
            use clap::CommandFactory;
            eprintln!("{}", Cli::command().render_help());
            ExitCode::from(2)
        }
        None => ExitCode::from(client_cmd::run_esp_prov(cli.esp_prov, cli.json).await),
    }
}
