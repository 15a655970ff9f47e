//! The integration tests of the `uniprov` command, one binary: the real executable as a child
//! process (`CARGO_BIN_EXE_uniprov`), against devices, clients and hostile peers.
//!
//! The provisioning client comes from `uniprov-testkit`; the helpers only these tests use are
//! modules here: `process` (spawning `uniprov device`), `raw_http` and `hostile_console`
//! (hand-made requests) and `esp_console_device` (an ESP-faithful console on a pty).

mod esp_console_device;
mod hostile_console;
mod process;
mod raw_http;

mod check_config;
mod client_e2e;
mod client_not_offered;
mod crash_safety;
mod device_cli_apps;
mod device_cli_console;
mod device_cli_http;
mod device_cli_web;
mod esp_console;
mod first_hour;
mod hostile;
mod no_secret_leaks;
mod sec2_salt;
