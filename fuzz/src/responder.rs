//! An in-process device behind the transport targets: a task that answers the transport's
//! request queue with a core [`Protocomm`], as the device's manager task does, and checks the
//! transport's side of the contract (`SessionOpened` before a session's first request, no
//! double open or close).

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::mpsc;
use uniprov::device::transport::{SessionId, TransportEvent};
use uniprov_core::protocomm::{EndpointKind, Protocomm, Routed};
use uniprov_core::security::{DeviceSecurity, PreparedSecurity, Sec2Patch};

use uniprov_testkit::entropy::TapeEntropy;

/// The endpoints of the in-process device: what ESP's manager registers, plus one custom
/// endpoint. Request endpoints echo the decrypted request.
pub const ENDPOINTS: [(&str, EndpointKind); 5] = [
    ("proto-ver", EndpointKind::Version),
    ("prov-session", EndpointKind::Session),
    ("prov-config", EndpointKind::Request),
    ("prov-scan", EndpointKind::Request),
    ("custom-data", EndpointKind::Request),
];

/// The version text the device answers on `proto-ver`.
pub const VERSION: &[u8] = br#"{"prov":{"ver":"v1.1","sec_ver":1,"cap":["wifi_scan"]}}"#;

thread_local! {
    /// Prepared configurations by their `Debug` text and secrets: the targets use a handful,
    /// and preparing a security 2 verifier costs as much as a few handshakes.
    static PREPARED: RefCell<Vec<(Vec<u8>, PreparedSecurity)>> = const { RefCell::new(Vec::new()) };
}

/// The cache key of a configuration: every field, secrets included (fuzz fixtures only).
fn cache_key(security: &DeviceSecurity) -> Vec<u8> {
    match security {
        DeviceSecurity::Sec0 => vec![0],
        DeviceSecurity::Sec1 { pop } => {
            let mut key = vec![1];
            key.extend(pop.as_ref().map(|p| p.expose().clone()).unwrap_or_default());
            key
        }
        DeviceSecurity::Sec2 {
            salt,
            verifier,
            patch,
        } => {
            let mut key = vec![2, u8::from(matches!(patch, Sec2Patch::V1))];
            key.extend((salt.len() as u32).to_be_bytes());
            key.extend(salt);
            key.extend(verifier.expose());
            key
        }
    }
}

fn prepare(security: DeviceSecurity) -> PreparedSecurity {
    let key = cache_key(&security);
    PREPARED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, prepared)) = cache.iter().find(|(k, _)| *k == key) {
            return prepared.clone();
        }
        let prepared = PreparedSecurity::new(Arc::new(security));
        cache.push((key, prepared.clone()));
        prepared
    })
}

/// A router with [`ENDPOINTS`] and [`VERSION`].
pub fn protocomm(security: DeviceSecurity, max_sessions: usize) -> Protocomm {
    let mut p = Protocomm::prepared(prepare(security), max_sessions);
    p.set_version(VERSION.to_vec());
    for (name, kind) in ENDPOINTS {
        p.add_endpoint(name, kind)
            .unwrap_or_else(|e| panic!("add_endpoint({name}): {e}"));
    }
    p
}

/// What the responder saw, for the targets' checks.
#[derive(Debug, Default)]
pub struct Transcript {
    /// Every answer sent back (`None`: refused), in order.
    pub answers: Vec<Option<Vec<u8>>>,
    /// Sessions still open when the queue closed.
    pub open_at_end: HashSet<SessionId>,
    /// The most sessions open at once.
    pub max_open: usize,
}

/// Answers `events` until every sender is gone.
pub async fn serve(
    mut events: mpsc::Receiver<TransportEvent>,
    mut protocomm: Protocomm,
    mut entropy: TapeEntropy,
) -> Transcript {
    let mut t = Transcript::default();
    while let Some(event) = events.recv().await {
        match event {
            TransportEvent::SessionOpened(id) => {
                assert!(t.open_at_end.insert(id), "session {id:#x} opened twice");
                t.max_open = t.max_open.max(t.open_at_end.len());
                protocomm.open_session(id);
            }
            TransportEvent::SessionClosed(id) => {
                assert!(t.open_at_end.remove(&id), "closed unknown session {id:#x}");
                protocomm.close_session(id);
            }
            TransportEvent::Request(request) => {
                assert!(
                    t.open_at_end.contains(&request.session),
                    "request of session {:#x} before SessionOpened",
                    request.session
                );
                let routed = protocomm.receive(
                    request.session,
                    &request.endpoint,
                    &request.body,
                    &mut entropy,
                );
                let answer = match routed {
                    Ok(Routed::Reply(bytes)) => Some(bytes),
                    Ok(Routed::Request { plaintext, .. }) => {
                        protocomm.respond(request.session, &plaintext).ok()
                    }
                    Err(_) => None,
                };
                t.answers.push(answer.clone());
                // The transport may have given up on the request; that is not an error.
                let _ = request.reply.send(answer.into());
            }
        }
    }
    t
}

/// Awaits the responder task and returns its transcript, re-raising a
/// panic of the responder in the caller.
pub async fn finish(handle: tokio::task::JoinHandle<Transcript>) -> Transcript {
    match handle.await {
        Ok(t) => t,
        Err(e) => match e.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(e) => panic!("responder task failed: {e}"),
        },
    }
}

/// A current-thread runtime with timers (the HTTP body timeout needs them).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"))
}
