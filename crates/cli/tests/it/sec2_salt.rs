//! Security 2 salts the Android app can never log in with (a first byte 0x00, docs/apps.md §3):
//! `uniprov device` refuses one given as an option and replaces one found in an old state
//! directory, with a warning.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use uniprov::core::Secret;
use uniprov::device::storage::StateDir;

#[tokio::test]
async fn a_given_salt_starting_with_zero_is_refused_with_the_reason() {
    let state = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_uniprov"))
        .args(["device", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(state.path())
        .args(["--sec2-salt", "00a1b2c3d4e5f60718293a4b5c6d7e8f"])
        .args(["--sec2-verifier", "05"])
        .stdin(Stdio::null())
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("exits at once")
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("starts with 0x00") && stderr.contains("Android"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_stored_salt_starting_with_zero_is_replaced_with_a_warning() {
    let state = tempfile::tempdir().expect("tempdir");
    let old_salt = hex_bytes("00112233445566778899aabbccddeeff");
    StateDir::open(state.path())
        .expect("state dir")
        .store_sec2(&old_salt, &Secret::new(vec![5]))
        .expect("store");
    let mut child = Command::new(env!("CARGO_BIN_EXE_uniprov"))
        .args(["device", "--listen", "127.0.0.1:0", "--events", "json"])
        .args(["--sec2-pwd", "a long password", "--state-dir"])
        .arg(state.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut events = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let started = async {
        while let Some(line) = events.next_line().await.expect("read") {
            if line.contains("\"start\"") {
                return;
            }
        }
        panic!("the device ended before start");
    };
    tokio::time::timeout(Duration::from_secs(60), started)
        .await
        .expect("device starts");
    child.start_kill().expect("kill");
    let out = child.wait_with_output().await.expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stored security 2 salt starts with 0x00"),
        "{stderr}"
    );
    let stored = StateDir::open(state.path())
        .expect("state dir")
        .load_sec2()
        .expect("load")
        .expect("credentials stored");
    assert_ne!(stored.salt[0], 0, "a new salt was stored");
    assert_ne!(stored.salt, old_salt);
    assert_ne!(stored.verifier.expose(), &vec![5u8]);
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}
