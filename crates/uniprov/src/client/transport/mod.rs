//! Client transports: send one request to a device endpoint, get its response bytes back.
//!
//! A device refuses a request by closing the connection (HTTP) or printing nothing (console)
//! (§3.3); every transport reports that as [`TransportError::ClosedWithoutResponse`].

#[cfg(not(target_arch = "wasm32"))]
pub mod console;
pub mod console_frame;
#[cfg(not(target_arch = "wasm32"))]
pub mod http;

#[cfg(not(target_arch = "wasm32"))]
pub use console::{ConsoleClient, ConsoleClientConfig};
pub use console_frame::{ESP_CONSOLE_MAX_LINE, UNIPROV_CONSOLE_MAX_LINE};
#[cfg(not(target_arch = "wasm32"))]
pub use http::{HttpClient, HttpClientConfig};

/// `Send` where transports run on a multi-threaded runtime; nothing in the browser, whose
/// transports hold JavaScript objects and run on its one thread.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` where transports run on a multi-threaded runtime; nothing in the browser, whose
/// transports hold JavaScript objects and run on its one thread.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// Carries requests to a device's endpoints. Implement it with `#[async_trait]` natively and
/// `#[async_trait(?Send)]` for `wasm32`.
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
pub trait ClientTransport: MaybeSend {
    /// Sends `body` to `endpoint` and returns the device's response bytes.
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Ends the link before the transport is dropped. BLE disconnects here: BlueZ keeps a
    /// connection that its D-Bus client left behind, and the device only ends the session (and
    /// advertises again) on a disconnect. The default does nothing; dropping is enough for the
    /// others. Best effort: never fails.
    async fn close(&mut self) {}
}

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The device could not be reached (connect failed or timed out, process did not start,
    /// serial port did not open).
    #[error("cannot reach {target}: {source}")]
    Unreachable {
        /// What was being reached (address, command, port).
        target: String,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },
    /// The device closed the connection (or printed nothing) instead of answering. After a
    /// handshake message this means a wrong PoP or password, or a security version mismatch.
    #[error("the device closed the connection without a response (after a handshake message: wrong PoP/password or security mismatch)")]
    ClosedWithoutResponse,
    /// No response within the configured time.
    #[error("timed out waiting for the device")]
    Timeout,
    /// The device refuses handshakes for a while after failed attempts (its guessing limit;
    /// uniprov devices answer HTTP 429 with `Retry-After`).
    #[error("the device refuses handshakes for a while after failed attempts")]
    Busy {
        /// How long to wait, when the device said.
        retry_after: Option<std::time::Duration>,
    },
    /// The device answered with an HTTP status other than 200 (404 is [`TransportError::NoEndpoint`]).
    #[error("the device answered HTTP {0}")]
    Http(u16),
    /// The device has no such endpoint: HTTP 404, no BLE characteristic of that name. A
    /// session-only device (§11) answers this for prov-config, prov-scan and prov-ctrl.
    #[error("the device has no endpoint {0}")]
    NoEndpoint(String),
    /// The request line does not fit the device's console line buffer (§9.3: ESP-IDF reads at
    /// most 255 bytes, CR included); nothing was sent.
    #[error("a {len}-byte console line to {endpoint} does not fit the device's console, which takes at most {max} bytes per line (ESP-IDF's line buffer: 255); security 2 never fits an ESP console: use BLE or SoftAP (a `uniprov device` console takes longer lines: pass --console-max-line 16385)")]
    LineTooLong {
        /// The endpoint of the request.
        endpoint: String,
        /// The line's length in bytes, CR included.
        len: usize,
        /// The longest line the device takes.
        max: usize,
    },
    /// The device's answer did not follow the transport's framing.
    #[error("transport protocol error: {0}")]
    Protocol(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Lowercase hex of `bytes`.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Strict hex decoding: even length, hex digits only.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| {
            let pair = text.get(at..at + 2)?;
            pair.bytes().all(|b| b.is_ascii_hexdigit()).then_some(())?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_strictness() {
        assert_eq!(encode_hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode_hex("00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(decode_hex(""), Some(vec![]));
        for bad in ["0", "+a", "zz", "\u{e9}0"] {
            assert_eq!(decode_hex(bad), None, "{bad}");
        }
    }
}
