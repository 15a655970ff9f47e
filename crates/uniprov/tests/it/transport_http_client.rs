//! The HTTP client transport against the device HTTP transport and against scripted raw servers
//! (§9.1, §13).

use std::time::Duration;

use crate::fake_manager::{drain, spawn_echo_manager, Seen};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use uniprov::client::transport::{ClientTransport, HttpClient, HttpClientConfig, TransportError};
use uniprov::device::transport::{HttpConfig, HttpTransport};

async fn device() -> (String, mpsc::UnboundedReceiver<Seen>, oneshot::Sender<()>) {
    let (queue, seen) = spawn_echo_manager();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let transport = HttpTransport::new(HttpConfig::default(), queue);
    tokio::spawn(transport.serve(listener, async move {
        let _ = stopped.await;
    }));
    (addr, seen, stop)
}

#[tokio::test]
async fn client_keeps_one_session_and_echoes_the_cookie() {
    let (addr, mut seen, _stop) = device().await;
    let mut client = HttpClient::connect(&addr, HttpClientConfig::default())
        .await
        .expect("connect");
    let first = client
        .request("prov-session", b"whoami")
        .await
        .expect("whoami");
    let cookie = client.cookie().expect("cookie stored").to_owned();
    assert!(cookie.starts_with("session="));
    assert_eq!(
        client
            .request("prov-session", b"whoami")
            .await
            .expect("again"),
        first
    );
    let mut other = HttpClient::connect(&addr, HttpClientConfig::default())
        .await
        .expect("connect");
    let second = other
        .request("prov-session", b"whoami")
        .await
        .expect("whoami");
    assert_ne!(first, second, "two clients, two sessions");
    let opened = drain(&mut seen)
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Opened(_)))
        .count();
    assert_eq!(opened, 2);
}

#[tokio::test]
async fn refusal_is_closed_without_response_and_never_retried() {
    let (addr, mut seen, _stop) = device().await;
    let mut client = HttpClient::connect(&addr, HttpClientConfig::default())
        .await
        .expect("connect");
    client.request("proto-ver", b"x").await.expect("first");
    let refused = client.request("prov-session", b"refuse").await;
    assert!(
        matches!(refused, Err(TransportError::ClosedWithoutResponse)),
        "{refused:?}"
    );
    let refusals = drain(&mut seen)
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Request { body, .. } if body == b"refuse"))
        .count();
    assert_eq!(refusals, 1, "a refused request must not be sent twice");
    // The next request reconnects and, thanks to the cookie, stays in the session.
    let before = client.cookie().map(str::to_owned);
    client
        .request("proto-ver", b"y")
        .await
        .expect("after refusal");
    assert_eq!(client.cookie().map(str::to_owned), before);
}

/// Reads one request head and body from a raw connection; returns the head.
async fn read_request(reader: &mut BufReader<TcpStream>) -> String {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.expect("request line");
        head.push_str(&line);
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let length: usize = head
        .lines()
        .find_map(|line| {
            line.strip_prefix("content-length: ")
                .or(line.strip_prefix("Content-Length: "))
        })
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.expect("request body");
    head
}

#[tokio::test]
async fn closed_idle_connection_is_replaced_transparently() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (closed, closed_seen) = oneshot::channel();
    let server = tokio::spawn(async move {
        let (first, _) = listener.accept().await.expect("accept");
        let mut first = BufReader::new(first);
        let head = read_request(&mut first).await;
        first
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nSet-Cookie: session=77\r\n\r\nok")
            .await
            .expect("respond");
        drop(first);
        let _ = closed.send(());
        let (second, _) = listener.accept().await.expect("accept again");
        let mut second = BufReader::new(second);
        let head2 = read_request(&mut second).await;
        second
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes")
            .await
            .expect("respond");
        (head, head2)
    });
    let mut client = HttpClient::connect(&addr, HttpClientConfig::default())
        .await
        .expect("connect");
    assert_eq!(
        client.request("proto-ver", b"a").await.expect("first"),
        b"ok"
    );
    closed_seen
        .await
        .expect("server closed the first connection");
    assert_eq!(
        client.request("prov-session", b"b").await.expect("second"),
        b"yes"
    );
    let (head, head2) = server.await.expect("server");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("post /proto-ver http/1.1\r\n"), "{head}");
    assert!(
        head.contains("content-type: application/x-www-form-urlencoded\r\n"),
        "{head}"
    );
    assert!(head.contains("accept: text/plain\r\n"), "{head}");
    assert!(head.contains(&format!("host: {addr}\r\n")), "{head}");
    assert!(
        head2
            .to_ascii_lowercase()
            .contains("cookie: session=77\r\n"),
        "{head2}"
    );
}

#[tokio::test]
async fn not_found_is_a_missing_endpoint_and_other_statuses_are_http_errors() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut stream = BufReader::new(stream);
        // esp_http_server's answer for an unregistered URI (a session-only device, §11).
        read_request(&mut stream).await;
        let response = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        stream.get_mut().write_all(response).await.expect("respond");
        read_request(&mut stream).await;
        let response = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
        stream.get_mut().write_all(response).await.expect("respond");
        // Keep the connection until the client is done.
        let _ = stream.read_u8().await;
    });
    let mut client = HttpClient::connect(&addr, HttpClientConfig::default())
        .await
        .expect("connect");
    let result = client.request("prov-ctrl", b"x").await;
    assert!(
        matches!(&result, Err(TransportError::NoEndpoint(e)) if e == "prov-ctrl"),
        "{result:?}"
    );
    let result = client.request("prov-ctrl", b"x").await;
    assert!(
        matches!(result, Err(TransportError::Http(500))),
        "{result:?}"
    );
}

#[tokio::test]
async fn unanswered_request_times_out() {
    let (addr, _seen, _stop) = device().await;
    let config = HttpClientConfig {
        request_timeout: Duration::from_millis(200),
        ..HttpClientConfig::default()
    };
    let mut client = HttpClient::connect(&addr, config).await.expect("connect");
    let result = client.request("prov-scan", b"hang").await;
    assert!(matches!(result, Err(TransportError::Timeout)), "{result:?}");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    drop(listener);
    let result = HttpClient::connect(&addr, HttpClientConfig::default()).await;
    assert!(
        matches!(result, Err(TransportError::Unreachable { .. })),
        "{result:?}"
    );
}
