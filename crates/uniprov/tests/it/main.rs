//! The integration tests of `uniprov`, one binary: the device runtime and the client library
//! from outside the crate, over loopback sockets and pipes with the simulated radio.
//!
//! Helpers used by more than this binary (the provisioning client, the fake devices behind the
//! client library, entropy, vectors) are in `uniprov-testkit`; the ones only these tests use are
//! modules here: `device` (library devices on loopback), `fake_manager` (a manager that echoes,
//! behind the transports) and `app_client` (clients that behave like the stock phone apps).

mod app_client;
mod device;
mod fake_manager;

mod app_like;
mod app_like_stress;
mod client_device;
mod client_manifest;
mod device_app_retry;
mod device_flows;
mod device_hardening;
mod device_restart;
mod device_security;
mod device_sessions;
mod device_thread;
mod device_timing;
mod loadgen;
mod transport_console;
mod transport_http;
mod transport_http_client;
mod transport_http_site;
