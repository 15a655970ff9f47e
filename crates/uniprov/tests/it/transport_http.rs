//! The device HTTP transport over real loopback sockets (§9.1, §3.3).

use std::net::SocketAddr;
use std::time::Duration;

use crate::fake_manager::{drain, spawn_echo_manager, Seen};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use uniprov::device::transport::{session_id, HttpConfig, HttpTransport};

/// Upper bound for things that must happen promptly (a failure, not a synchronisation).
const PATIENCE: Duration = Duration::from_secs(10);

/// A running HTTP transport with the echoing fake manager (also used by `transport_http_site`).
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) seen: mpsc::UnboundedReceiver<Seen>,
    _stop: oneshot::Sender<()>,
}

/// Starts the transport with `config` on a free loopback port; it stops when dropped.
pub(crate) async fn start(config: HttpConfig) -> Server {
    let (queue, seen) = spawn_echo_manager();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let transport = HttpTransport::new(config, queue);
    tokio::spawn(transport.serve(listener, async move {
        let _ = stopped.await;
    }));
    Server {
        addr,
        seen,
        _stop: stop,
    }
}

fn post(endpoint: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /{endpoint} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Reads one response: the head (through the blank line) as text, and the body.
async fn read_response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = stream.read_u8().await.expect("response head");
        head.push(byte);
    }
    let head = String::from_utf8(head).expect("ascii head");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .and_then(|value| value.trim().parse().ok())
        .expect("Content-Length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.expect("response body");
    (head, body)
}

/// Asserts that the server closes the connection without sending a single byte.
async fn assert_closed_silently(stream: &mut TcpStream) {
    let mut received = Vec::new();
    match stream.read_to_end(&mut received).await {
        Ok(_) => assert!(
            received.is_empty(),
            "got {:?}",
            String::from_utf8_lossy(&received)
        ),
        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset),
    }
    assert!(received.is_empty());
}

fn cookie_in(head: &str) -> Option<u32> {
    head.lines()
        .find_map(|line| line.strip_prefix("Set-Cookie: session="))
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn section_9_1_header_order_is_byte_exact_and_cookie_comes_first_time_only() {
    let mut server = start(HttpConfig::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(&post("proto-ver", "", b"abc"))
        .await
        .expect("send");
    let (head, body) = read_response(&mut stream).await;
    let cookie = cookie_in(&head).expect("Set-Cookie on the first response");
    let expected = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 3\r\nSet-Cookie: session={cookie}\r\n\r\n"
    );
    assert_eq!(head, expected);
    assert_eq!(body, b"abc");

    stream
        .write_all(&post("prov-session", "", b"whoami"))
        .await
        .expect("send");
    let (head, body) = read_response(&mut stream).await;
    let session = session_id::http(cookie).to_string();
    let expected = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        session.len()
    );
    assert_eq!(
        head, expected,
        "same socket without cookie continues the session"
    );
    assert_eq!(body, session.as_bytes());
    let seen = drain(&mut server.seen);
    assert_eq!(seen[0], Seen::Opened(session_id::http(cookie)));
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[tokio::test]
async fn echoed_cookie_continues_the_session_on_a_new_connection() {
    let mut server = start(HttpConfig::default()).await;
    let mut first = TcpStream::connect(server.addr).await.expect("connect");
    first
        .write_all(&post("proto-ver", "", b"x"))
        .await
        .expect("send");
    let cookie = cookie_in(&read_response(&mut first).await.0).expect("cookie");
    drop(first);

    let mut second = TcpStream::connect(server.addr).await.expect("connect");
    let header = format!("Cookie: session={cookie}\r\n");
    second
        .write_all(&post("prov-session", &header, b"whoami"))
        .await
        .expect("send");
    let (head, body) = read_response(&mut second).await;
    assert_eq!(cookie_in(&head), None);
    assert_eq!(body, session_id::http(cookie).to_string().as_bytes());
    let opened = drain(&mut server.seen)
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Opened(_)))
        .count();
    assert_eq!(opened, 1);
}

#[tokio::test]
async fn non_matching_cookie_starts_a_new_session_even_on_the_same_socket() {
    let mut server = start(HttpConfig::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(&post("proto-ver", "", b"x"))
        .await
        .expect("send");
    let first = cookie_in(&read_response(&mut stream).await.0).expect("cookie");
    for stale in [
        format!("session={first}; a=b"),
        format!("session=0{first}"),
        "x".into(),
    ] {
        let header = format!("Cookie: {stale}\r\n");
        stream
            .write_all(&post("proto-ver", &header, b"x"))
            .await
            .expect("send");
        let (head, _) = read_response(&mut stream).await;
        let next = cookie_in(&head).expect("a new session announces its cookie");
        assert_ne!(next, first);
    }
    // Without a cookie the socket now continues its latest session.
    stream
        .write_all(&post("proto-ver", "", b"x"))
        .await
        .expect("send");
    assert_eq!(cookie_in(&read_response(&mut stream).await.0), None);
    let opened = drain(&mut server.seen)
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Opened(_)))
        .count();
    assert_eq!(opened, 4);
}

#[tokio::test]
async fn two_clients_keep_separate_sessions() {
    let mut server = start(HttpConfig::default()).await;
    let mut a = TcpStream::connect(server.addr).await.expect("connect");
    let mut b = TcpStream::connect(server.addr).await.expect("connect");
    a.write_all(&post("prov-session", "", b"whoami"))
        .await
        .expect("send");
    let (head_a, body_a) = read_response(&mut a).await;
    b.write_all(&post("prov-session", "", b"whoami"))
        .await
        .expect("send");
    let (head_b, body_b) = read_response(&mut b).await;
    assert_ne!(cookie_in(&head_a), cookie_in(&head_b));
    assert_ne!(body_a, body_b);
    // Both stay alive: a's session is not killed by b (unlike ESP-IDF, §7 item 10).
    a.write_all(&post("prov-session", "", b"whoami"))
        .await
        .expect("send");
    assert_eq!(read_response(&mut a).await.1, body_a);
    assert!(!drain(&mut server.seen)
        .iter()
        .any(|s| matches!(s, Seen::Closed(_))));
}

