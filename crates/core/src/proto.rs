//! Raw prost types generated at build time from the `.proto` sources in `proto/`
//! (written from the field tables of docs/protocol.md §2).
//!
//! These are wire-level types: any combination of fields decodes. Code outside the `messages`
//! and `security` modules should use the validated types there, which reject messages whose
//! `msg`, `sec_ver` and payload disagree.
#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// `constants.proto`: the `Status` enum.
pub mod constants {
    include!(concat!(env!("OUT_DIR"), "/constants.rs"));
}
/// `session.proto`: the `SessionData` envelope.
pub mod session {
    include!(concat!(env!("OUT_DIR"), "/session.rs"));
}
/// `sec0.proto`.
pub mod sec0 {
    include!(concat!(env!("OUT_DIR"), "/sec0.rs"));
}
/// `sec1.proto`.
pub mod sec1 {
    include!(concat!(env!("OUT_DIR"), "/sec1.rs"));
}
/// `sec2.proto`.
pub mod sec2 {
    include!(concat!(env!("OUT_DIR"), "/sec2.rs"));
}
/// `wifi_constants.proto`.
pub mod wifi_constants {
    include!(concat!(env!("OUT_DIR"), "/wifi_constants.rs"));
}
/// `wifi_config.proto` (endpoint prov-config).
pub mod wifi_config {
    include!(concat!(env!("OUT_DIR"), "/wifi_config.rs"));
}
/// `wifi_scan.proto` (endpoint prov-scan).
pub mod wifi_scan {
    include!(concat!(env!("OUT_DIR"), "/wifi_scan.rs"));
}
/// `wifi_ctrl.proto` (endpoint prov-ctrl).
pub mod wifi_ctrl {
    include!(concat!(env!("OUT_DIR"), "/wifi_ctrl.rs"));
}
/// `network_constants.proto`.
pub mod network_constants {
    include!(concat!(env!("OUT_DIR"), "/network_constants.rs"));
}
/// `network_config.proto` (endpoint prov-config, network_provisioning).
pub mod network_config {
    include!(concat!(env!("OUT_DIR"), "/network_config.rs"));
}
/// `network_scan.proto` (endpoint prov-scan, network_provisioning).
pub mod network_scan {
    include!(concat!(env!("OUT_DIR"), "/network_scan.rs"));
}
/// `network_ctrl.proto` (endpoint prov-ctrl, network_provisioning).
pub mod network_ctrl {
    include!(concat!(env!("OUT_DIR"), "/network_ctrl.rs"));
}
