//! A fake device manager for transport tests: answers requests without any protocol core.
//!
//! Request bodies steer it: `refuse` is refused, `whoami` answers the session id in decimal,
//! `hang` is never answered, anything else is echoed. Every event is reported on a channel,
//! and a request for a session that was never opened is refused and reported as a violation.

use std::collections::HashSet;

use tokio::sync::{mpsc, oneshot};
use uniprov::device::transport::{RequestQueue, SessionId, TransportEvent};

/// What the fake manager saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Opened(SessionId),
    Closed(SessionId),
    Request {
        session: SessionId,
        endpoint: String,
        body: Vec<u8>,
    },
    /// A request arrived for a session without `SessionOpened` first.
    Violation(SessionId),
}

/// Starts the fake manager; returns its queue and the log of what it saw.
pub fn spawn_echo_manager() -> (RequestQueue, mpsc::UnboundedReceiver<Seen>) {
    let (queue, mut events) = mpsc::channel::<TransportEvent>(16);
    let (log, seen) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut open = HashSet::new();
        let mut hanging: Vec<oneshot::Sender<uniprov::device::transport::Answer>> = Vec::new();
        while let Some(event) = events.recv().await {
            match event {
                TransportEvent::SessionOpened(session) => {
                    open.insert(session);
                    let _ = log.send(Seen::Opened(session));
                }
                TransportEvent::SessionClosed(session) => {
                    open.remove(&session);
                    let _ = log.send(Seen::Closed(session));
                }
                TransportEvent::Request(request) => {
                    if !open.contains(&request.session) {
                        let _ = log.send(Seen::Violation(request.session));
                        let _ = request.reply.send(None.into());
                        continue;
                    }
                    let _ = log.send(Seen::Request {
                        session: request.session,
                        endpoint: request.endpoint.clone(),
                        body: request.body.clone(),
                    });
                    let answer = match request.body.as_slice() {
                        b"refuse" => None,
                        b"whoami" => Some(request.session.to_string().into_bytes()),
                        b"hang" => {
                            hanging.push(request.reply);
                            continue;
                        }
                        body => Some(body.to_vec()),
                    };
                    let _ = request.reply.send(answer.into());
                }
            }
        }
    });
    (queue, seen)
}

/// Everything seen so far, without waiting.
pub fn drain(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Vec<Seen> {
    let mut all = Vec::new();
    while let Ok(event) = seen.try_recv() {
        all.push(event);
    }
    all
}
