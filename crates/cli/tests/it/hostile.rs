//! Hostile clients against a `uniprov device` process over HTTP and its console: random bytes,
//! truncated and oversized bodies, wrong `sec_ver`, Cmd1 before Cmd0, replayed and reordered
//! messages, wrong passwords, unknown endpoints, slow and hundreds of parallel connections.
//! Afterwards the same process provisions normally (security 2), and its memory and open
//! descriptors are back near the baseline measured before the attack.
//!
//! `UNIPROV_HOSTILE_REQUESTS` scales the attack (default 10 000 requests).
//!
//! The guessing limits refuse the wrong-password flood: all clients here are 127.0.0.1, one
//! peer, so the device runs with `--auth-backoff-cap-s 1` and the final, legitimate client
//! waits out the backoff (retrying its handshake until the device accepts it).

use crate::hostile_console as console;
use crate::process;
use crate::raw_http;
use uniprov_testkit::client;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use raw_http::{post_once, Outcome, RawConn};
use tokio::time::Instant;
use uniprov::core::messages::config::ConfigRequest;
use uniprov::core::messages::{Status, WifiStatus};
use uniprov::core::security::{ClientHandshake, ClientSession, ClientStep, Sec2Patch};
use uniprov::entropy::OsEntropy;

const PASSWORD: &str = "hostile-test-pw";
const WRONG: &str = "not-the-password";

