//! Device transports: HTTP and console servers that move `(session, endpoint, bytes)` into the
//! device's request queue and the manager's answer back onto the wire (§9).
//!
//! Transports hold no protocol logic. Each one sends [`TransportEvent::SessionOpened`] before the
//! first request of a new transport session, then one [`TransportEvent::Request`] per request,
//! and [`TransportEvent::SessionClosed`] when it forgets a session. The manager answers every
//! request through its [`TransportRequest::reply`] channel; `None` (or a dropped sender) means
//! *refused*, which each transport signals the way ESP-IDF does (§3.3): HTTP closes the
//! connection without writing any response, the console prints nothing.

#[cfg(all(target_os = "linux", feature = "ble"))]
pub mod ble;
pub mod console;
mod console_codec;
pub mod http;
mod http_io;
mod http_sessions;
pub mod peer;
pub mod session_id;

pub use console::{ConsoleConfig, ConsoleTransport};
pub use http::{HttpConfig, HttpConnection, HttpTransport, Refused};
pub use peer::{Origin, Peer};

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
    /// Where the manager sends the response bytes; `None` refuses the request (§3.3).
    pub reply: tokio::sync::oneshot::Sender<Option<Vec<u8>>>,
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

/// Sends `request` to the manager and waits for its answer; `None` when refused or when the
/// manager is gone.
pub(crate) async fn ask(
    queue: &RequestQueue,
    session: SessionId,
    endpoint: String,
    body: Vec<u8>,
) -> Option<Vec<u8>> {
    ask_from(queue, None, session, endpoint, body).await
}

/// [`ask`] for a request from the client address `peer`.
pub(crate) async fn ask_from(
    queue: &RequestQueue,
    peer: Option<Origin>,
    session: SessionId,
    endpoint: String,
    body: Vec<u8>,
) -> Option<Vec<u8>> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let request = TransportRequest {
        session,
        endpoint,
        body,
        peer,
        reply,
    };
    queue.send(TransportEvent::Request(request)).await.ok()?;
    answer.await.ok().flatten()
}
