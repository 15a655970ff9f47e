//! End-to-end: the `uniprov` binary's client subcommands against the `uniprov device`
//! binary (simulated radio) over loopback HTTP and over a console child process.
//!
//! Every flag of `uniprov device` used here is in [`DeviceCmd::args`], so adapting to the
//! device CLI's final spelling is a one-place change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_uniprov");

/// The simulated radio's world: one WPA2 network.
const WORLD: &str = r#"
connect_delay_ms = 50
scan_duration_ms = 10

[[wifi]]
ssid = "home"
passphrase = "mypassword"
auth = "wpa2_psk"
rssi = -40
channel = 6
bssid = "24:0a:c4:00:00:01"

[[wifi]]
ssid = "cafe"
auth = "open"
rssi = -70
channel = 11
bssid = "24:0a:c4:00:00:02"
"#;

/// How a device is started.
struct DeviceCmd {
    sec_ver: u8,
    pop: Option<&'static str>,
    sec2: Option<(&'static str, &'static str)>,
    extra: Vec<&'static str>,
    dir: tempfile::TempDir,
}

impl DeviceCmd {
    fn new(sec_ver: u8) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("world.toml"), WORLD).unwrap();
        DeviceCmd {
            sec_ver,
            pop: None,
            sec2: None,
            extra: Vec::new(),
            dir,
        }
    }

    /// One more `uniprov device` argument.
    fn arg(mut self, arg: &'static str) -> Self {
        self.extra.push(arg);
        self
    }

    fn pop(mut self, pop: &'static str) -> Self {
        self.pop = Some(pop);
        self
    }

    fn sec2(mut self, user: &'static str, password: &'static str) -> Self {
        self.sec2 = Some((user, password));
        self
    }

    /// The `uniprov device` arguments (the one place that knows the device CLI).
    fn args(&self, transport: &str) -> Vec<String> {
        let mut args: Vec<String> = vec!["device".into(), "--transport".into(), transport.into()];
        if transport == "http" {
            args.extend(["--listen".into(), "127.0.0.1:0".into()]);
        }
        args.extend(["--sec-ver".into(), self.sec_ver.to_string()]);
        if let Some(pop) = self.pop {
            args.extend(["--pop".into(), pop.into()]);
        }
        if let Some((user, password)) = self.sec2 {
            args.extend([
                "--sec2-username".into(),
                user.into(),
                "--sec2-pwd".into(),
                password.into(),
            ]);
        }
        let world = self.dir.path().join("world.toml");
        args.extend(["--sim".into(), world.display().to_string()]);
        let state = self.dir.path().join("state");
        args.extend(["--state-dir".into(), state.display().to_string()]);
        args.extend(self.extra.iter().map(|a| a.to_string()));
        args
    }

    /// Starts an HTTP device and waits until it prints its address.
    fn spawn_http(self) -> RunningDevice {
        let mut child = Command::new(BIN)
            .args(self.args("http"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start uniprov device");
        let address = wait_for_address(&mut child);
        RunningDevice {
            child,
            address,
            _cmd: self,
        }
    }

    /// The shell command line of a console device, for `--exec`.
    fn console_command(&self) -> String {
        let quoted: Vec<String> = self
            .args("console")
            .iter()
            .map(|a| format!("'{a}'"))
            .collect();
        format!("'{BIN}' {}", quoted.join(" "))
    }
}

/// Reads the device's output until a `127.0.0.1:<port>` shows up.
fn wait_for_address(child: &mut Child) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(at) = line.find("127.0.0.1:") {
                    let rest = &line[at..];
                    let end = rest[10..]
                        .find(|c: char| !c.is_ascii_digit())
                        .map_or(rest.len(), |i| i + 10);
                    let _ = tx.send(rest[..end].to_owned());
                }
            }
        });
    }
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the device printed no 127.0.0.1:<port> address")
}

struct RunningDevice {
    child: Child,
    address: String,
    _cmd: DeviceCmd,
}

