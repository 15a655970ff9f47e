//! The shared test vectors (`testdata/vectors`, docs/protocol.md §15): loading a file and
//! reading its fields, and ([`security`]) the security configurations of its cases.

use serde_json::Value;

pub mod security;

/// The directory of the vector files.
pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors");

/// Loads `testdata/vectors/<name>` as JSON.
pub fn load(name: &str) -> Value {
    let path = format!("{DIR}/{name}");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read vector file {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// The case of `file` (a vector file with a `cases` array) whose `id` is `id`.
pub fn case(file: &str, id: &str) -> Value {
    load(file)["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("{file} has no cases"))
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{file} has no case {id}"))
}

/// The hex field `key` of `v`, decoded.
pub fn hx(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(str_of(v, key)).expect("hex")
}

/// The text field `key` of `v` as bytes.
pub fn text(v: &Value, key: &str) -> Vec<u8> {
    str_of(v, key).as_bytes().to_vec()
}

/// The string at `key`, or a panic naming it.
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key} in {v}"))
}
