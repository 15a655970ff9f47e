//! The `uniprov` binary's console client over a serial port against a fake ESP32 whose console
//! reads input exactly like ESP-IDF's (`esp_console_device.rs`, §9.3), on a
//! pseudo-terminal: security 1 and 0 provisioning, an explicit empty PoP, security 2 refused at
//! once as too long for the console, both proto-ver forms (§8), a session-only device (§11), and
//! proof that the fake is strict (a line ended by `\n` or `\r\n` gets no answer).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::esp_console_device as esp;

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use esp::{EspConfig, EspConsole};
use serde_json::Value;
use uniprov::core::security::{generate_sec2_credentials, DeviceSecurity, Sec2Patch};
use uniprov::core::Secret;
use uniprov::entropy::OsEntropy;

const BIN: &str = env!("CARGO_BIN_EXE_uniprov");

/// `idf_wifi_sec1_pop` of the reference vectors: ESP-IDF 5.5, security 1 with a PoP.
const IDF_SEC1: &str = "{\n\t\"prov\":\t{\n\t\t\"ver\":\t\"v1.1\",\n\t\t\"sec_ver\":\t1,\n\t\t\"sec_patch_ver\":\t0,\n\t\t\"cap\":\t[\"wifi_scan\"]\n\t}\n}";

fn sec1(pop: &str) -> DeviceSecurity {
    DeviceSecurity::Sec1 {
        pop: Some(Secret::new(pop.as_bytes().to_vec())),
    }
}

fn esp(security: DeviceSecurity, version: &str) -> EspConsole {
    EspConsole::start(EspConfig {
        security,
        version: version.as_bytes().to_vec(),
        provisioning: true,
    })
}