impl Drop for RunningDevice {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uniprov(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run uniprov")
}

/// Runs with `--json`; returns the exit code and the one JSON document on stdout.
fn uniprov_json(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = uniprov(&all);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let doc: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {stdout:?}"));
    (out.status.code().unwrap_or(-1), doc)
}

fn http(device: &RunningDevice) -> [&str; 4] {
    [
        "--transport",
        "softap",
        "--service_name",
        device.address.as_str(),
    ]
}

#[test]
fn sec0_provisioning_over_http_with_json_output() {
    let device = DeviceCmd::new(0).spawn_http();
    let mut args = vec!["provision"];
    args.extend(http(&device));
    args.extend(["--ssid", "home", "--passphrase", "mypassword"]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["result"]["ssid"], "home");
    assert_eq!(doc["security"]["sec_ver"], 0);
    for phase in [
        "connect",
        "proto_ver",
        "handshake",
        "set",
        "apply",
        "connected",
    ] {
        assert!(
            doc["phases_ms"][phase].is_number(),
            "{phase} missing: {doc}"
        );
    }
    assert!(!doc.to_string().contains("mypassword"));
}

#[test]
fn sec1_esp_prov_flag_form() {
    let device = DeviceCmd::new(1).pop("abcd1234").spawn_http();
    let mut args = http(&device).to_vec();
    args.extend([
        "--sec_ver",
        "1",
        "--pop",
        "abcd1234",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    let out = uniprov(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains("abcd1234") && !all.contains("mypassword"),
        "{all}"
    );
}

#[test]
fn sec2_without_sec_ver_and_both_spellings() {
    let device = DeviceCmd::new(2).sec2("wifiprov", "abcd1234").spawn_http();
    let mut args = vec![
        "provision",
        "--transport",
        "http",
        "--service-name",
        device.address.as_str(),
    ];
    args.extend([
        "--sec2-username",
        "wifiprov",
        "--sec2_pwd",
        "abcd1234",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["security"]["sec_ver"], 2);
    assert_eq!(doc["security"]["source"], "sec_ver");
}

#[test]
fn wrong_pop_exits_4() {
    let device = DeviceCmd::new(1).pop("abcd1234").spawn_http();
    let mut args = vec!["provision"];
    args.extend(http(&device));
    args.extend([
        "--pop",
        "wrongpop",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 4, "{doc}");
    assert_eq!(doc["error"]["class"], "auth_failed");
}

#[test]
fn wrong_sec2_password_exits_4() {
    let device = DeviceCmd::new(2).sec2("wifiprov", "abcd1234").spawn_http();
    let mut args = vec!["status"];
    args.extend(http(&device));
    args.extend(["--sec2_username", "wifiprov", "--sec2_pwd", "nope"]);
    let (code, _) = uniprov_json(&args);
    assert_eq!(code, 4);
}

#[test]
fn wrong_passphrase_exits_5_then_reset_allows_a_retry() {
    let device = DeviceCmd::new(0).spawn_http();
    let mut args = vec!["provision"];
    args.extend(http(&device));
    args.extend(["--ssid", "home", "--passphrase", "wrongpassword"]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 5, "{doc}");
    assert!(doc["error"]["hint"]
        .as_str()
        .unwrap()
        .contains("ctrl reset"));
    let mut reset = vec!["ctrl", "reset"];
    reset.extend(http(&device));
    let (code, doc) = uniprov_json(&reset);
    assert_eq!(code, 0, "{doc}");
    let last = args.len() - 1;
    args[last] = "mypassword";
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn unknown_ssid_exits_6() {
    let device = DeviceCmd::new(0).spawn_http();
    let mut args = vec!["provision"];
    args.extend(http(&device));
    args.extend(["--ssid", "nowhere", "--passphrase", "mypassword"]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 6, "{doc}");
}

#[test]
fn unreachable_exits_3_and_usage_exits_2() {
    let (code, doc) = uniprov_json(&["status", "--service_name", "127.0.0.1:1"]);
    assert_eq!(code, 3, "{doc}");
    let (code, _) = uniprov_json(&["provision", "--transport", "ble"]);
    assert_eq!(code, 2);
    // --json without --ssid cannot ask which network: usage error after the scan.
    let device = DeviceCmd::new(0).spawn_http();
    let mut args = vec!["provision"];
    args.extend(http(&device));
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 2, "{doc}");
}

#[test]
fn scan_version_and_custom() {
    let device = DeviceCmd::new(1).pop("abcd1234").spawn_http();
    let mut args = vec!["scan"];
    args.extend(http(&device));
    args.extend(["--pop", "abcd1234"]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
    let ssids: Vec<&str> = doc["result"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ssid"].as_str().unwrap())
        .collect();
    assert_eq!(ssids, ["home", "cafe"]);
    let mut args = vec!["version"];
    args.extend(http(&device));
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0);
    assert_eq!(doc["device"]["sec_ver"], 1);
    assert!(doc.get("security").is_none());
}

#[test]
fn qr_payload_fills_security() {
    let device = DeviceCmd::new(2).sec2("wifiprov", "abcd1234").spawn_http();
    let qr = r#"{"ver":"v1","name":"PROV_TEST","username":"wifiprov","pop":"abcd1234","transport":"softap"}"#;
    let args = [
        "provision",
        "--qr",
        qr,
        "--service_name",
        device.address.as_str(),
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ];
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["security"]["username"], "wifiprov");
    assert!(doc.get("warnings").is_none(), "{doc}");
}

#[test]
fn console_transport_over_exec() {
    let cmd = DeviceCmd::new(1).pop("abcd1234");
    let exec = cmd.console_command();
    let args = [
        "provision",
        "--exec",
        exec.as_str(),
        "--pop",
        "abcd1234",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ];
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
    assert!(doc["target"].as_str().unwrap().starts_with("console"));
}

#[test]
fn manifest_with_one_failing_device() {
    let good = DeviceCmd::new(1).pop("abcd1234").spawn_http();
    let bad = DeviceCmd::new(1).pop("abcd1234").spawn_http();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("devices.csv");
    let report = dir.path().join("report.json");
    let mut file = std::fs::File::create(&manifest).unwrap();
    writeln!(file, "transport,service_name,pop,ssid,passphrase").unwrap();
    writeln!(file, "softap,{},abcd1234,home,mypassword", good.address).unwrap();
    writeln!(file, "softap,{},wrongpop,home,mypassword", bad.address).unwrap();
    drop(file);
    let args = [
        "provision",
        "--manifest",
        manifest.to_str().unwrap(),
        "--parallel",
        "2",
        "--report",
        report.to_str().unwrap(),
    ];
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 4, "{doc}");
    assert_eq!(doc["succeeded"], 1);
    assert_eq!(doc["failed"], 1);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["devices"][1]["error"]["class"], "auth_failed");
    assert!(!std::fs::read_to_string(&report)
        .unwrap()
        .contains("abcd1234"));
}

#[test]
fn sec1_without_pop_is_negotiated_from_proto_ver() {
    let device = DeviceCmd::new(1).spawn_http();
    let mut args = vec!["provision"];
    args.extend(http(&device));
    args.extend(["--ssid", "home", "--passphrase", "mypassword"]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["security"]["sec_ver"], 1, "{doc}");
    assert_eq!(doc["security"]["pop"], false, "{doc}");
}

#[test]
fn sec2_patch_0_device_is_spoken_to_with_the_constant_nonce() {
    let device = DeviceCmd::new(2)
        .sec2("wifiprov", "abcd1234")
        .arg("--sec-patch-ver")
        .arg("0")
        .spawn_http();
    let mut args = vec!["provision"];
    args.extend(http(&device));
    args.extend([
        "--sec2-username",
        "wifiprov",
        "--sec2-pwd",
        "abcd1234",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    let (code, doc) = uniprov_json(&args);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["security"]["sec_ver"], 2, "{doc}");
    assert_eq!(doc["security"]["sec_patch_ver"], 0, "{doc}");
}

#[test]
fn ctrl_reprov_lets_a_provisioned_device_take_new_credentials() {
    let device = DeviceCmd::new(1)
        .pop("abcd1234")
        .arg("--no-auto-stop")
        .spawn_http();
    let mut provision = vec!["provision"];
    provision.extend(http(&device));
    provision.extend([
        "--pop",
        "abcd1234",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    let (code, doc) = uniprov_json(&provision);
    assert_eq!(code, 0, "first provisioning: {doc}");
    let (code, doc) = uniprov_json(&provision);
    assert_ne!(
        code, 0,
        "a provisioned device refuses new credentials: {doc}"
    );
    let mut reprov = vec!["ctrl", "reprov"];
    reprov.extend(http(&device));
    reprov.extend(["--pop", "abcd1234"]);
    let (code, doc) = uniprov_json(&reprov);
    assert_eq!(code, 0, "ctrl reprov: {doc}");
    let (code, doc) = uniprov_json(&provision);
    assert_eq!(code, 0, "provisioning after reprov: {doc}");
}

#[test]
fn console_transport_over_exec_with_security_2_and_security_0() {
    // Security 2's Cmd0 is ~810 hex characters: beyond ESP's 255-character console line.
    let sec2 = DeviceCmd::new(2).sec2("wifiprov", "abcd1234");
    let exec = sec2.console_command();
    let (code, doc) = uniprov_json(&[
        "provision",
        "--exec",
        exec.as_str(),
        "--sec2-username",
        "wifiprov",
        "--sec2-pwd",
        "abcd1234",
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["security"]["sec_ver"], 2, "{doc}");

    let sec0 = DeviceCmd::new(0);
    let exec = sec0.console_command();
    let (code, doc) = uniprov_json(&[
        "provision",
        "--exec",
        exec.as_str(),
        "--ssid",
        "home",
        "--passphrase",
        "mypassword",
    ]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["security"]["sec_ver"], 0, "{doc}");
}
