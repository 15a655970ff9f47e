//! `uniprov device` serving the browser provisioning page (issue #15) as a real child process:
//! `--web-root DIR` and `--web-page on` answer `GET /` with the page and its headers while the
//! same port provisions over `POST` as always; without them `GET` stays a `405`; contradictory
//! or unsafe options stop the start with one error line.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uniprov::core::messages::Status;
use uniprov_testkit::client;

use crate::process::{http_addr, spawn_device, BIN};

const POP: &str = "web-page-test";

/// A response: status, head (lowercase header names), body.
struct Got {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// `GET path` on a fresh connection (`Connection: close`, read to the end).
async fn get(addr: SocketAddr, path: &str) -> Got {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut all = Vec::new();
        stream.read_to_end(&mut all).await.expect("read");
        all
    };
    let all = tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("answered in time");
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&all[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    Got {
        status,
        head,
        body: all[end + 4..].to_vec(),
    }
}

fn page_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><p>the page</p>",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("pkg")).expect("mkdir");
    std::fs::write(
        dir.path().join("pkg/uniprov_web_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .expect("write");
    dir
}

fn device_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--listen", "127.0.0.1:0", "--sec-ver", "1", "--pop", POP];
    args.extend_from_slice(&["--sim-connect-delay-ms", "0"]);
    args.extend_from_slice(extra);
    args
}

#[tokio::test]
async fn web_root_serves_the_folder_and_post_still_provisions() {
    let state = tempfile::tempdir().expect("state");
    let dir = page_dir();
    let root = dir.path().to_str().expect("utf-8 path");
    let (_child, stderr) = spawn_device(&device_args(&["--web-root", root]), "info", state.path());
    let addr = http_addr(&stderr).await;

    let page = get(addr, "/").await;
    assert_eq!(page.status, 200, "{}", page.head);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert_eq!(page.body, b"<!doctype html><p>the page</p>");
    let wasm = get(addr, "/pkg/uniprov_web_bg.wasm").await;
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
    assert_eq!(get(addr, "/pkg/missing.js").await.status, 404);
    assert!(stderr.text().contains("provisioning page from --web-root"));

    let mut c = client::http(addr).await;
    c.handshake(client::sec1(Some(POP)))
        .await
        .expect("handshake");
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
}

#[tokio::test]
async fn web_page_on_serves_the_built_in_page_or_says_how_to_build_it() {
    let state = tempfile::tempdir().expect("state");
    let (_child, stderr) = spawn_device(&device_args(&["--web-page", "on"]), "info", state.path());
    let addr = http_addr(&stderr).await;
    let page = get(addr, "/").await;
    assert_eq!(page.status, 200, "{}", page.head);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let text = String::from_utf8_lossy(&page.body);
    if text.contains("not built into this uniprov") {
        assert!(text.contains("bash scripts/web.sh"), "{text}");
        assert!(stderr.text().contains("was not built into this uniprov"));
    } else {
        // Built with a page: the one of web/dist (or UNIPROV_WEB_DIST) at build time.
        assert!(stderr.text().contains("provisioning page (built in)"));
        let dist = std::env::var_os("UNIPROV_WEB_DIST")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist"));
        let index = std::fs::read(dist.join("index.html")).expect("the embedded page's source");
        assert_eq!(page.body, index);
    }
}

#[tokio::test]
async fn without_the_page_get_is_405_as_on_esp_idf() {
    let state = tempfile::tempdir().expect("state");
    let (_child, stderr) = spawn_device(&device_args(&[]), "info", state.path());
    let addr = http_addr(&stderr).await;
    let got = get(addr, "/").await;
    assert_eq!(got.status, 405);
    assert_eq!(got.header("allow"), Some("POST"));
}

/// Runs `uniprov device ARGS` expecting it to refuse to start; its stderr.
async fn refused(extra: &[&str]) -> String {
    let state = tempfile::tempdir().expect("state");
    let out = tokio::process::Command::new(BIN)
        .arg("device")
        .args(device_args(extra))
        .arg("--state-dir")
        .arg(state.path())
        .output();
    let out = tokio::time::timeout(Duration::from_secs(30), out)
        .await
        .expect("in time")
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{extra:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn contradictory_or_unsafe_page_options_stop_the_start() {
    let dir = page_dir();
    let root = dir.path().to_str().expect("utf-8 path");
    let e = refused(&["--web-page", "off", "--web-root", root]).await;
    assert!(e.contains("--web-root") && e.contains("--web-page"), "{e}");
    let e = refused(&["--web-page", "on", "--transport", "console"]).await;
    assert!(e.contains("--transport http"), "{e}");
    let empty = tempfile::tempdir().expect("tempdir");
    let e = refused(&["--web-root", empty.path().to_str().expect("utf-8")]).await;
    assert!(e.contains("index.html"), "{e}");
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret"), "x").expect("write");
    std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("s")).expect("ln");
    let e = refused(&["--web-root", root]).await;
    assert!(e.contains("outside the folder"), "{e}");
}