/// Runs `uniprov <args> --transport console --serial <pty> --json`; exit code, JSON document,
/// stderr.
fn uniprov(device: &EspConsole, args: &[&str]) -> (i32, Value, String) {
    let out: Output = Command::new(BIN)
        .args(args)
        .args(["--transport", "console", "--serial", device.path()])
        .args(["--timeout", "10", "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("run uniprov");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let doc: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {stdout:?}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), doc, stderr)
}

fn provision(device: &EspConsole, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["provision", "--ssid", "home", "--passphrase", "mypassword"];
    args.extend_from_slice(extra);
    uniprov(device, &args)
}

/// Every line the device dispatched ended with the lone CR of the client and fits ESP's buffer.
fn assert_lines_like_a_terminal(device: &EspConsole) {
    let lines = device.lines();
    assert!(!lines.is_empty());
    for line in lines {
        assert!(line.len() <= 255, "{} bytes", line.len());
        assert_eq!(
            line.last(),
            Some(&b'\r'),
            "{:?}",
            String::from_utf8_lossy(&line)
        );
        assert!(
            !line.contains(&b'\n'),
            "{:?}",
            String::from_utf8_lossy(&line)
        );
    }
}

#[test]
fn security_1_provisions_over_an_esp_console() {
    let device = esp(sec1("abcd1234"), IDF_SEC1);
    let (code, doc, stderr) = provision(&device, &["--pop", "abcd1234"]);
    assert_eq!(code, 0, "{doc} {stderr}");
    assert_eq!(doc["security"]["sec_ver"], 1);
    assert_eq!(doc["security"]["pop"], true);
    assert_eq!(doc["result"]["state"], "connected");
    assert_eq!(doc["result"]["ip4_addr"], "192.168.1.77");
    assert_eq!(doc["result"]["ssid"], "home");
    assert_lines_like_a_terminal(&device);
    // The same device again (a new client, a new session id), this time scanning.
    let (code, doc, stderr) = uniprov(&device, &["scan", "--pop", "abcd1234"]);
    assert_eq!(code, 0, "{doc} {stderr}");
    let ssids: Vec<&str> = doc["result"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ssid"].as_str().unwrap())
        .collect();
    assert_eq!(ssids, ["home", "cafe"]);
    // A wrong PoP is an authentication failure, not a timeout.
    let (code, doc, _) = provision(&device, &["--pop", "wrong-pop"]);
    assert_eq!(code, 4, "{doc}");
}

#[test]
fn security_0_provisions_over_an_esp_console_with_compact_proto_ver() {
    // network_provisioning ≥ 1.3.0 prints proto-ver compact (§8).
    let compact = r#"{"prov":{"ver":"netprov-v1.2","sec_ver":0,"sec_patch_ver":0,"cap":["no_sec","wifi_prov","wifi_scan"]}}"#;
    let device = esp(DeviceSecurity::Sec0, compact);
    let (code, doc, stderr) = provision(&device, &["--sec_ver", "0"]);
    assert_eq!(code, 0, "{doc} {stderr}");
    assert_eq!(doc["device"]["prov_ver"], "netprov-v1.2");
    assert_eq!(doc["device"]["capabilities"][1], "wifi_prov");
    assert_eq!(doc["security"]["sec_ver"], 0);
    assert_eq!(doc["result"]["state"], "connected");
    assert_lines_like_a_terminal(&device);
}

#[test]
fn an_explicit_empty_pop_is_used_not_treated_as_missing() {
    // ESP-IDF started with the PoP "": proto-ver lists no `no_pop`, the handshake skips the XOR.
    let device = esp(sec1(""), IDF_SEC1);
    let (code, doc, _) = provision(&device, &[]);
    assert_eq!(
        code, 2,
        "no --pop is a usage error against a PoP device: {doc}"
    );
    let (code, doc, stderr) = provision(&device, &["--pop", ""]);
    assert_eq!(code, 0, "{doc} {stderr}");
    assert_eq!(doc["security"]["pop"], false);
    assert_eq!(doc["result"]["state"], "connected");
}

#[test]
fn security_2_is_refused_at_once_as_too_long_for_the_console() {
    let creds = generate_sec2_credentials(b"wifiprov", b"abcd1234", 16, &mut OsEntropy);
    let security = DeviceSecurity::Sec2 {
        salt: creds.salt,
        verifier: creds.verifier,
        patch: Sec2Patch::V1,
    };
    let version = "{\n\t\"prov\":\t{\n\t\t\"ver\":\t\"v1.1\",\n\t\t\"sec_ver\":\t2,\n\t\t\"sec_patch_ver\":\t1,\n\t\t\"cap\":\t[\"wifi_scan\"]\n\t}\n}";
    let device = esp(security, version);
    let started = Instant::now();
    let (code, doc, stderr) = provision(
        &device,
        &["--sec2_username", "wifiprov", "--sec2_pwd", "abcd1234"],
    );
    let took = started.elapsed();
    assert_eq!(code, 2, "{doc} {stderr}");
    assert_eq!(doc["error"]["class"], "usage");
    let message = doc["error"]["message"].as_str().unwrap();
    for part in ["255", "security 2", "BLE or SoftAP"] {
        assert!(message.contains(part), "{message}");
    }
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // Nothing but proto-ver (and the first empty line) reached the device.
    let lines = device.lines();
    assert!(
        lines.iter().all(|l| !l.starts_with(b"prov-session")),
        "{lines:?}"
    );
}

#[test]
fn a_session_only_esp_device_does_not_offer_provisioning() {
    // `netprov_session_only_sec1_pop` of the vectors: network_provisioning 1.4.0 in
    // session-only mode without enable_provisioning (§11); no prov-config endpoint either.
    let version = "{\n\t\"prov\":\t{\n\t\t\"ver\":\t\"netprov-v1.2\",\n\t\t\"sec_ver\":\t1,\n\t\t\"sec_patch_ver\":\t0,\n\t\t\"cap\":\t[]\n\t}\n}";
    let device = EspConsole::start(EspConfig {
        security: sec1("abcd1234"),
        version: version.as_bytes().to_vec(),
        provisioning: false,
    });
    let (code, doc, stderr) = provision(&device, &["--pop", "abcd1234"]);
    assert_eq!(code, 8, "{doc} {stderr}");
    assert_eq!(doc["error"]["class"], "not_offered");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(message.contains("does not offer provisioning"), "{message}");
    // `version` still works: the device is there, it just serves no provisioning.
    let (code, doc, _) = uniprov(&device, &["version"]);
    assert_eq!(code, 0, "{doc}");
}

/// Opens the pty slave like a terminal program would, raw.
fn open_raw(path: &str) -> std::fs::File {
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut termios = rustix::termios::tcgetattr(&file).unwrap();
    termios.make_raw();
    rustix::termios::tcsetattr(&file, rustix::termios::OptionalActions::Now, &termios).unwrap();
    file
}

/// Reads what the device prints within `window`.
fn read_for(file: &mut std::fs::File, window: Duration) -> Vec<u8> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let deadline = Instant::now() + window;
    let mut out = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let mut fds = [PollFd::new(&*file, PollFlags::IN)];
        let timeout = Timespec {
            tv_sec: 0,
            tv_nsec: i64::from(left.subsec_nanos().max(1_000_000)),
        };
        if matches!(poll(&mut fds, Some(&timeout)), Ok(n) if n > 0) {
            let mut buf = [0u8; 1024];
            let n = file.read(&mut buf).unwrap();
            out.extend_from_slice(&buf[..n]);
        }
    }
    out
}

#[test]
fn the_fake_is_strict_a_line_ended_by_lf_or_crlf_gets_no_answer() {
    let device = esp(DeviceSecurity::Sec0, IDF_SEC1);
    let mut tty = open_raw(device.path());
    read_for(&mut tty, Duration::from_millis(100));
    let window = Duration::from_millis(300);
    for (ending, name) in [(&b"\n"[..], "LF"), (&b"\r\n"[..], "CR LF")] {
        let mut line = b"proto-ver 1 2d2d2d".to_vec();
        line.extend_from_slice(ending);
        tty.write_all(&line).unwrap();
        let out = read_for(&mut tty, window);
        let text = String::from_utf8_lossy(&out).into_owned();
        assert!(
            text.starts_with("proto-ver 1 2d2d2d"),
            "{name}: echo {text:?}"
        );
        assert!(
            !text.contains(">> "),
            "{name}: the line must not end: {text:?}"
        );
        // A lone CR, as a terminal sends on Enter, ends it (the LF stays in the argument).
        tty.write_all(b"\r").unwrap();
        let out = read_for(&mut tty, window);
        let text = String::from_utf8_lossy(&out).into_owned();
        assert!(text.contains("\r\n7b0a"), "{name}: {text:?}");
        assert!(text.ends_with("\n>> "), "{name}: {text:?}");
    }
    // What the client sends: the line and a lone CR; the answer is `\r\n<hex>\r\n`.
    tty.write_all(b"proto-ver 1 2d2d2d\r").unwrap();
    let out = read_for(&mut tty, window);
    let expected = format!(
        "proto-ver 1 2d2d2d\r\n\r\n{}\r\n\n>> ",
        hex::encode(IDF_SEC1)
    );
    assert_eq!(String::from_utf8_lossy(&out), expected);
    // An unknown command, too few arguments and an empty line print nothing but the prompt.
    for line in [&b"nonsense 1 00\r"[..], b"proto-ver 1\r", b"\r"] {
        tty.write_all(line).unwrap();
        let out = read_for(&mut tty, window);
        let mut expected = line[..line.len() - 1].to_vec();
        expected.extend_from_slice(b"\r\n\n>> ");
        assert_eq!(out, expected, "{:?}", String::from_utf8_lossy(line));
    }
}

#[test]
fn a_line_of_more_than_255_bytes_is_cut_by_the_fake() {
    // 300 bytes without a CR: the fake dispatches the first 255 as a line, as ESP-IDF does.
    let device = esp(DeviceSecurity::Sec0, IDF_SEC1);
    let mut tty = open_raw(device.path());
    read_for(&mut tty, Duration::from_millis(100));
    let mut line = b"proto-ver 1 ".to_vec();
    line.resize(300, b'a');
    tty.write_all(&line).unwrap();
    read_for(&mut tty, Duration::from_millis(300));
    let lines = device.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].len(), 255);
}
