//! The device task's guessing limits (docs/protocol.md §7 item 3) and idle-session timeout, driven
//! through the request queue under a paused clock: peers are given as IP addresses, time only
//! moves when the test advances it.

use crate::device;
use uniprov_testkit::client;

use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::{broadcast, oneshot};
use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::security::{ClientHandshake, ClientSession, ClientStep};
use uniprov::device::runtime::{
    AuthBackoff, AuthLimits, BackoffScope, DeviceBuilder, DeviceEvent, DeviceHandle,
};
use uniprov::device::transport::{Peer, RequestQueue, TransportEvent, TransportRequest};
use uniprov::entropy::OsEntropy;

/// One request into the device's queue from `peer`; the answer or `None` (refused).
async fn ask(
    queue: &RequestQueue,
    peer: IpAddr,
    session: u64,
    endpoint: &str,
    body: Vec<u8>,
) -> Option<Vec<u8>> {
    let (reply, answer) = oneshot::channel();
    let request = TransportRequest {
        session,
        endpoint: endpoint.into(),
        body,
        peer: Some(peer.into()),
        reply,
    };
    queue
        .send(TransportEvent::Request(request))
        .await
        .expect("queue");
    answer
        .await
        .ok()
        .and_then(uniprov::device::transport::Answer::into_response)
}

/// The handshake of `session` from `peer` with `pop`: the session, or `None` when the device
/// refused a step.
async fn handshake(
    queue: &RequestQueue,
    peer: IpAddr,
    session: u64,
    pop: &str,
) -> Option<ClientSession> {
    let mut entropy = OsEntropy;
    let mut handshake = ClientHandshake::new(client::sec1(Some(pop)));
    let mut request = handshake.start(&mut entropy);
    loop {
        let response = ask(queue, peer, session, "prov-session", request).await?;
        match handshake
            .receive(&response, &mut entropy)
            .expect("device answers")
        {
            ClientStep::Send(next) => request = next,
            ClientStep::Established(s) => return Some(s),
        }
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("ip")
}

async fn start(builder: DeviceBuilder) -> (DeviceHandle, broadcast::Receiver<DeviceEvent>) {
    let events = builder.subscribe();
    (builder.start().await.expect("start"), events)
}

fn backoffs(events: &mut broadcast::Receiver<DeviceEvent>) -> Vec<AuthBackoff> {
    let mut found = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let DeviceEvent::AuthBackoff(b) = event {
            found.push(b);
        }
    }
    found
}

#[tokio::test(start_paused = true)]
async fn wrong_pops_put_that_peer_into_backoff_while_others_provision() {
    let (handle, mut events) =
        start(DeviceBuilder::new(device::device_sec1(Some("right-pop")))).await;
    let queue = handle.request_queue();
    let guesser = ip("192.168.4.66");
    for n in 0..5 {
        assert!(handshake(&queue, guesser, 100 + n, "wrong").await.is_none());
    }
    let started = backoffs(&mut events);
    assert_eq!(
        started,
        vec![AuthBackoff {
            peer: Peer::from_ip(guesser),
            scope: BackoffScope::Peer,
            failures: 5,
            delay: Duration::from_secs(1),
        }]
    );
    // In backoff even the right PoP is refused, at the first message.
    assert!(handshake(&queue, guesser, 200, "right-pop").await.is_none());
    // Another peer is served meanwhile.
    let mut session = handshake(&queue, ip("192.168.4.2"), 300, "right-pop")
        .await
        .expect("other peer");
    let body = session
        .encrypt(&ConfigRequest::GetWifiStatus.encode())
        .expect("encrypt");
    let answer = ask(&queue, ip("192.168.4.2"), 300, "prov-config", body).await;
    let plain = session
        .decrypt(&answer.expect("answered"))
        .expect("decrypt");
    assert!(matches!(
        ConfigResponse::decode(&plain),
        Ok(ConfigResponse::WifiStatus { .. })
    ));
    // After the backoff the guesser may try again; success resets its count.
    tokio::time::advance(Duration::from_secs(1)).await;
    assert!(handshake(&queue, guesser, 400, "right-pop").await.is_some());
    for n in 0..4 {
        assert!(handshake(&queue, guesser, 500 + n, "wrong").await.is_none());
    }
    assert!(backoffs(&mut events).is_empty(), "counting from zero again");
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn many_guessing_peers_trigger_the_global_backoff() {
    let limits = AuthLimits {
        global_max_failures: 6,
        ..AuthLimits::default()
    };
    let builder = DeviceBuilder::new(device::device_sec1(Some("right-pop"))).auth_limits(limits);
    let (handle, mut events) = start(builder).await;
    let queue = handle.request_queue();
    for n in 0..6u8 {
        let peer = IpAddr::from([10, 0, 0, n]);
        assert!(handshake(&queue, peer, u64::from(n), "wrong")
            .await
            .is_none());
    }
    let started = backoffs(&mut events);
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].scope, BackoffScope::Global);
    assert!(
        handshake(&queue, ip("10.0.0.99"), 99, "right-pop")
            .await
            .is_none(),
        "everyone waits"
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    assert!(handshake(&queue, ip("10.0.0.99"), 99, "right-pop")
        .await
        .is_some());
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn sessions_idle_for_the_timeout_are_closed() {
    let builder = DeviceBuilder::new(device::device_sec1(Some("pop")))
        .session_idle_timeout(Duration::from_secs(60));
    let (handle, _events) = start(builder).await;
    let queue = handle.request_queue();
    let peer = ip("192.168.4.2");
    let mut session = handshake(&queue, peer, 1, "pop").await.expect("handshake");
    let status = |session: &mut ClientSession| {
        session
            .encrypt(&ConfigRequest::GetWifiStatus.encode())
            .expect("encrypt")
    };
    // Used every 50 s: stays open.
    for _ in 0..3 {
        tokio::time::advance(Duration::from_secs(50)).await;
        let body = status(&mut session);
        let answer = ask(&queue, peer, 1, "prov-config", body).await;
        session.decrypt(&answer.expect("open")).expect("decrypt");
    }
    // Idle for 61 s (+ sweep granularity): closed, the request is refused.
    tokio::time::advance(Duration::from_secs(69)).await;
    let body = status(&mut session);
    assert!(ask(&queue, peer, 1, "prov-config", body).await.is_none());
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn by_default_a_session_survives_minutes_on_the_password_screen() {
    // The apps have no keep-alive: the handshake, then minutes until the first request.
    let builder = DeviceBuilder::new(device::device_sec1(Some("pop")));
    let (handle, _events) = start(builder).await;
    let queue = handle.request_queue();
    let peer = ip("192.168.4.2");
    let mut session = handshake(&queue, peer, 1, "pop").await.expect("handshake");
    tokio::time::advance(Duration::from_secs(14 * 60)).await;
    let body = session
        .encrypt(&ConfigRequest::GetWifiStatus.encode())
        .expect("encrypt");
    let answer = ask(&queue, peer, 1, "prov-config", body).await;
    session
        .decrypt(&answer.expect("still open"))
        .expect("decrypt");
    // Abandoned for the default 15 minutes (+ sweep granularity): closed.
    tokio::time::advance(Duration::from_secs(17 * 60)).await;
    let body = session
        .encrypt(&ConfigRequest::GetWifiStatus.encode())
        .expect("encrypt");
    assert!(ask(&queue, peer, 1, "prov-config", body).await.is_none());
    handle.shutdown().await;
}
