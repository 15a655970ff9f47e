//! `uniprov web` as a real child process: the page on loopback, its URL on stderr, GET and
//! HEAD only, Ctrl-C (SIGINT) ends it with status 0.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::Command;

use crate::process::{Captured, BIN};

async fn exchange(addr: SocketAddr, request: &str) -> String {
    let talk = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut all = Vec::new();
        stream.read_to_end(&mut all).await.expect("read");
        String::from_utf8_lossy(&all).into_owned()
    };
    tokio::time::timeout(Duration::from_secs(20), talk)
        .await
        .expect("answered in time")
}

#[tokio::test]
async fn web_serves_the_page_on_localhost_until_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), "<!doctype html>web page").expect("write");
    std::fs::write(dir.path().join("ble.js"), "export {}").expect("write");
    let mut child = Command::new(BIN)
        .args(["web", "--listen", "127.0.0.1:0", "--web-root"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn uniprov web");
    let stderr = Captured::collect(child.stderr.take().expect("stderr"));
    let port: u16 = stderr
        .wait_for(Duration::from_secs(30), |line| {
            let rest = line.strip_prefix("Provisioning page: http://localhost:")?;
            rest.split('/').next()?.parse().ok()
        })
        .await;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));

    let page = exchange(
        addr,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    assert!(
        page.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8\r\n"),
        "{page}"
    );
    assert!(page.ends_with("\r\n\r\n<!doctype html>web page"), "{page}");
    let js = exchange(
        addr,
        "HEAD /ble.js HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        js.to_ascii_lowercase()
            .contains("content-type: text/javascript; charset=utf-8\r\n"),
        "{js}"
    );
    assert!(js.ends_with("\r\n\r\n"), "HEAD has no body: {js}");
    let post = exchange(
        addr,
        "POST /proto-ver HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\nx",
    )
    .await;
    assert!(
        post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{post}"
    );

    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("ends after Ctrl-C")
        .expect("wait");
    assert_eq!(status.code(), Some(0), "{}", stderr.text());
}
