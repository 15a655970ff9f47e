//! The client against devices that do not offer provisioning (§11), and an empty PoP, with real
//! processes: `uniprov device --mode session-only` over `--exec`, and an ESP-IDF-like HTTP
//! server whose provisioning endpoints answer 404 (a session-only device after provisioning
//! keeps its old proto-ver but removes prov-config, prov-scan and prov-ctrl).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_uniprov");

fn uniprov_json(args: &[&str]) -> (i32, Value) {
    let out = Command::new(BIN)
        .args(args)
        .args(["--timeout", "10", "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("run uniprov");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let doc: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {stdout:?} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

/// `uniprov device --transport console ...` as an `--exec` command line.
fn device_exec(state: &std::path::Path, extra: &str) -> String {
    format!(
        "'{BIN}' device --transport console --sim-connect-delay-ms 0 --state-dir '{}' {extra}",
        state.display()
    )
}

#[test]
fn a_session_only_uniprov_device_does_not_offer_provisioning() {
    let state = tempfile::tempdir().unwrap();
    let exec = device_exec(
        state.path(),
        "--mode session-only --sec-ver 1 --pop abcd1234",
    );
    for command in ["provision", "scan", "status"] {
        let mut args = vec![command, "--exec", &exec, "--pop", "abcd1234"];
        if command == "provision" {
            args.extend(["--ssid", "HomeNetwork", "--passphrase", "password123"]);
        }
        let (code, doc) = uniprov_json(&args);
        assert_eq!(code, 8, "{command}: {doc}");
        assert_eq!(doc["error"]["class"], "not_offered", "{command}");
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("the device does not offer provisioning (yet)"),
            "{message}"
        );
        assert!(doc["error"]["hint"].as_str().is_some(), "{doc}");
    }
    // The same device with provisioning enabled on this boot provisions normally.
    let exec = device_exec(
        state.path(),
        "--mode session-only --enable-provisioning --sec-ver 1 --pop abcd1234",
    );
    let (code, doc) = uniprov_json(&[
        "provision",
        "--exec",
        &exec,
        "--pop",
        "abcd1234",
        "--ssid",
        "HomeNetwork",
        "--passphrase",
        "password123",
    ]);
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn a_uniprov_device_with_an_empty_pop_is_provisioned_with_pop_empty() {
    // uniprov device treats an empty --pop as none and advertises `no_pop` (unlike ESP-IDF,
    // whose "" PoP is advertised as a PoP; tests/esp_console.rs covers that one).
    let state = tempfile::tempdir().unwrap();
    let exec = device_exec(state.path(), "--sec-ver 1 --pop ''");
    let (code, doc) = uniprov_json(&[
        "provision",
        "--exec",
        &exec,
        "--pop",
        "",
        "--ssid",
        "HomeNetwork",
        "--passphrase",
        "password123",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["security"]["pop"], false);
}

/// Serves one HTTP connection like an ESP-IDF security 0 device whose provisioning endpoints
/// are gone: proto-ver still lists `wifi_prov`, prov-session answers, anything else is 404
/// (esp_http_server's answer for an unregistered URI).
fn serve_404_device(listener: TcpListener) {
    let version = br#"{"prov":{"ver":"netprov-v1.2","sec_ver":0,"sec_patch_ver":0,"cap":["no_sec","wifi_prov","wifi_scan"]}}"#;
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer: TcpStream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let (status, answer): (&str, &[u8]) = match path.as_str() {
            "/proto-ver" => ("200 OK", version),
            // §4: the security 0 handshake answer.
            "/prov-session" => ("200 OK", &[0x52, 0x05, 0x08, 0x01, 0xaa, 0x01, 0x00]),
            _ => ("404 Not Found", b"Nothing matches the given URI"),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        writer.write_all(head.as_bytes()).unwrap();
        writer.write_all(answer).unwrap();
    }
}

#[test]
fn a_missing_provisioning_endpoint_is_not_offered() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || serve_404_device(listener));
    let (code, doc) = uniprov_json(&[
        "provision",
        "--transport",
        "softap",
        "--service_name",
        &address,
        "--sec_ver",
        "0",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    assert_eq!(code, 8, "{doc}");
    assert_eq!(doc["error"]["class"], "not_offered");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("does not offer provisioning") && message.contains("prov-config"),
        "{message}"
    );
    server.join().unwrap();
}
