//! Replays the shared test vectors (`testdata/vectors`, docs/protocol.md §15) through the public API
//! of `uniprov-core`, in both roles.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod ble;
mod proto_ver;
mod protobuf;
mod qr;

use serde_json::Value;

/// Loads one vector file as JSON.
pub fn load(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors/");
    let text = std::fs::read_to_string(format!("{path}{name}"))
        .unwrap_or_else(|e| panic!("cannot read vector file {name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// The string at `key`, or a panic naming it.
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key} in {v}"))
}
