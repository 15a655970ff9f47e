//! `uniprov device --transport http --events json` as a real child process: provisioned over
//! loopback by the test client, events read from its stdout, exit status checked; then a
//! restart over the same state directory does not provision again.

use uniprov_testkit::client;

use std::net::SocketAddr;
use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use uniprov::core::messages::{Status, WifiStatus};
use uniprov::core::security::Sec2Patch;

struct Device {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    seen: Vec<Value>,
}

impl Device {
    fn spawn(state: &std::path::Path, extra: &[&str]) -> Device {
        let mut child = Command::new(env!("CARGO_BIN_EXE_uniprov"))
            .args(["device", "--listen", "127.0.0.1:0", "--events", "json"])
            .args(["--sim-connect-delay-ms", "0", "--cleanup-delay-ms", "100"])
            .arg("--state-dir")
            .arg(state)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        Device {
            child,
            lines: BufReader::new(stdout).lines(),
            seen: Vec::new(),
        }
    }

    /// Reads events until one named `name`; every line must be a JSON object.
    async fn until(&mut self, name: &str) -> Value {
        loop {
            let line = self
                .lines
                .next_line()
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("stdout ended before {name}: {:?}", self.seen));
            let value: Value = serde_json::from_str(&line).expect("a JSON line");
            assert!(value["event"].is_string(), "{line}");
            self.seen.push(value.clone());
            if value["event"] == name {
                return value;
            }
        }
    }

    fn names(&self) -> Vec<String> {
        self.seen
            .iter()
            .map(|v| v["event"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    async fn exit_code(mut self) -> Option<i32> {
        self.child.wait().await.expect("wait").code()
    }
}

#[tokio::test]
async fn http_sec2_provisions_reports_json_events_and_exits_0_then_restarts_provisioned() {
    let state = tempfile::tempdir().expect("tempdir");
    let security = [
        "--sec-ver",
        "2",
        "--sec2-pwd",
        "s3cret-pw",
        "--sec-patch-ver",
        "0",
    ];
    let mut device = Device::spawn(state.path(), &security);
    let listening = device.until("listening").await;
    let addr: SocketAddr = listening["addr"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .expect("addr");

    let mut c = client::http(addr).await;
    assert_eq!(c.proto_ver().await.sec_patch_ver, Some(0));
    c.handshake(client::sec2("wifiprov", "s3cret-pw", Sec2Patch::V0))
        .await
        .expect("handshake");
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    let recv = device.until("cred_recv").await;
    assert_eq!(recv["ssid"], "HomeNetwork");
    device.until("cred_success").await;
    assert!(matches!(c.wifi_status().await, WifiStatus::Connected(_)));
    device.until("end").await;
    device.until("deinit").await;
    let names = device.names();
    assert_eq!(&names[..2], ["init", "start"], "{names:?}");
    let text = format!("{:?}", device.seen);
    assert!(!text.contains("password123"), "no passphrase in events");
    assert_eq!(device.exit_code().await, Some(0));

    // Restart: connects with the stored credentials, provisions nothing, exits 0.
    let mut device = Device::spawn(state.path(), &security);
    let provisioned = device.until("already_provisioned").await;
    assert_eq!(provisioned["network"], "wifi");
    let network = device.until("network").await;
    assert_eq!(network["state"], "connected");
    device.until("deinit").await;
    assert!(!device.names().contains(&"start".to_string()));
    assert_eq!(device.exit_code().await, Some(0));
}

#[tokio::test]
async fn a_second_client_works_beside_the_first_and_max_sessions_1_replaces_it() {
    let state = tempfile::tempdir().expect("tempdir");
    for (max, first_survives) in [("16", true), ("1", false)] {
        let mut device = Device::spawn(
            state.path(),
            &["--sec-ver", "1", "--pop", "p0p", "--max-sessions", max],
        );
        let listening = device.until("listening").await;
        let addr: SocketAddr = listening["addr"]
            .as_str()
            .expect("addr")
            .parse()
            .expect("addr");
        let mut first = client::http(addr).await;
        first
            .handshake(client::sec1(Some("p0p")))
            .await
            .expect("first");
        let mut second = client::http(addr).await;
        second
            .handshake(client::sec1(Some("p0p")))
            .await
            .expect("second");
        assert!(matches!(
            second.wifi_status().await,
            WifiStatus::Connecting { .. }
        ));
        let first_status = first
            .try_config(uniprov::core::messages::config::ConfigRequest::GetWifiStatus)
            .await;
        assert_eq!(first_status.is_ok(), first_survives, "max-sessions {max}");
    }
}

#[tokio::test]
async fn session_only_without_enable_offers_no_provisioning_caps() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut device = Device::spawn(
        state.path(),
        &[
            "--sec-ver",
            "1",
            "--mode",
            "session-only",
            "--custom-endpoint",
            "custom-data",
        ],
    );
    let listening = device.until("listening").await;
    let addr: SocketAddr = listening["addr"]
        .as_str()
        .expect("addr")
        .parse()
        .expect("addr");
    let mut c = client::http(addr).await;
    assert_eq!(c.proto_ver().await.caps, ["no_pop"]);
    c.handshake(client::sec1(None)).await.expect("handshake");
    assert_eq!(
        c.request("custom-data", b"x").await.expect("custom"),
        b"SUCCESS\0"
    );
}
