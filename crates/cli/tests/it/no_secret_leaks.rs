//! No secret leaks: full provisioning with security 1 and 2 at `RUST_LOG=trace` on both ends
//! (`uniprov device --events json` and `uniprov provision --json`), with distinctive secrets.
//! No PoP, password, verifier, Wi-Fi passphrase, key or session key may appear in the device's
//! stdout (events), stderr (logs, banner), the client's stdout and stderr, or any file of the
//! state directory except the credentials files that must hold them (the passphrase in
//! `wifi.json`, the verifier in `sec2.json`).
//!
//! Keys and session keys are random and unknown to the test, so every output is also searched
//! for anything shaped like one: a run of 32+ hex digits or a byte list of 16+ numbers (public
//! values such as SSIDs and BSSIDs are shorter).
//!
//! The banner: with stderr not a terminal (as here, and under systemd) the device does not
//! print the QR payload or the PoP / password at all (`--show-secrets auto`).

use crate::process;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

const POP: &str = "PoP-Zx81-qwv-unique";
const PASSWORD: &str = "Sec2-Pw-k7Tq-unique";
const PASSPHRASE: &str = "Wifi-Pass-J3mR-unique";
const SSID: &str = "LeakTestNet";

fn world(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("world.toml");
    let text = format!(
        "connect_delay_ms = 0\nscan_duration_ms = 0\n\n[[wifi]]\nssid = \"{SSID}\"\npassphrase = \"{PASSPHRASE}\"\nauth = \"wpa2_psk\"\nrssi = -40\nchannel = 6\nbssid = \"24:0a:c4:00:00:01\"\n"
    );
    std::fs::write(&path, text).expect("world");
    path
}

/// The forms a secret could leak in: raw, lower and upper hex.
fn forms(secret: &[u8]) -> Vec<String> {
    let mut forms = vec![hex::encode(secret), hex::encode_upper(secret)];
    if let Ok(text) = std::str::from_utf8(secret) {
        forms.push(text.to_string());
    }
    forms
}

/// Anything shaped like key material: 32+ hex digits in a row, or a list of 16+ numbers.
fn key_shaped(text: &str) -> Option<String> {
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            if run.len() >= 32 {
                return Some(run);
            }
            run.clear();
        }
    }
    for list in text.split('[').skip(1) {
        let inner = list.split(']').next().unwrap_or_default();
        let numbers = inner
            .split(',')
            .filter(|n| n.trim().parse::<u8>().is_ok())
            .count();
        if numbers >= 16 {
            return Some(format!("[{inner}]"));
        }
    }
    None
}

fn assert_clean(name: &str, text: &str, secrets: &[Vec<u8>]) {
    for secret in secrets {
        for form in forms(secret) {
            assert!(
                !text.contains(&form),
                "{name} contains a secret ({} chars)",
                form.len()
            );
        }
    }
    if let Some(found) = key_shaped(text) {
        panic!("{name} contains something shaped like a key: {found}");
    }
}

async fn provision_at_trace(sec_ver: u8) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let world = world(dir.path());
    let world = world.to_str().expect("utf-8 path");
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--events",
        "json",
        "--sim-config",
        world,
        "--cleanup-delay-ms",
        "100",
        "--autostop-timeout-s",
        "5",
        "--sec-ver",
    ];
    match sec_ver {
        1 => args.extend(["1", "--pop", POP]),
        _ => args.extend(["2", "--sec2-pwd", PASSWORD]),
    }
    let (mut device, stderr) = process::spawn_device(&args, "trace", &state);
    let mut stdout = device.stdout.take().expect("stdout");
    let events = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text).await;
        text
    });
    let addr = process::http_addr(&stderr).await;

    let mut client = Command::new(process::BIN);
    client
        .args([
            "provision",
            "--transport",
            "httpd",
            "--json",
            "--service-name",
        ])
        .arg(addr.to_string())
        .args(["--sec-ver", &sec_ver.to_string(), "--ssid", SSID])
        .env("RUST_LOG", "trace")
        .env("UNIPROV_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::null());
    match sec_ver {
        1 => client.env("UNIPROV_POP", POP),
        _ => client
            .args(["--sec2-username", "wifiprov"])
            .env("UNIPROV_SEC2_PWD", PASSWORD),
    };
    let output = tokio::time::timeout(Duration::from_secs(60), client.output())
        .await
        .expect("client finished")
        .expect("client ran");
    let client_out = String::from_utf8_lossy(&output.stdout).to_string();
    let client_err = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        output.status.success(),
        "provisioning failed:\n{client_out}\n{client_err}"
    );
    let status = tokio::time::timeout(Duration::from_secs(60), device.wait())
        .await
        .expect("device ended after auto-stop")
        .expect("wait");
    assert!(status.success());
    let events = events.await.expect("events");
    assert!(events.contains("cred_success"), "{events}");
    let logs = stderr.text();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "trace logging is on"
    );
    if sec_ver == 2 || sec_ver == 1 {
        assert!(
            logs.contains("QR payload: hidden"),
            "the banner hides the secret"
        );
    }

    let mut secrets: Vec<Vec<u8>> = vec![POP.into(), PASSWORD.into(), PASSPHRASE.into()];
    let sec2_file = std::fs::read_to_string(state.join("sec2.json")).unwrap_or_default();
    let verifier = serde_json::from_str::<serde_json::Value>(&sec2_file)
        .ok()
        .and_then(|v| hex::decode(v["verifier"].as_str()?).ok());
    if sec_ver == 2 {
        secrets.push(verifier.clone().expect("sec2.json holds the verifier"));
    }
    eprintln!(
        "security {sec_ver}: checked {} + {} + {} + {} bytes of output",
        events.len(),
        logs.len(),
        client_out.len(),
        client_err.len()
    );
    for (name, text) in [
        ("device events", &events),
        ("device stderr", &logs),
        ("client stdout", &client_out),
        ("client stderr", &client_err),
    ] {
        assert_clean(name, text, &secrets);
    }
    for entry in std::fs::read_dir(&state).expect("state dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).to_string();
        let allowed: Vec<Vec<u8>> = match name.as_str() {
            "wifi.json" => vec![PASSPHRASE.into()],
            "sec2.json" => verifier.iter().cloned().collect(),
            _ => Vec::new(),
        };
        let forbidden: Vec<Vec<u8>> = secrets
            .iter()
            .filter(|s| !allowed.contains(s))
            .cloned()
            .collect();
        for secret in &forbidden {
            for form in forms(secret) {
                assert!(!text.contains(&form), "{name} holds a secret it should not");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_1_provisioning_at_trace_level_leaks_no_secret() {
    provision_at_trace(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_2_provisioning_at_trace_level_leaks_no_secret() {
    provision_at_trace(2).await;
}
