//! `uniprov device` as a child process, the way the stock phone apps meet it (docs/apps.md §2, §5):
//! a Thread device with security 2 and its default username (`threadprov`, which the Android
//! app forces for Thread devices), and credentials corrected after a failure without prov-ctrl.

use uniprov_testkit::client;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use uniprov::client::transport::HttpClient;
use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::messages::{Status, ThreadFailReason, ThreadStatus, WifiFailReason, WifiStatus};
use uniprov::core::security::Sec2Patch;
use uniprov::core::Secret;
use uniprov::device::network::dataset::{self, DatasetInfo};

const PASSWORD: &str = "app-s3cret";

struct Device {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Device {
    fn spawn(state: &std::path::Path, extra: &[&str]) -> Device {
        let mut child = Command::new(env!("CARGO_BIN_EXE_uniprov"))
            .args(["device", "--listen", "127.0.0.1:0", "--events", "json"])
            .args(["--sim-connect-delay-ms", "0", "--cleanup-delay-ms", "100"])
            .args(["--sec2-pwd", PASSWORD])
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
        }
    }

    /// Reads events until one named `name` (at most 60 s).
    async fn until(&mut self, name: &str) -> Value {
        let read = async {
            loop {
                let line = self
                    .lines
                    .next_line()
                    .await
                    .expect("read")
                    .unwrap_or_else(|| panic!("stdout ended before {name}"));
                let value: Value = serde_json::from_str(&line).expect("a JSON line");
                if value["event"] == name {
                    return value;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(60), read)
            .await
            .unwrap_or_else(|_| panic!("no {name} event"))
    }

    async fn addr(&mut self) -> SocketAddr {
        let listening = self.until("listening").await;
        listening["addr"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("addr")
    }

    async fn exit_code(mut self) -> Option<i32> {
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("exit")
            .expect("wait")
            .code()
    }
}

fn openthread_1() -> Vec<u8> {
    let key = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0xff,
    ];
    dataset::build(
        &DatasetInfo {
            channel: Some(15),
            pan_id: Some(0x1234),
            ext_pan_id: Some([0xde, 0xad, 0x00, 0xbe, 0xef, 0x00, 0xca, 0xfe]),
            network_name: Some("OpenThread-1".into()),
            ..DatasetInfo::default()
        },
        Some(&key),
    )
}

async fn thread_status(c: &mut client::Client<HttpClient>) -> ThreadStatus {
    match c.config(ConfigRequest::GetThreadStatus).await {
        ConfigResponse::ThreadStatus {
            status: Status::Success,
            state,
        } => state,
        other => panic!("unexpected {other:?}"),
    }
}

async fn apply_dataset(c: &mut client::Client<HttpClient>, tlvs: Vec<u8>) -> Status {
    let set = c
        .config(ConfigRequest::SetThreadDataset(Secret::new(tlvs)))
        .await;
    assert_eq!(set, ConfigResponse::SetThreadDataset(Status::Success));
    match c.config(ConfigRequest::ApplyThreadConfig).await {
        ConfigResponse::ApplyThreadConfig(status) => status,
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn thread_with_security_2_uses_threadprov_by_default_and_recovers_from_a_bad_dataset() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut device = Device::spawn(state.path(), &["--network", "thread"]);
    let addr = device.addr().await;

    // What the Android app sees and does: thread capabilities, so it uses "threadprov".
    let mut wrong_name = client::http(addr).await;
    let info = wrong_name.proto_ver().await;
    assert!(info.has_capability("thread_prov"), "{info:?}");
    assert!(
        wrong_name
            .handshake(client::sec2("wifiprov", PASSWORD, Sec2Patch::V1))
            .await
            .is_err(),
        "the verifier is for threadprov"
    );
    let mut c = client::http(addr).await;
    c.handshake(client::sec2("threadprov", PASSWORD, Sec2Patch::V1))
        .await
        .expect("threadprov handshake");

    // Broken TLVs (a network key TLV cut short) are refused at Apply; the status poll reads
    // why, and the next Apply works without prov-ctrl.
    assert_eq!(
        apply_dataset(&mut c, vec![5, 16, 1, 2]).await,
        Status::InternalError
    );
    assert_eq!(
        thread_status(&mut c).await,
        ThreadStatus::Failed(ThreadFailReason::DatasetInvalid)
    );
    assert_eq!(apply_dataset(&mut c, openthread_1()).await, Status::Success);
    device.until("thread_dataset_success").await;
    assert!(matches!(
        thread_status(&mut c).await,
        ThreadStatus::Attached(_)
    ));
    device.until("deinit").await;
    assert_eq!(device.exit_code().await, Some(0));
}

#[tokio::test]
async fn an_explicit_username_wins_over_the_thread_default() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut device = Device::spawn(
        state.path(),
        &["--network", "thread", "--sec2-username", "alice"],
    );
    let addr = device.addr().await;
    let mut c = client::http(addr).await;
    c.handshake(client::sec2("alice", PASSWORD, Sec2Patch::V1))
        .await
        .expect("alice handshake");
}

async fn poll_until_settled(c: &mut client::Client<HttpClient>) -> WifiStatus {
    let poll = async {
        loop {
            match c.wifi_status().await {
                WifiStatus::Connecting { .. } => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                settled => return settled,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), poll)
        .await
        .expect("status settled")
}

/// A session on `device` whose first attempt failed with a wrong passphrase (AuthError read).
async fn failed_attempt(device: &mut Device) -> client::Client<HttpClient> {
    let mut c = client::http(device.addr().await).await;
    c.handshake(client::sec2("wifiprov", PASSWORD, Sec2Patch::V1))
        .await
        .expect("handshake");
    c.send_credentials("HomeNetwork", "password124").await;
    assert_eq!(
        poll_until_settled(&mut c).await,
        WifiStatus::Failed(WifiFailReason::AuthError)
    );
    c
}

#[tokio::test]
async fn a_wrong_passphrase_is_corrected_without_prov_ctrl_unless_turned_off() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut device = Device::spawn(state.path(), &[]);
    let mut c = failed_attempt(&mut device).await;
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::Success)
    );
    assert!(matches!(
        poll_until_settled(&mut c).await,
        WifiStatus::Connected(_)
    ));
    device.until("deinit").await;
    assert_eq!(device.exit_code().await, Some(0));

    // Turned off in the config file: ESP's manager rule, new credentials need a ctrl reset.
    let state = tempfile::tempdir().expect("tempdir");
    let config = state.path().join("device.toml");
    std::fs::write(&config, "reset-on-failure = false\n").expect("config");
    let config = config.to_str().expect("utf-8 path");
    let mut device = Device::spawn(&state.path().join("state"), &["--config", config]);
    let mut c = failed_attempt(&mut device).await;
    assert_eq!(
        c.send_credentials("HomeNetwork", "password123").await,
        (Status::Success, Status::InternalError)
    );
}