fn budget() -> usize {
    std::env::var("UNIPROV_HOSTILE_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// Messages of a sec2 handshake over one raw connection: the transcript, and the session
/// when the device accepted the proof.
async fn raw_handshake(
    conn: &mut RawConn,
    password: &str,
) -> (Vec<Vec<u8>>, Option<ClientSession>) {
    let mut entropy = OsEntropy;
    let security = client::sec2("wifiprov", password, Sec2Patch::V1);
    let mut handshake = ClientHandshake::new(security);
    let mut request = handshake.start(&mut entropy);
    let mut sent = Vec::new();
    loop {
        sent.push(request.clone());
        let Outcome::Response(200, body) = conn.post("prov-session", &request).await else {
            return (sent, None);
        };
        match handshake.receive(&body, &mut entropy) {
            Ok(ClientStep::Send(next)) => request = next,
            Ok(ClientStep::Established(session)) => return (sent, Some(session)),
            Err(_) => return (sent, None),
        }
    }
}

/// Replays and reorders on real sessions; returns a stale Cmd1 and a stale encrypted request.
async fn replays(addr: SocketAddr, count: &AtomicUsize) -> (Vec<u8>, Vec<u8>) {
    let mut conn = RawConn::connect(addr).await;
    let (sent, session) = raw_handshake(&mut conn, PASSWORD).await;
    let mut session = session.expect("the right password works before the attack");
    let status = session
        .encrypt(&ConfigRequest::GetWifiStatus.encode())
        .expect("encrypt");
    assert!(matches!(
        conn.post("prov-config", &status).await,
        Outcome::Response(200, _)
    ));
    // The same ciphertext again on the same session: refused (GCM counter, §6.4).
    assert_eq!(conn.post("prov-config", &status).await, Outcome::Closed);
    count.fetch_add(sent.len() + 2, Ordering::Relaxed);
    // Reordered: the old Cmd1 after a fresh Cmd0 of a new session, and Cmd1 before Cmd0.
    let mut conn = RawConn::connect(addr).await;
    let cmd1 = sent[1].clone();
    assert!(matches!(
        conn.post("prov-session", &sent[0]).await,
        Outcome::Response(200, _)
    ));
    assert_eq!(conn.post("prov-session", &cmd1).await, Outcome::Closed);
    assert_eq!(
        post_once(addr, "prov-session", &cmd1).await,
        Outcome::Closed
    );
    count.fetch_add(3, Ordering::Relaxed);
    (cmd1, status)
}

/// A refused handshake message: closed without a response (§3.3), or, while the guessing
/// limit backs this peer off (the flood of wrong passwords does), `429` with the wait.
fn assert_handshake_refused(outcome: Outcome) {
    match outcome {
        Outcome::Closed => {}
        Outcome::Response(429, body) => assert!(
            String::from_utf8_lossy(&body).contains("retry in"),
            "a 429 without the wait: {:?}",
            String::from_utf8_lossy(&body)
        ),
        other => panic!("a bad handshake message was answered: {other:?}"),
    }
}

/// Wrong passwords back to back: the device must start refusing at Cmd0.
async fn guess(addr: SocketAddr, attempts: usize, count: &AtomicUsize) {
    let started = Instant::now();
    let (mut evaluated, mut refused_early) = (0, 0);
    for _ in 0..attempts {
        let mut conn = RawConn::connect(addr).await;
        let (sent, session) = raw_handshake(&mut conn, WRONG).await;
        assert!(session.is_none());
        count.fetch_add(sent.len(), Ordering::Relaxed);
        match sent.len() {
            1 => refused_early += 1,
            _ => evaluated += 1,
        }
    }
    let elapsed = started.elapsed().as_secs();
    assert!(
        refused_early > 0,
        "no backoff after {attempts} wrong passwords"
    );
    // 5 free guesses, then at most one per (capped, 1 s) backoff.
    let bound = 5 + elapsed as usize + 2;
    assert!(
        evaluated <= bound,
        "{evaluated} guesses evaluated in {elapsed} s"
    );
}

/// Adversarial console lines, including wrong-password handshakes.
async fn console_attack(console: &mut console::Console, lines: usize, count: &AtomicUsize) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut refused_cmd0 = 0;
    for i in 0..lines {
        let session = rng.gen_range(0..4u32);
        match i % 8 {
            0 => {
                let len = rng.gen_range(0..400);
                let line: Vec<u8> = (0..len)
                    .map(|_| rng.gen::<u8>())
                    .filter(|b| *b != b'\r' && *b != b'\n')
                    .collect();
                console.line(&line).await;
            }
            1 if i % 64 == 1 => {
                let long = vec![b'a'; 20_000];
                assert!(
                    console.line(&long).await.is_empty(),
                    "overlong line refused"
                );
            }
            2 => {
                let body: Vec<u8> = (0..rng.gen_range(1..300)).map(|_| rng.gen()).collect();
                assert!(console
                    .request("prov-session", session, &body)
                    .await
                    .is_none());
            }
            3 => assert!(console
                .request("no-such-endpoint", session, b"x")
                .await
                .is_none()),
            4 => {
                let body: Vec<u8> = (0..rng.gen_range(1..64)).map(|_| rng.gen()).collect();
                assert!(console
                    .request("prov-config", session, &body)
                    .await
                    .is_none());
            }
            5 if i % 40 == 5 => {
                // A wrong-password handshake (one line per message).
                let mut entropy = OsEntropy;
                let security = client::sec2("wifiprov", WRONG, Sec2Patch::V1);
                let mut handshake = ClientHandshake::new(security);
                let cmd0 = handshake.start(&mut entropy);
                match console.request("prov-session", 9, &cmd0).await {
                    None => refused_cmd0 += 1,
                    Some(answer) => {
                        if let Ok(ClientStep::Send(cmd1)) = handshake.receive(&answer, &mut entropy)
                        {
                            assert!(console.request("prov-session", 9, &cmd1).await.is_none());
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            _ => {
                let answer = console.request("proto-ver", session, b"ESP").await;
                assert!(
                    answer.is_some_and(|a| a.starts_with(b"{")),
                    "proto-ver answers"
                );
            }
        }
        count.fetch_add(1, Ordering::Relaxed);
    }
    if lines >= 400 {
        assert!(
            refused_cmd0 > 0,
            "the console peer was never put into backoff"
        );
    }
}

/// One adversarial HTTP request of kind `i % 12`.
async fn http_attack(addr: SocketAddr, i: usize, stale: &(Vec<u8>, Vec<u8>), rng: &mut impl Rng) {
    match i % 12 {
        0 => {
            let len = rng.gen_range(1..2000);
            let bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            let mut conn = RawConn::connect(addr).await;
            conn.send_raw(&bytes).await;
            let answer = conn.finish().await;
            assert!(
                !answer.starts_with(b"HTTP/1.1 200"),
                "random bytes were answered"
            );
        }
        1 => {
            let mut conn = RawConn::connect(addr).await;
            conn.send_raw(b"POST /prov-session HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789")
                .await;
            assert!(conn.finish().await.is_empty(), "truncated body answered");
        }
        2 => {
            let started = Instant::now();
            let mut conn = RawConn::connect(addr).await;
            conn.send_raw(b"POST /prov-session HTTP/1.1\r\nContent-Length: 1000000\r\n\r\nxx")
                .await;
            assert_eq!(conn.read_response().await, Outcome::Closed);
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "waited for the body"
            );
        }
        3 => {
            // A security 1 Cmd0 to a security 2 device: wrong sec_ver.
            let mut handshake = ClientHandshake::new(client::sec1(Some("x")));
            let cmd0 = handshake.start(&mut OsEntropy);
            assert_handshake_refused(post_once(addr, "prov-session", &cmd0).await);
        }
        4 => assert_handshake_refused(post_once(addr, "prov-session", &stale.0).await),
        5 => assert_eq!(
            post_once(addr, "prov-config", &stale.1).await,
            Outcome::Closed
        ),
        6 => assert_eq!(
            post_once(addr, "no-such-endpoint", b"x").await,
            Outcome::Closed
        ),
        7 => {
            let mut conn = RawConn::connect(addr).await;
            conn.send_raw(b"GET /proto-ver HTTP/1.1\r\nHost: d\r\n\r\n")
                .await;
            assert!(matches!(
                conn.read_response().await,
                Outcome::Response(405, _)
            ));
        }
        8 => {
            let body: Vec<u8> = (0..rng.gen_range(1..4096)).map(|_| rng.gen()).collect();
            assert_handshake_refused(post_once(addr, "prov-session", &body).await);
        }
        9 => {
            let mut conn = RawConn::connect(addr).await;
            conn.send_raw(b"POST /prov-session HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n")
                .await;
            assert_eq!(conn.read_response().await, Outcome::Closed);
        }
        10 => {
            let body: Vec<u8> = (0..rng.gen_range(1..100)).map(|_| rng.gen()).collect();
            assert_eq!(post_once(addr, "prov-config", &body).await, Outcome::Closed);
        }
        _ => {
            let answer = post_once(addr, "proto-ver", b"ESP").await;
            assert!(
                matches!(answer, Outcome::Response(200, _)),
                "proto-ver during the flood"
            );
        }
    }
}

/// Legitimate provisioning once the backoff is over.
async fn provision(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut c = loop {
        let mut c = client::http(addr).await;
        if c.handshake(client::sec2("wifiprov", PASSWORD, Sec2Patch::V1))
            .await
            .is_ok()
        {
            break c;
        }
        assert!(
            Instant::now() < deadline,
            "the device never accepted the right password"
        );
        tokio::task::yield_now().await;
    };
    let (set, apply) = c.send_credentials("HomeNetwork", "password123").await;
    assert_eq!((set, apply), (Status::Success, Status::Success));
    for _ in 0..100_000 {
        match c.wifi_status().await {
            WifiStatus::Connecting { .. } => tokio::task::yield_now().await,
            WifiStatus::Connected(_) => return,
            other => panic!("provisioning failed: {other:?}"),
        }
    }
    panic!("the station never connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_are_refused_and_the_device_still_provisions_with_bounded_resources() {
    let total = budget();
    let state = tempfile::tempdir().expect("tempdir");
    let args = [
        "--transport",
        "http",
        "--transport",
        "console",
        "--listen",
        "127.0.0.1:0",
        "--sec-ver",
        "2",
        "--sec2-pwd",
        PASSWORD,
        "--sim-connect-delay-ms",
        "0",
        "--no-auto-stop",
        "--auth-backoff-cap-s",
        "1",
    ];
    let (mut child, stderr) = process::spawn_device(&args, "info", state.path());
    let pid = child.id().expect("pid");
    let addr = process::http_addr(&stderr).await;
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut console = console::Console::open(stdin, stdout).await;
    assert!(matches!(
        post_once(addr, "proto-ver", b"ESP").await,
        Outcome::Response(200, _)
    ));
    let (rss0, fds0) = (process::rss_kib(pid), process::fd_count(pid));

    let count = Arc::new(AtomicUsize::new(0));
    let stale = Arc::new(replays(addr, &count).await);
    guess(addr, 30, &count).await;
    console_attack(&mut console, total / 5, &count).await;

    // Slow connections that never finish their request, held during the flood.
    let mut slow = Vec::new();
    for _ in 0..16 {
        let mut conn = RawConn::connect(addr).await;
        conn.send_raw(b"POST /prov-session HTTP/1.1\r\nContent-Le")
            .await;
        slow.push(conn);
    }
    let flood = total.saturating_sub(count.load(Ordering::Relaxed) + 300);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..12 {
        let (next, count, stale) = (Arc::clone(&next), Arc::clone(&count), Arc::clone(&stale));
        workers.spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(w);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= flood {
                    break;
                }
                http_attack(addr, i, &stale, &mut rng).await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.expect("flood worker");
    }
    drop(slow);
    // Hundreds of parallel connections (more than --max-connections: the rest wait).
    let mut parallel = tokio::task::JoinSet::new();
    for _ in 0..300 {
        parallel.spawn(async move { post_once(addr, "proto-ver", b"ESP").await });
    }
    while let Some(outcome) = parallel.join_next().await {
        assert!(matches!(outcome.expect("task"), Outcome::Response(200, _)));
        count.fetch_add(1, Ordering::Relaxed);
    }
    let sent = count.load(Ordering::Relaxed);
    assert!(sent >= total, "only {sent} of {total} requests sent");
    assert!(
        stderr.text().contains("too many failed handshakes"),
        "backoff not logged"
    );
    assert!(
        !stderr.text().contains(PASSWORD),
        "the password reached the log"
    );

    provision(addr).await;
    assert!(child.try_wait().expect("wait").is_none(), "the device died");
    let fds_back = process::eventually(Duration::from_secs(20), || {
        process::fd_count(pid) <= fds0 + 2
    })
    .await;
    let (rss1, fds1) = (process::rss_kib(pid), process::fd_count(pid));
    eprintln!("{sent} requests; VmRSS {rss0} -> {rss1} KiB; fds {fds0} -> {fds1}");
    assert!(fds_back, "descriptors leaked: {fds0} -> {fds1}");
    assert!(rss1 <= rss0 + 8 * 1024, "memory grew: {rss0} -> {rss1} KiB");
    child.kill().await.expect("kill");
}
