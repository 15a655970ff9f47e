//! Compiles the `.proto` sources in `proto/` into prost types with `protox` (a pure-Rust protobuf
//! compiler), so building needs no `protoc` binary.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "constants.proto",
    "session.proto",
    "sec0.proto",
    "sec1.proto",
    "sec2.proto",
    "wifi_constants.proto",
    "wifi_config.proto",
    "wifi_scan.proto",
    "wifi_ctrl.proto",
    "network_constants.proto",
    "network_config.proto",
    "network_scan.proto",
    "network_ctrl.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from("proto");
    for p in PROTOS {
        println!("cargo:rerun-if-changed=proto/{p}");
    }
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| dir.join(p)).collect();
    let descriptors = protox::compile(&files, [&dir])?;
    let mut config = prost_build::Config::new();
    // `bytes` fields as Vec<u8>; maps are not used by these schemas.
    config.btree_map(["."]);
    config.compile_fds(descriptors)?;
    Ok(())
}
