//! uniprov in the browser: the client library (`uniprov::client`) compiled to WebAssembly with
//! `wasm-bindgen`, for the provisioning page (web/). The page opens a transport (HTTP `fetch`,
//! Web Bluetooth, Web Serial) as a small JavaScript object that moves bytes; everything else
//! (proto-ver, negotiation, the security 0/1/2 handshakes, scan, set/apply/status, ctrl, the BLE
//! endpoint mapping, the console framing) is the CLI's own code. Randomness comes from
//! `crypto.getRandomValues`. The JavaScript API is docs/web-api.md.
//!
//! Built for any other target the crate is empty (its transports hold JavaScript objects,
//! which cannot cross threads): `scripts/web.sh` builds it for `wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

mod entropy;
mod operation;
mod shape;
mod transport;

use uniprov::core::qr::QrPayload;
use wasm_bindgen::prelude::*;

pub use entropy::BrowserEntropy;
pub use operation::Device;

/// The uniprov version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A provisioning QR payload (docs/protocol.md §12) as `{ name, transport, security, username,
/// pop }`; throws `{ class: "usage", message }` for text that is not one.
#[wasm_bindgen(js_name = parseQr)]
pub fn parse_qr(text: &str) -> Result<JsValue, JsValue> {
    match QrPayload::parse(text) {
        Ok(payload) => Ok(shape::to_js(&shape::qr(&payload))),
        Err(error) => Err(shape::to_js(&shape::usage(
            "usage",
            &format!("not a provisioning QR payload: {error}"),
        ))),
    }
}
