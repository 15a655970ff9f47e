//! The HTTP transport with a static site (the browser provisioning page, issue #15) over real
//! loopback sockets: `GET` / `HEAD` serve the files on a kept-alive connection, `POST` is the
//! same as without a site (§9.1), other methods are `405`.

use std::sync::Arc;

use crate::fake_manager::drain;
use crate::transport_http::start;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uniprov::device::transport::{CaptivePortal, HttpConfig, StaticSite};

fn site() -> Arc<StaticSite> {
    let site = StaticSite::new()
        .with("index.html", &b"<!doctype html><title>uniprov</title>"[..])
        .and_then(|s| s.with("pkg/uniprov_web_bg.wasm", &b"\0asm\x01\0\0\0"[..]))
        .and_then(|s| s.with("app.js", &b"import init from './pkg/uniprov_web.js';"[..]))
        .expect("site");
    Arc::new(site)
}

fn with_site() -> HttpConfig {
    HttpConfig {
        site: Some(site()),
        ..HttpConfig::default()
    }
}

/// Reads one response head (through the blank line) and `Content-Length` bytes of body
/// (none when `head_only`, the answer to a `HEAD`).
async fn read_response(stream: &mut TcpStream, head_only: bool) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(stream.read_u8().await.expect("response head"));
    }
    let head = String::from_utf8(head).expect("ascii head");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .and_then(|value| value.trim().parse().ok())
        .expect("Content-Length");
    let mut body = vec![0; if head_only { 0 } else { length }];
    stream.read_exact(&mut body).await.expect("response body");
    (head, body)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
}

