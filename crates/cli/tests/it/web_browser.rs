//! The provisioning page's headers in a real browser (headless Chromium, `/usr/bin/chromium` or
//! `$CHROMIUM`): a page served by `uniprov device --web-root` instantiates WebAssembly with
//! `instantiateStreaming` (so `application/wasm` and `'wasm-unsafe-eval'` are right), posts to
//! `/proto-ver` on its own origin (`connect-src 'self'`), and its inline script is blocked by the
//! Content-Security-Policy.

use std::path::PathBuf;
use std::time::Duration;

use crate::process::{http_addr, spawn_device};

fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} not found: install Debian's chromium (apt install chromium) or set CHROMIUM",
        path.display()
    );
    path
}

const INDEX: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>csp</title>
<script type="module" src="app.js"></script>
<script>document.documentElement.dataset.inline = "ran";</script>
</head><body><p id="wasm">pending</p><p id="post">pending</p></body></html>
"#;

const APP: &str = r#"const show = (id, text) => { document.getElementById(id).textContent = text; };
WebAssembly.instantiateStreaming(fetch("pkg/empty_bg.wasm"))
  .then(() => show("wasm", "wasm-ok"))
  .catch((e) => show("wasm", "wasm-failed " + e));
fetch("/proto-ver", { method: "POST", body: new Uint8Array([0x7b, 0x7d]) })
  .then((r) => r.text())
  .then((t) => show("post", "post-ok " + t))
  .catch((e) => show("post", "post-failed " + e));
"#;

#[tokio::test]
async fn the_page_runs_wasm_and_posts_under_its_csp_and_inline_script_is_blocked() {
    let browser = chromium();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), INDEX).expect("write");
    std::fs::write(dir.path().join("app.js"), APP).expect("write");
    std::fs::create_dir(dir.path().join("pkg")).expect("mkdir");
    // The smallest valid module: magic and version.
    std::fs::write(dir.path().join("pkg/empty_bg.wasm"), b"\0asm\x01\0\0\0").expect("write");
    let state = tempfile::tempdir().expect("state");
    let root = dir.path().to_str().expect("utf-8");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--sec-ver",
        "1",
        "--pop",
        "browser-test",
    ];
    let (_device, stderr) = spawn_device(
        &[&args[..], &["--web-root", root]].concat(),
        "info",
        state.path(),
    );
    let addr = http_addr(&stderr).await;
    let profile = tempfile::tempdir().expect("profile");
    let run = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=10000", "--dump-dom"])
        .arg(format!("http://{addr}/"))
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("chromium ended in time")
        .expect("chromium ran");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains(r#"<p id="wasm">wasm-ok</p>"#), "{dom}");
    // proto-ver's JSON (cJSON's formatted print), fetched by the page from the device.
    assert!(dom.contains(r#"<p id="post">post-ok {"#), "{dom}");
    assert!(dom.contains(r#""sec_ver":"#), "{dom}");
    assert!(!dom.contains("data-inline"), "the inline script ran: {dom}");
}
