//! Replays the shared test vectors (`testdata/vectors`, docs/protocol.md §15) through the public API
//! of `uniprov-core`, in both roles.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod ble;
mod proto_ver;
mod protobuf;
mod qr;