async fn get(stream: &mut TcpStream, method: &str, path: &str) -> (String, Vec<u8>) {
    let request = format!("{method} {path} HTTP/1.1\r\nHost: 192.168.4.1\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    read_response(stream, method == "HEAD").await
}

fn post(endpoint: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /{endpoint} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

#[tokio::test]
async fn the_page_and_its_files_are_served_on_one_kept_alive_connection() {
    let mut server = start(with_site()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let (head, body) = get(&mut stream, "GET", "/").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(
        header(&head, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&head, "Cache-Control"), Some("no-store"));
    assert_eq!(header(&head, "X-Content-Type-Options"), Some("nosniff"));
    let csp = header(&head, "Content-Security-Policy").expect("CSP");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert_eq!(header(&head, "Connection"), None, "kept alive");
    assert_eq!(body, b"<!doctype html><title>uniprov</title>");

    let (head, body) = get(&mut stream, "GET", "/pkg/uniprov_web_bg.wasm?v=1").await;
    assert_eq!(header(&head, "Content-Type"), Some("application/wasm"));
    assert_eq!(body, b"\0asm\x01\0\0\0");
    let (head, _) = get(&mut stream, "GET", "/app.js").await;
    assert_eq!(
        header(&head, "Content-Type"),
        Some("text/javascript; charset=utf-8")
    );

    // The page then provisions over the same origin: POST is untouched.
    stream
        .write_all(&post("proto-ver", b"abc"))
        .await
        .expect("send");
    let (head, body) = read_response(&mut stream, false).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 3\r\nSet-Cookie: session="), "{head}");
    assert_eq!(body, b"abc");
    let seen = drain(&mut server.seen);
    assert_eq!(seen.len(), 2, "the GETs never reach the manager: {seen:?}");
}

#[tokio::test]
async fn head_has_the_headers_without_the_body() {
    let server = start(with_site()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let (head, _) = get(&mut stream, "HEAD", "/index.html").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(header(&head, "Content-Length"), Some("37"));
    // The next response on the connection comes right after the head: no body was sent.
    let (head, _) = get(&mut stream, "GET", "/nope").await;
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405() {
    let server = start(with_site()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    for path in [
        "/missing.js",
        "/../index.html",
        "/pkg/",
        "/%2e%2e/index.html",
    ] {
        let (head, _) = get(&mut stream, "GET", path).await;
        assert!(
            head.starts_with("HTTP/1.1 404 Not Found\r\n"),
            "{path}: {head}"
        );
        assert_eq!(header(&head, "X-Content-Type-Options"), Some("nosniff"));
    }
    stream
        .write_all(b"PUT /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
        .await
        .expect("send");
    let (head, _) = read_response(&mut stream, false).await;
    assert!(
        head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{head}"
    );
    assert_eq!(header(&head, "Allow"), Some("GET, HEAD, POST"));
    assert_eq!(header(&head, "Connection"), Some("close"));
}

/// The bytes of a response with the session cookie's digits masked (they are random).
fn masked(head: &str) -> String {
    match head.find("session=") {
        Some(at) => {
            let digits = head[at + 8..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            format!("{}session=N{}", &head[..at], &head[at + 8 + digits..])
        }
        None => head.to_owned(),
    }
}

#[tokio::test]
async fn post_answers_are_byte_identical_with_and_without_a_site() {
    let mut answers = Vec::new();
    for config in [HttpConfig::default(), with_site()] {
        let server = start(config).await;
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        let mut heads = Vec::new();
        for (endpoint, body) in [("proto-ver", &b"x"[..]), ("prov-session", b"whoami")] {
            stream.write_all(&post(endpoint, body)).await.expect("send");
            let (head, body) = read_response(&mut stream, false).await;
            heads.push((masked(&head), body.len()));
        }
        // A refusal closes without a byte, site or not (§3.3).
        stream.write_all(&post("x", b"refuse")).await.expect("send");
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
        heads.push((String::from_utf8_lossy(&rest).into_owned(), rest.len()));
        answers.push(heads);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0][2].1, 0, "refused silently");
}

#[tokio::test]
async fn without_a_site_get_stays_405_and_closes() {
    let server = start(HttpConfig::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let (head, _) = get(&mut stream, "GET", "/").await;
    assert!(
        head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{head}"
    );
    assert_eq!(header(&head, "Allow"), Some("POST"));
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest).await;
    assert!(rest.is_empty());
}

fn captive() -> HttpConfig {
    HttpConfig {
        site: Some(site()),
        captive: Some(CaptivePortal::new([192, 168, 4, 1].into(), 80)),
        ..HttpConfig::default()
    }
}

async fn get_from(stream: &mut TcpStream, host: &str, path: &str) -> (String, Vec<u8>) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    read_response(stream, false).await
}

#[tokio::test]
async fn captive_portal_redirects_the_phones_checks_to_the_page() {
    let mut server = start(captive()).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    for (host, path) in [
        ("connectivitycheck.gstatic.com", "/generate_204"),
        ("captive.apple.com", "/hotspot-detect.html"),
        ("www.msftconnecttest.com", "/connecttest.txt"),
        ("nmcheck.gnome.org", "/check_network_status.txt"),
        ("connectivity-check.ubuntu.com", "/"),
        ("192.168.4.1", "/generate_204"),
    ] {
        let (head, body) = get_from(&mut stream, host, path).await;
        assert!(
            head.starts_with("HTTP/1.1 302 Found\r\n"),
            "{host}{path}: {head}"
        );
        assert_eq!(header(&head, "Location"), Some("http://192.168.4.1/"));
        assert!(String::from_utf8_lossy(&body).contains("href=\"http://192.168.4.1/\""));
    }
    // The page itself, on the device's address.
    let (head, body) = get_from(&mut stream, "192.168.4.1", "/").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, b"<!doctype html><title>uniprov</title>");
    // POST is never redirected, whatever the Host.
    let request =
        b"POST /proto-ver HTTP/1.1\r\nHost: captive.apple.com\r\nContent-Length: 2\r\n\r\nhi";
    stream.write_all(request).await.expect("send");
    let (head, body) = read_response(&mut stream, false).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, b"hi");
    assert_eq!(drain(&mut server.seen).len(), 2, "opened + one request");
}

#[tokio::test]
async fn without_a_site_the_captive_portal_redirects_nothing() {
    let config = HttpConfig {
        captive: Some(CaptivePortal::new([192, 168, 4, 1].into(), 80)),
        ..HttpConfig::default()
    };
    let server = start(config).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let (head, _) = get_from(&mut stream, "captive.apple.com", "/hotspot-detect.html").await;
    assert!(
        head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{head}"
    );
}
