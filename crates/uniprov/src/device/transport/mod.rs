//! Device transports: HTTP, console and BLE servers that move `(session, endpoint, bytes)` into the
//! device's request queue and the manager's answer back onto the wire (§9).
//!
//! Transports hold no protocol logic. Each one sends [`TransportEvent::SessionOpened`] before the
//! first request of a new transport session, then one [`TransportEvent::Request`] per request,
//! and [`TransportEvent::SessionClosed`] when it forgets a session. The manager answers every
//! request through its [`TransportRequest::reply`] channel; `None` (or a dropped sender) means
//! *refused*, which each transport signals the way ESP-IDF does (§3.3): HTTP closes the
//! connection without writing any response, the console prints nothing.
//!
//! A device names its transports with [`TransportSpec`]; at start each spec opens itself
//! (`open.rs` picks the transport, the transport's own file knows how it binds, opens its port or
//! registers with BlueZ) and hands back the task that serves it.

mod accept;
#[cfg(all(target_os = "linux", feature = "ble"))]
pub mod ble;
pub mod captive;
pub mod console;
mod console_codec;
pub mod http;
mod http_io;
mod http_sessions;
mod open;
pub mod peer;
pub mod session_id;
mod site_server;
pub mod static_site;

use std::time::Duration;

pub use captive::CaptivePortal;
pub use console::{ConsoleConfig, ConsoleTransport};
pub use http::{HttpConfig, HttpConnection, HttpTransport, Refused};
pub(crate) use open::OpenContext;
pub use open::{ConsoleIo, OpenError, TransportSpec};
pub use peer::{Origin, Peer};
pub use site_server::serve_site;
pub use static_site::{SiteError, SiteLimits, StaticSite};

/// A transport session, namespaced per transport (see [`session_id`]) so ids of different
/// transports never collide.
pub type SessionId = u64;

/// One request of one transport session, waiting for the manager's answer.
#[derive(Debug)]
pub struct TransportRequest {
    /// The transport session the request belongs to.
    pub session: SessionId,
    /// The endpoint name (`prov-session`, `proto-ver`, ...), without the HTTP path's `/`.
    pub endpoint: String,
    /// The raw request bytes.
    pub body: Vec<u8>,
    /// The client's address, when the transport has one (HTTP: IP, BLE: Bluetooth address).
    /// Transports without one are a single peer each for the guessing limits ([`Peer::of`]).
    pub peer: Option<Origin>,
    /// Where the manager sends its answer (a dropped sender refuses the request, §3.3).
    pub reply: tokio::sync::oneshot::Sender<Answer>,
}

/// The manager's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The response bytes.
    Response(Vec<u8>),
    /// Refused (§3.3): HTTP closes the connection without a response, the console prints
    /// nothing, BLE fails the write. What ESP-IDF does for every refusal.
    Refused,
    /// A `prov-session` request of a peer whose handshakes are refused for `retry_after`
    /// (the guessing limits, SECURITY.md). HTTP answers `429 Too Many Requests` with
    /// `Retry-After`, so a client can tell it from a wrong PoP / password (which closes the
    /// connection); the console and BLE refuse as above, and a client tells the two apart by
    /// the step: a backoff refuses the first handshake message, a wrong secret the second.
    Backoff {
        /// Time until handshakes are accepted again.
        retry_after: Duration,
    },
}

impl Answer {
    /// The response bytes; `None` for a refusal of either kind.
    pub fn into_response(self) -> Option<Vec<u8>> {
        match self {
            Answer::Response(bytes) => Some(bytes),
            Answer::Refused | Answer::Backoff { .. } => None,
        }
    }
}

impl From<Option<Vec<u8>>> for Answer {
    fn from(response: Option<Vec<u8>>) -> Self {
        response.map_or(Answer::Refused, Answer::Response)
    }
}

/// What a transport tells the manager.
#[derive(Debug)]
pub enum TransportEvent {
    /// A new transport session starts; sent before its first request.
    SessionOpened(SessionId),
    /// The transport forgot a session (evicted cookie, console session switch, end of input).
    SessionClosed(SessionId),
    /// A request to answer.
    Request(TransportRequest),
}

/// The manager's request queue, shared by all transports (one queue, arrival order).
pub type RequestQueue = tokio::sync::mpsc::Sender<TransportEvent>;

/// Sends `request` to the manager and waits for its answer; `None` when refused (a backoff
/// included) or when the manager is gone.
pub(crate) async fn ask(
    queue: &RequestQueue,
    session: SessionId,
    endpoint: String,
    body: Vec<u8>,
) -> Option<Vec<u8>> {
    ask_from(queue, None, session, endpoint, body)
        .await
        .into_response()
}

/// [`ask`] for a request from the client address `peer`.
pub(crate) async fn ask_from(
    queue: &RequestQueue,
    peer: Option<Origin>,
    session: SessionId,
    endpoint: String,
    body: Vec<u8>,
) -> Answer {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let request = TransportRequest {
        session,
        endpoint,
        body,
        peer,
        reply,
    };
    if queue.send(TransportEvent::Request(request)).await.is_err() {
        return Answer::Refused;
    }
    answer.await.unwrap_or(Answer::Refused)
}