#[tokio::test]
async fn least_recently_used_cookie_session_is_closed_when_the_table_is_full() {
    let config = HttpConfig {
        max_tracked_sessions: 2,
        ..HttpConfig::default()
    };
    let mut server = start(config).await;
    let mut cookies = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream
            .write_all(&post("proto-ver", "", b"x"))
            .await
            .expect("send");
        cookies.push(cookie_in(&read_response(&mut stream).await.0).expect("cookie"));
    }
    let seen = drain(&mut server.seen);
    assert!(
        seen.contains(&Seen::Closed(session_id::http(cookies[0]))),
        "{seen:?}"
    );
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let header = format!("Cookie: session={}\r\n", cookies[0]);
    stream
        .write_all(&post("proto-ver", &header, b"x"))
        .await
        .expect("send");
    assert!(cookie_in(&read_response(&mut stream).await.0).is_some());
}

#[tokio::test]
async fn section_3_3_refusal_closes_without_a_single_byte() {
    let mut server = start(HttpConfig::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(&post("prov-session", "", b"refuse"))
        .await
        .expect("send");
    assert_closed_silently(&mut stream).await;
    let seen = drain(&mut server.seen);
    assert!(matches!(seen.last(), Some(Seen::Request { body, .. }) if body == b"refuse"));
}

#[tokio::test]
async fn other_methods_get_405() {
    let server = start(HttpConfig::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(b"GET /proto-ver HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send");
    let (head, _) = read_response(&mut stream).await;
    assert!(
        head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{head}"
    );
    assert!(head.contains("Allow: POST\r\n"));
}

#[tokio::test]
async fn bodies_outside_1_to_4096_bytes_or_without_length_are_refused() {
    // A body timeout far beyond the test's patience: closing must not wait for any body.
    let config = HttpConfig {
        body_read_timeout: Duration::from_secs(3600),
        ..HttpConfig::default()
    };
    let mut server = start(config).await;
    let cases: [&[u8]; 4] = [
        b"POST /proto-ver HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /proto-ver HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        b"POST /proto-ver HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
        // Only the head: the connection must close without waiting for the 4097 bytes.
        b"POST /proto-ver HTTP/1.1\r\nHost: x\r\nContent-Length: 4097\r\n\r\n",
    ];
    for request in cases {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream.write_all(request).await.expect("send");
        let closed = tokio::time::timeout(PATIENCE, assert_closed_silently(&mut stream)).await;
        assert!(
            closed.is_ok(),
            "kept open: {}",
            String::from_utf8_lossy(request)
        );
    }
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(&post("proto-ver", "", &[7; 4096]))
        .await
        .expect("send");
    let (_, body) = read_response(&mut stream).await;
    assert_eq!(body.len(), 4096);
    let requests = drain(&mut server.seen)
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Request { .. }))
        .count();
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed() {
    let config = HttpConfig {
        idle_timeout: Duration::from_millis(100),
        header_read_timeout: Duration::from_millis(100),
        ..HttpConfig::default()
    };
    let server = start(config).await;
    // Idle after a request.
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    idle.write_all(&post("proto-ver", "", b"x"))
        .await
        .expect("send");
    read_response(&mut idle).await;
    let closed = tokio::time::timeout(PATIENCE, assert_closed_silently(&mut idle)).await;
    assert!(closed.is_ok(), "idle connection stayed open");
    // Half a request head.
    let mut slow = TcpStream::connect(server.addr).await.expect("connect");
    slow.write_all(b"POST /proto-ver HTTP/1.1\r\nHo")
        .await
        .expect("send");
    let closed = tokio::time::timeout(PATIENCE, assert_closed_silently(&mut slow)).await;
    assert!(closed.is_ok(), "slow connection stayed open");
}

#[tokio::test]
async fn serve_returns_after_shutdown_even_with_an_idle_connection_open() {
    let (queue, _seen) = spawn_echo_manager();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let transport = HttpTransport::new(HttpConfig::default(), queue);
    let server = tokio::spawn(transport.serve(listener, async move {
        let _ = stopped.await;
    }));
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(&post("proto-ver", "", b"x"))
        .await
        .expect("send");
    read_response(&mut idle).await;
    stop.send(()).expect("server running");
    let finished = tokio::time::timeout(PATIENCE, server).await;
    assert!(matches!(finished, Ok(Ok(()))), "serve did not return");
    let closed = tokio::time::timeout(PATIENCE, assert_closed_silently(&mut idle)).await;
    assert!(closed.is_ok());
}

#[tokio::test]
async fn connection_service_mounts_into_an_application_hyper_server() {
    let (queue, _seen) = spawn_echo_manager();
    let transport = HttpTransport::new(HttpConfig::default(), queue);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        // The application's own accept loop and hyper settings.
        while let Ok((stream, peer)) = listener.accept().await {
            let service = transport.connection(peer);
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .title_case_headers(true)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(&post("prov-session", "", b"hello"))
        .await
        .expect("send");
    let (head, body) = read_response(&mut stream).await;
    assert!(cookie_in(&head).is_some(), "{head}");
    assert_eq!(body, b"hello");
    stream
        .write_all(&post("prov-session", "", b"refuse"))
        .await
        .expect("send");
    assert_closed_silently(&mut stream).await;
}
