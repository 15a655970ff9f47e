//! `uniprov`: the command-line front end.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};

mod device_cmd;
#[cfg(target_os = "linux")]
mod radio_args;

/// Espressif Unified Provisioning: provision devices, or be one.
#[derive(Debug, Parser)]
#[command(name = "uniprov", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run this machine as a provisionable device (like an ESP32 with wifi_prov_mgr).
    Device(device_cmd::DeviceArgs),
}

fn main() -> anyhow::Result<std::process::ExitCode> {
    match Cli::parse().command {
        Command::Device(args) => device_cmd::main(args),
    }
}
